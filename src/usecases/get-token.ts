/**
 * The token pipeline, for the CLI and the library alike: build the key, look up, lock, look up
 * again, resolve credentials, mint, save. The heavy part (credentials, the signer) is loaded only
 * on a miss, from ./token-miss.ts.
 */
import type { ResolvedCredentials, RoleCredentialsCache } from "../aws/credentials.js";
import type { TokenTarget } from "../aws/target.js";
import { cacheAside, type CacheSlot } from "../cache/cache-aside.js";
import { TokenCache } from "../cache/token-cache.js";
import { startDeadline } from "../deadline.js";
import type { Logger } from "../logger.js";
import type { MintedToken } from "../token/mint.js";
import { quote } from "../quote.js";
import { warn } from "./ports.js";
import type { TokenDeps } from "./token-deps.js";
import type { TokenRequest } from "./token-request.js";

/** One call ends within this, end to end: waits for other processes' locks, then the network. */
export const TOKEN_BOUND_MS = 15_000;
/**
 * Waiting for another process that holds the lock (the token's, then the role's) takes at most
 * this much of the bound: that process is making the token (and the AssumeRole) the waiters would
 * make, so they follow it rather than send their own, and a slow STS is asked once. What is left
 * (5 s at least, 12 s at most) is the network's, should the holder fail or hang; a dead holder's
 * lock is taken over at once.
 */
export const LOCK_WAIT_MS = 10_000;

export async function getToken(request: TokenRequest, deps: TokenDeps): Promise<MintedToken> {
  const { target } = request;
  const { log } = deps;
  const bound = startDeadline(TOKEN_BOUND_MS, deps.elapsed);
  const lockWait = startDeadline(LOCK_WAIT_MS, deps.elapsed);
  const cache = request.cacheDir
    ? TokenCache.open({
        dir: request.cacheDir,
        env: deps.env,
        now: deps.now,
        warn: (m) => warn(deps, m),
        debug: (m) => log.debug(m),
        lockWaitMs: () => Math.min(lockWait.remainingMs(), bound.remainingMs()),
      })
    : undefined;
  const { value, source } = await cacheAside(cache?.tokenSlot(target), async (underLock) => {
    const { mintForTarget } = await import("./token-miss.js");
    // Without the token's lock, the role's cache is left alone too.
    const roleSlot = underLock ? cache?.roleSlot(target) : undefined;
    return mintForTarget(target, {
      ...deps,
      interactive: request.interactive,
      ssoLogin: request.ssoLogin,
      stateDir: request.stateDir,
      roleCache: roleSlot && roleCredentialsCache(roleSlot, target, log),
      // The network gets what the lock waits left of the bound (12 s at most).
      networkMs: () => bound.remainingMs(),
    });
  });
  // The next call with the same inputs is answered from the hit entry (./token-hit.ts).
  if (request.hitKey !== undefined && source !== "made-without-cache") cache?.writeHit(request.hitKey, target);
  if (source === "cache")
    log.debug(`cache hit in ${quote(cache?.dir ?? "")}; token expires ${value.expiration.toISOString()}`);
  if (source === "other-process") log.debug("another process made the token while we waited");
  return value;
}

function roleCredentialsCache(
  slot: CacheSlot<ResolvedCredentials>,
  target: TokenTarget,
  log: Logger,
): RoleCredentialsCache {
  return async (make) => {
    const { value, source } = await cacheAside(slot, make);
    if (source === "cache" || source === "other-process") {
      log.debug(
        `using cached credentials for ${target.roleArn ?? target.profileRoleArn ?? "the role"} until ${value.expiration?.toISOString()}`,
      );
    }
    return value;
  };
}
