/**
 * A token entry as it is read: what makes one servable (format, key, the cluster, host and
 * region its token was signed for, when it was signed), and the hit entry, a pointer from one
 * call's inputs (./hit-key.ts) to the token entry that answers them. The cache-hit path reads
 * these and nothing of the cache's writing or locking (./token-cache.ts).
 */
import { parseAmzDate } from "../token/amz-date.js";
import { decodeToken } from "../token/encode.js";
import type { MintedToken } from "../token/mint.js";
import { FUTURE_SLACK_MS, servable, type FreshnessRule, type StoredEntry } from "./cache-aside.js";
import { CACHE_FORMAT_VERSION } from "./cache-key.js";
import { entryPath, hitPath, readEntry } from "./entry-file.js";

/** Tokens are served while more than this remains (the Python client re-runs a plugin with less). */
export const MIN_REMAINING_MS = 5 * 60_000;
/** The server's window after X-Amz-Date: no token of ours expires later than this after signing. */
export const TOKEN_MAX_LIFETIME_MS = 15 * 60_000;

/** What `cache list` shows: who and what, never a token or a secret. */
export interface EntrySummary {
  readonly kind: "token" | "role-credentials";
  readonly clusterId?: string;
  readonly region?: string | null;
  readonly host?: string;
  readonly roleArn: string | null;
  readonly profile: string | null;
  readonly expiration: string;
}

export interface TokenEntry extends EntrySummary {
  readonly v: typeof CACHE_FORMAT_VERSION;
  readonly kind: "token";
  readonly key: string;
  readonly clusterId: string;
  readonly host: string;
  readonly token: string;
}

/** Where a token was signed for: a served token must have been signed for exactly this. */
export interface TokenPlace {
  readonly clusterId: string;
  readonly host: string;
  readonly signingRegion: string;
}

/** `<hit key>.hit`: no token, no secret, only which entry answers and what it must hold. */
interface HitEntry extends TokenPlace {
  readonly v: typeof CACHE_FORMAT_VERSION;
  readonly kind: "hit";
  readonly key: string;
  readonly tokenKey: string;
}

export function hitEntry(key: string, tokenKey: string, place: TokenPlace): HitEntry {
  return { v: CACHE_FORMAT_VERSION, kind: "hit", key, tokenKey, ...place };
}

export function isTokenEntry(e: unknown, key: string): e is TokenEntry {
  const x = e as Partial<TokenEntry> | null;
  return (
    typeof x === "object" &&
    x !== null &&
    x.v === CACHE_FORMAT_VERSION &&
    x.kind === "token" &&
    x.key === key &&
    typeof x.token === "string" &&
    typeof x.clusterId === "string" &&
    typeof x.host === "string" &&
    typeof x.expiration === "string" &&
    !Number.isNaN(Date.parse(x.expiration))
  );
}

function isHitEntry(e: unknown, key: string): e is HitEntry {
  const x = e as Partial<HitEntry> | null;
  return (
    typeof x === "object" &&
    x !== null &&
    x.v === CACHE_FORMAT_VERSION &&
    x.kind === "hit" &&
    x.key === key &&
    typeof x.tokenKey === "string" &&
    /^[0-9a-f]{64}$/.test(x.tokenKey) &&
    typeof x.clusterId === "string" &&
    typeof x.host === "string" &&
    typeof x.signingRegion === "string"
  );
}

/**
 * When the token was signed (X-Amz-Date, epoch ms), or undefined when it was made for another
 * cluster or signed for another host or region: such a token is never served.
 */
export function tokenSignedAt(entry: TokenEntry, place: TokenPlace): number | undefined {
  if (entry.clusterId !== place.clusterId || entry.host !== place.host) return undefined;
  const url = decodeToken(entry.token);
  // String checks rather than new URL() and regular expressions: the first use of either costs
  // the hit path a tenth of a millisecond or more. Our URLs are ours: host, then a query whose
  // credential scope is KEY/DATE/REGION/sts/aws4_request (slashes written %2F).
  const start = `https://${place.host}/?`;
  if (!url?.startsWith(start)) return undefined;
  let region: string | undefined;
  let date: string | undefined;
  for (const param of url.slice(start.length).split("&")) {
    if (region === undefined && param.startsWith("X-Amz-Credential=")) region = scopeRegion(param.slice(17));
    else if (date === undefined && param.startsWith("X-Amz-Date=")) date = param.slice(11);
  }
  if (region === undefined || region !== place.signingRegion || date === undefined) return undefined;
  return parseAmzDate(date)?.getTime();
}

/** REGION of a credential `KEY%2FYYYYMMDD%2FREGION%2Fsts%2Faws4_request`, or undefined. */
function scopeRegion(credential: string): string | undefined {
  const parts = credential.split("%2F");
  if (parts.length !== 5 || parts[3] !== "sts" || parts[4] !== "aws4_request") return undefined;
  const [key = "", day = "", region = ""] = parts;
  if (key.length === 0 || key.includes("%") || day.length !== 8 || region.length === 0) return undefined;
  for (let i = 0; i < 8; i++) if (day.charCodeAt(i) < 0x30 || day.charCodeAt(i) > 0x39) return undefined;
  for (let i = 0; i < region.length; i++) {
    const c = region.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d)) return undefined;
  }
  return region;
}

/**
 * A token entry read from disk as the cache judges it: undefined when it is not a token entry
 * under `key`, or its token was not signed for `place`.
 */
export function storedToken(entry: unknown, key: string, place: TokenPlace): StoredEntry<MintedToken> | undefined {
  if (!isTokenEntry(entry, key)) return undefined;
  const signedAt = tokenSignedAt(entry, place);
  if (signedAt === undefined) return undefined;
  const expiration = new Date(entry.expiration);
  return { value: { token: entry.token, expiration }, expiresAt: expiration.getTime(), issuedAt: signedAt };
}

/** The rule tokens are served by. */
export function tokenFreshness(now: () => number): FreshnessRule {
  return {
    now,
    minRemainingMs: MIN_REMAINING_MS,
    maxLifetimeMs: TOKEN_MAX_LIFETIME_MS,
    futureSlackMs: FUTURE_SLACK_MS,
  };
}

/**
 * The token the hit entry `hitKey` points to, when it may be served by the token entry's own
 * rules; otherwise undefined (and the full path decides: it also removes what has expired).
 * `dir` must have passed the cache directory's check; `clusterId` is the call's. Reads two
 * files, writes nothing.
 */
export function readHitToken(
  dir: string,
  hitKey: string,
  clusterId: string,
  now: () => number,
): MintedToken | undefined {
  const hit = readEntry(hitPath(dir, hitKey));
  // The call names its cluster itself: a pointer to another cluster's token is never followed.
  if (!isHitEntry(hit, hitKey) || hit.clusterId !== clusterId) return undefined;
  const stored = storedToken(readEntry(entryPath(dir, hit.tokenKey)), hit.tokenKey, hit);
  return stored !== undefined && servable(stored, tokenFreshness(now)) ? stored.value : undefined;
}
