/**
 * The access token of a signed-in SSO session for the token path's --sso-* flags and for sync:
 * the token file `aws sso login` or `eks-token login` leaves (read by ./sso-token-file.ts), usable
 * while it has not expired and only for the start URL it was issued for. Otherwise one
 * sso-expired error naming the command that signs in again, shell-quoted.
 */
import type { Env } from "../env.js";
import { EksTokenError } from "../errors.js";
import { quote, shellJoin } from "../quote.js";
import { formatTimestamp } from "../token/expiration.js";
import { readSsoTokenFile, ssoTokenFilePath } from "./sso-token-file.js";

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

/** A token with less than this left would die in the middle of what it is used for. */
const MIN_LEFT_MS = 60_000;

/** What to run to sign in again, shell-quoted. */
export function ssoLoginCommand(ref: SsoSessionRef): string | undefined {
  return ref.session !== undefined ? shellJoin(["eks-token", "login", "--sso-session", ref.session]) : undefined;
}

function signInHint(ref: SsoSessionRef): string {
  const login = ssoLoginCommand(ref);
  return login !== undefined
    ? `run \`${login}\` (or \`${shellJoin(["aws", "sso", "login", "--sso-session", ref.session!])}\`)`
    : `sign in with \`aws sso login\` and a profile whose sso_start_url is ${quote(ref.startUrl)}`;
}

function who(ref: SsoSessionRef): string {
  return ref.session !== undefined ? `SSO session ${quote(ref.session)}` : `SSO start URL ${quote(ref.startUrl)}`;
}

export function ssoExpiredError(ref: SsoSessionRef, why: string, cause?: unknown): EksTokenError {
  return new EksTokenError("sso-expired", `the ${who(ref)} ${why}`, signInHint(ref), { cause });
}

/** The signed-in session's access token; an sso-expired error when there is none that is still good. */
export function readSsoAccessToken(ref: SsoSessionRef, env: Env, now: number): SsoAccessToken {
  const status = readSsoTokenFile(ssoTokenFilePath(env, ref.session ?? ref.startUrl), now);
  switch (status.state) {
    case "missing":
      throw ssoExpiredError(ref, "is not signed in on this machine");
    case "unusable":
    case "unparseable":
      throw ssoExpiredError(ref, `has a token file that cannot be used (${status.path}: ${status.reason})`);
    default:
  }
  const { token, expiresAt } = status;
  if (token.startUrl !== undefined && token.startUrl !== ref.startUrl) {
    // Another portal's token would act as someone else: never used.
    throw ssoExpiredError(ref, `has a token for another start URL, ${quote(token.startUrl)}`);
  }
  if (expiresAt.getTime() - now < MIN_LEFT_MS) throw ssoExpiredError(ref, `expired at ${formatTimestamp(expiresAt)}`);
  return { accessToken: token.accessToken, expiresAt };
}
