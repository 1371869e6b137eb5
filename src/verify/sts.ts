/**
 * The server's live check (CONTRACT section 6 step 5): GET the presigned URL with the cluster
 * header, read the caller identity, and turn each way it can fail into its own message.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { EksTokenError } from "../errors.js";
import { CLUSTER_ID_HEADER, canonicalArn } from "./rules.js";

/** The server gives STS 10 seconds. */
export const STS_TIMEOUT_MS = 10_000;
// A GetCallerIdentity answer is a few hundred bytes; stop reading long before memory matters.
const MAX_BODY_BYTES = 256 * 1024;

export interface StsIdentity {
  readonly account: string;
  readonly arn: string;
  readonly canonicalArn: string;
  readonly userId: string;
  readonly sessionName?: string;
}

export interface CallStsOptions {
  /** The presigned URL from the token. */
  readonly url: string;
  readonly clusterId: string;
  /** Read for AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL, so tests can point at a local STS. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
}

export interface StsResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export interface StsErrorBody {
  readonly code?: string;
  readonly message?: string;
}

/** Where the request really goes: the override's origin, or the token's own host. */
export function requestTarget(tokenUrl: URL, env: Readonly<Record<string, string | undefined>>): URL {
  const override = env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL;
  if (!override) return tokenUrl;
  let endpoint: URL;
  try {
    endpoint = new URL(override);
  } catch {
    throw new EksTokenError("invalid-input", `AWS_ENDPOINT_URL_STS/AWS_ENDPOINT_URL ${JSON.stringify(override)} is not a URL`, "set it to an origin such as http://127.0.0.1:4566");
  }
  return new URL(tokenUrl.pathname + tokenUrl.search, endpoint.origin);
}

/** Sends the GET the server sends and returns what came back, without following redirects. */
export function fetchCallerIdentity(options: CallStsOptions): Promise<StsResponse> {
  const tokenUrl = new URL(options.url);
  const target = requestTarget(tokenUrl, options.env ?? {});
  const timeoutMs = options.timeoutMs ?? STS_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
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
        ...(target.protocol === "https:" ? { servername: isIP(target.hostname.replace(/^\[|\]$/g, "")) ? "" : target.hostname } : {}),
      },
      (res) =>
        readBody(res).then(resolve, (err: Error) =>
          reject(err instanceof EksTokenError ? err : transportError(err, target, signal.aborted, timeoutMs)),
        ),
    );
    req.on("error", (err) => reject(transportError(err, target, signal.aborted, timeoutMs)));
    req.end();
  });
}

function readBody(res: IncomingMessage): Promise<StsResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.destroy();
        reject(new EksTokenError("sts", `STS answered HTTP ${res.statusCode} with a body over ${MAX_BODY_BYTES} bytes`, "this is not an STS endpoint"));
        return;
      }
      chunks.push(chunk);
    });
    res.on("end", () =>
      resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), body: Buffer.concat(chunks).toString("utf8") }),
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
    return new EksTokenError("timeout", `STS at ${target.host} did not answer within ${timeoutMs / 1000} s`, "check the network path to STS (proxy, VPC endpoint, firewall) and try again", { cause: err });
  }
  const code = (err as NodeJS.ErrnoException).code;
  return new EksTokenError("network", `cannot reach STS at ${target.host}: ${code ?? err.message}`, "check DNS, proxy and network access to STS", { cause: err });
}

/** Code and Message from an STS error in its XML or JSON form. */
export function parseStsError(body: string): StsErrorBody {
  const trimmed = body.trim();
  if (trimmed.startsWith("{")) {
    try {
      const json = JSON.parse(trimmed) as Record<string, unknown>;
      const inner = (typeof json.Error === "object" && json.Error !== null ? json.Error : json) as Record<string, unknown>;
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
  return (m[1] ?? "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

/** STS messages can quote the canonical request, which holds the session token: keep one line, no secrets. */
export function redactStsMessage(message: string, secrets: readonly string[]): string {
  let text = message.split(/\n|The Canonical String/)[0]?.trim() ?? "";
  for (const secret of secrets) if (secret.length >= 8) text = text.split(secret).join("[redacted]");
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

const THROTTLING_CODES: ReadonlySet<string> = new Set(["Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"]);

/** Turns a non-200 answer into the error the user sees; 4xx other than throttling is a rejection. */
export function stsHttpError(response: StsResponse, secrets: readonly string[]): EksTokenError {
  const { status } = response;
  const parsed = parseStsError(response.body);
  const code = parsed.code ?? "";
  const detail = parsed.message ? `: ${redactStsMessage(parsed.message, secrets)}` : "";
  const named = code ? ` ${code}` : "";
  if (status >= 300 && status < 400) {
    return new EksTokenError("sts", `STS answered with a redirect (HTTP ${status}), which the server does not follow`, "the token must be signed for the STS host that serves it; regenerate it with the right region");
  }
  if (status === 429 || THROTTLING_CODES.has(code)) {
    return new EksTokenError("sts", `STS is throttling (HTTP ${status}${named})`, "wait a moment and try again; the token itself may be fine");
  }
  if (status >= 500) {
    return new EksTokenError("sts", `STS failed (HTTP ${status}${named})${detail}`, "STS had a server-side problem; try again later");
  }
  if (status === 403 && code === "SignatureDoesNotMatch") {
    return new EksTokenError(
      "token-rejected",
      `STS rejected the signature (HTTP 403 SignatureDoesNotMatch)`,
      "this usually means the token was made for another cluster name than --cluster-name, or this machine's clock is skewed",
    );
  }
  if (status >= 400 && status < 500) {
    const hint =
      code === "ExpiredToken"
        ? "the credentials that signed the token have expired; refresh them and regenerate the token"
        : code === "InvalidClientTokenId"
          ? "the access key or session token is not valid in this partition; check the credentials that made the token"
          : "STS refused the token; regenerate it with valid credentials";
    return new EksTokenError("token-rejected", `STS rejected the token (HTTP ${status}${named})${detail}`, hint);
  }
  return new EksTokenError("sts", `STS answered HTTP ${status}${named}${detail}`, "expected 200 from GetCallerIdentity; check the STS endpoint");
}

/** The server reads JSON: GetCallerIdentityResponse.GetCallerIdentityResult.{Account,Arn,UserId}. */
export function parseCallerIdentity(body: string): StsIdentity {
  let result: Record<string, unknown> | undefined;
  try {
    const json = JSON.parse(body) as { GetCallerIdentityResponse?: { GetCallerIdentityResult?: Record<string, unknown> } };
    result = json?.GetCallerIdentityResponse?.GetCallerIdentityResult;
  } catch {
    result = undefined;
  }
  const badBody = "STS answered 200 with a body that is not a JSON GetCallerIdentity response";
  if (!result || typeof result !== "object") throw new EksTokenError("sts", badBody, "the endpoint is not STS, or it ignored Accept: application/json");
  const account = typeof result.Account === "string" ? result.Account : "";
  const arn = typeof result.Arn === "string" ? result.Arn : "";
  const rawUserId = typeof result.UserId === "string" ? result.UserId : "";
  let canonical: string;
  try {
    canonical = canonicalArn(arn);
  } catch (err) {
    throw new EksTokenError("sts", `STS returned an identity ARN the server cannot map: ${(err as Error).message}`, "the server would refuse this identity; check the credentials that made the token");
  }
  // The server splits UserId at ':' and accepts one or two parts: ID or ID:SESSION.
  const parts = rawUserId.split(":");
  if (parts.length > 2) {
    throw new EksTokenError("sts", `STS returned a malformed UserId ${JSON.stringify(rawUserId)} (more than one ':')`, "the server would refuse this identity");
  }
  const [userId = "", sessionName] = parts;
  return { account, arn, canonicalArn: canonical, userId, ...(sessionName !== undefined ? { sessionName } : {}) };
}

/** The whole live check: request, status, body. */
export async function callSts(options: CallStsOptions): Promise<StsIdentity> {
  const response = await fetchCallerIdentity(options);
  if (response.status !== 200) throw stsHttpError(response, secretsOf(options.url));
  return parseCallerIdentity(response.body);
}

/** The signature and session token in a presigned URL, to scrub from anything printed. */
export function secretsOf(presignedUrl: string): string[] {
  try {
    const params = new URL(presignedUrl).searchParams;
    const out: string[] = [];
    for (const [key, value] of params) {
      const lower = key.toLowerCase();
      if (lower === "x-amz-signature" || lower === "x-amz-security-token") out.push(value, encodeURIComponent(value));
    }
    return out;
  } catch {
    return [];
  }
}
