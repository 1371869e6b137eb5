// A local AWS STS for tests: verifies SigV4 with the independent test signer, keeps a tiny IAM,
// issues working session credentials and injects faults. Listens on 127.0.0.1 only.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { sendEndlessBody } from "./endless-body.js";
import { listenOnLoopback } from "./loopback-server.js";
import {
  parseQuery,
  sha256Hex,
  verifyAuthorizationHeader,
  verifyPresignedUrl,
  type KeyRecord,
  type VerifyResult,
} from "./sigv4.js";

export const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";
export const STS_VERSION = "2011-06-15";

/** Validity of a presigned GetCallerIdentity after X-Amz-Date, as the EKS server side treats it. */
const PRESIGN_VALIDITY_SECONDS = 900;
const MAX_PRESIGN_EXPIRES_SECONDS = 900;
const DEFAULT_SESSION_SECONDS = 3600;
const CHAINED_SESSION_LIMIT_SECONDS = 3600;

// ---------------------------------------------------------------------------------------------
// Public types

export interface StsEmulatorOptions {
  /** Clock in epoch ms for date checks, expirations and the Date response header. */
  now?: () => number;
  /** Header names that presigned requests must sign besides host (e.g. ["x-k8s-aws-id"]). */
  requirePresignedHeaders?: string[];
  /** Every issued session lasts this many seconds (0 or less: already expired), whatever was asked. */
  sessionSeconds?: number;
}

export interface MfaDevice {
  serial: string;
  /** The one code this device accepts. */
  code: string;
}

export interface UserInput {
  name: string;
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  mfaDevices?: MfaDevice[];
}

export interface UserInfo {
  arn: string;
  userId: string;
  accountId: string;
}

export interface RoleInput {
  /** arn:aws:iam::ACCOUNT:role[/path]/NAME */
  arn: string;
  /** Principal ARNs allowed to assume it: user, role, assumed-role session, account root, or "*". */
  trust: string[];
  externalId?: string;
  requireMfa?: boolean;
  maxSessionSeconds?: number;
}

export interface WebIdentityRoleInput {
  arn: string;
  /** Accepted `aud` values; any when omitted. */
  audiences?: string[];
  /** Accepted `sub` values ("*" at the end matches a prefix); any when omitted. */
  subjects?: string[];
  /** Accepted `iss` values; any when omitted. */
  issuers?: string[];
  maxSessionSeconds?: number;
}

export interface RoleInfo {
  arn: string;
  roleId: string;
}

export type StsFault =
  | { action?: string; kind: "latency"; ms: number }
  | { action?: string; kind: "status"; status: 500 | 503 }
  | { action?: string; kind: "throttle" }
  | { action?: string; kind: "reset" }
  | { action?: string; kind: "hang" }
  /** A 200 whose body never ends. */
  | { action?: string; kind: "endless" };

export interface StsRequestRecord {
  time: number;
  method: string;
  path: string;
  host: string;
  action: string | undefined;
  params: Record<string, string>;
  headers: IncomingMessage["headers"];
  body: string;
  auth: "presigned" | "header" | "none";
  fault?: StsFault["kind"];
  accessKeyId?: string;
  status?: number;
  errorCode?: string;
}

export interface IssuedSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
  accountId: string;
  roleArn: string;
  /** arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION */
  arn: string;
  /** AROA...:SESSION */
  assumedRoleId: string;
  /** ARN of whoever assumed it (user, session, or the web identity subject). */
  sourceArn: string;
}

/** An access key the emulator issued or was given, and the identity GetCallerIdentity reports for it. */
export interface KnownAccessKey {
  key: KeyRecord;
  arn: string;
  userId: string;
  accountId: string;
}

export interface StsEmulator {
  url: string;
  port: number;
  close(): Promise<void>;
  addUser(user: UserInput): UserInfo;
  addRole(role: RoleInput): RoleInfo;
  addWebIdentityRole(role: WebIdentityRoleInput): RoleInfo;
  /** Requests seen per Action, counted on arrival (faulted ones too). */
  readonly calls: Record<string, number>;
  /** Zeroes the counters and empties the request log. */
  resetCalls(): void;
  readonly requests: StsRequestRecord[];
  readonly sessions: IssuedSession[];
  /** Applies to matching requests until used `times` times (default: until cleared). */
  setFault(fault: StsFault, times?: number): void;
  clearFaults(): void;
  now(): number;
  /** For other emulated AWS services: verify requests signed with this emulator's keys. */
  lookupAccessKey(accessKeyId: string): KnownAccessKey | undefined;
}

// ---------------------------------------------------------------------------------------------
// State

interface User extends UserInput, UserInfo {}

interface Role {
  arn: string;
  roleId: string;
  name: string;
  accountId: string;
  partition: string;
  trust?: RoleInput;
  webIdentity?: WebIdentityRoleInput;
}

type Principal = { kind: "user"; user: User } | { kind: "session"; session: IssuedSession };

interface State {
  now: () => number;
  options: StsEmulatorOptions;
  users: Map<string, User>;
  roles: Map<string, Role>;
  sessions: Map<string, IssuedSession>;
  sessionList: IssuedSession[];
  calls: Record<string, number>;
  requests: StsRequestRecord[];
  faults: Array<{ fault: StsFault; remaining: number }>;
  timers: Set<NodeJS.Timeout>;
  closed: boolean;
}

/** Errors an action raises; rendered as STS ErrorResponse documents. */
class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: "Sender" | "Receiver" = "Sender",
  ) {
    super(message);
  }
}

interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  body: string;
  params: Record<string, string>;
  record: StsRequestRecord;
  requestId: string;
}

// ---------------------------------------------------------------------------------------------
// Identifiers

const ARN_ROLE = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Deterministic IAM-style unique id (prefix + 17 chars) derived from a seed. */
function uniqueId(prefix: string, seed: string): string {
  const digest = createHash("sha256").update(seed).digest();
  let out = "";
  for (let i = 0; i < 17; i++) out += BASE32[digest[i]! % 32];
  return prefix + out;
}

function randomId(prefix: string, length: number): string {
  let out = "";
  for (const byte of randomBytes(length)) out += BASE32[byte % 32];
  return prefix + out;
}

/** Session tokens always carry '+', '/' and '=' so clients' URI encoding gets exercised. */
function newSessionToken(): string {
  return `IQoJb3JpZ2luX2Vj${randomBytes(150).toString("base64")}+/${randomBytes(4).toString("hex")}==`;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Region a host's credential scope must name; undefined when the host imposes none. */
export function regionForStsHost(hostHeader: string): string | undefined {
  const host = hostHeader
    .toLowerCase()
    .replace(/:\d+$/, "")
    .replace(/^\[(.*)\]$/, "$1");
  if (host === "127.0.0.1" || host === "localhost" || host === "::1") return undefined;
  if (host === "sts.amazonaws.com") return "us-east-1";
  const regional = /^sts(?:-fips)?\.([a-z0-9]([a-z0-9-]*[a-z0-9])?)\.[a-z0-9.-]+$/.exec(host);
  return regional?.[1];
}

/** Builds an unsigned test JWT (header.payload.signature, base64url) from claims. */
export function makeTestJwt(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: "RS256", typ: "JWT" },
): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${part(header)}.${part(claims)}.${Buffer.from("test-signature").toString("base64url")}`;
}

function decodeJwt(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return undefined;
  try {
    JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8"));
    const payload: unknown = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    return typeof payload === "object" && payload !== null && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// IAM

function addUser(state: State, input: UserInput): UserInfo {
  const arn = `arn:aws:iam::${input.accountId}:user/${input.name}`;
  const user: User = { ...input, arn, userId: uniqueId("AIDA", arn) };
  state.users.set(input.accessKeyId, user);
  return { arn, userId: user.userId, accountId: input.accountId };
}

function upsertRole(state: State, arn: string): Role {
  const existing = state.roles.get(arn);
  if (existing) return existing;
  const m = ARN_ROLE.exec(arn);
  if (!m) throw new Error(`not a role ARN: ${arn}`);
  const role: Role = { arn, roleId: uniqueId("AROA", arn), partition: m[1]!, accountId: m[2]!, name: m[3]! };
  state.roles.set(arn, role);
  return role;
}

function addRole(state: State, input: RoleInput): RoleInfo {
  const role = upsertRole(state, input.arn);
  role.trust = { ...input };
  return { arn: role.arn, roleId: role.roleId };
}

function addWebIdentityRole(state: State, input: WebIdentityRoleInput): RoleInfo {
  const role = upsertRole(state, input.arn);
  role.webIdentity = { ...input };
  return { arn: role.arn, roleId: role.roleId };
}

function principalArn(p: Principal): string {
  return p.kind === "user" ? p.user.arn : p.session.arn;
}

function principalAccount(p: Principal): string {
  return p.kind === "user" ? p.user.accountId : p.session.accountId;
}

/** ARNs a trust policy may name to admit this principal. */
function trustNames(p: Principal): string[] {
  const account = principalAccount(p);
  const own = p.kind === "user" ? [p.user.arn] : [p.session.arn, p.session.roleArn];
  return [...own, `arn:aws:iam::${account}:root`, account, "*"];
}

function issueSession(
  state: State,
  role: Role,
  sessionName: string,
  seconds: number,
  sourceArn: string,
): IssuedSession {
  const session: IssuedSession = {
    accessKeyId: randomId("ASIA", 16),
    secretAccessKey: randomBytes(30).toString("base64"),
    sessionToken: newSessionToken(),
    // Whole seconds, as the wire format carries no fraction.
    expiresAt: Math.floor(state.now() / 1000) * 1000 + (state.options.sessionSeconds ?? seconds) * 1000,
    accountId: role.accountId,
    roleArn: role.arn,
    arn: `arn:${role.partition}:sts::${role.accountId}:assumed-role/${role.name}/${sessionName}`,
    assumedRoleId: `${role.roleId}:${sessionName}`,
    sourceArn,
  };
  state.sessions.set(session.accessKeyId, session);
  state.sessionList.push(session);
  return session;
}

function keyRecord(state: State, accessKeyId: string): KeyRecord | undefined {
  const user = state.users.get(accessKeyId);
  if (user) return user.secretAccessKey;
  const session = state.sessions.get(accessKeyId);
  if (session)
    return {
      secretAccessKey: session.secretAccessKey,
      sessionToken: session.sessionToken,
      expiresAt: session.expiresAt,
    };
  return undefined;
}

function principalFor(state: State, accessKeyId: string): Principal {
  const user = state.users.get(accessKeyId);
  if (user) return { kind: "user", user };
  const session = state.sessions.get(accessKeyId);
  if (session) return { kind: "session", session };
  throw new StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
}

// ---------------------------------------------------------------------------------------------
// Rendering

function xmlEscape(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

type XmlValue = string | number | { [key: string]: XmlValue | undefined };

function toXml(obj: { [key: string]: XmlValue | undefined }, indent: string): string {
  return Object.entries(obj)
    .filter((e): e is [string, XmlValue] => e[1] !== undefined)
    .map(([k, v]) =>
      typeof v === "object"
        ? `${indent}<${k}>\n${toXml(v, `${indent}  `)}${indent}</${k}>\n`
        : `${indent}<${k}>${xmlEscape(String(v))}</${k}>\n`,
    )
    .join("");
}

function wantsJson(req: IncomingMessage): boolean {
  return (req.headers.accept ?? "").toLowerCase().includes("application/json");
}

function send(ctx: RequestContext, status: number, contentType: string, body: string): void {
  ctx.record.status = status;
  ctx.res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": ctx.requestId,
    date: new Date(ctx.record.time).toUTCString(),
  });
  ctx.res.end(body);
}

function sendResult(ctx: RequestContext, action: string, result: { [key: string]: XmlValue | undefined }): void {
  if (wantsJson(ctx.req)) {
    const doc = {
      [`${action}Response`]: { [`${action}Result`]: result, ResponseMetadata: { RequestId: ctx.requestId } },
    };
    send(ctx, 200, "application/json", JSON.stringify(doc));
    return;
  }
  const inner = toXml({ [`${action}Result`]: result, ResponseMetadata: { RequestId: ctx.requestId } }, "  ");
  send(ctx, 200, "text/xml", `<${action}Response xmlns="${STS_NAMESPACE}">\n${inner}</${action}Response>\n`);
}

function sendError(ctx: RequestContext, error: StsError): void {
  ctx.record.errorCode = error.code;
  if (wantsJson(ctx.req)) {
    const doc = { Error: { Code: error.code, Message: error.message, Type: error.type }, RequestId: ctx.requestId };
    send(ctx, error.status, "application/json", JSON.stringify(doc));
    return;
  }
  const inner = toXml(
    { Error: { Type: error.type, Code: error.code, Message: error.message }, RequestId: ctx.requestId },
    "  ",
  );
  send(ctx, error.status, "text/xml", `<ErrorResponse xmlns="${STS_NAMESPACE}">\n${inner}</ErrorResponse>\n`);
}

function credentialsXml(s: IssuedSession): { [key: string]: XmlValue } {
  return {
    AccessKeyId: s.accessKeyId,
    SecretAccessKey: s.secretAccessKey,
    SessionToken: s.sessionToken,
    Expiration: isoSeconds(s.expiresAt),
  };
}

// ---------------------------------------------------------------------------------------------
// Authentication

const AUTH_STATUS: Record<string, number> = {
  SignatureDoesNotMatch: 403,
  InvalidClientTokenId: 403,
  ExpiredToken: 403,
  AccessDenied: 403,
  MissingAuthenticationToken: 403,
  IncompleteSignature: 400,
  AuthorizationQueryParametersError: 400,
};

function hasQueryAuth(ctx: RequestContext): boolean {
  const q = (ctx.req.url ?? "").split("?")[1] ?? "";
  return /(^|&)X-Amz-(Algorithm|Credential|Signature)=/i.test(q);
}

function verifySignature(state: State, ctx: RequestContext): VerifyResult {
  const common = {
    url: ctx.req.url ?? "/",
    method: ctx.req.method ?? "GET",
    headers: ctx.req.headers,
    secretForAccessKey: (id: string) => keyRecord(state, id),
    now: state.now(),
  };
  if (ctx.req.headers.authorization !== undefined) {
    ctx.record.auth = "header";
    return verifyAuthorizationHeader({ ...common, body: ctx.body });
  }
  if (hasQueryAuth(ctx)) {
    ctx.record.auth = "presigned";
    return verifyPresignedUrl({
      ...common,
      payloadHash: sha256Hex(ctx.body),
      maxExpiresSeconds: MAX_PRESIGN_EXPIRES_SECONDS,
      validitySeconds: PRESIGN_VALIDITY_SECONDS,
      requiredSignedHeaders: state.options.requirePresignedHeaders ?? [],
    });
  }
  return { ok: false, code: "MissingAuthenticationToken", message: "Request is missing Authentication Token" };
}

/** Verifies the request's signature and scope, returning who signed it. */
function authenticate(state: State, ctx: RequestContext): Principal {
  const result = verifySignature(state, ctx);
  if (!result.ok) throw new StsError(AUTH_STATUS[result.code] ?? 403, result.code, result.message);
  ctx.record.accessKeyId = result.accessKeyId;
  if (result.service !== "sts") {
    throw new StsError(403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'. ");
  }
  const hostRegion = regionForStsHost(ctx.req.headers.host ?? "");
  if (hostRegion !== undefined && hostRegion !== result.region) {
    throw new StsError(
      403,
      "SignatureDoesNotMatch",
      `Credential should be scoped to a valid region, not '${result.region}'. `,
    );
  }
  return principalFor(state, result.accessKeyId);
}

// ---------------------------------------------------------------------------------------------
// Parameter validation

function validation(message: string): StsError {
  return new StsError(400, "ValidationError", message);
}

function required(params: Record<string, string>, name: string, member: string): string {
  const value = params[name];
  if (value === undefined || value === "") {
    throw validation(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function roleArnParam(params: Record<string, string>): string {
  const arn = required(params, "RoleArn", "roleArn");
  if (arn.length < 20 || arn.length > 2048) {
    throw validation(
      `1 validation error detected: Value '${arn}' at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048`,
    );
  }
  return arn;
}

function sessionNameParam(params: Record<string, string>): string {
  const name = required(params, "RoleSessionName", "roleSessionName");
  if (!SESSION_NAME.test(name)) {
    throw validation(
      `1 validation error detected: Value '${name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64`,
    );
  }
  return name;
}

function durationParam(params: Record<string, string>, role: Role, max: number | undefined, chained: boolean): number {
  const raw = params.DurationSeconds;
  const seconds = raw === undefined ? DEFAULT_SESSION_SECONDS : Number(raw);
  if (!Number.isInteger(seconds)) throw validation(`Value '${raw}' at 'durationSeconds' must be an integer`);
  if (seconds < 900) {
    throw validation(
      `1 validation error detected: Value '${seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
    );
  }
  if (seconds > 43200) {
    throw validation(
      `1 validation error detected: Value '${seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200`,
    );
  }
  if (chained && seconds > CHAINED_SESSION_LIMIT_SECONDS) {
    throw validation(
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    );
  }
  if (seconds > (max ?? DEFAULT_SESSION_SECONDS)) {
    throw validation(`The requested DurationSeconds exceeds the MaxSessionDuration set for this role (${role.arn}).`);
  }
  return seconds;
}

function checkMfaFormat(params: Record<string, string>): void {
  const { SerialNumber: serial, TokenCode: code, ExternalId: externalId } = params;
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
    throw validation(
      `1 validation error detected: Value '${externalId}' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*`,
    );
  }
  if (serial !== undefined && (serial.length < 9 || serial.length > 256)) {
    throw validation(
      `1 validation error detected: Value '${serial}' at 'serialNumber' failed to satisfy constraint: Member must have length between 9 and 256`,
    );
  }
  if (code !== undefined && !/^\d{6}$/.test(code)) {
    throw validation(
      `1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Actions

function getCallerIdentity(state: State, ctx: RequestContext): void {
  const p = authenticate(state, ctx);
  const result =
    p.kind === "user"
      ? { Arn: p.user.arn, UserId: p.user.userId, Account: p.user.accountId }
      : { Arn: p.session.arn, UserId: p.session.assumedRoleId, Account: p.session.accountId };
  sendResult(ctx, "GetCallerIdentity", result);
}

function denyAssume(p: Principal, roleArn: string): StsError {
  return new StsError(
    403,
    "AccessDenied",
    `User: ${principalArn(p)} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
  );
}

/** MFA passes when the signer is a user owning the serial and the code matches it. */
function checkMfa(p: Principal, params: Record<string, string>, roleArn: string, required: boolean): void {
  const { SerialNumber: serial, TokenCode: code } = params;
  if (serial === undefined && code === undefined) {
    if (required) throw denyAssume(p, roleArn);
    return;
  }
  const device = p.kind === "user" ? p.user.mfaDevices?.find((d) => d.serial === serial) : undefined;
  if (serial === undefined || code === undefined || !device) throw denyAssume(p, roleArn);
  if (device.code !== code) {
    throw new StsError(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code. ");
  }
}

function assumeRole(state: State, ctx: RequestContext): void {
  const p = authenticate(state, ctx);
  const { params } = ctx;
  const roleArn = roleArnParam(params);
  const sessionName = sessionNameParam(params);
  checkMfaFormat(params);

  const role = state.roles.get(roleArn);
  const trust = role?.trust;
  if (!role || !trust?.trust.some((t) => trustNames(p).includes(t))) throw denyAssume(p, roleArn);
  if (trust.externalId !== undefined && params.ExternalId !== trust.externalId) throw denyAssume(p, roleArn);
  checkMfa(p, params, roleArn, trust.requireMfa === true);
  const seconds = durationParam(params, role, trust.maxSessionSeconds, p.kind === "session");

  const session = issueSession(state, role, sessionName, seconds, principalArn(p));
  sendResult(ctx, "AssumeRole", {
    Credentials: credentialsXml(session),
    AssumedRoleUser: { AssumedRoleId: session.assumedRoleId, Arn: session.arn },
    PackedPolicySize: params.Policy !== undefined ? 6 : undefined,
  });
}

function audiences(claims: Record<string, unknown>): string[] {
  const aud = claims.aud;
  if (typeof aud === "string") return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === "string") : [];
}

function subjectMatches(patterns: string[] | undefined, sub: string): boolean {
  if (!patterns) return true;
  return patterns.some((p) => (p.endsWith("*") ? sub.startsWith(p.slice(0, -1)) : p === sub));
}

interface WebClaims {
  sub: string;
  aud: string[];
  iss: string;
}

/** Decodes the token (signature unchecked) and checks its shape and expiry. */
function decodeWebIdentityToken(state: State, token: string): WebClaims {
  const claims = decodeJwt(token);
  if (!claims)
    throw new StsError(
      400,
      "InvalidIdentityToken",
      "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
    );
  const sub = typeof claims.sub === "string" ? claims.sub : undefined;
  const aud = audiences(claims);
  if (!sub || aud.length === 0)
    throw new StsError(400, "InvalidIdentityToken", "Incorrect token audience or missing subject");
  const now = state.now();
  if (typeof claims.exp === "number" && claims.exp * 1000 <= now) {
    throw new StsError(
      400,
      "ExpiredTokenException",
      `Token expired: current date/time ${Math.floor(now / 1000)} must be before the expiration date/time ${claims.exp}`,
    );
  }
  return { sub, aud, iss: typeof claims.iss === "string" ? claims.iss : "" };
}

/** Loose stand-in for the role's trust conditions; returns the audience that matched. */
function checkWebIdentityTrust(web: WebIdentityRoleInput, claims: WebClaims): string {
  if (web.issuers && !web.issuers.includes(claims.iss)) {
    throw new StsError(
      400,
      "InvalidIdentityToken",
      `No OpenIDConnect provider found in your account for ${claims.iss}`,
    );
  }
  const audience = web.audiences ? claims.aud.find((a) => web.audiences!.includes(a)) : claims.aud[0];
  if (audience === undefined || !subjectMatches(web.subjects, claims.sub)) {
    throw new StsError(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
  }
  return audience;
}

function assumeRoleWithWebIdentity(state: State, ctx: RequestContext): void {
  const { params } = ctx;
  const roleArn = roleArnParam(params);
  const sessionName = sessionNameParam(params);
  const token = required(params, "WebIdentityToken", "webIdentityToken");
  if (token.length < 4 || token.length > 20000) {
    throw validation(
      "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length between 4 and 20000",
    );
  }
  const claims = decodeWebIdentityToken(state, token);
  const role = state.roles.get(roleArn);
  const web = role?.webIdentity;
  if (!role || !web) throw new StsError(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
  const audience = checkWebIdentityTrust(web, claims);
  const seconds = durationParam(params, role, web.maxSessionSeconds, false);

  const session = issueSession(state, role, sessionName, seconds, claims.sub);
  sendResult(ctx, "AssumeRoleWithWebIdentity", {
    Credentials: credentialsXml(session),
    SubjectFromWebIdentityToken: claims.sub,
    AssumedRoleUser: { AssumedRoleId: session.assumedRoleId, Arn: session.arn },
    Provider: claims.iss.replace(/^https?:\/\//, "") || undefined,
    Audience: audience,
  });
}

const ACTIONS: Record<string, (state: State, ctx: RequestContext) => void> = {
  GetCallerIdentity: getCallerIdentity,
  AssumeRole: assumeRole,
  AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity,
};

// ---------------------------------------------------------------------------------------------
// Faults

function takeFault(state: State, action: string | undefined): StsFault | undefined {
  const index = state.faults.findIndex(
    (f) => f.remaining > 0 && (f.fault.action === undefined || f.fault.action === action),
  );
  if (index < 0) return undefined;
  const entry = state.faults[index]!;
  entry.remaining -= 1;
  if (entry.remaining <= 0) state.faults.splice(index, 1);
  return entry.fault;
}

function sleep(state: State, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      state.timers.delete(timer);
      resolve();
    }, ms);
    state.timers.add(timer);
  });
}

/** Applies a fault; returns true when the request has been dealt with. */
async function applyFault(state: State, ctx: RequestContext, fault: StsFault): Promise<boolean> {
  ctx.record.fault = fault.kind;
  switch (fault.kind) {
    case "latency":
      await sleep(state, fault.ms);
      return state.closed;
    case "status": {
      const [code, message] =
        fault.status === 503
          ? ["ServiceUnavailable", "Service is unavailable"]
          : ["InternalFailure", "An internal error occurred"];
      sendError(ctx, new StsError(fault.status, code, message, "Receiver"));
      return true;
    }
    case "throttle":
      sendError(ctx, new StsError(400, "Throttling", "Rate exceeded"));
      return true;
    case "reset":
      ctx.req.socket.resetAndDestroy();
      return true;
    case "hang":
      // Never answered; close() destroys the connection.
      return true;
    case "endless":
      sendEndlessBody(ctx.res, { contentType: "text/xml" });
      return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Server

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Query parameters, then form-encoded body parameters; the first occurrence of a name wins. */
function requestParams(req: IncomingMessage, body: string): Record<string, string> {
  const query = parseQuery((req.url ?? "").split("?")[1] ?? "") ?? [];
  const isForm = (req.headers["content-type"] ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");
  const form = isForm ? (parseQuery(body) ?? []) : [];
  const params: Record<string, string> = {};
  for (const [k, v] of [...query, ...form]) if (!(k in params)) params[k] = v;
  return params;
}

function newRecord(state: State, req: IncomingMessage, body: string, params: Record<string, string>): StsRequestRecord {
  return {
    time: state.now(),
    method: req.method ?? "GET",
    path: (req.url ?? "/").split("?")[0] ?? "/",
    host: req.headers.host ?? "",
    action: params.Action,
    params,
    headers: req.headers,
    body,
    auth: "none",
  };
}

function dispatch(state: State, ctx: RequestContext): void {
  const { Action: action, Version: version } = ctx.params;
  if (action === undefined) throw new StsError(400, "MissingAction", "Missing Action");
  const handler = ACTIONS[action];
  if (!handler || (version !== undefined && version !== STS_VERSION)) {
    throw new StsError(
      400,
      "InvalidAction",
      `Could not find operation ${action} for version ${version ?? "NO_VERSION_SPECIFIED"}`,
    );
  }
  handler(state, ctx);
}

async function handle(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const params = requestParams(req, body);
  const record = newRecord(state, req, body, params);
  state.requests.push(record);
  const counter = params.Action ?? "(none)";
  state.calls[counter] = (state.calls[counter] ?? 0) + 1;
  const ctx: RequestContext = { req, res, body, params, record, requestId: randomUUID() };

  const fault = takeFault(state, params.Action);
  if (fault && (await applyFault(state, ctx, fault))) return;
  try {
    dispatch(state, ctx);
  } catch (error) {
    if (error instanceof StsError) sendError(ctx, error);
    else sendError(ctx, new StsError(500, "InternalFailure", String(error), "Receiver"));
  }
}

function closeServer(state: State, closeListener: () => Promise<void>): Promise<void> {
  if (state.closed) return Promise.resolve();
  state.closed = true;
  for (const timer of state.timers) clearTimeout(timer);
  state.timers.clear();
  // Destroys hung and keep-alive connections too.
  return closeListener();
}

const KNOWN_ACTIONS = ["GetCallerIdentity", "AssumeRole", "AssumeRoleWithWebIdentity"];

export async function startStsEmulator(options: StsEmulatorOptions = {}): Promise<StsEmulator> {
  const state: State = {
    now: options.now ?? Date.now,
    options,
    users: new Map(),
    roles: new Map(),
    sessions: new Map(),
    sessionList: [],
    calls: Object.fromEntries(KNOWN_ACTIONS.map((a) => [a, 0])),
    requests: [],
    faults: [],
    timers: new Set(),
    closed: false,
  };
  const server = createServer((req, res) => {
    handle(state, req, res).catch(() => req.socket.destroy());
  });
  const { port, close } = await listenOnLoopback(server);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => closeServer(state, close),
    addUser: (user) => addUser(state, user),
    addRole: (role) => addRole(state, role),
    addWebIdentityRole: (role) => addWebIdentityRole(state, role),
    calls: state.calls,
    resetCalls: () => {
      for (const key of Object.keys(state.calls)) state.calls[key] = 0;
      state.requests.length = 0;
    },
    requests: state.requests,
    sessions: state.sessionList,
    setFault: (fault, times = Number.POSITIVE_INFINITY) => {
      state.faults.push({ fault: { ...fault }, remaining: times });
    },
    clearFaults: () => {
      state.faults.length = 0;
    },
    now: () => state.now(),
    lookupAccessKey: (accessKeyId) => {
      const key = keyRecord(state, accessKeyId);
      if (key === undefined) return undefined;
      const p = principalFor(state, accessKeyId);
      return p.kind === "user"
        ? { key, arn: p.user.arn, userId: p.user.userId, accountId: p.user.accountId }
        : { key, arn: p.session.arn, userId: p.session.assumedRoleId, accountId: p.session.accountId };
    },
  };
}
