// Gets role session credentials from the STS emulator with a header-signed AssumeRole call.
import { signHeaders, toAmzDate, type SigningCredentials } from "../support/sigv4.js";

export async function assumeRole(stsUrl: string, creds: SigningCredentials, roleArn: string, sessionName: string, now: number): Promise<Required<SigningCredentials>> {
  const body = new URLSearchParams({ Action: "AssumeRole", Version: "2011-06-15", RoleArn: roleArn, RoleSessionName: sessionName }).toString();
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
  if (res.status !== 200) throw new Error(`AssumeRole failed: ${res.status} ${text}`);
  const c = (JSON.parse(text) as { AssumeRoleResponse: { AssumeRoleResult: { Credentials: Record<string, string> } } }).AssumeRoleResponse.AssumeRoleResult.Credentials;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}
