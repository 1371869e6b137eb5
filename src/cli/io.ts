/**
 * The process as the CLI's commands see it: the use cases' ports plus the arguments and stdin.
 * src/cli/bin.ts builds the real one from `process`; tests build their own.
 */
import type { Ports } from "../usecases/ports.js";

export interface CliIo extends Ports {
  readonly argv: readonly string[];
  /** Reads all of stdin, at most STDIN_MAX_BYTES (used only by `verify -`, never by the token path). */
  readStdin(): Promise<string>;
}

export type Command = (args: readonly string[], io: CliIo) => Promise<number>;

/** The most `verify -` reads from stdin: a token is at most 4096 characters, an ExecCredential a few kB. */
export const STDIN_MAX_BYTES = 1024 * 1024;
