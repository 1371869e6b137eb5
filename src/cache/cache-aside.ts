/**
 * The one cache-aside pattern, for tokens and role credentials alike: look up; on a miss take
 * the entry's lock, look up again (another process may have made it meanwhile), produce, write.
 * When the lock cannot be had (a timeout, a directory that refuses it) the value is produced
 * without the cache: never a hang, never a failure because of the cache.
 */
import type { Lock } from "./lock.js";

/** An entry as stored, before anyone judges whether it may still be served. */
export interface StoredEntry<T> {
  readonly value: T;
  readonly expiresAt: number;
  /** When it was signed or written, epoch ms; undefined when the entry does not say. */
  readonly issuedAt?: number | undefined;
}

/** Where one entry lives: read, remove, write and lock it. */
export interface EntryStore<T> {
  /** The entry when one is there and well formed, whatever its expiry. */
  read(): StoredEntry<T> | undefined;
  remove(): void;
  write(value: T): void;
  /** Holds other processes off this entry's miss path; undefined means go on without the cache. */
  lock(): Promise<Lock | undefined>;
}

/** An entry as callers use it: only values that may still be served come out. */
export interface CacheSlot<T> {
  get(): T | undefined;
  put(value: T): void;
  lock(): Promise<Lock | undefined>;
}

export interface FreshnessRule {
  readonly now: () => number;
  /** An entry with this little time left (or less) is a miss. */
  readonly minRemainingMs: number;
  /**
   * No value of this kind lives longer: an entry expiring later than this from now was made
   * with a clock that ran ahead, and is a miss.
   */
  readonly maxLifetimeMs: number;
  /** An entry issued later than now plus this (a clock that moved back since) is a miss. */
  readonly futureSlackMs: number;
}

/** Clocks stepped by NTP move by far less; an entry from further ahead was made with a wrong clock. */
export const FUTURE_SLACK_MS = 60_000;

/** Whether an entry may be served now by the rule; expired or not, it stays where it is. */
export function servable(entry: StoredEntry<unknown>, rule: FreshnessRule, now = rule.now()): boolean {
  const left = entry.expiresAt - now;
  if (left <= rule.minRemainingMs) return false;
  // Made while the clock ran ahead: what the server sees as its time would reject it. The
  // next write replaces it.
  if (left > rule.maxLifetimeMs) return false;
  return entry.issuedAt !== undefined && entry.issuedAt <= now + rule.futureSlackMs;
}

export function cacheSlot<T>(store: EntryStore<T>, rule: FreshnessRule): CacheSlot<T> {
  return {
    get() {
      const entry = store.read();
      if (entry === undefined) return undefined;
      const now = rule.now();
      // Expired entries go; ones about to expire stay until they do (another reader may be slower).
      if (entry.expiresAt - now <= 0) store.remove();
      return servable(entry, rule, now) ? entry.value : undefined;
    },
    put: (value) => store.write(value),
    lock: () => store.lock(),
  };
}

export type CacheSource = "cache" | "other-process" | "made" | "made-without-cache";

/** The value, and where it came from. With no slot, the value is simply produced. */
export async function cacheAside<T>(
  slot: CacheSlot<T> | undefined,
  /** underLock: the value will be written, and nested caches may be used too. */
  produce: (underLock: boolean) => Promise<T>,
): Promise<{ value: T; source: CacheSource }> {
  if (!slot) return { value: await produce(false), source: "made-without-cache" };
  const hit = slot.get();
  if (hit !== undefined) return { value: hit, source: "cache" };
  const lock = await slot.lock();
  if (!lock) return { value: await produce(false), source: "made-without-cache" };
  try {
    const made = slot.get();
    if (made !== undefined) return { value: made, source: "other-process" };
    const value = await produce(true);
    slot.put(value);
    return { value, source: "made" };
  } finally {
    lock.release();
  }
}
