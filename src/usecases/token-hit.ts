/**
 * A cache hit with nothing resolved: the call's inputs give its hit key (src/cache/hit-key.ts),
 * whose hit entry names the token entry that answered the same inputs before. Neither the AWS
 * files' contents nor the target are read: this is all a repeated kubectl call does. Anything
 * else (no hit entry, a token the rules would not serve, something to say on stderr) is left to
 * the full path (./token.ts), which answers it and writes the hit entry for the next call.
 */
import { checkCacheDir, resolveCacheDir } from "../cache/cache-dir.js";
import { hitCacheKey } from "../cache/hit-key.js";
import { readHitToken } from "../cache/token-entry.js";
import type { Env } from "../env.js";
import { chosenApiVersion } from "../token/exec-credential.js";
import { credentialOutput } from "./credential-output.js";
import type { Ports } from "./ports.js";
import type { TokenInput } from "./token-request.js";

/** The output of a hit, or undefined: the full path runs. Never throws, never writes. */
export function hitTokenOutput(input: TokenInput, ports: Pick<Ports, "env" | "now">): string | undefined {
  try {
    if (input.debug || !input.cache || input.clusterId === undefined) return undefined;
    const env = ports.env as Env;
    const api = chosenApiVersion(input.apiVersion, env["KUBERNETES_EXEC_INFO"]);
    if (api.warning !== undefined) return undefined;
    const dir = resolveCacheDir(input.cacheDir, env);
    if (!checkCacheDir(dir).ok) return undefined;
    const minted = readHitToken(dir, hitCacheKey(input, env), input.clusterId, ports.now);
    return minted === undefined ? undefined : credentialOutput(input.output, api.apiVersion, minted);
  } catch {
    return undefined;
  }
}
