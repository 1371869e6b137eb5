/**
 * A token call answered from the cache before the rest of the CLI loads: the arguments scanned
 * without node:util (./fast-args.ts), the request resolved and the entry read by the same code the
 * full path runs (cachedTokenOutput). Anything else — another command, --help, --debug, an
 * argument the scanner leaves alone, an error, a warning to give, a miss — is undefined, and the
 * whole CLI (./bin.ts) handles the call from the start.
 */
import type { Env } from "../env.js";
import { cachedTokenOutput } from "../usecases/token.js";
import { parseTokenArgs } from "./args.js";
import { fastScanTokenFlags } from "./fast-args.js";

export async function cacheHitOutput(
  argv: readonly string[],
  env: Env,
  now: () => number,
): Promise<string | undefined> {
  try {
    const parsed = parseTokenArgs(argv, env, fastScanTokenFlags);
    if (parsed.kind !== "token") return undefined;
    return await cachedTokenOutput(parsed.request, { env, now });
  } catch {
    return undefined;
  }
}
