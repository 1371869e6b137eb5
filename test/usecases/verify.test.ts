// The verify use case in process: the token from an argument or stdin, the report on stdout, and
// the STS call replaced by a fake so the identity part runs without a server.
import { describe, expect, it } from "vitest";
import { isEksTokenError } from "../../src/errors.js";
import { verifyToken } from "../../src/usecases/verify.js";
import type { CallStsOptions } from "../../src/verify/sts.js";
import { fakeIo } from "../support/fake-io.js";
import { CLUSTER, makeToken, SIGNED_AT } from "../verify/fixtures.js";

const IDENTITY = {
  account: "111122223333",
  arn: "arn:aws:sts::111122223333:assumed-role/dev/alice",
  canonicalArn: "arn:aws:iam::111122223333:role/dev",
  userId: "AROAEXAMPLE",
  sessionName: "alice",
};

describe("verifyToken", () => {
  it("reads stdin when no token is given, and reports the shape as text", async () => {
    const io = fakeIo({ stdin: `Bearer ${makeToken()}\n`, now: SIGNED_AT + 60_000 });
    await verifyToken({ token: undefined, clusterName: undefined, output: "text", sts: false }, io);
    expect(io.stdoutText()).toMatch(/^token: valid shape/);
    expect(io.stdoutText()).toContain("STS host:");
    expect(io.err).toEqual([]);
  });

  it("with --sts asks the injected STS for the cluster, and reports the identity", async () => {
    const calls: CallStsOptions[] = [];
    const io = fakeIo({ now: SIGNED_AT + 60_000, env: { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1" } });
    await verifyToken(
      { token: makeToken(), clusterName: CLUSTER, output: "json", sts: true },
      {
        ...io,
        callSts: async (o) => {
          calls.push(o);
          return IDENTITY;
        },
        stsTimeoutMs: 1234,
      },
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      clusterId: CLUSTER,
      timeoutMs: 1234,
      env: { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1" },
    });
    expect(JSON.parse(io.stdoutText())).toMatchObject({
      valid: true,
      checkedWithSts: true,
      sts: { canonicalArn: IDENTITY.canonicalArn },
    });
  });

  it("an expired token: the JSON failure on stdout, then the error for the caller's exit code", async () => {
    const io = fakeIo({ now: SIGNED_AT + 16 * 60_000 });
    const error = await verifyToken(
      { token: makeToken(), clusterName: undefined, output: "json", sts: false },
      io,
    ).catch((e: unknown) => e);
    expect(isEksTokenError(error) && error.code).toBe("token-expired");
    expect(JSON.parse(io.stdoutText())).toMatchObject({ valid: false, code: "token-expired", rule: "expired" });
  });

  it("a malformed token in text mode prints nothing on stdout", async () => {
    const io = fakeIo({ now: SIGNED_AT });
    await expect(
      verifyToken({ token: "k8s-aws-v2.abc", clusterName: undefined, output: "text", sts: false }, io),
    ).rejects.toMatchObject({
      code: "token-malformed",
    });
    expect(io.out).toEqual([]);
  });
});
