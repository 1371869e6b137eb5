/**
 * What a use case touches outside itself, passed in so tests can replace it: the environment, the
 * clock and the two output streams. Use cases that need more (files, the network, a terminal) take
 * those in their own deps. src/cli builds the real ones from the process; the library from options.
 */
import type { Env } from "../env.js";
import type { Terminal } from "../terminal.js";

export interface Ports {
  readonly env: Env;
  /** Milliseconds since the epoch. */
  now(): number;
  /** The only way to write to stdout: the ExecCredential, a token, or a subcommand's report. */
  stdout(text: string): void;
  /** Messages and warnings. */
  stderr(text: string): void;
  /** The person at the terminal: prompts and sign-in steps. None: no one can be asked. */
  readonly terminal?: Terminal | undefined;
}

/** One `eks-token: warning: ...` line on stderr. */
export function warn(ports: Pick<Ports, "stderr">, message: string): void {
  ports.stderr(`eks-token: warning: ${message}\n`);
}
