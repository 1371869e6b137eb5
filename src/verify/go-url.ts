/**
 * Go's net/url, as far as the EKS API server relies on it: url.Parse splits a token's URL into
 * scheme, host, path and query (failing where Go fails), url.ParseQuery splits the query.
 * Meaning is given to the parts by the rules (src/verify/rules.ts), not here.
 */
import { quote } from "../quote.js";

/** A URL split the way Go's net/url does it, before any meaning is given to the parts. */
export interface RawUrl {
  /** Lowercased, as Go reports it; "" when there is none. */
  readonly scheme: string;
  /** host[:port] exactly as written (Go compares it with the port included), without any userinfo. */
  readonly host: string;
  /** A user name (and password) before the host, `user:password@`; its value is never kept. */
  readonly hasUserinfo: boolean;
  /** Percent-decoded path. */
  readonly path: string;
  readonly rawQuery: string;
}

export type QueryPair = readonly [key: string, value: string];

/** Where Go's parser gives up; the rules turn it into the failure the server reports. */
export interface UrlFailure {
  readonly ok: false;
  readonly rule: "url" | "scheme-missing" | "query";
  readonly message: string;
}

export function isUrlFailure(value: unknown): value is UrlFailure {
  return typeof value === "object" && value !== null && (value as { ok?: unknown }).ok === false;
}

function urlFailure(rule: UrlFailure["rule"], message: string): UrlFailure {
  return { ok: false, rule, message };
}

/** Splits scheme, authority, path and query as Go's url.Parse would, failing where it fails. */
export function parseUrl(text: string): RawUrl | UrlFailure {
  if (/[\x00-\x1f\x7f]/.test(text))
    return urlFailure("url", "decoded token is not a URL: it contains control characters");
  let rest = text;
  const hash = rest.indexOf("#");
  if (hash >= 0) rest = rest.slice(0, hash);
  let scheme = "";
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (schemeMatch) {
    scheme = (schemeMatch[1] ?? "").toLowerCase();
    rest = rest.slice(schemeMatch[0].length);
  } else if (rest.startsWith(":")) {
    return urlFailure("scheme-missing", "decoded token is a URL without a scheme (it starts with ':')");
  }
  let rawQuery = "";
  const question = rest.indexOf("?");
  if (question >= 0) {
    rawQuery = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  let host = "";
  let hasUserinfo = false;
  if (rest.startsWith("//")) {
    const slash = rest.indexOf("/", 2);
    host = slash >= 0 ? rest.slice(2, slash) : rest.slice(2);
    rest = slash >= 0 ? rest.slice(slash) : "";
    // Go splits the authority at its last '@': before it a user name and password, which no
    // message may show (and which are not checked further than Go checks them).
    const at = host.lastIndexOf("@");
    if (at >= 0) {
      hasUserinfo = true;
      const userinfo = host.slice(0, at);
      if (!/^[A-Za-z0-9\-._~!$&'()*+,;=:%@]*$/.test(userinfo) || /%(?![0-9A-Fa-f]{2})/.test(userinfo))
        return urlFailure("url", "decoded token is not a URL: invalid user name or password before its host");
      host = host.slice(at + 1);
    }
    if (/[\s"<>\\^`{|}]/.test(host) || /%(?![0-9A-Fa-f]{2})/.test(host)) {
      return urlFailure("url", `decoded token is not a URL: invalid character in host ${quote(host)}`);
    }
    const port = /:([^:\]]*)$/.exec(host);
    if (port && !host.startsWith("[") && !/^\d*$/.test(port[1] ?? "")) {
      // Not quoted: in `https://user:pass/word@host` Go reads `user:pass` as the host.
      return urlFailure("url", "decoded token is not a URL: its host has a port that is not a number");
    }
  } else if (scheme === "" && /^[^/]*:/.test(rest)) {
    return urlFailure("url", "decoded token is not a URL: its first path segment contains a colon");
  }
  let path: string;
  try {
    path = decodeURIComponent(rest);
  } catch {
    return urlFailure("url", "decoded token is not a URL: invalid percent-escape in its path");
  }
  return { scheme, host, hasUserinfo, path, rawQuery };
}

/** Go's url.ParseQuery: '&'-separated, '+' is a space, a ';' or a bad %-escape is an error. */
export function parseQuery(rawQuery: string): QueryPair[] | UrlFailure {
  const pairs: QueryPair[] = [];
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    if (part.includes(";"))
      return urlFailure("query", "token URL has a malformed query: ';' is not a separator the server accepts");
    const eq = part.indexOf("=");
    const rawKey = eq >= 0 ? part.slice(0, eq) : part;
    const rawValue = eq >= 0 ? part.slice(eq + 1) : "";
    try {
      pairs.push([queryUnescape(rawKey), queryUnescape(rawValue)]);
    } catch {
      return urlFailure("query", "token URL has a malformed query: invalid percent-escape");
    }
  }
  return pairs;
}

function queryUnescape(s: string): string {
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) throw new URIError("bad escape");
  // Decode byte-wise so that invalid UTF-8 does not throw where Go would accept it.
  return Buffer.from(
    s.replace(/\+/g, " ").replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    "latin1",
  ).toString("utf8");
}
