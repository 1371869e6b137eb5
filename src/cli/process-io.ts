/**
 * The process as the CLI uses it, shared by the entry (./entry.ts) and the whole CLI (./bin.ts):
 * writes to stdout and stderr, and a process kept quiet around the CLI's own lines.
 */
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

/**
 * Dependencies warn on stderr (the AWS SDK about Node versions, Node about deprecations), and
 * some of the SDK's parts log through console when no logger reaches them (the container
 * credentials provider's HTTP handler warns there when a request outlives its timeout): a
 * successful call must print nothing there, and stdout carries only the credential. With
 * --debug they show as debug lines. Called before anything that may load the SDK.
 */
export function quietProcess(debugging: boolean): void {
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  process.removeAllListeners("warning");
  process.on("warning", (w) => {
    if (debugging) writeStderr(`eks-token: debug: node warning: ${w.name}: ${w.message}\n`);
  });
  for (const level of ["log", "info", "warn", "error", "debug", "trace"] as const) {
    console[level] = (...args: unknown[]) => {
      if (!debugging) return;
      const { format } = process.getBuiltinModule("node:util");
      writeStderr(`eks-token: debug: console.${level}: ${format(...args)}\n`);
    };
  }
}
