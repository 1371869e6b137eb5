/**
 * The default chain's first link: keys in the environment, the variables the SDK's fromEnv reads.
 * Read here directly because with no profile named the chain would return exactly these, and
 * loading the SDK's provider costs a miss more than the rest of it.
 */
import type { Env } from "../env.js";

export interface EnvCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export function envCredentials(env: Env): EnvCredentials | undefined {
  const accessKeyId = env["AWS_ACCESS_KEY_ID"];
  const secretAccessKey = env["AWS_SECRET_ACCESS_KEY"];
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env["AWS_SESSION_TOKEN"];
  const expiration = env["AWS_CREDENTIAL_EXPIRATION"] ? new Date(env["AWS_CREDENTIAL_EXPIRATION"]) : undefined;
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken ? { sessionToken } : {}),
    ...(expiration && !Number.isNaN(expiration.getTime()) ? { expiration } : {}),
  };
}
