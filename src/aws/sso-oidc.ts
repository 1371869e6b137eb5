/**
 * The IAM Identity Center OIDC calls a sign-in makes (RegisterClient, StartDeviceAuthorization,
 * CreateToken for the authorization-code, device-code and refresh-token grants) through
 * @aws-sdk/client-sso-oidc, loaded on first use, and the `/authorize` address the browser opens.
 *
 * The endpoint is the one the SDK would use, resolved here once from the given environment and
 * files so the calls and the browser's address agree: AWS_ENDPOINT_URL_SSO_OIDC, else
 * AWS_ENDPOINT_URL, else the profile's `services` section (`sso_oidc = endpoint_url`), else its
 * `endpoint_url` (none of these when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or
 * ignore_configured_endpoint_urls is true), else the SDK's own rules for sso_region with the
 * FIPS and dual-stack settings (`oidc.REGION.amazonaws.com`, `.amazonaws.com.cn` in China, ...).
 *
 * Every call is bounded in time and its answer in size (the project's bounded handler,
 * ./http-handler.ts); each failure is one SsoOidcError whose
 * kind says what happened, and whose message never carries a token, secret, code or verifier.
 */
import type { Env } from "../env.js";
import { isTrue } from "../env.js";
import { EksTokenError, isEksTokenError } from "../errors.js";
import { shorten } from "../quote.js";
import { displayUrl, redact } from "../redact.js";
import { isRegionName } from "../validate.js";
import { resolveFipsDualStack } from "./endpoint-settings.js";
import { boundedRequestHandler, CREDENTIALS_MAX_BODY_BYTES } from "./http-handler.js";
import type { IniSections } from "./ini.js";
import type { ProfileSettings } from "./shared-config.js";

/** Each OIDC call's bound. */
export const SSO_OIDC_TIMEOUT_MS = 15_000;
/** The redirect URI registered for the authorization-code grant (the port is added when used). */
export const SSO_REDIRECT_URI = "http://127.0.0.1/oauth/callback";
export const GRANT_AUTHORIZATION_CODE = "authorization_code";
export const GRANT_DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code";
export const GRANT_REFRESH_TOKEN = "refresh_token";

export interface ClientRegistration {
  readonly clientId: string;
  readonly clientSecret: string;
  /** clientSecretExpiresAt. */
  readonly expiresAt: Date;
}

export interface DeviceAuthorization {
  readonly deviceCode: string;
  readonly userCode: string;
  readonly verificationUri: string;
  readonly verificationUriComplete: string | undefined;
  readonly expiresInSeconds: number;
  /** Seconds between polls (5 when not given). */
  readonly intervalSeconds: number;
}

export interface OidcToken {
  readonly accessToken: string;
  readonly expiresInSeconds: number;
  readonly refreshToken: string | undefined;
}

export interface RegisterClientInput {
  readonly clientName: string;
  readonly scopes?: readonly string[];
  /** For the authorization-code grant: authorization_code and refresh_token. */
  readonly grantTypes?: readonly string[];
  readonly redirectUris?: readonly string[];
  readonly issuerUrl?: string;
}

export type CreateTokenInput =
  | {
      readonly grantType: "authorization_code";
      readonly clientId: string;
      readonly clientSecret: string;
      readonly code: string;
      readonly redirectUri: string;
      readonly codeVerifier: string;
    }
  | {
      readonly grantType: "device_code";
      readonly clientId: string;
      readonly clientSecret: string;
      readonly deviceCode: string;
    }
  | {
      readonly grantType: "refresh_token";
      readonly clientId: string;
      readonly clientSecret: string;
      readonly refreshToken: string;
    };

export interface AuthorizeUrlInput {
  readonly clientId: string;
  /** http://127.0.0.1:PORT/oauth/callback */
  readonly redirectUri: string;
  readonly state: string;
  readonly codeChallenge: string;
  readonly scopes: readonly string[];
}

/** The three calls and the browser's address, over any transport: the SDK here, a fake in tests. */
export interface SsoOidc {
  /** The endpoint the calls go to, e.g. https://oidc.eu-west-1.amazonaws.com */
  readonly endpoint: string;
  registerClient(input: RegisterClientInput): Promise<ClientRegistration>;
  startDeviceAuthorization(input: {
    readonly clientId: string;
    readonly clientSecret: string;
    readonly startUrl: string;
  }): Promise<DeviceAuthorization>;
  createToken(input: CreateTokenInput): Promise<OidcToken>;
  /** `{endpoint}/authorize?response_type=code&client_id=…` as the AWS CLI builds it. */
  authorizeUrl(input: AuthorizeUrlInput): string;
}

export type SsoOidcErrorKind =
  | "authorization-pending"
  | "slow-down"
  | "expired-token"
  | "access-denied"
  | "invalid-grant"
  | "invalid-client"
  | "unauthorized-client"
  | "invalid-request"
  | "invalid-scope"
  | "unsupported-grant-type"
  | "invalid-client-metadata"
  | "invalid-redirect-uri"
  | "throttled"
  | "server"
  | "timeout"
  | "unreachable"
  | "too-large"
  | "error";

export class SsoOidcError extends Error {
  override readonly name = "SsoOidcError";
  constructor(
    readonly kind: SsoOidcErrorKind,
    /** RegisterClient, StartDeviceAuthorization or CreateToken. */
    readonly operation: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export function isSsoOidcError(e: unknown): e is SsoOidcError {
  return e instanceof Error && e.name === "SsoOidcError" && typeof (e as SsoOidcError).kind === "string";
}

const REFUSALS: ReadonlySet<SsoOidcErrorKind> = new Set([
  "invalid-grant",
  "invalid-client",
  "expired-token",
  "access-denied",
  "unauthorized-client",
]);

/**
 * A refusal of the token, the grant or the client (sign in again), as opposed to a failure to get
 * an answer (network, time, 5xx, throttling), which never means the session is gone.
 */
export function isClientRefusal(e: unknown): boolean {
  return isSsoOidcError(e) && REFUSALS.has(e.kind);
}

export interface SsoOidcOptions {
  /** sso_region. */
  readonly region: string;
  readonly env: Env;
  /** The selected profile's settings (endpoint_url, services, use_fips_endpoint, use_dualstack_endpoint, ...). */
  readonly profile?: ProfileSettings;
  /** The config file as configFileProfiles keys it, for the `services` section. */
  readonly configFile?: IniSections;
  readonly timeoutMs?: number;
  /** Builds the HTTP handler for the SDK client; the default is ssoOidcRequestHandler. */
  readonly requestHandler?: (timeoutMs: number) => unknown;
  /** --debug: one line a call (operation, grant, answer or error kind, time); never a value sent or received. */
  readonly debug?: (line: string) => void;
}

/**
 * The HTTP handler the SDK client sends through: connection and request bounded. Every SDK client
 * of the sign-in gets its handler from here, so a change of handler is made in one place.
 */
export function ssoOidcRequestHandler(timeoutMs: number): unknown {
  return boundedRequestHandler({
    maxBodyBytes: CREDENTIALS_MAX_BODY_BYTES,
    requestTimeoutMs: timeoutMs,
    connectionTimeoutMs: Math.min(3_000, timeoutMs),
  });
}

/** The endpoint configured by variable or file (the SDK's order), or undefined for the SDK's own rules. */
export function configuredSsoOidcEndpoint(
  env: Env,
  profile: ProfileSettings | undefined,
  configFile: IniSections | undefined,
): { readonly url: string; readonly from: string } | undefined {
  const ignore = env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] ?? profile?.["ignore_configured_endpoint_urls"];
  if (ignore !== undefined && isTrue(ignore)) return undefined;
  if (env["AWS_ENDPOINT_URL_SSO_OIDC"])
    return { url: env["AWS_ENDPOINT_URL_SSO_OIDC"], from: "AWS_ENDPOINT_URL_SSO_OIDC" };
  if (env["AWS_ENDPOINT_URL"]) return { url: env["AWS_ENDPOINT_URL"], from: "AWS_ENDPOINT_URL" };
  const services = profile?.["services"];
  if (services) {
    const section = configFile?.[`services.${services}`];
    if (!section) {
      throw new EksTokenError(
        "config",
        `the services section ${shorten(services)} named by the profile is not in the AWS config file`,
        "add the [services NAME] section or remove the profile's services setting",
      );
    }
    const url = section["sso_oidc.endpoint_url"];
    if (url) return { url, from: `the services section ${shorten(services)}` };
  }
  const url = profile?.["endpoint_url"];
  return url ? { url, from: "the profile's endpoint_url" } : undefined;
}

function checkEndpoint(url: string, from: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "https:" && parsed.protocol !== "http:") || parsed.username || parsed.password) {
    throw new EksTokenError(
      "config",
      `the SSO OIDC endpoint ${displayUrl(url)} from ${from} is not an http(s) URL`,
      "set it to an origin such as https://oidc.us-east-1.amazonaws.com",
    );
  }
  return url;
}

export async function createSsoOidc(options: SsoOidcOptions): Promise<SsoOidc> {
  const { region, env } = options;
  if (!isRegionName(region)) throw new EksTokenError("config", `invalid sso_region ${shorten(region)}`);
  const timeoutMs = options.timeoutMs ?? SSO_OIDC_TIMEOUT_MS;
  const { fips, dualStack } = resolveFipsDualStack(env, options.profile ?? {});
  const configured = configuredSsoOidcEndpoint(env, options.profile, options.configFile);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const sdk = await import("@aws-sdk/client-sso-oidc");
  let endpoint: string;
  if (configured) {
    endpoint = checkEndpoint(configured.url, configured.from);
  } else {
    // The SDK's rule set for this region, FIPS and dual-stack: the address the CLI also opens.
    const probe = new sdk.SSOOIDCClient({ region, useFipsEndpoint: fips, useDualstackEndpoint: dualStack });
    endpoint = probe.config.endpointProvider({ Region: region, UseFIPS: fips, UseDualStack: dualStack }).url.href;
    probe.destroy();
  }
  const client = new sdk.SSOOIDCClient({
    region,
    endpoint,
    useFipsEndpoint: fips,
    useDualstackEndpoint: dualStack,
    maxAttempts: 1,
    // biome-ignore lint/suspicious/noExplicitAny: the handler's type is the SDK's, checked there
    requestHandler: (options.requestHandler ?? ssoOidcRequestHandler)(timeoutMs) as any,
  });
  const base = new URL(endpoint).origin;

  // biome-ignore lint/suspicious/noExplicitAny: each command's output type is checked where it is read
  const send = async (operation: string, command: any, detail = ""): Promise<any> => {
    const started = performance.now();
    const took = () => `${Math.round(performance.now() - started)} ms`;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(timeoutError(operation, timeoutMs));
      }, timeoutMs);
    });
    try {
      const out = await Promise.race([client.send(command, { abortSignal: abort.signal }), deadline]);
      options.debug?.(`SSO OIDC ${operation}${detail} at ${base}: answered in ${took()}`);
      return out;
    } catch (e) {
      const error = oidcError(e, operation, timeoutMs);
      options.debug?.(
        `SSO OIDC ${operation}${detail} at ${base}: ${error.kind}${error.status ? ` (HTTP ${error.status})` : ""} after ${took()}`,
      );
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    endpoint: base,
    async registerClient(input) {
      const out = await send(
        "RegisterClient",
        new sdk.RegisterClientCommand({
          clientName: input.clientName,
          clientType: "public",
          ...(input.scopes ? { scopes: [...input.scopes] } : {}),
          ...(input.grantTypes ? { grantTypes: [...input.grantTypes] } : {}),
          ...(input.redirectUris ? { redirectUris: [...input.redirectUris] } : {}),
          ...(input.issuerUrl ? { issuerUrl: input.issuerUrl } : {}),
        }),
      );
      const clientId = requireText(out.clientId, "RegisterClient", "clientId");
      const clientSecret = requireText(out.clientSecret, "RegisterClient", "clientSecret");
      const expires = Number(out.clientSecretExpiresAt);
      if (!Number.isFinite(expires) || expires <= 0)
        throw new SsoOidcError("error", "RegisterClient", "RegisterClient answered without clientSecretExpiresAt");
      return { clientId, clientSecret, expiresAt: new Date(expires * 1000) };
    },
    async startDeviceAuthorization(input) {
      const out = await send(
        "StartDeviceAuthorization",
        new sdk.StartDeviceAuthorizationCommand({
          clientId: input.clientId,
          clientSecret: input.clientSecret,
          startUrl: input.startUrl,
        }),
      );
      const interval = Number(out.interval);
      const expiresIn = Number(out.expiresIn);
      return {
        deviceCode: requireText(out.deviceCode, "StartDeviceAuthorization", "deviceCode"),
        userCode: requireText(out.userCode, "StartDeviceAuthorization", "userCode"),
        verificationUri: requireText(out.verificationUri, "StartDeviceAuthorization", "verificationUri"),
        verificationUriComplete:
          typeof out.verificationUriComplete === "string" ? out.verificationUriComplete : undefined,
        expiresInSeconds: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 600,
        intervalSeconds: Number.isFinite(interval) && interval > 0 ? interval : 5,
      };
    },
    async createToken(input) {
      const grant =
        input.grantType === "authorization_code"
          ? {
              grantType: GRANT_AUTHORIZATION_CODE,
              code: input.code,
              redirectUri: input.redirectUri,
              codeVerifier: input.codeVerifier,
            }
          : input.grantType === "device_code"
            ? { grantType: GRANT_DEVICE_CODE, deviceCode: input.deviceCode }
            : { grantType: GRANT_REFRESH_TOKEN, refreshToken: input.refreshToken };
      const out = await send(
        "CreateToken",
        new sdk.CreateTokenCommand({ clientId: input.clientId, clientSecret: input.clientSecret, ...grant }),
        ` (${input.grantType})`,
      );
      const expiresIn = Number(out.expiresIn);
      if (!Number.isFinite(expiresIn) || expiresIn <= 0)
        throw new SsoOidcError("error", "CreateToken", "CreateToken answered without expiresIn");
      return {
        accessToken: requireText(out.accessToken, "CreateToken", "accessToken"),
        expiresInSeconds: expiresIn,
        refreshToken: typeof out.refreshToken === "string" && out.refreshToken !== "" ? out.refreshToken : undefined,
      };
    },
    authorizeUrl(input) {
      const query = new URLSearchParams([
        ["response_type", "code"],
        ["client_id", input.clientId],
        ["redirect_uri", input.redirectUri],
        ["state", input.state],
        ["code_challenge_method", "S256"],
        ["scopes", input.scopes.join(" ")],
        ["code_challenge", input.codeChallenge],
      ]);
      return `${base}/authorize?${query.toString()}`;
    },
  };
}

function requireText(value: unknown, operation: string, field: string): string {
  if (typeof value !== "string" || value === "")
    throw new SsoOidcError("error", operation, `${operation} answered without ${field}`);
  return value;
}

function timeoutError(operation: string, timeoutMs: number): SsoOidcError {
  return new SsoOidcError("timeout", operation, `SSO OIDC ${operation} did not answer within ${timeoutMs / 1000} s`);
}

const KINDS: Readonly<Record<string, SsoOidcErrorKind>> = {
  AuthorizationPendingException: "authorization-pending",
  SlowDownException: "slow-down",
  ExpiredTokenException: "expired-token",
  AccessDeniedException: "access-denied",
  InvalidGrantException: "invalid-grant",
  InvalidClientException: "invalid-client",
  UnauthorizedClientException: "unauthorized-client",
  InvalidRequestException: "invalid-request",
  InvalidRequestRegionException: "invalid-request",
  InvalidScopeException: "invalid-scope",
  UnsupportedGrantTypeException: "unsupported-grant-type",
  InvalidClientMetadataException: "invalid-client-metadata",
  InvalidRedirectUriException: "invalid-redirect-uri",
  InternalServerException: "server",
  ThrottlingException: "throttled",
  TooManyRequestsException: "throttled",
};

/** One line for any failure of a call, redacted; the kind says what it means. */
export function oidcError(e: unknown, operation: string, timeoutMs: number): SsoOidcError {
  if (isSsoOidcError(e)) return e;
  // The bounded handler's own errors: an answer over the cap, or one that did not end in time.
  if (isEksTokenError(e) && e.code === "too-large")
    return new SsoOidcError("too-large", operation, `SSO OIDC ${operation}: ${e.message}`);
  if (isEksTokenError(e) && e.code === "timeout") return timeoutError(operation, timeoutMs);
  const err = (e ?? {}) as {
    name?: string;
    message?: string;
    code?: string;
    error?: string;
    error_description?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = err.$metadata?.httpStatusCode;
  // The service's own words are in error_description; the SDK's message is then "UnknownError".
  const said = err.message && err.message !== "UnknownError" ? err.message : (err.error_description ?? err.message);
  const firstLine = redact((said ?? String(e)).split("\n")[0] ?? "");
  const detail = shorten(firstLine, 160);
  const name = err.name ?? "Error";
  const kind = KINDS[name];
  if (kind)
    return new SsoOidcError(kind, operation, `SSO OIDC ${operation}: ${name}${detail ? `: ${detail}` : ""}`, status);
  // The SDK's handler names a reset connection a TimeoutError too; it came at once, not in time.
  if (err.code === "ECONNRESET" || err.code === "EPIPE")
    return new SsoOidcError(
      "unreachable",
      operation,
      `the connection to SSO OIDC closed before ${operation} was answered (${err.code})`,
    );
  if (name === "TimeoutError" || name === "AbortError" || err.code === "ETIMEDOUT")
    return timeoutError(operation, timeoutMs);
  if (err.code && /^(ECONN|ENOTFOUND|EAI_|EHOSTUNREACH|ENETUNREACH|EPIPE)/.test(err.code))
    return new SsoOidcError("unreachable", operation, `cannot reach SSO OIDC (${operation}): ${err.code}`);
  if (status !== undefined && status >= 500)
    return new SsoOidcError("server", operation, `SSO OIDC ${operation} failed with HTTP ${status}`, status);
  if (status === 429) return new SsoOidcError("throttled", operation, `SSO OIDC ${operation} was throttled`, status);
  return new SsoOidcError(
    "error",
    operation,
    `SSO OIDC ${operation} failed: ${name}${detail ? `: ${detail}` : ""}${status ? ` (HTTP ${status})` : ""}`,
    status,
  );
}
