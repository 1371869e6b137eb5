/**
 * The whole CLI: real process I/O around main(). Loaded by the executable's entry (./entry.ts)
 * for every call that is not a plain cache hit, and runs the call from the start.
 */
import { format } from "node:util";
import { main } from "./main.js";
import { writeAll, writeStderr, writeStdout } from "./process-io.js";
import { debugRequested } from "./debug.js";
import type { CliIo } from "./io.js";

// Dependencies warn on stderr (the AWS SDK about Node versions, Node about deprecations); a
// successful call must print nothing there. --debug still shows them.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
const debugging = debugRequested(process.argv.slice(2), process.env);
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (debugging) writeAll(2, `eks-token: debug: node warning: ${w.name}: ${w.message}\n`);
});
// Some of the SDK's parts log through console when no logger reaches them (the container
// credentials provider's HTTP handler warns there when a request outlives its timeout): nothing
// may write around the CLI's own lines, and stdout carries only the credential.
for (const level of ["log", "info", "warn", "error", "debug", "trace"] as const) {
  console[level] = (...args: unknown[]) => {
    if (debugging) writeAll(2, `eks-token: debug: console.${level}: ${format(...args)}\n`);
  };
}

const io: CliIo = {
  argv: process.argv.slice(2),
  env: process.env,
  stdout: writeStdout,
  stderr: writeStderr,
  now: () => Date.now(),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
};

// Every write above is synchronous: exit at once, without waiting for sockets the SDK keeps alive.
void main(io).then((code) => process.exit(code));
