/**
 * The server's live check (docs/contract.md, "Server checks", step 5): the
 * answer of the GetCallerIdentity client read as the server reads it, each way it can fail with
 * its own message.
 */
import { quote } from "../quote.js";
import {
  fetchCallerIdentity,
  parseStsError,
  stsRedirectError,
  type CallStsOptions,
  type StsResponse,
} from "../aws/sts-client.js";
import { EksTokenError } from "../errors.js";
import { canonicalArn } from "./arn.js";

export {
  STS_TIMEOUT_MS,
  parseStsError,
  requestTarget,
  type CallStsOptions,
  type StsResponse,
} from "../aws/sts-client.js";

export interface StsIdentity {
  readonly account: string;
  readonly arn: string;
  readonly canonicalArn: string;
  readonly userId: string;
  readonly sessionName?: string;
}

/** STS messages can quote the canonical request, which holds the session token: keep one line, no secrets. */
export function redactStsMessage(message: string, secrets: readonly string[]): string {
  let text = message.split(/\n|The Canonical String/)[0]?.trim() ?? "";
  for (const secret of secrets) if (secret.length >= 8) text = text.split(secret).join("[redacted]");
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

const THROTTLING_CODES: ReadonlySet<string> = new Set([
  "Throttling",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
]);

/** Turns a non-200 answer into the error the user sees; 4xx other than throttling is a rejection. */
export function stsHttpError(response: StsResponse, secrets: readonly string[]): EksTokenError {
  const { status } = response;
  const parsed = parseStsError(response.body);
  const code = parsed.code ?? "";
  const detail = parsed.message ? `: ${redactStsMessage(parsed.message, secrets)}` : "";
  const named = code ? ` ${code}` : "";
  if (status >= 300 && status < 400) {
    return stsRedirectError(status, response.location);
  }
  if (status === 429 || THROTTLING_CODES.has(code)) {
    return new EksTokenError(
      "sts",
      `STS is throttling (HTTP ${status}${named})`,
      "wait a moment and try again; the token itself may be fine",
    );
  }
  if (status >= 500) {
    return new EksTokenError(
      "sts",
      `STS failed (HTTP ${status}${named})${detail}`,
      "STS had a server-side problem; try again later",
    );
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
  return new EksTokenError(
    "sts",
    `STS answered HTTP ${status}${named}${detail}`,
    "expected 200 from GetCallerIdentity; check the STS endpoint",
  );
}

/** The server reads JSON: GetCallerIdentityResponse.GetCallerIdentityResult.{Account,Arn,UserId}. */
export function parseCallerIdentity(body: string): StsIdentity {
  let result: Record<string, unknown> | undefined;
  try {
    const json = JSON.parse(body) as {
      GetCallerIdentityResponse?: { GetCallerIdentityResult?: Record<string, unknown> };
    };
    result = json?.GetCallerIdentityResponse?.GetCallerIdentityResult;
  } catch {
    result = undefined;
  }
  const badBody = "STS answered 200 with a body that is not a JSON GetCallerIdentity response";
  if (!result || typeof result !== "object")
    throw new EksTokenError("sts", badBody, "the endpoint is not STS, or it ignored Accept: application/json");
  const account = typeof result.Account === "string" ? result.Account : "";
  const arn = typeof result.Arn === "string" ? result.Arn : "";
  const rawUserId = typeof result.UserId === "string" ? result.UserId : "";
  let canonical: string;
  try {
    canonical = canonicalArn(arn);
  } catch (err) {
    throw new EksTokenError(
      "sts",
      `STS returned an identity ARN the server cannot map: ${(err as Error).message}`,
      "the server would refuse this identity; check the credentials that made the token",
    );
  }
  // The server splits UserId at ':' and accepts one or two parts: ID or ID:SESSION.
  const parts = rawUserId.split(":");
  if (parts.length > 2) {
    throw new EksTokenError(
      "sts",
      `STS returned a malformed UserId ${quote(rawUserId)} (more than one ':')`,
      "the server would refuse this identity",
    );
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
