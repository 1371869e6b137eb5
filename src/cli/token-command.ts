/**
 * The token path of one call: resolve the target, answer from the cache when we can, and only
 * then load the SDK and the signer (src/cli/token-miss.ts) to make a new token.
 */
import { defaultCacheDir } from "../cache/cache-dir.js";
import { TokenCache } from "../cache/token-cache.js";
import { resolveTarget } from "../token/token-target.js";
import { apiVersionFromExecInfo, execCredential } from "../token/exec-credential.js";
import type { MintedToken } from "../token/mint.js";
import type { TokenRequest } from "./args.js";
import { createDebugLog } from "./debug-log.js";
import type { CliIo } from "./io.js";

export async function runTokenCommand(request: TokenRequest, io: CliIo): Promise<number> {
  const log = createDebugLog(request.debug, io.stderr);
  const target = await resolveTarget(request, io.env);
  log.debug(
    `cluster ${target.clusterId}; region ${target.region ?? "(none)"} from ${target.regionSource}; ` +
      `STS host ${target.endpoint.host} signed for ${target.endpoint.signingRegion}; profile ${target.profileName}` +
      (target.roleArn ? `; role ${target.roleArn}` : ""),
  );
  const api = request.apiVersion ? { apiVersion: request.apiVersion } : apiVersionFromExecInfo(io.env["KUBERNETES_EXEC_INFO"]);
  if (api.warning) io.stderr(`eks-token: warning: ${api.warning}\n`);

  const cache = request.cache
    ? TokenCache.open({
        dir: request.cacheDir ?? defaultCacheDir(io.env),
        env: io.env,
        now: io.now,
        warn: (m) => io.stderr(`eks-token: warning: ${m}\n`),
        debug: (m) => log.debug(m),
      })
    : undefined;
  const hit = cache?.readToken(target);
  if (hit) {
    log.debug(`cache hit in ${cache?.dir}; token expires ${hit.expiration.toISOString()}`);
    print(hit, request, api.apiVersion, io);
    return 0;
  }

  const lock = await cache?.lock(target);
  try {
    // Another process may have made the token while we waited for the lock.
    const made = lock ? cache?.readToken(target) : undefined;
    if (made) {
      log.debug("another process made the token while we waited");
      print(made, request, api.apiVersion, io);
      return 0;
    }
    const { mintForTarget } = await import("./token-miss.js");
    const useCache = cache && lock ? cache : undefined;
    const minted = await mintForTarget(target, io, log, useCache?.roleStore(target));
    useCache?.writeToken(target, minted);
    print(minted, request, api.apiVersion, io);
    return 0;
  } finally {
    lock?.release();
  }
}

function print(minted: MintedToken, request: TokenRequest, apiVersion: string, io: CliIo): void {
  if (request.output === "token") io.stdout(`${minted.token}\n`);
  else io.stdout(`${JSON.stringify(execCredential(apiVersion, minted.token, minted.expiration))}\n`);
}
