// The rules of automatic sign-in (src/usecases/login/auto-sign-in.ts), as tables: the token
// file's state, a refresh's outcome, the caller, the mode and the attempt budget.
import { describe, expect, it } from "vitest";
import {
  budgetAllows,
  execInfoInteractive,
  keptAttempts,
  personIsThere,
  sessionStep,
  signInMode,
  stepAfterRefresh,
  type CallerFacts,
  type TokenFileView,
} from "../../../src/usecases/login/auto-sign-in.js";

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const MIN = 60_000;
const token = (leftMs: number, refreshable: boolean): TokenFileView => ({
  kind: "token",
  expiresAt: NOW + leftMs,
  refreshable,
});

describe("sessionStep", () => {
  it.each<[string, TokenFileView, boolean, string]>([
    ["no file", { kind: "missing" }, false, "sign-in"],
    ["a file that does not parse (after the re-read)", { kind: "unreadable" }, false, "sign-in"],
    ["an hour left, refreshable", token(60 * MIN, true), false, "valid"],
    ["an hour left, not refreshable", token(60 * MIN, false), false, "valid"],
    ["11 minutes left: outside our refresh window", token(11 * MIN, true), false, "valid"],
    ["9 minutes left, refreshable: refreshed before the SDK would", token(9 * MIN, true), false, "refresh"],
    ["9 minutes left, not refreshable: the SDK still serves it", token(9 * MIN, false), false, "valid"],
    ["4 minutes left, not refreshable: the SDK would fail", token(4 * MIN, false), false, "sign-in"],
    ["expired, refreshable", token(-60 * MIN, true), false, "refresh"],
    ["expired, not refreshable", token(-1, false), false, "sign-in"],
    ["legacy, 4 minutes left: used until it expires", token(4 * MIN, false), true, "valid"],
    ["legacy, 30 s left", token(30_000, false), true, "sign-in"],
    ["legacy, expired", token(-MIN, false), true, "sign-in"],
    ["legacy with refresh fields: never refreshed (the SDK does not)", token(-MIN, true), true, "sign-in"],
  ])("%s -> %s", (_name, file, legacy, expected) => {
    expect(sessionStep(file, legacy, NOW).step).toBe(expected);
  });

  it("says why a sign-in is needed", () => {
    expect(sessionStep({ kind: "missing" }, false, NOW)).toEqual({ step: "sign-in", why: "there is no cached token" });
    expect(sessionStep(token(-1, false), false, NOW)).toEqual({ step: "sign-in", why: "it has expired" });
    expect(sessionStep(token(2 * MIN, false), false, NOW)).toEqual({
      step: "sign-in",
      why: "it is about to expire and cannot be refreshed",
    });
  });
});

describe("after a refresh", () => {
  it.each<[string, Parameters<typeof stepAfterRefresh>[0], number, string]>([
    ["refreshed", { kind: "refreshed" }, -MIN, "valid"],
    ["refused, token expired", { kind: "refused" }, -MIN, "sign-in"],
    ["refused, 4 minutes left (inside the SDK's window)", { kind: "refused" }, 4 * MIN, "sign-in"],
    ["refused, 8 minutes left: served as it is for now", { kind: "refused" }, 8 * MIN, "valid"],
    ["network or 5xx, token expired: the SDK says what it always said", { kind: "unavailable" }, -MIN, "valid"],
  ])("%s -> %s", (_name, outcome, left, expected) => {
    expect(stepAfterRefresh(outcome, NOW + left, NOW).step).toBe(expected);
  });
});

describe("signInMode", () => {
  it.each<[string, "auto" | "never" | undefined, Record<string, string>, string]>([
    ["default", undefined, {}, "auto"],
    ["env never", undefined, { EKS_TOKEN_SSO_LOGIN: "never" }, "never"],
    ["env NEVER, spaced", undefined, { EKS_TOKEN_SSO_LOGIN: " NEVER " }, "never"],
    ["env auto", undefined, { EKS_TOKEN_SSO_LOGIN: "auto" }, "auto"],
    ["flag never", "never", {}, "never"],
    ["flag auto over env never", "auto", { EKS_TOKEN_SSO_LOGIN: "never" }, "auto"],
  ])("%s -> %s", (_name, flag, env, expected) => {
    expect(signInMode(flag, env).mode).toBe(expected);
  });
  it("names where `never` came from", () => {
    expect(signInMode("never", {}).from).toBe("--sso-login never");
    expect(signInMode(undefined, { EKS_TOKEN_SSO_LOGIN: "never" }).from).toBe("EKS_TOKEN_SSO_LOGIN=never");
  });
});

describe("personIsThere", () => {
  const info = (spec: object) => JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", spec });
  const base: CallerFacts = {
    mode: "auto",
    modeFrom: "the default",
    execInfo: info({ interactive: true }),
    stdinIsTerminal: true,
    hasTerminal: true,
    ci: undefined,
  };
  it.each<[string, Partial<CallerFacts>, boolean, RegExp?]>([
    ["kubectl on a terminal (interactive: true)", {}, true],
    ["interactive: true, stdin not a terminal (kubectl hands its terminal on)", { stdinIsTerminal: false }, true],
    [
      "interactiveMode Never (interactive: false)",
      { execInfo: info({ interactive: false }) },
      false,
      /non-interactively/,
    ],
    ["kubectl 1.20: spec without interactive", { execInfo: info({}) }, false, /non-interactively/],
    ["exec info that is not JSON", { execInfo: "{" }, false, /non-interactively/],
    ["no exec info, stdin a terminal (run by hand)", { execInfo: undefined }, true],
    ["empty exec info, stdin a terminal", { execInfo: "" }, true],
    [
      "no exec info, stdin a pipe (client-node)",
      { execInfo: undefined, stdinIsTerminal: false },
      false,
      /no exec info/,
    ],
    ["no terminal for the messages", { hasTerminal: false }, false, /no terminal/],
    ["CI=true", { ci: "true" }, false, /CI is set/],
    ["CI=1", { ci: "1" }, false, /CI is set/],
    ["CI=false", { ci: "false" }, true],
    ["--sso-login never", { mode: "never", modeFrom: "--sso-login never" }, false, /off \(--sso-login never\)/],
  ])("%s -> %s", (_name, change, ok, why) => {
    const verdict = personIsThere({ ...base, ...change });
    expect(verdict.ok).toBe(ok);
    if (!verdict.ok && why) expect(verdict.why).toMatch(why);
  });

  it("reads spec.interactive only when it is a boolean", () => {
    expect(execInfoInteractive(info({ interactive: true }))).toBe(true);
    expect(execInfoInteractive(info({ interactive: "true" }))).toBeUndefined();
    expect(execInfoInteractive("[]")).toBeUndefined();
  });
});

describe("budgetAllows", () => {
  const clock = (t: number) => `t${(t - NOW) / MIN}`;
  it.each<[string, number[], boolean, string?]>([
    ["no record", [], true],
    ["one unfinished 11 minutes ago", [NOW - 11 * MIN], true],
    [
      "one unfinished 9 minutes ago",
      [NOW - 9 * MIN],
      false,
      "a sign-in started at t-9 was not finished; the next automatic one may start at t1",
    ],
    ["two unfinished, the last 30 minutes ago", [NOW - 300 * MIN, NOW - 30 * MIN], true],
    [
      "three unfinished in 12 hours",
      [NOW - 600 * MIN, NOW - 300 * MIN, NOW - 30 * MIN],
      false,
      "3 sign-ins were started and not finished since t-600",
    ],
    ["three, the oldest 13 hours ago", [NOW - 780 * MIN, NOW - 300 * MIN, NOW - 30 * MIN], true],
    ["one a little ahead (a clock set back)", [NOW + 5 * MIN], false],
    ["one absurdly far ahead: not ours", [NOW + 100 * 24 * 60 * MIN], true],
  ])("%s -> %s", (_name, unfinished, ok, why) => {
    const verdict = budgetAllows(unfinished, NOW, clock);
    expect(verdict.ok).toBe(ok);
    if (!verdict.ok && why) expect(verdict.why).toBe(why);
  });

  it("keeps the last three that still count", () => {
    expect(keptAttempts([NOW - 800 * MIN, NOW - 3, NOW - 1, NOW - 2, Number.NaN, NOW - 4], NOW)).toEqual([
      NOW - 3,
      NOW - 2,
      NOW - 1,
    ]);
  });
});
