// `--role-arn` for a role that will not have the caller: the STS emulator answers AccessDenied the
// way STS does (`User: <caller ARN> is not authorized to perform: sts:AssumeRole on resource:
// <role>`), and eks-token must turn that into one stderr line that names the role, the caller and
// what to check (the trust policy), with exit 1 and nothing on stdout. Likewise an external id
// the role does not expect. A malformed role ARN is refused before anything is sent to STS.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, makeTempHome, runCli, type TempHome } from "../support/cli.js";
import { startStsEmulator, type StsEmulator } from "../support/sts-emulator.js";
import { ACCOUNT, REGION, e2eEnv, expectCredential, expectFailure, stsCallerIdentity } from "./helpers.js";

const CLUSTER = "e2e-assume-denied";
const BOB = {
  name: "bob",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2EDENIEDBOB0001",
  secretAccessKey: "e2e/denied/bob/secret/00000000000000000",
};
const BOB_ARN = `arn:aws:iam::${ACCOUNT}:user/bob`;
const ALICE_ARN = `arn:aws:iam::${ACCOUNT}:user/alice`;
/** Trusts alice only. */
const ALICE_ONLY = `arn:aws:iam::${ACCOUNT}:role/e2e-alice-only`;
/** Trusts bob, with an external id. */
const PARTNER = `arn:aws:iam::${ACCOUNT}:role/e2e-partner-access`;
const EXTERNAL_ID = "partner-7f3a9c";

let sts: StsEmulator;
let home: TempHome;

beforeAll(async () => {
  await ensureBuilt();
  sts = await startStsEmulator();
  sts.addUser(BOB);
  sts.addUser({
    name: "alice",
    accountId: ACCOUNT,
    accessKeyId: "AKIAE2EDENIEDALICE01",
    secretAccessKey: "e2e/denied/alice/secret/000000000000000",
  });
  sts.addRole({ arn: ALICE_ONLY, trust: [ALICE_ARN] });
  sts.addRole({ arn: PARTNER, trust: [BOB_ARN], externalId: EXTERNAL_ID });
  home = makeTempHome("eks-token-e2e-denied-");
}, 240_000);

afterAll(async () => {
  await sts?.close();
  home?.cleanup();
});

function bobEnv(stsUrl: string) {
  return e2eEnv(home.home, {
    AWS_ACCESS_KEY_ID: BOB.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BOB.secretAccessKey,
    AWS_ENDPOINT_URL_STS: stsUrl,
  });
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** bob's AssumeRole calls of `role`, as the emulator saw them. */
function assumeCalls(role: string) {
  return sts.requests.filter(
    (r) => r.action === "AssumeRole" && r.params["RoleArn"] === role && r.accessKeyId === BOB.accessKeyId,
  );
}

describe.concurrent("AssumeRole refused by STS", () => {
  it("a role whose trust policy does not include the caller: exit 1, one line naming the role, the caller and the trust policy", async () => {
    const result = await runCli(
      ["token", "--cluster-name", CLUSTER, "--region", REGION, "--role-arn", ALICE_ONLY, "--no-cache"],
      { env: bobEnv(sts.url) },
    );
    const line = expectFailure(result, new RegExp(`^eks-token: AssumeRole of ${esc(ALICE_ONLY)} was denied: `));
    expect(result.code).toBe(1);
    // The emulator's message, as STS words it, carries the caller's identity.
    expect(line).toContain(`User: ${BOB_ARN} is not authorized to perform: sts:AssumeRole on resource: ${ALICE_ONLY}`);
    expect(line).toMatch(/trust policy/);
    // Asked once: AccessDenied is not worth a retry.
    expect(assumeCalls(ALICE_ONLY).map((r) => [r.status, r.errorCode])).toEqual([[403, "AccessDenied"]]);
  });

  it("an external id the role does not expect: denied, with the same clear line", async () => {
    const result = await runCli(
      ["token", "-i", CLUSTER, "--region", REGION, "-r", PARTNER, "-e", "not-the-partner-id", "--no-cache"],
      { env: bobEnv(sts.url) },
    );
    const line = expectFailure(result, new RegExp(`^eks-token: AssumeRole of ${esc(PARTNER)} was denied: `));
    expect(result.code).toBe(1);
    expect(line).toContain(`User: ${BOB_ARN} is not authorized to perform: sts:AssumeRole on resource: ${PARTNER}`);
    expect(line).toMatch(/trust policy/);
    const calls = assumeCalls(PARTNER).filter((r) => r.params["ExternalId"] === "not-the-partner-id");
    expect(calls.map((r) => [r.status, r.errorCode])).toEqual([[403, "AccessDenied"]]);
  });

  it("no external id for a role that requires one: denied", async () => {
    const result = await runCli(
      ["token", "-i", CLUSTER, "--region", REGION, "-r", PARTNER, "-s", "no-external-id", "--no-cache"],
      { env: bobEnv(sts.url) },
    );
    const line = expectFailure(result, new RegExp(`^eks-token: AssumeRole of ${esc(PARTNER)} was denied: `));
    expect(line).toContain(`User: ${BOB_ARN}`);
    const calls = assumeCalls(PARTNER).filter((r) => r.params["RoleSessionName"] === "no-external-id");
    expect(calls.map((r) => [r.params["ExternalId"], r.status])).toEqual([[undefined, 403]]);
  });

  it("the right external id (the control): the role is assumed and the token works", async () => {
    const result = await runCli(
      [
        "token",
        "-i",
        CLUSTER,
        "--region",
        REGION,
        "-r",
        PARTNER,
        "-e",
        EXTERNAL_ID,
        "-s",
        "with-external-id",
        "--no-cache",
      ],
      { env: bobEnv(sts.url) },
    );
    const cred = expectCredential(result);
    const calls = assumeCalls(PARTNER).filter((r) => r.params["RoleSessionName"] === "with-external-id");
    expect(calls.map((r) => [r.params["ExternalId"], r.status])).toEqual([[EXTERNAL_ID, 200]]);
    const identity = await stsCallerIdentity(sts.url, cred.status.token, CLUSTER);
    expect(identity.arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/e2e-partner-access/with-external-id`);
  });

  it("a malformed role ARN is refused before any STS call", async () => {
    // An emulator of its own, so that the count of zero is not disturbed by the other cases.
    const quiet = await startStsEmulator();
    try {
      quiet.addUser(BOB);
      const result = await runCli(
        [
          "token",
          "--cluster-name",
          CLUSTER,
          "--region",
          REGION,
          "--role-arn",
          "arn:aws:iam::1234:role/short-account",
          "--no-cache",
        ],
        { env: bobEnv(quiet.url) },
      );
      expectFailure(
        result,
        /^eks-token: malformed role ARN "arn:aws:iam::1234:role\/short-account": expected arn:aws:iam::123456789012:role\/NAME/,
      );
      expect(result.code).toBe(2);
      expect(quiet.requests).toEqual([]);
      expect(Object.values(quiet.calls).reduce((a, b) => a + b, 0)).toBe(0);
    } finally {
      await quiet.close();
    }
  });
});
