// Runs a child process asynchronously (emulators in the test process must keep answering) and
// collects what it prints: stdout and stderr as utf8, its exit code or signal, and how long it ran.
import { spawn } from "node:child_process";

/** The one shape of a finished process in the tests. */
export interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export type ChildResult = ProcessResult;

export interface ChildOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Omitted (or empty): the child inherits this process's working directory. */
  readonly cwd?: string;
  /**
   * "pipe" (the default): stdin is a pipe we never close unless told to (as kubectl and client-node
   * leave it), so a child that waits for stdin hangs until killed. "ignore": stdin is /dev/null.
   */
  readonly stdin?: "pipe" | "ignore";
  /** Written to stdin (with stdin "pipe"). */
  readonly input?: string;
  /** End stdin after writing `input`; otherwise it stays open. */
  readonly endInput?: boolean;
  /** Start the child in a new session (setsid), so it has no controlling terminal. */
  readonly detached?: boolean;
  /** The child is killed with SIGKILL after this long (default 20 s). */
  readonly timeoutMs?: number;
}

/** Spawns `command ...args`, resolving once it has exited and its output streams have closed. */
export function runChild(command: string, args: readonly string[], options: ChildOptions = {}): Promise<ChildResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      env: options.env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      stdio: [options.stdin ?? "pipe", "pipe", "pipe"],
      ...(options.detached ? { detached: true } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const stdin = child.stdin;
    if (stdin) {
      stdin.on("error", () => {
        // the child may exit without reading stdin; that is fine
      });
      if (options.input !== undefined) {
        if (options.endInput) stdin.end(options.input);
        else stdin.write(options.input);
      }
    }
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      stdin?.destroy();
      resolve({ code, signal, stdout, stderr, durationMs: Date.now() - started });
    });
  });
}
