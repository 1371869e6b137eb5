/**
 * The token path's side of IAM Identity Center: on a cache miss for a profile whose credentials
 * come from SSO (directly or as the source of a role chain), the session's token file is made
 * good before the SDK reads it (ensure-session.ts), and a token the portal refuses (401) leads
 * to one sign-in and one more try. The OIDC calls and the sign-in itself are loaded only when
 * used (./session-calls.ts).
 */
import { resolveSsoConfig, targetSsoConfig, type SsoConfig } from "../../aws/sso-config.js";
import { readSharedConfig } from "../../aws/shared-config.js";
import { isRefreshable, readSsoTokenFile, ssoCacheKey, ssoTokenFilePath } from "../../aws/sso-token-file.js";
import type { TokenTarget } from "../../aws/target.js";
import { openCacheDir } from "../../cache/cache-dir.js";
import { envCredentials } from "../../aws/env-credentials.js";
import { EksTokenError, isEksTokenError } from "../../errors.js";
import { describeFileKind } from "../../file-kind.js";
import { quote } from "../../quote.js";
import { lstatSync } from "node:fs";
import type { Logger } from "../../logger.js";
import type { TokenDeps } from "../token-deps.js";
import { MAX_SIGN_IN_MS } from "../../cache/sign-in-state.js";
import { signInMode, type CallerFacts } from "./auto-sign-in.js";
import {
  ensureSession,
  loginCommand,
  sessionSelector,
  type EnsureResult,
  type SessionIdentity,
  type SessionPorts,
  type TokenRead,
} from "./ensure-session.js";

/** How long an automatic sign-in may take, unless EKS_TOKEN_SSO_LOGIN_TIMEOUT says otherwise. */
export const SIGN_IN_BOUND_MS = 300_000;
/** A caller that may not sign in waits this long for one that does (the token path's usual bound). */
export const FOLLOWER_WAIT_MS = 15_000;

export interface SsoOnMiss {
  /** Before the SDK reads the token file: refresh it, or sign in, or leave it. */
  prepare(): Promise<EnsureResult>;
  /**
   * After the SDK failed: when the portal refused the token (401), sign in (or take the token
   * another process got) and resolve true, to try once more; false when the error is not that.
   */
  recover(error: unknown): Promise<boolean>;
}

export interface OnMissDeps extends Pick<TokenDeps, "env" | "now" | "terminal" | "caller" | "stderr"> {
  readonly log: Logger;
  /** --sso-login as given. */
  readonly ssoLogin: "auto" | "never" | undefined;
  /** The user's cache directory, for the session's lock and attempt record. */
  readonly stateDir: string;
  /** What is left of the call's network bound, for a refresh. */
  readonly networkMs: () => number;
}

/** The SSO side of this miss, or undefined when the credentials do not come from SSO. */
export function ssoOnMiss(target: TokenTarget, deps: OnMissDeps): SsoOnMiss | undefined {
  // Environment keys come first in the chain when no profile is named.
  if (!target.profileExplicit && envCredentials(deps.env)) return undefined;
  const config = ssoConfigOf(target, deps);
  if (!config) return undefined;
  const session: SessionIdentity = {
    // An SSO account and role named directly (--sso-session S ...) have no profile.
    profile: target.sso ? undefined : target.profileName,
    sessionName: config.kind === "sso-session" ? config.sessionName : undefined,
    key: ssoCacheKey(config.cacheKey),
  };
  const path = ssoTokenFilePath(deps.env, config.cacheKey);
  const readToken = (): TokenRead => {
    const now = deps.now();
    const status = readSsoTokenFile(path, now);
    if (status.state === "missing") return { kind: "missing" };
    if (status.state === "unusable") refuseUnreplaceable(path);
    if (status.state === "unusable" || status.state === "unparseable") {
      deps.log.debug(`SSO token file ${path}: ${status.reason}`);
      // Torn (unparseable) is what another tool's write in progress looks like: said plainly.
      return status.state === "unusable" ? { kind: "unreadable", reason: status.reason } : { kind: "unreadable" };
    }
    return {
      kind: "token",
      expiresAt: status.expiresAt.getTime(),
      refreshable: isRefreshable(status.token, now),
      accessToken: status.token.accessToken,
    };
  };
  const calls = () => import("./session-calls.js");
  const ports: SessionPorts = {
    readToken,
    refresh: async () => {
      const now = deps.now();
      const status = readSsoTokenFile(path, now);
      if (!("token" in status)) return { kind: "unavailable" };
      return (await calls()).refreshSession(config, path, status.token, {
        env: deps.env,
        now: deps.now,
        log: deps.log,
        timeoutMs: Math.max(1_000, deps.networkMs()),
      });
    },
    signIn: async ({ signal }) =>
      (await calls()).signInForToken(config, {
        env: deps.env,
        now: deps.now,
        log: deps.log,
        platform: deps.caller?.platform ?? "linux",
        terminal: deps.terminal,
        fallback: deps.stderr,
        cacheDir: deps.stateDir,
        signal,
        timeoutMs: signInBoundMs(deps.env),
        selector: sessionSelector(session),
      }),
  };
  const ensureDeps = {
    dir: usableDir(deps.stateDir, deps.log),
    now: deps.now,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    caller: () => callerFacts(deps),
    say: (line: string) => say(deps, line),
    onInterrupt: deps.caller?.onInterrupt,
    debug: (m: string) => deps.log.debug(m),
    signInBoundMs: signInBoundMs(deps.env),
    followerWaitMs: FOLLOWER_WAIT_MS,
  };
  let used: string | undefined;
  return {
    async prepare() {
      const result = await ensureSession(session, ports, ensureDeps);
      const read = readToken();
      used = read.kind === "token" ? read.accessToken : undefined;
      return result;
    },
    async recover(error) {
      if (used === undefined || !portalRefused(error)) return false;
      deps.log.debug("the SSO portal refused the session's access token (401)");
      await ensureSession(session, ports, ensureDeps, { accessToken: used });
      return true;
    },
  };
}

/**
 * Where nothing here looks after the session (the library) and the SDK alone reads its token
 * file: the file is read first, capped, and one that cannot be a token file (larger than the
 * cap, a FIFO, a link, unreadable) is refused with one line, so the SDK never reads a huge one
 * whole or waits on a FIFO. A missing, expired or torn one is left to the SDK's own message.
 */
export function checkSsoTokenFile(target: TokenTarget, deps: Pick<OnMissDeps, "env" | "now" | "log">): void {
  if (!target.profileExplicit && envCredentials(deps.env)) return;
  const config = ssoConfigOf(target, deps);
  if (!config) return;
  const path = ssoTokenFilePath(deps.env, config.cacheKey);
  const status = readSsoTokenFile(path, deps.now());
  if (status.state !== "unusable") return;
  throw new EksTokenError(
    "config",
    `the SSO token file ${quote(path, 400)} cannot be used: ${status.reason}`,
    `remove it, then run ${loginCommand({
      profile: target.sso ? undefined : target.profileName,
      sessionName: config.kind === "sso-session" ? config.sessionName : undefined,
    })}`,
  );
}

/**
 * A token file path that holds a link, a folder or a FIFO: a sign-in could not write its token
 * there (nothing is written over what is not a regular file), so none is started.
 */
function refuseUnreplaceable(path: string): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (stat.isFile()) return;
  throw new EksTokenError(
    "config",
    `the SSO token file ${quote(path, 400)} is ${describeFileKind(stat)}, not a regular file`,
    "remove it, then run the command again to sign in",
  );
}

function ssoConfigOf(target: TokenTarget, deps: Pick<OnMissDeps, "env" | "log">): SsoConfig | undefined {
  const sso = target.sso;
  if (sso) {
    // Only a named sso-session can be signed in to; the legacy form reads its token file as it is.
    if (sso.session === undefined) return undefined;
    return {
      kind: "sso-session",
      sessionName: sso.session,
      startUrl: sso.startUrl,
      region: sso.region,
      cacheKey: sso.session,
      profileName: undefined,
      chain: [],
      registrationScopes: registrationScopes(deps, sso.session),
    };
  }
  try {
    return targetSsoConfig(target, deps.env);
  } catch (e) {
    // Settings that cannot work: the SDK reports them as it always has.
    deps.log.debug(`SSO settings not used for sign-in: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

/** The session's sso_registration_scopes, when its section sets them. */
function registrationScopes(deps: Pick<OnMissDeps, "env">, session: string): readonly string[] | undefined {
  try {
    const resolved = resolveSsoConfig(readSharedConfig(deps.env, undefined), { ssoSession: session });
    return resolved.kind === "sso-session" ? resolved.registrationScopes : undefined;
  } catch {
    return undefined;
  }
}

function usableDir(dir: string, log: Logger): string | undefined {
  const check = openCacheDir(dir);
  if (check.ok) return dir;
  log.debug(`cache directory ${dir} not used for SSO sign-in: ${check.reason}`);
  return undefined;
}

/**
 * EKS_TOKEN_SSO_LOGIN_TIMEOUT in seconds (1 to 86400, as `eks-token login` reads it), else 300 s.
 * A value that is not one is not worth failing a token for: the default applies.
 */
export function signInBoundMs(env: OnMissDeps["env"]): number {
  const value = env["EKS_TOKEN_SSO_LOGIN_TIMEOUT"]?.trim() ?? "";
  const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  return seconds >= 1 && seconds <= MAX_SIGN_IN_MS / 1000 ? Math.round(seconds * 1000) : SIGN_IN_BOUND_MS;
}

async function callerFacts(deps: OnMissDeps): Promise<CallerFacts | undefined> {
  if (!deps.caller) return undefined;
  const { mode, from } = signInMode(deps.ssoLogin, deps.env);
  const base = { mode, modeFrom: from, execInfo: deps.env["KUBERNETES_EXEC_INFO"], ci: deps.env["CI"] };
  // Off: no terminal is touched to find out more.
  if (mode === "never") return { ...base, stdinIsTerminal: false, hasTerminal: false };
  const [stdinIsTerminal, hasTerminal] = await Promise.all([
    deps.caller.stdinIsTerminal(),
    deps.terminal ? deps.terminal.say("") : Promise.resolve(false),
  ]);
  return { ...base, stdinIsTerminal, hasTerminal };
}

/** A line for the person: on the terminal, else on stderr (where a client may show it later). */
function say(deps: OnMissDeps, line: string): void {
  const text = `${line}\n`;
  if (!deps.terminal) return deps.stderr(text);
  void deps.terminal.say(text).then((shown) => {
    if (!shown) deps.stderr(text);
  });
}

/** The SDK's SSO provider wraps the portal's 401 (UnauthorizedException) in its own error. */
function portalRefused(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e; depth++) {
    const message = e instanceof Error ? e.message : String(e);
    if (/\bUnauthorizedException\b/.test(message) || (e as { name?: unknown }).name === "UnauthorizedException")
      return true;
    e = isEksTokenError(e) || e instanceof Error ? (e as Error).cause : undefined;
  }
  return false;
}
