/**
 * On a cache miss for a profile that reaches IAM Identity Center: make the session's token file
 * good before the SDK reads it. A token near expiry is refreshed once, under the session's lock;
 * a session that needs a sign-in gets one only when a person is there and the attempt budget
 * allows, and only one process signs in while the others wait for it. Anything else (a refresh
 * the network did not carry) is left to the SDK, which then says what it always said.
 */
import { acquireLock, lockHolderPid, type Lock } from "../../cache/lock.js";
import {
  readSignInRecord,
  readUnfinishedSignIns,
  SIGN_IN_LOCK_STALE_MS,
  signInLockPath,
  writeSignInRecord,
  writeUnfinishedSignIns,
} from "../../cache/sign-in-state.js";
import { EksTokenError, isEksTokenError } from "../../errors.js";
import { quote, shellJoin } from "../../quote.js";
import {
  budgetAllows,
  keptAttempts,
  personIsThere,
  sessionStep,
  stepAfterRefresh,
  type CallerFacts,
  type RefreshOutcome,
  type SessionStep,
  type TokenFileView,
  type Verdict,
} from "./auto-sign-in.js";

/** The session as the messages name it, and the name of its token file. */
export interface SessionIdentity {
  /**
   * The profile the command was run with (the one to pass to `eks-token login`); undefined when
   * the session was named directly (`token --sso-session S ...`): then `--sso-session S` is passed.
   */
  readonly profile: string | undefined;
  /** The sso-session's name; undefined for a legacy profile (sso_start_url in the profile). */
  readonly sessionName: string | undefined;
  /** The token file's name without `.json`: SHA-1 hex of the session name or the start URL. */
  readonly key: string;
}

/** A read of the token file; `accessToken` is compared, never shown. */
export type TokenRead =
  | Exclude<TokenFileView, { kind: "token" }>
  | (Extract<TokenFileView, { kind: "token" }> & { readonly accessToken: string });

export type SignInOutcome =
  | { readonly kind: "signed-in" }
  /** The sign-in service could not be reached (network, timeout, 5xx): not counted against the budget. */
  | { readonly kind: "unavailable"; readonly error: unknown }
  /** Abandoned, denied, timed out, interrupted: counted. */
  | { readonly kind: "failed"; readonly error: unknown };

/** The session's files and calls (bound to the token file and the SSO-OIDC client by the caller). */
export interface SessionPorts {
  readToken(): TokenRead;
  /** CreateToken with the refresh_token grant, the result written atomically. */
  refresh(): Promise<RefreshOutcome>;
  /** The interactive sign-in; it writes the token file and tells the person what to do. */
  signIn(options: { readonly signal: AbortSignal }): Promise<SignInOutcome>;
}

export interface EnsureSessionDeps {
  /** The user's cache directory (checked 0700 by the caller); undefined: none can be used. */
  readonly dir: string | undefined;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Who is calling; undefined when there is no terminal port (a library caller). */
  readonly caller: () => Promise<CallerFacts | undefined>;
  /** One line to the person (stderr when it is a terminal, else /dev/tty). */
  readonly say: (line: string) => void;
  /** Calls handler on Ctrl-C or SIGTERM; returns what removes it. */
  readonly onInterrupt?: ((handler: () => void) => () => void) | undefined;
  readonly debug: (message: string) => void;
  /** How long a sign-in may take (its own bound); followers that may sign in wait this long. */
  readonly signInBoundMs: number;
  /** How long a caller that may not sign in waits for one that does (the usual 15 s). */
  readonly followerWaitMs: number;
}

/** A torn read (the AWS CLI and the SDK rewrite the file in place) is read again after this. */
export const REREAD_AFTER_MS = 200;
/**
 * A process that waited for a sign-in which could not reach the service this recently does not
 * try again itself (the next call, later, does).
 */
const UNAVAILABLE_GRACE_MS = 60_000;
/** A lock held this long is quiet; after it the waiter says whom it waits for. */
const QUIET_WAIT_MS = 1_000;

export type EnsureResult =
  /** The file was left to the SDK as it was (valid, or nothing we could do). */
  | "as-is"
  /** Refreshed, or made by another process while we waited. */
  | "renewed"
  | "signed-in";

/**
 * `rejected`: the portal answered 401 to the access token this process read; a sign-in is
 * needed unless another process has replaced the token meanwhile.
 */
export async function ensureSession(
  session: SessionIdentity,
  ports: SessionPorts,
  deps: EnsureSessionDeps,
  rejected?: { readonly accessToken: string },
): Promise<EnsureResult> {
  const first = await readTwice(ports, deps);
  if (!rejected) {
    const step = sessionStep(first, session.sessionName === undefined, deps.now());
    if (step.step === "valid") {
      forgetAttempts(session, deps);
      return "as-is";
    }
    deps.debug(
      `SSO session ${sessionLabel(session)}: ${step.step === "refresh" ? "refresh" : `sign-in (${step.why})`}`,
    );
  }
  const verdict = await deps.caller().catch(() => undefined);
  const person: Verdict = verdict
    ? personIsThere(verdict)
    : { ok: false, why: "it was not run from a command line (library call)" };
  const lock = await takeSessionLock(session, deps, person);
  try {
    // Read again under the lock: another process may have refreshed or signed in meanwhile.
    const current = await readTwice(ports, deps);
    const legacy = session.sessionName === undefined;
    let step: SessionStep;
    if (rejected && current.kind === "token") {
      // Replaced meanwhile by another process: that one is tried.
      if (current.accessToken !== rejected.accessToken) return "renewed";
      step =
        current.refreshable && !legacy ? { step: "refresh" } : { step: "sign-in", why: "the portal refused its token" };
    } else {
      step = sessionStep(current, legacy, deps.now());
    }
    if (step.step === "valid") {
      forgetAttempts(session, deps);
      return lock.waited ? "renewed" : "as-is";
    }
    if (step.step === "refresh" && current.kind === "token") {
      const outcome = await ports.refresh();
      deps.debug(`SSO session ${sessionLabel(session)}: refresh ${outcome.kind}`);
      if (outcome.kind === "refreshed") {
        forgetAttempts(session, deps);
        return "renewed";
      }
      step =
        rejected && outcome.kind === "refused"
          ? { step: "sign-in", why: "the portal refused its token and its refresh" }
          : stepAfterRefresh(outcome, current.expiresAt, deps.now());
    }
    if (step.step !== "sign-in") return "as-is";
    return await signInOnce(session, ports, deps, lock, person, step.why);
  } finally {
    lock.lock?.release();
  }
}

async function signInOnce(
  session: SessionIdentity,
  ports: SessionPorts,
  deps: EnsureSessionDeps,
  lock: HeldLock,
  person: Verdict,
  why: string,
): Promise<EnsureResult> {
  if (!person.ok) throw refusal(session, why, person.why);
  if (!deps.dir || !lock.lock) {
    throw refusal(session, why, `the cache directory cannot hold the sign-in's lock (${lock.problem ?? "none"})`);
  }
  const dir = deps.dir;
  const record = readSignInRecord(dir, session.key);
  const unfinished = [...record.unfinished];
  const lastUnavailable = record.unavailableAt;
  if (lock.waited && lastUnavailable !== undefined && Math.abs(deps.now() - lastUnavailable) < UNAVAILABLE_GRACE_MS) {
    throw new EksTokenError(
      "network",
      `the sign-in to ${sessionLabel(session)} that another eks-token started could not reach IAM Identity Center`,
      `check the network (and AWS_ENDPOINT_URL_SSO_OIDC), then run ${loginCommand(session)}`,
    );
  }
  const budget = budgetAllows(unfinished, deps.now());
  if (!budget.ok) throw refusal(session, why, budget.why);
  // Counted before it starts: a process killed mid-way (kubectl gone, the terminal closed) has
  // left one unfinished, and the record says so.
  const started = deps.now();
  writeUnfinishedSignIns(dir, session.key, keptAttempts([...unfinished, started], started));
  const controller = new AbortController();
  const held = lock.lock;
  const stopListening = deps.onInterrupt?.(() => {
    controller.abort();
    held.release();
  });
  let result: SignInOutcome;
  try {
    result = await ports.signIn({ signal: controller.signal });
  } catch (e) {
    result = { kind: "failed", error: e };
  } finally {
    stopListening?.();
  }
  if (result.kind === "signed-in") {
    writeUnfinishedSignIns(dir, session.key, []);
    return "signed-in";
  }
  if (result.kind === "unavailable") {
    // The network's fault, not the person's: the attempt does not count, but the processes that
    // waited for it are told so rather than each trying again in turn.
    const kept = readUnfinishedSignIns(dir, session.key).filter((t) => t !== started);
    writeSignInRecord(dir, session.key, { unfinished: kept, unavailableAt: deps.now() });
  }
  if (controller.signal.aborted) {
    throw new EksTokenError(
      "sso-expired",
      `the sign-in to ${sessionLabel(session)} was interrupted`,
      loginHint(session),
      {
        cause: result.error,
      },
    );
  }
  if (isEksTokenError(result.error)) throw result.error;
  throw new EksTokenError(
    "sso-expired",
    `the sign-in to ${sessionLabel(session)} did not complete`,
    loginHint(session),
    { cause: result.error },
  );
}

interface HeldLock {
  readonly lock: Lock | undefined;
  /** Another process held it and we waited for it. */
  readonly waited: boolean;
  readonly problem?: string;
}

/**
 * The session's lock. A holder that is quick (a refresh) is waited for quietly; a longer one is
 * named in one waiting line. A caller that may sign in waits as long as a sign-in may take, any
 * other the usual 15 s, then fails naming the process it waited for.
 */
async function takeSessionLock(session: SessionIdentity, deps: EnsureSessionDeps, person: Verdict): Promise<HeldLock> {
  if (!deps.dir) return { lock: undefined, waited: false, problem: "no cache directory" };
  const path = signInLockPath(deps.dir, session.key);
  const staleMs = SIGN_IN_LOCK_STALE_MS;
  const now = deps.now;
  const free = await acquireLock(path, { waitMs: 0, staleMs, now });
  if (free.ok) return { lock: free.lock, waited: false };
  if (free.reason === "error") return { lock: undefined, waited: false, problem: free.detail };
  const quiet = await acquireLock(path, { waitMs: QUIET_WAIT_MS, staleMs, now, pollMs: 50 });
  if (quiet.ok) return { lock: quiet.lock, waited: true };
  if (quiet.reason === "error") return { lock: undefined, waited: true, problem: quiet.detail };
  const pid = lockHolderPid(path);
  const waitMs = person.ok ? deps.signInBoundMs + 30_000 : deps.followerWaitMs;
  deps.say(
    `eks-token: waiting for the sign-in to ${sessionLabel(session)} started by another eks-token${pid ? ` (pid ${pid})` : ""}${person.ok ? " (Ctrl-C to stop)" : ""}`,
  );
  const held = await acquireLock(path, { waitMs, staleMs, now, pollMs: 200 });
  if (held.ok) return { lock: held.lock, waited: true };
  if (held.reason === "error") return { lock: undefined, waited: true, problem: held.detail };
  const holder = lockHolderPid(path) ?? pid;
  throw new EksTokenError(
    "sso-expired",
    `another eks-token${holder ? ` (pid ${holder})` : ""} is signing in to ${sessionLabel(session)} and did not finish within ${Math.round(waitMs / 1000)} s`,
    `finish the sign-in it opened, or run ${loginCommand(session)}`,
  );
}

async function readTwice(ports: SessionPorts, deps: EnsureSessionDeps): Promise<TokenRead> {
  const first = ports.readToken();
  if (first.kind !== "unreadable") return first;
  await deps.sleep(REREAD_AFTER_MS);
  return ports.readToken();
}

function forgetAttempts(session: SessionIdentity, deps: EnsureSessionDeps): void {
  if (!deps.dir) return;
  try {
    if (readUnfinishedSignIns(deps.dir, session.key).length > 0) writeUnfinishedSignIns(deps.dir, session.key, []);
  } catch {
    // a record that cannot be removed only delays the next automatic sign-in
  }
}

export function sessionLabel(session: SessionIdentity): string {
  if (session.profile === undefined) return `the SSO session ${quote(session.sessionName ?? "")}`;
  return session.sessionName === undefined
    ? `the SSO session of profile ${quote(session.profile)}`
    : `the SSO session ${quote(session.sessionName)} (profile ${quote(session.profile)})`;
}

/** What selects the session on a sign-in command line: --profile P, else --sso-session S. */
export function sessionSelector(session: Pick<SessionIdentity, "profile" | "sessionName">): string[] {
  return session.profile !== undefined ? ["--profile", session.profile] : ["--sso-session", session.sessionName ?? ""];
}

/** `eks-token login --profile P` (or `--sso-session S`), shell-quoted, in backticks. */
export function loginCommand(session: Pick<SessionIdentity, "profile" | "sessionName">): string {
  return `\`${shellJoin(["eks-token", "login", ...sessionSelector(session)])}\``;
}

function loginHint(session: SessionIdentity): string {
  return `run ${loginCommand(session)}`;
}

/**
 * Today's SSO line, with why no browser opened and the command that signs in. The AWS CLI's
 * command works as well.
 */
function refusal(session: SessionIdentity, needed: string, why: string): EksTokenError {
  return new EksTokenError(
    "sso-expired",
    `${session.profile !== undefined ? `the SSO session for profile ${quote(session.profile)}` : sessionLabel(session)} has expired or is invalid (${needed}); no browser was opened: ${why}`,
    `run ${loginCommand(session)} (or \`${shellJoin(["aws", "sso", "login", ...sessionSelector(session)])}\`)`,
  );
}
