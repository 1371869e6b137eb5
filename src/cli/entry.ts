/**
 * The executable's entry. A token call is run here with only what it needs loaded: a repeated
 * call is answered by its hit entry (./cache-hit.ts) and exits; any other token call loads the
 * token call's module (./token-call.ts), which resolves the request, and on a miss the
 * token-miss module besides. Every other call (another command, --help, arguments the token
 * path's scanner leaves alone) loads the whole CLI (./bin.ts, a lazily loaded module of both
 * builds), which handles it from the start.
 *
 * EKS_TOKEN_TRACE_MODULES=FILE appends to FILE, at exit, the modules of the CLI that the call
 * loaded (one path a line): what each path loads can be checked on both runtimes.
 */
import { appendFileSync } from "node:fs";
import { hitTokenOutput, scanTokenCall } from "./cache-hit.js";
import { writeAll } from "./process-io.js";
import { bunVariablesRefusal } from "./bun-variables.js";

// Before anything else: variables Bun acted on before this code ran (./bun-variables.ts).
const refusal = bunVariablesRefusal(process.env, process.versions["bun"] !== undefined);
if (refusal) {
  writeAll(2, refusal);
  process.exit(1);
}

const trace = process.env["EKS_TOKEN_TRACE_MODULES"];
if (trace) process.on("exit", () => appendFileSync(trace, `${Object.keys(require.cache).join("\n")}\n`));

const input = scanTokenCall(process.argv.slice(2), process.env);
if (input === undefined) void import("./bin.js");
else {
  const ports = { env: process.env, now: () => Date.now() };
  const hit = hitTokenOutput(input, ports);
  if (hit !== undefined) {
    try {
      writeAll(1, hit);
      process.exit(0);
    } catch (e) {
      // Reported by the code that reports every other error, loaded for it.
      void import("./token-call.js").then(({ stdoutFailed }) => process.exit(stdoutFailed(e)));
    }
  } else {
    // Every write is synchronous: exit at once, without waiting for sockets the SDK keeps alive.
    void import("./token-call.js").then(async ({ tokenCall }) => process.exit(await tokenCall(input, ports)));
  }
}
