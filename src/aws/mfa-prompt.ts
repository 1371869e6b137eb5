/**
 * Asks for an MFA code on the terminal. The prompt goes to stderr and the code is read from
 * /dev/tty, never from stdin: client-node passes a pipe it never closes.
 */
import { openSync } from "node:fs";
import { EksTokenError } from "../errors.js";

export type MfaCodeProvider = (serial: string) => Promise<string>;

export interface TerminalPromptOptions {
  readonly writePrompt: (text: string) => void;
  /** The terminal device; tests pass a pseudo-terminal's path. */
  readonly ttyPath?: string;
  readonly timeoutMs?: number;
}

/** For a client that said no one can answer (KUBERNETES_EXEC_INFO spec.interactive false): fail at once. */
export function noTerminalMfaCodeProvider(): MfaCodeProvider {
  return async (serial) => {
    throw new EksTokenError(
      "mfa",
      `an MFA code is needed for ${serial}, but the client runs eks-token non-interactively (KUBERNETES_EXEC_INFO spec.interactive is false)`,
      "run the same command once in a terminal; the role's credentials are then cached until they expire",
    );
  };
}

export function terminalMfaCodeProvider(options: TerminalPromptOptions): MfaCodeProvider {
  const { writePrompt, ttyPath = "/dev/tty", timeoutMs = 120_000 } = options;
  return async (serial) => {
    let fd: number;
    try {
      fd = openSync(ttyPath, "r");
    } catch {
      throw new EksTokenError(
        "mfa",
        `an MFA code is needed for ${serial}, but there is no terminal to ask on`,
        "run the same command once in a terminal; the role's credentials are then cached until they expire",
      );
    }
    // Loaded only when a code is asked for: most misses never prompt.
    const [{ ReadStream }, { createInterface }] = await Promise.all([import("node:tty"), import("node:readline")]);
    const input = new ReadStream(fd);
    const lines = createInterface({ input, terminal: false });
    try {
      writePrompt(`Enter MFA code for ${serial}: `);
      const code = await new Promise<string>((resolve, reject) => {
        // The error line must not start on the prompt's line.
        let answered = false;
        const timer = setTimeout(() => {
          answered = true;
          writePrompt("\n");
          reject(
            new EksTokenError(
              "mfa",
              `no MFA code entered within ${timeoutMs / 1000} s`,
              "run the command again and type the 6-digit code",
            ),
          );
        }, timeoutMs);
        lines.once("line", (line) => {
          answered = true;
          clearTimeout(timer);
          resolve(line.trim());
        });
        lines.once("close", () => {
          clearTimeout(timer);
          if (answered) return;
          answered = true;
          writePrompt("\n");
          reject(
            new EksTokenError(
              "mfa",
              "the terminal closed before an MFA code was entered",
              "run the command again in a terminal",
            ),
          );
        });
      });
      if (!/^\d{6}$/.test(code)) {
        throw new EksTokenError(
          "mfa",
          "an MFA code is 6 digits",
          "run the command again and type the code your device shows",
        );
      }
      return code;
    } finally {
      // The stream owns the descriptor and closes it once its reader lets go. Closing it here as
      // well would pull it from under a read still in flight (Bun reads off the main thread),
      // and the next file opened could get the same number.
      lines.close();
      input.destroy();
    }
  };
}
