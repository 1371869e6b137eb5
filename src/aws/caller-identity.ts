/**
 * One GetCallerIdentity call with the caller's own credentials, for --forward-session-name.
 * It reuses the presigner (a presigned GET is a signed GET) and the one GetCallerIdentity client
 * (./sts-client.ts), so no STS client of the SDK is loaded.
 */
import type { Env } from "../env.js";
import { EksTokenError } from "../errors.js";
import { presignGetCallerIdentity, type SigningCredentials } from "../token/presign.js";
import { fetchCallerIdentity, parseStsError, stsEndpointOverride, stsRedirectError } from "./sts-client.js";
import type { TokenTarget } from "./target.js";

export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
}

export async function getCallerIdentity(
  target: TokenTarget,
  credentials: SigningCredentials,
  env: Env,
  timeoutMs = 5_000,
): Promise<CallerIdentity> {
  // Tests and private setups point the SDK's STS client elsewhere; honour the same variables
  // and sign for that host, as the SDK's client would.
  const host = stsEndpointOverride(env)?.host ?? target.endpoint.host;
  const url = await presignGetCallerIdentity({
    credentials,
    host,
    signingRegion: target.endpoint.signingRegion,
    clusterId: target.clusterId,
    signingDate: new Date(),
  });
  const response = await fetchCallerIdentity({ url, clusterId: target.clusterId, env, timeoutMs });
  if (response.status >= 300 && response.status < 400) {
    throw stsRedirectError(response.status, response.location, "GetCallerIdentity (for --forward-session-name)");
  }
  if (response.status !== 200) {
    const code = parseStsError(response.body).code ?? "error";
    throw new EksTokenError(
      "sts",
      `GetCallerIdentity was refused (${response.status} ${code})`,
      "check the credentials of the source identity",
    );
  }
  let result: Record<string, unknown> | undefined;
  try {
    result = (
      JSON.parse(response.body) as { GetCallerIdentityResponse?: { GetCallerIdentityResult?: Record<string, unknown> } }
    ).GetCallerIdentityResponse?.GetCallerIdentityResult;
  } catch {
    result = undefined;
  }
  const { Account: account, Arn: arn, UserId: userId } = result ?? {};
  if (
    typeof arn !== "string" ||
    !arn ||
    typeof userId !== "string" ||
    !userId ||
    typeof account !== "string" ||
    !account
  ) {
    throw new EksTokenError(
      "sts",
      "GetCallerIdentity answered without Account, Arn and UserId",
      "check AWS_ENDPOINT_URL_STS",
    );
  }
  return { account, arn, userId };
}

/** The session part of an assumed role's UserId (`AROA...:session`), as aws-iam-authenticator forwards it. */
export function sessionNameOf(identity: CallerIdentity): string | undefined {
  const parts = identity.userId.split(":");
  return parts.length === 2 && parts[1] ? parts[1] : undefined;
}
