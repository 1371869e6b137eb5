// Runs a command on a pseudo-terminal, or with no terminal at all, for tests of prompts.
//
// spawnInPty() starts a small python3 helper (pty.fork) so the command gets a pty as its
// controlling terminal, stdin and stderr (what a person at a terminal gives it), while its stdout
// stays a pipe (what kubectl gives a credential plugin). The helper relays: our writes -> the
// terminal; the terminal's output (prompts, echo) -> the helper's stderr; the command's stdout ->
// the helper's stdout; and exits with the command's status (128+N for a signal).
//
// runWithoutTerminal() starts the command in a new session (setsid), so it has no controlling
// terminal and opening /dev/tty fails, as under cron, CI or an IDE.
//
// Both spawn asynchronously: emulators in the test process must keep answering.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { runChild } from "./child.js";

const PTY_HELPER = String.raw`
import os, sys, pty, select
argv = sys.argv[1:]
r, w = os.pipe()
pid, master = pty.fork()
if pid == 0:
    os.close(r)
    os.dup2(w, 1)
    os.close(w)
    try:
        os.execvp(argv[0], argv)
    except Exception as e:
        os.write(2, ("pty helper: exec failed: %s\n" % e).encode())
    os._exit(127)
os.close(w)
watch = [0, master, r]
outputs = {master, r}
while outputs:
    ready, _, _ = select.select(watch, [], [])
    for fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b""
        if fd == 0:
            if data:
                os.write(master, data)
            else:
                watch.remove(0)
        elif not data:
            watch.remove(fd)
            outputs.discard(fd)
        else:
            os.write(2 if fd == master else 1, data)
_, status = os.waitpid(pid, 0)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
`;

let pythonPath: string | null | undefined;

/** The absolute path of a python3 with the pty module, or undefined when there is none. */
export function findPython(): string | undefined {
  if (pythonPath === undefined) {
    // Resolved once with the real environment: shims (pyenv) need the user's HOME, children do not get it.
    const probe = spawnSync("python3", ["-c", "import pty, select, sys; print(sys.executable)"], {
      encoding: "utf8",
      timeout: 10_000,
    });
    const path = probe.status === 0 ? probe.stdout.trim() : "";
    pythonPath = path !== "" ? path : null;
  }
  return pythonPath ?? undefined;
}

export interface TerminalResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  /** Everything the terminal showed: the command's stderr, prompts, and the echo of what was typed. */
  readonly terminal: string;
  readonly durationMs: number;
}

export interface PtyProcess {
  /** Types text at the terminal (end a line with "\n"). */
  write(text: string): void;
  /** Resolves with the terminal output so far once it matches; rejects on timeout or exit. */
  waitForTerminal(pattern: RegExp, timeoutMs?: number): Promise<string>;
  readonly terminalOutput: () => string;
  readonly done: Promise<TerminalResult>;
  kill(): void;
}

export interface TerminalRunOptions {
  readonly env: Record<string, string>;
  readonly cwd?: string;
  /** The command is killed after this long (default 30 s). */
  readonly timeoutMs?: number;
}

/** Runs argv on a pseudo-terminal; needs findPython(). */
export function spawnInPty(argv: readonly string[], options: TerminalRunOptions): PtyProcess {
  const python = findPython();
  if (!python) throw new Error("spawnInPty needs python3 (with the pty module) on PATH");
  const started = Date.now();
  const child: ChildProcessWithoutNullStreams = spawn(python, ["-c", PTY_HELPER, ...argv], {
    env: options.env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let terminal = "";
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    terminal += d;
    notify();
  });
  child.stdin.on("error", () => {
    // the helper may be gone already
  });
  let exited = false;
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
  const done = new Promise<TerminalResult>((resolve, reject) => {
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      exited = true;
      notify();
      resolve({ code, signal, stdout, terminal, durationMs: Date.now() - started });
    });
  });
  return {
    write: (text) => void child.stdin.write(text),
    terminalOutput: () => terminal,
    waitForTerminal: (pattern, timeoutMs = 15_000) =>
      new Promise<string>((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(terminal)) {
            cleanup();
            resolve(terminal);
          } else if (exited) {
            cleanup();
            reject(
              new Error(
                `the command exited before the terminal showed ${pattern}; terminal: ${JSON.stringify(terminal)}; stdout: ${JSON.stringify(stdout)}`,
              ),
            );
          }
        };
        const t = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `the terminal did not show ${pattern} within ${timeoutMs} ms; it showed ${JSON.stringify(terminal)}`,
            ),
          );
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(t);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    done,
    kill: () => void child.kill("SIGKILL"),
  };
}

export interface NoTerminalResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/**
 * Runs argv in a new session (setsid), so it has no controlling terminal. `input` is written to
 * its stdin, which is then left open: a command that waited for stdin would hang until killed.
 */
export function runWithoutTerminal(
  argv: readonly string[],
  options: TerminalRunOptions & { readonly input?: string },
): Promise<NoTerminalResult> {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error("runWithoutTerminal needs a command");
  // detached: the child calls setsid() and so leaves our controlling terminal, if we have one.
  return runChild(command, args, {
    env: options.env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
    detached: true,
    timeoutMs: options.timeoutMs ?? 30_000,
  });
}
