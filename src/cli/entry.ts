/**
 * The executable's entry. A token call that the cache answers is answered here, with only what
 * that needs loaded (./cache-hit.ts); every other call loads the whole CLI (./bin.ts, a lazily
 * loaded module of both builds), which handles it from the start.
 *
 * EKS_TOKEN_TRACE_MODULES=FILE appends to FILE, at exit, the modules of the CLI that the call
 * loaded (one path a line): what the cache-hit path loads can be checked on both runtimes.
 */
import { appendFileSync } from "node:fs";
import { cacheHitOutput } from "./cache-hit.js";
import { reportError } from "./fail.js";
import { stdoutError, writeAll, writeStderr } from "./process-io.js";

const trace = process.env["EKS_TOKEN_TRACE_MODULES"];
if (trace) process.on("exit", () => appendFileSync(trace, `${Object.keys(require.cache).join("\n")}\n`));

void cacheHitOutput(process.argv.slice(2), process.env, Date.now).then((text) => {
  if (text === undefined) return import("./bin.js");
  try {
    writeAll(1, text);
  } catch (e) {
    process.exit(reportError(stdoutError(e), writeStderr, false));
  }
  process.exit(0);
});
