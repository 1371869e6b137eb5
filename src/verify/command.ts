/**
 * `eks-token verify [TOKEN|-] [--cluster-name N] [--output text|json] [--sts]`: runs the
 * server's checks on a token and, with --sts, the server's STS call, so a 401 can be explained
 * before it happens. Exit 0 valid, 3 malformed, 4 expired, 5 rejected by STS, 1 otherwise.
 */
import { parseArgs } from "node:util";
import type { CliIo, Command } from "../cli/io.js";
import { reportError } from "../cli/fail.js";
import { EksTokenError, isEksTokenError } from "../errors.js";
import { extractToken } from "./input.js";
import { failureJson, formatText, toJson } from "./report.js";
import { verifyTokenShape, type RuleFailure } from "./rules.js";
import { STS_TIMEOUT_MS, callSts } from "./sts.js";

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

interface VerifyArgs {
  readonly token: string | undefined;
  readonly clusterName: string | undefined;
  readonly output: "text" | "json";
  readonly sts: boolean;
  readonly help: boolean;
}

export function parseVerifyArgs(args: readonly string[]): VerifyArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: true,
      options: {
        "cluster-name": { type: "string" },
        output: { type: "string", short: "o" },
        sts: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw new EksTokenError("usage", (err as Error).message, "run `eks-token verify --help`");
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new EksTokenError("usage", "verify takes at most one token", "pass one token, or - to read it from stdin");
  const output = values.output ?? "text";
  if (output !== "text" && output !== "json") throw new EksTokenError("usage", `unknown output format ${JSON.stringify(output)}`, "use --output text or --output json");
  const clusterName = values["cluster-name"];
  if (values.sts && !clusterName) {
    throw new EksTokenError("usage", "--sts needs --cluster-name", "STS checks the signature over the cluster name, so pass the name the token was made for");
  }
  const token = positionals[0] === "-" ? undefined : positionals[0];
  return { token, clusterName, output, sts: values.sts ?? false, help: values.help ?? false };
}

function shapeError(failure: RuleFailure): EksTokenError {
  return new EksTokenError(failure.kind === "expired" ? "token-expired" : "token-malformed", failure.message, failure.hint);
}

export function createVerifyCommand(options: VerifyCommandOptions = {}): Command {
  return async (args, io) => {
    let output: "text" | "json" = "text";
    let failure: RuleFailure | undefined;
    try {
      const parsed = parseVerifyArgs(args);
      output = parsed.output;
      if (parsed.help) {
        io.stdout(VERIFY_USAGE);
        return 0;
      }
      const token = extractToken(parsed.token ?? (await io.readStdin()));
      const now = new Date(io.now());
      const shape = verifyTokenShape(token, { now });
      if (!shape.ok) {
        failure = shape;
        throw shapeError(shape);
      }
      const identity = parsed.sts
        ? await callSts({ url: shape.facts.url, clusterId: parsed.clusterName ?? "", env: io.env, timeoutMs: options.stsTimeoutMs ?? STS_TIMEOUT_MS })
        : undefined;
      const report = { facts: shape.facts, now, ...(identity ? { identity, clusterName: parsed.clusterName } : {}) };
      io.stdout(output === "json" ? `${JSON.stringify(toJson(report), null, 2)}\n` : formatText(report));
      return 0;
    } catch (err) {
      if (!isEksTokenError(err)) throw err;
      return reportFailure(io, err, output, failure);
    }
  };
}

function reportFailure(io: CliIo, err: EksTokenError, output: "text" | "json", failure: RuleFailure | undefined): number {
  if (output === "json") io.stdout(`${JSON.stringify(failureJson(err, failure), null, 2)}\n`);
  // The CLI's one reporter: a single redacted `eks-token: what: what to do` line.
  return reportError(err, io.stderr, false);
}

export const runVerify: Command = createVerifyCommand();
