/**
 * The executable's entry. A token call is run here with only what it needs loaded: a cache hit
 * reads one entry and prints it, a miss loads the token-miss module besides (./cache-hit.ts).
 * Every other call (another command, --help, arguments the token path's scanner leaves alone)
 * loads the whole CLI (./bin.ts, a lazily loaded module of both builds), which handles it from
 * the start.
 *
 * EKS_TOKEN_TRACE_MODULES=FILE appends to FILE, at exit, the modules of the CLI that the call
 * loaded (one path a line): what each path loads can be checked on both runtimes.
 */
import { appendFileSync } from "node:fs";
import { cacheHitOutput, runTokenCall, scanTokenCall } from "./cache-hit.js";
import { reportError } from "./fail.js";
import type { TokenInput } from "./args.js";
import { quietProcess, stdoutError, writeAll, writeStderr, writeStdout } from "./process-io.js";
import { bunVariablesRefusal } from "./bun-variables.js";
import { callerProcess } from "./caller-process.js";
import { processTerminal } from "./terminal.js";

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
else void token(input);

async function token(input: TokenInput): Promise<void> {
  const env = process.env;
  const now = () => Date.now();
  const hit = await cacheHitOutput(input, { env, now });
  if (hit !== undefined) {
    try {
      writeAll(1, hit);
    } catch (e) {
      process.exit(reportError(stdoutError(e), writeStderr, false));
    }
    process.exit(0);
  }
  quietProcess(input.debug);
  // Every write is synchronous: exit at once, without waiting for sockets the SDK keeps alive.
  process.exit(
    await runTokenCall(input, {
      env,
      now,
      stdout: writeStdout,
      stderr: writeStderr,
      terminal: processTerminal,
      caller: callerProcess,
    }),
  );
}
