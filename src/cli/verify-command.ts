/**
 * `eks-token verify [TOKEN|-] [--cluster-name N] [--output text|json] [--sts]`: flags in, exit
 * code out (0 valid, 3 malformed, 4 expired, 5 rejected by STS, 1 otherwise).
 */
import { EksTokenError, isEksTokenError } from "../errors.js";
import { verifyToken, type VerifyInput } from "../usecases/verify.js";
import { reportError } from "./fail.js";
import { parseFlags } from "./flags.js";
import type { Command } from "./io.js";
import { quote } from "../quote.js";

export interface VerifyCommandOptions {
  /** The server waits 10 s for STS; tests shorten it. */
  readonly stsTimeoutMs?: number;
}

export const VERIFY_USAGE = `usage: eks-token verify [TOKEN|-] [--cluster-name NAME] [--output text|json] [--sts]

Checks a token the way the EKS API server does. With no TOKEN (or -) it reads stdin, which may
hold the token, "Bearer <token>" or the plugin's ExecCredential JSON.
  --sts                also send it to STS as the server does (needs --cluster-name)
  --cluster-name NAME  the cluster name or id the server checks the token for
  --output text|json   report format (default text)
Exit status: 0 valid, 3 malformed, 4 expired, 5 rejected by STS, 1 other errors.
`;

const OPTIONS = {
  "cluster-name": { type: "string" },
  output: { type: "string", short: "o" },
  sts: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export function parseVerifyArgs(args: readonly string[]): VerifyInput & { readonly help: boolean } {
  const { values, positionals } = parseFlags(args, OPTIONS, {
    positionals: true,
    hint: "run `eks-token verify --help`",
  });
  if (positionals.length > 1)
    throw new EksTokenError("usage", "verify takes at most one token", "pass one token, or - to read it from stdin");
  const output = values.output ?? "text";
  if (output !== "text" && output !== "json")
    throw new EksTokenError("usage", `unknown output format ${quote(output)}`, "use --output text or --output json");
  const clusterName = values["cluster-name"];
  if (values.sts && !clusterName) {
    throw new EksTokenError(
      "usage",
      "--sts needs --cluster-name",
      "STS checks the signature over the cluster name, so pass the name the token was made for",
    );
  }
  const token = positionals[0] === "-" ? undefined : positionals[0];
  return { token, clusterName, output, sts: values.sts ?? false, help: values.help ?? false };
}

export function createVerifyCommand(options: VerifyCommandOptions = {}): Command {
  return async (args, io) => {
    try {
      const input = parseVerifyArgs(args);
      if (input.help) {
        io.stdout(VERIFY_USAGE);
        return 0;
      }
      await verifyToken(input, {
        ...io,
        ...(options.stsTimeoutMs !== undefined ? { stsTimeoutMs: options.stsTimeoutMs } : {}),
      });
      return 0;
    } catch (err) {
      if (!isEksTokenError(err)) throw err;
      // The CLI's one reporter: a single redacted `eks-token: what: what to do` line.
      return reportError(err, io.stderr, false);
    }
  };
}

export const runVerify: Command = createVerifyCommand();
