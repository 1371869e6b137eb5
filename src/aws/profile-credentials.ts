/**
 * Keys written in the selected profile itself (aws_access_key_id and aws_secret_access_key, in
 * the credentials or config file): what the SDK's chain returns for such a profile, read here
 * without loading the chain. A profile that also names any other way to get credentials (a role,
 * SSO, a process, a web identity) is left to the SDK, which decides among them.
 */
import type { EnvCredentials } from "./env-credentials.js";
import type { ProfileSettings } from "./shared-config.js";

const OTHER_SOURCES = [
  "role_arn",
  "source_profile",
  "credential_source",
  "sso_session",
  "sso_start_url",
  "sso_account_id",
  "credential_process",
  "web_identity_token_file",
];

export function profileStaticKeys(profile: ProfileSettings): EnvCredentials | undefined {
  const accessKeyId = profile["aws_access_key_id"];
  const secretAccessKey = profile["aws_secret_access_key"];
  if (!accessKeyId || !secretAccessKey) return undefined;
  if (OTHER_SOURCES.some((key) => profile[key] !== undefined)) return undefined;
  const sessionToken = profile["aws_session_token"];
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}
