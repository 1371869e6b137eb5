/**
 * The token command as the entry (./entry.ts) answers it alone: the arguments scanned without
 * node:util (./fast-args.ts), then the call's hit entry read (src/usecases/token-hit.ts).
 * Another command, --help, --version, or an argument the scanner leaves alone goes to the whole
 * CLI (./bin.ts); a call the hit entry does not answer to ./token-call.ts.
 */
import type { Env } from "../env.js";
import { parseTokenArgs, type TokenInput } from "./args.js";
import { fastScanTokenFlags } from "./fast-args.js";

export { hitTokenOutput } from "../usecases/token-hit.js";

/** The token request these arguments make, or undefined: the whole CLI reads them. */
export function scanTokenCall(argv: readonly string[], env: Env): TokenInput | undefined {
  try {
    const parsed = parseTokenArgs(argv, env, fastScanTokenFlags);
    return parsed.kind === "token" ? parsed.request : undefined;
  } catch {
    return undefined;
  }
}
