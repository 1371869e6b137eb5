/** Writes to the process's stdout and stderr, shared by the entry (./entry.ts) and the whole CLI (./bin.ts). */
import { writeSync } from "node:fs";
import { EksTokenError } from "../errors.js";

/**
 * Writes straight to the file descriptor. process.stdout would build a stream (and load the net
 * and tty modules) on first use, which costs more than the whole cache-hit path; the writes are
 * small and synchronous, so nothing is lost at exit either.
 */
export function writeAll(fd: number, text: string): void {
  const buffer = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += writeSync(fd, buffer, offset);
    } catch (e) {
      // A non-blocking pipe that is full: wait a moment for the reader.
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
}

/** A write to stdout that failed: most often the reading end of a pipe has gone (`| head -c0`). */
export function stdoutError(e: unknown): EksTokenError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "EPIPE") {
    return new EksTokenError(
      "output",
      "stdout was closed before the output was written (the program reading it exited)",
      "let the reader read to the end, or redirect the output to a file",
      { cause: e },
    );
  }
  return new EksTokenError("output", `could not write to stdout: ${code ?? String(e)}`, "check where stdout goes", {
    cause: e,
  });
}

/** stdout for the CLI's ports: a failed write is an EksTokenError. */
export function writeStdout(text: string): void {
  try {
    writeAll(1, text);
  } catch (e) {
    throw stdoutError(e);
  }
}

/** stderr for the CLI's ports: when stderr is closed, nothing more can be said. */
export function writeStderr(text: string): void {
  try {
    writeAll(2, text);
  } catch {
    // stderr closed
  }
}
