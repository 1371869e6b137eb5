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

/** The longest a sign-in may be allowed to take (EKS_TOKEN_SSO_LOGIN_TIMEOUT, --timeout): a day. */
export const MAX_SIGN_IN_MS = 86_400_000;

/**
 * When a sign-in lock whose holder is alive counts as stale, for every reader alike (the token
 * path, `eks-token login`, `cache clear`): past the longest sign-in any holder may be running,
 * not past the reader's own bound, so a kubectl call with the default bound never breaks the lock
 * of a longer `eks-token login --timeout`. A dead holder's lock is taken over at once.
 */
export const SIGN_IN_LOCK_STALE_MS = MAX_SIGN_IN_MS + 60_000;

export function signInLockPath(dir: string, key: string): string {
  return join(dir, `sso-${checkedKey(key)}.lock`); // OWN_NAMES.signIn
}

function attemptsPath(dir: string, key: string): string {
  return join(dir, `sso-${checkedKey(key)}.attempts`); // OWN_NAMES.signIn
}

/** What is kept: start times (epoch ms) of unfinished sign-ins, and when one last found the service unreachable. */
export interface SignInRecord {
  readonly unfinished: readonly number[];
  readonly unavailableAt?: number | undefined;
}

export function readSignInRecord(dir: string, key: string): SignInRecord {
  const record = readEntry(attemptsPath(dir, key)) as { unfinished?: unknown; unavailableAt?: unknown } | undefined;
  const list = record?.unfinished;
  const at = record?.unavailableAt;
  return {
    unfinished: Array.isArray(list) ? list.filter((t): t is number => typeof t === "number" && Number.isFinite(t)) : [],
    ...(typeof at === "number" && Number.isFinite(at) ? { unavailableAt: at } : {}),
  };
}

/** Replaces the record (atomically); an empty one removes the file. */
export function writeSignInRecord(dir: string, key: string, record: SignInRecord): void {
  // Only a regular file of ours goes; anything planted there stays (and is never read).
  if (record.unfinished.length === 0 && record.unavailableAt === undefined) removeOwnFile(dir, `sso-${key}.attempts`);
  else writeEntry(dir, attemptsPath(dir, key), record);
}

/** The recorded start times (epoch ms) of unfinished sign-ins; none when there is no usable record. */
export function readUnfinishedSignIns(dir: string, key: string): number[] {
  return [...readSignInRecord(dir, key).unfinished];
}

/** Replaces the whole record with these start times; an empty list removes it. */
export function writeUnfinishedSignIns(dir: string, key: string, unfinished: readonly number[]): void {
  writeSignInRecord(dir, key, { unfinished });
}
