/**
 * A cross-process lock around the miss path, so that many processes starting at once make one
 * token (and one AssumeRole) between them. A lock file created with O_EXCL holds the owner's pid;
 * a lock whose owner is dead, or that is older than any miss can take, is taken over.
 * Every failure is soft: the caller goes on without the cache rather than fail or hang.
 */
import { uniqueSuffix } from "../hash.js";
import {
  closeSync,
  constants,
  fstatSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { asidePath } from "./entry-file.js";
import { processAlive } from "../process-alive.js";

/** A lock file holds `pid unique`: anything longer is not one. */
const MAX_LOCK_BYTES = 256;
/**
 * A lock with no owner written in it is stale after this long: its maker writes the pid right
 * after creating it, and one that could not (ENOSPC) removes it, so an empty lock is a leftover.
 */
const EMPTY_LOCK_GRACE_MS = 250;

/** A lock older than this is stale whoever holds it: longer than any miss, an MFA prompt included, takes. */
const STALE_MS = 150_000;

/** Waiters poll at least this often, however long they wait. */
const MAX_POLL_MS = 100;

export interface LockOptions {
  /** How long to wait for another holder before giving up. */
  readonly waitMs?: number;
  /** A lock older than this is stale whoever holds it (longer than any miss may take). */
  readonly staleMs?: number;
  readonly now?: () => number;
  readonly pollMs?: number;
}

export interface Lock {
  release(): void;
}

export type LockResult = { ok: true; lock: Lock } | { ok: false; reason: "timeout" | "error"; detail: string };

export async function acquireLock(path: string, options: LockOptions = {}): Promise<LockResult> {
  const { waitMs = 3_000, staleMs = STALE_MS, now = Date.now, pollMs = 15 } = options;
  const token = `${process.pid} ${uniqueSuffix()}`;
  const deadline = now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(
        path,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
      try {
        writeSync(fd, token);
      } catch (e) {
        // A full disk: leave no empty lock behind for the next call to wait on.
        closeSync(fd);
        unlinkQuietly(path);
        return { ok: false, reason: "error", detail: (e as NodeJS.ErrnoException).code ?? String(e) };
      }
      closeSync(fd);
      return { ok: true, lock: { release: () => releaseIfOurs(path, token) } };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") return { ok: false, reason: "error", detail: code ?? String(e) };
    }
    const stale = staleContent(path, staleMs, now());
    // Not a lock file we can read (a directory, a link): waiting would not change that.
    if (typeof stale === "object") return { ok: false, reason: "error", detail: stale.error };
    if (stale !== undefined) {
      breakStale(path, stale);
      continue;
    }
    if (now() >= deadline) return { ok: false, reason: "timeout", detail: `waited ${waitMs} ms` };
    // A little jitter keeps thirty-odd waiters from polling in step; a long wait polls less often.
    await sleep(Math.min(pollMs + Math.floor(attempt / 10) * 5, MAX_POLL_MS) + (attempt % 7));
  }
}

/**
 * Whether a live process holds the lock at `path` (its pid is alive and the lock is not stale):
 * such a lock is never removed by anyone but its holder.
 */
export function isLockHeld(path: string, now: number = Date.now(), staleMs: number = STALE_MS): boolean {
  if ("error" in readLockFile(path)) return false;
  return staleContent(path, staleMs, now) === undefined;
}

/**
 * The lock's content when its holder is gone or it is too old, undefined while it is held (or
 * just vanished), or an error when the path cannot be read as a lock file.
 */
function staleContent(path: string, staleMs: number, now: number): string | undefined | { error: string } {
  const file = readLockFile(path);
  // Gone already: the next attempt may take it. Anything else (ELOOP, EISDIR, a FIFO) stays.
  if ("error" in file) return file.error === "ENOENT" ? undefined : file;
  const { content, mtimeMs } = file;
  if (now - mtimeMs > staleMs) return content;
  const pid = Number.parseInt(content.split(" ")[0] ?? "", 10);
  // A holder between create and write has left it empty for a moment only.
  if (!Number.isInteger(pid) || pid <= 0) return now - mtimeMs > EMPTY_LOCK_GRACE_MS ? content : undefined;
  return processAlive(pid) ? undefined : content;
}

/**
 * A lock file's content, opened without blocking and without following links: a FIFO or a
 * device put where a lock belongs is refused at once, never waited on or read without end.
 */
function readLockFile(path: string): { content: string; mtimeMs: number } | { error: string } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? String(e) };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { error: "not a regular file" };
    if (stat.size > MAX_LOCK_BYTES) return { error: "too large for a lock file" };
    return { content: readFileSync(fd, "utf8"), mtimeMs: stat.mtimeMs };
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? String(e) };
  } finally {
    closeSync(fd);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Removes a stale lock. Two waiters may both judge it stale; rename is atomic, so only one moves
 * it aside, and one that finds it moved a fresh lock instead (taken meanwhile) puts it back.
 */
function breakStale(path: string, stale: string): void {
  const aside = asidePath(path, "stale");
  try {
    renameSync(path, aside);
  } catch {
    return; // another waiter got there first
  }
  try {
    const moved = readLockFile(aside);
    if (!("content" in moved) || moved.content !== stale) linkSync(aside, path);
  } catch {
    // the path was taken again meanwhile: that holder keeps it
  }
  unlinkQuietly(aside);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // nothing to clean
  }
}

function releaseIfOurs(path: string, token: string): void {
  const file = readLockFile(path);
  if ("content" in file && file.content === token) unlinkQuietly(path);
}

/** The pid written in a lock file, when one is there and readable: who holds it, for messages. */
export function lockHolderPid(path: string): number | undefined {
  const file = readLockFile(path);
  if (!("content" in file)) return undefined;
  const pid = Number.parseInt(file.content.split(" ")[0] ?? "", 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
