/** DescribeCluster through @aws-sdk/client-eks: the only place this command talks to AWS. */
import { resolveCredentials } from "../aws/credentials.js";
import { boundedRequestHandler, EKS_MAX_BODY_BYTES } from "../aws/http-handler.js";
import { terminalMfaCodeProvider } from "../aws/mfa-prompt.js";
import { resolveTarget } from "../aws/target.js";
import { EksTokenError, isEksTokenError } from "../errors.js";
import { NO_TERMINAL, type Terminal } from "../terminal.js";

export interface DescribedCluster {
  readonly name: string;
  readonly arn: string;
  readonly endpoint: string;
  readonly caData: string;
  readonly status: string;
  /** Set for local clusters on Outposts, whose tokens are bound to this id instead of the name. */
  readonly outpostClusterId?: string;
}

export interface DescribeInput {
  readonly name: string;
  readonly region: string;
  readonly profile?: string;
  /** Bound for the whole call, credential lookup included. */
  readonly timeoutMs?: number;
  /** Where an MFA code is asked for (none: a role that needs one fails with its line). */
  readonly terminal?: Terminal | undefined;
}

const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

const USABLE = new Set(["ACTIVE", "UPDATING"]);
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Calls DescribeCluster and checks the answer is usable. The SDK itself honours
 * AWS_ENDPOINT_URL_EKS / AWS_ENDPOINT_URL and the profile's endpoint_url (service id "EKS").
 */
export async function describeCluster(input: DescribeInput): Promise<DescribedCluster> {
  // The SDK warns on stderr about Node versions; the CLI reports its own problems.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const { EKSClient, DescribeClusterCommand } = await import("@aws-sdk/client-eks");
  const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let client: InstanceType<typeof EKSClient> | undefined;
  try {
    // The token path's credential chain: every endpoint it asks is read under a byte cap, and the
    // network part is bounded (a person typing an MFA code is not counted).
    const env = process.env;
    const target = await resolveTarget({ clusterId: input.name, region: input.region, profile: input.profile }, env);
    const credentials = await resolveCredentials(target, {
      env,
      logger: SILENT,
      mfaCodeProvider: terminalMfaCodeProvider({ terminal: input.terminal ?? NO_TERMINAL }),
      timeoutMs,
      now: () => Date.now(),
    });
    client = new EKSClient({
      region: input.region,
      profile: input.profile,
      credentials: {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
      },
      maxAttempts: 2,
      // Answers are capped (a few MB) and bounded in time, body included.
      requestHandler: boundedRequestHandler({
        maxBodyBytes: EKS_MAX_BODY_BYTES,
        requestTimeoutMs: Math.ceil(timeoutMs / 2),
        connectionTimeoutMs: Math.min(3_000, timeoutMs),
      }),
    });
    const abort = new AbortController();
    const out = await withDeadline(
      client.send(new DescribeClusterCommand({ name: input.name }), { abortSignal: abort.signal }),
      timeoutMs,
      () => abort.abort(),
    );
    return usableCluster(input, out.cluster);
  } catch (e) {
    throw describeError(e, input);
  } finally {
    client?.destroy();
  }
}

interface RawCluster {
  name?: string;
  arn?: string;
  endpoint?: string;
  status?: string;
  id?: string;
  certificateAuthority?: { data?: string };
  outpostConfig?: unknown;
}

/** Pure: turns the API's cluster into what the kubeconfig needs, refusing clusters not ready. */
export function usableCluster(
  input: Pick<DescribeInput, "name" | "region">,
  raw: RawCluster | undefined,
): DescribedCluster {
  if (!raw?.status) {
    throw new EksTokenError("kubeconfig", `cluster ${input.name} not found in ${input.region}`);
  }
  if (!USABLE.has(raw.status)) {
    throw new EksTokenError(
      "kubeconfig",
      `cluster ${input.name} in ${input.region} is ${raw.status}`,
      "a kubeconfig can be written once it is ACTIVE or UPDATING",
    );
  }
  if (!raw.arn || !raw.endpoint || !raw.certificateAuthority?.data) {
    throw new EksTokenError("kubeconfig", `DescribeCluster for ${input.name} returned no endpoint, ARN or certificate`);
  }
  return {
    name: raw.name ?? input.name,
    arn: raw.arn,
    endpoint: raw.endpoint,
    caData: raw.certificateAuthority.data,
    status: raw.status,
    outpostClusterId: raw.outpostConfig && raw.id ? raw.id : undefined,
  };
}

async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(
        new EksTokenError(
          "timeout",
          `DescribeCluster did not answer within ${ms / 1000} s`,
          "check the network or AWS_ENDPOINT_URL_EKS",
        ),
      );
    }, ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// Maps SDK failures onto the CLI's error codes with the one thing to try next.
function describeError(e: unknown, input: DescribeInput): EksTokenError {
  if (isEksTokenError(e)) return e;
  const err = e as { name?: string; message?: string; code?: string };
  const message = err.message ?? String(e);
  const where = `cluster ${input.name} in ${input.region}`;
  // The SDK's handler names a reset connection a TimeoutError too; it came at once, not in time.
  if (err.code === "ECONNRESET" || err.code === "EPIPE") {
    return new EksTokenError(
      "network",
      `the connection to EKS closed before DescribeCluster on ${where} was answered (${err.code})`,
      "check the network or AWS_ENDPOINT_URL_EKS",
      { cause: e },
    );
  }
  switch (err.name) {
    case "ResourceNotFoundException":
      return new EksTokenError("kubeconfig", `${where} not found`, "check --cluster-name and --region", { cause: e });
    case "CredentialsProviderError":
      return new EksTokenError(
        "no-credentials",
        `no AWS credentials for DescribeCluster: ${message}`,
        "log in (aws sso login) or pass --profile",
        { cause: e },
      );
    case "AccessDeniedException":
    case "UnrecognizedClientException":
    case "InvalidSignatureException":
    case "ExpiredTokenException":
      return new EksTokenError(
        "kubeconfig",
        `DescribeCluster on ${where} was refused: ${message}`,
        "these credentials need eks:DescribeCluster; or pass --endpoint and --ca-data",
        { cause: e },
      );
    case "TimeoutError":
    case "AbortError":
      return new EksTokenError(
        "timeout",
        `DescribeCluster on ${where} timed out`,
        "check the network or AWS_ENDPOINT_URL_EKS",
        { cause: e },
      );
  }
  if (err.code && /^(ECONN|ENOTFOUND|EAI_|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)/.test(err.code)) {
    return new EksTokenError(
      "network",
      `cannot reach EKS for ${where}: ${message}`,
      "check the network or AWS_ENDPOINT_URL_EKS",
      { cause: e },
    );
  }
  return new EksTokenError("kubeconfig", `DescribeCluster on ${where} failed: ${message}`, undefined, { cause: e });
}
