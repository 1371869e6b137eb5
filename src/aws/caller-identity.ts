/**
 * One GetCallerIdentity call with the caller's own credentials, for --forward-session-name.
 * It reuses the presigner (a presigned GET is a signed GET), so no STS client is loaded.
 */
import { EksTokenError } from "../errors.js";
import { presignGetCallerIdentity, type SigningCredentials } from "../token/presign.js";
import type { TokenTarget } from "../token/token-target.js";
import type { Env } from "./shared-config.js";

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
  const override = env["AWS_ENDPOINT_URL_STS"] || env["AWS_ENDPOINT_URL"];
  const origin = override ? new URL(override).origin : `https://${target.endpoint.host}`;
  const host = new URL(origin).host;
  const signed = await presignGetCallerIdentity({
    credentials,
    host,
    signingRegion: target.endpoint.signingRegion,
    clusterId: target.clusterId,
    signingDate: new Date(),
  });
  const requestUrl = `${origin}/${new URL(signed).search}`;
  let response: Response;
  try {
    response = await fetch(requestUrl, {
      headers: { "x-k8s-aws-id": target.clusterId, accept: "application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new EksTokenError("network", `GetCallerIdentity at ${host} failed: ${(e as Error).message}`, "check the network and AWS_ENDPOINT_URL_STS");
  }
  const text = await response.text();
  if (!response.ok) {
    const code = /"Code"\s*:\s*"([^"]+)"|<Code>([^<]+)<\/Code>/.exec(text);
    throw new EksTokenError("sts", `GetCallerIdentity was refused (${response.status} ${code?.[1] ?? code?.[2] ?? "error"})`, "check the credentials of the source identity");
  }
  const result = (JSON.parse(text) as { GetCallerIdentityResponse?: { GetCallerIdentityResult?: Record<string, string> } })
    .GetCallerIdentityResponse?.GetCallerIdentityResult;
  if (!result?.["Arn"] || !result["UserId"] || !result["Account"]) {
    throw new EksTokenError("sts", "GetCallerIdentity answered without Account, Arn and UserId", "check AWS_ENDPOINT_URL_STS");
  }
  return { account: result["Account"], arn: result["Arn"], userId: result["UserId"] };
}

/** The session part of an assumed role's UserId (`AROA...:session`), as aws-iam-authenticator forwards it. */
export function sessionNameOf(identity: CallerIdentity): string | undefined {
  const parts = identity.userId.split(":");
  return parts.length === 2 && parts[1] ? parts[1] : undefined;
}
