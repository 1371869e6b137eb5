// The kubeconfig lock: the `<file>.lock` client-go creates with O_EXCL around a write, taken the
// same way (so a real kubectl and eks-token exclude each other), waited for within a bound, never
// broken, and removed only by the process that made it.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, readFile, readdir, symlink, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { lockKubeconfigs, lockPathOf, withKubeconfigLocks } from "../../src/kubeconfig/lock.js";
import { tempHome } from "./helpers.js";

const KUBECTL = "/usr/bin/kubectl";
const KUBECTL_MISSING = !existsSync(KUBECTL);

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ home: dir, cleanup } = await tempHome()));
afterEach(async () => cleanup());

/** A fake clock and sleep: each sleep advances the clock, and may run a step (a holder letting go). */
function fakeTime(onSleep: (slept: number) => Promise<void> | void = () => undefined) {
  let now = 1_000_000;
  let sleeps = 0;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
      sleeps += 1;
      await onSleep(sleeps);
    },
    sleeps: () => sleeps,
  };
}

describe("lockKubeconfigs", () => {
  test("creates <file>.lock next to the file as named while held, and removes it on release", async () => {
    const path = join(dir, "config");
    const unlock = await lockKubeconfigs([path]);
    expect(lockPathOf(path)).toBe(`${path}.lock`);
    expect((await lstat(`${path}.lock`)).isFile()).toBe(true);
    expect(await readFile(`${path}.lock`, "utf8")).toMatch(new RegExp(`^${process.pid} eks-token [0-9a-f]{12}\n$`));
    await unlock();
    expect(await readdir(dir)).toEqual([]);
  });

  test("makes the folder of a first kubeconfig, as client-go does before locking", async () => {
    const path = join(dir, ".kube", "config");
    await withKubeconfigLocks([path], async () => expect(existsSync(`${path}.lock`)).toBe(true));
    expect(await readdir(join(dir, ".kube"))).toEqual([]);
  });

  test("waits while another holds the lock (an empty file, as kubectl leaves it) and takes it once gone", async () => {
    const path = join(dir, "config");
    await writeFile(`${path}.lock`, "");
    const time = fakeTime(async (n) => {
      if (n === 5) await unlink(`${path}.lock`);
    });
    const order: string[] = [];
    await withKubeconfigLocks([path], async () => void order.push("work"), time);
    expect(order).toEqual(["work"]);
    expect(time.sleeps()).toBe(5);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  test("a lock that stays is a clear error after the bound, naming it and how to remove it; it is left in place", async () => {
    const path = join(dir, "my config");
    await writeFile(`${path}.lock`, "");
    const time = fakeTime();
    const ran: string[] = [];
    const error = (await withKubeconfigLocks([path], async () => void ran.push("work"), {
      ...time,
      waitMs: 2_000,
    }).catch((e: unknown) => e)) as Error & { code: string; hint: string };
    expect(ran).toEqual([]);
    expect(error.code).toBe("kubeconfig");
    expect(error.message).toBe(`${path} is locked: ${path}.lock has existed for more than 2 s`);
    expect(error.hint).toContain(`rm -- '${path}.lock'`);
    expect(existsSync(`${path}.lock`)).toBe(true);
    // Bounded by the clock, not by a count of polls: the waits add up to the bound and stop.
    expect(time.now() - 1_000_000).toBeGreaterThanOrEqual(2_000);
    expect(time.now() - 1_000_000).toBeLessThan(2_200);
  });

  test("an eks-token holder that died is named, and its lock is still not removed", async () => {
    const path = join(dir, "config");
    const dead = await new Promise<number>((resolve) => {
      const child = execFile(process.execPath, ["-e", "0"]);
      child.on("exit", () => resolve(child.pid!));
    });
    await writeFile(`${path}.lock`, `${dead} eks-token\n`);
    const error = await lockKubeconfigs([path], { ...fakeTime(), waitMs: 100 }).catch((e: Error) => e);
    expect((error as Error).message).toContain(`(left by eks-token process ${dead}, which is no longer running)`);
    expect(await readFile(`${path}.lock`, "utf8")).toBe(`${dead} eks-token\n`);
  });

  test("every file of the list is locked, in byte order; when one is held the ones taken are let go", async () => {
    const a = join(dir, "a");
    const b = join(dir, "b");
    await writeFile(`${b}.lock`, "");
    const error = await lockKubeconfigs([b, a, a], { ...fakeTime(), waitMs: 50 }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/b is locked/);
    expect(existsSync(`${a}.lock`)).toBe(false);
    await unlink(`${b}.lock`);
    const unlock = await lockKubeconfigs([b, a]);
    expect((await readdir(dir)).sort()).toEqual(["a.lock", "b.lock"]);
    await unlock();
    expect(await readdir(dir)).toEqual([]);
  });

  test("a symlink planted at the lock's path is not followed: nothing is created where it points", async () => {
    const path = join(dir, "config");
    await symlink(join(dir, "victim"), `${path}.lock`);
    const error = await lockKubeconfigs([path], { ...fakeTime(), waitMs: 20 }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/is locked/);
    expect(existsSync(join(dir, "victim"))).toBe(false);
    expect((await lstat(`${path}.lock`)).isSymbolicLink()).toBe(true);
  });

  test("release leaves alone a lock that is no longer the one this process made", async () => {
    const path = join(dir, "config");
    const unlock = await lockKubeconfigs([path]);
    await unlink(`${path}.lock`);
    await writeFile(`${path}.lock`, "someone else\n");
    await unlock();
    expect(await readFile(`${path}.lock`, "utf8")).toBe("someone else\n");
  });

  test("a folder where the lock cannot be made is an error at once, not a wait", async () => {
    await writeFile(join(dir, "plain"), "");
    const time = fakeTime();
    const under = await lockKubeconfigs([join(dir, "plain", "config")], { ...time, waitMs: 60_000 }).catch(
      (e: Error) => e,
    );
    expect(time.sleeps()).toBe(0);
    expect((under as Error).message).toMatch(
      /^cannot lock .*plain\/config: cannot create .*plain\/config\.lock: ENOTDIR/,
    );
  });

  test.skipIf(KUBECTL_MISSING)(
    "kubectl refuses to write while eks-token holds the lock, and writes once it is released",
    async () => {
      const path = join(dir, "config");
      await writeFile(path, "apiVersion: v1\nkind: Config\n");
      const setContext = () =>
        promisify(execFile)(KUBECTL, ["config", "set-context", "k", "--cluster=c", `--kubeconfig=${path}`], {
          env: { HOME: dir, PATH: process.env.PATH },
        }).then(
          () => "ok",
          (e: { stderr: string }) => e.stderr,
        );
      await withKubeconfigLocks([path], async () => {
        expect(await setContext()).toMatch(/config\.lock: file exists/);
        expect(await readFile(path, "utf8")).toBe("apiVersion: v1\nkind: Config\n");
      });
      expect(await setContext()).toBe("ok");
      expect(await readFile(path, "utf8")).toMatch(/name: k/);
    },
  );
});
