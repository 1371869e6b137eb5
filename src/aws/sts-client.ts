/**
 * The one GetCallerIdentity client: sends a presigned GetCallerIdentity URL as the EKS API server
 * does (the cluster header, Accept: application/json, no redirects followed, a bounded body and
 * time) and returns what came back. `verify --sts` and --forward-session-name both use it.
 */
import type { IncomingMessage } from "node:http";
import type { Env } from "../env.js";
import { EksTokenError, isEksTokenError } from "../errors.js";
import { displayUrl } from "../redact.js";
import { tooLargeError } from "../byte-cap.js";
import { shorten } from "../quote.js";
import { CLUSTER_ID_HEADER } from "../token/encode.js";

/** The server gives STS 10 seconds. */
export const STS_TIMEOUT_MS = 10_000;
// A GetCallerIdentity answer is a few hundred bytes; stop reading long before memory matters.
const MAX_BODY_BYTES = 256 * 1024;

export interface CallStsOptions {
  /** The presigned URL from the token. */
  readonly url: string;
  readonly clusterId: string;
  /** Read for AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL, so tests can point at a local STS. */
  readonly env?: Env;
  readonly timeoutMs?: number;
}

export interface StsResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** The Location header of a redirect. */
  readonly location?: string;
  /** The Date header ("" when absent): the server's clock, for telling a skewed one. */
  readonly date?: string;
}

export interface StsErrorBody {
  readonly code?: string;
  readonly message?: string;
}

/** AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, parsed: where STS calls go instead of the token's host. */
export function stsEndpointOverride(env: Env): URL | undefined {
  const override = env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL;
  if (!override) return undefined;
  try {
    return new URL(override);
  } catch {
    throw new EksTokenError(
      "invalid-input",
      `AWS_ENDPOINT_URL_STS/AWS_ENDPOINT_URL ${displayUrl(override)} is not a URL`,
      "set it to an origin such as http://127.0.0.1:4566",
    );
  }
}

/** Where the request really goes: the override's origin, or the token's own host. */
export function requestTarget(tokenUrl: URL, env: Env): URL {
  const endpoint = stsEndpointOverride(env);
  return endpoint ? new URL(tokenUrl.pathname + tokenUrl.search, endpoint.origin) : tokenUrl;
}

/** An STS answer of 3xx: the server (and the SDK) follow no redirect, so say where it pointed and why that happens. */
export function stsRedirectError(status: number, location: string | undefined, what = "STS"): EksTokenError {
  let to = "";
  if (location) {
    try {
      to = ` to ${displayUrl(new URL(location, "http://unknown.invalid").host)}`;
    } catch {
      to = "";
    }
  }
  return new EksTokenError(
    "sts",
    `${what} answered with a redirect (HTTP ${status})${to}, which is not followed`,
    "check AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL (they must name the STS endpoint itself) and the region the request is signed for",
  );
}

/** Sends the GET the server sends and returns what came back, without following redirects. */
export async function fetchCallerIdentity(options: CallStsOptions): Promise<StsResponse> {
  const tokenUrl = new URL(options.url);
  const target = requestTarget(tokenUrl, options.env ?? {});
  const timeoutMs = options.timeoutMs ?? STS_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  // Loaded when a call is made: node:https brings TLS and node:crypto, which a token miss without
  // --forward-session-name never needs.
  const send =
    target.protocol === "https:" ? (await import("node:https")).request : (await import("node:http")).request;
  // node:net is loaded by then (node:http(s) needs it).
  const { isIP } = await import("node:net");
  return new Promise<StsResponse>((resolve, reject) => {
    const req = send(
      target,
      {
        method: "GET",
        signal,
        // The signature covers Host, so it stays the token's host even when the socket goes elsewhere.
        headers: { host: tokenUrl.host, [CLUSTER_ID_HEADER]: options.clusterId, accept: "application/json" },
        // The server name (SNI, and the name the certificate must hold) is the endpoint's host name,
        // not the Host header's. An IP address gets none: RFC 6066 forbids one there (Bun refuses
        // it), and "" keeps Node from taking the Host header's name instead.
        ...(target.protocol === "https:"
          ? { servername: isIP(target.hostname.replace(/^\[|\]$/g, "")) ? "" : target.hostname }
          : {}),
      },
      (res) =>
        readBody(res, target.host).then(resolve, (err: Error) =>
          reject(isEksTokenError(err) ? err : transportError(err, target, signal.aborted, timeoutMs)),
        ),
    );
    req.on("error", (err) => reject(transportError(err, target, signal.aborted, timeoutMs)));
    req.end();
  });
}

function readBody(res: IncomingMessage, host: string): Promise<StsResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.destroy();
        reject(
          tooLargeError(
            `the answer from ${shorten(host)}`,
            MAX_BODY_BYTES,
            "this is not an STS endpoint; check AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL",
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    res.on("end", () =>
      resolve({
        status: res.statusCode ?? 0,
        contentType: String(res.headers["content-type"] ?? ""),
        body: Buffer.concat(chunks).toString("utf8"),
        ...(typeof res.headers.location === "string" ? { location: res.headers.location } : {}),
        date: String(res.headers.date ?? ""),
      }),
    );
    res.on("error", reject);
    // A body cut short (abort, reset) ends in 'close' without 'end'.
    res.on("close", () => {
      if (!res.complete) reject(new Error("connection closed before the response ended"));
    });
  });
}

function transportError(err: Error, target: URL, timedOut: boolean, timeoutMs: number): EksTokenError {
  if (timedOut) {
    return new EksTokenError(
      "timeout",
      `STS at ${target.host} did not answer within ${timeoutMs / 1000} s`,
      "check the network path to STS (proxy, VPC endpoint, firewall) and try again",
      { cause: err },
    );
  }
  const code = (err as NodeJS.ErrnoException).code;
  return new EksTokenError(
    "network",
    `cannot reach STS at ${target.host}: ${code ?? err.message}`,
    "check DNS, proxy and network access to STS",
    { cause: err },
  );
}

/** Code and Message from an STS error in its XML or JSON form. */
export function parseStsError(body: string): StsErrorBody {
  const trimmed = body.trim();
  if (trimmed.startsWith("{")) {
    try {
      const json = JSON.parse(trimmed) as Record<string, unknown>;
      const inner = (typeof json.Error === "object" && json.Error !== null ? json.Error : json) as Record<
        string,
        unknown
      >;
      const code = firstString(inner.Code, inner.code, json.__type);
      const message = firstString(inner.Message, inner.message);
      return { ...(code ? { code: code.replace(/^.*#/, "") } : {}), ...(message ? { message } : {}) };
    } catch {
      return {};
    }
  }
  const code = xmlText(trimmed, "Code");
  const message = xmlText(trimmed, "Message");
  return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((v): v is string => typeof v === "string" && v !== "");
}

function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  if (!m) return undefined;
  return (m[1] ?? "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}
