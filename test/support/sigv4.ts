// Independent AWS Signature Version 4 for tests: signing, presigning and verification.
// Written against node:crypto only so it can check the production signer rather than mirror it.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const ALGORITHM = "AWS4-HMAC-SHA256";
export const EMPTY_PAYLOAD_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

/** Query parameters in order, values raw (not URI-encoded). */
export type QueryParams = ReadonlyArray<readonly [string, string]>;
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface SigningInput {
  method: string;
  /** Host header value; added to the signed headers when `headers` lacks one. */
  host?: string;
  /** Path as sent on the wire (already percent-encoded where needed), e.g. "/". */
  path: string;
  query: QueryParams;
  headers: HeaderMap;
  payloadHash: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service: string;
  /** YYYYMMDDTHHMMSSZ */
  amzDate: string;
  /** Names to sign; defaults to every header given (lowercased). */
  signedHeaders?: readonly string[];
}

export interface SigningResult {
  canonicalRequest: string;
  stringToSign: string;
  signingKey: Buffer;
  signature: string;
  credentialScope: string;
  /** Semicolon-joined, sorted, lowercase. */
  signedHeaders: string;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function hmacSha256(key: string | Uint8Array, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

/** RFC 3986 encoding as SigV4 wants it: unreserved kept, everything else %XX uppercase. */
export function uriEncode(value: string, encodeSlash = true): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(ch) || (!encodeSlash && ch === "/")) out += ch;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Encodes each segment of the wire path again, as SigV4 does for every service but S3. */
export function canonicalUri(path: string): string {
  const segments: string[] = [];
  for (const segment of (path || "/").split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const trailing = path.length > 1 && path.endsWith("/") && segments.length > 0 ? "/" : "";
  return `/${segments.map((s) => uriEncode(s)).join("/")}${trailing}`;
}

export function canonicalQueryString(query: QueryParams): string {
  const encoded = query
    .filter(([key]) => key !== "X-Amz-Signature")
    .map(([key, value]) => [uriEncode(key), uriEncode(value)] as const);
  // Byte-order sort on the encoded forms, key first then value.
  encoded.sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  return encoded.map(([k, v]) => `${k}=${v}`).join("&");
}

function headerValue(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(",");
}

/** Lowercase-keyed copy; later duplicates (by case) join with a comma. */
export function lowercaseHeaders(headers: HeaderMap): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, raw] of Object.entries(headers)) {
    const value = headerValue(raw);
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const prior = out.get(key);
    out.set(key, prior === undefined ? value : `${prior},${value}`);
  }
  return out;
}

function normalizeHeaderValue(value: string): string {
  return value.trim().replace(/ +/g, " ");
}

/** Canonical header block (each line ends with \n) for the given names. */
export function canonicalHeaders(headers: Map<string, string>, names: readonly string[]): string {
  return [...names]
    .map((n) => n.toLowerCase())
    .sort()
    .map((n) => `${n}:${normalizeHeaderValue(headers.get(n) ?? "")}\n`)
    .join("");
}

export function credentialScope(amzDate: string, region: string, service: string): string {
  return `${amzDate.slice(0, 8)}/${region}/${service}/aws4_request`;
}

export function buildCanonicalRequest(
  method: string,
  path: string,
  query: QueryParams,
  headers: Map<string, string>,
  signedNames: readonly string[],
  payloadHash: string,
): string {
  const names = [...signedNames].map((n) => n.toLowerCase()).sort();
  return [
    method.toUpperCase(),
    canonicalUri(path),
    canonicalQueryString(query),
    canonicalHeaders(headers, names),
    names.join(";"),
    payloadHash,
  ].join("\n");
}

export function buildStringToSign(amzDate: string, scope: string, canonicalRequest: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
}

export function deriveSigningKey(secret: string, dateStamp: string, region: string, service: string): Buffer {
  const kDate = hmacSha256(`AWS4${secret}`, dateStamp);
  const kRegion = hmacSha256(kDate, region);
  const kService = hmacSha256(kRegion, service);
  return hmacSha256(kService, "aws4_request");
}

/** Computes every intermediate of a SigV4 signature. */
export function signRequest(input: SigningInput): SigningResult {
  const headers = lowercaseHeaders(input.headers);
  if (!headers.has("host") && input.host !== undefined) headers.set("host", input.host);
  const names = (input.signedHeaders ?? [...headers.keys()]).map((n) => n.toLowerCase()).sort();
  const canonicalRequest = buildCanonicalRequest(
    input.method,
    input.path,
    input.query,
    headers,
    names,
    input.payloadHash,
  );
  const scope = credentialScope(input.amzDate, input.region, input.service);
  const stringToSign = buildStringToSign(input.amzDate, scope, canonicalRequest);
  const signingKey = deriveSigningKey(input.secretAccessKey, input.amzDate.slice(0, 8), input.region, input.service);
  const signature = createHmac("sha256", signingKey).update(stringToSign, "utf8").digest("hex");
  return {
    canonicalRequest,
    stringToSign,
    signingKey,
    signature,
    credentialScope: scope,
    signedHeaders: names.join(";"),
  };
}

/** 2023-04-28T00:00:00.000Z -> 20230428T000000Z */
export function toAmzDate(date: Date | number): string {
  return new Date(date)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/** 20230428T000000Z -> epoch ms, or undefined when malformed. */
export function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Reject dates like month 13 that Date.UTC would silently roll over.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h) return undefined;
  return ms;
}

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface PresignOptions {
  url: string | URL;
  method?: string;
  /** Extra headers to sign (for EKS: { "x-k8s-aws-id": cluster }); host is always signed. */
  headers?: Record<string, string>;
  credentials: SigningCredentials;
  region: string;
  service: string;
  amzDate: string;
  expiresSeconds: number;
  payloadHash?: string;
}

/** Presigns a URL in the query-string form, keeping the URL's own parameters first. */
export function presignUrl(options: PresignOptions): string {
  const url = new URL(options.url.toString());
  const { credentials: creds } = options;
  const headers: Record<string, string> = { host: url.host, ...lowerRecord(options.headers ?? {}) };
  const signedHeaders = Object.keys(headers).sort();
  const query: Array<[string, string]> = [...url.searchParams.entries()];
  query.push(
    ["X-Amz-Algorithm", ALGORITHM],
    ["X-Amz-Credential", `${creds.accessKeyId}/${credentialScope(options.amzDate, options.region, options.service)}`],
    ["X-Amz-Date", options.amzDate],
    ["X-Amz-Expires", String(options.expiresSeconds)],
  );
  if (creds.sessionToken !== undefined) query.push(["X-Amz-Security-Token", creds.sessionToken]);
  query.push(["X-Amz-SignedHeaders", signedHeaders.join(";")]);
  const result = signRequest({
    method: options.method ?? "GET",
    path: url.pathname,
    query,
    headers,
    signedHeaders,
    payloadHash: options.payloadHash ?? EMPTY_PAYLOAD_HASH,
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
    region: options.region,
    service: options.service,
    amzDate: options.amzDate,
  });
  query.push(["X-Amz-Signature", result.signature]);
  url.search = query.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join("&");
  return url.toString();
}

export interface SignHeadersOptions {
  url: string | URL;
  method: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  credentials: SigningCredentials;
  region: string;
  service: string;
  amzDate: string;
}

/** Returns the headers to send (host, x-amz-date, token, authorization and the given ones). */
export function signHeaders(options: SignHeadersOptions): Record<string, string> {
  const url = new URL(options.url.toString());
  const headers: Record<string, string> = {
    ...lowerRecord(options.headers ?? {}),
    host: url.host,
    "x-amz-date": options.amzDate,
  };
  if (options.credentials.sessionToken !== undefined)
    headers["x-amz-security-token"] = options.credentials.sessionToken;
  const result = signRequest({
    method: options.method,
    path: url.pathname,
    query: [...url.searchParams.entries()],
    headers,
    payloadHash: headers["x-amz-content-sha256"] ?? sha256Hex(options.body ?? ""),
    accessKeyId: options.credentials.accessKeyId,
    secretAccessKey: options.credentials.secretAccessKey,
    region: options.region,
    service: options.service,
    amzDate: options.amzDate,
  });
  const credential = `${options.credentials.accessKeyId}/${result.credentialScope}`;
  headers.authorization = `${ALGORITHM} Credential=${credential}, SignedHeaders=${result.signedHeaders}, Signature=${result.signature}`;
  return headers;
}

function lowerRecord(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

// ---------------------------------------------------------------------------------------------
// Verification

export type VerifyErrorCode =
  | "SignatureDoesNotMatch"
  | "InvalidClientTokenId"
  | "ExpiredToken"
  | "IncompleteSignature"
  | "AccessDenied"
  | "MissingAuthenticationToken"
  | "AuthorizationQueryParametersError";

export type VerifyResult =
  | {
      ok: true;
      accessKeyId: string;
      region: string;
      service: string;
      signedHeaders: string[];
      amzDate: string;
      sessionToken?: string;
    }
  | { ok: false; code: VerifyErrorCode; message: string };

/** What the verifier knows of an access key: a secret, or a secret bound to a session. */
export type KeyRecord =
  | string
  | {
      secretAccessKey: string;
      /** When set, the request must present exactly this token. */
      sessionToken?: string;
      /** Epoch ms after which the key is refused with ExpiredToken. */
      expiresAt?: number;
    };

export type SecretLookup = (accessKeyId: string) => KeyRecord | undefined;

export interface VerifyPresignedOptions {
  /** Full URL, or path plus query ("/?Action=..."), as the request arrived. */
  url: string;
  method?: string;
  /** Request headers; the Host header wins over the URL's host. */
  headers?: HeaderMap;
  secretForAccessKey: SecretLookup;
  /** Epoch ms; defaults to Date.now(). */
  now?: number;
  payloadHash?: string;
  /** Upper bound for X-Amz-Expires (SigV4 allows a week; EKS servers 900). */
  maxExpiresSeconds?: number;
  /** Fixed validity after X-Amz-Date that replaces X-Amz-Expires (STS GetCallerIdentity: 900). */
  validitySeconds?: number;
  /** Header names that must be among the signed ones (besides host). */
  requiredSignedHeaders?: readonly string[];
}

type Fail = Extract<VerifyResult, { ok: false }>;

function fail(code: VerifyErrorCode, message: string): Fail {
  return { ok: false, code, message };
}

const SKEW_MS = 15 * 60 * 1000;

/** Splits a raw query string into ordered, decoded pairs ('+' means space, as form decoding does). */
export function parseQuery(raw: string): Array<[string, string]> | undefined {
  const pairs: Array<[string, string]> = [];
  for (const part of raw.replace(/^\?/, "").split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const [k, v] = eq < 0 ? [part, ""] : [part.slice(0, eq), part.slice(eq + 1)];
    try {
      pairs.push([decodeURIComponent(k.replace(/\+/g, " ")), decodeURIComponent(v.replace(/\+/g, " "))]);
    } catch {
      return undefined;
    }
  }
  return pairs;
}

/** Splits a full URL or a request target ("/path?query") without re-encoding anything. */
function splitUrl(url: string): { host?: string; path: string; rawQuery: string } {
  const qIndex = url.indexOf("?");
  const beforeQuery = qIndex < 0 ? url : url.slice(0, qIndex);
  const rawQuery = qIndex < 0 ? "" : url.slice(qIndex + 1).replace(/#.*$/, "");
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return { path: beforeQuery || "/", rawQuery };
  const parsed = new URL(beforeQuery);
  return { host: parsed.host, path: parsed.pathname, rawQuery };
}

interface ParsedCredential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

function parseCredential(value: string): ParsedCredential | Fail {
  const parts = value.split("/");
  if (parts.length !== 5 || parts.some((p) => p === "")) {
    return fail(
      "IncompleteSignature",
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${value}'`,
    );
  }
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  if (terminator !== "aws4_request") {
    return fail(
      "SignatureDoesNotMatch",
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`,
    );
  }
  return { accessKeyId, date, region, service };
}

/** Looks the key up and checks session token and key expiry. */
function checkKey(
  lookup: SecretLookup,
  accessKeyId: string,
  presentedToken: string | undefined,
  now: number,
): { secret: string } | Fail {
  const record = lookup(accessKeyId);
  if (record === undefined)
    return fail("InvalidClientTokenId", "The security token included in the request is invalid.");
  const { secretAccessKey, sessionToken, expiresAt } =
    typeof record === "string" ? { secretAccessKey: record } : record;
  if ((sessionToken ?? undefined) !== (presentedToken ?? undefined)) {
    return fail("InvalidClientTokenId", "The security token included in the request is invalid.");
  }
  if (expiresAt !== undefined && now >= expiresAt) {
    return fail("ExpiredToken", "The security token included in the request is expired");
  }
  return { secret: secretAccessKey };
}

function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(given.toLowerCase(), "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

function mismatch(canonicalRequest: string, stringToSign: string): Fail {
  return fail(
    "SignatureDoesNotMatch",
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. " +
      `The Canonical String for this request should have been\n'${canonicalRequest}'\n\nThe String-to-Sign should have been\n'${stringToSign}'`,
  );
}

function singleParam(query: Array<[string, string]>, name: string): string | undefined | Fail {
  const values = query.filter(([k]) => k === name).map(([, v]) => v);
  if (values.length > 1) return fail("IncompleteSignature", `Only one ${name} parameter is allowed.`);
  return values[0];
}

function isFail(value: unknown): value is Fail {
  return typeof value === "object" && value !== null && (value as { ok?: unknown }).ok === false;
}

/** Checks a query-string (presigned) SigV4 request. */
export function verifyPresignedUrl(options: VerifyPresignedOptions): VerifyResult {
  const now = options.now ?? Date.now();
  const { host: urlHost, path, rawQuery } = splitUrl(options.url);
  const query = parseQuery(rawQuery);
  if (!query) return fail("IncompleteSignature", "The query string is not properly percent-encoded.");

  const params: Record<string, string | undefined> = {};
  for (const name of [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
  ]) {
    const value = singleParam(query, name);
    if (isFail(value)) return value;
    params[name] = value;
  }
  const missing = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
  ].filter((n) => params[n] === undefined || params[n] === "");
  if (missing.length > 0) {
    return fail("IncompleteSignature", `AWS query-string parameters missing: ${missing.join(", ")}`);
  }
  if (params["X-Amz-Algorithm"] !== ALGORITHM) {
    return fail("IncompleteSignature", `Unsupported AWS 'algorithm': '${params["X-Amz-Algorithm"]}'`);
  }

  const credential = parseCredential(params["X-Amz-Credential"]!);
  if (isFail(credential)) return credential;
  const amzDate = params["X-Amz-Date"]!;
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined)
    return fail("IncompleteSignature", `X-Amz-Date must be in the ISO8601 basic format: got '${amzDate}'`);
  if (credential.date !== amzDate.slice(0, 8)) {
    return fail(
      "SignatureDoesNotMatch",
      `Credential should be scoped to a valid date: '${amzDate.slice(0, 8)}', not '${credential.date}'.`,
    );
  }

  const expiresError = checkExpiry(params["X-Amz-Expires"], signedAt, now, options);
  if (expiresError) return expiresError;

  const headers = lowercaseHeaders(options.headers ?? {});
  if (!headers.has("host") && urlHost !== undefined) headers.set("host", urlHost);
  const signedNames = params["X-Amz-SignedHeaders"]!.split(";").filter((n) => n !== "");
  const headerError = checkSignedHeaderNames(signedNames, headers, options.requiredSignedHeaders ?? []);
  if (headerError) return headerError;

  const key = checkKey(options.secretForAccessKey, credential.accessKeyId, params["X-Amz-Security-Token"], now);
  if (isFail(key)) return key;

  const canonicalRequest = buildCanonicalRequest(
    options.method ?? "GET",
    path,
    query,
    headers,
    signedNames,
    options.payloadHash ?? EMPTY_PAYLOAD_HASH,
  );
  const scope = credentialScope(amzDate, credential.region, credential.service);
  const stringToSign = buildStringToSign(amzDate, scope, canonicalRequest);
  const signingKey = deriveSigningKey(key.secret, credential.date, credential.region, credential.service);
  const expected = createHmac("sha256", signingKey).update(stringToSign, "utf8").digest("hex");
  if (!signaturesEqual(expected, params["X-Amz-Signature"]!)) return mismatch(canonicalRequest, stringToSign);

  return success(credential, signedNames, amzDate, params["X-Amz-Security-Token"]);
}

function success(
  credential: ParsedCredential,
  signedNames: string[],
  amzDate: string,
  sessionToken: string | undefined,
): VerifyResult {
  return {
    ok: true,
    accessKeyId: credential.accessKeyId,
    region: credential.region,
    service: credential.service,
    signedHeaders: signedNames,
    amzDate,
    ...(sessionToken !== undefined ? { sessionToken } : {}),
  };
}

function checkExpiry(
  rawExpires: string | undefined,
  signedAt: number,
  now: number,
  options: Pick<VerifyPresignedOptions, "maxExpiresSeconds" | "validitySeconds">,
): Fail | undefined {
  const maxExpires = options.maxExpiresSeconds ?? 604800;
  if (rawExpires === undefined || !/^\d+$/.test(rawExpires)) {
    return fail("AuthorizationQueryParametersError", "X-Amz-Expires must be a non-negative integer.");
  }
  const expires = Number(rawExpires);
  if (expires > maxExpires) {
    return fail(
      "AuthorizationQueryParametersError",
      `X-Amz-Expires must be less than ${maxExpires + 1} seconds, got ${expires}.`,
    );
  }
  if (signedAt - now > SKEW_MS) {
    return fail(
      "SignatureDoesNotMatch",
      `Signature not yet current: ${toAmzDate(signedAt)} is still later than ${toAmzDate(now + SKEW_MS)}.`,
    );
  }
  const validFor = options.validitySeconds ?? expires;
  if (now > signedAt + validFor * 1000) {
    return fail(
      "ExpiredToken",
      `Request has expired: signed ${toAmzDate(signedAt)}, valid for ${validFor} s, now ${toAmzDate(now)}.`,
    );
  }
  return undefined;
}

function checkSignedHeaderNames(
  signedNames: string[],
  headers: Map<string, string>,
  required: readonly string[],
): Fail | undefined {
  const sorted = [...signedNames].sort();
  if (signedNames.some((n, i) => n !== n.toLowerCase() || n !== sorted[i])) {
    return fail("SignatureDoesNotMatch", "SignedHeaders must be lowercase and sorted.");
  }
  for (const name of ["host", ...required.map((n) => n.toLowerCase())]) {
    if (!signedNames.includes(name)) return fail("SignatureDoesNotMatch", `'${name}' must be a signed header.`);
  }
  const absent = signedNames.filter((n) => !headers.has(n));
  if (absent.length > 0)
    return fail("SignatureDoesNotMatch", `Signed headers missing from the request: ${absent.join(", ")}.`);
  return undefined;
}

export interface VerifyAuthorizationOptions {
  method: string;
  /** Full URL or path plus query, as the request arrived. */
  url: string;
  headers: HeaderMap;
  body?: string | Uint8Array;
  secretForAccessKey: SecretLookup;
  now?: number;
}

interface ParsedAuthorization {
  credential: string;
  signedHeaders: string;
  signature: string;
}

/** Parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...". */
export function parseAuthorizationHeader(value: string): ParsedAuthorization | Fail {
  const space = value.indexOf(" ");
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ALGORITHM) return fail("IncompleteSignature", `Unsupported AWS 'algorithm': '${algorithm}'`);
  const fields = new Map<string, string>();
  for (const part of value.slice(space + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ["Credential", "SignedHeaders", "Signature"].filter((n) => !fields.get(n));
  if (missing.length > 0) {
    return fail(
      "IncompleteSignature",
      `Authorization header requires ${missing.map((n) => `'${n}'`).join(", ")} parameter(s). Authorization=${value}`,
    );
  }
  return {
    credential: fields.get("Credential")!,
    signedHeaders: fields.get("SignedHeaders")!,
    signature: fields.get("Signature")!,
  };
}

/** Checks a request signed with an Authorization header and X-Amz-Date (or Date). */
export function verifyAuthorizationHeader(options: VerifyAuthorizationOptions): VerifyResult {
  const now = options.now ?? Date.now();
  const headers = lowercaseHeaders(options.headers);
  const { host: urlHost, path, rawQuery } = splitUrl(options.url);
  if (!headers.has("host") && urlHost !== undefined) headers.set("host", urlHost);
  const authorization = headers.get("authorization");
  if (authorization === undefined) return fail("MissingAuthenticationToken", "Request is missing Authentication Token");
  const auth = parseAuthorizationHeader(authorization);
  if (isFail(auth)) return auth;
  const credential = parseCredential(auth.credential);
  if (isFail(credential)) return credential;

  const dateError = checkHeaderDate(headers, credential, now);
  if (isFail(dateError)) return dateError;
  const amzDate = dateError;

  const signedNames = auth.signedHeaders.split(";").filter((n) => n !== "");
  const headerError = checkSignedHeaderNames(signedNames, headers, []);
  if (headerError) return headerError;

  const query = parseQuery(rawQuery);
  if (!query) return fail("IncompleteSignature", "The query string is not properly percent-encoded.");
  const key = checkKey(options.secretForAccessKey, credential.accessKeyId, headers.get("x-amz-security-token"), now);
  if (isFail(key)) return key;

  const payloadHash = headers.get("x-amz-content-sha256") ?? sha256Hex(options.body ?? "");
  const canonicalRequest = buildCanonicalRequest(options.method, path, query, headers, signedNames, payloadHash);
  const scope = credentialScope(amzDate, credential.region, credential.service);
  const stringToSign = buildStringToSign(amzDate, scope, canonicalRequest);
  const signingKey = deriveSigningKey(key.secret, credential.date, credential.region, credential.service);
  const expected = createHmac("sha256", signingKey).update(stringToSign, "utf8").digest("hex");
  if (!signaturesEqual(expected, auth.signature)) return mismatch(canonicalRequest, stringToSign);

  return success(credential, signedNames, amzDate, headers.get("x-amz-security-token"));
}

/** Returns the request's amz date after checking scope date and clock skew. */
function checkHeaderDate(headers: Map<string, string>, credential: ParsedCredential, now: number): string | Fail {
  const rawDate = headers.get("x-amz-date");
  let signedAt: number | undefined;
  let amzDate: string | undefined;
  if (rawDate !== undefined) {
    signedAt = parseAmzDate(rawDate);
    amzDate = rawDate;
  } else if (headers.has("date")) {
    // Fallback the spec allows: an RFC 7231 Date header.
    const parsed = Date.parse(headers.get("date")!);
    signedAt = Number.isNaN(parsed) ? undefined : parsed;
    amzDate = signedAt === undefined ? undefined : toAmzDate(signedAt);
  }
  if (signedAt === undefined || amzDate === undefined) {
    return fail(
      "IncompleteSignature",
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  if (credential.date !== amzDate.slice(0, 8)) {
    return fail(
      "SignatureDoesNotMatch",
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${credential.date}' != '${amzDate.slice(0, 8)}'`,
    );
  }
  if (now - signedAt > SKEW_MS) {
    return fail(
      "SignatureDoesNotMatch",
      `Signature expired: ${amzDate} is now earlier than ${toAmzDate(now - SKEW_MS)} (${toAmzDate(now)} - 15 min.)`,
    );
  }
  if (signedAt - now > SKEW_MS) {
    return fail(
      "SignatureDoesNotMatch",
      `Signature not yet current: ${amzDate} is still later than ${toAmzDate(now + SKEW_MS)} (${toAmzDate(now)} + 15 min.)`,
    );
  }
  return amzDate;
}
