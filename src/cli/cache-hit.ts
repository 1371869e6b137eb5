/**
 * The token command as the entry (./entry.ts) runs it, without the rest of the CLI: the
 * arguments scanned without node:util (./fast-args.ts), then a cache hit answered with nothing
 * else loaded, or else the token use case run as the whole CLI would run it. Another command,
 * --help, --version, or an argument the scanner leaves alone goes to the whole CLI (./bin.ts).
 */
import type { Env } from "../env.js";
import { cachedTokenOutput, printToken } from "../usecases/token.js";
import type { Ports } from "../usecases/ports.js";
import { parseTokenArgs, type TokenInput } from "./args.js";
import { fastScanTokenFlags } from "./fast-args.js";
import { reportError } from "./fail.js";

/** The token request these arguments make, or undefined: the whole CLI reads them. */
export function scanTokenCall(argv: readonly string[], env: Env): TokenInput | undefined {
  try {
    const parsed = parseTokenArgs(argv, env, fastScanTokenFlags);
    return parsed.kind === "token" ? parsed.request : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The output when the cache answers and nothing else is to be said; undefined otherwise (a miss,
 * a warning to give, --debug, an error), and runTokenCall does the call.
 */
export async function cacheHitOutput(
  input: TokenInput,
  ports: Pick<Ports, "env" | "now">,
): Promise<string | undefined> {
  try {
    return await cachedTokenOutput(input, ports);
  } catch {
    return undefined;
  }
}

/** The token command, as the whole CLI runs it: its exit code, its error reported on stderr. */
export async function runTokenCall(input: TokenInput, ports: Ports): Promise<number> {
  try {
    await printToken(input, ports);
    return 0;
  } catch (e) {
    return reportError(e, ports.stderr, input.debug);
  }
}
