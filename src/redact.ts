/**
 * Removes secrets from any text bound for stderr: tokens, signatures, session tokens, secret keys,
 * Authorization headers, URL passwords. Prose stays: a word after "token:" is not a token, and a
 * 40-character hex name (a SHA-1) is not a secret key. Access key ids stay outside X-Amz-Credential:
 * they identify, they do not authenticate.
 */
import { shorten } from "./quote.js";

const R = "<redacted>";

// Names whose value is a secret whatever it looks like (ini keys, variables, JSON fields of the
// SDK, STS, SSO and credential_process), matched without regard to case or separators.
const SECRET_NAME =
  "(?:aws_)?(?:secret_?access_?key|session_?token|access_?token|refresh_?token|client_?secret|container_?authorization_?token)|code_?verifier|device_?code|password";
// A value: a JSON string, or a run up to a space or delimiter (a colon or full stop ending it is the sentence's).
const VALUE = `"(?:[^"\\\\]|\\\\.)*"|'[^']*'|[^\\s"',;}&]*[^\\s"',;}&:.]`;

const PATTERNS: readonly [RegExp, string | ((...m: string[]) => string)][] = [
  // A URL's query (a presigned URL's signature, a token in a container endpoint's query).
  [/(\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s?#"'<>]*)\?[^\s#"'<>]+/g, `$1?${R}`],
  [/k8s-aws-v1\.[A-Za-z0-9_-]+/g, `k8s-aws-v1.${R}`],
  [/(X-Amz-(?:Signature|Security-Token|Credential)=)[^&\s"'<]+/gi, `$1${R}`],
  [/(Signature=)[0-9a-fA-F]{64}/g, `$1${R}`],
  // user:password@ (or a token as the user) in any URL.
  [/(\b[A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/g, `$1${R}@`],
  [
    /((?<![\w-])["']?authorization["']?\s*[:=]\s*["']?)(?:(?:AWS4-HMAC-SHA256|Bearer|Basic|Digest|Negotiate)\s+[^"'\r\n]*|[A-Za-z0-9._~+/=-]{16,})/gi,
    `$1${R}`,
  ],
  [/\b(Bearer\s+)[A-Za-z0-9._~+/-]{8,}=*/g, `$1${R}`],
  [
    new RegExp(`((?<![\\w-])["']?(?:${SECRET_NAME})["']?\\s*[:=]\\s*)(${VALUE})`, "gi"),
    (_m, label, value) => `${label}${keepQuotes(value ?? "")}`,
  ],
  // The generic name "token": only a value that looks like one (long, no spaces) goes.
  [/((?<![\w-])["']?token["']?\s*[:=]\s*["']?)([A-Za-z0-9._~+/=-]{20,})/gi, `$1${R}`],
  // An unlabelled secret key (40 characters of base64) or session token (100 or more): random, so
  // mixed case. A SHA-1 or SHA-256 in hex, a path or a word is not.
  [/(?<![A-Za-z0-9/+=])[A-Za-z0-9+][A-Za-z0-9/+]{39}(?![A-Za-z0-9/+=])/g, (m) => (looksRandom(m) ? R : m)],
  [/(?<![A-Za-z0-9/+=])[A-Za-z0-9+][A-Za-z0-9/+=]{99,}/g, (m) => (looksRandom(m) ? R : m)],
];

function keepQuotes(value: string): string {
  const q = value[0];
  return q === '"' || q === "'" ? `${q}${R}${q}` : R;
}

function looksRandom(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9+/]/.test(run) && !/^[0-9a-fA-F]+$/.test(run);
}

export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement as string);
  return out;
}

/**
 * A URL as messages and debug lines show it: no user, password, query or fragment (they carry
 * credentials), escaped and bounded like any value.
 */
export function displayUrl(value: string): string {
  let shown: string;
  try {
    const url = new URL(value);
    url.username = "";
    url.password = "";
    url.search = "";
    url.hash = "";
    // An origin is shown as written, without the "/" the URL parser adds.
    shown = /^[^:]*:\/\/[^/?#]*[/]/.test(value) ? url.href : url.href.replace(/\/$/, "");
  } catch {
    shown = value.replace(/^([^:/?#]*:\/\/)[^/?#]*@/, "$1").replace(/[?#][\s\S]*$/, "");
  }
  return shorten(shown);
}
