/**
 * The SDK's default credential chain after the links eks-token runs itself (environment keys,
 * a profile's static keys, its credential_process): the profile (roles, SSO, web identity, a
 * source profile's process) through the SDK's fromIni, then fromProcess, then web identity from
 * the environment, then the remote endpoints (./remote-credentials.ts). Each is given what the
 * caller's environment says (profile, file paths, STS endpoint, web identity, endpoints) rather
 * than left to read the process's environment, and every SDK client gets the bounded handler.
 * Loaded with the SDK's providers (./sdk-providers.ts).
 */
import { CredentialsProviderError } from "@smithy/core/config";
import { fromIni, fromProcess, fromTemporaryCredentials, fromWebToken } from "@aws-sdk/credential-providers";
import type { Env } from "../env.js";
import type { Logger } from "../logger.js";
import type { AwsCredentials, CredentialsProvider } from "./credential-types.js";
import type { MfaCodeProvider } from "./mfa-prompt.js";
import { fromRemoteEndpoints, readTokenFile } from "./remote-credentials.js";
import type { ProfileSettings } from "./shared-config.js";

export interface ChainInit {
  readonly env: Env;
  readonly profileName: string;
  readonly profile: ProfileSettings;
  readonly configPath: string;
  readonly credentialsPath: string;
  /** For the SSO client and every STS client: region, the bounded handler, attempts, logger. */
  readonly clientConfig: Record<string, unknown>;
  /** The token's region: the region of last resort for nested clients. */
  readonly parentRegion?: string | undefined;
  /** AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL from the caller's environment. */
  readonly stsEndpoint?: string | undefined;
  readonly mfaCodeProvider: MfaCodeProvider;
  readonly logger: Logger;
}

type AssumeRoleParams = { RoleArn: string; RoleSessionName: string } & Record<string, unknown>;

export function defaultCredentialChain(init: ChainInit): CredentialsProvider {
  const { env, logger } = init;
  // STS clients (AssumeRole, AssumeRoleWithWebIdentity) get the caller's STS endpoint; the SSO
  // client does not (it would otherwise be sent there too).
  const stsConfig = {
    ...init.clientConfig,
    ...(init.stsEndpoint ? { endpoint: init.stsEndpoint } : {}),
  };
  const sharedFiles = { profile: init.profileName, filepath: init.credentialsPath, configFilepath: init.configPath };
  // As the SDK's own role assumers pick it: the profile's region, else the token's, else us-east-1.
  const stsRegion = init.profile.region || init.parentRegion || "us-east-1";
  const roleAssumer = async (source: AwsCredentials, params: AssumeRoleParams) => {
    const { RoleArn, RoleSessionName, ...rest } = params;
    const credentials = await fromTemporaryCredentials({
      masterCredentials: source,
      params: { RoleArn, RoleSessionName, ...rest },
      clientConfig: { region: stsRegion, ...stsConfig },
      // fromIni has asked for the code already; the provider here hands that one over.
      ...(typeof rest.TokenCode === "string" ? { mfaCodeProvider: async () => rest.TokenCode as string } : {}),
      logger,
    })();
    return marked(credentials, "CREDENTIALS_STS_ASSUME_ROLE");
  };
  const roleAssumerWithWebIdentity = async (params: Record<string, unknown>) =>
    fromWebToken({
      roleArn: String(params.RoleArn),
      roleSessionName: params.RoleSessionName as string | undefined,
      webIdentityToken: String(params.WebIdentityToken),
      ...(params.ProviderId ? { providerId: params.ProviderId as string } : {}),
      ...(params.DurationSeconds ? { durationSeconds: params.DurationSeconds as number } : {}),
      clientConfig: { region: stsRegion, ...stsConfig },
      logger,
    } as Parameters<typeof fromWebToken>[0])();
  const links: CredentialsProvider[] = [
    () =>
      fromIni({
        ...sharedFiles,
        mfaCodeProvider: init.mfaCodeProvider,
        clientConfig: init.clientConfig,
        ...(init.parentRegion ? { parentClientConfig: { region: init.parentRegion } } : {}),
        roleAssumer: roleAssumer as never,
        roleAssumerWithWebIdentity: roleAssumerWithWebIdentity as never,
        logger,
      })(),
    () => fromProcess({ ...sharedFiles, logger })(),
    async () => {
      const tokenFile = env["AWS_WEB_IDENTITY_TOKEN_FILE"];
      const roleArn = env["AWS_ROLE_ARN"];
      if (!tokenFile || !roleArn)
        throw new CredentialsProviderError("web identity not configured (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)", {
          logger,
        });
      const webIdentityToken = readTokenFile(tokenFile, "AWS_WEB_IDENTITY_TOKEN_FILE").trim();
      const credentials = await roleAssumerWithWebIdentity({
        RoleArn: roleArn,
        RoleSessionName: env["AWS_ROLE_SESSION_NAME"] || `aws-sdk-js-session-${Date.now()}`,
        WebIdentityToken: webIdentityToken,
      });
      return marked(credentials, "CREDENTIALS_STS_ASSUME_ROLE_WEB_ID");
    },
    fromRemoteEndpoints({ env, profile: init.profile, logger }),
  ];
  return async () => {
    for (const link of links) {
      try {
        return await link();
      } catch (e) {
        if ((e as { tryNextLink?: boolean })?.tryNextLink) continue;
        throw e;
      }
    }
    throw new CredentialsProviderError("Could not load credentials from any providers", {
      tryNextLink: false,
      logger,
    });
  };
}

/** Marks where credentials came from as the SDK marks its own ($source), keeping marks already there. */
function marked<T extends object>(credentials: T, feature: string): T {
  const before = (credentials as { $source?: Record<string, string> }).$source ?? {};
  return Object.defineProperty({ ...credentials }, "$source", {
    value: { ...before, [feature]: "i" },
    enumerable: false,
  }) as T;
}
