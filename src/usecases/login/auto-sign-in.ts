/**
 * When the token path may sign in to IAM Identity Center by itself: pure rules over what the
 * session's token file shows, who is calling, and how many sign-ins were left unfinished. No
 * files, clock or terminal here: the caller reads them and passes what it found.
 */
import { isTrue, type Env } from "../../env.js";

/** The SDK refreshes an sso-session token this close to its expiry, and fails without one. */
export const SDK_REFRESH_WINDOW_MS = 5 * 60_000;
/** We refresh first, under the session's lock, so the SDK's own (unlocked) refresh never runs. */
export const REFRESH_AHEAD_MS = 10 * 60_000;
/** A legacy token (no refresh) with less than this left would die while it is used. */
export const LEGACY_MIN_LEFT_MS = 60_000;
/** After a sign-in that was started and not finished, no automatic one for this long. */
export const RETRY_AFTER_UNFINISHED_MS = 10 * 60_000;
/** At most this many unfinished sign-ins in BUDGET_WINDOW_MS. */
export const MAX_UNFINISHED = 3;
export const BUDGET_WINDOW_MS = 12 * 60 * 60_000;

/** The session's token file as read (twice when the first read did not parse). */
export type TokenFileView =
  | { readonly kind: "missing" }
  /** `reason`: why a file there cannot be read at all (larger than the cap, unreadable). */
  | { readonly kind: "unreadable"; readonly reason?: string }
  | {
      readonly kind: "token";
      /** Epoch ms. */
      readonly expiresAt: number;
      /** A refresh token, a client id and secret, and a registration that has not expired. */
      readonly refreshable: boolean;
    };

/** What the session needs before the SDK reads the file. */
export type SessionStep =
  | { readonly step: "valid" }
  | { readonly step: "refresh" }
  | { readonly step: "sign-in"; readonly why: string };

/**
 * The next step for a session's token file. `legacy`: a profile with sso_start_url and no
 * sso-session, whose token the SDK never refreshes and uses until it expires.
 */
export function sessionStep(file: TokenFileView, legacy: boolean, now: number): SessionStep {
  if (file.kind === "missing") return { step: "sign-in", why: "there is no cached token" };
  if (file.kind === "unreadable")
    return {
      step: "sign-in",
      why: `its cached token file cannot be read${file.reason === undefined ? "" : `: ${file.reason}`}`,
    };
  const left = file.expiresAt - now;
  if (left > REFRESH_AHEAD_MS) return { step: "valid" };
  if (legacy) return left > LEGACY_MIN_LEFT_MS ? { step: "valid" } : { step: "sign-in", why: "it has expired" };
  if (file.refreshable) return { step: "refresh" };
  // The SDK serves it as it is until its own window, and then fails with no way to refresh.
  return left > SDK_REFRESH_WINDOW_MS
    ? { step: "valid" }
    : { step: "sign-in", why: left > 0 ? "it is about to expire and cannot be refreshed" : "it has expired" };
}

/** How a refresh (CreateToken with the refresh_token grant) ended. */
export type RefreshOutcome =
  | { readonly kind: "refreshed" }
  /** The service refused it (InvalidGrant, InvalidClient, ExpiredToken, AccessDenied, UnauthorizedClient...). */
  | { readonly kind: "refused" }
  /** Network, timeout, 5xx, throttling: nothing is known about the session. */
  | { readonly kind: "unavailable" };

/**
 * After a refresh: a refused one means a sign-in once the SDK would fail too; one that could not
 * be made leaves the file to the SDK, which then says what it always said.
 */
export function stepAfterRefresh(outcome: RefreshOutcome, expiresAt: number, now: number): SessionStep {
  if (outcome.kind === "refreshed" || outcome.kind === "unavailable") return { step: "valid" };
  return expiresAt - now > SDK_REFRESH_WINDOW_MS
    ? { step: "valid" }
    : { step: "sign-in", why: "its refresh was refused" };
}

export type SignInMode = "auto" | "never";

/** --sso-login wins over EKS_TOKEN_SSO_LOGIN; anything but `never` there is `auto`. */
export function signInMode(flag: SignInMode | undefined, env: Env): { mode: SignInMode; from: string } {
  if (flag !== undefined) return { mode: flag, from: `--sso-login ${flag}` };
  const value = env["EKS_TOKEN_SSO_LOGIN"]?.trim().toLowerCase();
  if (value === "never") return { mode: "never", from: "EKS_TOKEN_SSO_LOGIN=never" };
  return { mode: "auto", from: "the default" };
}

export interface CallerFacts {
  readonly mode: SignInMode;
  /** Where the mode came from, for the message: `--sso-login never`, `EKS_TOKEN_SSO_LOGIN=never`. */
  readonly modeFrom: string;
  /** KUBERNETES_EXEC_INFO as given (undefined or empty: none). */
  readonly execInfo: string | undefined;
  readonly stdinIsTerminal: boolean;
  /** stderr is a terminal, or /dev/tty can be opened for the messages. */
  readonly hasTerminal: boolean;
  /** The CI variable. */
  readonly ci: string | undefined;
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly why: string };

/**
 * Whether a person is there to sign in. kubectl says interactive: true only when its stdin is a
 * terminal and interactiveMode allows it; a client that sends no exec info (client-node: Lens,
 * Headlamp) is taken as a person only when stdin is a terminal; an exec info without
 * `interactive` (kubectl 1.20) is not.
 */
export function personIsThere(facts: CallerFacts): Verdict {
  if (facts.mode === "never") return { ok: false, why: `automatic sign-in is off (${facts.modeFrom})` };
  if (isTrue(facts.ci)) return { ok: false, why: "CI is set" };
  const execInfo = facts.execInfo?.trim() ? facts.execInfo : undefined;
  if (execInfo !== undefined) {
    if (execInfoInteractive(execInfo) !== true)
      return { ok: false, why: "the client runs eks-token non-interactively (KUBERNETES_EXEC_INFO)" };
  } else if (!facts.stdinIsTerminal) {
    return { ok: false, why: "the client sent no exec info and stdin is not a terminal" };
  }
  if (!facts.hasTerminal) return { ok: false, why: "there is no terminal to show the sign-in on" };
  return { ok: true };
}

/** spec.interactive from KUBERNETES_EXEC_INFO: true, false, or undefined when absent or unreadable. */
export function execInfoInteractive(execInfo: string): boolean | undefined {
  try {
    const parsed: unknown = JSON.parse(execInfo);
    const spec = isObject(parsed) ? parsed["spec"] : undefined;
    const interactive = isObject(spec) ? spec["interactive"] : undefined;
    return typeof interactive === "boolean" ? interactive : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the attempt budget allows an automatic sign-in: none within 10 minutes of one left
 * unfinished, and fewer than 3 left unfinished in 12 hours. `unfinished`: the start times
 * (epoch ms) of sign-ins that were started and not finished, as recorded.
 */
export function budgetAllows(unfinished: readonly number[], now: number, clock = hhmm): Verdict {
  // A time far in the future is no record of ours; one a little ahead (a clock set back) still counts.
  const recent = unfinished
    .filter((t) => now - t < BUDGET_WINDOW_MS && t - now < BUDGET_WINDOW_MS)
    .sort((a, b) => a - b);
  const last = recent.at(-1);
  if (last !== undefined && now - last < RETRY_AFTER_UNFINISHED_MS) {
    return {
      ok: false,
      why: `a sign-in started at ${clock(last)} was not finished; the next automatic one may start at ${clock(last + RETRY_AFTER_UNFINISHED_MS)}`,
    };
  }
  const first = recent[0];
  if (first !== undefined && recent.length >= MAX_UNFINISHED) {
    return { ok: false, why: `${recent.length} sign-ins were started and not finished since ${clock(first)}` };
  }
  return { ok: true };
}

/** The times kept in a record: those that still count, at most a few. */
export function keptAttempts(unfinished: readonly number[], now: number): number[] {
  return unfinished
    .filter((t) => Number.isFinite(t) && now - t < BUDGET_WINDOW_MS && t - now < BUDGET_WINDOW_MS)
    .sort((a, b) => a - b)
    .slice(-MAX_UNFINISHED);
}

/** Local time of day, as a person reads a clock. */
export function hhmm(epochMs: number): string {
  const d = new Date(epochMs);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
