/**
 * What the token path keeps about an SSO session's sign-ins, in the user's own cache directory
 * (0700, see cache-dir.ts), never in a shared folder: the lock that lets one process sign in
 * (or refresh) while the others wait, and the start times of sign-ins left unfinished.
 * Both are named by the session's token file name (the SHA-1 the AWS CLI uses).
 */
import { join } from "node:path";
import { readEntry, removeOwnFile, writeEntry } from "./entry-file.js";

const KEY = /^[0-9a-f]{40}$/;

function checkedKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`not an SSO session key: ${key.length} characters`);
  return key;
}

export function signInLockPath(dir: string, key: string): string {
  return join(dir, `sso-${checkedKey(key)}.lock`); // OWN_NAMES.signIn
}

function attemptsPath(dir: string, key: string): string {
  return join(dir, `sso-${checkedKey(key)}.attempts`); // OWN_NAMES.signIn
}

/** The recorded start times (epoch ms) of unfinished sign-ins; none when there is no usable record. */
export function readUnfinishedSignIns(dir: string, key: string): number[] {
  const record = readEntry(attemptsPath(dir, key)) as { unfinished?: unknown } | undefined;
  const list = record?.unfinished;
  return Array.isArray(list) ? list.filter((t): t is number => typeof t === "number" && Number.isFinite(t)) : [];
}

/** Replaces the record (atomically); an empty list removes it. */
export function writeUnfinishedSignIns(dir: string, key: string, unfinished: readonly number[]): void {
  const path = attemptsPath(dir, key);
  // Only a regular file of ours goes; anything planted there stays (and is never read).
  if (unfinished.length === 0) removeOwnFile(dir, `sso-${key}.attempts`);
  else writeEntry(dir, path, { unfinished });
}
