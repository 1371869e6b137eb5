/**
 * The EKS control-plane calls `eks-token doctor` makes, through @aws-sdk/client-eks (loaded when
 * first used), as plain data. The SDK resolves AWS_ENDPOINT_URL_EKS, AWS_ENDPOINT_URL and the
 * profile's endpoint_url itself. Every call is bounded; each failure is one EksApiError.
 */
import type { AwsCredentials } from "./credentials.js";
import { isEksTokenError } from "../errors.js";
import { boundedRequestHandler, EKS_MAX_BODY_BYTES } from "./http-handler.js";
import { silenceSdkVersionWarning } from "./sdk-warning.js";

export type AuthenticationMode = "API" | "API_AND_CONFIG_MAP" | "CONFIG_MAP";

export interface EksCluster {
  readonly name: string;
  readonly arn: string | undefined;
  readonly status: string | undefined;
  readonly version: string | undefined;
  readonly endpoint: string | undefined;
  readonly caData: string | undefined;
  readonly endpointPublicAccess: boolean | undefined;
  readonly endpointPrivateAccess: boolean | undefined;
  readonly authenticationMode: string | undefined;
}

export interface EksAccessEntry {
  readonly principalArn: string;
  readonly type: string | undefined;
  readonly username: string | undefined;
  readonly kubernetesGroups: readonly string[];
}

export interface EksAssociatedPolicy {
  readonly policyArn: string;
  /** undefined: cluster scope. */
  readonly namespaces: readonly string[] | undefined;
}

/** A paged listing as far as it was read. */
export interface EksListing<T> {
  readonly items: T[];
  /** Why the listing stopped before its last page (the page cap, the time bound, a failed page). */
  readonly cut?: string | undefined;
}

/** The four calls, over any transport: the SDK here, a fake in tests. */
export interface EksApi {
  describeCluster(name: string): Promise<EksCluster>;
  listAccessEntries(clusterName: string): Promise<EksListing<string>>;
  describeAccessEntry(clusterName: string, principalArn: string): Promise<EksAccessEntry>;
  listAssociatedAccessPolicies(clusterName: string, principalArn: string): Promise<EksListing<EksAssociatedPolicy>>;
}

export type EksFailureKind = "access-denied" | "not-found" | "timeout" | "unreachable" | "refused" | "error";

export class EksApiError extends Error {
  override readonly name = "EksApiError";
  constructor(
    readonly kind: EksFailureKind,
    /** The API operation, e.g. ListAccessEntries (the IAM action is `eks:` plus it). */
    readonly operation: string,
    message: string,
  ) {
    super(message);
  }
}

export function isEksApiError(e: unknown): e is EksApiError {
  return e instanceof Error && e.name === "EksApiError" && typeof (e as EksApiError).kind === "string";
}

export interface EksApiOptions {
  readonly region: string;
  readonly credentials: AwsCredentials;
  /** The bound of each call. */
  readonly timeoutMs: number;
  /** What is left of the caller's own bound: each call gets at most this. */
  readonly remainingMs?: (() => number) | undefined;
}

// Listings are paged by the API; a bound on pages keeps a broken endpoint from looping.
const MAX_PAGES = 20;
// A page is not started with less time than this left.
const MIN_CALL_MS = 200;

/**
 * Reads pages until the last one, the page cap, a repeated token, the time bound or a failed page
 * after the first; a failing first page is the listing's failure.
 */
async function readPages<T>(
  operation: string,
  remainingMs: () => number,
  // biome-ignore lint/suspicious/noExplicitAny: the page's output type is checked where it is read
  page: (nextToken: string | undefined) => Promise<any>,
  take: (out: unknown) => T[],
): Promise<EksListing<T>> {
  const items: T[] = [];
  const seen = new Set<string>();
  let nextToken: string | undefined;
  for (let n = 0; ; n++) {
    if (n === MAX_PAGES) return { items, cut: `${operation} stopped after ${MAX_PAGES} pages` };
    if (n > 0 && remainingMs() < MIN_CALL_MS)
      return { items, cut: `${operation} stopped after ${n} pages: the time bound was spent` };
    let out: { nextToken?: unknown };
    try {
      out = await page(nextToken);
    } catch (e) {
      if (n === 0) throw e;
      if (remainingMs() < MIN_CALL_MS)
        return { items, cut: `${operation} stopped after ${n} pages: the time bound was spent` };
      return { items, cut: `page ${n + 1} of ${operation} failed: ${(e as Error).message}` };
    }
    items.push(...take(out));
    if (typeof out?.nextToken !== "string" || out.nextToken === "") return { items };
    if (seen.has(out.nextToken)) return { items, cut: `${operation} gave the same page token twice` };
    seen.add(out.nextToken);
    nextToken = out.nextToken;
  }
}

export async function createEksApi(options: EksApiOptions): Promise<EksApi> {
  silenceSdkVersionWarning();
  const sdk = await import("@aws-sdk/client-eks");
  const remainingMs = options.remainingMs ?? (() => options.timeoutMs);
  const client = new sdk.EKSClient({
    region: options.region,
    credentials: {
      accessKeyId: options.credentials.accessKeyId,
      secretAccessKey: options.credentials.secretAccessKey,
      ...(options.credentials.sessionToken ? { sessionToken: options.credentials.sessionToken } : {}),
    },
    maxAttempts: 1,
    // Answers are capped (a few MB) and bounded in time, body included.
    requestHandler: boundedRequestHandler({
      maxBodyBytes: EKS_MAX_BODY_BYTES,
      requestTimeoutMs: options.timeoutMs,
      connectionTimeoutMs: Math.min(3_000, options.timeoutMs),
    }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: each command's output type is checked where it is read
  const send = async (operation: string, command: any): Promise<any> => {
    const timeoutMs = Math.floor(Math.min(options.timeoutMs, remainingMs()));
    if (timeoutMs < MIN_CALL_MS)
      throw new EksApiError("timeout", operation, `EKS ${operation} not asked: the time bound was spent`);
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new EksApiError("timeout", operation, `EKS ${operation} did not answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([client.send(command, { abortSignal: abort.signal }), deadline]);
    } catch (e) {
      throw eksError(e, operation, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    async describeCluster(name) {
      const out = await send("DescribeCluster", new sdk.DescribeClusterCommand({ name }));
      const c = out.cluster ?? {};
      return {
        name: c.name ?? name,
        arn: c.arn,
        status: c.status,
        version: c.version,
        endpoint: c.endpoint,
        caData: c.certificateAuthority?.data,
        endpointPublicAccess: c.resourcesVpcConfig?.endpointPublicAccess,
        endpointPrivateAccess: c.resourcesVpcConfig?.endpointPrivateAccess,
        authenticationMode: c.accessConfig?.authenticationMode,
      };
    },
    listAccessEntries: (clusterName) =>
      readPages(
        "ListAccessEntries",
        remainingMs,
        (nextToken) =>
          send(
            "ListAccessEntries",
            new sdk.ListAccessEntriesCommand({ clusterName, ...(nextToken ? { nextToken } : {}) }),
          ),
        (out) => {
          const list = (out as { accessEntries?: unknown }).accessEntries;
          return Array.isArray(list) ? list.filter((a): a is string => typeof a === "string") : [];
        },
      ),
    async describeAccessEntry(clusterName, principalArn) {
      const out = await send("DescribeAccessEntry", new sdk.DescribeAccessEntryCommand({ clusterName, principalArn }));
      const e = out.accessEntry ?? {};
      return {
        principalArn: e.principalArn ?? principalArn,
        type: e.type,
        username: e.username,
        kubernetesGroups: e.kubernetesGroups ?? [],
      };
    },
    listAssociatedAccessPolicies: (clusterName, principalArn) =>
      readPages(
        "ListAssociatedAccessPolicies",
        remainingMs,
        (nextToken) =>
          send(
            "ListAssociatedAccessPolicies",
            new sdk.ListAssociatedAccessPoliciesCommand({
              clusterName,
              principalArn,
              ...(nextToken ? { nextToken } : {}),
            }),
          ),
        (out) => {
          const policies: EksAssociatedPolicy[] = [];
          for (const p of ((out as { associatedAccessPolicies?: unknown }).associatedAccessPolicies ?? []) as {
            policyArn?: string;
            accessScope?: { type?: string; namespaces?: string[] };
          }[]) {
            if (typeof p?.policyArn !== "string") continue;
            policies.push({
              policyArn: p.policyArn,
              namespaces: p.accessScope?.type === "namespace" ? (p.accessScope.namespaces ?? []) : undefined,
            });
          }
          return policies;
        },
      ),
  };
}

function eksError(e: unknown, operation: string, timeoutMs: number): EksApiError {
  if (isEksApiError(e)) return e;
  if (isEksTokenError(e)) return new EksApiError(e.code === "timeout" ? "timeout" : "error", operation, e.message);
  const err = (e ?? {}) as { name?: string; message?: string; code?: string };
  const message = (err.message ?? String(e)).split("\n")[0] ?? "";
  // The SDK's handler names a reset connection a TimeoutError too; it came at once, not in time.
  if (err.code === "ECONNRESET" || err.code === "EPIPE")
    return new EksApiError(
      "unreachable",
      operation,
      `the connection to EKS closed before ${operation} was answered (${err.code})`,
    );
  switch (err.name) {
    case "AccessDeniedException":
      return new EksApiError("access-denied", operation, message);
    case "ResourceNotFoundException":
      return new EksApiError("not-found", operation, message);
    case "UnrecognizedClientException":
    case "InvalidSignatureException":
    case "ExpiredTokenException":
      return new EksApiError("refused", operation, `${err.name}: ${message}`);
    case "TimeoutError":
    case "AbortError":
      return new EksApiError("timeout", operation, `EKS ${operation} did not answer within ${timeoutMs / 1000} s`);
  }
  if (err.code && /^(ECONN|ENOTFOUND|EAI_|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)/.test(err.code))
    return new EksApiError("unreachable", operation, `cannot reach EKS: ${err.code}`);
  return new EksApiError("error", operation, `${err.name ?? "Error"}: ${message}`);
}
