/**
 * Client registrations kept between sign-ins, in eks-token's own cache folder (never in the AWS
 * CLI's): `sso-registration-<sha256 of start URL, region, scopes, session, flow and endpoint>.json`,
 * 0600, written atomically. One is reused until 15 minutes before it ends.
 */
import { join } from "node:path";
import { readEntry, removeQuietly, writeEntry } from "../../cache/entry-file.js";
import { sha256Hex } from "../../hash.js";

/** A registration is not used when it ends within this (the AWS CLI's window). */
export const REGISTRATION_REUSE_MARGIN_MS = 15 * 60_000;

export interface StoredRegistration {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly expiresAt: Date;
}

export interface RegistrationStore {
  get(key: string): StoredRegistration | undefined;
  put(key: string, registration: StoredRegistration): void;
  drop(key: string): void;
}

export interface RegistrationKeyParts {
  readonly startUrl: string;
  readonly region: string;
  readonly scopes: readonly string[] | undefined;
  readonly sessionName: string | undefined;
  readonly flow: "authorization-code" | "device-code";
  readonly endpoint: string;
}

export function registrationKey(parts: RegistrationKeyParts): string {
  return sha256Hex(
    JSON.stringify([
      parts.startUrl,
      parts.region,
      parts.scopes ?? null,
      parts.sessionName ?? null,
      parts.flow,
      parts.endpoint,
    ]),
  );
}

export function registrationFileName(key: string): string {
  return `sso-registration-${key}.json`;
}

export function usableRegistration(r: StoredRegistration | undefined, now: number): StoredRegistration | undefined {
  return r && r.expiresAt.getTime() - REGISTRATION_REUSE_MARGIN_MS > now ? r : undefined;
}

/** The store in `dir` (a checked cache folder), or one that keeps nothing when there is none. */
export function fileRegistrationStore(dir: string | undefined): RegistrationStore {
  if (dir === undefined) return { get: () => undefined, put: () => {}, drop: () => {} };
  const path = (key: string) => join(dir, registrationFileName(key));
  return {
    get(key) {
      const data = readEntry(path(key)) as Record<string, unknown> | undefined;
      if (!data || typeof data !== "object") return undefined;
      const { clientId, clientSecret, expiresAt } = data;
      const ms = typeof expiresAt === "string" ? Date.parse(expiresAt) : Number.NaN;
      if (typeof clientId !== "string" || typeof clientSecret !== "string" || Number.isNaN(ms)) return undefined;
      return { clientId, clientSecret, expiresAt: new Date(ms) };
    },
    put(key, r) {
      try {
        writeEntry(dir, path(key), {
          clientId: r.clientId,
          clientSecret: r.clientSecret,
          expiresAt: r.expiresAt.toISOString(),
        });
      } catch {
        // Without the cache the next sign-in registers again; nothing is lost.
      }
    },
    drop(key) {
      removeQuietly(path(key));
    },
  };
}
