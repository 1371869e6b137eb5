/**
 * The IAM Identity Center token cache file the AWS CLI and the SDKs share:
 * `~/.aws/sso/cache/<sha1 of the sso-session name, or of the start URL for legacy profiles>.json`.
 *
 * Read: without following a link, bounded, and classified (missing, unusable, unparseable, valid
 * until a time, inside the refresh window and refreshable, expired). Written: exactly the eight
 * fields the AWS CLI writes (docs/contract.md, "The SSO token file"), times as
 * `YYYY-MM-DDTHH:MM:SSZ`, mode 0600, through a new temporary file in the same folder and a rename,
 * so a reader never sees half a file and a link planted at either path is never followed. The
 * folder is made 0700 only when it is missing; an existing one is left as it is.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { isOverCap, readFdCapped } from "../byte-cap.js";
import { homeDir, type Env } from "../env.js";
import { EksTokenError } from "../errors.js";
import { describeFileKind } from "../file-kind.js";
import { uniqueSuffix } from "../hash.js";
// The AWS CLI writes its times so too: `2026-12-06T13:00:00Z` (whole seconds, UTC).
import { formatTimestamp } from "../token/expiration.js";

/** The SDK for JavaScript refreshes (or gives up) when less than this is left. */
export const SSO_REFRESH_WINDOW_MS = 5 * 60_000;
/** A token file is a few kilobytes; a bigger one is not one. */
export const MAX_SSO_TOKEN_FILE_BYTES = 64 * 1024;

/** The file's contents, as read or as to be written. */
export interface SsoTokenFile {
  readonly startUrl?: string;
  readonly region?: string;
  readonly accessToken: string;
  readonly expiresAt: Date;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly registrationExpiresAt?: Date;
  readonly refreshToken?: string;
}

export type SsoTokenStatus =
  /** No file. */
  | { readonly state: "missing"; readonly path: string }
  /** A path that is not a regular file we can read (a link, a FIFO, a folder, too big, unreadable). */
  | { readonly state: "unusable"; readonly path: string; readonly reason: string }
  /** A file that is not JSON, or has no accessToken or no valid expiresAt (perhaps half written). */
  | { readonly state: "unparseable"; readonly path: string; readonly reason: string }
  /** More than the refresh window left. */
  | {
      readonly state: "valid";
      readonly path: string;
      readonly token: SsoTokenFile;
      readonly expiresAt: Date;
      readonly refreshable: boolean;
    }
  /** Inside the refresh window (or past expiry) with what a refresh needs. */
  | { readonly state: "refreshable"; readonly path: string; readonly token: SsoTokenFile; readonly expiresAt: Date }
  /** Inside the refresh window (or past expiry) and nothing to refresh with: a sign-in is needed. */
  | { readonly state: "expired"; readonly path: string; readonly token: SsoTokenFile; readonly expiresAt: Date };

/** SHA-1 (hex) of the sso-session name, or of the start URL exactly as configured for legacy profiles. */
export function ssoCacheKey(sessionNameOrStartUrl: string): string {
  // node:crypto is fetched here, not imported: this module is on every miss's path, and loading
  // node:crypto costs a miss milliseconds that only an SSO profile's call needs.
  return process.getBuiltinModule("node:crypto").createHash("sha1").update(sessionNameOrStartUrl, "utf8").digest("hex");
}

/** The folder every AWS tool reads: `~/.aws/sso/cache` under the home the SDK uses (no variable moves it). */
export function ssoCacheDir(env: Env): string {
  return join(homeDir(env), ".aws", "sso", "cache");
}

export function ssoTokenFilePath(env: Env, sessionNameOrStartUrl: string): string {
  return join(ssoCacheDir(env), `${ssoCacheKey(sessionNameOrStartUrl)}.json`);
}

// RFC 3339 as the readers accept it: the CLI's form, the SDK's milliseconds form, an offset.
const TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:?\d{2})$/;

function parseTime(value: unknown): Date | undefined {
  if (typeof value !== "string" || !TIME.test(value)) return undefined;
  const ms = Date.parse(value.replace(" ", "T"));
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The token in a parsed file, or why there is none. */
export function parseSsoTokenJson(json: string): SsoTokenFile | { readonly error: string } {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return { error: json.trim() === "" ? "it is empty" : "it is not JSON" };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) return { error: "it is not a JSON object" };
  const o = data as Record<string, unknown>;
  const accessToken = text(o["accessToken"]);
  if (!accessToken) return { error: "it has no accessToken" };
  const expiresAt = parseTime(o["expiresAt"]);
  if (!expiresAt) return { error: "its expiresAt is missing or not a time" };
  const registrationExpiresAt = parseTime(o["registrationExpiresAt"]);
  return {
    accessToken,
    expiresAt,
    ...optional("startUrl", text(o["startUrl"])),
    ...optional("region", text(o["region"])),
    ...optional("clientId", text(o["clientId"])),
    ...optional("clientSecret", text(o["clientSecret"])),
    ...optional("registrationExpiresAt", registrationExpiresAt),
    ...optional("refreshToken", text(o["refreshToken"])),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * Whether a refresh can be tried: a refresh token and the client it was issued to, and that
 * client's registration not past (when the file says when it ends; botocore requires it, the SDK
 * for JavaScript does not look).
 */
export function isRefreshable(token: SsoTokenFile, now: number): boolean {
  if (!token.refreshToken || !token.clientId || !token.clientSecret) return false;
  return token.registrationExpiresAt === undefined || token.registrationExpiresAt.getTime() > now;
}

export function classifySsoToken(
  path: string,
  token: SsoTokenFile,
  now: number,
  windowMs = SSO_REFRESH_WINDOW_MS,
): SsoTokenStatus {
  const expiresAt = token.expiresAt;
  const refreshable = isRefreshable(token, now);
  if (expiresAt.getTime() - now > windowMs) return { state: "valid", path, token, expiresAt, refreshable };
  return refreshable ? { state: "refreshable", path, token, expiresAt } : { state: "expired", path, token, expiresAt };
}

/** Reads and classifies the file at `path`; never throws, never follows a link, never blocks on a FIFO. */
export function readSsoTokenFile(path: string, now: number, windowMs = SSO_REFRESH_WINDOW_MS): SsoTokenStatus {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { state: "missing", path };
    if (code === "ELOOP" || code === "EMLINK") return { state: "unusable", path, reason: "it is a symlink" };
    return { state: "unusable", path, reason: `it cannot be read (${code ?? "error"})` };
  }
  let json: string;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { state: "unusable", path, reason: `it is ${describeFileKind(stat)}` };
    if (stat.size > MAX_SSO_TOKEN_FILE_BYTES)
      return { state: "unusable", path, reason: `it is larger than ${MAX_SSO_TOKEN_FILE_BYTES / 1024} KiB` };
    // Read to its end whatever its size said: a file may grow while it is read.
    json = readFdCapped(fd, MAX_SSO_TOKEN_FILE_BYTES).toString("utf8");
  } catch (e) {
    if (isOverCap(e))
      return { state: "unusable", path, reason: `it is larger than ${MAX_SSO_TOKEN_FILE_BYTES / 1024} KiB` };
    return { state: "unusable", path, reason: `it cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})` };
  } finally {
    closeSync(fd);
  }
  const parsed = parseSsoTokenJson(json);
  if ("error" in parsed) return { state: "unparseable", path, reason: parsed.error };
  return classifySsoToken(path, parsed, now, windowMs);
}

/** The file's JSON: the eight fields in the AWS CLI's order, times in its format, absent ones left out. */
export function serializeSsoToken(token: SsoTokenFile): string {
  const out: Record<string, string> = {};
  if (token.startUrl !== undefined) out["startUrl"] = token.startUrl;
  if (token.region !== undefined) out["region"] = token.region;
  out["accessToken"] = token.accessToken;
  out["expiresAt"] = formatTimestamp(token.expiresAt);
  if (token.clientId !== undefined) out["clientId"] = token.clientId;
  if (token.clientSecret !== undefined) out["clientSecret"] = token.clientSecret;
  if (token.registrationExpiresAt !== undefined)
    out["registrationExpiresAt"] = formatTimestamp(token.registrationExpiresAt);
  if (token.refreshToken !== undefined) out["refreshToken"] = token.refreshToken;
  return JSON.stringify(out);
}

/**
 * Writes the token file at `path` (normally ssoTokenFilePath's): refuses a path that exists and is
 * not a regular file (a planted link is not followed, not replaced); creates the missing folders
 * 0700; writes a new 0600 temporary file beside it (O_EXCL|O_NOFOLLOW) and renames it over.
 */
export function writeSsoTokenFile(path: string, token: SsoTokenFile): void {
  const dir = dirname(path);
  makeMissingDirs(dir);
  let existing: ReturnType<typeof lstatSync> | undefined;
  try {
    existing = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw writeError(path, e);
  }
  if (existing && !existing.isFile())
    throw new EksTokenError(
      "config",
      `the SSO token file ${path} is ${describeFileKind(existing)}, not a regular file`,
      "remove it and sign in again",
    );
  const temp = join(dir, `.${uniqueSuffix()}.eks-token.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  } catch (e) {
    throw writeError(path, e);
  }
  try {
    fchmodSync(fd, 0o600); // the umask may have taken bits away, never added: make it exact
    writeFileSync(fd, serializeSsoToken(token));
  } catch (e) {
    closeSync(fd);
    removeQuietly(temp);
    throw writeError(path, e);
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (e) {
    removeQuietly(temp);
    throw writeError(path, e);
  }
}

function writeError(path: string, e: unknown): EksTokenError {
  const code = (e as NodeJS.ErrnoException).code ?? "error";
  return new EksTokenError(
    "config",
    `cannot write the SSO token file ${path} (${code})`,
    "check that ~/.aws/sso/cache is a folder you can write to",
    { cause: e },
  );
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** mkdir -p where every folder made is 0700 exactly; folders that exist are not touched. */
function makeMissingDirs(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
    exactMode(dir);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    const parent = dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw writeError(join(dir, "x"), e);
  }
  makeMissingDirs(dirname(dir));
  try {
    mkdirSync(dir, { mode: 0o700 });
    exactMode(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw writeError(join(dir, "x"), e);
  }
}

function exactMode(dir: string): void {
  // chmod on a folder made a moment ago by us; open + fchmod would need O_DIRECTORY.
  const fd = openSync(dir, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_DIRECTORY ?? 0));
  try {
    fchmodSync(fd, 0o700);
  } finally {
    closeSync(fd);
  }
}
