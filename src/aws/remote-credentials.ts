/**
 * The default chain's last links, container credentials (ECS, EKS Pod Identity) and instance
 * metadata (IMDSv2, then v1 where allowed), as the SDK's providers make them but read through the
 * bounded handler (./http-handler.ts) and from the given environment: the SDK's own providers use
 * node:http with no cap on the answer, so an endless one would grow the process without limit.
 * Loaded with the SDK's providers (./sdk-providers.ts).
 */
import { CredentialsProviderError } from "@smithy/core/config";
import { HttpRequest } from "@smithy/protocol-http";
import type { Env } from "../env.js";
import { EksTokenError, isEksTokenError } from "../errors.js";
import { isOverCap, readFileCapped, tooLargeError } from "../byte-cap.js";
import { describeFileKind } from "../file-kind.js";
import { quote } from "../quote.js";
import type { Logger } from "../logger.js";
import type { AwsCredentials, CredentialsProvider } from "./credential-types.js";
import { boundedRequestHandler, CREDENTIALS_MAX_BODY_BYTES } from "./http-handler.js";
import type { ProfileSettings } from "./shared-config.js";

export interface RemoteInit {
  readonly env: Env;
  /** The selected profile's settings (ec2_metadata_service_endpoint and the like). */
  readonly profile: ProfileSettings;
  readonly logger: Logger;
  /** Each request, body included; 1 s as in the SDK. */
  readonly timeoutMs?: number;
}

const CONTAINER_HOST = "http://169.254.170.2";
const EKS_CONTAINER_HOSTS = new Set(["169.254.170.2", "169.254.170.23", "[fd00:ec2::23]"]);
const IMDS_ENDPOINTS: Record<string, string> = { ipv4: "http://169.254.169.254", ipv6: "http://[fd00:ec2::254]" };
const IMDS_TOKEN_PATH = "/latest/api/token";
const IMDS_CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/";

/** The remote link of the chain: container credentials when the environment names them, else instance metadata. */
export function fromRemoteEndpoints(init: RemoteInit): CredentialsProvider {
  const { env } = init;
  if (env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] || env["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
    return fromContainerEndpoint(init);
  const disabled = env["AWS_EC2_METADATA_DISABLED"];
  if (disabled && disabled !== "false") {
    return async () => {
      throw new CredentialsProviderError("EC2 Instance Metadata Service access disabled", { logger: init.logger });
    };
  }
  return fromInstanceMetadataEndpoint(init);
}

interface Answer {
  readonly status: number;
  readonly text: string;
}

function client(init: RemoteInit) {
  const timeoutMs = init.timeoutMs ?? 1_000;
  const handler = boundedRequestHandler({
    maxBodyBytes: CREDENTIALS_MAX_BODY_BYTES,
    requestTimeoutMs: timeoutMs,
    connectionTimeoutMs: timeoutMs,
  });
  const send = async (url: URL, method: string, headers: Record<string, string>): Promise<Answer> => {
    const { response } = await handler.handle(
      new HttpRequest({
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        method,
        headers: { ...headers, host: url.host },
      }),
    );
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(chunk);
    return { status: response.statusCode, text: Buffer.concat(chunks).toString("utf8") };
  };
  return { send, destroy: () => handler.destroy() };
}

/** What both endpoints answer: {AccessKeyId, SecretAccessKey, Token, Expiration}. */
function credentialsFrom(text: string, what: string, logger: Logger, feature: string): AwsCredentials {
  let parsed: Record<string, unknown> = {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null) parsed = value as Record<string, unknown>;
  } catch {
    // Reported below as an answer without credentials.
  }
  const { AccessKeyId, SecretAccessKey, Token, Expiration } = parsed;
  const expiration = typeof Expiration === "string" ? new Date(Expiration) : undefined;
  if (
    typeof AccessKeyId !== "string" ||
    typeof SecretAccessKey !== "string" ||
    typeof Token !== "string" ||
    !expiration ||
    Number.isNaN(expiration.getTime())
  ) {
    throw new CredentialsProviderError(
      `the ${what} answered without credentials (AccessKeyId, SecretAccessKey, Token, Expiration)`,
      { logger },
    );
  }
  const credentials = { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, sessionToken: Token, expiration };
  // Marked as the SDK marks its own, so messages can name where credentials came from.
  Object.defineProperty(credentials, "$source", { value: { [feature]: "z" }, enumerable: false });
  return credentials;
}

function containerUrl(env: Env, logger: Logger): URL {
  const relative = env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"];
  const text = relative ? `${CONTAINER_HOST}${relative}` : (env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] ?? "");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CredentialsProviderError("the container credentials URI is not a URL", { logger, tryNextLink: false });
  }
  // The hosts the SDK accepts: HTTPS anywhere, plain HTTP only to loopback or the container agents.
  const host = url.hostname;
  const loopback =
    host === "localhost" || host === "[::1]" || /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(host) || false;
  if (url.protocol !== "https:" && !(url.protocol === "http:" && (loopback || EKS_CONTAINER_HOSTS.has(host)))) {
    throw new CredentialsProviderError(
      "URL not accepted. It must either be HTTPS or match one of the following: loopback CIDR 127.0.0.0/8 or [::1/128], ECS container host 169.254.170.2, EKS container host 169.254.170.23 or [fd00:ec2::23]",
      { logger },
    );
  }
  return url;
}

export function fromContainerEndpoint(init: RemoteInit): CredentialsProvider {
  const { env, logger } = init;
  return async () => {
    const url = containerUrl(env, logger);
    const tokenFile = env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"];
    const token = tokenFile
      ? readTokenFile(tokenFile, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
      : env["AWS_CONTAINER_AUTHORIZATION_TOKEN"];
    if (token?.includes("\r\n"))
      throw new CredentialsProviderError("Authorization token contains invalid \\r\\n sequence.", { logger });
    const { send, destroy } = client(init);
    let answer: Answer;
    try {
      answer = await send(url, "GET", token ? { Authorization: token } : {});
    } catch (e) {
      throw wrap(e, logger);
    } finally {
      destroy();
    }
    if (answer.status === 200)
      return credentialsFrom(answer.text, "container credentials endpoint", logger, "CREDENTIALS_HTTP");
    throw new CredentialsProviderError(`Server responded with status: ${answer.status}`, { logger });
  };
}

/**
 * An answer over the cap ends the chain with its own line; any other failure (refused, reset, no
 * answer in time) is the link's, which the chain's error then names with the endpoint.
 */
function wrap(e: unknown, logger: Logger): unknown {
  if (isEksTokenError(e) && e.code === "too-large") return e;
  return new CredentialsProviderError(String((e as Error)?.message ?? e), { logger });
}

function setting(env: Env, profile: ProfileSettings, envName: string, profileName: string): string | undefined {
  const value = env[envName];
  return value !== undefined && value !== "" ? value : profile[profileName];
}

export function fromInstanceMetadataEndpoint(init: RemoteInit): CredentialsProvider {
  const { env, profile, logger } = init;
  return async () => {
    const endpointText = setting(env, profile, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint");
    const mode = (
      setting(env, profile, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ec2_metadata_service_endpoint_mode") ?? "IPv4"
    ).toLowerCase();
    const base = endpointText || IMDS_ENDPOINTS[mode];
    if (!base)
      throw new CredentialsProviderError(`Unsupported endpoint mode: ${mode}. Select from IPv4,IPv6`, { logger });
    let origin: URL;
    try {
      origin = new URL(base);
    } catch {
      throw new CredentialsProviderError("the instance metadata endpoint is not a URL", { logger });
    }
    const at = (path: string) => new URL(path, origin);
    const v1Setting = setting(env, profile, "AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled");
    const v1Disabled = v1Setting !== undefined && v1Setting !== "" && v1Setting !== "false";
    const { send, destroy } = client(init);
    try {
      let headers: Record<string, string> = {};
      try {
        const answer = await send(at(IMDS_TOKEN_PATH), "PUT", { "x-aws-ec2-metadata-token-ttl-seconds": "21600" });
        if (answer.status === 200) headers = { "x-aws-ec2-metadata-token": answer.text };
        else if (answer.status === 400)
          throw new CredentialsProviderError("EC2 Metadata token request returned error", { logger });
      } catch (e) {
        if (e instanceof CredentialsProviderError) throw e;
        const mine = wrap(e, logger);
        if (!(mine instanceof CredentialsProviderError)) throw mine;
      }
      if (!headers["x-aws-ec2-metadata-token"] && v1Disabled) {
        throw new CredentialsProviderError(
          "AWS EC2 Metadata v1 fallback has been blocked by AWS SDK configuration (AWS_EC2_METADATA_V1_DISABLED or ec2_metadata_v1_disabled).",
          { logger },
        );
      }
      const get = async (path: string): Promise<string> => {
        let answer: Answer;
        try {
          answer = await send(at(path), "GET", headers);
        } catch (e) {
          throw wrap(e, logger);
        }
        if (answer.status !== 200)
          throw new CredentialsProviderError(
            `Error response received from instance metadata service (HTTP ${answer.status})`,
            { logger },
          );
        return answer.text;
      };
      const role = (await get(IMDS_CREDENTIALS_PATH)).trim();
      // An IAM role name; anything else would change the path asked next.
      if (!/^[\w+=,.@-]{1,128}$/.test(role))
        throw new CredentialsProviderError("the instance metadata service named no usable role", { logger });
      return credentialsFrom(
        await get(IMDS_CREDENTIALS_PATH + role),
        "instance metadata service",
        logger,
        "CREDENTIALS_IMDS",
      );
    } finally {
      destroy();
    }
  };
}

/** Tokens are a few kB; a token file is read under this cap. */
const TOKEN_FILE_MAX_BYTES = 64 * 1024;

/** A token file's text (a container authorization token, a web identity token), read under the cap. */
export function readTokenFile(path: string, variable: string): string {
  let file: ReturnType<typeof readFileCapped>;
  try {
    file = readFileCapped(path, TOKEN_FILE_MAX_BYTES);
  } catch (e) {
    if (isOverCap(e))
      throw tooLargeError(
        `the file ${quote(path)} (${variable})`,
        TOKEN_FILE_MAX_BYTES,
        `point ${variable} at the token file`,
      );
    throw e;
  }
  // Either ends the chain with its own line: the SDK's providers stop at a token file they cannot read too.
  if (file.kind === "missing")
    throw new EksTokenError(
      "config",
      `cannot read ${variable} ${quote(path)}: ${file.code}`,
      `point ${variable} at the token file, or unset it`,
    );
  if (file.kind === "not-regular")
    throw new EksTokenError(
      "config",
      `${variable} ${quote(path)} is ${describeFileKind(file.stat)}, not a regular file`,
      `point ${variable} at the token file, or unset it`,
    );
  return file.bytes.toString("utf8");
}
