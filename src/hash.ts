/**
 * SHA-256 for cache keys and fingerprints, on the cache-hit path. A pure-JS hash: loading
 * node:crypto costs a start-up ~10 % of a whole `node -e 0`, hashing a few hundred bytes here
 * costs almost nothing.
 */
import { Sha256 } from "@aws-crypto/sha256-js";

export function sha256Hex(text: string): string {
  const hash = new Sha256();
  hash.update(text);
  return Buffer.from(hash.digestSync()).toString("hex");
}

let counter = 0;

/** A name part unique to this process and call: files made with it are also opened O_EXCL. */
export function uniqueSuffix(): string {
  counter += 1;
  return `${process.pid}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 10)}`;
}
