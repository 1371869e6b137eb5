import { describe, expect, it } from "vitest";
import { REGIONAL_HOSTS } from "../support/partition-hosts.js";
import { presignGetCallerIdentity } from "../../src/token/presign.js";
import { encodeToken } from "../../src/token/encode.js";
import { canonicalArn } from "../../src/verify/arn.js";
import { formatDuration } from "../../src/verify/duration.js";
import { verifyTokenShape, type RuleName } from "../../src/verify/rules.js";
import { SIGNED_AT, handQuery, handToken, makeToken, USER_CREDS } from "./fixtures.js";

const NOW = SIGNED_AT + 60_000;
const STS = "https://sts.amazonaws.com/";

interface Rejection {
  name: string;
  token: string;
  rule: RuleName;
  message: string;
  kind?: "malformed" | "expired";
}

// One case per rejection the server's own tests name (docs/contract.md, "Server checks"), plus near relatives.
const rejections: Rejection[] = [
  {
    name: "too large",
    token: `k8s-aws-v1.${"A".repeat(4090)}`,
    rule: "too-large",
    message: "token is too large: 4101 characters, the server accepts at most 4096",
  },
  {
    name: "missing prefix",
    token: "k8s-aws-v2.asdfasdfa",
    rule: "prefix",
    message: 'token does not start with "k8s-aws-v1."',
  },
  {
    name: "bad base64 (dangling character)",
    token: "k8s-aws-v1.decodingerror",
    rule: "base64",
    message: "its length leaves 1 dangling character",
  },
  { name: "bad base64 (padding)", token: "k8s-aws-v1.aHR0cHM=", rule: "base64", message: "padding '=' at offset 18" },
  {
    name: "bad base64 (standard alphabet)",
    token: "k8s-aws-v1.aHR0+HM6",
    rule: "base64",
    message: 'character "+" at offset 15',
  },
  {
    name: "scheme missing (leading colon)",
    token: handToken(":ab:cd.af:/asda"),
    rule: "scheme-missing",
    message: "URL without a scheme",
  },
  {
    name: "scheme missing (bare host)",
    token: handToken(`sts.amazonaws.com/?${handQuery()}`),
    rule: "scheme-missing",
    message: "URL without a scheme; the server needs https",
  },
  {
    name: "http scheme",
    token: handToken(`http://sts.amazonaws.com/?${handQuery()}`),
    rule: "scheme",
    message: 'scheme "http"; the server needs https',
  },
  {
    name: "not a URL (control character)",
    token: handToken(`https://sts.amazonaws.com/\n?${handQuery()}`),
    rule: "url",
    message: "not a URL: it contains control characters",
  },
  {
    name: "not a URL (bad host)",
    token: handToken(`https://sts amazonaws.com/?${handQuery()}`),
    rule: "url",
    message: "invalid character in host",
  },
  {
    name: "non-STS host",
    token: handToken("https://google.com"),
    rule: "host",
    message: 'signed for host "google.com", which is not an STS endpoint',
  },
  {
    name: "STS host with a port",
    token: handToken(`https://sts.amazonaws.com:443/?${handQuery()}`),
    rule: "host",
    message: '"sts.amazonaws.com:443"',
  },
  {
    name: "VPC endpoint host",
    token: handToken(`https://vpce-0abc.sts.us-west-2.vpce.amazonaws.com/?${handQuery()}`),
    rule: "host",
    message: "not an STS endpoint of a known partition",
  },
  {
    name: "region of another partition",
    token: handToken(`https://sts.cn-north-1.amazonaws.com/?${handQuery()}`),
    rule: "host",
    message: '"sts.cn-north-1.amazonaws.com"',
  },
  {
    name: "user name and password before the host",
    token: handToken(`https://user:s3cretpass@sts.amazonaws.com/?${handQuery()}`),
    rule: "userinfo",
    message: "token URL has a user name or password before its host",
  },
  {
    name: "user name before a non-STS host: the host is what is judged, as Go splits it",
    token: handToken(`https://sts.amazonaws.com@example.com/?${handQuery()}`),
    rule: "host",
    message: 'signed for host "example.com"',
  },
  {
    name: "userinfo Go refuses",
    token: handToken(`https://us er:pass@sts.amazonaws.com/?${handQuery()}`),
    rule: "url",
    message: "invalid user name or password before its host",
  },
  {
    name: "not a URL (a port that is not a number; a '/' in a password makes Go read it so)",
    token: handToken(`https://user:s3cret/pass@sts.amazonaws.com/?${handQuery()}`),
    rule: "url",
    message: "its host has a port that is not a number",
  },
  {
    name: "unexpected path",
    token: handToken("https://sts.amazonaws.com/abc"),
    rule: "path",
    message: 'path "/abc"; the server accepts only "/"',
  },
  {
    name: "empty path",
    token: handToken(`https://sts.amazonaws.com?${handQuery()}`),
    rule: "path",
    message: 'path ""',
  },
  {
    name: "malformed query (escape)",
    token: handToken(`${STS}?Action=Get%zzCallerIdentity`),
    rule: "query",
    message: "malformed query: invalid percent-escape",
  },
  {
    name: "malformed query (semicolon)",
    token: handToken(`${STS}?Action=GetCallerIdentity;Version=1`),
    rule: "query",
    message: "malformed query: ';'",
  },
  {
    name: "parameter not in the allowlist",
    token: handToken(`${STS}?NoInWhiteList=abc`),
    rule: "allowlist",
    message: 'query parameter "NoInWhiteList", which the server does not allow',
  },
  {
    name: "multiple values",
    token: handToken(`${STS}?action=get&action=post`),
    rule: "multiple-values",
    message: 'repeats query parameter "action"',
  },
  {
    name: "duplicate in another case",
    token: handToken(`${STS}?${handQuery()}&action=GetCallerIdentity`),
    rule: "duplicate-case",
    message: 'query parameter "action" twice, also as "Action"',
  },
  {
    name: "unexpected action",
    token: handToken(`${STS}?action=NotGetCallerIdentity`),
    rule: "action",
    message: 'Action "NotGetCallerIdentity"; the server accepts only GetCallerIdentity',
  },
  { name: "no action", token: handToken(`${STS}?Version=2011-06-15`), rule: "action", message: "no Action parameter" },
  {
    name: "unsigned x-k8s-aws-id",
    token: handToken(`${STS}?${handQuery({ "X-Amz-SignedHeaders": "abc;x-k8s-aws-i;def" })}`),
    rule: "unsigned-header",
    message: "does not sign the x-k8s-aws-id header",
  },
  {
    name: "X-Amz-Expires too large",
    token: handToken(`${STS}?${handQuery({ "X-Amz-Expires": "9999999" })}`),
    rule: "expires",
    message: 'X-Amz-Expires "9999999"; the server needs an integer from 0 to 900',
  },
  {
    name: "X-Amz-Expires negative",
    token: handToken(`${STS}?${handQuery({ "X-Amz-Expires": "-1" })}`),
    rule: "expires",
    message: 'X-Amz-Expires "-1"',
  },
  {
    name: "X-Amz-Expires not a number",
    token: handToken(`${STS}?${handQuery({ "X-Amz-Expires": "60s" })}`),
    rule: "expires",
    message: 'X-Amz-Expires "60s"',
  },
  {
    name: "X-Amz-Expires missing",
    token: handToken(`${STS}?action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id`),
    rule: "expires",
    message: "no X-Amz-Expires parameter",
  },
  {
    name: "X-Amz-Date missing",
    token: handToken(`${STS}?action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id&x-amz-expires=60`),
    rule: "date-missing",
    message: "no X-Amz-Date parameter",
  },
  {
    name: "unparsable date",
    token: handToken(`${STS}?${handQuery({ "X-Amz-Date": "xxxxxxx" })}`),
    rule: "date",
    message: 'X-Amz-Date "xxxxxxx", which is not YYYYMMDDTHHMMSSZ',
  },
  {
    name: "impossible date",
    token: handToken(`${STS}?${handQuery({ "X-Amz-Date": "20250230T000000Z" })}`),
    rule: "date",
    message: '"20250230T000000Z"',
  },
  {
    name: "expired",
    token: handToken(`${STS}?${handQuery({ "X-Amz-Date": "19900422T010203Z" })}`),
    rule: "expired",
    kind: "expired",
    message: "(signed at 1990-04-22T01:02:03Z, the server accepts it for 15 minutes)",
  },
];

describe("verifyTokenShape rejections", () => {
  it.each(rejections)("$name", ({ token, rule, message, kind }) => {
    const result = verifyTokenShape(token, { now: NOW });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rule).toBe(rule);
    expect(result.kind).toBe(kind ?? "malformed");
    expect(result.message).toContain(message);
    expect(result.hint.length).toBeGreaterThan(0);
  });

  it("reports the first broken rule in the server's order", () => {
    const both = handToken(`http://example.com/abc?${handQuery({ Action: "Nope" })}`);
    const result = verifyTokenShape(both, { now: NOW });
    expect(!result.ok && result.rule).toBe("scheme");
  });

  it.each([
    "https://user:s3cretpass@sts.amazonaws.com/",
    "https://user:s3cret/pass@sts.amazonaws.com/",
    "https://us er:s3cretpass@sts.amazonaws.com/",
    "https://user:s3cretpass@sts amazonaws.com/",
  ])("never shows a password of a URL's userinfo (%s)", (url) => {
    const result = verifyTokenShape(handToken(`${url}?${handQuery()}`), { now: NOW });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(`${result.message} ${result.hint}`).not.toMatch(/s3cret|pass\b/);
  });

  it("never quotes the signature or the session token", () => {
    const secret = "SESSIONTOKENVALUE1234567890";
    const token = handToken(
      `${STS}?${handQuery({ "X-Amz-Security-Token": secret, "X-Amz-Signature": "f".repeat(64), "X-Amz-Date": "19900422T010203Z" })}`,
    );
    const result = verifyTokenShape(token, { now: NOW });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(JSON.stringify(result)).not.toContain("f".repeat(64));
  });
});

describe("verifyTokenShape expiry window", () => {
  const token = makeToken();
  it("accepts a token up to exactly 15 minutes after X-Amz-Date", () => {
    expect(verifyTokenShape(token, { now: SIGNED_AT + 15 * 60_000 }).ok).toBe(true);
  });
  it("rejects it one second later, as expired", () => {
    const result = verifyTokenShape(token, { now: SIGNED_AT + 15 * 60_000 + 1000 });
    expect(result).toMatchObject({ ok: false, rule: "expired", kind: "expired" });
    expect(!result.ok && result.message).toContain("token expired 1s ago");
  });
  it("says how long ago in minutes", () => {
    const result = verifyTokenShape(token, { now: SIGNED_AT + 18 * 60_000 });
    expect(!result.ok && result.message).toContain("token expired 3m ago");
  });
  it("accepts a token signed up to 15 minutes ahead of now (STS's tolerance)", () => {
    expect(verifyTokenShape(token, { now: SIGNED_AT - 15 * 60_000 }).ok).toBe(true);
  });
  it.each([
    ["one second more", 15 * 60_000 + 1000, "15m 1s"],
    ["a day", 86_400_000, "24h"],
  ])("reports a signing time further ahead (%s) as its own problem, naming the clock", (_, ahead, shown) => {
    const result = verifyTokenShape(token, { now: SIGNED_AT - ahead });
    expect(result).toMatchObject({ ok: false, rule: "future", kind: "expired" });
    const message = !result.ok ? result.message : "";
    expect(message).toMatch(/^token is signed .* in the future \(at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)/);
    expect(message).toContain(shown);
    expect(message).not.toContain("expired");
    expect(!result.ok && result.hint).toContain("clock");
  });
  it("ignores X-Amz-Expires for the window, as the server does", () => {
    const short = makeToken({ expiresSeconds: 1 });
    expect(verifyTokenShape(short, { now: SIGNED_AT + 10 * 60_000 }).ok).toBe(true);
  });
});

const partitionHosts: ReadonlyArray<{ partition: string; host: string; region: string; label?: string }> = [
  ...REGIONAL_HOSTS,
  { partition: "aws", host: "sts-fips.us-east-1.amazonaws.com", region: "us-east-1", label: "fips" },
  { partition: "aws-us-gov", host: "sts-fips.us-gov-east-1.amazonaws.com", region: "us-gov-east-1", label: "fips" },
  { partition: "aws", host: "sts.us-west-2.api.aws", region: "us-west-2", label: "dual-stack" },
  {
    partition: "aws-cn",
    host: "sts.cn-northwest-1.api.amazonwebservices.com.cn",
    region: "cn-northwest-1",
    label: "dual-stack",
  },
  {
    partition: "aws-eusc",
    host: "sts.eusc-de-east-1.api.amazonwebservices.eu",
    region: "eusc-de-east-1",
    label: "dual-stack",
  },
  { partition: "aws", host: "sts.amazonaws.com", region: "us-east-1", label: "global" },
];

describe("verifyTokenShape accepts every partition's STS hosts", () => {
  it.each(partitionHosts)("$host ($partition $label)", ({ partition, host, region }) => {
    const result = verifyTokenShape(makeToken({ host, region }), { now: NOW });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.facts).toMatchObject({
      host,
      partition,
      region,
      accessKeyId: USER_CREDS.accessKeyId,
      expiresParam: 60,
      sessionToken: false,
    });
    expect(result.facts.signedHeaders).toEqual(["host", "x-k8s-aws-id"]);
    expect(result.facts.signedAt.getTime()).toBe(SIGNED_AT);
    expect(result.facts.expiresAt.getTime()).toBe(SIGNED_AT + 15 * 60_000);
  });
});

describe("verifyTokenShape facts", () => {
  it("reads the region from the credential scope and sees the session token", () => {
    const token = makeToken({
      region: "eu-west-1",
      host: "sts.eu-west-1.amazonaws.com",
      credentials: { ...USER_CREDS, accessKeyId: "ASIAVERIFYSESSION001", sessionToken: "FwoGZXIvYXdzE+/session==" },
    });
    const result = verifyTokenShape(token, { now: NOW });
    expect(result).toMatchObject({
      ok: true,
      facts: { region: "eu-west-1", accessKeyId: "ASIAVERIFYSESSION001", sessionToken: true },
    });
  });

  it("accepts what the production presigner makes", async () => {
    const url = await presignGetCallerIdentity({
      credentials: {
        accessKeyId: "ASIAR2TG44V6AS3ZZE7C",
        secretAccessKey: "4KD5cntGcVmLWRdF5wvNRuzNL5Qxmp6OKVY6Fz/Q",
        sessionToken: "tok+/=",
      },
      host: "sts.us-west-2.amazonaws.com",
      signingRegion: "us-west-2",
      clusterId: "test-cluster",
      signingDate: new Date(1682640000_000),
    });
    const result = verifyTokenShape(encodeToken(url), { now: 1682640000_000 + 60_000 });
    expect(result).toMatchObject({
      ok: true,
      facts: { region: "us-west-2", accessKeyId: "ASIAR2TG44V6AS3ZZE7C", sessionToken: true, expiresParam: 60 },
    });
  });

  it("accepts lowercase keys, an uppercase scheme and a zero X-Amz-Expires as the server does", () => {
    const query = handQuery().replace("Action=", "action=").replace("X-Amz-Expires=60", "X-Amz-Expires=0");
    const result = verifyTokenShape(handToken(`HTTPS://sts.amazonaws.com/?${query}`), { now: NOW });
    expect(result).toMatchObject({ ok: true, facts: { expiresParam: 0, host: "sts.amazonaws.com" } });
  });
});

describe("canonicalArn", () => {
  it.each([
    [
      "arn:aws:sts::123456789012:assumed-role/team/platform/Admin/alice",
      "arn:aws:iam::123456789012:role/team/platform/Admin",
    ],
    ["arn:aws:sts::123456789012:assumed-role/Admin/i-0123456789abcdef0", "arn:aws:iam::123456789012:role/Admin"],
    ["arn:aws-cn:sts::123456789012:assumed-role/Dev/bob", "arn:aws-cn:iam::123456789012:role/Dev"],
    ["arn:aws-us-gov:sts::123456789012:assumed-role/Dev/bob", "arn:aws-us-gov:iam::123456789012:role/Dev"],
    ["arn:aws:iam::123456789012:user/Alice", "arn:aws:iam::123456789012:user/Alice"],
    ["arn:aws:iam::123456789012:role/path/Admin", "arn:aws:iam::123456789012:role/path/Admin"],
    ["arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:root"],
    ["arn:aws:sts::123456789012:federated-user/Bob", "arn:aws:sts::123456789012:federated-user/Bob"],
  ])("%s -> %s", (arn, expected) => {
    expect(canonicalArn(arn)).toBe(expected);
  });

  it.each([
    ["arn", "is not a valid ARN"],
    ["not:an:arn:at:all:x", "is not a valid ARN"],
    ["arn:aws:s3:::bucket/key", "is not an IAM identity"],
    ["arn:aws:sts::123456789012:assumed-role/OnlyRole", "does not name a role and a session"],
    ["arn:aws:sts::123456789012:user/Nope", "is not an STS identity"],
    ["arn:aws:iam::123456789012:group/Admins", "is not an IAM identity"],
    ["arn:foo:iam::123456789012:user/x", 'unknown partition "foo"'],
  ])("refuses %s", (arn, message) => {
    expect(() => canonicalArn(arn)).toThrow(message);
  });
});

describe("formatDuration", () => {
  it.each([
    [692_000, "11m 32s"],
    [180_000, "3m"],
    [45_000, "45s"],
    [3_900_000, "1h 5m"],
    [0, "0s"],
  ])("%d ms -> %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
