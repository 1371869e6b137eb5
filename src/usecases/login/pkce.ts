/**
 * The secrets of one authorization-code sign-in (RFC 7636): a code verifier of 64 characters from
 * the unreserved set, its S256 challenge (base64url of its SHA-256, unpadded), and a state that ties
 * the browser's callback to this sign-in, compared in constant time.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

export function newPkce(): Pkce {
  // 48 random bytes in base64url: 64 characters of [A-Za-z0-9_-], all unreserved.
  const verifier = randomBytes(48).toString("base64url");
  return { verifier, challenge: s256(verifier) };
}

export function s256(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

export function newState(): string {
  return randomUUID();
}

/** Constant time over the digests, so neither the content nor the length of `expected` leaks. */
export function sameState(received: string, expected: string): boolean {
  const a = createHash("sha256").update(received, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b) && received.length === expected.length;
}
