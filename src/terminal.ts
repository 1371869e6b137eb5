/**
 * The person at the terminal, as the use cases see it: lines written for them (sign-in steps,
 * prompts) and a line they type without it being shown (an MFA code). Neither goes through
 * stdout, stdin or, when stderr is captured by the calling program, stderr: a credential plugin's
 * stderr is often read by a client and shown only after the plugin exits, and its stdin is often
 * a pipe the client never closes.
 *
 * src/cli (and the library) pass the real one (src/tty-terminal.ts); tests pass a fake.
 */

/** Why a line could not be read. */
export type TerminalReadFailure =
  /** No terminal to ask on: no controlling terminal and stderr is not one (cron, CI, an IDE). */
  | "no-terminal"
  /** Nothing was typed within the time allowed. */
  | "timeout"
  /** The terminal went away, or end of input (Ctrl-D) was typed on an empty line. */
  | "closed"
  /** Ctrl-C was typed, or the process was asked to stop while waiting. */
  | "interrupted";

const BRAND = Symbol.for("eks-token.terminal-read-error");

/** What readHidden rejects with; the caller words the message (it knows what was asked for). */
export class TerminalReadError extends Error {
  override readonly name = "TerminalReadError";
  readonly [BRAND] = true;
  constructor(
    readonly reason: TerminalReadFailure,
    options?: { cause?: unknown },
  ) {
    super(`terminal read failed: ${reason}`, options);
  }
}

/** Recognised by a registered symbol: the CLI's bundles each have their own copy of the class. */
export function isTerminalReadError(e: unknown): e is TerminalReadError {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

export interface ReadHiddenOptions {
  /** Gives up with reason "timeout" after this long. */
  readonly timeoutMs: number;
  /** Gives up with reason "interrupted" when aborted. */
  readonly signal?: AbortSignal;
}

export interface Terminal {
  /**
   * Writes text for the person: to stderr when stderr is a terminal, else to the controlling
   * terminal (/dev/tty). Resolves false when there is neither (nothing was written), so the
   * caller can say what it needed another way or fail.
   */
  say(text: string): Promise<boolean>;
  /**
   * Writes `prompt` to the terminal and reads one line typed there, with echo off, from that same
   * terminal (never from stdin unless stdin is that terminal). The terminal's mode is restored on
   * every way out (Enter, the time bound, Ctrl-C, a signal, the process exiting). Resolves with
   * the line without its end; rejects with a TerminalReadError.
   */
  readHidden(prompt: string, options: ReadHiddenOptions): Promise<string>;
}

/** For a caller with no one to ask (a client that said it is not interactive, or tests). */
export const NO_TERMINAL: Terminal = {
  say: async () => false,
  readHidden: async () => {
    throw new TerminalReadError("no-terminal");
  },
};

/** Writes `text` for the person on the terminal; where there is none, to `fallback` (stderr). */
export async function sayOrElse(
  terminal: Pick<Terminal, "say"> | undefined,
  fallback: (text: string) => void,
  text: string,
): Promise<void> {
  if (!(terminal && (await terminal.say(text)))) fallback(text);
}
