/**
 * The token cache: where entries live, when one may be served, and what is written. Tokens are
 * served while more than 5 minutes remain (the Python client re-runs a plugin with less), and
 * role credentials until 5 minutes before they expire. Secrets live only inside 0600 files in a
 * 0700 directory (docs/contract.md, "Cache rules").
 */
import type { ResolvedCredentials } from "../aws/credentials.js";
import type { TokenTarget } from "../aws/target.js";
import type { Env } from "../env.js";
import { quote } from "../quote.js";
import type { MintedToken } from "../token/mint.js";
import { CACHE_FORMAT_VERSION, roleCredentialsCacheKey, tokenCacheKey } from "./cache-key.js";
import { openCacheDir } from "./cache-dir.js";
import { entryPath, hitPath, lockPath, readEntry, removeOrphanTemps, removeQuietly, writeEntry } from "./entry-file.js";
import { cacheSlot, FUTURE_SLACK_MS, type CacheSlot } from "./cache-aside.js";
import {
  hitEntry,
  MIN_REMAINING_MS,
  storedToken,
  tokenFreshness,
  type TokenEntry,
  type TokenPlace,
} from "./token-entry.js";
import { acquireLock, type Lock } from "./lock.js";

/** AssumeRole's longest session (DurationSeconds 43200). */
const ROLE_MAX_LIFETIME_MS = 12 * 3_600_000;

export { MIN_REMAINING_MS };
import type { EntrySummary } from "./token-entry.js";
export type { EntrySummary };

interface RoleEntry extends EntrySummary {
  readonly v: typeof CACHE_FORMAT_VERSION;
  readonly kind: "role-credentials";
  readonly key: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** When the entry was written: one from the future was written while the clock ran ahead. */
  readonly written?: string;
}

export interface TokenCacheOptions {
  readonly dir: string;
  readonly env: Env;
  readonly now: () => number;
  /** One line, for a cache that cannot be used safely. */
  readonly warn: (message: string) => void;
  readonly debug: (message: string) => void;
  /** How long a lock may be waited for, asked each time a lock is wanted (the call's bound shrinks). */
  readonly lockWaitMs?: () => number;
}

/** Errors that say the cache cannot be written at all (not a race, not an odd file in one place). */
const CANNOT_WRITE = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EIO"]);

export class TokenCache {
  private readonly keys = new WeakMap<TokenTarget, string>();
  /** A cache that cannot be written says so once per call, not once per lock and entry. */
  private saidCannotWrite = false;

  private constructor(
    private readonly options: TokenCacheOptions,
    readonly dir: string,
  ) {}

  /** The cache, or undefined (after one warning) when its directory is not safe to use. */
  static open(options: TokenCacheOptions): TokenCache | undefined {
    const check = openCacheDir(options.dir);
    if (!check.ok) {
      options.warn(`not using the token cache ${quote(check.dir)}: ${check.reason}`);
      return undefined;
    }
    return new TokenCache(options, check.dir);
  }

  /** The token entry of this target: served while more than 5 minutes remain. */
  tokenSlot(target: TokenTarget): CacheSlot<MintedToken> {
    const key = this.tokenKey(target);
    const path = entryPath(this.dir, key);
    return cacheSlot<MintedToken>(
      {
        read: () => {
          const entry = readEntry(path);
          if (entry === undefined) return undefined;
          const stored = storedToken(entry, key, tokenPlace(target));
          if (stored === undefined) this.options.debug(`cache entry ${key.slice(0, 12)} is not usable; replacing it`);
          return stored;
        },
        remove: () => removeQuietly(path),
        write: (minted) => {
          const entry: TokenEntry = {
            v: CACHE_FORMAT_VERSION,
            kind: "token",
            key,
            clusterId: target.clusterId,
            region: target.region ?? null,
            host: target.endpoint.host,
            roleArn: target.roleArn ?? target.profileRoleArn ?? null,
            profile: target.profileExplicit ? target.profileName : null,
            expiration: minted.expiration.toISOString(),
            token: minted.token,
          };
          this.write(path, entry);
        },
        lock: () => this.lockKey(key),
      },
      tokenFreshness(this.options.now),
    );
  }

  /**
   * Records that the call whose inputs give `hitKey` (./hit-key.ts) is answered by this target's
   * token entry, so that the next such call finds it without resolving the target. Only a pointer:
   * the token stays in its one entry. Never fails the call.
   */
  writeHit(hitKey: string, target: TokenTarget): void {
    // A cache that could not take the token could not take a pointer to it either.
    if (this.saidCannotWrite) return;
    this.writeFile(hitPath(this.dir, hitKey), hitEntry(hitKey, this.tokenKey(target), tokenPlace(target)));
  }

  /** A cached token for this target with more than 5 minutes left, or undefined. */
  readToken(target: TokenTarget): MintedToken | undefined {
    return this.tokenSlot(target).get();
  }

  writeToken(target: TokenTarget, minted: MintedToken): void {
    this.tokenSlot(target).put(minted);
  }

  /** Holds other processes off this target's miss path; undefined means go on without the cache. */
  lock(target: TokenTarget): Promise<Lock | undefined> {
    return this.tokenSlot(target).lock();
  }

  /**
   * Assumed-role credentials, shared by every cluster of the same identity (their lock too, so
   * calls for several clusters make one AssumeRole): served until 5 minutes before they expire.
   */
  roleSlot(target: TokenTarget): CacheSlot<ResolvedCredentials> {
    const key = roleCredentialsCacheKey(target, this.options.env);
    const path = entryPath(this.dir, key);
    return cacheSlot<ResolvedCredentials>(
      {
        read: () => {
          const entry = readEntry(path);
          if (!isRoleEntry(entry, key)) return undefined;
          const expiration = new Date(entry.expiration);
          const value = {
            accessKeyId: entry.accessKeyId,
            secretAccessKey: entry.secretAccessKey,
            ...(entry.sessionToken ? { sessionToken: entry.sessionToken } : {}),
            expiration,
          };
          const written = entry.written === undefined ? Number.NaN : Date.parse(entry.written);
          return { value, expiresAt: expiration.getTime(), issuedAt: Number.isNaN(written) ? undefined : written };
        },
        remove: () => removeQuietly(path),
        write: (credentials) => {
          // Only credentials that expire are worth keeping; long-term keys stay where they are.
          if (!credentials.expiration) return;
          const entry: RoleEntry = {
            v: CACHE_FORMAT_VERSION,
            kind: "role-credentials",
            key,
            roleArn: target.roleArn ?? target.profileRoleArn ?? null,
            profile: target.profileExplicit ? target.profileName : null,
            expiration: credentials.expiration.toISOString(),
            written: new Date(this.options.now()).toISOString(),
            accessKeyId: credentials.accessKeyId,
            secretAccessKey: credentials.secretAccessKey,
            ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
          };
          this.write(path, entry);
        },
        lock: () => this.lockKey(key),
      },
      {
        now: this.options.now,
        minRemainingMs: MIN_REMAINING_MS,
        maxLifetimeMs: ROLE_MAX_LIFETIME_MS,
        futureSlackMs: FUTURE_SLACK_MS,
      },
    );
  }

  private async lockKey(key: string): Promise<Lock | undefined> {
    const result = await acquireLock(lockPath(this.dir, key), {
      now: this.options.now,
      ...(this.options.lockWaitMs !== undefined ? { waitMs: this.options.lockWaitMs() } : {}),
    });
    if (result.ok) return result.lock;
    if (result.reason === "error" && CANNOT_WRITE.has(result.detail)) this.cannotWrite(result.detail);
    this.options.debug(`could not lock the cache (${result.reason}: ${result.detail}); going on without it`);
    return undefined;
  }

  /** A miss asks for the key up to four times (read, lock, read again, write): hash it once. */
  private tokenKey(target: TokenTarget): string {
    let key = this.keys.get(target);
    if (key === undefined) {
      key = tokenCacheKey(target, this.options.env);
      this.keys.set(target, key);
    }
    return key;
  }

  /** An entry written, with the temporary files of crashed writers cleared first. */
  private write(path: string, entry: TokenEntry | RoleEntry): void {
    removeOrphanTemps(this.dir, this.options.now());
    this.writeFile(path, entry);
  }

  private writeFile(path: string, entry: object): void {
    try {
      writeEntry(this.dir, path, entry);
    } catch (e) {
      this.cannotWrite((e as NodeJS.ErrnoException).code ?? String(e));
    }
  }

  private cannotWrite(why: string): void {
    if (this.saidCannotWrite) return;
    this.saidCannotWrite = true;
    this.options.warn(
      `could not write the token cache in ${quote(this.dir)} (${why}); the next call will make a new token`,
    );
  }
}

function isRoleEntry(e: unknown, key: string): e is RoleEntry {
  const x = e as Partial<RoleEntry> | null;
  return (
    typeof x === "object" &&
    x !== null &&
    x.v === CACHE_FORMAT_VERSION &&
    x.kind === "role-credentials" &&
    x.key === key &&
    typeof x.accessKeyId === "string" &&
    typeof x.secretAccessKey === "string" &&
    typeof x.expiration === "string" &&
    !Number.isNaN(Date.parse(x.expiration))
  );
}

/** Where a target's token is signed for, which a served token must match. */
function tokenPlace(target: TokenTarget): TokenPlace {
  return { clusterId: target.clusterId, host: target.endpoint.host, signingRegion: target.endpoint.signingRegion };
}
