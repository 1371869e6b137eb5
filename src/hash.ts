/**
 * SHA-256 for cache keys and fingerprints. node:crypto is loaded through require: an ESM import
 * of it builds its whole namespace (Web Crypto included), which costs the hit path ~30 ms.
 */
import { createRequire } from "node:module";

type NodeCrypto = typeof import("node:crypto");
let crypto: NodeCrypto | undefined;

export function sha256Hex(text: string): string {
  crypto ??= createRequire(import.meta.url)("node:crypto") as NodeCrypto;
  return crypto.createHash("sha256").update(text).digest("hex");
}

export function randomHex(bytes: number): string {
  crypto ??= createRequire(import.meta.url)("node:crypto") as NodeCrypto;
  return crypto.randomBytes(bytes).toString("hex");
}
