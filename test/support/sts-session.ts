// Session credentials from the STS emulator: a header-signed AssumeRole made by the test itself.
import { signHeaders, toAmzDate, type SigningCredentials } from "./sigv4.js";

export interface StsSessionCredentials extends Required<SigningCredentials> {
  readonly expiration: Date;
}

/** `now` (epoch ms) dates the signature; tests with a fixed STS clock pass theirs. */
export async function assumeRole(
  stsUrl: string,
  creds: SigningCredentials,
  roleArn: string,
  sessionName: string,
  now: number = Date.now(),
): Promise<StsSessionCredentials> {
  const body = new URLSearchParams({
    Action: "AssumeRole",
    Version: "2011-06-15",
    RoleArn: roleArn,
    RoleSessionName: sessionName,
  }).toString();
  const headers = signHeaders({
    url: `${stsUrl}/`,
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", accept: "application/json" },
    body,
    credentials: creds,
    region: "us-east-1",
    service: "sts",
    amzDate: toAmzDate(now),
  });
  // fetch sets Host itself, to the same value that was signed.
  const { host: _host, ...sendable } = headers;
  const res = await fetch(`${stsUrl}/`, { method: "POST", headers: sendable, body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`AssumeRole ${roleArn} at the STS emulator failed: ${res.status} ${text}`);
  const c = (
    JSON.parse(text) as {
      AssumeRoleResponse: {
        AssumeRoleResult: {
          Credentials: {
            AccessKeyId: string;
            SecretAccessKey: string;
            SessionToken: string;
            Expiration: number | string;
          };
        };
      };
    }
  ).AssumeRoleResponse.AssumeRoleResult.Credentials;
  const expiration = typeof c.Expiration === "number" ? new Date(c.Expiration * 1000) : new Date(c.Expiration);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration };
}
