/**
 * What identifies a cache entry: everything that selects the token and the identity behind it.
 * The key is a SHA-256 of that material, so file names carry nothing secret, and the material
 * itself is never stored.
 */
import { sha256Hex as sha256 } from "../hash.js";
import type { Env } from "../env.js";
import type { TokenTarget } from "../aws/target.js";

export const CACHE_FORMAT_VERSION = 1;

// Variables that pick which credentials the SDK's chain finds. AWS_PROFILE is there already as
// the resolved profile name, so `--profile P` and `AWS_PROFILE=P` share their entries.
const IDENTITY_ENV = [
  "AWS_ACCESS_KEY_ID",
  "AWS_ROLE_ARN",
  "AWS_ROLE_SESSION_NAME",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  "AWS_EC2_METADATA_SERVICE_ENDPOINT",
  "AWS_EC2_METADATA_DISABLED",
  "AWS_ENDPOINT_URL_STS",
  "AWS_ENDPOINT_URL",
] as const;
const SECRET_ENV = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"] as const;

function identityMaterial(target: TokenTarget, env: Env): Record<string, unknown> {
  return {
    v: CACHE_FORMAT_VERSION,
    profile: target.profileExplicit ? target.profileName : null,
    roleArn: target.roleArn ?? null,
    sessionName: target.sessionName,
    externalId: target.externalId ?? null,
    forwardSessionName: target.forwardSessionName,
    // The portal account and role are the identity itself; the start URL says whose portal.
    // Only when named, so the keys of every other identity stay as they were.
    ...(target.sso ? { sso: target.sso } : {}),
    configPath: target.configPath,
    credentialsPath: target.credentialsPath,
    sharedFiles: target.sharedConfigFingerprint,
    // Only the variables that are set: a shorter material is a faster hash on the hit path.
    env: Object.fromEntries(IDENTITY_ENV.filter((name) => env[name]).map((name) => [name, env[name]])),
    // Secrets enter the material as they are: only its SHA-256 is ever written anywhere.
    secrets: Object.fromEntries(SECRET_ENV.filter((name) => env[name]).map((name) => [name, env[name]])),
  };
}

/** The key of a token: the identity, plus the cluster and where the token is signed for. */
export function tokenCacheKey(target: TokenTarget, env: Env): string {
  return sha256(
    JSON.stringify({
      kind: "token",
      identity: identityMaterial(target, env),
      clusterId: target.clusterId,
      region: target.region ?? null,
      host: target.endpoint.host,
      signingRegion: target.endpoint.signingRegion,
      endpointMode: target.endpointSettings,
    }),
  );
}

/** The key of assumed-role credentials: the identity alone, so every cluster can share them. */
export function roleCredentialsCacheKey(target: TokenTarget, env: Env): string {
  return sha256(JSON.stringify({ kind: "role-credentials", identity: identityMaterial(target, env) }));
}
