// ensureSession (src/usecases/login/ensure-session.ts) with the token file and the SSO-OIDC calls
// replaced, and the real lock and attempt record in a temporary cache directory: one refresh for
// many callers, one sign-in for many, refusals that say why, the budget, interrupts.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readUnfinishedSignIns, writeUnfinishedSignIns } from "../../../src/cache/sign-in-state.js";
import type { CallerFacts, RefreshOutcome } from "../../../src/usecases/login/auto-sign-in.js";
import {
  ensureSession,
  type EnsureSessionDeps,
  type SessionIdentity,
  type SessionPorts,
  type SignInOutcome,
  type TokenRead,
} from "../../../src/usecases/login/ensure-session.js";

const MIN = 60_000;
const SESSION: SessionIdentity = { profile: "dev team", sessionName: "corp", key: "a".repeat(40) };
const PERSON: CallerFacts = {
  mode: "auto",
  modeFrom: "the default",
  execInfo: JSON.stringify({ spec: { interactive: true } }),
  stdinIsTerminal: true,
  hasTerminal: true,
  ci: undefined,
};
const NO_ONE: CallerFacts = { ...PERSON, execInfo: JSON.stringify({ spec: { interactive: false } }) };

let dir: string;
let lines: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "eks-token-sso-"));
  lines = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A token file in memory and the calls that change it, counted. */
function fakeSession(initial: TokenRead) {
  let file: TokenRead = initial;
  const calls = { refresh: 0, signIn: 0, reads: 0 };
  let refreshWith: () => Promise<RefreshOutcome> = async () => {
    await new Promise((r) => setTimeout(r, 30));
    file = { kind: "token", expiresAt: Date.now() + 60 * MIN, refreshable: true, accessToken: "refreshed" };
    return { kind: "refreshed" };
  };
  let signInWith: (signal: AbortSignal) => Promise<SignInOutcome> = async () => {
    await new Promise((r) => setTimeout(r, 50));
    file = { kind: "token", expiresAt: Date.now() + 60 * MIN, refreshable: true, accessToken: "new" };
    return { kind: "signed-in" };
  };
  const ports: SessionPorts = {
    readToken: () => {
      calls.reads++;
      return file;
    },
    refresh: () => {
      calls.refresh++;
      return refreshWith();
    },
    signIn: ({ signal }) => {
      calls.signIn++;
      return signInWith(signal);
    },
  };
  return {
    ports,
    calls,
    set file(f: TokenRead) {
      file = f;
    },
    onRefresh: (f: typeof refreshWith) => {
      refreshWith = f;
    },
    onSignIn: (f: typeof signInWith) => {
      signInWith = f;
    },
  };
}

function deps(caller: CallerFacts | undefined = PERSON, extra: Partial<EnsureSessionDeps> = {}): EnsureSessionDeps {
  return {
    dir,
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    caller: async () => caller,
    say: (line) => lines.push(line),
    debug: () => {},
    signInBoundMs: 5_000,
    followerWaitMs: 1_500,
    ...extra,
  };
}

const valid = (): TokenRead => ({
  kind: "token",
  expiresAt: Date.now() + 60 * MIN,
  refreshable: true,
  accessToken: "ok",
});
const nearExpiry = (): TokenRead => ({
  kind: "token",
  expiresAt: Date.now() + 3 * MIN,
  refreshable: true,
  accessToken: "old",
});
const expired = (): TokenRead => ({
  kind: "token",
  expiresAt: Date.now() - MIN,
  refreshable: false,
  accessToken: "old",
});

describe("a valid token", () => {
  it("is left as it is, with no lock and no call, and clears a record of unfinished sign-ins", async () => {
    writeUnfinishedSignIns(dir, SESSION.key, [Date.now() - 5 * MIN]);
    const s = fakeSession(valid());
    expect(await ensureSession(SESSION, s.ports, deps())).toBe("as-is");
    expect(s.calls).toMatchObject({ refresh: 0, signIn: 0 });
    expect(readUnfinishedSignIns(dir, SESSION.key)).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("refresh once", () => {
  it("ten callers at once make one refresh call; none signs in or prints a line", async () => {
    const s = fakeSession(nearExpiry());
    const results = await Promise.all(Array.from({ length: 10 }, () => ensureSession(SESSION, s.ports, deps(NO_ONE))));
    expect(s.calls.refresh).toBe(1);
    expect(s.calls.signIn).toBe(0);
    expect(results).toEqual(Array(10).fill("renewed"));
    expect(lines).toEqual([]);
    expect(readdirSync(dir)).toEqual([]); // the lock is gone
  });

  it("a refused refresh of a token the SDK would refuse too leads to a sign-in", async () => {
    const s = fakeSession(nearExpiry());
    s.onRefresh(async () => ({ kind: "refused" }));
    expect(await ensureSession(SESSION, s.ports, deps())).toBe("signed-in");
    expect(s.calls).toMatchObject({ refresh: 1, signIn: 1 });
  });

  it("a refresh the network did not carry starts no sign-in: the SDK gives today's message", async () => {
    const s = fakeSession(expired());
    s.file = { kind: "token", expiresAt: Date.now() - MIN, refreshable: true, accessToken: "old" };
    s.onRefresh(async () => ({ kind: "unavailable" }));
    expect(await ensureSession(SESSION, s.ports, deps())).toBe("as-is");
    expect(s.calls.signIn).toBe(0);
    expect(readUnfinishedSignIns(dir, SESSION.key)).toEqual([]);
  });
});

describe("sign-in", () => {
  it("no file: one sign-in, and a success leaves no record", async () => {
    const s = fakeSession({ kind: "missing" });
    expect(await ensureSession(SESSION, s.ports, deps())).toBe("signed-in");
    expect(s.calls.signIn).toBe(1);
    expect(readUnfinishedSignIns(dir, SESSION.key)).toEqual([]);
  });

  it("a torn file is read again before it counts as unreadable", async () => {
    const s = fakeSession({ kind: "unreadable" });
    setTimeout(() => {
      s.file = valid();
    }, 50);
    expect(await ensureSession(SESSION, s.ports, deps())).toBe("as-is");
    expect(s.calls.signIn).toBe(0);
  });

  it("five callers at once: one sign-in; the others print one waiting line each and go on", async () => {
    const s = fakeSession(expired());
    s.onSignIn(async () => {
      await new Promise((r) => setTimeout(r, 1_500));
      s.file = valid();
      return { kind: "signed-in" };
    });
    const results = await Promise.all(Array.from({ length: 5 }, () => ensureSession(SESSION, s.ports, deps())));
    expect(s.calls.signIn).toBe(1);
    expect(results.sort()).toEqual(["renewed", "renewed", "renewed", "renewed", "signed-in"]);
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(line).toBe(
        `eks-token: waiting for the sign-in to the SSO session "corp" (profile "dev team") started by another eks-token (pid ${process.pid}) (Ctrl-C to stop)`,
      );
    }
  });

  it("no person there: fails at once with why and the command that signs in, shell-quoted", async () => {
    const s = fakeSession(expired());
    const started = Date.now();
    await expect(ensureSession(SESSION, s.ports, deps(NO_ONE))).rejects.toMatchObject({
      code: "sso-expired",
      reportLine:
        'the SSO session for profile "dev team" has expired or is invalid (it has expired); no browser was opened: the client runs eks-token non-interactively (KUBERNETES_EXEC_INFO): ' +
        "run `eks-token login --profile 'dev team'` (or `aws sso login --profile 'dev team'`)",
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(s.calls.signIn).toBe(0);
    expect(readUnfinishedSignIns(dir, SESSION.key)).toEqual([]);
  });

  it("a library call (no terminal port) never signs in", async () => {
    const s = fakeSession({ kind: "missing" });
    await expect(ensureSession(SESSION, s.ports, deps(PERSON, { caller: async () => undefined }))).rejects.toThrow(
      /library call/,
    );
    expect(s.calls.signIn).toBe(0);
  });

  it("an abandoned sign-in is counted; the next automatic one is refused until 10 minutes pass", async () => {
    const s = fakeSession(expired());
    s.onSignIn(async () => ({ kind: "failed", error: new Error("not completed within 5 min") }));
    await expect(ensureSession(SESSION, s.ports, deps())).rejects.toThrow(/did not complete/);
    expect(readUnfinishedSignIns(dir, SESSION.key)).toHaveLength(1);
    expect(statSync(join(dir, `sso-${SESSION.key}.attempts`)).mode & 0o777).toBe(0o600);
    await expect(ensureSession(SESSION, s.ports, deps())).rejects.toThrow(
      /no browser was opened: a sign-in started at \d\d:\d\d was not finished; the next automatic one may start at \d\d:\d\d/,
    );
    expect(s.calls.signIn).toBe(1);
    // Eleven minutes on, one more is allowed.
    const later = () => Date.now() + 11 * MIN;
    s.onSignIn(async () => ({ kind: "signed-in" }));
    expect(await ensureSession(SESSION, s.ports, deps(PERSON, { now: later }))).toBe("signed-in");
    expect(readUnfinishedSignIns(dir, SESSION.key)).toEqual([]);
  });

  it("three unfinished in 12 hours: refused", async () => {
    const now = Date.now();
    writeUnfinishedSignIns(dir, SESSION.key, [now - 300 * MIN, now - 200 * MIN, now - 100 * MIN]);
    const s = fakeSession(expired());
    await expect(ensureSession(SESSION, s.ports, deps())).rejects.toThrow(
      /3 sign-ins were started and not finished since/,
    );
    expect(s.calls.signIn).toBe(0);
  });

  it("a valid token found (one `aws sso login` wrote) clears the budget", async () => {
    writeUnfinishedSignIns(dir, SESSION.key, [Date.now() - MIN]);
    const s = fakeSession(valid());
    await ensureSession(SESSION, s.ports, deps());
    s.file = expired();
    expect(await ensureSession(SESSION, s.ports, deps())).toBe("signed-in");
  });

  it("a sign-in the network did not carry is not counted", async () => {
    const s = fakeSession(expired());
    s.onSignIn(async () => ({ kind: "unavailable", error: new Error("connect ECONNREFUSED") }));
    await expect(ensureSession(SESSION, s.ports, deps())).rejects.toThrow();
    expect(readUnfinishedSignIns(dir, SESSION.key)).toEqual([]);
  });

  it("callers that waited for a sign-in the network did not carry fail at once instead of each trying in turn", async () => {
    const s = fakeSession(expired());
    s.onSignIn(async () => {
      await new Promise((r) => setTimeout(r, 300));
      return { kind: "unavailable", error: new Error("connect ECONNREFUSED") };
    });
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => ensureSession(SESSION, s.ports, deps())));
    expect(s.calls.signIn).toBe(1);
    const reasons = results.map((r) => (r.status === "rejected" ? String((r.reason as Error).message) : "ok"));
    expect(
      reasons.filter((m) => /that another eks-token started could not reach IAM Identity Center/.test(m)),
    ).toHaveLength(3);
    expect(readUnfinishedSignIns(dir, SESSION.key)).toEqual([]);
    // A later call (that waited for no one) tries again.
    s.onSignIn(async () => ({ kind: "signed-in" }));
    expect(await ensureSession(SESSION, s.ports, deps())).toBe("signed-in");
  });

  it("an interrupt aborts the sign-in, frees the lock at once and counts the attempt", async () => {
    const s = fakeSession(expired());
    let interrupt: () => void = () => {};
    s.onSignIn(
      (signal) =>
        new Promise((resolve) => {
          signal.addEventListener("abort", () =>
            setTimeout(() => resolve({ kind: "failed", error: signal.reason }), 200),
          );
        }),
    );
    const running = ensureSession(
      SESSION,
      s.ports,
      deps(PERSON, {
        onInterrupt: (handler) => {
          interrupt = handler;
          return () => {
            interrupt = () => {};
          };
        },
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync(dir)).toContain(`sso-${SESSION.key}.lock`);
    interrupt();
    // Freed before the sign-in has even wound down.
    expect(readdirSync(dir)).not.toContain(`sso-${SESSION.key}.lock`);
    await expect(running).rejects.toThrow(/was interrupted/);
    expect(readUnfinishedSignIns(dir, SESSION.key)).toHaveLength(1);
  });

  it("a live holder's lock older than this caller's own bound is still held: a longer `login --timeout` is not cut off", async () => {
    const s = fakeSession(expired());
    const lock = join(dir, `sso-${SESSION.key}.lock`);
    writeFileSync(lock, `${process.pid} login`, { mode: 0o600 });
    const old = new Date(Date.now() - 10 * MIN); // past this caller's 5 s bound plus a minute
    utimesSync(lock, old, old);
    await expect(ensureSession(SESSION, s.ports, deps(NO_ONE))).rejects.toThrow(
      `another eks-token (pid ${process.pid}) is signing in to the SSO session "corp" (profile "dev team")`,
    );
    expect(readFileSync(lock, "utf8")).toBe(`${process.pid} login`);
    expect(s.calls.signIn).toBe(0);
  });

  it("a caller that may not sign in waits the usual bound for one that does, then names it", async () => {
    const s = fakeSession(expired());
    s.onSignIn(() => new Promise(() => {}));
    void ensureSession(SESSION, s.ports, deps()).catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    await expect(ensureSession(SESSION, s.ports, deps(NO_ONE))).rejects.toThrow(
      `another eks-token (pid ${process.pid}) is signing in to the SSO session "corp" (profile "dev team") and did not finish within 2 s`,
    );
    expect(lines).toEqual([
      `eks-token: waiting for the sign-in to the SSO session "corp" (profile "dev team") started by another eks-token (pid ${process.pid})`,
    ]);
  });
});

describe("no usable cache directory", () => {
  it("still refreshes (without the lock), but never signs in", async () => {
    const s = fakeSession(nearExpiry());
    expect(await ensureSession(SESSION, s.ports, deps(PERSON, { dir: undefined }))).toBe("renewed");
    expect(s.calls.refresh).toBe(1);
    s.file = expired();
    await expect(ensureSession(SESSION, s.ports, deps(PERSON, { dir: undefined }))).rejects.toThrow(
      /no browser was opened: the cache directory cannot hold the sign-in's lock/,
    );
    expect(s.calls.signIn).toBe(0);
  });
});

describe("the portal refused the token (401)", () => {
  it("refreshes a refreshable token the portal refused, and signs in when the refresh is refused too", async () => {
    const s = fakeSession(valid());
    expect(await ensureSession(SESSION, s.ports, deps(), { accessToken: "ok" })).toBe("renewed");
    expect(s.calls).toMatchObject({ refresh: 1, signIn: 0 });
    s.file = valid();
    s.onRefresh(async () => ({ kind: "refused" }));
    expect(await ensureSession(SESSION, s.ports, deps(), { accessToken: "ok" })).toBe("signed-in");
    expect(s.calls).toMatchObject({ refresh: 2, signIn: 1 });
  });
  it("signs in when the file still holds the refused token and cannot refresh it", async () => {
    const s = fakeSession({ ...valid(), refreshable: false } as TokenRead);
    expect(await ensureSession(SESSION, s.ports, deps(), { accessToken: "ok" })).toBe("signed-in");
    expect(s.calls.signIn).toBe(1);
  });
  it("goes on when another process has replaced it meanwhile", async () => {
    const s = fakeSession(valid());
    expect(await ensureSession(SESSION, s.ports, deps(), { accessToken: "something else" })).toBe("renewed");
    expect(s.calls.signIn).toBe(0);
  });
});
