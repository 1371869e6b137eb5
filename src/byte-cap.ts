/**
 * Byte caps on what is read from outside (an HTTP answer, a file that claims size 0 and never
 * ends): how a cap is written in a message, and the error when something is over it.
 */
import { EksTokenError } from "./errors.js";

/** "256 kB", "4 MB", or bytes. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} kB`;
  return `${n} bytes`;
}

/** `what` is already shown safely (escaped, quoted): "the answer from sts.amazonaws.com", "the CA file \"/x\"". */
export function tooLargeError(what: string, maxBytes: number, hint: string): EksTokenError {
  return new EksTokenError("too-large", `${what} was larger than ${formatBytes(maxBytes)}`, hint);
}
