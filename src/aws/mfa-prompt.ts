/**
 * Asks for an MFA code on the terminal: the prompt is written to the terminal the code is read
 * from (stderr when it is one, else /dev/tty), and the code is not echoed. Never stdin (a client
 * passes a pipe it never closes) and never only stderr (clients capture it and show it late).
 */
import { EksTokenError } from "../errors.js";
import { quote, shorten } from "../quote.js";
import { isTerminalReadError, type Terminal } from "../terminal.js";

export type MfaCodeProvider = (serial: string) => Promise<string>;

export interface TerminalPromptOptions {
  readonly terminal: Terminal;
  readonly timeoutMs?: number;
}

const RUN_IN_TERMINAL =
  "run the same command once in a terminal; the role's credentials are then cached until they expire";

/** For a client that said no one can answer (KUBERNETES_EXEC_INFO spec.interactive false): fail at once. */
export function noTerminalMfaCodeProvider(): MfaCodeProvider {
  return async (serial) => {
    throw new EksTokenError(
      "mfa",
      `an MFA code is needed for ${quote(serial)}, but the client runs eks-token non-interactively (KUBERNETES_EXEC_INFO spec.interactive is false)`,
      RUN_IN_TERMINAL,
    );
  };
}

export function terminalMfaCodeProvider(options: TerminalPromptOptions): MfaCodeProvider {
  const { terminal, timeoutMs = 120_000 } = options;
  return async (serial) => {
    let code: string;
    try {
      code = (await terminal.readHidden(`Enter MFA code for ${shorten(serial, 256)}: `, { timeoutMs })).trim();
    } catch (e) {
      if (!isTerminalReadError(e)) throw e;
      switch (e.reason) {
        case "no-terminal":
          throw new EksTokenError(
            "mfa",
            `an MFA code is needed for ${quote(serial)}, but there is no terminal to ask on`,
            RUN_IN_TERMINAL,
          );
        case "timeout":
          throw new EksTokenError(
            "mfa",
            `no MFA code entered within ${timeoutMs / 1000} s`,
            "run the command again and type the 6-digit code",
          );
        case "interrupted":
          throw new EksTokenError("interrupted", "the MFA prompt was interrupted", "run the command again to sign in");
        case "closed":
          throw new EksTokenError(
            "mfa",
            "the terminal closed before an MFA code was entered",
            "run the command again in a terminal",
          );
      }
    }
    if (!/^\d{6}$/.test(code)) {
      throw new EksTokenError(
        "mfa",
        "an MFA code is 6 digits",
        "run the command again and type the code your device shows",
      );
    }
    return code;
  };
}
