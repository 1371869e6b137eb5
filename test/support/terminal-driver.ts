// A process that uses the real terminal port once and prints what happened as one JSON line on
// stdout, for test/tty-terminal.test.ts (bundled there with esbuild, run on Node and on Bun).
//
//   driver read TIMEOUT_MS   readHidden("code: ") -> {"line":"..."} or {"failure":"timeout"}
//   driver say TEXT          say(TEXT) -> {"said":true|false}
//
// With TERMINAL_DRIVER_PID_FILE set, `read` writes its pid there first (for a test to signal it).
import { writeFileSync, writeSync } from "node:fs";
import { isTerminalReadError } from "../../src/terminal.js";
import { ttyTerminal } from "../../src/tty-terminal.js";

const [mode, arg = ""] = process.argv.slice(2);
const terminal = ttyTerminal();
const print = (value: unknown): void => void writeSync(1, `${JSON.stringify(value)}\n`);

if (mode === "say") {
  print({ said: await terminal.say(arg) });
} else {
  const pidFile = process.env["TERMINAL_DRIVER_PID_FILE"];
  if (pidFile) writeFileSync(pidFile, String(process.pid));
  try {
    print({ line: await terminal.readHidden("code: ", { timeoutMs: Number(arg) }) });
  } catch (e) {
    print(isTerminalReadError(e) ? { failure: e.reason } : { error: String(e) });
  }
}
