/**
 * `eks-token login`: signs in to IAM Identity Center for a profile (or an sso-session) and writes
 * the token file every AWS tool reads; one line on stdout naming the session and until when it is
 * valid. The sign-in's steps go to the person's terminal.
 */
import { readSharedConfig } from "../aws/shared-config.js";
import { resolveSsoConfig, type SsoResolution } from "../aws/sso-config.js";
import { formatSsoTime, ssoCacheKey } from "../aws/sso-token-file.js";
import { openCacheDir, resolveCacheDir } from "../cache/cache-dir.js";
import { acquireLock, type LockResult } from "../cache/lock.js";
import { readUnfinishedSignIns, signInLockPath, writeUnfinishedSignIns } from "../cache/sign-in-state.js";
import { EksTokenError } from "../errors.js";
import { quote, shellJoin } from "../quote.js";
import { displayUrl } from "../redact.js";
import { NO_TERMINAL } from "../terminal.js";
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
const MAX_TIMEOUT_S = 86_400;

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
  const cacheDir = resolveCacheDir(parsed.cacheDir, io.env);
  // Counted from the start, as the token path counts its own: one stopped (Ctrl-C, killed) or
  // left in the browser keeps the token path from opening a browser by itself for a while.
  const key = ssoCacheKey(resolution.cacheKey);
  const attempt = startedSignIn(cacheDir, key, io.now());
  // The session's sign-in lock, as the token path takes it: a kubectl run meanwhile waits for
  // this sign-in instead of opening a second one. Held by another process: signed in anyway.
  const lock = await sessionLock(cacheDir, key, parsed.timeoutMs, io.now);
  if (!lock.ok) debug.debug(`login: the session's sign-in lock was not taken (${lock.detail})`);
  try {
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
    const what =
      result.sessionName !== undefined
        ? `session ${quote(result.sessionName)}`
        : `${displayUrl(result.startUrl)} (legacy profile ${quote(shared.profileName)})`;
    const renewal = result.refreshable ? ", then refreshed while the session lasts" : "";
    io.stdout(
      `signed in to AWS IAM Identity Center: ${what} valid until ${formatSsoTime(result.expiresAt)}${renewal}\n`,
    );
    return 0;
  } finally {
    if (lock.ok) lock.lock.release();
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
};

async function sessionLock(cacheDir: string, key: string, timeoutMs: number, now: () => number): Promise<LockResult> {
  if (!openCacheDir(cacheDir).ok) return { ok: false, reason: "error", detail: "no usable cache directory" };
  // Stale for others once the sign-in's bound has passed, as the token path's own lock is.
  return acquireLock(signInLockPath(cacheDir, key), { waitMs: 0, staleMs: timeoutMs + 60_000, now });
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
