// @aws-crypto/sha256-js's Sha256, as the native executable has it: the same class over Bun's own
// SHA-256 (Bun.CryptoHasher, built into the runtime). scripts/compile-binary.mjs puts it in the
// package's place. Loading the package (with tslib and its helpers) costs a native cache hit
// about 2 ms, and hashing in JavaScript about 1 ms more; Bun's hasher costs neither. Same
// contract: an optional HMAC secret (a falsy one means none), string input as UTF-8, empty input
// ignored, digestSync() repeatable, digest() its promise.
const bytes = (data) =>
  typeof data === "string"
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

export class Sha256 {
  constructor(secret) {
    this.secret = secret;
    this.reset();
  }

  update(data) {
    if (this.result !== undefined) throw new Error("Attempted to update an already finished hash.");
    if (typeof data === "string" ? data.length === 0 : data.byteLength === 0) return;
    this.hasher.update(bytes(data));
  }

  digestSync() {
    this.result ??= new Uint8Array(this.hasher.digest());
    return this.result;
  }

  async digest() {
    return this.digestSync();
  }

  reset() {
    this.result = undefined;
    this.hasher = this.secret
      ? new Bun.CryptoHasher("sha256", typeof this.secret === "string" ? this.secret : bytes(this.secret))
      : new Bun.CryptoHasher("sha256");
  }
}
