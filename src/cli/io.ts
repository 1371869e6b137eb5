/**
 * Everything a command touches outside itself, passed in so tests can replace it.
 * `main` builds the real one from `process`.
 */
export interface CliIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The only way to write to stdout: the ExecCredential, a token, or a subcommand's report. */
  stdout(text: string): void;
  /** Messages, warnings, prompts. */
  stderr(text: string): void;
  /** Milliseconds since the epoch. */
  now(): number;
  /** Reads all of stdin (used only by `verify -`, never by the token path). */
  readStdin(): Promise<string>;
  /** True when stdout/stderr go to a terminal, for commands that colour or format for people. */
  readonly isStdoutTty: boolean;
}

export type Command = (args: readonly string[], io: CliIo) => Promise<number>;
