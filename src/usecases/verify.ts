/**
 * `eks-token verify`: runs the server's checks on a token and, with --sts, the server's STS call,
 * so a 401 can be explained before it happens. Prints the report (or, for --output json, the
 * failure) on stdout; a failure is thrown for the caller to turn into its line and exit code.
 */
import { EksTokenError, isEksTokenError } from "../errors.js";
import { extractToken } from "../verify/input.js";
import { failureJson, formatText, toJson } from "../verify/report.js";
import { verifyTokenShape, type RuleFailure } from "../verify/rules.js";
import { STS_TIMEOUT_MS, callSts, type CallStsOptions, type StsIdentity } from "../verify/sts.js";
import type { Ports } from "./ports.js";

export interface VerifyInput {
  /** undefined: read it from stdin. */
  readonly token: string | undefined;
  readonly clusterName: string | undefined;
  readonly output: "text" | "json";
  readonly sts: boolean;
}

export interface VerifyDeps extends Pick<Ports, "env" | "now" | "stdout"> {
  readStdin(): Promise<string>;
  /** The server's STS call; tests pass a fake. */
  readonly callSts?: (options: CallStsOptions) => Promise<StsIdentity>;
  /** The server waits 10 s for STS; tests shorten it. */
  readonly stsTimeoutMs?: number;
}

export async function verifyToken(input: VerifyInput, deps: VerifyDeps): Promise<void> {
  let failure: RuleFailure | undefined;
  try {
    const token = extractToken(input.token ?? (await deps.readStdin()));
    const now = new Date(deps.now());
    const shape = verifyTokenShape(token, { now });
    if (!shape.ok) {
      failure = shape;
      throw new EksTokenError(
        shape.kind === "expired" ? "token-expired" : "token-malformed",
        shape.message,
        shape.hint,
      );
    }
    const identity = input.sts
      ? await (deps.callSts ?? callSts)({
          url: shape.facts.url,
          clusterId: input.clusterName ?? "",
          env: deps.env,
          timeoutMs: deps.stsTimeoutMs ?? STS_TIMEOUT_MS,
        })
      : undefined;
    const report = { facts: shape.facts, now, ...(identity ? { identity, clusterName: input.clusterName } : {}) };
    deps.stdout(input.output === "json" ? `${JSON.stringify(toJson(report), null, 2)}\n` : formatText(report));
  } catch (err) {
    if (isEksTokenError(err) && input.output === "json")
      deps.stdout(`${JSON.stringify(failureJson(err, failure), null, 2)}\n`);
    throw err;
  }
}
