// Everything bound for stderr passes through redact(): tokens, signatures, session tokens and
// secret keys go; access key ids stay (they identify, they do not authenticate).
import { describe, expect, it } from "vitest";
import { redact } from "../src/redact.js";

const ACCESS_KEY_ID = "ASIAR2TG44V6AS3ZZE7C";
const SECRET = "4KD5cntGcVmLWRdF5wvNRuzNL5Qxmp6OKVY6Fz/Q";
const SECRET_PLUS = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SIGNATURE = "e211dba77aba9dc44b0b6be38b8eaad092599c5157f6314444c5b9d85747f5ce";
// Session tokens are long base64 with + / =.
const SESSION_TOKEN =
  "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+Ab3/Cd9+Ef0Gh1Ij2Kl3Mn4Op5Qr6St7Uv8Wx9Yz0" +
  "FwoGZXIvYXdzEBYaDHqa0AP1B2eWc2Lq4yKHAYMBzXhM5Nm4pD0VXJVW7TvsYg4lKGbGmkxR8yLHAzSN+/r4nD0m==";
const URL =
  "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256" +
  `&X-Amz-Credential=${ACCESS_KEY_ID}%2F20230428%2Fus-west-2%2Fsts%2Faws4_request&X-Amz-Date=20230428T000000Z&X-Amz-Expires=60` +
  `&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Security-Token=${encodeURIComponent(SESSION_TOKEN)}&X-Amz-Signature=${SIGNATURE}`;
const TOKEN = `k8s-aws-v1.${Buffer.from(URL).toString("base64url")}`;

/** No run of 12 characters of the secret survives anywhere in the output. */
function expectGone(output: string, secret: string): void {
  for (let i = 0; i + 12 <= secret.length; i += 4) {
    expect(
      output,
      `fragment ${secret.slice(i, i + 12)} of a secret survived in ${JSON.stringify(output)}`,
    ).not.toContain(secret.slice(i, i + 12));
  }
}

describe("redact", () => {
  it("removes a whole token, in every context", () => {
    for (const text of [
      TOKEN,
      `token: ${TOKEN}`,
      `{"status":{"token":"${TOKEN}"}}`,
      `Bearer ${TOKEN}\n`,
      `a ${TOKEN} b ${TOKEN}`,
    ]) {
      const out = redact(text);
      expect(out).toContain("<redacted>");
      expect(out).not.toContain(TOKEN.slice(11, 60));
      expectGone(out, TOKEN.slice(11));
    }
    expect(redact(`sent ${TOKEN} end`)).toBe("sent k8s-aws-v1.<redacted> end");
  });

  it("removes X-Amz-Signature and X-Amz-Security-Token from a presigned URL", () => {
    const out = redact(URL);
    expectGone(out, SIGNATURE);
    expectGone(out, encodeURIComponent(SESSION_TOKEN));
    expect(out).toContain("X-Amz-Signature=<redacted>");
    expect(out).toContain("X-Amz-Security-Token=<redacted>");
  });

  it("keeps the rest of the URL, access key id included", () => {
    const out = redact(URL);
    expect(out).toContain(`X-Amz-Credential=${ACCESS_KEY_ID}%2F20230428%2Fus-west-2`);
    expect(out).toContain("https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity");
    expect(out).toContain("X-Amz-Date=20230428T000000Z");
  });

  it("removes the signature of an Authorization header", () => {
    const header = `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/20230428/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIGNATURE}`;
    const out = redact(header);
    expectGone(out, SIGNATURE);
    expect(out).toContain(ACCESS_KEY_ID);
  });

  it.each([
    ["ini, spaced", `aws_secret_access_key = ${SECRET}`],
    ["ini, tight", `aws_secret_access_key=${SECRET_PLUS}`],
    ["ini session token", `aws_session_token = ${SESSION_TOKEN}`],
    [
      "JSON, SDK casing",
      `{"accessKeyId":"${ACCESS_KEY_ID}","secretAccessKey":"${SECRET}","sessionToken":"${SESSION_TOKEN}"}`,
    ],
    [
      "JSON, STS casing",
      `{"AccessKeyId": "${ACCESS_KEY_ID}", "SecretAccessKey": "${SECRET_PLUS}", "SessionToken": "${SESSION_TOKEN}"}`,
    ],
    [
      "credential_process output",
      `{"Version": 1, "AccessKeyId": "${ACCESS_KEY_ID}", "SecretAccessKey": "${SECRET}", "Expiration": "2030-01-01T00:00:00Z"}`,
    ],
    ["an SSO access token", `{"accessToken":"aoaAAAAAGlfEXAMPLE${SECRET}","expiresAt":"2030-01-01T00:00:00Z"}`],
    ["a bare secret key", `signing with ${SECRET} now`],
    ["a bare session token", `token ${SESSION_TOKEN}`],
  ])("removes secrets: %s", (_label, text) => {
    const out = redact(text);
    for (const secret of [SECRET, SECRET_PLUS, SESSION_TOKEN]) {
      if (text.includes(secret)) expectGone(out, secret);
    }
    expect(out).toContain("<redacted>");
  });

  it("keeps access key ids where the secret next to them goes", () => {
    const ini = `[default]\naws_access_key_id = ${ACCESS_KEY_ID}\naws_secret_access_key = ${SECRET}\n`;
    const out = redact(ini);
    expect(out).toContain(`aws_access_key_id = ${ACCESS_KEY_ID}`);
    expect(out).toContain("aws_secret_access_key = <redacted>");
    expectGone(out, SECRET);
    const json = redact(`{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"${SECRET}"}`);
    expect(json).toContain('"accessKeyId":"AKIAIOSFODNN7EXAMPLE"');
  });

  it("leaves ordinary text alone", () => {
    for (const text of [
      "cluster prod; region us-west-2 from flag; STS host sts.us-west-2.amazonaws.com signed for us-west-2; profile default",
      `signing with access key ${ACCESS_KEY_ID} and a session token`,
      // The CLI redacts the message, then prefixes it with `eks-token: `.
      "missing cluster name: pass --cluster-name NAME (or -i NAME), or set KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID",
      'invalid region "us-west-2.evil.com": a region is one DNS label such as us-west-2 (lowercase letters, digits and dashes)',
      "arn:aws:iam::123456789012:role/eks-admins",
      "",
    ]) {
      expect(redact(text)).toBe(text);
    }
  });

  it("is idempotent", () => {
    const once = redact(`${URL} ${TOKEN} aws_secret_access_key = ${SECRET}`);
    expect(redact(once)).toBe(once);
  });

  it("removes a secret key given as an environment assignment (AWS_SECRET_ACCESS_KEY=...)", () => {
    // What `env`, a shell trace or a credential_process error would show.
    for (const text of [
      `AWS_SECRET_ACCESS_KEY=${SECRET}`,
      `export AWS_SECRET_ACCESS_KEY=${SECRET_PLUS}`,
      `AWS_SESSION_TOKEN=${SESSION_TOKEN}`,
    ]) {
      const out = redact(text);
      for (const secret of [SECRET, SECRET_PLUS, SESSION_TOKEN]) if (text.includes(secret)) expectGone(out, secret);
    }
  });
});
