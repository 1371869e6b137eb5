// acquireLock (src/cache/lock.ts) against real processes: mutual exclusion, take-over of locks
// whose owner died or that are too old, the wait bound for a live holder, and soft failure.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireLock } from "../../src/cache/lock.js";
import { IS_ROOT, sleep } from "../support/cache-fixture.js";
import { CAN_MOUNT, mountTmpfs } from "../support/tmpfs.js";

let dir: string;
let lockPath: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "eks-token-lock-"));
  lockPath = join(dir, `${"a".repeat(64)}.lock`);
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
  const pid = child.pid!;
  await new Promise((r) => child.on("exit", r));
  await sleep(20);
  expect(() => process.kill(pid, 0)).toThrow();
  return pid;
}

/** A process that stays alive until killed. */
function liveProcess(): ChildProcess {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1e9)"], { stdio: "ignore" });
  children.push(child);
  return child;
}

describe("acquireLock", () => {
  it("creates a private lock holding our pid, and release removes it", async () => {
    const result = await acquireLock(lockPath);
    expect(result.ok).toBe(true);
    expect(readFileSync(lockPath, "utf8")).toMatch(new RegExp(`^${process.pid} \\S+$`));
    if (result.ok) result.lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it("takes over a lock left by a dead process at once (well under the 3 s wait)", async () => {
    const pid = await deadPid();
    writeFileSync(lockPath, `${pid} 0123456789ab`, { mode: 0o600 });
    const started = Date.now();
    const result = await acquireLock(lockPath);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(result.ok).toBe(true);
    expect(readFileSync(lockPath, "utf8")).toMatch(new RegExp(`^${process.pid} `));
    if (result.ok) result.lock.release();
    expect(readdirSync(dir)).toEqual([]); // nothing "*.stale" left behind
  });

  it("waits for a live holder only up to waitMs, then reports a timeout and leaves its lock alone", async () => {
    const holder = liveProcess();
    const content = `${holder.pid} feedfacecafe`;
    writeFileSync(lockPath, content, { mode: 0o600 });
    const started = Date.now();
    const result = await acquireLock(lockPath, { waitMs: 300 });
    const waited = Date.now() - started;
    expect(result).toMatchObject({ ok: false, reason: "timeout" });
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(1_500);
    expect(readFileSync(lockPath, "utf8")).toBe(content);
  });

  it("gets the lock as soon as a live holder dies", async () => {
    const holder = liveProcess();
    writeFileSync(lockPath, `${holder.pid} feedfacecafe`, { mode: 0o600 });
    const pending = acquireLock(lockPath, { waitMs: 10_000 });
    await sleep(150);
    holder.kill("SIGKILL");
    const started = Date.now();
    const result = await pending;
    expect(result.ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
    if (result.ok) result.lock.release();
  });

  it("takes over a lock older than staleMs even when its holder lives", async () => {
    const holder = liveProcess();
    writeFileSync(lockPath, `${holder.pid} feedfacecafe`, { mode: 0o600 });
    const old = (Date.now() - 10_000) / 1000;
    utimesSync(lockPath, old, old);
    const result = await acquireLock(lockPath, { waitMs: 2_000, staleMs: 5_000 });
    expect(result.ok).toBe(true);
    if (result.ok) result.lock.release();
  });

  it("gives a holder that has not written its pid yet a moment, but not forever", async () => {
    writeFileSync(lockPath, "", { mode: 0o600 });
    expect(await acquireLock(lockPath, { waitMs: 200 })).toMatchObject({ ok: false, reason: "timeout" });
    const old = (Date.now() - 5_000) / 1000;
    utimesSync(lockPath, old, old);
    const result = await acquireLock(lockPath, { waitMs: 2_000 });
    expect(result.ok).toBe(true);
    if (result.ok) result.lock.release();
  });

  it("release does not remove a lock that someone else took over meanwhile", async () => {
    const result = await acquireLock(lockPath);
    expect(result.ok).toBe(true);
    writeFileSync(lockPath, "999999 someone-else");
    if (result.ok) result.lock.release();
    expect(readFileSync(lockPath, "utf8")).toBe("999999 someone-else");
  });

  it("fails softly (no throw, no wait) when the lock cannot be created", async () => {
    const started = Date.now();
    const missing = await acquireLock(join(dir, "no-such-dir", "x.lock"));
    expect(missing).toMatchObject({ ok: false, reason: "error", detail: "ENOENT" });
    writeFileSync(join(dir, "file"), "");
    const notDir = await acquireLock(join(dir, "file", "x.lock"));
    expect(notDir).toMatchObject({ ok: false, reason: "error", detail: "ENOTDIR" });
    expect(Date.now() - started).toBeLessThan(500);
  });

  it.each([
    ["a directory", (p: string) => mkdirSync(p)],
    ["a dangling symbolic link", (p: string) => symlinkSync(join(dir, "nowhere"), p)],
    [
      "a symbolic link to a stale-looking lock",
      (p: string) => {
        writeFileSync(join(dir, "elsewhere"), "1 x", { mode: 0o600 });
        symlinkSync(join(dir, "elsewhere"), p);
      },
    ],
  ])("fails softly at once, without waiting out the bound, when the lock path is %s", async (_name, make) => {
    make(lockPath);
    const started = Date.now();
    const result = await acquireLock(lockPath); // default bound: 3 s
    expect(result).toMatchObject({ ok: false, reason: "error" });
    expect(Date.now() - started).toBeLessThan(1_000);
    // left as it was: not followed, not written through, not removed
    const st = lstatSync(lockPath);
    expect(st.isDirectory() || st.isSymbolicLink()).toBe(true);
    if (existsSync(join(dir, "elsewhere"))) expect(readFileSync(join(dir, "elsewhere"), "utf8")).toBe("1 x");
  });

  it("admits one holder at a time among many concurrent waiters", async () => {
    let inside = 0;
    let maxInside = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        const result = await acquireLock(lockPath, { waitMs: 10_000 });
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        inside++;
        maxInside = Math.max(maxInside, inside);
        await sleep(10);
        inside--;
        done++;
        result.lock.release();
      }),
    );
    expect(done).toBe(12);
    expect(maxInside).toBe(1);
    expect(existsSync(lockPath)).toBe(false);
  });
});

describe("odd things at the lock path", () => {
  it("takes over an empty lock whose maker never wrote its pid (a full disk) within a moment, not after seconds", async () => {
    writeFileSync(lockPath, "", { mode: 0o600 });
    const old = (Date.now() - 300) / 1000;
    utimesSync(lockPath, old, old);
    const result = await acquireLock(lockPath, { waitMs: 1_000 });
    expect(result.ok).toBe(true);
    if (result.ok) result.lock.release();
  });

  it.skipIf(!CAN_MOUNT)(
    "on a full disk fails softly and leaves no empty lock behind (needs root and mount)",
    async () => {
      const full = mountTmpfs({ sizeKb: 64 })!;
      try {
        const filler = join(full.path, "filler");
        try {
          writeFileSync(filler, Buffer.alloc(1024 * 1024));
        } catch {
          // full now
        }
        const path = join(full.path, `${"b".repeat(64)}.lock`);
        expect(await acquireLock(path, { waitMs: 500 })).toMatchObject({
          ok: false,
          reason: "error",
          detail: "ENOSPC",
        });
        expect(readdirSync(full.path)).toEqual(["filler"]);
      } finally {
        full.cleanup();
      }
    },
  );

  it.skipIf(!IS_ROOT)("refuses a device node at once and leaves it where it is (needs root for mknod)", async () => {
    execFileSync("mknod", [lockPath, "c", "1", "3"]); // a /dev/null
    const result = await acquireLock(lockPath, { waitMs: 3_000 });
    expect(result).toMatchObject({ ok: false, reason: "error", detail: "not a regular file" });
    expect(lstatSync(lockPath).isCharacterDevice()).toBe(true);
  });
});
