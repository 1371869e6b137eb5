// The MFA prompt over the terminal port: what it asks, where (only through the port: never
// stderr, never stdin), and the line each way of not getting a code becomes.
import { describe, expect, it } from "vitest";
import { noTerminalMfaCodeProvider, terminalMfaCodeProvider } from "../../src/aws/mfa-prompt.js";
import { isEksTokenError } from "../../src/errors.js";
import { NO_TERMINAL, type Terminal, TerminalReadError, type TerminalReadFailure } from "../../src/terminal.js";

const SERIAL = "arn:aws:iam::111122223333:mfa/alice";

/** A terminal where the person types `answer` (or the read fails for `reason`); records the prompts. */
function fakeTerminal(answer: string | TerminalReadFailure): Terminal & { prompts: string[]; timeouts: number[] } {
  const prompts: string[] = [];
  const timeouts: number[] = [];
  return {
    prompts,
    timeouts,
    say: async () => true,
    readHidden: async (prompt, options) => {
      prompts.push(prompt);
      timeouts.push(options.timeoutMs);
      if (["no-terminal", "timeout", "closed", "interrupted"].includes(answer)) {
        throw new TerminalReadError(answer as TerminalReadFailure);
      }
      return answer;
    },
  };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => {
      if (!isEksTokenError(e)) throw e;
      return e;
    },
  );

describe("terminalMfaCodeProvider", () => {
  it("asks on the terminal, hidden, with the serial, and returns the typed code without spaces", async () => {
    const terminal = fakeTerminal(" 123456 ");
    await expect(terminalMfaCodeProvider({ terminal })(SERIAL)).resolves.toBe("123456");
    expect(terminal.prompts).toEqual([`Enter MFA code for ${SERIAL}: `]);
    expect(terminal.timeouts).toEqual([120_000]);
  });

  it("shows a serial with control characters escaped in the prompt", async () => {
    const terminal = fakeTerminal("123456");
    await terminalMfaCodeProvider({ terminal })("arn:aws:iam::111122223333:mfa/\u001b[2Jx\u202e");
    expect(terminal.prompts).toEqual(["Enter MFA code for arn:aws:iam::111122223333:mfa/\\u001b[2Jx\\u202e: "]);
  });

  it("refuses a code that is not 6 digits", async () => {
    const e = await failure(terminalMfaCodeProvider({ terminal: fakeTerminal("12345a") })(SERIAL));
    expect([e.code, e.message]).toEqual(["mfa", "an MFA code is 6 digits"]);
  });

  it.each([
    ["timeout", "mfa", "no MFA code entered within 0.3 s"],
    ["closed", "mfa", "the terminal closed before an MFA code was entered"],
    ["interrupted", "interrupted", "the MFA prompt was interrupted"],
    ["no-terminal", "mfa", `an MFA code is needed for "${SERIAL}", but there is no terminal to ask on`],
  ] as const)("a read that fails with %s says so", async (reason, code, message) => {
    const e = await failure(terminalMfaCodeProvider({ terminal: fakeTerminal(reason), timeoutMs: 300 })(SERIAL));
    expect([e.code, e.message]).toEqual([code, message]);
  });

  it("with no terminal port at all, says there is no terminal and how to get past it", async () => {
    const e = await failure(terminalMfaCodeProvider({ terminal: NO_TERMINAL })(SERIAL));
    expect(e.reportLine).toMatch(/no terminal to ask on: run the same command once in a terminal/);
  });

  it("an interrupted prompt exits as Ctrl-C does (130)", async () => {
    const e = await failure(terminalMfaCodeProvider({ terminal: fakeTerminal("interrupted") })(SERIAL));
    expect(e.exitCode).toBe(130);
  });
});

describe("noTerminalMfaCodeProvider", () => {
  it("fails at once, saying to run the same command once in a terminal", async () => {
    const error = await noTerminalMfaCodeProvider()(SERIAL).catch((e: unknown) => e);
    expect(isEksTokenError(error) && error.reportLine).toMatch(
      new RegExp(
        `^an MFA code is needed for "${SERIAL.replace(/[/]/g, "\\/")}", .*interactive is false.*: run the same command once in a terminal`,
      ),
    );
  });
});
