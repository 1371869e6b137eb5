/**
 * The real terminal (src/terminal.ts's port) for the CLI and the library: stderr when it is a
 * terminal, else the controlling terminal. node:tty is loaded only when the terminal is used.
 *
 * A hidden line is read in raw mode, so this module edits the line itself (Backspace, Ctrl-U)
 * and sees Ctrl-C and Ctrl-D as bytes. The mode is put back on every way out: a line, the time
 * bound, Ctrl-C, the stream ending, a SIGINT/SIGTERM/SIGHUP from outside (then the signal is
 * raised again, as if no one had been listening) and the process exiting.
 */
import { closeSync, constants, openSync, readSync, writeSync } from "node:fs";
import type { ReadStream } from "node:tty";
import { type ReadHiddenOptions, type Terminal, TerminalReadError } from "./terminal.js";

/** Where a person is reached when stderr is not a terminal. */
export interface TtyTerminalOptions {
  /** The controlling terminal's path: /dev/tty (CONOUT$/CONIN$ on Windows). Tests pass a pty's. */
  readonly ttyPath?: string;
  /** Which descriptor is stderr (2). */
  readonly stderrFd?: number;
}

const WINDOWS = process.platform === "win32";

function writeAll(fd: number, text: string): void {
  const buffer = Buffer.from(text, "utf8");
  let offset = 0;
  let spins = 0;
  while (offset < buffer.length) {
    try {
      offset += writeSync(fd, buffer, offset);
    } catch (e) {
      // A terminal in non-blocking mode that is momentarily full (a paused terminal, Ctrl-S).
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN" || ++spins > 2500) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
}

function tryOpen(path: string, flags: string | number): number | undefined {
  try {
    return openSync(path, flags);
  } catch {
    return undefined;
  }
}

export function ttyTerminal(options: TtyTerminalOptions = {}): Terminal {
  const stderrFd = options.stderrFd ?? 2;
  const outPath = options.ttyPath ?? (WINDOWS ? "CONOUT$" : "/dev/tty");
  const inPath = options.ttyPath ?? (WINDOWS ? "CONIN$" : "/dev/tty");

  /**
   * A descriptor of its own, open for reading and writing (non-blocking), on the terminal to ask
   * on: the one stderr shows on when stderr is a terminal (/dev/tty may be another: the prompt and
   * the answer must be on the same one), else the controlling terminal.
   */
  async function openPromptDevice(): Promise<number | undefined> {
    const { isatty } = await import("node:tty");
    const candidates = WINDOWS ? [inPath] : isatty(stderrFd) ? [`/proc/self/fd/${stderrFd}`, inPath] : [inPath];
    for (const path of candidates) {
      const fd = tryOpen(
        path,
        WINDOWS ? constants.O_RDWR : constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY,
      );
      if (fd === undefined) continue;
      if (isatty(fd)) return fd;
      closeSync(fd);
    }
    return undefined;
  }

  return {
    async say(text) {
      const { isatty } = await import("node:tty");
      if (isatty(stderrFd)) {
        try {
          writeAll(stderrFd, text);
          return true;
        } catch {
          return false;
        }
      }
      const fd = tryOpen(outPath, "w");
      if (fd === undefined) return false;
      try {
        if (!isatty(fd)) return false;
        writeAll(fd, text);
        return true;
      } catch {
        return false;
      } finally {
        closeSync(fd);
      }
    },

    async readHidden(prompt, readOptions) {
      const fd = await openPromptDevice();
      if (fd === undefined) throw new TerminalReadError("no-terminal");
      const { ReadStream } = await import("node:tty");
      let input: ReadStream | undefined;
      try {
        input = new ReadStream(fd);
        input.setRawMode(true);
      } catch (e) {
        // Once the stream has it, the stream closes the descriptor.
        if (input) input.destroy();
        else closeSync(fd);
        throw new TerminalReadError("no-terminal", { cause: e });
      }
      return readLine(input, fd, prompt, readOptions);
    },
  };
}

const SIGNALS = WINDOWS ? (["SIGINT"] as const) : (["SIGINT", "SIGTERM", "SIGHUP"] as const);
/** How often a non-blocking terminal is read: a person does not notice 25 ms. */
const POLL_MS = 25;

/**
 * Calls `onText` with what is typed until stopped. Elsewhere than on Windows the descriptor is
 * non-blocking and read on a timer: a read left waiting in the stream (Bun reads on a thread of
 * its own) would keep the process alive after the prompt gave up. Windows has no non-blocking
 * console reads, so the stream reads there.
 */
function typedText(input: ReadStream, fd: number, onText: (text: string) => void, onEnd: () => void): { stop(): void } {
  if (WINDOWS) {
    input.on("data", (chunk: Buffer | string) => onText(typeof chunk === "string" ? chunk : chunk.toString("utf8")));
    input.once("end", onEnd);
    input.once("error", onEnd);
    return { stop: () => input.removeAllListeners("data") };
  }
  const buffer = Buffer.alloc(256);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const poll = (): void => {
    timer = undefined;
    let n: number;
    try {
      n = readSync(fd, buffer, 0, buffer.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") timer = setTimeout(poll, POLL_MS);
      else onEnd();
      return;
    }
    // 0: the terminal hung up.
    if (n === 0) return onEnd();
    timer = setTimeout(poll, 0);
    onText(buffer.toString("utf8", 0, n));
  };
  timer = setTimeout(poll, 0);
  return { stop: () => clearTimeout(timer) };
}

function readLine(input: ReadStream, fd: number, prompt: string, options: ReadHiddenOptions): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let typed = "";
    let finished = false;
    let raiseAfter: NodeJS.Signals | undefined;

    const restore = (): void => {
      try {
        input.setRawMode(false);
      } catch {
        // the terminal has gone
      }
    };
    const finish = (outcome: { line: string } | { failure: TerminalReadError }, newline: boolean): void => {
      if (finished) return;
      finished = true;
      reader.stop();
      restore();
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      process.removeListener("exit", restore);
      for (const s of SIGNALS) process.removeListener(s, onSignal);
      if (newline) {
        try {
          // Echo is off: Enter was not shown, and what comes next must start on a line of its own.
          writeAll(fd, "\n");
        } catch {
          // the terminal has gone
        }
      }
      input.on("error", () => {});
      // The stream owns the descriptor and closes it.
      input.destroy();
      if ("line" in outcome) resolve(outcome.line);
      else reject(outcome.failure);
      if (raiseAfter !== undefined && process.listenerCount(raiseAfter) === 0) {
        // No one else handles it: the default action (the process ends), now that the mode is back.
        process.kill(process.pid, raiseAfter);
      }
    };
    const fail = (reason: TerminalReadError["reason"], newline = true): void =>
      finish({ failure: new TerminalReadError(reason) }, newline);
    const onSignal = (signal: NodeJS.Signals): void => {
      raiseAfter = signal;
      fail("interrupted");
    };
    const onAbort = (): void => fail("interrupted");

    const onText = (text: string): void => {
      for (const ch of text) {
        if (finished) return;
        if (ch === "\r" || ch === "\n") return finish({ line: typed }, true);
        if (ch === "\u0003") return fail("interrupted");
        if (ch === "\u0004") {
          if (typed === "") return fail("closed");
          continue;
        }
        if (ch === "\u007f" || ch === "\b") typed = [...typed].slice(0, -1).join("");
        else if (ch === "\u0015") typed = "";
        else if (ch >= " ") typed += ch;
      }
    };

    const timer = setTimeout(() => fail("timeout"), options.timeoutMs);
    process.on("exit", restore);
    for (const s of SIGNALS) process.on(s, onSignal);
    const reader = typedText(input, fd, onText, () => fail("closed"));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });

    try {
      // After raw mode is on, so nothing typed from here on is echoed.
      writeAll(fd, prompt);
    } catch {
      fail("closed", false);
    }
  });
}
