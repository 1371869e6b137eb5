// Everything bound for stderr passes through redact(): tokens, signatures, session tokens and
// secret keys go; access key ids stay (they identify, they do not authenticate).
import { describe, expect, it } from "vitest";
import { displayUrl, redact } from "../src/redact.js";

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

  it("removes the query of a presigned URL, and keeps where it goes", () => {
    const out = redact(URL);
    expectGone(out, SIGNATURE);
    expectGone(out, encodeURIComponent(SESSION_TOKEN));
    expect(out).toBe("https://sts.us-west-2.amazonaws.com/?<redacted>");
    expect(redact(`GET ${URL} failed`)).toBe("GET https://sts.us-west-2.amazonaws.com/?<redacted> failed");
  });

  it("removes X-Amz-Signature, X-Amz-Security-Token and X-Amz-Credential from a query alone, and keeps the rest", () => {
    const query = URL.slice(URL.indexOf("?") + 1);
    const out = redact(query);
    expectGone(out, SIGNATURE);
    expectGone(out, encodeURIComponent(SESSION_TOKEN));
    expect(out).toContain("X-Amz-Signature=<redacted>");
    expect(out).toContain("X-Amz-Security-Token=<redacted>");
    expect(out).toContain("X-Amz-Credential=<redacted>&");
    expect(out).not.toContain(ACCESS_KEY_ID);
    expect(out).toContain("Action=GetCallerIdentity");
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

  // Both lists are what the tool's own lines and the SDK's debug lines hold.
  it.each([
    [
      "an Authorization header (SigV4)",
      `Authorization: AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/20230428/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=${SIGNATURE}`,
      SIGNATURE,
    ],
    ["an Authorization header in JSON", `{"authorization":"Bearer ${SECRET}"}`, SECRET],
    [
      "a bearer token",
      `sent Bearer abcdefghijklmnopqrstuvwxyz0123456789 to the endpoint`,
      "abcdefghijklmnopqrstuvwxyz0123456789",
    ],
    [
      "the container authorization token",
      `AWS_CONTAINER_AUTHORIZATION_TOKEN=Basic-tok3n-value-that-is-secret`,
      "tok3n-value-that-is-secret",
    ],
    ["a URL password", "connect to http://admin:hunter2hunter2@127.0.0.1:8080/creds failed", "hunter2hunter2"],
    ["a URL query", "resolved endpoint from config: http://127.0.0.1:1/?token=q5ecretvalue", "q5ecretvalue"],
    ["a URL password in https", "fetch https://ci:p%40ss-word-9@example.internal/x", "p%40ss-word-9"],
    [
      "a token as the URL user",
      "https://ghp_0123456789abcdefABCDEF0123456789@git.example/x",
      "ghp_0123456789abcdefABCDEF0123456789",
    ],
    [
      "X-Amz-Credential",
      `X-Amz-Credential=${ACCESS_KEY_ID}%2F20230428%2Fus-west-2%2Fsts%2Faws4_request&X-Amz-Date=1`,
      `${ACCESS_KEY_ID}%2F20230428`,
    ],
    [
      "X-Amz-Security-Token in any case",
      `x-amz-security-token=${encodeURIComponent(SESSION_TOKEN)}`,
      encodeURIComponent(SESSION_TOKEN),
    ],
    ["a short secret key behind its name", "aws_secret_access_key=short1", "short1"],
    ["a secret key before a colon", `failed: aws_secret_access_key=${SECRET}: run it`, SECRET],
    ["a quoted secret with spaces", `{"SecretAccessKey": "with spaces inside 12345"}`, "with spaces inside 12345"],
    ["a session token behind its name", `SessionToken: ${SESSION_TOKEN}`, SESSION_TOKEN],
    ["a long value after token:", `token: ${SECRET.replace(/\//g, "x")}`, SECRET.replace(/\//g, "x")],
    ["a bare secret key", `key ${SECRET_PLUS} used`, SECRET_PLUS],
  ])("removes the secret: %s", (_label, text, secret) => {
    const out = redact(text);
    if (text.endsWith(": run it")) expect(out).toBe("failed: aws_secret_access_key=<redacted>: run it");
    expect(out).toContain("<redacted>");
    expect(out).not.toContain(secret);
    expect(redact(out)).toBe(out);
  });

  it.each([
    ["the word after token:", "verify takes at most one token: pass one token, or - to read it from stdin"],
    ["a token count", "token: none cached; tokens: 3"],
    ["a SHA-1 file name", "read /home/u/.kube/cache/0123456789abcdef0123456789abcdef01234567.json"],
    ["a bare SHA-1", "commit 9fceb02d0ae598e95dc970b74767f19372d61af8 is the one"],
    ["an upper-case SHA-1", "9FCEB02D0AE598E95DC970B74767F19372D61AF8"],
    ["a SHA-256 cache entry", "removed 5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef.json"],
    ["a long path", "/home/alice/projects/MyProject/src/App12/more/Deeper/Paths/AndMore/Yes1"],
    ["a 40-letter lower-case run", "abcdefghijklmnopqrstuvwxyzabcdefghijklmn"],
    ["an ARN", "arn:aws:iam::123456789012:role/EksAdministratorsRoleForTeamAlpha2024"],
    ["an access key id", `access key ${ACCESS_KEY_ID} from AWS_ACCESS_KEY_ID`],
    ["a URL without a password", "http://127.0.0.1:4566/ and https://sts.us-west-2.amazonaws.com/"],
    ["an email", "ask admin@example.com"],
    ["prose about the header", "the Authorization header is not sent"],
    ["a named secret without a value", "set AWS_SESSION_TOKEN too"],
    ["a hint naming the JSON keys", "it must print one JSON object with Version 1, AccessKeyId and SecretAccessKey"],
  ])("keeps prose: %s", (_label, text) => {
    expect(redact(text)).toBe(text);
  });
});

describe("displayUrl", () => {
  it.each([
    ["user and password", "http://user:pass@127.0.0.1:8080/creds", "http://127.0.0.1:8080/creds"],
    ["a user alone", "https://token@example.com/", "https://example.com/"],
    ["a query", "http://127.0.0.1/creds?token=s3cret&x=1", "http://127.0.0.1/creds"],
    ["a fragment", "http://127.0.0.1/x#frag", "http://127.0.0.1/x"],
    ["all of them", "http://u:p@[::1]:9/a?b=c#d", "http://[::1]:9/a"],
    ["nothing from an origin", "http://127.0.0.1:4566", "http://127.0.0.1:4566"],
    ["nothing from an origin with a path", "http://127.0.0.1:4566/", "http://127.0.0.1:4566/"],
    ["a password from an origin", "http://u:p@127.0.0.1:4566?x=1", "http://127.0.0.1:4566"],
    ["not a URL, with a password", "htp//u:p@x?q=1", "htp//u:p@x"],
    ["not a URL, scheme form", "bogus://u:p@ho st/x?q=1", "bogus://ho st/x"],
  ])("strips %s", (_label, url, expected) => {
    expect(displayUrl(url)).toBe(expected);
  });

  it("is bounded and escaped", () => {
    const shown = displayUrl(`http://127.0.0.1/${"a".repeat(100_000)}\u202e`);
    expect(shown.length).toBeLessThan(140);
    expect(displayUrl("not a url \u202e")).toBe("not a url \\u202e");
  });
});
