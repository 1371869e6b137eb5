import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createVerifyCommand, runVerify } from "../../src/cli/verify-command.js";
import { callSts, parseCallerIdentity, parseStsError, redactStsMessage, requestTarget } from "../../src/verify/sts.js";
import { startStsEmulator, type StsEmulator } from "../support/sts-emulator.js";
import { assumeRole } from "../support/sts-session.js";
import { CLUSTER, SIGNED_AT, USER_CREDS, fakeIo, makeToken, presignedUrl } from "./fixtures.js";

const NOW = SIGNED_AT + 60_000;
const ACCOUNT = "111122223333";
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/platform/Admin`;

describe("eks-token verify --sts against the STS emulator", () => {
  let sts: StsEmulator;
  let env: Record<string, string>;
  let session: Awaited<ReturnType<typeof assumeRole>>;

  beforeAll(async () => {
    sts = await startStsEmulator({ now: () => NOW, requirePresignedHeaders: ["x-k8s-aws-id"] });
    sts.addUser({ name: "alice", accountId: ACCOUNT, ...USER_CREDS });
    sts.addRole({ arn: ROLE_ARN, trust: [`arn:aws:iam::${ACCOUNT}:user/alice`] });
    session = await assumeRole(sts.url, USER_CREDS, ROLE_ARN, "alice-session", NOW);
    env = { AWS_ENDPOINT_URL_STS: sts.url };
  });
  afterAll(() => sts.close());
  beforeEach(() => {
    sts.clearFaults();
    sts.resetCalls();
  });

  it("prints account, ARN, canonical ARN, user id and session name for a role session", async () => {
    const run = fakeIo({ now: NOW, env });
    const token = makeToken({ credentials: session });
    expect(await runVerify([token, "--sts", "--cluster-name", CLUSTER], run.io)).toBe(0);
    expect(run.stderrText()).toBe("");
    expect(run.stdoutText()).toContain(`token: valid, accepted by STS for cluster ${CLUSTER}`);
    expect(run.stdoutText()).toMatch(new RegExp(`^account:\\s+${ACCOUNT}$`, "m"));
    expect(run.stdoutText()).toMatch(
      new RegExp(`^ARN:\\s+arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice-session$`, "m"),
    );
    // STS drops the role's path from assumed-role ARNs, so the server's mapping cannot restore it.
    expect(run.stdoutText()).toMatch(new RegExp(`^canonical ARN:\\s+arn:aws:iam::${ACCOUNT}:role/Admin$`, "m"));
    expect(run.stdoutText()).toMatch(/^user id:\s+AROA[A-Z2-7]{17}$/m);
    expect(run.stdoutText()).toMatch(/^session name:\s+alice-session$/m);
    expect(run.stdoutText() + run.stderrText()).not.toContain(session.sessionToken);
  });

  it("sends what the server sends: token host as Host, x-k8s-aws-id, Accept JSON", async () => {
    const run = fakeIo({ now: NOW, env });
    expect(await runVerify([makeToken(), "--sts", "--cluster-name", CLUSTER, "-o", "json"], run.io)).toBe(0);
    expect(JSON.parse(run.stdoutText())).toMatchObject({
      valid: true,
      checkedWithSts: true,
      clusterName: CLUSTER,
      sts: {
        account: ACCOUNT,
        arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
        canonicalArn: `arn:aws:iam::${ACCOUNT}:user/alice`,
        sessionName: null,
      },
    });
    expect(sts.calls.GetCallerIdentity).toBe(1);
    const seen = sts.requests.at(-1)!;
    expect(seen.method).toBe("GET");
    expect(seen.host).toBe("sts.us-west-2.amazonaws.com");
    expect(seen.headers["x-k8s-aws-id"]).toBe(CLUSTER);
    expect(seen.headers.accept).toBe("application/json");
  });

  it("exits 5 with the cluster-name hint when the token was made for another cluster", async () => {
    const run = fakeIo({ now: NOW, env });
    const token = makeToken({ credentials: session, cluster: "other-cluster" });
    expect(await runVerify([token, "--sts", "--cluster-name", CLUSTER], run.io)).toBe(5);
    expect(run.stdoutText()).toBe("");
    expect(run.err).toHaveLength(1);
    expect(run.stderrText()).toContain("STS rejected the signature (HTTP 403 SignatureDoesNotMatch)");
    expect(run.stderrText()).toContain(
      "made for another cluster name than --cluster-name, or this machine's clock is skewed",
    );
    // The emulator, like STS, quotes the canonical request (with the session token) in its message.
    expect(run.stderrText()).not.toContain(session.sessionToken);
    expect(run.stderrText()).not.toContain(encodeURIComponent(session.sessionToken));
  });

  it("exits 5 when STS does not know the access key", async () => {
    const run = fakeIo({ now: NOW, env });
    const token = makeToken({ credentials: { accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "x".repeat(40) } });
    expect(await runVerify([token, "--sts", "--cluster-name", CLUSTER], run.io)).toBe(5);
    expect(run.stderrText()).toContain("STS rejected the token (HTTP 403 InvalidClientTokenId)");
  });

  it("exits 1 with its own message when STS throttles", async () => {
    sts.setFault({ action: "GetCallerIdentity", kind: "throttle" });
    const run = fakeIo({ now: NOW, env });
    expect(await runVerify([makeToken(), "--sts", "--cluster-name", CLUSTER], run.io)).toBe(1);
    expect(run.stderrText()).toMatch(
      /^eks-token: STS is throttling \(HTTP 400 Throttling\): wait a moment and try again/,
    );
  });

  it("exits 1 with its own message when STS fails with a 500", async () => {
    sts.setFault({ action: "GetCallerIdentity", kind: "status", status: 500 });
    const run = fakeIo({ now: NOW, env });
    expect(await runVerify([makeToken(), "--sts", "--cluster-name", CLUSTER], run.io)).toBe(1);
    expect(run.stderrText()).toMatch(
      /^eks-token: STS failed \(HTTP 500 InternalFailure\): An internal error occurred: STS had a server-side problem/,
    );
  });

  it("gives up on a hung STS after the timeout", async () => {
    sts.setFault({ action: "GetCallerIdentity", kind: "hang" });
    const run = fakeIo({ now: NOW, env });
    const started = Date.now();
    const code = await createVerifyCommand({ stsTimeoutMs: 300 })(
      [makeToken(), "--sts", "--cluster-name", CLUSTER],
      run.io,
    );
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(run.stderrText()).toMatch(
      /^eks-token: STS at 127\.0\.0\.1:\d+ did not answer within 0\.3 s: check the network path/,
    );
  });

  it("reports a reset connection as a network error", async () => {
    sts.setFault({ action: "GetCallerIdentity", kind: "reset" });
    const run = fakeIo({ now: NOW, env });
    expect(await runVerify([makeToken(), "--sts", "--cluster-name", CLUSTER], run.io)).toBe(1);
    expect(run.stderrText()).toMatch(/^eks-token: cannot reach STS at 127\.0\.0\.1:\d+: ECONNRESET/);
  });

  it("does not call STS for a token that fails the shape rules", async () => {
    const run = fakeIo({ now: SIGNED_AT + 16 * 60_000, env });
    expect(await runVerify([makeToken(), "--sts", "--cluster-name", CLUSTER], run.io)).toBe(4);
    expect(sts.calls.GetCallerIdentity).toBe(0);
  });
});

describe("the STS call against canned answers", () => {
  let server: Server;
  let env: Record<string, string>;
  let answer: { status: number; body: string; headers?: Record<string, string> };
  let hits = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      res.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    env = { AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ignored/path` };
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const identity = (arn: string, userId: string) =>
    JSON.stringify({
      GetCallerIdentityResponse: {
        GetCallerIdentityResult: { Account: ACCOUNT, Arn: arn, UserId: userId },
        ResponseMetadata: { RequestId: "r" },
      },
    });
  const call = () => callSts({ url: presignedUrl(), clusterId: CLUSTER, env });

  it("does not follow redirects", async () => {
    answer = { status: 302, body: "", headers: { location: "https://sts.amazonaws.com/" } };
    hits = 0;
    await expect(call()).rejects.toMatchObject({
      code: "sts",
      message: "STS answered with a redirect (HTTP 302) to sts.amazonaws.com, which is not followed",
      hint: expect.stringContaining("AWS_ENDPOINT_URL_STS"),
    });
    expect(hits).toBe(1);
  });

  it.each([
    [
      "a body that is not JSON",
      { status: 200, body: "<GetCallerIdentityResponse/>" },
      "STS answered 200 with a body that is not a JSON GetCallerIdentity response",
    ],
    [
      "an invalid ARN",
      { status: 200, body: identity("arn", "AIDAEXAMPLE") },
      'STS returned an identity ARN the server cannot map: ARN "arn" is not a valid ARN',
    ],
    [
      "a malformed UserId",
      { status: 200, body: identity(`arn:aws:iam::${ACCOUNT}:user/Alice`, "not:valid:userid") },
      'STS returned a malformed UserId "not:valid:userid"',
    ],
    ["another HTTP error", { status: 404, body: "" }, "STS rejected the token (HTTP 404)"],
    [
      "an XML error",
      {
        status: 403,
        body: "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error></ErrorResponse>",
      },
      "STS rejected the token (HTTP 403 ExpiredToken): The security token included in the request is expired",
    ],
    [
      "a 503",
      { status: 503, body: '{"Error":{"Code":"ServiceUnavailable","Message":"Service is unavailable"}}' },
      "STS failed (HTTP 503 ServiceUnavailable): Service is unavailable",
    ],
    ["a 429", { status: 429, body: "" }, "STS is throttling (HTTP 429)"],
  ])("fails on %s with its own message", async (_name, canned, message) => {
    answer = canned;
    await expect(call()).rejects.toThrow(message);
  });

  it("returns the identity and splits the session name off UserId", async () => {
    answer = { status: 200, body: identity(`arn:aws:sts::${ACCOUNT}:assumed-role/Admin/bob`, "AROAEXAMPLE:bob") };
    await expect(call()).resolves.toEqual({
      account: ACCOUNT,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/bob`,
      canonicalArn: `arn:aws:iam::${ACCOUNT}:role/Admin`,
      userId: "AROAEXAMPLE",
      sessionName: "bob",
    });
  });

  it("reports a refused connection as a network error", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(
      callSts({ url: presignedUrl(), clusterId: CLUSTER, env: { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` } }),
    ).rejects.toMatchObject({
      code: "network",
      message: `cannot reach STS at 127.0.0.1:${port}: ECONNREFUSED`,
    });
  });
});

describe("STS helpers", () => {
  it("sends to the override's origin with the token's path and query", () => {
    const target = requestTarget(new URL("https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&X=1"), {
      AWS_ENDPOINT_URL: "http://127.0.0.1:9/base",
    });
    expect(target.toString()).toBe("http://127.0.0.1:9/?Action=GetCallerIdentity&X=1");
    const preferred = requestTarget(new URL("https://sts.amazonaws.com/?a=b"), {
      AWS_ENDPOINT_URL: "http://a:1",
      AWS_ENDPOINT_URL_STS: "http://b:2",
    });
    expect(preferred.host).toBe("b:2");
  });

  it("parses STS errors in JSON and XML", () => {
    expect(
      parseStsError('{"Error":{"Code":"Throttling","Message":"Rate exceeded","Type":"Sender"},"RequestId":"x"}'),
    ).toEqual({ code: "Throttling", message: "Rate exceeded" });
    expect(parseStsError('{"__type":"com.amazon.coral#ThrottlingException","message":"slow down"}')).toEqual({
      code: "ThrottlingException",
      message: "slow down",
    });
    expect(
      parseStsError(
        "<ErrorResponse><Error><Code>AccessDenied</Code><Message>a &amp; b</Message></Error></ErrorResponse>",
      ),
    ).toEqual({ code: "AccessDenied", message: "a & b" });
    expect(parseStsError("not an error document")).toEqual({});
  });

  it("keeps one line of an STS message and removes secrets", () => {
    const message =
      "Signature mismatch. The Canonical String for this request should have been\n'GET\n/\nX-Amz-Security-Token=SECRETSECRET'";
    expect(redactStsMessage(message, ["SECRETSECRET"])).toBe("Signature mismatch.");
    expect(redactStsMessage("token SECRETSECRET is bad", ["SECRETSECRET"])).toBe("token [redacted] is bad");
  });

  it("reads the server's JSON identity document", () => {
    expect(() => parseCallerIdentity("{}")).toThrow("not a JSON GetCallerIdentity response");
  });
});
