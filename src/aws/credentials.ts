/**
 * AWS credentials for signing: the SDK's default chain, a profile, an assumed role, an MFA prompt,
 * all bounded in time. Loaded only on a cache miss; the SDK's providers are loaded only when used.
 */
import type { Logger } from "../logger.js";
import type { AwsCredentials, CredentialsInput, CredentialsProvider } from "./credential-types.js";
import { EksTokenError, isEksTokenError } from "../errors.js";
import type { SigningCredentials } from "../token/presign.js";
import type { TokenTarget } from "./target.js";
import { getCallerIdentity, sessionNameOf } from "./caller-identity.js";
import { describeCredentialError } from "./credential-errors.js";
import { runCredentialProcess } from "./credential-process.js";
import { envCredentials } from "./env-credentials.js";
import { profileStaticKeys } from "./profile-credentials.js";
import { readSharedConfig } from "./shared-config.js";
import { stsEndpointOverride } from "./sts-client.js";
import type { MfaCodeProvider } from "./mfa-prompt.js";
import type { Env } from "../env.js";
import { startDeadline } from "../deadline.js";
import { formatTimestamp } from "../token/expiration.js";
import { escapeControls, shellJoin } from "../quote.js";

export interface ResolvedCredentials extends SigningCredentials {
  readonly expiration?: Date | undefined;
}

export type { AwsCredentials, CredentialsInput, CredentialsProvider } from "./credential-types.js";

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
  /**
   * The network part (every endpoint) ends within this bound, at most 12 s; waiting for the
   * role's cache lock and for a person to type an MFA code are not counted. Read when the network
   * starts, so a getter may hand over what is left of a larger bound.
   */
  readonly timeoutMs?: number;
  /** A profile's credential_process gets this long (CREDENTIAL_PROCESS_TIMEOUT_MS). */
  readonly credentialProcessTimeoutMs?: number;
  /** Wall clock, epoch ms: credentials with less than a minute left are refused. */
  readonly now: () => number;
}

export const CREDENTIALS_TIMEOUT_MS = 12_000;
/** Credentials must outlive a token's use by this much; the token's expiry is a minute before theirs. */
export const MIN_CREDENTIALS_LEFT_MS = 60_000;

// Each STS or SSO client connects within 3 s (a connection that fails is tried once more); an
// answer, body included, has what is left of the overall bound (./http-handler.ts), and a request
// that was sent is not sent again: an AssumeRole answered late would otherwise be made twice.
const CONNECTION_TIMEOUT_MS = 3_000;

export async function resolveCredentials(target: TokenTarget, given: CredentialDeps): Promise<ResolvedCredentials> {
  // The chain's last link drops why the links before it failed; its debug lines still say.
  const failures: string[] = [];
  const deps = { ...given, logger: recordingFailures(given.logger, failures) };
  // The deadline starts when the network does (after any wait for the role's cache lock), and
  // stops while a person is asked for an MFA code: the prompt has its own bound.
  const bounded = (
    make: (mfaCodeProvider: MfaCodeProvider, remainingMs: () => number, paused: Paused) => Promise<ResolvedCredentials>,
  ) => {
    // Read now, not before: a wait for the role's lock has shrunk what the caller has left.
    const timeoutMs = Math.min(given.timeoutMs ?? CREDENTIALS_TIMEOUT_MS, CREDENTIALS_TIMEOUT_MS);
    const deadline = startDeadline(timeoutMs);
    const mfaCodeProvider: MfaCodeProvider = (serial) => deadline.paused(() => given.mfaCodeProvider(serial));
    return deadline.race(
      make(
        mfaCodeProvider,
        () => deadline.remainingMs(),
        (fn) => deadline.paused(fn),
      ),
      () =>
        new EksTokenError(
          "timeout",
          `getting AWS credentials took longer than ${Math.round(timeoutMs / 100) / 10} s`,
          "an STS, SSO, container or instance metadata endpoint did not answer; run with --debug to see which",
        ),
    );
  };
  try {
    return await resolve(target, deps, bounded);
  } catch (e) {
    // The SDK refuses expired credential_process output itself, and the chain then reports only
    // that it found nothing; its log line still says why (without the time: the SDK drops it).
    if (!isEksTokenError(e) && failures.some((f) => /credential_process returned expired credentials/.test(f))) {
      throw new EksTokenError(
        "no-credentials",
        `the credentials from credential_process of profile "${target.profileName}" had expired when they were returned`,
        EXPIRED_HINT,
        { cause: e },
      );
    }
    throw describeCredentialError(e, target, { env: deps.env, lastFailure: failures.at(-1), failures });
  }
}

/** Runs fn with the network's clock stopped (loading the SDK is not the network's time). */
type Paused = <T>(fn: () => Promise<T>) => Promise<T>;

type Bounded = (
  make: (mfaCodeProvider: MfaCodeProvider, remainingMs: () => number, paused: Paused) => Promise<ResolvedCredentials>,
) => Promise<ResolvedCredentials>;

async function resolve(target: TokenTarget, deps: CredentialDeps, bounded: Bounded): Promise<ResolvedCredentials> {
  if (!deps.credentials && target.profileExplicit && !target.profileExists) {
    throw new EksTokenError(
      "unknown-profile",
      `profile "${target.profileName}" is not in ${escapeControls(target.configPath)} or ${escapeControls(target.credentialsPath)}`,
      `check the name with \`aws configure list-profiles\`, or create it with \`${shellJoin(["aws", "configure", "--profile", target.profileName])}\``,
    );
  }
  // The SDK's clients (and the handler that bounds them) are loaded only when a provider needs them.
  const sdkClientConfig = async (remainingMs: () => number, paused: Paused): Promise<Record<string, unknown>> => {
    const { boundedRequestHandler, CREDENTIALS_MAX_BODY_BYTES, silenceSdkVersionWarning } = await paused(
      () => import("./sdk-providers.js"),
    );
    // Before any SDK client is made: its Node-version warning is not the caller's to read.
    silenceSdkVersionWarning();
    return {
      ...(target.region ? { region: target.region } : {}),
      requestHandler: boundedRequestHandler({
        maxBodyBytes: CREDENTIALS_MAX_BODY_BYTES,
        // A little past the overall bound, which reports first; this one ends the request.
        requestTimeoutMs: () => remainingMs() + 250,
        connectionTimeoutMs: CONNECTION_TIMEOUT_MS,
      }),
      maxAttempts: 2,
      logger: deps.logger,
    };
  };
  const make = () =>
    bounded(async (mfaCodeProvider, remainingMs, paused) => {
      let config: Promise<Record<string, unknown>> | undefined;
      const clientConfig = () => {
        config ??= sdkClientConfig(remainingMs, paused);
        return config;
      };
      const raw = await (await baseProvider(target, { ...deps, mfaCodeProvider }, clientConfig))();
      if (deps.credentials) checkGivenCredentials(raw);
      const base = usable(normalize(raw), sourceOf(raw, target, deps), deps.now());
      if (!target.roleArn) return base;
      const assumed = await assumeRole(target, target.roleArn, base, deps, clientConfig);
      return usable(assumed, `AssumeRole of ${target.roleArn}`, deps.now());
    });
  // Role credentials (--role-arn or a role profile, perhaps with MFA) are worth keeping between runs.
  const cache = target.roleArn || target.profileRoleArn ? deps.roleCache : undefined;
  return cache ? cache(make) : make();
}

async function assumeRole(
  target: TokenTarget,
  roleArn: string,
  source: ResolvedCredentials,
  deps: CredentialDeps,
  clientConfig: () => Promise<Record<string, unknown>>,
): Promise<ResolvedCredentials> {
  let sessionName = target.sessionName;
  if (target.forwardSessionName) {
    sessionName = sessionNameOf(await getCallerIdentity(target, source, deps.env)) ?? sessionName;
  }
  const config = await clientConfig(); // loads the SDK, off the network's clock
  const { fromTemporaryCredentials } = await import("./sdk-providers.js");
  return normalize(
    await fromTemporaryCredentials({
      masterCredentials: source,
      params: {
        RoleArn: roleArn,
        RoleSessionName: sessionName,
        ...(target.externalId ? { ExternalId: target.externalId } : {}),
      },
      clientConfig: {
        region: target.region ?? "us-east-1",
        ...config,
        // The caller's AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL), not the process's.
        ...(stsEndpointOverride(deps.env) ? { endpoint: stsEndpointOverride(deps.env)?.href } : {}),
      },
      logger: deps.logger,
    })(),
  );
}

async function baseProvider(
  target: TokenTarget,
  deps: CredentialDeps,
  clientConfig: () => Promise<Record<string, unknown>>,
): Promise<CredentialsProvider> {
  const given = deps.credentials;
  if (given) return typeof given === "function" ? given : async () => given;
  // An SSO account and role named directly: the portal, with the session's access token.
  const sso = target.sso;
  if (sso) {
    const { ssoRoleCredentials } = await import("./sso-role-credentials.js");
    return async () => {
      // The portal is asked in the session's region, whatever the token's region.
      const { region: _region, ...config } = await clientConfig();
      return ssoRoleCredentials(sso, { env: deps.env, now: deps.now, clientConfig: config });
    };
  }
  // With no profile named, environment keys are what the chain returns first.
  const fromEnvironment = target.profileExplicit ? undefined : envCredentials(deps.env);
  if (fromEnvironment) return async () => fromEnvironment;
  // Next the chain would read the profile; static keys there need none of it.
  const shared = readSharedConfig(deps.env, target.profileExplicit ? target.profileName : undefined);
  const fromProfile = profileStaticKeys(shared.profile);
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
  const { defaultCredentialChain } = await import("./sdk-providers.js");
  // The token's region goes in as the parent's region, a fallback: in clientConfig it would
  // override every nested client's own choice, and the SSO client would then ask the portal in
  // the cluster's region instead of the sso-session's sso_region (where the access token lives).
  const { region, ...chainClientConfig } = await clientConfig();
  const stsEndpoint = stsEndpointOverride(deps.env);
  return defaultCredentialChain({
    env: deps.env,
    profileName: target.profileName,
    profile: shared.profile,
    configPath: target.configPath,
    credentialsPath: target.credentialsPath,
    clientConfig: chainClientConfig,
    parentRegion: typeof region === "string" ? region : undefined,
    stsEndpoint: stsEndpoint?.href,
    mfaCodeProvider: deps.mfaCodeProvider,
    logger: deps.logger,
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
        /credential_process|Command failed|error|expired|refused|ECONN|EHOST|ENOTFOUND|time ?out|timed out|status|unauthori[sz]ed|forbidden|\b[45]\d\d\b/i.test(
          m[1],
        )
      ) {
        failures.push(m[1]);
      }
      logger.debug(...args);
    },
  };
}

const EXPIRED_HINT = "refresh them (or check this machine's clock) and run the command again";

/**
 * Credentials that expire within a minute (or have expired) would sign a token that is dead
 * before it is used: refuse them, naming where they came from, so nothing is cached either.
 */
function usable(credentials: ResolvedCredentials, source: string, now: number): ResolvedCredentials {
  const expiration = credentials.expiration;
  if (!expiration) return credentials;
  const left = expiration.getTime() - now;
  if (left >= MIN_CREDENTIALS_LEFT_MS) return credentials;
  const when = formatTimestamp(expiration);
  throw new EksTokenError(
    "no-credentials",
    left <= 0
      ? `the credentials from ${source} expired at ${when}`
      : `the credentials from ${source} expire at ${when}, less than a minute from now`,
    EXPIRED_HINT,
  );
}

/** Where the chain's credentials came from, as the SDK marks them ($source), for messages. */
function sourceOf(raw: AwsCredentials, target: TokenTarget, deps: CredentialDeps): string {
  if (deps.credentials) return "the caller";
  if (target.sso) return `SSO (account ${target.sso.accountId}, role ${target.sso.roleName})`;
  const marks = (raw as { $source?: Record<string, unknown> }).$source ?? {};
  const has = (...features: string[]) => features.some((f) => f in marks);
  const profile = `profile "${target.profileName}"`;
  if (has("CREDENTIALS_STS_ASSUME_ROLE_WEB_ID", "CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN")) return "web identity";
  if (has("CREDENTIALS_STS_ASSUME_ROLE")) return `AssumeRole of ${target.profileRoleArn ?? "the profile's role"}`;
  if (has("CREDENTIALS_PROFILE_SSO", "CREDENTIALS_SSO", "CREDENTIALS_PROFILE_SSO_LEGACY", "CREDENTIALS_SSO_LEGACY"))
    return `SSO (${profile})`;
  if (has("CREDENTIALS_PROFILE_PROCESS", "CREDENTIALS_PROCESS")) return `credential_process of ${profile}`;
  if (has("CREDENTIALS_HTTP")) return "the container credentials endpoint";
  // The profile's own credential_process, which runs here rather than in the SDK's chain.
  if (target.credentialProcess !== undefined) return `credential_process of ${profile}`;
  if (has("CREDENTIALS_IMDS")) return "instance metadata";
  if (has("CREDENTIALS_ENV_VARS") || (!target.profileExplicit && envCredentials(deps.env)))
    return "the environment (AWS_CREDENTIAL_EXPIRATION)";
  return profile;
}

function normalize(c: AwsCredentials): ResolvedCredentials {
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
    ...(c.expiration ? { expiration: c.expiration } : {}),
  };
}

/**
 * Credentials a library caller gave (or its provider returned) are checked before they are used:
 * a malformed value is the caller's mistake, said as such, never a TypeError from the signer.
 * Only field names and types are named, never values.
 */
function checkGivenCredentials(raw: unknown): asserts raw is AwsCredentials {
  const bad = (what: string) =>
    new EksTokenError(
      "no-credentials",
      `the credentials the caller gave are malformed: ${what}`,
      "return { accessKeyId, secretAccessKey, sessionToken?, expiration? } with strings and a Date",
    );
  if (typeof raw !== "object" || raw === null) throw bad(`not an object but ${raw === null ? "null" : typeof raw}`);
  const c = raw as Record<string, unknown>;
  for (const field of ["accessKeyId", "secretAccessKey"]) {
    if (typeof c[field] !== "string" || c[field] === "") throw bad(`${field} must be a non-empty string`);
  }
  if (c.sessionToken !== undefined && c.sessionToken !== null && typeof c.sessionToken !== "string")
    throw bad("sessionToken must be a string");
  if (
    c.expiration !== undefined &&
    c.expiration !== null &&
    !(c.expiration instanceof Date && !Number.isNaN(c.expiration.getTime()))
  )
    throw bad("expiration must be a valid Date");
}
