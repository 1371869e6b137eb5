/**
 * One cache entry on disk: read without following links, written atomically (a private
 * temporary file in the same directory, then rename), so a reader never sees half an entry.
 */
import { uniqueSuffix } from "../hash.js";
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  lstatSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

const MAX_ENTRY_BYTES = 64 * 1024;
/** A temporary file this old belongs to a writer that died before its rename. */
const ORPHAN_TEMP_AGE_MS = 60_000;

/**
 * The only names eks-token writes in its cache directory; nothing else there is touched. A key
 * is a SHA-256 in hex, a unique part is uniqueSuffix()'s `pid-time-counter-random`.
 */
const UNIQUE = String.raw`\d+-[0-9a-z]+-\d+-[0-9a-z]*`;
export const OWN_NAMES = {
  entry: /^[0-9a-f]{64}\.json$/,
  /** A pointer from one call's inputs to the entry that answers them (./token-entry.ts). */
  hit: /^[0-9a-f]{64}\.hit$/,
  lock: /^[0-9a-f]{64}\.lock$/,
  temp: new RegExp(`^\\.${UNIQUE}\\.tmp$`),
  stale: new RegExp(`^[0-9a-f]{64}\\.lock\\.${UNIQUE}\\.stale$`),
  /** An SSO session's sign-in lock and attempt record, named by the session's token file (SHA-1). */
  signIn: /^sso-[0-9a-f]{40}\.(lock|attempts)$/,
  signInStale: new RegExp(`^sso-[0-9a-f]{40}\\.lock\\.${UNIQUE}\\.stale$`),
} as const;

export function isOwnName(name: string): boolean {
  return Object.values(OWN_NAMES).some((pattern) => pattern.test(name));
}

export function entryPath(dir: string, key: string): string {
  return join(dir, `${key}.json`);
}

export function hitPath(dir: string, key: string): string {
  return join(dir, `${key}.hit`);
}

export function lockPath(dir: string, key: string): string {
  return join(dir, `${key}.lock`);
}

/** A path beside `path` that no one else names: `<path>.<unique>.<ending>`. */
export function asidePath(path: string, ending: "stale"): string {
  return `${path}.${uniqueSuffix()}.${ending}`;
}

/** The entry's parsed JSON, or undefined when it is missing, not ours, not private or not JSON. */
export function readEntry(path: string): unknown {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    const uid = process.getuid?.();
    if (
      !stat.isFile() ||
      stat.size > MAX_ENTRY_BYTES ||
      (stat.mode & 0o077) !== 0 ||
      (uid !== undefined && stat.uid !== uid)
    ) {
      return undefined;
    }
    return JSON.parse(readFileSync(fd, "utf8"));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

export function writeEntry(dir: string, path: string, value: unknown): void {
  const temp = join(dir, `.${uniqueSuffix()}.tmp`); // OWN_NAMES.temp
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600); // the umask may have taken bits away, never added: make it exact
    writeFileSync(fd, JSON.stringify(value));
  } catch (e) {
    closeSync(fd);
    removeQuietly(temp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (e) {
    removeQuietly(temp);
    throw e;
  }
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone, or not ours to remove
  }
}

/** Removes temporary files left by writers that crashed; run on the miss path only. */
export function removeOrphanTemps(dir: string, now: number): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!OWN_NAMES.temp.test(name)) continue;
    const path = join(dir, name);
    try {
      const stat = lstatSync(path);
      if (stat.isFile() && now - stat.mtimeMs > ORPHAN_TEMP_AGE_MS) unlinkSync(path);
    } catch {
      // raced with another cleaner
    }
  }
}

/**
 * Removes a file of ours: a regular file with one of our names, owned by this user. True when it
 * was removed. Anything else there (a directory, a link, another user's file) stays.
 */
export function removeOwnFile(dir: string, name: string): boolean {
  if (!isOwnName(name)) return false;
  const path = join(dir, name);
  try {
    const stat = lstatSync(path);
    const uid = process.getuid?.();
    if (!stat.isFile() || (uid !== undefined && stat.uid !== uid)) return false;
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}
