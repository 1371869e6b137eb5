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
  /** What only a command line has (stdin, signals). None (the library): no automatic SSO sign-in. */
  readonly caller?: CallerProcess | undefined;
}

/** The process eks-token runs in, as an automatic sign-in needs to know it. */
export interface CallerProcess {
  readonly platform: NodeJS.Platform;
  /** Whether stdin is a terminal (a person ran eks-token, or a client passed its terminal on). */
  stdinIsTerminal(): Promise<boolean>;
  /**
   * Calls handler on Ctrl-C, SIGTERM or SIGHUP instead of dying at once (so a listener is closed
   * and a lock freed); the process then ends soon after. Returns what removes the handler.
   */
  onInterrupt(handler: () => void): () => void;
}

/** One `eks-token: warning: ...` line on stderr. */
export function warn(ports: Pick<Ports, "stderr">, message: string): void {
  ports.stderr(`eks-token: warning: ${message}\n`);
}
