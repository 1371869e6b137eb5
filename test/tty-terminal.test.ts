// The real terminal port (src/tty-terminal.ts) on a pseudo-terminal, on Node and on Bun: the
// prompt reaches the terminal even when stderr does not, the typed line is not echoed and is read
// from the terminal (not from stdin), and the terminal's mode is back to normal after a line, the
// time bound, Ctrl-C and a SIGTERM.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/cli.js";
import { findPython, runWithoutTerminal, spawnInPty, type TerminalResult } from "./support/pty.js";

const BUN = join(ROOT, "node_modules", ".bin", "bun");
const RUNTIMES = [
  ["node", process.execPath],
  ["bun", BUN],
] as const;

let dir: string;
let driver: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "eks-token-tty-"));
  driver = join(dir, "driver.mjs");
  await build({
    entryPoints: [join(ROOT, "test", "support", "terminal-driver.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: driver,
    logLevel: "warning",
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sh = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
const env = () => ({
  PATH: process.env["PATH"] ?? "/usr/bin:/bin",
  HOME: dir,
  TERMINAL_DRIVER_PID_FILE: join(dir, "pid"),
});
/** The JSON line the driver printed. */
const outcome = (r: { stdout: string }) => JSON.parse(r.stdout.split("\n")[0] ?? "") as Record<string, unknown>;
/** The terminal's local modes after the command, from `stty -a` run on it (its last stdout lines). */
function modesAfter(r: TerminalResult): { echo: boolean; icanon: boolean } {
  const words = r.stdout.split(/[\s;]+/);
  expect(words.includes("echo") !== words.includes("-echo")).toBe(true);
  return { echo: words.includes("echo"), icanon: words.includes("icanon") };
}

describe.each(RUNTIMES)("the terminal port on %s", (_name, runtime) => {
  const cmd = (args: string) => `${sh(runtime)} ${sh(driver)} ${args}`;

  it("writes the prompt to the terminal, reads the typed line without echo, and leaves echo on", async (ctx) => {
    if (!findPython()) return ctx.skip("python3 with the pty module is needed for a pseudo-terminal");
    // stdin is a pipe holding another line: it must not be what is read.
    const pty = spawnInPty(["sh", "-c", `echo 999999 | ${cmd("read 20000")}; stty -a`], { env: env() });
    await pty.waitForTerminal(/code: $/);
    pty.write("12x\u007f3456\r");
    const r = await pty.done;
    expect(outcome(r)).toEqual({ line: "123456" });
    expect(r.terminal).not.toMatch(/1|2|3|4|5|6|x/);
    expect(r.terminal).toBe("code: \r\n");
    expect(modesAfter(r)).toEqual({ echo: true, icanon: true });
  });

  it("prompts on the controlling terminal when stderr is not a terminal", async (ctx) => {
    if (!findPython()) return ctx.skip("python3 with the pty module is needed for a pseudo-terminal");
    const captured = join(dir, `stderr-${_name}`);
    const pty = spawnInPty(["sh", "-c", `${cmd("read 20000")} 2>${sh(captured)}`], { env: env() });
    await pty.waitForTerminal(/code: $/);
    pty.write("654321\n");
    const r = await pty.done;
    expect(outcome(r)).toEqual({ line: "654321" });
    expect(readFileSync(captured, "utf8")).toBe("");
  });

  it("Ctrl-C gives up with 'interrupted' and puts the mode back", async (ctx) => {
    if (!findPython()) return ctx.skip("python3 with the pty module is needed for a pseudo-terminal");
    const pty = spawnInPty(["sh", "-c", `${cmd("read 20000")}; stty -a`], { env: env() });
    await pty.waitForTerminal(/code: $/);
    pty.write("12\u0003");
    const r = await pty.done;
    expect(outcome(r)).toEqual({ failure: "interrupted" });
    expect(modesAfter(r)).toEqual({ echo: true, icanon: true });
  });

  it("the time bound gives up with 'timeout', ends the prompt's line and puts the mode back", async (ctx) => {
    if (!findPython()) return ctx.skip("python3 with the pty module is needed for a pseudo-terminal");
    const pty = spawnInPty(["sh", "-c", `${cmd("read 300")}; stty -a`], { env: env() });
    const r = await pty.done;
    expect(outcome(r)).toEqual({ failure: "timeout" });
    expect(r.terminal).toBe("code: \r\n");
    expect(modesAfter(r)).toEqual({ echo: true, icanon: true });
  });

  it("a SIGTERM while waiting ends the process by that signal, with the mode put back", async (ctx) => {
    if (!findPython()) return ctx.skip("python3 with the pty module is needed for a pseudo-terminal");
    const pidFile = join(dir, "pid");
    writeFileSync(pidFile, "");
    const pty = spawnInPty(["sh", "-c", `${cmd("read 20000")}; echo "status $?"; stty -a`], { env: env() });
    await pty.waitForTerminal(/code: $/);
    process.kill(Number(readFileSync(pidFile, "utf8")), "SIGTERM");
    const r = await pty.done;
    expect(r.stdout).toMatch(/status 143/);
    expect(modesAfter(r)).toEqual({ echo: true, icanon: true });
  });

  it("says a line on the terminal when stderr goes to a file", async (ctx) => {
    if (!findPython()) return ctx.skip("python3 with the pty module is needed for a pseudo-terminal");
    const captured = join(dir, `say-${_name}`);
    const pty = spawnInPty(["sh", "-c", `${cmd("say 'open this page'")} 2>${sh(captured)}`], { env: env() });
    const r = await pty.done;
    expect(outcome(r)).toEqual({ said: true });
    expect(r.terminal).toBe("open this page");
    expect(readFileSync(captured, "utf8")).toBe("");
  });

  it("with no terminal at all: nothing said, and a read fails at once with 'no-terminal' (stdin left alone)", async () => {
    const read = await runWithoutTerminal([runtime, driver, "read", "20000"], { env: env(), input: "123456\n" });
    expect(outcome(read)).toEqual({ failure: "no-terminal" });
    const say = await runWithoutTerminal([runtime, driver, "say", "hello"], { env: env() });
    expect(outcome(say)).toEqual({ said: false });
    expect(say.stderr).toBe("");
  });
});
