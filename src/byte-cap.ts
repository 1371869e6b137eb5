/**
 * Byte caps on what is read from outside (an HTTP answer, a file that claims size 0 and never
 * ends): how a cap is written in a message, and the error when something is over it.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { EksTokenError } from "./errors.js";

/** "256 kB", "4 MB", or bytes. */
function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} kB`;
  return `${n} bytes`;
}

/** `what` is already shown safely (escaped, quoted): "the answer from sts.amazonaws.com", "the CA file \"/x\"". */
export function tooLargeError(what: string, maxBytes: number, hint: string): EksTokenError {
  return new EksTokenError("too-large", `${what} was larger than ${formatBytes(maxBytes)}`, hint);
}

/** A read that went past its cap; the caller names the file in its own message. */
export class OverCapError extends Error {
  override readonly name = "OverCapError";
  constructor(readonly maxBytes: number) {
    super(`more than ${formatBytes(maxBytes)}`);
  }
}

export function isOverCap(e: unknown): e is OverCapError {
  return e instanceof Error && e.name === "OverCapError";
}

/**
 * At most `maxBytes` of an open file, read until its end whatever its size claims: files in /proc
 * and /sys say 0 and may never end, a file may grow while read. Throws OverCapError past the cap.
 */
export function readFdCapped(fd: number, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    // Whole chunks (a file such as /proc/self/pagemap refuses reads of odd sizes); past the cap by
    // at most one chunk before it is refused.
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    total += n;
    if (total > maxBytes) throw new OverCapError(maxBytes);
    chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
  }
  return Buffer.concat(chunks, total);
}

type CappedFile =
  | { readonly kind: "file"; readonly bytes: Buffer; readonly stat: Stats }
  | { readonly kind: "missing"; readonly code: string }
  | { readonly kind: "not-regular"; readonly stat: Stats };

/**
 * A regular file's bytes, at most `maxBytes` (OverCapError past them), opened without blocking so
 * a FIFO cannot hold the caller; what is not a regular file is reported, never read.
 */
export function readFileCapped(path: string, maxBytes: number): CappedFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return { kind: "missing", code: (e as NodeJS.ErrnoException).code ?? "unreadable" };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { kind: "not-regular", stat };
    return { kind: "file", bytes: readFdCapped(fd, maxBytes), stat };
  } finally {
    closeSync(fd);
  }
}
