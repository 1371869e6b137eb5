/**
 * SHA-256 for cache keys and fingerprints, on the cache-hit path. A pure-JS hash: loading
 * node:crypto costs a start-up ~10 % of a whole `node -e 0`, hashing a few hundred bytes here
 * costs almost nothing.
 */
// The package's hash core alone: its Sha256 class adds an async wrapper and tslib, which a
// one-shot digest does not use and which cost the Node hit path their loading.
import { RawSha256 } from "@aws-crypto/sha256-js/build/main/RawSha256.js";

declare const Bun: { SHA256: { hash(input: string, encoding: "hex"): string } } | undefined;

export function sha256Hex(text: string): string {
  // Bun (the native executable) has SHA-256 built in: its one-shot form is the cheapest there.
  if (typeof Bun !== "undefined") return Bun.SHA256.hash(text, "hex");
  const hash = new RawSha256();
  hash.update(Buffer.from(text, "utf8"));
  return Buffer.from(hash.digest()).toString("hex");
}

let counter = 0;

/** A name part unique to this process and call: files made with it are also opened O_EXCL. */
export function uniqueSuffix(): string {
  counter += 1;
  return `${process.pid}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 10)}`;
}
