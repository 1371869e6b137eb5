// The one stand-in for the process in in-process tests: a CliIo that records what is written.
import type { CliIo } from "../../src/cli/io.js";

/** 2025-01-15T12:01:00Z, a minute after the verify fixtures' signing time, unless a test says otherwise. */
export const FAKE_NOW = Date.UTC(2025, 0, 15, 12, 1, 0);

export interface FakeIo extends CliIo {
  /** Itself, for tests that read better passing `run.io`. */
  readonly io: CliIo;
  readonly out: string[];
  readonly err: string[];
  stdoutText(): string;
  stderrText(): string;
}

export interface FakeIoOptions {
  readonly env?: Record<string, string | undefined>;
  readonly stdin?: string;
  readonly now?: number;
  readonly argv?: readonly string[];
}

export function fakeIo(options: FakeIoOptions = {}): FakeIo {
  const out: string[] = [];
  const err: string[] = [];
  const io: FakeIo = {
    argv: options.argv ?? [],
    env: options.env ?? {},
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    now: () => options.now ?? FAKE_NOW,
    readStdin: async () => options.stdin ?? "",
    get io() {
      return io;
    },
    out,
    err,
    stdoutText: () => out.join(""),
    stderrText: () => err.join(""),
  };
  return io;
}
