/**
 * One line on a profile's IAM Identity Center session, for doctor: valid until when, whether it
 * can be refreshed, legacy or not, and whether a sign-in is needed. Reads the token file only.
 */
import { targetSsoConfig, type SsoConfig } from "../../aws/sso-config.js";
import { isRefreshable, readSsoTokenFile, ssoTokenFilePath } from "../../aws/sso-token-file.js";
import type { TokenTarget } from "../../aws/target.js";
import type { Env } from "../../env.js";
import { quote } from "../../quote.js";
import { formatTimestamp } from "../../token/expiration.js";
import { sessionStep } from "./auto-sign-in.js";

export interface SsoSessionReport {
  /** e.g. `SSO session "corp" valid until 2026-12-06T14:00:00Z, refreshable`. */
  readonly text: string;
  /** The session needs `eks-token login` (a refresh will not do). */
  readonly signInNeeded: boolean;
}

/** The report for the target's profile, or undefined when its credentials do not come from SSO. */
export function ssoSessionReport(target: TokenTarget, env: Env, now: number): SsoSessionReport | undefined {
  let config: SsoConfig | undefined;
  try {
    config = targetSsoConfig(target, env);
  } catch {
    return undefined;
  }
  if (!config) return undefined;
  const legacy = config.kind === "legacy";
  const name =
    config.kind === "legacy"
      ? target.sso
        ? `legacy SSO start URL ${quote(config.startUrl)} (no sso-session; never refreshed)`
        : `legacy SSO profile ${quote(config.chain.at(-1) ?? target.profileName)} (sso_start_url, no sso-session; never refreshed)`
      : `SSO session ${quote(config.sessionName)}`;
  const status = readSsoTokenFile(ssoTokenFilePath(env, config.cacheKey), now);
  if (status.state === "missing") return { text: `${name}: not signed in (no cached token)`, signInNeeded: true };
  if (status.state === "unusable" || status.state === "unparseable")
    return { text: `${name}: its cached token cannot be used (${status.reason})`, signInNeeded: true };
  const expiresAt = status.expiresAt.getTime();
  const refreshable = !legacy && isRefreshable(status.token, now);
  const step = sessionStep({ kind: "token", expiresAt, refreshable }, legacy, now);
  const when = formatTimestamp(status.expiresAt);
  const can = legacy ? "" : refreshable ? ", refreshable" : ", not refreshable";
  const text = expiresAt > now ? `${name} valid until ${when}${can}` : `${name} expired at ${when}${can}`;
  return { text, signInNeeded: step.step === "sign-in" };
}
