/**
 * AWS credentials for signing: the SDK's default chain, a profile, an assumed role, an MFA prompt,
 * all bounded in time. Loaded only on a cache miss; the SDK's providers are loaded only when used.
 */
import type { Logger } from "../logger.js";
import { EksTokenError } from "../errors.js";
import type { SigningCredentials } from "../token/presign.js";
import type { TokenTarget } from "./target.js";
import { getCallerIdentity, sessionNameOf } from "./caller-identity.js";
import { describeCredentialError } from "./credential-errors.js";
import { runCredentialProcess } from "./credential-process.js";
import { envCredentials } from "./env-credentials.js";
import { profileStaticKeys } from "./profile-credentials.js";
import { readSharedConfig } from "./shared-config.js";
import type { MfaCodeProvider } from "./mfa-prompt.js";
import type { Env } from "../env.js";

export interface ResolvedCredentials extends SigningCredentials {
  readonly expiration?: Date | undefined;
}

/** Static credentials, or a provider such as the SDK's (structurally the SDK's own types). */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
  readonly expiration?: Date | undefined;
}
export type CredentialsProvider = () => Promise<AwsCredentials>;
export type CredentialsInput = AwsCredentials | CredentialsProvider;

/**
 * Wraps the making of role credentials (--role-arn or a role profile) in a cache, the way
 * aws-iam-authenticator's file cache wraps a credentials provider; the use case passes the
 * on-disk cache's cache-aside here.
 */
export type RoleCredentialsCache = (make: () => Promise<ResolvedCredentials>) => Promise<ResolvedCredentials>;

export interface CredentialDeps {
  readonly env: Env;
  readonly logger: Logger;
  readonly mfaCodeProvider: MfaCodeProvider;
  /** Credentials given by a library caller instead of the default chain. */
  readonly credentials?: CredentialsInput | undefined;
  readonly roleCache?: RoleCredentialsCache | undefined;
  /** The whole resolution, every endpoint included, ends within this bound. */
  readonly timeoutMs?: number;
  /** A profile's credential_process gets this long (CREDENTIAL_PROCESS_TIMEOUT_MS). */
  readonly credentialProcessTimeoutMs?: number;
}

export const CREDENTIALS_TIMEOUT_MS = 12_000;

// Each STS, SSO or HTTP endpoint gets a short leash; the overall bound above catches the rest.
// Without throwOnRequestTimeout the SDK's handler only logs a warning when requestTimeout passes
// and keeps waiting, so a hung STS would hold every attempt until the overall bound.
const HTTP_OPTIONS = { connectionTimeout: 3_000, requestTimeout: 5_000, throwOnRequestTimeout: true };

export async function resolveCredentials(target: TokenTarget, given: CredentialDeps): Promise<ResolvedCredentials> {
  const timeoutMs = given.timeoutMs ?? CREDENTIALS_TIMEOUT_MS;
  // The chain's last link drops why the links before it failed; its debug lines still say.
  const failures: string[] = [];
  const deps = { ...given, logger: recordingFailures(given.logger, failures) };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new EksTokenError(
            "timeout",
            `getting AWS credentials took longer than ${timeoutMs / 1000} s`,
            "an STS, SSO, container or instance metadata endpoint did not answer; run with --debug to see which",
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([resolve(target, deps), deadline]);
  } catch (e) {
    throw describeCredentialError(e, target, { env: deps.env, lastFailure: failures.at(-1), failures });
  } finally {
    clearTimeout(timer);
  }
}

async function resolve(target: TokenTarget, deps: CredentialDeps): Promise<ResolvedCredentials> {
  if (!deps.credentials && target.profileExplicit && !target.profileExists) {
    throw new EksTokenError(
      "unknown-profile",
      `profile "${target.profileName}" is not in ${target.configPath} or ${target.credentialsPath}`,
      `check the name with \`aws configure list-profiles\`, or create it with \`aws configure --profile ${target.profileName}\``,
    );
  }
  const clientConfig = {
    ...(target.region ? { region: target.region } : {}),
    requestHandler: HTTP_OPTIONS,
    maxAttempts: 2,
    logger: deps.logger,
  };
  const make = async () => {
    const base = normalize(await (await baseProvider(target, deps, clientConfig))());
    return target.roleArn ? await assumeRole(target, target.roleArn, base, deps, clientConfig) : base;
  };
  // Role credentials (--role-arn or a role profile, perhaps with MFA) are worth keeping between runs.
  const cache = target.roleArn || target.profileRoleArn ? deps.roleCache : undefined;
  return cache ? cache(make) : make();
}

async function assumeRole(
  target: TokenTarget,
  roleArn: string,
  source: ResolvedCredentials,
  deps: CredentialDeps,
  clientConfig: Record<string, unknown>,
): Promise<ResolvedCredentials> {
  let sessionName = target.sessionName;
  if (target.forwardSessionName) {
    sessionName = sessionNameOf(await getCallerIdentity(target, source, deps.env)) ?? sessionName;
  }
  const { fromTemporaryCredentials } = await import("./sdk-providers.js");
  return normalize(
    await fromTemporaryCredentials({
      masterCredentials: source,
      params: {
        RoleArn: roleArn,
        RoleSessionName: sessionName,
        ...(target.externalId ? { ExternalId: target.externalId } : {}),
      },
      clientConfig: { region: target.region ?? "us-east-1", ...clientConfig },
      logger: deps.logger,
    })(),
  );
}

async function baseProvider(
  target: TokenTarget,
  deps: CredentialDeps,
  clientConfig: Record<string, unknown>,
): Promise<CredentialsProvider> {
  const given = deps.credentials;
  if (given) return typeof given === "function" ? given : async () => given;
  // With no profile named, environment keys are what the chain returns first.
  const fromEnvironment = target.profileExplicit ? undefined : envCredentials(deps.env);
  if (fromEnvironment) return async () => fromEnvironment;
  // Next the chain would read the profile; static keys there need none of it.
  const fromProfile = profileStaticKeys(
    readSharedConfig(deps.env, target.profileExplicit ? target.profileName : undefined).profile,
  );
  if (fromProfile) return async () => fromProfile;
  // The profile's own credential_process: run here, once and bounded, rather than by the SDK's chain
  // (which has no time limit, runs it again from its next link after a failure, and reports only
  // "Could not load credentials from any providers").
  const command = target.credentialProcess;
  if (command !== undefined) {
    return () =>
      runCredentialProcess({
        profileName: target.profileName,
        command,
        env: deps.env,
        ...(deps.credentialProcessTimeoutMs !== undefined ? { timeoutMs: deps.credentialProcessTimeoutMs } : {}),
      });
  }
  const { fromNodeProviderChain } = await import("./sdk-providers.js");
  // The token's region goes in as the parent's region, a fallback: in clientConfig it would
  // override every nested client's own choice, and the SSO client would then ask the portal in
  // the cluster's region instead of the sso-session's sso_region (where the access token lives).
  const { region, ...chainClientConfig } = clientConfig;
  return fromNodeProviderChain({
    ...(target.profileExplicit ? { profile: target.profileName } : {}),
    mfaCodeProvider: deps.mfaCodeProvider,
    clientConfig: chainClientConfig,
    ...(typeof region === "string" ? { parentClientConfig: { region } } : {}),
    logger: deps.logger,
    // Instance metadata and container endpoints: one try each, one second to answer.
    timeout: 1_000,
    maxRetries: 0,
  });
}

function recordingFailures(logger: Logger, failures: string[]): Logger {
  return {
    ...logger,
    debug: (...args: unknown[]) => {
      const m = /property-provider -> ([\s\S]+)/.exec(args.map(String).join(" "));
      // Keep what reads as a failure, not the notes on settings looked up along the way.
      if (
        m?.[1] &&
        /credential_process|Command failed|error|refused|ECONN|EHOST|ENOTFOUND|time ?out|timed out|status|unauthori[sz]ed|forbidden|\b[45]\d\d\b/i.test(
          m[1],
        )
      ) {
        failures.push(m[1]);
      }
      logger.debug(...args);
    },
  };
}

function normalize(c: AwsCredentials): ResolvedCredentials {
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
    ...(c.expiration ? { expiration: c.expiration } : {}),
  };
}
