/**
 * Everything that decides which token gets made, resolved once from options, environment and
 * the AWS shared files. The signer reads this and nothing else; the cache key adds the
 * environment variables that pick the credentials (src/cache/cache-key.ts).
 */
import type { Env } from "../env.js";
import { stsEndpoint, type StsEndpoint } from "../token/sts-host.js";
import { credentialProcessOf } from "./credential-process.js";
import { resolveEndpointSettings, type EndpointSettings } from "./endpoint-settings.js";
import { resolveRegion, type RegionSource } from "./region.js";
import { readSharedConfig } from "./shared-config.js";
import { resolveSsoTarget, type SsoOptions, type SsoTarget } from "./sso-target.js";
import {
  validateClusterId,
  validateExternalId,
  validateProfileName,
  validateRoleArn,
  validateSessionName,
} from "../validate.js";

export const DEFAULT_SESSION_NAME = "EKSGetTokenAuth";

export interface TargetOptions extends SsoOptions {
  readonly clusterId: string | undefined;
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
  readonly roleArn?: string | undefined;
  readonly sessionName?: string | undefined;
  readonly externalId?: string | undefined;
  /** Use the caller's own session name when assuming --role-arn (aws-iam-authenticator's flag). */
  readonly forwardSessionName?: boolean | undefined;
}

export interface TokenTarget {
  readonly clusterId: string;
  readonly region: string | undefined;
  readonly regionSource: RegionSource;
  readonly endpoint: StsEndpoint;
  readonly endpointSettings: EndpointSettings;
  readonly profileName: string;
  readonly profileExplicit: boolean;
  readonly profileExists: boolean;
  /** The profile's own role_arn, when it is a role profile. */
  readonly profileRoleArn: string | undefined;
  /** The profile's credential_process, when the SDK would run it for this profile's own credentials. */
  readonly credentialProcess: string | undefined;
  readonly roleArn: string | undefined;
  readonly sessionName: string;
  readonly externalId: string | undefined;
  readonly forwardSessionName: boolean;
  /** An SSO account and role named directly (--sso-account-id, --sso-role-name): no profile involved. */
  readonly sso: SsoTarget | undefined;
  readonly configPath: string;
  readonly credentialsPath: string;
  /** Changes whenever the AWS shared files change (see readSharedConfig). */
  readonly sharedConfigFingerprint: string;
}

export async function resolveTarget(options: TargetOptions, env: Env): Promise<TokenTarget> {
  const clusterId = validateClusterId(options.clusterId);
  if (options.profile !== undefined) validateProfileName(options.profile);
  if (options.roleArn !== undefined) validateRoleArn(options.roleArn);
  if (options.sessionName !== undefined) validateSessionName(options.sessionName);
  if (options.externalId !== undefined) validateExternalId(options.externalId);
  const shared = readSharedConfig(env, options.profile);
  const sso = resolveSsoTarget(options, shared);
  if (shared.profileExplicit) validateProfileName(shared.profileName);
  const { region, source } = resolveRegion(options.region, env, shared.profile);
  const endpointSettings = resolveEndpointSettings(env, shared.profile);
  const endpoint = stsEndpoint({ region, ...endpointSettings });
  return {
    clusterId,
    region,
    regionSource: source,
    endpoint,
    endpointSettings,
    profileName: shared.profileName,
    profileExplicit: shared.profileExplicit,
    profileExists: shared.profileExists,
    profileRoleArn: shared.profile["role_arn"],
    credentialProcess: credentialProcessOf(shared.profile),
    roleArn: options.roleArn,
    sessionName: options.sessionName ?? DEFAULT_SESSION_NAME,
    externalId: options.externalId,
    forwardSessionName: options.forwardSessionName ?? false,
    sso,
    configPath: shared.configPath,
    credentialsPath: shared.credentialsPath,
    sharedConfigFingerprint: shared.fingerprint,
  };
}
