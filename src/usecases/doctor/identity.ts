/**
 * Checks 2 to 4 of `eks-token doctor`: the credentials (and where they come from), the identity
 * STS gives them with the clock offset read from STS's Date header, and a token made by the one
 * token pipeline, checked by verify's rules.
 */
import type { ResolvedCredentials } from "../../aws/credentials.js";
import { readSharedConfig } from "../../aws/shared-config.js";
import type { CallStsOptions, StsResponse } from "../../aws/sts-client.js";
import type { TokenTarget } from "../../aws/target.js";
import type { Env } from "../../env.js";
import { isEksTokenError } from "../../errors.js";
import { verifyTokenShape } from "../../verify/rules.js";
import { parseCallerIdentity, secretsOf, stsHttpError, type StsIdentity } from "../../verify/sts.js";
import { command, fail, pass, warn, type Check, type Fix } from "./report.js";
import { shellJoin } from "../../quote.js";
import { getToken } from "../get-token.js";
import type { TokenRequest } from "../token-request.js";
import { ssoSessionReport } from "../login/session-report.js";

export const CLOCK_WARN_MS = 60_000;
export const CLOCK_FAIL_MS = 5 * 60_000;

export interface IdentityDeps {
  readonly env: Env;
  now(): number;
  resolveCredentials(target: TokenTarget, env: Env, timeoutMs: number): Promise<ResolvedCredentials>;
  callSts(options: CallStsOptions): Promise<StsResponse>;
}

const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

/** Where the default chain finds credentials for this target, as the SDK looks. */
export function credentialSource(target: TokenTarget, env: Env): string {
  const role = target.roleArn ? `, then role ${target.roleArn}` : "";
  if (!target.profileExplicit && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
    return `environment variables (AWS_ACCESS_KEY_ID${env.AWS_SESSION_TOKEN ? ", AWS_SESSION_TOKEN" : ""})${role}`;
  const p = readSharedConfig(env, target.profileExplicit ? target.profileName : undefined).profile;
  const name = `profile ${target.profileName}`;
  if (p.sso_session || p.sso_start_url) return `SSO (${name})${role}`;
  if (p.role_arn)
    return `role ${p.role_arn} (${name}, from ${p.source_profile ? `profile ${p.source_profile}` : (p.credential_source ?? "web identity")})${role}`;
  if (p.credential_process) return `credential_process (${name})${role}`;
  if (p.web_identity_token_file) return `web identity (${name})${role}`;
  if (p.aws_access_key_id) return `${name} (access keys)${role}`;
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return `web identity (AWS_WEB_IDENTITY_TOKEN_FILE)${role}`;
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)
    return `container credentials${role}`;
  return `instance metadata${role}`;
}

function profileFlag(target: TokenTarget): string[] {
  return target.profileExplicit ? ["--profile", target.profileName] : [];
}

function callerIdentityFix(target: TokenTarget): Fix {
  return command("aws", "sts", "get-caller-identity", ...profileFlag(target));
}

export interface CredentialsOutcome {
  readonly check: Check;
  readonly credentials?: ResolvedCredentials;
  /** The token, made for the cluster name kubectl uses. */
  readonly token?: string;
}

export async function checkCredentials(
  request: TokenRequest,
  deps: IdentityDeps,
  timeoutMs: number,
): Promise<CredentialsOutcome> {
  const { target } = request;
  const source = credentialSource(target, deps.env);
  // The IAM Identity Center session behind the profile, when there is one: its state, and the sign-in as the fix.
  const sso = ssoSessionReport(target, deps.env, deps.now());
  // The sign-in for the session the entry uses: by profile, or by the --sso-session it names (a
  // legacy start URL without a profile has no command to sign in with: the detail says so).
  const signIn = !target.sso
    ? command("eks-token", "login", "--profile", target.profileName)
    : target.sso.session !== undefined
      ? command("eks-token", "login", "--sso-session", target.sso.session)
      : undefined;
  let credentials: ResolvedCredentials;
  try {
    credentials = await deps.resolveCredentials(target, deps.env, timeoutMs);
  } catch (e) {
    if (!isEksTokenError(e)) throw e;
    const p = target.profileName;
    const [fix, hint] =
      e.code === "sso-expired"
        ? [command("aws", "sso", "login", "--profile", p), ""]
        : e.code === "unknown-profile"
          ? [command("aws", "configure", "--profile", p), ""]
          : e.code === "no-credentials"
            ? target.profileExplicit
              ? [
                  command("aws", "configure", "--profile", p),
                  `; for SSO: ${shellJoin(["aws", "sso", "login", "--profile", p])}`,
                ]
              : [command("aws", "configure"), "; or export AWS_PROFILE=NAME, or aws sso login --profile NAME"]
            : [callerIdentityFix(target), ""];
    if (sso) return { check: fail("credentials", `${e.message} (looked for ${source}); ${sso.text}`, signIn) };
    return { check: fail("credentials", `${e.message} (looked for ${source})${hint}`, fix) };
  }
  // The one token pipeline, given the credentials just resolved (so a role is not assumed twice).
  const minted = await getToken(
    { ...request, target: { ...target, roleArn: undefined }, cacheDir: undefined },
    { env: deps.env, now: deps.now, stderr: () => {}, log: SILENT, credentials },
  );
  const expiry = credentials.expiration ? `; they expire ${credentials.expiration.toISOString()}` : "";
  const detail = `from ${source}: access key ${credentials.accessKeyId}${expiry}${sso ? `; ${sso.text}` : ""}`;
  return {
    check: sso?.signInNeeded ? warn("credentials", detail, signIn) : pass("credentials", detail),
    credentials,
    token: minted.token,
  };
}

export interface IdentityOutcome {
  readonly check: Check;
  readonly identity?: StsIdentity;
}

function minutes(ms: number): string {
  const m = Math.round(Math.abs(ms) / 6_000) / 10;
  if (m >= 10) return `${Math.round(m)} min`;
  return m >= 1 ? `${m.toFixed(1)} min` : `${Math.round(Math.abs(ms) / 1000)} s`;
}

const CLOCK_FIX = command("sudo", "timedatectl", "set-ntp", "true");
const CLOCK_HINT = "; on macOS: sudo sntp -sS time.apple.com";

/** GetCallerIdentity with the token's own presigned URL (what the server sends), and the clock offset. */
export async function checkIdentity(
  token: string,
  request: TokenRequest,
  clusterAccount: string | undefined,
  deps: IdentityDeps,
  timeoutMs: number,
): Promise<IdentityOutcome> {
  const { target } = request;
  const shape = verifyTokenShape(token, { now: deps.now() });
  if (!shape.ok)
    return {
      check: fail(
        "identity",
        `the token cannot be sent to STS: ${shape.message}${shape.hint ? `; ${shape.hint}` : ""}`,
      ),
    };
  const url = shape.facts.url;
  let response: StsResponse;
  try {
    response = await deps.callSts({ url, clusterId: target.clusterId, env: deps.env, timeoutMs });
  } catch (e) {
    if (!isEksTokenError(e)) throw e;
    return { check: fail("identity", e.message, callerIdentityFix(target)) };
  }
  const stsDate = Date.parse(response.date ?? "");
  const offset = Number.isNaN(stsDate) ? undefined : deps.now() - stsDate;
  const skew =
    offset === undefined || Math.abs(offset) <= CLOCK_WARN_MS
      ? ""
      : `this machine's clock is ${minutes(offset)} ${offset > 0 ? "ahead of" : "behind"} STS`;
  if (response.status !== 200) {
    const err = stsHttpError(response, secretsOf(url));
    const clockOff = offset !== undefined && Math.abs(offset) > CLOCK_FAIL_MS;
    return {
      check: fail(
        "identity",
        `${clockOff ? `${skew}; ` : ""}${err.message}${clockOff ? CLOCK_HINT : ""}`,
        clockOff ? CLOCK_FIX : callerIdentityFix(target),
      ),
    };
  }
  let identity: StsIdentity;
  try {
    identity = parseCallerIdentity(response.body);
  } catch (e) {
    if (!isEksTokenError(e)) throw e;
    return { check: fail("identity", e.message, callerIdentityFix(target)) };
  }
  const who = `account ${identity.account}, ${identity.arn} (user id ${fullUserId(identity)}); the cluster maps ${identity.canonicalArn}`;
  if (clusterAccount && clusterAccount !== identity.account) {
    return {
      identity,
      check: fail(
        "identity",
        `${who}; but the cluster is in account ${clusterAccount}: these are credentials of another account; pick a profile of account ${clusterAccount}, then export AWS_PROFILE=NAME`,
        command("aws", "configure", "list-profiles"),
      ),
    };
  }
  if (offset !== undefined && Math.abs(offset) > CLOCK_FAIL_MS)
    return {
      identity,
      check: fail("identity", `${who}; ${skew}: the server rejects tokens dated that far off${CLOCK_HINT}`, CLOCK_FIX),
    };
  if (skew) return { identity, check: warn("identity", `${who}; ${skew}${CLOCK_HINT}`, CLOCK_FIX) };
  const clock =
    offset === undefined
      ? ""
      : `; clock ${Math.abs(offset) < 1_500 ? "in step with" : `within ${minutes(offset)} of`} STS`;
  return { identity, check: pass("identity", `${who}${clock}`) };
}

/** The UserId as STS gave it (ID or ID:SESSION). */
export function fullUserId(identity: StsIdentity): string {
  return identity.sessionName === undefined ? identity.userId : `${identity.userId}:${identity.sessionName}`;
}

export function checkToken(token: string, request: TokenRequest, now: number): Check {
  const shape = verifyTokenShape(token, { now });
  const t = request.target;
  if (!shape.ok)
    return fail(
      "token",
      shape.message,
      command("eks-token", "--cluster-name", t.clusterId, ...(t.region ? ["--region", t.region] : [])),
    );
  const f = shape.facts;
  return pass(
    "token",
    `made for cluster ${t.clusterId} (x-k8s-aws-id), signed for ${f.host}${f.region ? ` in ${f.region}` : ""}, accepted until ${f.expiresAt.toISOString()}`,
  );
}
