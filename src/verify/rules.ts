/**
 * The checks an EKS API server makes on a token before it calls STS (docs/contract.md, "Server checks"), one
 * pure function per rule, run in the server's order so the first failure is the one it reports.
 */
import { quote } from "../quote.js";
import { CLUSTER_ID_HEADER, MAX_TOKEN_LENGTH, TOKEN_PREFIX } from "../token/encode.js";
import { parseAmzDate as parseAmzDateOf } from "../token/amz-date.js";
import { formatTimestamp } from "../token/expiration.js";
import { PARTITIONS, isStsHost } from "../token/sts-host.js";
import { formatDuration } from "./duration.js";
import { isUrlFailure, parseQuery, parseUrl, type QueryPair, type RawUrl, type UrlFailure } from "./go-url.js";

/** The server's window: 15 minutes after X-Amz-Date, whatever X-Amz-Expires says. */
export const SERVER_WINDOW_MS = 15 * 60_000;
/** AWS refuses a signature dated further ahead of its own clock than this ("Signature not yet current"). */
export const MAX_CLOCK_AHEAD_MS = 15 * 60_000;
/** The largest X-Amz-Expires current servers accept. */
export const MAX_EXPIRES_SECONDS = 900;

export const ALLOWED_PARAMETERS: ReadonlySet<string> = new Set([
  "action",
  "version",
  "x-amz-algorithm",
  "x-amz-credential",
  "x-amz-date",
  "x-amz-expires",
  "x-amz-security-token",
  "x-amz-signature",
  "x-amz-signedheaders",
]);

export type RuleName =
  | "too-large"
  | "prefix"
  | "base64"
  | "url"
  | "scheme-missing"
  | "scheme"
  | "host"
  | "userinfo"
  | "path"
  | "query"
  | "allowlist"
  | "multiple-values"
  | "duplicate-case"
  | "action"
  | "unsigned-header"
  | "expires"
  | "date-missing"
  | "date"
  | "expired"
  | "future";

export interface RuleFailure {
  readonly ok: false;
  readonly rule: RuleName;
  readonly kind: "malformed" | "expired";
  /** What the server objects to; never contains the signature or the session token. */
  readonly message: string;
  /** What to do about it. */
  readonly hint: string;
}

export interface TokenFacts {
  /** The presigned URL: secret-bearing (signature, session token), never print it. */
  readonly url: string;
  readonly host: string;
  readonly partition: string;
  /** From the credential scope; undefined when X-Amz-Credential has no region. */
  readonly region: string | undefined;
  readonly accessKeyId: string;
  readonly signedAt: Date;
  /** signedAt + 15 minutes: when the server stops accepting the token. */
  readonly expiresAt: Date;
  readonly sessionToken: boolean;
  readonly signedHeaders: readonly string[];
  readonly expiresParam: number;
}

export type ShapeResult = { readonly ok: true; readonly facts: TokenFacts } | RuleFailure;

const REGENERATE = "get a fresh token with `eks-token` or `aws eks get-token`";
const NOT_OURS = "this is not a token a current EKS token plugin makes; regenerate it";

function fail(
  rule: RuleName,
  message: string,
  hint: string = NOT_OURS,
  kind: RuleFailure["kind"] = "malformed",
): RuleFailure {
  return { ok: false, rule, kind, message, hint };
}

function fromUrlFailure(failure: UrlFailure): RuleFailure {
  return fail(failure.rule, failure.message);
}

function isFailure<T>(value: T | RuleFailure): value is RuleFailure {
  return typeof value === "object" && value !== null && (value as { ok?: unknown }).ok === false;
}

export function checkLength(token: string): RuleFailure | undefined {
  if (token.length <= MAX_TOKEN_LENGTH) return undefined;
  return fail(
    "too-large",
    `token is too large: ${token.length} characters, the server accepts at most ${MAX_TOKEN_LENGTH}`,
    "a long session token makes long tokens; use credentials with a shorter session token",
  );
}

export function checkPrefix(token: string): RuleFailure | undefined {
  if (token.startsWith(TOKEN_PREFIX)) return undefined;
  return fail(
    "prefix",
    `token does not start with ${quote(TOKEN_PREFIX)}`,
    "pass the whole token, as the plugin printed it in status.token",
  );
}

/** Go's RawURLEncoding: the URL-safe alphabet, no padding, no dangling sixth bits. */
export function decodeBody(token: string): string | RuleFailure {
  const body = token.slice(TOKEN_PREFIX.length);
  const bad = body.search(/[^A-Za-z0-9_-]/);
  if (bad >= 0) {
    const what = body[bad] === "=" ? "padding '='" : `character ${quote(body[bad] ?? "")}`;
    return fail(
      "base64",
      `token is not unpadded URL-safe base64: ${what} at offset ${bad + TOKEN_PREFIX.length}`,
      "the token was truncated or altered; copy it again or regenerate it",
    );
  }
  if (body.length % 4 === 1) {
    return fail(
      "base64",
      `token is not unpadded URL-safe base64: its length leaves ${body.length % 4} dangling character`,
      "the token was truncated; copy it again or regenerate it",
    );
  }
  return Buffer.from(body, "base64url").toString("utf8");
}

export function checkScheme(url: RawUrl): RuleFailure | undefined {
  if (url.scheme === "https") return undefined;
  if (url.scheme === "")
    return fail("scheme-missing", "decoded token is a URL without a scheme; the server needs https");
  return fail("scheme", `decoded token has scheme ${quote(url.scheme)}; the server needs https`);
}

export function checkHost(url: RawUrl): { region: string; partition: string } | RuleFailure {
  const result = isStsHost(url.host);
  if (result.ok) return { region: result.region, partition: result.partition };
  const partitions = PARTITIONS.map((p) => p.name).join(", ");
  return fail(
    "host",
    `token is signed for host ${quote(url.host)}, which is not an STS endpoint of a known partition (${partitions})`,
    "sign against sts.REGION.amazonaws.com (or your partition's suffix), not a custom or VPC endpoint URL",
  );
}

/**
 * A user name and password before the host pass the server's own checks (it compares the host
 * without them), and its HTTP client then sends them to STS as a Basic Authorization header
 * beside the signature. No token plugin makes such a URL.
 */
export function checkUserinfo(url: RawUrl): RuleFailure | undefined {
  if (!url.hasUserinfo) return undefined;
  return fail(
    "userinfo",
    "token URL has a user name or password before its host, which the server would send to STS beside the signature",
  );
}

export function checkPath(url: RawUrl): RuleFailure | undefined {
  if (url.path === "/") return undefined;
  return fail("path", `token URL has path ${quote(url.path)}; the server accepts only "/"`);
}

export function checkAllowlist(pairs: readonly QueryPair[]): RuleFailure | undefined {
  const odd = pairs.find(([key]) => !ALLOWED_PARAMETERS.has(key.toLowerCase()));
  if (!odd) return undefined;
  return fail("allowlist", `token URL has query parameter ${quote(odd[0])}, which the server does not allow`);
}

export function checkSingleValues(pairs: readonly QueryPair[]): RuleFailure | undefined {
  const seen = new Set<string>();
  for (const [key] of pairs) {
    if (seen.has(key))
      return fail(
        "multiple-values",
        `token URL repeats query parameter ${quote(key)}; the server accepts one value per parameter`,
      );
    seen.add(key);
  }
  return undefined;
}

export function checkCaseDuplicates(pairs: readonly QueryPair[]): RuleFailure | undefined {
  const seen = new Map<string, string>();
  for (const [key] of pairs) {
    const first = seen.get(key.toLowerCase());
    if (first !== undefined && first !== key) {
      return fail("duplicate-case", `token URL has query parameter ${quote(key)} twice, also as ${quote(first)}`);
    }
    seen.set(key.toLowerCase(), key);
  }
  return undefined;
}

/** Keys lowercased, as the server looks them up; the rules above make them unique. */
export function lowerParams(pairs: readonly QueryPair[]): ReadonlyMap<string, string> {
  return new Map(pairs.map(([key, value]) => [key.toLowerCase(), value]));
}

export function checkAction(params: ReadonlyMap<string, string>): RuleFailure | undefined {
  const action = params.get("action");
  if (action === "GetCallerIdentity") return undefined;
  const found = action === undefined ? "no Action parameter" : `Action ${quote(action)}`;
  return fail("action", `token URL has ${found}; the server accepts only GetCallerIdentity`);
}

export function signedHeadersOf(params: ReadonlyMap<string, string>): string[] {
  const raw = params.get("x-amz-signedheaders");
  return raw === undefined || raw === "" ? [] : raw.split(";");
}

export function checkSignedClusterHeader(params: ReadonlyMap<string, string>): RuleFailure | undefined {
  if (signedHeadersOf(params).some((h) => h.toLowerCase() === CLUSTER_ID_HEADER)) return undefined;
  return fail(
    "unsigned-header",
    `token does not sign the ${CLUSTER_ID_HEADER} header, which binds it to a cluster`,
    "make the token with a cluster name (`eks-token --cluster-name NAME`)",
  );
}

/** Go's strconv.Atoi accepts a sign and leading zeros; the range is 0-900. */
export function checkExpires(params: ReadonlyMap<string, string>): number | RuleFailure {
  const raw = params.get("x-amz-expires");
  const value = raw !== undefined && /^[+-]?\d{1,18}$/.test(raw) ? Number(raw) : NaN;
  // `|| 0` turns "-0" into a plain 0.
  if (Number.isInteger(value) && value >= 0 && value <= MAX_EXPIRES_SECONDS) return value || 0;
  const found = raw === undefined ? "no X-Amz-Expires parameter" : `X-Amz-Expires ${quote(raw)}`;
  return fail("expires", `token URL has ${found}; the server needs an integer from 0 to ${MAX_EXPIRES_SECONDS}`);
}

export function checkDatePresent(params: ReadonlyMap<string, string>): string | RuleFailure {
  const raw = params.get("x-amz-date");
  if (raw !== undefined && raw !== "") return raw;
  return fail("date-missing", "token URL has no X-Amz-Date parameter");
}

/** `YYYYMMDDTHHMMSSZ` with a real calendar date, as Go's time.Parse checks it. */
export function parseAmzDate(raw: string): Date | RuleFailure {
  return parseAmzDateOf(raw) ?? fail("date", `token URL has X-Amz-Date ${quote(raw)}, which is not YYYYMMDDTHHMMSSZ`);
}

export function checkFreshness(signedAt: Date, now: Date): RuleFailure | undefined {
  const ahead = signedAt.getTime() - now.getTime();
  if (ahead > MAX_CLOCK_AHEAD_MS) {
    return fail(
      "future",
      `token is signed ${formatDuration(ahead)} in the future (at ${formatTimestamp(signedAt)}); STS refuses a signature dated more than 15 minutes ahead of its clock`,
      "check the clock of the machine that made it (or this one), then make a new token",
      "expired",
    );
  }
  const expiresAt = signedAt.getTime() + SERVER_WINDOW_MS;
  if (now.getTime() <= expiresAt) return undefined;
  return fail(
    "expired",
    `token expired ${formatDuration(now.getTime() - expiresAt)} ago (signed at ${formatTimestamp(signedAt)}, the server accepts it for 15 minutes)`,
    `${REGENERATE}; if it was just made, check this machine's clock`,
    "expired",
  );
}

/** Every rule of docs/contract.md "Server checks" up to the STS call, stopping at the first failure. */
export function verifyTokenShape(token: string, options: { now: Date | number }): ShapeResult {
  const now = new Date(options.now);
  const early = checkLength(token) ?? checkPrefix(token);
  if (early) return early;
  const text = decodeBody(token);
  if (isFailure(text)) return text;
  const url = parseUrl(text);
  if (isUrlFailure(url)) return fromUrlFailure(url);
  const schemeFailure = checkScheme(url);
  if (schemeFailure) return schemeFailure;
  const host = checkHost(url);
  if (isFailure(host)) return host;
  const pathFailure = checkUserinfo(url) ?? checkPath(url);
  if (pathFailure) return pathFailure;
  const pairs = parseQuery(url.rawQuery);
  if (isUrlFailure(pairs)) return fromUrlFailure(pairs);
  const queryFailure = checkAllowlist(pairs) ?? checkSingleValues(pairs) ?? checkCaseDuplicates(pairs);
  if (queryFailure) return queryFailure;
  const params = lowerParams(pairs);
  const paramFailure = checkAction(params) ?? checkSignedClusterHeader(params);
  if (paramFailure) return paramFailure;
  const expiresParam = checkExpires(params);
  if (isFailure(expiresParam)) return expiresParam;
  const rawDate = checkDatePresent(params);
  if (isFailure(rawDate)) return rawDate;
  const signedAt = parseAmzDate(rawDate);
  if (isFailure(signedAt)) return signedAt;
  const stale = checkFreshness(signedAt, now);
  if (stale) return stale;
  const scope = (params.get("x-amz-credential") ?? "").split("/");
  return {
    ok: true,
    facts: {
      url: text,
      host: url.host,
      partition: host.partition,
      region: scope[2] || undefined,
      accessKeyId: scope[0] ?? "",
      signedAt,
      expiresAt: new Date(signedAt.getTime() + SERVER_WINDOW_MS),
      sessionToken: params.has("x-amz-security-token"),
      signedHeaders: signedHeadersOf(params),
      expiresParam,
    },
  };
}
