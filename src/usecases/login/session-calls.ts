/**
 * The network side of an SSO session on the token path, loaded only when a session needs a
 * refresh or a sign-in (a lazy module of its own: the SSO-OIDC client and the sign-in flows are
 * not part of an ordinary miss): CreateToken with the refresh_token grant, written back
 * atomically, and the sign-in that `eks-token login` also runs.
 */
import { isClientRefusal, createSsoOidc } from "../../aws/sso-oidc.js";
import type { SsoConfig } from "../../aws/sso-config.js";
import { readSharedConfig } from "../../aws/shared-config.js";
import { writeSsoTokenFile, type SsoTokenFile } from "../../aws/sso-token-file.js";
import { formatTimestamp } from "../../token/expiration.js";
import type { Env } from "../../env.js";
import type { Logger } from "../../logger.js";
import { shellJoin } from "../../quote.js";
import { NO_TERMINAL, sayOrElse, type Terminal } from "../../terminal.js";
import type { RefreshOutcome } from "./auto-sign-in.js";
import type { SignInOutcome } from "./ensure-session.js";
import { realSignInDeps } from "./real-deps.js";
import { isSignInUnavailable, signIn } from "./sign-in.js";

export interface RefreshDeps {
  readonly env: Env;
  readonly now: () => number;
  readonly log: Logger;
  readonly timeoutMs: number;
}

/**
 * One refresh, made under the session's lock by the caller: the new access token (and the
 * refresh token, when the service rotates it) replaces the old in the file, the rest is kept.
 */
export async function refreshSession(
  config: SsoConfig,
  path: string,
  token: SsoTokenFile,
  deps: RefreshDeps,
): Promise<RefreshOutcome> {
  const { clientId, clientSecret, refreshToken } = token;
  if (!clientId || !clientSecret || !refreshToken) return { kind: "refused" };
  let answer: Awaited<ReturnType<Awaited<ReturnType<typeof createSsoOidc>>["createToken"]>>;
  try {
    const shared = readSharedConfig(deps.env, config.chain.at(-1));
    const oidc = await createSsoOidc({
      region: config.region,
      env: deps.env,
      profile: shared.profile,
      configFile: shared.configFile,
      timeoutMs: deps.timeoutMs,
      debug: (line) => deps.log.debug(line),
    });
    answer = await oidc.createToken({ grantType: "refresh_token", clientId, clientSecret, refreshToken });
  } catch (e) {
    deps.log.debug(`SSO token refresh failed: ${e instanceof Error ? e.message : String(e)}`);
    return isClientRefusal(e) ? { kind: "refused" } : { kind: "unavailable" };
  }
  try {
    writeSsoTokenFile(path, {
      ...token,
      accessToken: answer.accessToken,
      expiresAt: new Date(deps.now() + answer.expiresInSeconds * 1000),
      refreshToken: answer.refreshToken ?? refreshToken,
    });
  } catch (e) {
    deps.log.debug(`the refreshed SSO token could not be written: ${e instanceof Error ? e.message : String(e)}`);
    return { kind: "unavailable" };
  }
  return { kind: "refreshed" };
}

export interface SignInCallDeps {
  readonly env: Env;
  readonly now: () => number;
  readonly log: Logger;
  readonly platform: NodeJS.Platform;
  /** The person's terminal; lines go to `fallback` (stderr) when there is none. */
  readonly terminal: Pick<Terminal, "say"> | undefined;
  readonly fallback: (text: string) => void;
  /** eks-token's cache directory, for the registration cache. */
  readonly cacheDir: string;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** What to name in `eks-token login`: --profile P, or --sso-session S for a session named directly. */
  readonly selector: readonly string[];
}

/** The sign-in `eks-token login` runs, started from the token path; sorted for the attempt budget. */
export async function signInForToken(config: SsoConfig, deps: SignInCallDeps): Promise<SignInOutcome> {
  try {
    const shared = readSharedConfig(deps.env, config.chain.at(-1));
    const result = await signIn(
      {
        sso: config,
        timeoutMs: deps.timeoutMs,
        profile: shared.profile,
        configFile: shared.configFile,
        command: shellJoin(["eks-token", "login", ...deps.selector]),
      },
      realSignInDeps({
        env: deps.env,
        platform: deps.platform,
        now: deps.now,
        terminal: deps.terminal ?? NO_TERMINAL,
        fallback: deps.fallback,
        cacheDir: deps.cacheDir,
        signal: deps.signal,
        debug: (line) => deps.log.debug(line),
      }),
    );
    const text = `eks-token: signed in; valid until ${formatTimestamp(result.expiresAt)}${result.refreshable ? ", then refreshed while the session lasts" : ""}\n`;
    await sayOrElse(deps.terminal, deps.fallback, text);
    return { kind: "signed-in" };
  } catch (e) {
    return isSignInUnavailable(e) ? { kind: "unavailable", error: e } : { kind: "failed", error: e };
  }
}
