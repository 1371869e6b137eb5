/**
 * `eks-token login`: signs in to IAM Identity Center for a profile (or an sso-session) and writes
 * the token file every AWS tool reads; one line on stdout naming the session and until when it is
 * valid. The sign-in's steps go to the person's terminal.
 */
import { readSharedConfig } from "../aws/shared-config.js";
import { resolveSsoConfig, type SsoResolution } from "../aws/sso-config.js";
import { readSsoTokenFile, ssoCacheKey, ssoTokenFilePath, type SsoTokenStatus } from "../aws/sso-token-file.js";
import { openCacheDir, resolveCacheDir } from "../cache/cache-dir.js";
import { acquireLock, lockHolderPid, type LockResult } from "../cache/lock.js";
import {
  MAX_SIGN_IN_MS,
  readUnfinishedSignIns,
  SIGN_IN_LOCK_STALE_MS,
  signInLockPath,
  writeUnfinishedSignIns,
} from "../cache/sign-in-state.js";
import { EksTokenError } from "../errors.js";
import { quote, shellJoin } from "../quote.js";
import { displayUrl } from "../redact.js";
import { formatTimestamp } from "../token/expiration.js";
import { NO_TERMINAL, sayOrElse } from "../terminal.js";
import { createDebugLog } from "../usecases/debug-log.js";
import { realSignInDeps } from "../usecases/login/real-deps.js";
import { keptAttempts } from "../usecases/login/auto-sign-in.js";
import { isSignInUnavailable, signIn, SIGN_IN_TIMEOUT_MS } from "../usecases/login/sign-in.js";
import { validateProfileName } from "../validate.js";
import { debugRequested } from "./debug.js";
import { parseFlags } from "./flags.js";
import type { Command } from "./io.js";

export const LOGIN_USAGE = `usage: eks-token login [--profile P | --sso-session S] [--use-device-code] [--no-browser]
                       [--timeout SECONDS] [--cache-dir DIR] [--debug]

Signs in to AWS IAM Identity Center (SSO) and writes ~/.aws/sso/cache, which eks-token, the AWS CLI
and the AWS SDKs read. sso-session profiles sign in in the browser (authorization code with PKCE);
legacy profiles (sso_start_url in the profile), --use-device-code, and machines without a local
browser (SSH, no display) confirm a code on any device instead.
  --profile P            the profile (else AWS_PROFILE, else default); a role profile whose
                         source_profile chain ends at an SSO profile signs in to that one
  --sso-session S        the [sso-session S] of ~/.aws/config, without a profile
  --use-device-code      confirm a code on any device instead of the local browser
  --no-browser           print the address, open nothing
  --timeout SECONDS      how long to wait for the sign-in (default 300; EKS_TOKEN_SSO_LOGIN_TIMEOUT)
  --cache-dir DIR        where client registrations are kept (default ~/.kube/cache/eks-token)
Exit status: 0 signed in, 1 not signed in, 2 usage, 130 stopped with Ctrl-C.
`;

const OPTIONS = {
  profile: { type: "string" },
  "sso-session": { type: "string" },
  "use-device-code": { type: "boolean" },
  "no-browser": { type: "boolean" },
  timeout: { type: "string" },
  "cache-dir": { type: "string" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const HINT = "run `eks-token login --help`";
/** The longest wait accepted: a day. */
const MAX_TIMEOUT_S = MAX_SIGN_IN_MS / 1000;

export function parseTimeout(value: string | undefined, from: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!(n >= 1 && n <= MAX_TIMEOUT_S)) {
    throw new EksTokenError(
      "usage",
      `${from} ${quote(value)} is not a number of seconds from 1 to ${MAX_TIMEOUT_S}`,
      "e.g. --timeout 600",
    );
  }
  return Math.round(n * 1000);
}

export interface LoginArgs {
  readonly help: boolean;
  readonly profile: string | undefined;
  readonly ssoSession: string | undefined;
  readonly useDeviceCode: boolean;
  readonly noBrowser: boolean;
  readonly timeoutMs: number;
  readonly cacheDir: string | undefined;
}

export function parseLoginArgs(args: readonly string[], env: Readonly<Record<string, string | undefined>>): LoginArgs {
  const { values } = parseFlags(args, OPTIONS, { positionals: false, hint: HINT });
  const profile = values.profile === undefined ? undefined : validateProfileName(values.profile);
  const ssoSession = values["sso-session"] === undefined ? undefined : validateProfileName(values["sso-session"]);
  if (profile !== undefined && ssoSession !== undefined)
    throw new EksTokenError("usage", "--profile and --sso-session name two different things", "give one of them");
  const timeoutMs =
    parseTimeout(values.timeout, "--timeout") ??
    parseTimeout(env["EKS_TOKEN_SSO_LOGIN_TIMEOUT"], "EKS_TOKEN_SSO_LOGIN_TIMEOUT") ??
    SIGN_IN_TIMEOUT_MS;
  return {
    help: values.help === true,
    profile,
    ssoSession,
    useDeviceCode: values["use-device-code"] === true,
    noBrowser: values["no-browser"] === true,
    timeoutMs,
    cacheDir: values["cache-dir"] || undefined,
  };
}

/** The refusal for a profile that does not sign in to IAM Identity Center. */
export function notSsoError(resolution: Exclude<SsoResolution, { kind: "sso-session" | "legacy" }>): EksTokenError {
  const profile = resolution.profileName;
  if (resolution.kind === "login-session") {
    return new EksTokenError(
      "config",
      `profile ${quote(profile)} signs in with the AWS console credentials of \`aws login\` (login_session), not with IAM Identity Center`,
      `run \`${shellJoin(["aws", "login", "--profile", profile])}\``,
    );
  }
  return new EksTokenError(
    "config",
    `profile ${quote(profile)} does not use AWS IAM Identity Center (${resolution.reason})`,
    `set it up with \`${shellJoin(["aws", "configure", "sso", "--profile", profile])}\`, or name a session with --sso-session`,
  );
}

export const runLogin: Command = async (args, io) => {
  const parsed = parseLoginArgs(args, io.env);
  if (parsed.help) {
    io.stdout(LOGIN_USAGE);
    return 0;
  }
  const debug = createDebugLog(debugRequested(args, io.env), io.stderr);
  const shared = readSharedConfig(io.env, parsed.profile);
  const resolution = resolveSsoConfig(
    shared,
    parsed.ssoSession !== undefined ? { ssoSession: parsed.ssoSession } : { profile: shared.profileName },
  );
  if (resolution.kind !== "sso-session" && resolution.kind !== "legacy") throw notSsoError(resolution);
  const command = shellJoin([
    "eks-token",
    "login",
    ...(parsed.ssoSession !== undefined ? ["--sso-session", parsed.ssoSession] : ["--profile", shared.profileName]),
  ]);
  if (resolution.chain.length > 1)
    debug.debug(`login: profile chain ${resolution.chain.join(" -> ")} ends at an SSO profile`);

  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  let lock: LockResult | undefined;
  try {
    const cacheDir = resolveCacheDir(parsed.cacheDir, io.env);
    // Counted from the start, as the token path counts its own: one stopped (Ctrl-C, killed) or
    // left in the browser keeps the token path from opening a browser by itself for a while.
    const key = ssoCacheKey(resolution.cacheKey);
    const attempt = startedSignIn(cacheDir, key, io.now());
    // The session's sign-in lock, as the token path takes it: a kubectl run meanwhile waits for
    // this sign-in instead of opening a second one, and this waits for one a kubectl run started.
    const tokenFile = ssoTokenFilePath(io.env, resolution.cacheKey);
    const before = readSsoTokenFile(tokenFile, io.now());
    lock = await sessionLock(cacheDir, key, io.now);
    if (!lock.ok && lock.reason === "timeout") {
      const pid = lockHolderPid(signInLockPath(cacheDir, key));
      const line = `eks-token: waiting for the sign-in to ${sessionWord(resolution)} that another eks-token${pid ? ` (pid ${pid})` : ""} started: finish it in the browser or code page it opened (Ctrl-C to stop)\n`;
      await sayOrElse(io.terminal, io.stderr, line);
      lock = await sessionLockWhenFree(cacheDir, key, parsed.timeoutMs, io.now, controller.signal, command).catch(
        (e: unknown) => {
          // Stopped while waiting: no sign-in of this one's was started, so none is counted.
          attempt.forget();
          throw e;
        },
      );
      const after = readSsoTokenFile(tokenFile, io.now());
      if (after.state === "valid" && !sameToken(before, after)) {
        // That process signed in: nothing more to do here.
        attempt.clearAll();
        io.stdout(signedInLine(resolution, after, shared.profileName));
        return 0;
      }
    }
    if (!lock.ok) debug.debug(`login: the session's sign-in lock was not taken (${lock.detail})`);
    const result = await signIn(
      {
        sso: resolution,
        useDeviceCode: parsed.useDeviceCode,
        noBrowser: parsed.noBrowser,
        timeoutMs: parsed.timeoutMs,
        profile: shared.profile,
        configFile: shared.configFile,
        command,
      },
      realSignInDeps({
        env: io.env,
        platform: process.platform,
        now: io.now,
        terminal: io.terminal ?? NO_TERMINAL,
        fallback: io.stderr,
        cacheDir,
        signal: controller.signal,
        debug: (line) => debug.debug(line),
      }),
    ).catch((e: unknown) => {
      // The service out of reach is no one's unfinished sign-in.
      if (isSignInUnavailable(e)) attempt.forget();
      throw e;
    });
    // Signed in: the token path may sign in by itself again (its record of unfinished ones goes).
    attempt.clearAll();
    io.stdout(signedInLine(resolution, result, shared.profileName));
    return 0;
  } finally {
    if (lock?.ok) lock.lock.release();
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
};

/** The one line a sign-in ends with: which session, until when. */
function signedInLine(
  resolution: Extract<SsoResolution, { kind: "sso-session" | "legacy" }>,
  session: { readonly expiresAt: Date; readonly refreshable: boolean },
  profile: string,
): string {
  const what =
    resolution.kind === "sso-session"
      ? `session ${quote(resolution.sessionName)}`
      : `${displayUrl(resolution.startUrl)} (legacy profile ${quote(profile)})`;
  const renewal = session.refreshable ? ", then refreshed while the session lasts" : "";
  return `signed in to AWS IAM Identity Center: ${what} valid until ${formatTimestamp(session.expiresAt)}${renewal}\n`;
}

function sessionWord(resolution: Extract<SsoResolution, { kind: "sso-session" | "legacy" }>): string {
  return resolution.kind === "sso-session"
    ? `session ${quote(resolution.sessionName)}`
    : `${displayUrl(resolution.startUrl)}`;
}

/** Whether two reads of the token file hold the same access token (compared, never shown). */
function sameToken(a: SsoTokenStatus, b: SsoTokenStatus): boolean {
  const token = (s: SsoTokenStatus) => ("token" in s ? s.token.accessToken : undefined);
  return token(a) !== undefined && token(a) === token(b);
}

/**
 * The session's lock once its holder lets it go (or it goes stale, after the holder's own bound),
 * polled so that Ctrl-C stops the wait at once.
 */
async function sessionLockWhenFree(
  cacheDir: string,
  key: string,
  timeoutMs: number,
  now: () => number,
  signal: AbortSignal,
  command: string,
): Promise<LockResult> {
  const deadline = now() + timeoutMs + 60_000;
  for (;;) {
    if (signal.aborted)
      throw new EksTokenError(
        "interrupted",
        "the wait for the other sign-in was stopped",
        `run \`${command}\` to sign in`,
      );
    const result = await acquireLock(signInLockPath(cacheDir, key), {
      waitMs: 500,
      staleMs: SIGN_IN_LOCK_STALE_MS,
      now,
      pollMs: 100,
    });
    if (result.ok || result.reason === "error" || now() >= deadline) return result;
  }
}

async function sessionLock(cacheDir: string, key: string, now: () => number): Promise<LockResult> {
  if (!openCacheDir(cacheDir).ok) return { ok: false, reason: "error", detail: "no usable cache directory" };
  // Stale for others only past the longest sign-in any holder may run (SIGN_IN_LOCK_STALE_MS).
  return acquireLock(signInLockPath(cacheDir, key), { waitMs: 0, staleMs: SIGN_IN_LOCK_STALE_MS, now });
}

/**
 * The session's record of unfinished sign-ins, with this one added. A cache directory that cannot
 * hold it costs nothing but the record.
 */
function startedSignIn(cacheDir: string, key: string, started: number): { forget(): void; clearAll(): void } {
  const update = (change: (unfinished: number[]) => number[]) => {
    try {
      if (openCacheDir(cacheDir).ok)
        writeUnfinishedSignIns(cacheDir, key, change(readUnfinishedSignIns(cacheDir, key)));
    } catch {
      // without the record, the token path only signs in by itself sooner
    }
  };
  update((unfinished) => keptAttempts([...unfinished, started], started));
  return {
    forget: () => update((unfinished) => unfinished.filter((t) => t !== started)),
    clearAll: () => update(() => []),
  };
}
