import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromIni, fromTemporaryCredentials, fromWebToken } from "@aws-sdk/credential-providers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { presignUrl, signHeaders, toAmzDate, uriEncode, type SigningCredentials } from "./sigv4.js";
import { makeTestJwt, regionForStsHost, startStsEmulator, type StsEmulator } from "./sts-emulator.js";

const ACCOUNT = "111122223333";
const ALICE = {
  name: "alice",
  accountId: ACCOUNT,
  accessKeyId: "AKIAALICE0000000TEST",
  secretAccessKey: "alice/secret+key",
};
const ALICE_CREDS: SigningCredentials = { accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey };
const MFA = { serial: "arn:aws:iam::111122223333:mfa/alice", code: "123456" };
const ROLES = {
  admin: `arn:aws:iam::${ACCOUNT}:role/admin`,
  partner: `arn:aws:iam::${ACCOUNT}:role/partner`,
  mfa: `arn:aws:iam::${ACCOUNT}:role/ops/mfa-only`,
  closed: `arn:aws:iam::${ACCOUNT}:role/closed`,
  chained: `arn:aws:iam::${ACCOUNT}:role/chained`,
  web: `arn:aws:iam::${ACCOUNT}:role/web`,
};
const STS_HOST = "sts.us-west-2.amazonaws.com";

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a fresh connection, so faults and close() act on it alone. */
function rawRequest(
  emu: StsEmulator,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: emu.port,
        method: opts.method ?? "GET",
        path: opts.path ?? "/",
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

function formBody(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
    .join("&");
}

/** A form POST signed with an Authorization header, as the SDK sends query-protocol calls. */
function signedPost(
  emu: StsEmulator,
  creds: SigningCredentials,
  params: Record<string, string>,
  opts: { region?: string; host?: string; accept?: string; amzDate?: string } = {},
): Promise<RawResponse> {
  const body = formBody({ Version: "2011-06-15", ...params });
  const host = opts.host ?? `127.0.0.1:${emu.port}`;
  const headers = signHeaders({
    url: `http://${host}/`,
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      ...(opts.accept ? { accept: opts.accept } : {}),
    },
    body,
    credentials: creds,
    region: opts.region ?? "us-west-2",
    service: "sts",
    amzDate: opts.amzDate ?? toAmzDate(emu.now()),
  });
  return rawRequest(emu, { method: "POST", headers, body });
}

interface TokenOptions {
  creds?: SigningCredentials;
  host?: string;
  region?: string;
  service?: string;
  cluster?: string;
  amzDate?: string;
  expires?: number;
}

/** The presigned GetCallerIdentity URL an EKS token wraps. */
function tokenUrl(emu: StsEmulator, o: TokenOptions = {}): URL {
  return new URL(
    presignUrl({
      url: `https://${o.host ?? STS_HOST}/?Action=GetCallerIdentity&Version=2011-06-15`,
      headers: { "x-k8s-aws-id": o.cluster ?? "test-cluster" },
      credentials: o.creds ?? ALICE_CREDS,
      region: o.region ?? "us-west-2",
      service: o.service ?? "sts",
      amzDate: o.amzDate ?? toAmzDate(emu.now()),
      expiresSeconds: o.expires ?? 60,
    }),
  );
}

/** Replays a presigned URL against the emulator the way the server side of EKS does. */
function sendToken(emu: StsEmulator, url: URL, opts: { cluster?: string; json?: boolean } = {}): Promise<RawResponse> {
  const headers: Record<string, string> = { host: url.host, "x-k8s-aws-id": opts.cluster ?? "test-cluster" };
  if (opts.json !== false) headers.accept = "application/json";
  return rawRequest(emu, { path: url.pathname + url.search, headers });
}

function errorOf(res: RawResponse): { code?: string; type?: string } {
  if (String(res.headers["content-type"]).includes("json")) {
    const doc = JSON.parse(res.body) as { Error: { Code: string; Type: string } };
    return { code: doc.Error.Code, type: doc.Error.Type };
  }
  return { code: /<Code>([^<]*)<\/Code>/.exec(res.body)?.[1], type: /<Type>([^<]*)<\/Type>/.exec(res.body)?.[1] };
}

function xmlField(body: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];
}

function withParam(url: URL, name: string, value: string): URL {
  const copy = new URL(url);
  copy.search = copy.search
    .slice(1)
    .split("&")
    .map((p) => (p.startsWith(`${name}=`) ? `${name}=${uriEncode(value)}` : p))
    .join("&");
  return copy;
}

let offsetMs = 0;
let emu: StsEmulator;

function seed(e: StsEmulator): void {
  e.addUser({ ...ALICE, mfaDevices: [MFA] });
  e.addUser({
    name: "mallory",
    accountId: "999988887777",
    accessKeyId: "AKIAMALLORY00000TEST",
    secretAccessKey: "mallory-secret",
  });
  e.addRole({ arn: ROLES.admin, trust: [`arn:aws:iam::${ACCOUNT}:user/alice`], maxSessionSeconds: 7200 });
  e.addRole({ arn: ROLES.partner, trust: [`arn:aws:iam::${ACCOUNT}:root`], externalId: "ext-42" });
  e.addRole({ arn: ROLES.mfa, trust: [`arn:aws:iam::${ACCOUNT}:user/alice`], requireMfa: true });
  e.addRole({ arn: ROLES.closed, trust: [] });
  e.addRole({ arn: ROLES.chained, trust: [ROLES.admin] });
  e.addWebIdentityRole({
    arn: ROLES.web,
    audiences: ["sts.amazonaws.com"],
    subjects: ["system:serviceaccount:default:*"],
  });
}

beforeAll(async () => {
  emu = await startStsEmulator({ now: () => Date.now() + offsetMs });
  seed(emu);
});

afterAll(async () => {
  await emu.close();
});

beforeEach(() => {
  offsetMs = 0;
  emu.clearFaults();
  emu.resetCalls();
});

describe("host to region", () => {
  it("maps STS hosts to the region their scope must name", () => {
    expect(regionForStsHost("sts.amazonaws.com")).toBe("us-east-1");
    expect(regionForStsHost("sts.eu-west-1.amazonaws.com")).toBe("eu-west-1");
    expect(regionForStsHost("sts-fips.us-gov-west-1.amazonaws.com:443")).toBe("us-gov-west-1");
    expect(regionForStsHost("sts.us-east-1.api.aws")).toBe("us-east-1");
    expect(regionForStsHost("127.0.0.1:8080")).toBeUndefined();
    expect(regionForStsHost("localhost")).toBeUndefined();
  });
});

describe("GetCallerIdentity", () => {
  it("answers a presigned token URL in the JSON shape aws-iam-authenticator parses", async () => {
    const res = await sendToken(emu, tokenUrl(emu));
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.body);
    expect(doc).toEqual({
      GetCallerIdentityResponse: {
        GetCallerIdentityResult: {
          Account: ACCOUNT,
          Arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
          UserId: expect.stringMatching(/^AIDA[A-Z2-7]{17}$/),
        },
        ResponseMetadata: { RequestId: expect.any(String) },
      },
    });
    expect(emu.calls.GetCallerIdentity).toBe(1);
    expect(emu.requests[0]).toMatchObject({
      auth: "presigned",
      host: STS_HOST,
      accessKeyId: ALICE.accessKeyId,
      status: 200,
    });
  });

  it("answers in XML by default", async () => {
    const res = await sendToken(emu, tokenUrl(emu), { json: false });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/xml");
    expect(res.body).toContain('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
    expect(xmlField(res.body, "Arn")).toBe(`arn:aws:iam::${ACCOUNT}:user/alice`);
    expect(xmlField(res.body, "Account")).toBe(ACCOUNT);
  });

  it("answers a header-signed POST", async () => {
    const res = await signedPost(emu, ALICE_CREDS, { Action: "GetCallerIdentity" });
    expect(res.status).toBe(200);
    expect(xmlField(res.body, "Arn")).toBe(`arn:aws:iam::${ACCOUNT}:user/alice`);
    expect(emu.requests[0]?.auth).toBe("header");
  });

  it("accepts a token for 15 minutes whatever X-Amz-Expires says", async () => {
    const url = tokenUrl(emu, { expires: 60 });
    offsetMs = 14 * 60_000;
    expect((await sendToken(emu, url)).status).toBe(200);
    offsetMs = 16 * 60_000;
    const late = await sendToken(emu, url);
    expect([late.status, errorOf(late).code]).toEqual([403, "ExpiredToken"]);
  });

  it("accepts the legacy global host signed for us-east-1", async () => {
    const url = tokenUrl(emu, { host: "sts.amazonaws.com", region: "us-east-1" });
    expect((await sendToken(emu, url)).status).toBe(200);
  });
});

describe("rejections", () => {
  const cases: Array<[string, () => Promise<RawResponse>, number, string]> = [
    [
      "a tampered parameter",
      () => sendToken(emu, withParam(tokenUrl(emu), "X-Amz-Expires", "61")),
      403,
      "SignatureDoesNotMatch",
    ],
    [
      "another API version",
      () => sendToken(emu, withParam(tokenUrl(emu), "Version", "2011-06-16")),
      400,
      "InvalidAction",
    ],
    [
      "a tampered signature",
      () => sendToken(emu, withParam(tokenUrl(emu), "X-Amz-Signature", "0".repeat(64))),
      403,
      "SignatureDoesNotMatch",
    ],
    [
      "a tampered date",
      () => sendToken(emu, withParam(tokenUrl(emu), "X-Amz-Date", toAmzDate(emu.now() - 1000))),
      403,
      "SignatureDoesNotMatch",
    ],
    [
      "the wrong secret",
      () => sendToken(emu, tokenUrl(emu, { creds: { ...ALICE_CREDS, secretAccessKey: "nope" } })),
      403,
      "SignatureDoesNotMatch",
    ],
    ["another cluster's id", () => sendToken(emu, tokenUrl(emu), { cluster: "other" }), 403, "SignatureDoesNotMatch"],
    [
      "an unknown access key",
      () => sendToken(emu, tokenUrl(emu, { creds: { accessKeyId: "AKIAUNKNOWN", secretAccessKey: "x" } })),
      403,
      "InvalidClientTokenId",
    ],
    [
      "a token on a user key",
      () => sendToken(emu, tokenUrl(emu, { creds: { ...ALICE_CREDS, sessionToken: "tok" } })),
      403,
      "InvalidClientTokenId",
    ],
    [
      "a date past 15 minutes",
      () => sendToken(emu, tokenUrl(emu, { amzDate: toAmzDate(emu.now() - 16 * 60_000) })),
      403,
      "ExpiredToken",
    ],
    [
      "X-Amz-Expires over 900",
      () => sendToken(emu, tokenUrl(emu, { expires: 901 })),
      400,
      "AuthorizationQueryParametersError",
    ],
    [
      "a scope region that does not fit the host",
      () => sendToken(emu, tokenUrl(emu, { region: "eu-west-1" })),
      403,
      "SignatureDoesNotMatch",
    ],
    [
      "the global host signed for another region",
      () => sendToken(emu, tokenUrl(emu, { host: "sts.amazonaws.com" })),
      403,
      "SignatureDoesNotMatch",
    ],
    [
      "a scope service other than sts",
      () => sendToken(emu, tokenUrl(emu, { service: "iam" })),
      403,
      "SignatureDoesNotMatch",
    ],
    [
      "a missing signature parameter",
      () =>
        sendToken(
          emu,
          new URL(
            tokenUrl(emu)
              .toString()
              .replace(/&X-Amz-Signature=\w+/, ""),
          ),
        ),
      400,
      "IncompleteSignature",
    ],
    [
      "an unsigned request",
      () => rawRequest(emu, { path: "/?Action=GetCallerIdentity&Version=2011-06-15" }),
      403,
      "MissingAuthenticationToken",
    ],
    ["an unknown action", () => signedPost(emu, ALICE_CREDS, { Action: "GetSessionToken" }), 400, "InvalidAction"],
    ["a missing action", () => rawRequest(emu, { path: "/" }), 400, "MissingAction"],
    [
      "a header-signed request 20 minutes old",
      () =>
        signedPost(emu, ALICE_CREDS, { Action: "GetCallerIdentity" }, { amzDate: toAmzDate(Date.now() - 20 * 60_000) }),
      403,
      "SignatureDoesNotMatch",
    ],
  ];

  it.each(cases)("refuses %s", async (_name, send, status, code) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(errorOf(res).code).toBe(code);
  });

  it("renders STS-shaped XML errors", async () => {
    const res = await sendToken(emu, tokenUrl(emu), { cluster: "other", json: false });
    expect(res.status).toBe(403);
    expect(res.body).toMatch(
      /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">\s*<Error>\s*<Type>Sender<\/Type>\s*<Code>SignatureDoesNotMatch<\/Code>\s*<Message>[^<]+<\/Message>\s*<\/Error>\s*<RequestId>[0-9a-f-]{36}<\/RequestId>\s*<\/ErrorResponse>\s*$/,
    );
    expect(res.headers["x-amzn-requestid"]).toBe(xmlField(res.body, "RequestId"));
  });

  it("renders JSON errors when JSON is accepted", async () => {
    const res = await sendToken(emu, tokenUrl(emu), { cluster: "other" });
    expect(JSON.parse(res.body)).toEqual({
      Error: { Code: "SignatureDoesNotMatch", Message: expect.any(String), Type: "Sender" },
      RequestId: expect.any(String),
    });
  });

  it("can require x-k8s-aws-id among the signed headers", async () => {
    const strict = await startStsEmulator({ requirePresignedHeaders: ["x-k8s-aws-id"] });
    try {
      strict.addUser(ALICE);
      const bare = new URL(
        presignUrl({
          url: `https://${STS_HOST}/?Action=GetCallerIdentity&Version=2011-06-15`,
          credentials: ALICE_CREDS,
          region: "us-west-2",
          service: "sts",
          amzDate: toAmzDate(Date.now()),
          expiresSeconds: 60,
        }),
      );
      const res = await rawRequest(strict, { path: bare.pathname + bare.search, headers: { host: STS_HOST } });
      expect([res.status, errorOf(res).code]).toEqual([403, "SignatureDoesNotMatch"]);
      expect((await sendToken(strict, tokenUrl(strict))).status).toBe(200);
    } finally {
      await strict.close();
    }
  });
});

describe("AssumeRole through the AWS SDK", () => {
  const saved: Record<string, string | undefined> = {};
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sts-emulator-"));
    const env: Record<string, string | undefined> = {
      AWS_ENDPOINT_URL_STS: emu.url,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      AWS_CONFIG_FILE: join(dir, "config"),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_PROFILE: undefined,
      AWS_ENDPOINT_URL: undefined,
      AWS_REGION: undefined,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
    };
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    emu.clearFaults();
  });

  function assume(
    params: {
      RoleArn: string;
      RoleSessionName?: string;
      ExternalId?: string;
      SerialNumber?: string;
      DurationSeconds?: number;
    },
    mfaCode?: string,
    master = ALICE_CREDS,
  ) {
    return fromTemporaryCredentials({
      masterCredentials: master,
      params: { RoleSessionName: "eks-test", ...params },
      clientConfig: { region: "us-west-2" },
      ...(mfaCode !== undefined ? { mfaCodeProvider: async () => mfaCode } : {}),
    })();
  }

  it("returns session credentials that sign later requests as the assumed role", async () => {
    const creds = await assume({ RoleArn: ROLES.admin, DurationSeconds: 1800 });
    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(creds.sessionToken).toMatch(/[+/=]/);
    expect(Math.abs(creds.expiration!.getTime() - (emu.now() + 1800_000))).toBeLessThan(5000);
    expect(emu.calls.AssumeRole).toBe(1);
    expect(emu.sessions.at(-1)).toMatchObject({
      roleArn: ROLES.admin,
      sourceArn: `arn:aws:iam::${ACCOUNT}:user/alice`,
    });

    const res = await sendToken(emu, tokenUrl(emu, { creds }));
    expect(res.status).toBe(200);
    const result = JSON.parse(res.body).GetCallerIdentityResponse.GetCallerIdentityResult;
    expect(result.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/admin/eks-test`);
    expect(result.UserId).toMatch(/^AROA[A-Z2-7]{17}:eks-test$/);
    expect(result.Account).toBe(ACCOUNT);

    const signed = await signedPost(emu, creds, { Action: "GetCallerIdentity" });
    expect(xmlField(signed.body, "Arn")).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/admin/eks-test`);
  });

  it("drops the role path from the assumed-role ARN", async () => {
    const creds = await assume({ RoleArn: ROLES.mfa, SerialNumber: MFA.serial }, MFA.code);
    const res = await signedPost(emu, creds, { Action: "GetCallerIdentity" });
    expect(xmlField(res.body, "Arn")).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/mfa-only/eks-test`);
  });

  it("refuses session keys presented without, or with the wrong, session token", async () => {
    const creds = await assume({ RoleArn: ROLES.admin });
    const bare = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey };
    for (const res of [
      await sendToken(emu, tokenUrl(emu, { creds: bare })),
      await sendToken(emu, tokenUrl(emu, { creds: { ...bare, sessionToken: "forged" } })),
      await signedPost(emu, bare, { Action: "GetCallerIdentity" }),
    ]) {
      expect([res.status, errorOf(res).code]).toEqual([403, "InvalidClientTokenId"]);
    }
  });

  it("refuses session keys once they expire", async () => {
    const creds = await assume({ RoleArn: ROLES.admin, DurationSeconds: 900 });
    offsetMs = 901_000;
    const res = await signedPost(emu, creds, { Action: "GetCallerIdentity" }, { amzDate: toAmzDate(emu.now()) });
    expect([res.status, errorOf(res).code]).toEqual([403, "ExpiredToken"]);
  });

  it("refuses principals the trust policy does not name", async () => {
    await expect(assume({ RoleArn: ROLES.closed })).rejects.toMatchObject({
      name: "AccessDenied",
      $metadata: { httpStatusCode: 403 },
    });
    await expect(assume({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/missing` })).rejects.toMatchObject({
      name: "AccessDenied",
    });
    const mallory = { accessKeyId: "AKIAMALLORY00000TEST", secretAccessKey: "mallory-secret" };
    await expect(assume({ RoleArn: ROLES.admin }, undefined, mallory)).rejects.toMatchObject({ name: "AccessDenied" });
  });

  it("checks the external id", async () => {
    await expect(assume({ RoleArn: ROLES.partner })).rejects.toMatchObject({ name: "AccessDenied" });
    await expect(assume({ RoleArn: ROLES.partner, ExternalId: "ext-41" })).rejects.toMatchObject({
      name: "AccessDenied",
    });
    await expect(assume({ RoleArn: ROLES.partner, ExternalId: "ext-42" })).resolves.toMatchObject({
      accessKeyId: expect.any(String),
    });
  });

  it("checks MFA serial and code", async () => {
    await expect(assume({ RoleArn: ROLES.mfa })).rejects.toMatchObject({ name: "AccessDenied" });
    await expect(assume({ RoleArn: ROLES.mfa, SerialNumber: MFA.serial }, "654321")).rejects.toMatchObject({
      name: "AccessDenied",
      message: expect.stringMatching(/MultiFactorAuthentication failed/),
    });
    await expect(
      assume({ RoleArn: ROLES.mfa, SerialNumber: "arn:aws:iam::111122223333:mfa/other" }, MFA.code),
    ).rejects.toMatchObject({ name: "AccessDenied" });
    await expect(assume({ RoleArn: ROLES.mfa, SerialNumber: MFA.serial }, "12ab")).rejects.toMatchObject({
      name: "ValidationError",
    });
    const creds = await assume({ RoleArn: ROLES.mfa, SerialNumber: MFA.serial }, MFA.code);
    expect(creds.sessionToken).toBeTruthy();
    expect(emu.requests.at(-1)?.params).toMatchObject({ SerialNumber: MFA.serial, TokenCode: MFA.code });
  });

  it("validates the session name and duration", async () => {
    await expect(assume({ RoleArn: ROLES.admin, RoleSessionName: "bad name!" })).rejects.toMatchObject({
      name: "ValidationError",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(assume({ RoleArn: ROLES.admin, DurationSeconds: 899 })).rejects.toMatchObject({
      name: "ValidationError",
    });
    await expect(assume({ RoleArn: ROLES.admin, DurationSeconds: 7201 })).rejects.toMatchObject({
      name: "ValidationError",
    });
    await expect(assume({ RoleArn: ROLES.admin, DurationSeconds: 7200 })).resolves.toBeTruthy();
  });

  it("chains roles with the one-hour limit", async () => {
    const first = await assume({ RoleArn: ROLES.admin });
    await expect(assume({ RoleArn: ROLES.chained, DurationSeconds: 3601 }, undefined, first)).rejects.toMatchObject({
      name: "ValidationError",
    });
    const second = await assume({ RoleArn: ROLES.chained, RoleSessionName: "hop" }, undefined, first);
    const res = await signedPost(emu, second, { Action: "GetCallerIdentity" });
    expect(xmlField(res.body, "Arn")).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/chained/hop`);
  });

  it("serves role profiles read by fromIni", async () => {
    writeFileSync(
      join(dir, "config"),
      [
        "[profile base]",
        `aws_access_key_id = ${ALICE.accessKeyId}`,
        `aws_secret_access_key = ${ALICE.secretAccessKey}`,
        "[profile dev]",
        `role_arn = ${ROLES.admin}`,
        "source_profile = base",
        "role_session_name = from-ini",
        "region = us-west-2",
        "",
      ].join("\n"),
    );
    const creds = await fromIni({ profile: "dev", ignoreCache: true })();
    const res = await signedPost(emu, creds, { Action: "GetCallerIdentity" });
    expect(xmlField(res.body, "Arn")).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/admin/from-ini`);
  });

  it("exchanges a web identity token without signing", async () => {
    const jwt = makeTestJwt({
      iss: "https://oidc.example.test/id/ABC",
      sub: "system:serviceaccount:default:app",
      aud: "sts.amazonaws.com",
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    const creds = await fromWebToken({
      roleArn: ROLES.web,
      webIdentityToken: jwt,
      roleSessionName: "pod",
      clientConfig: { region: "us-west-2" },
    })();
    expect(emu.requests.at(-1)).toMatchObject({ action: "AssumeRoleWithWebIdentity", auth: "none", status: 200 });
    const res = await signedPost(emu, creds, { Action: "GetCallerIdentity" });
    expect(xmlField(res.body, "Arn")).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/web/pod`);
  });

  it("refuses web identity tokens with the wrong audience, a foreign subject, or past expiry", async () => {
    const exchange = (claims: Record<string, unknown>) =>
      fromWebToken({
        roleArn: ROLES.web,
        webIdentityToken: makeTestJwt(claims),
        roleSessionName: "pod",
        clientConfig: { region: "us-west-2" },
      })();
    const good = {
      sub: "system:serviceaccount:default:app",
      aud: "sts.amazonaws.com",
      exp: Math.floor(Date.now() / 1000) + 600,
    };
    await expect(exchange({ ...good, aud: "other" })).rejects.toMatchObject({ name: "AccessDenied" });
    await expect(exchange({ ...good, sub: "system:serviceaccount:kube-system:app" })).rejects.toMatchObject({
      name: "AccessDenied",
    });
    await expect(exchange({ ...good, exp: Math.floor(Date.now() / 1000) - 10 })).rejects.toMatchObject({
      name: "ExpiredTokenException",
    });
    const raw = await rawRequest(emu, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: formBody({
        Action: "AssumeRoleWithWebIdentity",
        Version: "2011-06-15",
        RoleArn: ROLES.web,
        RoleSessionName: "pod",
        WebIdentityToken: "not-a-jwt",
      }),
    });
    expect([raw.status, errorOf(raw).code]).toEqual([400, "InvalidIdentityToken"]);
  });

  it("lets the SDK correct its clock from the Date header", async () => {
    offsetMs = 2 * 3600_000;
    const creds = await assume({ RoleArn: ROLES.admin });
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    expect(emu.calls.AssumeRole).toBe(2);
    expect(emu.requests.map((r) => r.errorCode)).toEqual(["SignatureDoesNotMatch", undefined]);
  });

  it("retries a throttled AssumeRole", async () => {
    emu.setFault({ action: "AssumeRole", kind: "throttle" }, 1);
    await expect(assume({ RoleArn: ROLES.admin })).resolves.toMatchObject({ accessKeyId: expect.any(String) });
    expect(emu.calls.AssumeRole).toBe(2);
    expect(emu.requests.map((r) => [r.fault, r.errorCode])).toEqual([
      ["throttle", "Throttling"],
      [undefined, undefined],
    ]);
  });
});

describe("faults", () => {
  it("throttles with a 400 Throttling error", async () => {
    emu.setFault({ kind: "throttle" });
    const res = await sendToken(emu, tokenUrl(emu), { json: false });
    expect([res.status, errorOf(res)]).toEqual([400, { code: "Throttling", type: "Sender" }]);
  });

  it("answers with 500 or 503", async () => {
    emu.setFault({ kind: "status", status: 503 }, 1);
    emu.setFault({ kind: "status", status: 500 }, 1);
    const first = await sendToken(emu, tokenUrl(emu));
    const second = await sendToken(emu, tokenUrl(emu));
    expect([first.status, errorOf(first).code, second.status, errorOf(second).code]).toEqual([
      503,
      "ServiceUnavailable",
      500,
      "InternalFailure",
    ]);
    expect((await sendToken(emu, tokenUrl(emu))).status).toBe(200);
  });

  it("applies a fault only to its action and only the given number of times", async () => {
    emu.setFault({ action: "AssumeRole", kind: "throttle" }, 2);
    expect((await sendToken(emu, tokenUrl(emu))).status).toBe(200);
    const assume = () =>
      signedPost(emu, ALICE_CREDS, { Action: "AssumeRole", RoleArn: ROLES.admin, RoleSessionName: "s1" });
    expect(errorOf(await assume()).code).toBe("Throttling");
    expect(errorOf(await assume()).code).toBe("Throttling");
    expect((await assume()).status).toBe(200);
    expect(emu.calls).toMatchObject({ AssumeRole: 3, GetCallerIdentity: 1 });
  });

  it("clears faults", async () => {
    emu.setFault({ kind: "throttle" });
    emu.clearFaults();
    expect((await sendToken(emu, tokenUrl(emu))).status).toBe(200);
  });

  it("adds latency", async () => {
    emu.setFault({ kind: "latency", ms: 150 }, 1);
    const started = performance.now();
    const res = await sendToken(emu, tokenUrl(emu));
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("resets the connection", async () => {
    emu.setFault({ kind: "reset" }, 1);
    await expect(sendToken(emu, tokenUrl(emu))).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(emu.calls.GetCallerIdentity).toBe(1);
  });

  it("hangs until close()", async () => {
    const hanging = await startStsEmulator();
    hanging.addUser(ALICE);
    hanging.setFault({ kind: "hang" });
    let settled = false;
    const pending = sendToken(hanging, tokenUrl(hanging)).finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(settled).toBe(false);
    expect(hanging.calls.GetCallerIdentity).toBe(1);
    await hanging.close();
    await expect(pending).rejects.toMatchObject({ code: "ECONNRESET" });
  });

  it("counts calls and logs requests until reset", async () => {
    await sendToken(emu, tokenUrl(emu));
    await signedPost(emu, ALICE_CREDS, { Action: "AssumeRole", RoleArn: ROLES.closed, RoleSessionName: "s1" });
    expect(emu.calls).toMatchObject({ GetCallerIdentity: 1, AssumeRole: 1, AssumeRoleWithWebIdentity: 0 });
    expect(emu.requests.map((r) => [r.action, r.status, r.errorCode])).toEqual([
      ["GetCallerIdentity", 200, undefined],
      ["AssumeRole", 403, "AccessDenied"],
    ]);
    emu.resetCalls();
    expect(emu.calls).toMatchObject({ GetCallerIdentity: 0, AssumeRole: 0 });
    expect(emu.requests).toHaveLength(0);
  });
});
