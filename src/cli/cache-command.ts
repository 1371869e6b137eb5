/** `eks-token cache list [--output json]` and `eks-token cache clear [--cluster-name N]`: flags in, exit code out. */
import { EksTokenError } from "../errors.js";
import { runCacheCommand } from "../usecases/cache.js";
import { parseFlags } from "./flags.js";
import type { Command } from "./io.js";

const USAGE = "usage: eks-token cache list | cache clear [--cluster-name N]";

const OPTIONS = {
  "cluster-name": { type: "string" },
  "cluster-id": { type: "string", short: "i" },
  "cache-dir": { type: "string" },
  output: { type: "string", short: "o" },
} as const;

export const runCache: Command = async (args, io) => {
  const { values, positionals } = parseFlags(args, OPTIONS, { positionals: true, hint: USAGE });
  const action = positionals[0];
  if (positionals.length !== 1 || (action !== "list" && action !== "clear")) {
    throw new EksTokenError("usage", "unknown cache command", USAGE);
  }
  await runCacheCommand(
    {
      action,
      cacheDir: values["cache-dir"],
      clusterId: values["cluster-id"] ?? values["cluster-name"],
      output: values.output === "json" ? "json" : "table",
    },
    io,
  );
  return 0;
};
