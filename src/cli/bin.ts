/**
 * The whole CLI: real process I/O around main(). Loaded by the executable's entry (./entry.ts)
 * for every call that is not a token call it could read, and runs the call from the start.
 */
import { callerProcess } from "./caller-process.js";
import { main } from "./main.js";
import { processTerminal } from "./terminal.js";
import { quietProcess, writeStderr, writeStdout } from "./process-io.js";
import { debugRequested } from "./debug.js";
import { tooLargeError } from "../byte-cap.js";
import { STDIN_MAX_BYTES, type CliIo } from "./io.js";

quietProcess(debugRequested(process.argv.slice(2), process.env));

const io: CliIo = {
  argv: process.argv.slice(2),
  env: process.env,
  stdout: writeStdout,
  stderr: writeStderr,
  now: () => Date.now(),
  terminal: processTerminal,
  caller: callerProcess,
  readStdin: async () => {
    // A token, "Bearer <token>" or an ExecCredential is a few kB: stdin that never ends is not read on.
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of process.stdin) {
      bytes += (chunk as Buffer).length;
      if (bytes > STDIN_MAX_BYTES) {
        process.stdin.destroy();
        throw tooLargeError(
          "the input on stdin",
          STDIN_MAX_BYTES,
          "pass the token, Bearer <token> or the plugin's ExecCredential JSON",
        );
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
  },
};

// Every write above is synchronous: exit at once, without waiting for sockets the SDK keeps alive.
void main(io).then((code) => process.exit(code));
