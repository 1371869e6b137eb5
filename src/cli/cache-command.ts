/** `eks-token cache list [--output table|json]` and `eks-token cache clear [--cluster-name N]`: flags in, exit code out. */
import { EksTokenError } from "../errors.js";
import { quote } from "../quote.js";
import { runCacheCommand } from "../usecases/cache.js";
import { parseFlags } from "./flags.js";
import type { Command } from "./io.js";

export const CACHE_USAGE = `usage: eks-token cache list [--output table|json] [--cache-dir DIR]
       eks-token cache clear [--cluster-name NAME] [--cache-dir DIR]

Shows or removes what eks-token keeps between calls: tokens and assumed-role credentials (list
never prints a token or a key).
  --output table|json  list's format (default table)
  --cluster-name NAME  clear: only this cluster's tokens (-i/--cluster-id is the same)
  --cache-dir DIR      the cache directory (default EKS_TOKEN_CACHE_DIR, else ~/.kube/cache/eks-token)
`;

const HINT = "run `eks-token cache --help`";

const OPTIONS = {
  "cluster-name": { type: "string" },
  "cluster-id": { type: "string", short: "i" },
  "cache-dir": { type: "string" },
  output: { type: "string", short: "o" },
  help: { type: "boolean", short: "h" },
} as const;

const OUTPUTS = ["table", "json"] as const;

export const runCache: Command = async (args, io) => {
  const { values, positionals } = parseFlags(args, OPTIONS, { positionals: true, hint: HINT });
  if (values.help) {
    io.stdout(CACHE_USAGE);
    return 0;
  }
  const action = positionals[0];
  if (action === undefined) throw new EksTokenError("usage", "missing cache command (list or clear)", HINT);
  if (positionals.length !== 1 || (action !== "list" && action !== "clear")) {
    throw new EksTokenError("usage", `unknown cache command ${quote(positionals.join(" "))}`, "use list or clear");
  }
  const output = values.output ?? "table";
  if (!(OUTPUTS as readonly string[]).includes(output)) {
    throw new EksTokenError("usage", `unknown output format ${quote(output)}`, "use --output table or --output json");
  }
  await runCacheCommand(
    {
      action,
      cacheDir: values["cache-dir"],
      clusterId: values["cluster-id"] ?? values["cluster-name"],
      output: output as (typeof OUTPUTS)[number],
    },
    io,
  );
  return 0;
};
