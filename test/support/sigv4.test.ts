import { describe, expect, it } from "vitest";
import {
  EMPTY_PAYLOAD_HASH,
  canonicalQueryString,
  parseAmzDate,
  presignUrl,
  sha256Hex,
  signHeaders,
  signRequest,
  toAmzDate,
  uriEncode,
  verifyAuthorizationHeader,
  verifyPresignedUrl,
  type KeyRecord,
} from "./sigv4.js";

// AWS General Reference, "Signature Version 4 signing process" worked example.
const DOC = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  amzDate: "20150830T123600Z",
};

// aws-iam-authenticator pkg/token/token_test.go TestGetWithSTS (docs/contract.md, "Token format").
const EKS = {
  accessKeyId: "ASIAR2TG44V6AS3ZZE7C",
  secretAccessKey: "4KD5cntGcVmLWRdF5wvNRuzNL5Qxmp6OKVY6Fz/Q",
  amzDate: "20230428T000000Z",
  signedAt: 1682640000 * 1000,
  signature: "e211dba77aba9dc44b0b6be38b8eaad092599c5157f6314444c5b9d85747f5ce",
};

function eksPresign(overrides: { secret?: string; cluster?: string } = {}): string {
  return presignUrl({
    url: "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
    headers: { "x-k8s-aws-id": overrides.cluster ?? "test-cluster" },
    credentials: { accessKeyId: EKS.accessKeyId, secretAccessKey: overrides.secret ?? EKS.secretAccessKey },
    region: "us-west-2",
    service: "sts",
    amzDate: EKS.amzDate,
    expiresSeconds: 60,
  });
}

const eksKeys = (id: string): KeyRecord | undefined => (id === EKS.accessKeyId ? EKS.secretAccessKey : undefined);

function verifyEks(url: string, opts: { cluster?: string; now?: number } = {}) {
  return verifyPresignedUrl({
    url,
    headers: { host: "sts.us-west-2.amazonaws.com", "x-k8s-aws-id": opts.cluster ?? "test-cluster" },
    secretForAccessKey: eksKeys,
    now: opts.now ?? EKS.signedAt + 30_000,
    maxExpiresSeconds: 900,
    validitySeconds: 900,
    requiredSignedHeaders: ["x-k8s-aws-id"],
  });
}

function replaceParam(url: string, name: string, value: string): string {
  const u = new URL(url);
  const pairs = u.search
    .slice(1)
    .split("&")
    .map((p) => (p.startsWith(`${name}=`) ? `${name}=${uriEncode(value)}` : p));
  u.search = pairs.join("&");
  return u.toString();
}

describe("sigv4 primitives", () => {
  it("encodes per RFC 3986 with uppercase hex", () => {
    expect(uriEncode("a b+c/d~e_f.g-h*")).toBe("a%20b%2Bc%2Fd~e_f.g-h%2A");
    expect(uriEncode("a/b", false)).toBe("a/b");
    expect(uriEncode("é")).toBe("%C3%A9");
  });

  it("sorts the canonical query by key then value and drops the signature", () => {
    const q = canonicalQueryString([
      ["b", "2"],
      ["a", "z"],
      ["a", "y"],
      ["X-Amz-Signature", "ignored"],
      ["c", "x y"],
    ]);
    expect(q).toBe("a=y&a=z&b=2&c=x%20y");
  });

  it("converts amz dates both ways and refuses malformed ones", () => {
    expect(toAmzDate(EKS.signedAt)).toBe(EKS.amzDate);
    expect(parseAmzDate(EKS.amzDate)).toBe(EKS.signedAt);
    expect(parseAmzDate("20231328T000000Z")).toBeUndefined();
    expect(parseAmzDate("2023-04-28T00:00:00Z")).toBeUndefined();
  });
});

describe("AWS documentation vector (IAM ListUsers)", () => {
  const result = signRequest({
    method: "GET",
    path: "/",
    query: [
      ["Action", "ListUsers"],
      ["Version", "2010-05-08"],
    ],
    headers: {
      "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
      Host: "iam.amazonaws.com",
      "X-Amz-Date": DOC.amzDate,
    },
    payloadHash: EMPTY_PAYLOAD_HASH,
    accessKeyId: DOC.accessKeyId,
    secretAccessKey: DOC.secretAccessKey,
    region: "us-east-1",
    service: "iam",
    amzDate: DOC.amzDate,
  });

  it("builds the documented canonical request", () => {
    expect(result.canonicalRequest).toBe(
      [
        "GET",
        "/",
        "Action=ListUsers&Version=2010-05-08",
        "content-type:application/x-www-form-urlencoded; charset=utf-8",
        "host:iam.amazonaws.com",
        "x-amz-date:20150830T123600Z",
        "",
        "content-type;host;x-amz-date",
        EMPTY_PAYLOAD_HASH,
      ].join("\n"),
    );
    expect(sha256Hex(result.canonicalRequest)).toBe("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  });

  it("builds the documented string to sign, signing key and signature", () => {
    expect(result.stringToSign).toBe(
      "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
    );
    expect(result.signingKey.toString("hex")).toBe("c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
    expect(result.signature).toBe("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  });

  it("verifies as an Authorization-header request and refuses a tampered one", () => {
    const headers = {
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      host: "iam.amazonaws.com",
      "x-amz-date": DOC.amzDate,
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${result.signature}`,
    };
    const base = {
      method: "GET",
      headers,
      secretForAccessKey: (id: string) => (id === DOC.accessKeyId ? DOC.secretAccessKey : undefined),
      now: Date.parse("2015-08-30T12:40:00Z"),
    };
    const ok = verifyAuthorizationHeader({ ...base, url: "/?Action=ListUsers&Version=2010-05-08" });
    expect(ok).toMatchObject({ ok: true, accessKeyId: "AKIDEXAMPLE", region: "us-east-1", service: "iam" });
    const tampered = verifyAuthorizationHeader({ ...base, url: "/?Action=ListRoles&Version=2010-05-08" });
    expect(tampered).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
    const late = verifyAuthorizationHeader({
      ...base,
      url: "/?Action=ListUsers&Version=2010-05-08",
      now: Date.parse("2015-08-30T13:00:00Z"),
    });
    expect(late).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
    expect(late.ok === false && late.message).toMatch(/Signature expired/);
  });
});

describe("EKS token vector (aws-iam-authenticator TestGetWithSTS)", () => {
  it("reproduces the published signature", () => {
    const url = eksPresign();
    expect(url).toBe(
      "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15" +
        "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAR2TG44V6AS3ZZE7C%2F20230428%2Fus-west-2%2Fsts%2Faws4_request" +
        "&X-Amz-Date=20230428T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id" +
        `&X-Amz-Signature=${EKS.signature}`,
    );
  });

  it("accepts the vector within 15 minutes whatever X-Amz-Expires says", () => {
    const result = verifyEks(eksPresign(), { now: EKS.signedAt + 14 * 60_000 });
    expect(result).toEqual({
      ok: true,
      accessKeyId: EKS.accessKeyId,
      region: "us-west-2",
      service: "sts",
      signedHeaders: ["host", "x-k8s-aws-id"],
      amzDate: EKS.amzDate,
    });
  });

  it("rejects a tampered parameter", () => {
    const url = replaceParam(eksPresign(), "Action", "GetSessionToken");
    expect(verifyEks(url)).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
  });

  it("rejects a signature made with the wrong secret", () => {
    expect(verifyEks(eksPresign({ secret: "not-the-secret" }))).toMatchObject({
      ok: false,
      code: "SignatureDoesNotMatch",
    });
  });

  it("rejects a token presented for another cluster", () => {
    expect(verifyEks(eksPresign(), { cluster: "other-cluster" })).toMatchObject({
      ok: false,
      code: "SignatureDoesNotMatch",
    });
  });

  it("rejects the token after 15 minutes", () => {
    expect(verifyEks(eksPresign(), { now: EKS.signedAt + 15 * 60_000 + 1000 })).toMatchObject({
      ok: false,
      code: "ExpiredToken",
    });
  });

  it("rejects an unknown access key", () => {
    const url = replaceParam(
      eksPresign(),
      "X-Amz-Credential",
      "AKIAUNKNOWN000000000/20230428/us-west-2/sts/aws4_request",
    );
    expect(verifyEks(url)).toMatchObject({ ok: false, code: "InvalidClientTokenId" });
  });

  it("rejects missing parameters as an incomplete signature", () => {
    const url = eksPresign().replace(/&X-Amz-Signature=[0-9a-f]+/, "");
    expect(verifyEks(url)).toMatchObject({ ok: false, code: "IncompleteSignature" });
  });

  it("rejects X-Amz-Expires beyond the allowed maximum", () => {
    const url = replaceParam(eksPresign(), "X-Amz-Expires", "901");
    expect(verifyEks(url)).toMatchObject({ ok: false, code: "AuthorizationQueryParametersError" });
  });

  it("requires x-k8s-aws-id among the signed headers when asked to", () => {
    const unsigned = presignUrl({
      url: "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
      credentials: { accessKeyId: EKS.accessKeyId, secretAccessKey: EKS.secretAccessKey },
      region: "us-west-2",
      service: "sts",
      amzDate: EKS.amzDate,
      expiresSeconds: 60,
    });
    expect(verifyEks(unsigned)).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
  });
});

describe("session tokens", () => {
  const session = { accessKeyId: "ASIASESSION000000001", secretAccessKey: "sessionsecret", sessionToken: "tok+/en==" };
  const lookup = (id: string): KeyRecord | undefined =>
    id === session.accessKeyId
      ? {
          secretAccessKey: session.secretAccessKey,
          sessionToken: session.sessionToken,
          expiresAt: EKS.signedAt + 3600_000,
        }
      : undefined;
  const sign = (sessionToken?: string) =>
    presignUrl({
      url: "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
      credentials: { ...session, sessionToken },
      region: "us-west-2",
      service: "sts",
      amzDate: EKS.amzDate,
      expiresSeconds: 60,
    });
  const verify = (url: string, now = EKS.signedAt + 1000) =>
    verifyPresignedUrl({ url, secretForAccessKey: lookup, now, validitySeconds: 900 * 100 });

  it("accepts the right token and reports it", () => {
    expect(verify(sign(session.sessionToken))).toMatchObject({ ok: true, sessionToken: session.sessionToken });
  });

  it("rejects a missing or wrong token", () => {
    expect(verify(sign())).toMatchObject({ ok: false, code: "InvalidClientTokenId" });
    expect(verify(sign("wrong"))).toMatchObject({ ok: false, code: "InvalidClientTokenId" });
  });

  it("rejects keys past their expiry", () => {
    expect(verify(sign(session.sessionToken), EKS.signedAt + 3600_000)).toMatchObject({
      ok: false,
      code: "ExpiredToken",
    });
  });

  it("signs and verifies header-signed POSTs with a token", () => {
    const body = "Action=GetCallerIdentity&Version=2011-06-15";
    const headers = signHeaders({
      url: "http://127.0.0.1:4566/",
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
      credentials: session,
      region: "us-west-2",
      service: "sts",
      amzDate: EKS.amzDate,
    });
    const check = (b: string) =>
      verifyAuthorizationHeader({
        method: "POST",
        url: "/",
        headers,
        body: b,
        secretForAccessKey: lookup,
        now: EKS.signedAt,
      });
    expect(check(body)).toMatchObject({ ok: true, sessionToken: session.sessionToken });
    expect(check(`${body}&X=1`)).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
  });

  it("rejects malformed Authorization headers as incomplete", () => {
    const result = verifyAuthorizationHeader({
      method: "GET",
      url: "http://127.0.0.1/",
      headers: {
        authorization: "AWS4-HMAC-SHA256 Credential=AKID/20230428/us-west-2/sts/aws4_request",
        "x-amz-date": EKS.amzDate,
      },
      secretForAccessKey: lookup,
      now: EKS.signedAt,
    });
    expect(result).toMatchObject({ ok: false, code: "IncompleteSignature" });
  });
});
