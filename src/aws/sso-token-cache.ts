/**
 * The access token `aws sso login` (or `eks-token login`) leaves in ~/.aws/sso/cache, named by
 * the SHA-1 of the sso-session name (or of the start URL, for the legacy form): read bounded,
 * from a regular file only, and refused when it belongs to another start URL or has expired.
 */
import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { homeDir, type Env } from "../env.js";
import { EksTokenError } from "../errors.js";
import { describeFileKind } from "../file-kind.js";
import { quote } from "../quote.js";
import { shellCommand } from "../shell-quote.js";
import { formatTimestamp } from "../token/expiration.js";

/** Where a token comes from: an sso-session, or (legacy) a start URL and region. */
export interface SsoSessionRef {
  readonly session: string | undefined;
  readonly startUrl: string;
  readonly region: string;
}

export interface SsoAccessToken {
  readonly accessToken: string;
  readonly expiresAt: Date;
}

const MAX_BYTES = 64 * 1024;

export function ssoTokenCachePath(ref: SsoSessionRef, env: Env): string {
  const name = createHash("sha1")
    .update(ref.session ?? ref.startUrl)
    .digest("hex");
  return join(homeDir(env), ".aws", "sso", "cache", `${name}.json`);
}

/** What to run to sign in again, shell-quoted. */
export function ssoLoginCommand(ref: SsoSessionRef): string {
  return ref.session !== undefined
    ? shellCommand(["eks-token", "login", "--sso-session", ref.session])
    : shellCommand(["aws", "sso", "login", "--profile", "PROFILE"]);
}

function signInHint(ref: SsoSessionRef): string {
  return ref.session !== undefined
    ? `run \`${ssoLoginCommand(ref)}\` (or \`${shellCommand(["aws", "sso", "login", "--sso-session", ref.session])}\`)`
    : `run \`aws sso login\` with a profile whose sso_start_url is ${quote(ref.startUrl)}`;
}

function who(ref: SsoSessionRef): string {
  return ref.session !== undefined ? `SSO session ${quote(ref.session)}` : `SSO start URL ${quote(ref.startUrl)}`;
}

export function ssoExpiredError(ref: SsoSessionRef, why: string): EksTokenError {
  return new EksTokenError("sso-expired", `the ${who(ref)} ${why}`, signInHint(ref));
}

/** The signed-in session's access token; an sso-expired error when there is none that is still good. */
export function readSsoAccessToken(ref: SsoSessionRef, env: Env, now: number): SsoAccessToken {
  const path = ssoTokenCachePath(ref, env);
  let text: string;
  try {
    text = readBounded(path);
  } catch (e) {
    if (e instanceof EksTokenError) throw e;
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw ssoExpiredError(ref, "is not signed in on this machine");
    throw new EksTokenError("config", `cannot read ${path}: ${(e as Error).message}`, signInHint(ref));
  }
  let doc: { accessToken?: unknown; expiresAt?: unknown; startUrl?: unknown };
  try {
    doc = JSON.parse(text);
  } catch {
    throw ssoExpiredError(ref, `has an unreadable token file (${path})`);
  }
  if (typeof doc !== "object" || doc === null || typeof doc.accessToken !== "string" || doc.accessToken === "") {
    throw ssoExpiredError(ref, `has no access token in ${path}`);
  }
  if (typeof doc.startUrl === "string" && doc.startUrl !== ref.startUrl) {
    // Another portal's token would act as someone else: never used.
    throw ssoExpiredError(ref, `has a token for another start URL, ${quote(doc.startUrl)}`);
  }
  const expiresAt = new Date(typeof doc.expiresAt === "string" ? doc.expiresAt : Number.NaN);
  if (Number.isNaN(expiresAt.getTime())) throw ssoExpiredError(ref, `has a token without a valid expiresAt in ${path}`);
  if (expiresAt.getTime() <= now) throw ssoExpiredError(ref, `expired at ${formatTimestamp(expiresAt)}`);
  return { accessToken: doc.accessToken, expiresAt };
}

function readBounded(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) {
      throw new EksTokenError(
        "config",
        `${path} is ${describeFileKind(info)}, not a regular file`,
        "remove it and sign in again",
      );
    }
    const buffer = Buffer.alloc(MAX_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, length);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) break;
    }
    if (length > MAX_BYTES)
      throw new EksTokenError("config", `${path} is larger than a token file`, "remove it and sign in again");
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    closeSync(fd);
  }
}
