// The terminal MFA prompt on a real pseudo-terminal: its own time bound, a message that says no
// code was entered (not that an endpoint failed), on a line of its own after the prompt.
import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { noTerminalMfaCodeProvider, terminalMfaCodeProvider } from "../../src/aws/mfa-prompt.js";
import { isEksTokenError } from "../../src/errors.js";
import { findPython } from "../support/pty.js";

const SERIAL = "arn:aws:iam::111122223333:mfa/alice";
let holder: ChildProcess | undefined;
afterEach(() => {
  holder?.kill("SIGKILL");
  holder = undefined;
});

/** A pseudo-terminal kept open by a python process; resolves with the path of its terminal side. */
function openPty(python: string): Promise<string> {
  holder = spawn(
    python,
    ["-c", "import os,pty,time; m,s=pty.openpty(); print(os.ttyname(s), flush=True); time.sleep(60)"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve, reject) => {
    holder!.stdout!.setEncoding("utf8").once("data", (d: string) => resolve(d.trim()));
    holder!.once("exit", () => reject(new Error("the pty holder exited")));
  });
}

describe("terminalMfaCodeProvider", () => {
  it("gives up after its own bound, saying no MFA code was entered, on a new line", async (ctx) => {
    const python = findPython();
    if (!python) return ctx.skip("python3 with the pty module is not available to make a pseudo-terminal");
    const ttyPath = await openPty(python);
    const written: string[] = [];
    const ask = terminalMfaCodeProvider({ writePrompt: (t) => written.push(t), ttyPath, timeoutMs: 300 });
    const error = await ask(SERIAL).catch((e: unknown) => e);
    expect(isEksTokenError(error) && error.code).toBe("mfa");
    expect(isEksTokenError(error) && error.message).toBe("no MFA code entered within 0.3 s");
    expect(written).toEqual([`Enter MFA code for ${SERIAL}: `, "\n"]);
  });
});

describe("noTerminalMfaCodeProvider", () => {
  it("fails at once, saying to run the same command once in a terminal", async () => {
    const error = await noTerminalMfaCodeProvider()(SERIAL).catch((e: unknown) => e);
    expect(isEksTokenError(error) && error.reportLine).toMatch(
      new RegExp(
        `^an MFA code is needed for ${SERIAL.replace(/[/]/g, "\\/")}, .*interactive is false.*: run the same command once in a terminal`,
      ),
    );
  });
});
