/**
 * The lock kubectl takes around a kubeconfig write, taken the same way so that kubectl and
 * eks-token exclude each other: `<file>.lock` next to each file, created with O_CREAT|O_EXCL
 * (client-go, tools/clientcmd/loader.go `lockFile`), every file of the loading list locked in
 * byte order (client-go's `ModifyConfig` sorts them), removed when the write is done.
 *
 * kubectl gives up at once when the lock exists; eks-token waits for it, within a bound. Neither
 * breaks a lock it did not make: a lock left by a killed process is named in the error, for the
 * user to remove.
 */
import { constants } from "node:fs";
import { randomBytes } from "node:crypto";
import { lstat, mkdir, open, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { EksTokenError } from "../errors.js";
import { describeFileKind } from "../file-kind.js";
import { escapeControls, shellWord } from "../quote.js";
import { processAlive } from "../process-alive.js";

/** The path client-go locks for `path`: the path as named, not where a symlink leads. */
export function lockPathOf(path: string): string {
  return `${path}.lock`;
}

export interface LockOptions {
  /** How long to wait for another holder; kubectl holds the lock for milliseconds. */
  readonly waitMs?: number;
  readonly pollMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_LOCK_WAIT_MS = 10_000;

/** Releases every lock taken; never throws. */
export type Unlock = () => Promise<void>;

/** Runs `work` holding the locks of every path, released whatever `work` does. */
export async function withKubeconfigLocks<T>(
  paths: readonly string[],
  work: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const unlock = await lockKubeconfigs(paths, options);
  try {
    return await work();
  } finally {
    await unlock();
  }
}

/** Takes the lock of every path, in the order client-go takes them; all or none. */
export async function lockKubeconfigs(paths: readonly string[], options: LockOptions = {}): Promise<Unlock> {
  const now = options.now ?? Date.now;
  const deadline = now() + (options.waitMs ?? DEFAULT_LOCK_WAIT_MS);
  // Go's sort.Strings compares bytes: UTF-8 order, which differs from UTF-16 order past U+FFFF.
  const sorted = [...new Set(paths)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const held: HeldLock[] = [];
  try {
    for (const path of sorted) held.push(await acquire(path, deadline, options));
  } catch (e) {
    await releaseAll(held);
    throw e;
  }
  return () => releaseAll(held);
}

interface HeldLock {
  readonly lockPath: string;
  /** What this process wrote in it: an inode number alone may be reused at once. */
  readonly content: string;
  readonly ino: number;
}

async function acquire(path: string, deadline: number, options: LockOptions): Promise<HeldLock> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = options.pollMs ?? 10;
  const lockPath = lockPathOf(path);
  // client-go makes the folder first too, so that a first write to ~/.kube/config can lock.
  await mkdir(dirname(lockPath), { recursive: true, mode: 0o700 }).catch(() => undefined);
  for (let attempt = 0; ; attempt++) {
    const taken = await tryCreate(path, lockPath);
    if (taken) return taken;
    // A lock is always a regular file: anything else there will not go away by waiting.
    const info = await lstat(lockPath).catch(() => undefined);
    if (info && !info.isFile()) {
      throw new EksTokenError(
        "kubeconfig",
        `cannot lock ${shown(path)}: ${shown(lockPath)} is ${describeFileKind(info)}, not a lock file`,
        `kubectl cannot write the file either while it is there; remove it (rm -- ${shellWord(lockPath)}); nothing was written`,
      );
    }
    if (now() >= deadline) throw await heldTooLong(path, lockPath, options.waitMs ?? DEFAULT_LOCK_WAIT_MS);
    // Back off to a tenth of a second; the jitter keeps twenty waiters from polling in step.
    await sleep(Math.min(pollMs * 2 ** Math.min(attempt, 4), 100) + (attempt % 7));
  }
}

/** The lock, or undefined when it exists already. */
async function tryCreate(path: string, lockPath: string): Promise<HeldLock | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // O_EXCL also refuses a symlink planted at the lock's path, dangling or not.
    handle = await open(lockPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw new EksTokenError(
      "kubeconfig",
      `cannot lock ${shown(path)}: cannot create ${shown(lockPath)}: ${(e as Error).message}`,
      "kubectl takes the same lock and needs the folder writable too; nothing was written",
      { cause: e },
    );
  }
  try {
    // Who holds it, for the error a waiter may show; client-go leaves its lock empty.
    const content = `${process.pid} eks-token ${randomBytes(6).toString("hex")}\n`;
    const written = await handle.writeFile(content).then(
      () => content,
      () => "",
    );
    const info = await handle.stat();
    return { lockPath, content: written, ino: info.ino };
  } finally {
    await handle.close();
  }
}

async function heldTooLong(path: string, lockPath: string, waitMs: number): Promise<EksTokenError> {
  const holder = await describeHolder(lockPath);
  return new EksTokenError(
    "kubeconfig",
    `${shown(path)} is locked: ${shown(lockPath)} has existed for more than ${waitMs / 1000} s${holder}`,
    `kubectl and eks-token hold it while they write the file; if neither is writing it, remove it (rm -- ${shellWord(lockPath)}) and run this again; nothing was written`,
  );
}

async function describeHolder(lockPath: string): Promise<string> {
  const content = await readLock(lockPath);
  const pid = content === undefined ? Number.NaN : Number.parseInt(content, 10);
  if (!content?.includes("eks-token") || !Number.isInteger(pid) || pid <= 0) return "";
  return processAlive(pid)
    ? ` (held by eks-token process ${pid})`
    : ` (left by eks-token process ${pid}, which is no longer running)`;
}

/** A lock's first bytes, never following a link nor waiting on a FIFO; undefined when unreadable. */
async function readLock(lockPath: string): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(lockPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(128);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

// Removes only the file this process created: a lock someone removed and another took is theirs.
async function releaseAll(held: readonly HeldLock[]): Promise<void> {
  for (const lock of [...held].reverse()) {
    const info = await lstat(lock.lockPath).catch(() => undefined);
    if (!info?.isFile() || info.ino !== lock.ino) continue;
    if ((await readLock(lock.lockPath)) === lock.content) await unlink(lock.lockPath).catch(() => undefined);
  }
}

const shown = escapeControls;
