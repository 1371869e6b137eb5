/**
 * argv -> one TokenInput. Three shapes reach here and mean the same thing (docs/contract.md,
 * "Drop-in command lines"):
 *   eks-token [token] --cluster-name N ...
 *   eks-token --region R eks get-token --cluster-name N --output json [--role ARN] [--cluster-id ID]
 *   eks-token token -i N [-r ARN] [--region R] [-s S] [-e E] [--cache] [--forward-session-name]
 */
import { isTrue, type Env } from "../env.js";
import { EksTokenError } from "../errors.js";
import { normalizeApiVersion } from "../token/exec-credential.js";
import type { TokenInput } from "../usecases/token-request.js";
import { debugRequested } from "./debug.js";
import { parseFlags } from "./flags.js";
import { quote } from "../quote.js";

export type { TokenInput };

export type ParsedCommand = { kind: "help" } | { kind: "version" } | { kind: "token"; request: TokenInput };

/** The token command's options: read by node:util's parseArgs and by the cache-hit path's scanner (./fast-args.ts). */
export const OPTIONS = {
  "cluster-name": { type: "string" },
  "cluster-id": { type: "string", short: "i" },
  region: { type: "string" },
  profile: { type: "string" },
  "role-arn": { type: "string", short: "r" },
  role: { type: "string" },
  "session-name": { type: "string", short: "s" },
  "external-id": { type: "string", short: "e" },
  "forward-session-name": { type: "boolean" },
  "sso-session": { type: "string" },
  "sso-start-url": { type: "string" },
  "sso-region": { type: "string" },
  "sso-account-id": { type: "string" },
  "sso-role-name": { type: "string" },
  output: { type: "string", short: "o" },
  "token-only": { type: "boolean" },
  "api-version": { type: "string" },
  cache: { type: "boolean" },
  "no-cache": { type: "boolean" },
  "cache-dir": { type: "string" },
  debug: { type: "boolean" },
  "sso-login": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

// The positional words of the three shapes; anything else is a mistake worth reporting.
const COMMAND_WORDS = [[], ["token"], ["eks", "get-token"], ["get-token"]] as const;

/** argv as flag values and positional words, as node:util's parseArgs gives them for OPTIONS. */
export type TokenFlags = ReturnType<typeof parseFlags<typeof OPTIONS>>;

/** The full parser: every form parseArgs accepts, and a usage error for the rest. */
export function scanTokenFlags(argv: readonly string[]): TokenFlags {
  return parseFlags(argv, OPTIONS, { positionals: true, hint: "run `eks-token --help` for the options" });
}

/** `scan` turns argv into flags: the full parser, or the cache-hit path's (./fast-args.ts), which agrees with it. */
export function parseTokenArgs(
  argv: readonly string[],
  env: Env,
  scan: (argv: readonly string[]) => TokenFlags = scanTokenFlags,
): ParsedCommand {
  const { values: v, positionals } = scan(argv);
  if (v.help) return { kind: "help" };
  if (v.version) return { kind: "version" };
  if (
    !COMMAND_WORDS.some((words) => words.length === positionals.length && words.every((w, i) => positionals[i] === w))
  ) {
    throw new EksTokenError(
      "usage",
      `unexpected argument ${quote(positionals.join(" "))}`,
      "run `eks-token --help` for the commands and options",
    );
  }

  const roleFlags = [v["role-arn"], v.role].filter((r) => r !== undefined);
  if (roleFlags.length > 1 && roleFlags[0] !== roleFlags[1]) {
    throw new EksTokenError("usage", "--role-arn and --role name different roles", "pass one of them");
  }
  return {
    kind: "token",
    request: {
      // --cluster-id is the Outposts id that the server checks, so it wins over the name.
      clusterId: v["cluster-id"] ?? v["cluster-name"] ?? (env["KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID"] || undefined),
      region: emptyToUndefined(v.region, "--region"),
      profile: emptyToUndefined(v.profile, "--profile"),
      roleArn: emptyToUndefined(roleFlags[0], "--role-arn"),
      sessionName: emptyToUndefined(v["session-name"], "--session-name"),
      externalId: emptyToUndefined(v["external-id"], "--external-id"),
      forwardSessionName: v["forward-session-name"] ?? false,
      ssoSession: emptyToUndefined(v["sso-session"], "--sso-session"),
      ssoStartUrl: emptyToUndefined(v["sso-start-url"], "--sso-start-url"),
      ssoRegion: emptyToUndefined(v["sso-region"], "--sso-region"),
      ssoAccountId: emptyToUndefined(v["sso-account-id"], "--sso-account-id"),
      ssoRoleName: emptyToUndefined(v["sso-role-name"], "--sso-role-name"),
      output: parseOutput(v.output, v["token-only"] ?? false),
      apiVersion: v["api-version"] === undefined ? undefined : parseApiVersion(v["api-version"]),
      cache: !(v["no-cache"] ?? false) && !isTrue(env["EKS_TOKEN_NO_CACHE"]),
      cacheDir: emptyToUndefined(v["cache-dir"], "--cache-dir"),
      debug: debugRequested(argv, env),
      ssoLogin: parseSsoLogin(v["sso-login"]),
    },
  };
}

function parseOutput(output: string | undefined, tokenOnly: boolean): "json" | "token" {
  if (tokenOnly) return "token";
  if (output === undefined || output === "json") return "json";
  if (output === "token") return "token";
  throw new EksTokenError(
    "usage",
    `--output ${quote(output)} is not supported`,
    "use --output json (an ExecCredential) or --output token (the bare token)",
  );
}

function parseSsoLogin(value: string | undefined): "auto" | "never" | undefined {
  if (value === undefined || value === "auto" || value === "never") return value;
  throw new EksTokenError(
    "usage",
    `--sso-login ${quote(value)} is not supported`,
    "use --sso-login never (no automatic sign-in) or auto",
  );
}

function parseApiVersion(value: string): string {
  const full = normalizeApiVersion(value);
  if (!full) {
    throw new EksTokenError(
      "usage",
      `unknown --api-version ${quote(value)}`,
      "use v1 or v1beta1 (client.authentication.k8s.io/...)",
    );
  }
  return full;
}

function emptyToUndefined(value: string | undefined, flag: string): string | undefined {
  if (value === "") throw new EksTokenError("usage", `${flag} needs a value`, "run `eks-token --help` for the options");
  return value;
}
