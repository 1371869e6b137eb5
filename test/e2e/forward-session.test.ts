// `--forward-session-name` (aws-iam-authenticator's flag): when the source identity is itself an
// assumed-role session, the role given with -r is assumed with the caller's own session name, read
// from a GetCallerIdentity call made first. The source session here is one the test obtains from
// the STS emulator (AssumeRole with RoleSessionName alice@example.com) and hands to eks-token as
// environment credentials. The emulator's request log shows what eks-token sent; the token is then
// checked the way EKS checks it (the K8s emulator maps the role session to a user named after the
// session, and a GetCallerIdentity with the token's URL shows the session's ARN).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, type TempHome } from "../support/cli.js";
import { startCluster, type Cluster } from "../support/cluster.js";
import type { K8sEmulator } from "../support/k8s-emulator.js";
import type { StsEmulator, StsRequestRecord } from "../support/sts-emulator.js";
import { assumeRole } from "../support/sts-session.js";
import { ACCOUNT, REGION, e2eEnv, expectCredential, k8sWhoAmI, stsCallerIdentity } from "./helpers.js";

const CLUSTER = "e2e-forward-session";
const ALICE = {
  name: "alice",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2EFORWARDALICE1",
  secretAccessKey: "e2e/forward/alice/secret/000000000000000",
};
/** The role alice's source session comes from. */
const SOURCE_ROLE = `arn:aws:iam::${ACCOUNT}:role/e2e-sso-users`;
/** The role eks-token assumes (-r); it trusts sessions of SOURCE_ROLE, and alice herself. */
const TARGET_ROLE = `arn:aws:iam::${ACCOUNT}:role/e2e-cluster-admins`;
const SOURCE_SESSION = "alice@example.com";

let cluster: Cluster;
let sts: StsEmulator;
let k8s: K8sEmulator;
let home: TempHome;

beforeAll(async () => {
  cluster = await startCluster({
    name: "forward",
    setup: (sts) => {
      const alice = sts.addUser(ALICE);
      sts.addRole({ arn: SOURCE_ROLE, trust: [alice.arn] });
      sts.addRole({ arn: TARGET_ROLE, trust: [SOURCE_ROLE, alice.arn] });
      return {
        clusterId: CLUSTER,
        accessEntries: [{ principalArn: TARGET_ROLE, username: "admin:{{SessionName}}", groups: ["admins"] }],
      };
    },
  });
  ({ sts, k8s, home } = cluster);
}, 240_000);

afterAll(() => cluster?.close());

interface Source {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A fresh source session (its own keys, so concurrent cases can tell their requests apart). */
async function sourceSession(): Promise<Source> {
  const s = await assumeRole(
    sts.url,
    { accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey },
    SOURCE_ROLE,
    SOURCE_SESSION,
  );
  return { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken };
}

/** Runs `eks-token token -i CLUSTER -r TARGET_ROLE ...extra --no-cache` with the source as env credentials. */
async function mint(source: Source, extra: string[]) {
  const env = e2eEnv(home.home, {
    AWS_ACCESS_KEY_ID: source.accessKeyId,
    AWS_SECRET_ACCESS_KEY: source.secretAccessKey,
    AWS_SESSION_TOKEN: source.sessionToken,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_STS: sts.url,
  });
  const result = await runCli(["token", "-i", CLUSTER, "-r", TARGET_ROLE, ...extra, "--no-cache"], { env });
  return expectCredential(result);
}

/** The requests eks-token made with the source's keys, in order. */
function requestsOf(source: Source): StsRequestRecord[] {
  return sts.requests.filter((r) => r.accessKeyId === source.accessKeyId);
}

/** The token is good and carries a session of TARGET_ROLE named `sessionName`. */
async function expectTokenFor(token: string, sessionName: string): Promise<void> {
  const identity = await stsCallerIdentity(sts.url, token, CLUSTER);
  expect(identity.status, identity.body).toBe(200);
  expect(identity.arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/e2e-cluster-admins/${sessionName}`);
  const who = await k8sWhoAmI(k8s, token);
  expect(who.status, `${who.body}\n${k8s.log.join("\n")}`).toBe(201);
  expect(who.username).toBe(`admin:${sessionName}`);
}

describe.concurrent("--forward-session-name with an assumed-role session as the source identity", () => {
  it("one GetCallerIdentity with the source's keys, then AssumeRole with RoleSessionName alice@example.com; the token maps to admin:alice@example.com", async () => {
    const source = await sourceSession();
    const cred = await mint(source, ["--forward-session-name"]);

    const seen = requestsOf(source);
    expect(seen.map((r) => [r.action, r.status])).toEqual([
      ["GetCallerIdentity", 200],
      ["AssumeRole", 200],
    ]);
    // GetCallerIdentity carried the session token of the source (it is a session, not a user).
    expect(seen[0]!.auth).toBe("presigned");
    expect(seen[1]!.params["RoleArn"]).toBe(TARGET_ROLE);
    expect(seen[1]!.params["RoleSessionName"]).toBe(SOURCE_SESSION);
    // The session eks-token got is the one the token was signed with.
    const issued = sts.sessions.filter(
      (s) =>
        s.sourceArn === `arn:aws:sts::${ACCOUNT}:assumed-role/e2e-sso-users/${SOURCE_SESSION}` &&
        s.roleArn === TARGET_ROLE,
    );
    const tokenKey = /X-Amz-Credential=([A-Z0-9]+)%2F/.exec(
      Buffer.from(cred.status.token.slice("k8s-aws-v1.".length), "base64url").toString("utf8"),
    )?.[1];
    expect(issued.map((s) => s.accessKeyId)).toContain(tokenKey);

    await expectTokenFor(cred.status.token, SOURCE_SESSION);
  });

  it("without the flag: no GetCallerIdentity, RoleSessionName EKSGetTokenAuth", async () => {
    const source = await sourceSession();
    const cred = await mint(source, []);
    const seen = requestsOf(source);
    expect(seen.map((r) => [r.action, r.status])).toEqual([["AssumeRole", 200]]);
    expect(seen[0]!.params["RoleSessionName"]).toBe("EKSGetTokenAuth");
    await expectTokenFor(cred.status.token, "EKSGetTokenAuth");
  });

  it("with -s custom (no flag): RoleSessionName custom", async () => {
    const source = await sourceSession();
    const cred = await mint(source, ["-s", "custom"]);
    const seen = requestsOf(source);
    expect(seen.map((r) => [r.action, r.status])).toEqual([["AssumeRole", 200]]);
    expect(seen[0]!.params["RoleSessionName"]).toBe("custom");
    await expectTokenFor(cred.status.token, "custom");
  });

  it("with the flag but an IAM user as the source (no session to forward): the default session name is kept", async () => {
    const source = { accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey };
    // alice's own keys are shared with the other cases' setup calls: look only at what follows.
    const before = sts.requests.length;
    const cred = await mint(source, ["--forward-session-name"]);
    const seen = sts.requests
      .slice(before)
      .filter((r) => r.accessKeyId === ALICE.accessKeyId && r.params["RoleArn"] !== SOURCE_ROLE);
    expect(seen.map((r) => [r.action, r.status])).toEqual([
      ["GetCallerIdentity", 200],
      ["AssumeRole", 200],
    ]);
    expect(seen[1]!.params["RoleSessionName"]).toBe("EKSGetTokenAuth");
    await expectTokenFor(cred.status.token, "EKSGetTokenAuth");
  });
});
