/** The executable's entry: real process I/O around main(). */
import { main } from "./main.js";
import type { CliIo } from "./io.js";

// Dependencies warn on stderr (the AWS SDK about Node versions, Node about deprecations); a
// successful call must print nothing there. --debug still shows them.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
const debugging = process.argv.includes("--debug") || /^(1|true|yes|on)$/i.test(process.env["EKS_TOKEN_DEBUG"] ?? "");
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (debugging) process.stderr.write(`eks-token: debug: node warning: ${w.name}: ${w.message}\n`);
});

const io: CliIo = {
  argv: process.argv.slice(2),
  env: process.env,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  now: () => Date.now(),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
  isStdoutTty: process.stdout.isTTY === true,
};

void main(io).then((code) => {
  // Exit once stdout has drained, without waiting for sockets the SDK keeps alive.
  process.stdout.write("", () => process.exit(code));
});
