/**
 * `eks-token [token]`: one ExecCredential (or the bare token) on stdout, every message on stderr.
 * A repeated call is answered by ./token-hit.ts before this runs; what it leaves comes here.
 */
import { hitCacheKey } from "../cache/hit-key.js";
import { TokenCache } from "../cache/token-cache.js";
import type { Env } from "../env.js";
import type { MintedToken } from "../token/mint.js";
import { credentialOutput } from "./credential-output.js";
import { createDebugLog } from "./debug-log.js";
import { getToken } from "./get-token.js";
import { warn, type Ports } from "./ports.js";
import { resolveTokenRequest, type TokenInput, type TokenRequest } from "./token-request.js";

/**
 * The request, with its hit key taken before the AWS files are read for it (src/cache/hit-key.ts):
 * resolved once, for the cache's read and the token call.
 */
export async function prepareTokenRequest(input: TokenInput, env: Env): Promise<TokenRequest> {
  const hitKey = input.cache ? hitCacheKey(input, env) : undefined;
  return { ...(await resolveTokenRequest(input, env)), hitKey };
}

/** `prepared`: the same input's request, already resolved (by the caller of cachedTokenOutput). */
export async function printToken(input: TokenInput, ports: Ports, prepared?: TokenRequest): Promise<void> {
  const log = createDebugLog(input.debug, ports.stderr);
  const request = prepared ?? (await prepareTokenRequest(input, ports.env));
  const { target } = request;
  log.debug(
    `cluster ${target.clusterId}; region ${target.region ?? "(none)"} from ${target.regionSource}; ` +
      `STS host ${target.endpoint.host} signed for ${target.endpoint.signingRegion}; profile ${target.profileName}` +
      (target.roleArn ? `; role ${target.roleArn}` : ""),
  );
  if (request.apiWarning) warn(ports, request.apiWarning);
  const minted = await getToken(request, {
    env: ports.env,
    now: ports.now,
    stderr: ports.stderr,
    terminal: ports.terminal,
    caller: ports.caller,
    log,
  });
  ports.stdout(output(request, minted));
}

/**
 * What printToken would print, when the cache holds a token it would serve and nothing else
 * would be said (no warning, no debug line); otherwise undefined, and printToken does the call
 * (with the same request). One entry read by the cache's own rules; when it is served, the hit
 * entry of these inputs is written, so the next such call is answered by ./token-hit.ts. Writes
 * nothing else but the removal of an expired entry.
 */
export function cachedTokenOutput(
  input: TokenInput,
  request: TokenRequest,
  ports: Pick<Ports, "env" | "now">,
): string | undefined {
  if (input.debug || request.hitKey === undefined) return undefined;
  if (request.apiWarning !== undefined || request.cacheDir === undefined) return undefined;
  let quiet = true;
  const cache = TokenCache.open({
    dir: request.cacheDir,
    env: ports.env,
    now: ports.now,
    warn: () => {
      quiet = false;
    },
    debug: () => undefined,
  });
  const minted = cache?.readToken(request.target);
  if (minted === undefined || !quiet) return undefined;
  cache?.writeHit(request.hitKey, request.target);
  return output(request, minted);
}

function output(request: TokenRequest, minted: MintedToken): string {
  return credentialOutput(request.output, request.apiVersion, minted);
}
