/** The executable's entry: real process I/O around main(). */
import { writeSync } from "node:fs";
import { format } from "node:util";
import { EksTokenError } from "../errors.js";
import { bunVariablesRefusal } from "./bun-variables.js";
import { callerProcess } from "./caller-process.js";
import { main } from "./main.js";
import { processTerminal } from "./terminal.js";
import { debugRequested } from "./debug.js";
import { tooLargeError } from "../byte-cap.js";
import { STDIN_MAX_BYTES, type CliIo } from "./io.js";

const refusal = bunVariablesRefusal(process.env, process.versions["bun"] !== undefined);
if (refusal) {
  writeAll(2, refusal);
  process.exit(1);
}

// Dependencies warn on stderr (the AWS SDK about Node versions, Node about deprecations); a
// successful call must print nothing there. --debug still shows them.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
const debugging = debugRequested(process.argv.slice(2), process.env);
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (debugging) writeAll(2, `eks-token: debug: node warning: ${w.name}: ${w.message}\n`);
});
// Some of the SDK's parts log through console when no logger reaches them (the container
// credentials provider's HTTP handler warns there when a request outlives its timeout): nothing
// may write around the CLI's own lines, and stdout carries only the credential.
for (const level of ["log", "info", "warn", "error", "debug", "trace"] as const) {
  console[level] = (...args: unknown[]) => {
    if (debugging) writeAll(2, `eks-token: debug: console.${level}: ${format(...args)}\n`);
  };
}

/**
 * Writes straight to the file descriptor. process.stdout would build a stream (and load the net
 * and tty modules) on first use, which costs more than the whole cache-hit path; the writes are
 * small and synchronous, so nothing is lost at exit either.
 */
function writeAll(fd: number, text: string): void {
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
function stdoutError(e: unknown): EksTokenError {
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

const io: CliIo = {
  argv: process.argv.slice(2),
  env: process.env,
  stdout: (text) => {
    try {
      writeAll(1, text);
    } catch (e) {
      throw stdoutError(e);
    }
  },
  stderr: (text) => {
    try {
      writeAll(2, text);
    } catch {
      // stderr closed: nothing more can be said
    }
  },
  now: () => Date.now(),
  terminal: processTerminal,
  caller: callerProcess,
  readStdin: async () => {
    // A token, "Bearer <token>" or an ExecCredential is a few kB: stdin that never ends is not read on.
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of process.stdin) {
      bytes += (chunk as Buffer).length;
      if (bytes > STDIN_MAX_BYTES) {
        process.stdin.destroy();
        throw tooLargeError(
          "the input on stdin",
          STDIN_MAX_BYTES,
          "pass the token, Bearer <token> or the plugin's ExecCredential JSON",
        );
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
  },
};

// Every write above is synchronous: exit at once, without waiting for sockets the SDK keeps alive.
void main(io).then((code) => process.exit(code));
