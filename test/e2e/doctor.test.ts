// `eks-token doctor` through the built CLI against one emulated EKS cluster per case: the STS
// emulator, the EKS API emulator (AWS_ENDPOINT_URL_EKS, read by the AWS SDK's EKS client) and the
// Kubernetes emulator sharing one ClusterState. Each case asserts the check that fails (or warns),
// its detail and its fix; outputs are scanned for every secret the emulators handed out.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ensureBuilt, makeTempHome, runCli, type TempHome } from "../support/cli.js";
import type { ClusterStateOptions } from "../support/cluster-state.js";
import { startEksControlPlane, type EksControlPlane } from "../support/eks-control-plane.js";
import { execUser, kubeconfigYaml } from "../support/kubeconfig-fixture.js";
import { markerDir, paste } from "../support/paste.js";
import { writeSsoTokenCache } from "../support/sso-emulator.js";
import { startStsEmulator, type StsEmulator } from "../support/sts-emulator.js";
import { e2eEnv, REGION, type ProcessOutput } from "./helpers.js";

const ACCOUNT = "111122223333";
const OTHER_ACCOUNT = "444455556666";
const CLUSTER = "prod";
const CLUSTER_ARN = `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`;
const DEV_ROLE = `arn:aws:iam::${ACCOUNT}:role/developer`;
const PATH_ROLE = `arn:aws:iam::${ACCOUNT}:role/teams/platform/pathdev`;
const PATH_ROLE_CANONICAL = `arn:aws:iam::${ACCOUNT}:role/pathdev`;
const DEV_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/developer/EKSGetTokenAuth`;
const VIEW = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";
const ALICE = { accessKeyId: "AKIAE2EDOCTORALICE01", secretAccessKey: "e2eDoctorAliceSecretKey0000000000000000001" };
const MALLORY = { accessKeyId: "AKIAE2EDOCTORMALLORY", secretAccessKey: "e2eDoctorMallorySecretKey000000000000002" };
const RUN_MS = 30_000;

let sts: StsEmulator;
let skewedSts: StsEmulator;
let home: TempHome;
let work: string;
const planes: EksControlPlane[] = [];
const servers: Server[] = [];

function addPeople(s: StsEmulator): void {
  const alice = s.addUser({ name: "alice", accountId: ACCOUNT, ...ALICE });
  s.addUser({ name: "mallory", accountId: OTHER_ACCOUNT, ...MALLORY });
  s.addRole({ arn: DEV_ROLE, trust: [alice.arn] });
  s.addRole({ arn: PATH_ROLE, trust: [alice.arn] });
}

beforeAll(async () => {
  await ensureBuilt();
  sts = await startStsEmulator({ requirePresignedHeaders: ["x-k8s-aws-id"] });
  // A server whose clock is 10 minutes ahead of this machine's: this machine is 10 minutes behind.
  skewedSts = await startStsEmulator({
    requirePresignedHeaders: ["x-k8s-aws-id"],
    now: () => Date.now() + 10 * 60_000,
  });
  addPeople(sts);
  addPeople(skewedSts);
  home = makeTempHome("eks-token-e2e-doctor-");
  work = mkdtempSync(join(tmpdir(), "eks-token-e2e-doctor-work-"));
}, 240_000);

afterAll(async () => {
  await Promise.all(planes.map((p) => p.close()));
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await Promise.all([sts?.close(), skewedSts?.close()]);
  home?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function plane(cluster: Partial<ClusterStateOptions>, s: StsEmulator = sts): Promise<EksControlPlane> {
  const p = await startEksControlPlane({
    sts: s,
    cluster: { name: CLUSTER, accountId: ACCOUNT, region: REGION, authenticationMode: "API", ...cluster },
    pods: { "team-a": ["web-1"], "team-b": ["api-1"] },
  });
  planes.push(p);
  return p;
}

const DEV_ENTRY = {
  principalArn: DEV_ROLE,
  username: "dev",
  kubernetesGroups: ["devs"],
  policies: [{ policy: "AmazonEKSViewPolicy" }],
};

interface DoctorRun {
  readonly plane: EksControlPlane;
  /** eks-token's token args in the exec entry; the developer role by default. */
  readonly tokenArgs?: readonly string[];
  readonly exec?: { command: string; args: readonly string[]; env?: Record<string, string> };
  readonly server?: string;
  readonly clusterEntry?: string;
  readonly keys?: { accessKeyId: string; secretAccessKey: string } | undefined;
  readonly env?: Record<string, string | undefined>;
  readonly args?: readonly string[];
  readonly sts?: StsEmulator;
  /** The context's name (and the current context). */
  readonly context?: string;
  /** The limit runCli gives the child; RUN_MS by default. */
  readonly runMs?: number;
}

let counter = 0;

async function doctor(run: DoctorRun): Promise<ProcessOutput & { json?: DoctorJson }> {
  const s = run.sts ?? sts;
  const kubeconfig = join(work, `kubeconfig-${++counter}`);
  const user = run.exec
    ? { kind: "exec" as const, apiVersion: "client.authentication.k8s.io/v1beta1" as const, ...run.exec }
    : execUser(run.tokenArgs ?? ["token", "--cluster-name", CLUSTER, "--region", REGION, "--role-arn", DEV_ROLE]);
  let yaml = kubeconfigYaml({
    server: run.server ?? run.plane.k8s.url,
    caData: run.plane.k8s.caData,
    user,
    name: "e2e",
  });
  if (run.context !== undefined) {
    const doc = parse(yaml) as { "current-context": string; contexts: { name: string }[] };
    doc["current-context"] = run.context;
    doc.contexts[0]!.name = run.context;
    yaml = stringify(doc);
  }
  if (run.clusterEntry) {
    // Named by the cluster's ARN, as `aws eks update-kubeconfig` and `eks-token kubeconfig` name it.
    const doc = parse(yaml) as { clusters: { name: string }[]; contexts: { context: { cluster: string } }[] };
    doc.clusters[0]!.name = run.clusterEntry;
    doc.contexts[0]!.context.cluster = run.clusterEntry;
    yaml = stringify(doc);
  }
  writeFileSync(kubeconfig, yaml, { mode: 0o600 });
  const keys = "keys" in run ? run.keys : ALICE;
  const result = await runCli(["doctor", "--kubeconfig", kubeconfig, ...(run.args ?? [])], {
    env: e2eEnv(home.home, {
      ...(keys ? { AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey } : {}),
      AWS_ENDPOINT_URL_STS: s.url,
      ...run.plane.env,
      ...run.env,
    }),
    timeoutMs: run.runMs ?? RUN_MS,
  });
  expectNoSecrets(result, s);
  // No path ends in an unexpected error, and the JSON is valid on every one.
  expect(result.code, transcript(result)).not.toBe(70);
  const json = run.args?.includes("json") ? (JSON.parse(result.stdout) as DoctorJson) : undefined;
  return { ...result, ...(json ? { json } : {}) };
}

interface DoctorJson {
  ok: boolean;
  cluster: Record<string, unknown>;
  identity: { account: string; arn: string; principalArn: string; userId: string } | null;
  kubernetes: { username: string; groups: string[] } | null;
  checks: { id: string; status: string; detail: string; fix: string | null }[];
}

/** No secret key, session token, token or signature, in stdout or stderr. */
function expectNoSecrets(result: ProcessOutput, s: StsEmulator): void {
  const all = `${result.stdout}\n${result.stderr}`;
  for (const secret of [
    ALICE.secretAccessKey,
    MALLORY.secretAccessKey,
    ...s.sessions.flatMap((x) => [x.secretAccessKey, x.sessionToken]),
  ])
    expect(all).not.toContain(secret);
  expect(all).not.toMatch(/k8s-aws-v1\.[A-Za-z0-9_-]{8}/);
  expect(all).not.toMatch(/X-Amz-Signature=[0-9a-f]/i);
  expect(all).not.toMatch(/[0-9a-f]{64}/);
}

/** The line of check `id` in the text report, and its fix line if any. */
function line(result: ProcessOutput, id: string): { status: string; detail: string; fix: string | undefined } {
  const lines = result.stdout.split("\n");
  const i = lines.findIndex((l) => new RegExp(`^  \\S+\\s+${id}\\s`).test(l));
  if (i === -1) throw new Error(`no line for ${id} in:\n${result.stdout}\n${result.stderr}`);
  const m = /^ {2}(\S+)\s+\S+\s+(.*)$/.exec(lines[i]!)!;
  const fix = /^\s+fix: (.*)$/.exec(lines[i + 1] ?? "")?.[1];
  return { status: m[1]!, detail: m[2]!, fix };
}

function transcript(r: ProcessOutput): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

const CREATE_FIX = (principal: string) =>
  `aws eks create-access-entry --cluster-name ${CLUSTER} --region ${REGION} --principal-arn ${principal} && ` +
  `aws eks associate-access-policy --cluster-name ${CLUSTER} --region ${REGION} --principal-arn ${principal} --policy-arn ${VIEW} --access-scope type=cluster`;

describe.concurrent("eks-token doctor (built CLI, emulated EKS)", () => {
  it("a healthy setup: exit 0, every check passes or is skipped, username and groups shown", async () => {
    const p = await plane({ accessEntries: [DEV_ENTRY] });
    const r = await doctor({ plane: p });
    expect(r.code, transcript(r)).toBe(0);
    expect(r.stderr).toBe("");
    for (const id of ["kubeconfig", "credentials", "identity", "token", "cluster", "access-entry", "authenticate"])
      expect(line(r, id).status, `${id}\n${transcript(r)}`).toBe("pass");
    expect(line(r, "identity").detail).toContain(`${DEV_SESSION} (user id AROA`);
    expect(line(r, "identity").detail).toContain(`the cluster maps ${DEV_ROLE}`);
    expect(line(r, "cluster").detail).toContain(
      `ACTIVE, Kubernetes 1.32, endpoint ${p.k8s.url} (public), authentication mode API`,
    );
    expect(line(r, "authenticate").detail).toBe(
      "the cluster authenticates the token as dev, groups [devs, system:authenticated]",
    );
    expect(r.stdout).toMatch(/\nverdict: ok: kubectl authenticates as dev\n$/);
  });

  it("--output json: the documented schema, with identity, kubernetes and the nine checks", async () => {
    const p = await plane({ accessEntries: [DEV_ENTRY] });
    const r = await doctor({ plane: p, args: ["--output", "json", "--can-i", "list", "pods", "-n", "team-a"] });
    expect(r.code, transcript(r)).toBe(0);
    const j = r.json!;
    expect(j.ok).toBe(true);
    expect(j.identity).toMatchObject({ account: ACCOUNT, arn: DEV_SESSION, principalArn: DEV_ROLE });
    expect(j.identity!.userId).toMatch(/^AROA[A-Z0-9]+:EKSGetTokenAuth$/);
    expect(j.kubernetes).toEqual({ username: "dev", groups: ["devs", "system:authenticated"] });
    expect(j.cluster).toMatchObject({ name: CLUSTER, region: REGION, arn: CLUSTER_ARN, authenticationMode: "API" });
    expect(j.checks.map((c) => c.id)).toEqual([
      "kubeconfig",
      "credentials",
      "identity",
      "token",
      "cluster",
      "access-entry",
      "aws-auth",
      "authenticate",
      "authorize",
    ]);
    expect(j.checks.at(-1)).toEqual({
      id: "authorize",
      status: "pass",
      detail: "allowed to list pods in namespace team-a",
      fix: null,
    });
  });

  it("no credentials: credentials fails with aws configure", async () => {
    const p = await plane({ accessEntries: [DEV_ENTRY] });
    const r = await doctor({ plane: p, keys: undefined });
    expect(r.code, transcript(r)).toBe(1);
    const c = line(r, "credentials");
    expect(c.status).toBe("fail");
    expect(c.detail).toMatch(/^no AWS credentials found .*\(looked for instance metadata, then role /);
    expect(c.fix).toBe("aws configure");
    expect(c.detail).toMatch(/; or export AWS_PROFILE=NAME, or aws sso login --profile NAME$/);
    expect(r.stdout).toMatch(/\nverdict: kubectl would fail at credentials: /);
  });

  it("an expired SSO session: credentials fails with the session's state and eks-token login --profile P", async () => {
    const p = await plane({ accessEntries: [DEV_ENTRY] });
    const h = makeTempHome("eks-token-e2e-doctor-sso-");
    try {
      h.writeConfig(
        "[profile sso-dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\nregion = us-west-2\n\n" +
          "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
      );
      writeSsoTokenCache(h.home, "corp", {
        accessToken: "aoaAAAAAGe2eDoctorExpiredSsoToken00000000000000",
        expiresAt: new Date(Date.now() - 3600_000),
        region: "us-east-1",
        startUrl: "https://corp.awsapps.com/start",
      });
      const r = await doctor({
        plane: p,
        keys: undefined,
        exec: { ...execUser(["token", "--cluster-name", CLUSTER]), env: { AWS_PROFILE: "sso-dev" } },
        env: { HOME: h.home, AWS_CONFIG_FILE: h.configPath, AWS_SHARED_CREDENTIALS_FILE: h.credentialsPath },
      });
      const c = line(r, "credentials");
      expect(c.status, transcript(r)).toBe("fail");
      expect(c.detail).toContain(
        'the SSO session for profile "sso-dev" has expired or is invalid (looked for SSO (profile sso-dev))',
      );
      expect(c.detail).toMatch(/; SSO session "corp" expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, not refreshable$/);
      expect(c.fix).toBe("eks-token login --profile sso-dev");
      expect(line(r, "kubeconfig").detail).toContain("env AWS_PROFILE");

      // The same in --output json.
      const j = await doctor({
        plane: p,
        keys: undefined,
        args: ["--output", "json"],
        exec: { ...execUser(["token", "--cluster-name", CLUSTER]), env: { AWS_PROFILE: "sso-dev" } },
        env: { HOME: h.home, AWS_CONFIG_FILE: h.configPath, AWS_SHARED_CREDENTIALS_FILE: h.credentialsPath },
      });
      const jc = j.json!.checks.find((x) => x.id === "credentials");
      expect(jc, transcript(j)).toMatchObject({ status: "fail", fix: "eks-token login --profile sso-dev" });
      expect(jc!.detail).toMatch(/; SSO session "corp" expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, not refreshable$/);
    } finally {
      h.cleanup();
    }
  });

  it("credentials of another account: identity fails naming both accounts", async () => {
    const p = await plane({ accessEntries: [DEV_ENTRY] });
    const r = await doctor({
      plane: p,
      keys: MALLORY,
      tokenArgs: ["token", "--cluster-name", CLUSTER, "--region", REGION],
      clusterEntry: CLUSTER_ARN,
    });
    expect(r.code, transcript(r)).toBe(1);
    const c = line(r, "identity");
    expect(c.status, transcript(r)).toBe("fail");
    expect(c.detail).toContain(`account ${OTHER_ACCOUNT}, arn:aws:iam::${OTHER_ACCOUNT}:user/mallory`);
    expect(c.detail).toContain(`but the cluster is in account ${ACCOUNT}: these are credentials of another account`);
    expect(c.detail).toContain(`pick a profile of account ${ACCOUNT}, then export AWS_PROFILE=NAME`);
    expect(c.fix).toBe("aws configure list-profiles");
    // EKS, asked in mallory's account, has no such cluster.
    expect(line(r, "cluster")).toMatchObject({ status: "fail", fix: `aws eks list-clusters --region ${REGION}` });
  });

  it("no access entry (mode API): access-entry fails with create-access-entry for the IAM role, not the session", async () => {
    const p = await plane({ accessEntries: [] });
    const r = await doctor({ plane: p });
    expect(r.code, transcript(r)).toBe(1);
    const c = line(r, "access-entry");
    expect(c.status).toBe("fail");
    expect(c.detail).toBe(
      `no access entry for ${DEV_ROLE} (0 entries on the cluster); mode API ignores aws-auth, so only an access entry lets it in`,
    );
    expect(c.fix).toBe(CREATE_FIX(DEV_ROLE));
    expect(line(r, "authenticate")).toMatchObject({ status: "fail", fix: CREATE_FIX(DEV_ROLE) });
    expect(line(r, "authenticate").detail).toMatch(/^401 Unauthorized: access-entry: /);
  });

  it("a policy scoped to other namespaces: --can-i denied names the scope; the fix, applied, makes it pass", async () => {
    const p = await plane({
      accessEntries: [
        { ...DEV_ENTRY, kubernetesGroups: [], policies: [{ policy: "AmazonEKSViewPolicy", namespaces: ["team-a"] }] },
      ],
    });
    const args = ["--can-i", "list", "pods", "-n", "team-b"];
    const r = await doctor({ plane: p, args });
    expect(r.code, transcript(r)).toBe(1);
    const c = line(r, "authorize");
    expect(c.status).toBe("fail");
    expect(c.detail).toBe(
      "denied: list pods in namespace team-b; AmazonEKSViewPolicy (namespaces team-a) would allow it, but its scope does not reach team-b",
    );
    expect(c.fix).toBe(
      `aws eks associate-access-policy --cluster-name ${CLUSTER} --region ${REGION} --principal-arn ${DEV_ROLE} --policy-arn ${VIEW} --access-scope type=namespace,namespaces=team-a,team-b`,
    );
    expect(line(r, "authenticate").status).toBe("pass");
    p.state.associateAccessPolicy(DEV_ROLE, "AmazonEKSViewPolicy", ["team-a", "team-b"]);
    const again = await doctor({ plane: p, args });
    expect(again.code, transcript(again)).toBe(0);
    expect(line(again, "authorize")).toMatchObject({
      status: "pass",
      detail: "allowed to list pods in namespace team-b",
    });
  });

  it("mode API with only an aws-auth mapping: the entry is missing and aws-auth is ignored", async () => {
    const p = await plane({
      accessEntries: [],
      awsAuth: { mapRoles: [{ rolearn: DEV_ROLE, username: "dev", groups: ["system:masters"] }] },
    });
    const r = await doctor({ plane: p });
    expect(r.code, transcript(r)).toBe(1);
    expect(line(r, "access-entry")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("mode API ignores aws-auth"),
      fix: CREATE_FIX(DEV_ROLE),
    });
    expect(line(r, "aws-auth")).toMatchObject({
      status: "skip",
      detail: "mode API ignores aws-auth: a mapping there lets nobody in",
    });
  });

  it("aws-auth maps the role ARN with its path: named, with the ARN to write instead", async () => {
    const p = await plane({
      authenticationMode: "API_AND_CONFIG_MAP",
      // The entry lets the caller in (and read aws-auth); the aws-auth mapping meant to make it an admin never matches.
      accessEntries: [
        { principalArn: PATH_ROLE, username: "pathdev", policies: [{ policy: "AmazonEKSAdminViewPolicy" }] },
      ],
      awsAuth: { mapRoles: [{ rolearn: PATH_ROLE, username: "admin", groups: ["system:masters"] }] },
    });
    const r = await doctor({
      plane: p,
      tokenArgs: ["token", "--cluster-name", CLUSTER, "--region", REGION, "--role-arn", PATH_ROLE],
    });
    const c = line(r, "aws-auth");
    expect(c.status, transcript(r)).toBe("fail");
    expect(c.detail).toBe(
      `aws-auth maps ${PATH_ROLE} with the path /teams/platform/; aws-auth entries cannot include one, the server matches ${PATH_ROLE_CANONICAL}; write rolearn: ${PATH_ROLE_CANONICAL} instead of ${PATH_ROLE}`,
    );
    expect(c.fix).toBe("kubectl -n kube-system edit configmap aws-auth");
    expect(r.code).toBe(1);
  });

  it("aws-auth maps the assumed-role (session) ARN: named, with the role ARN to write instead", async () => {
    const p = await plane({
      authenticationMode: "API_AND_CONFIG_MAP",
      accessEntries: [{ principalArn: DEV_ROLE, username: "dev", policies: [{ policy: "AmazonEKSAdminViewPolicy" }] }],
      awsAuth: { mapRoles: [{ rolearn: DEV_SESSION, username: "admin", groups: ["system:masters"] }] },
    });
    const r = await doctor({ plane: p });
    const c = line(r, "aws-auth");
    expect(c.status, transcript(r)).toBe("fail");
    expect(c.detail).toBe(
      `aws-auth maps the STS session ARN ${DEV_SESSION}; the server matches the IAM role ARN; write rolearn: ${DEV_ROLE} instead of ${DEV_SESSION}`,
    );
    expect(c.fix).toBe("kubectl -n kube-system edit configmap aws-auth");
  });

  it("a role entry with a path matches the session by account and role name: passes, exit 0", async () => {
    const p = await plane({
      accessEntries: [
        {
          principalArn: PATH_ROLE,
          username: "pathdev",
          kubernetesGroups: [],
          policies: [{ policy: "AmazonEKSViewPolicy" }],
        },
      ],
    });
    const r = await doctor({
      plane: p,
      tokenArgs: ["token", "--cluster-name", CLUSTER, "--region", REGION, "--role-arn", PATH_ROLE],
    });
    expect(r.code, transcript(r)).toBe(0);
    expect(line(r, "access-entry").detail).toMatch(
      new RegExp(
        `^entry ${PATH_ROLE.replace(/[/.]/g, "\\$&")} \\(same account and role name; the session ARN does not show the role's path\\); type STANDARD, username pathdev, groups \\[\\]; policies AmazonEKSViewPolicy \\(cluster\\)$`,
      ),
    );
    expect(line(r, "authenticate").detail).toContain("as pathdev");
  });

  it("the clock 10 minutes off: identity fails with the offset and the time-sync fix", async () => {
    const p = await plane({ accessEntries: [DEV_ENTRY] }, skewedSts);
    const r = await doctor({ plane: p, sts: skewedSts });
    const c = line(r, "identity");
    expect(c.status, transcript(r)).toBe("fail");
    expect(c.detail).toMatch(
      /; this machine's clock is 10 min behind STS: the server rejects tokens dated that far off; on macOS: sudo sntp -sS time\.apple\.com$/,
    );
    expect(c.fix).toBe("sudo timedatectl set-ntp true");
    expect(r.code).toBe(1);
  });

  it("the kubeconfig's server is not the cluster's endpoint: cluster fails with the rewrite", async () => {
    const p = await plane({ accessEntries: [DEV_ENTRY] });
    const wrong = "https://127.0.0.1:9";
    const r = await doctor({ plane: p, server: wrong });
    expect(r.code, transcript(r)).toBe(1);
    expect(line(r, "cluster")).toEqual({
      status: "fail",
      detail: `the kubeconfig's server ${wrong} is not the cluster's endpoint ${p.k8s.url}`,
      fix: `eks-token kubeconfig --cluster-name ${CLUSTER} --region ${REGION}`,
    });
    expect(line(r, "authenticate").status).toBe("skip");
  });

  it("an endpoint that refuses connections: cluster fails naming it", async () => {
    const p = await plane({ accessEntries: [DEV_ENTRY] });
    const closed = await closedPort();
    p.state.endpoint = `https://127.0.0.1:${closed}`;
    const r = await doctor({ plane: p, server: p.state.endpoint });
    expect(r.code, transcript(r)).toBe(1);
    const c = line(r, "cluster");
    expect(c.status).toBe("fail");
    expect(c.detail).toContain(`cannot connect to 127.0.0.1:${closed}: ECONNREFUSED`);
    expect(c.fix).toContain(
      `aws eks describe-cluster --name ${CLUSTER} --region ${REGION} --query cluster.resourcesVpcConfig`,
    );
  });

  it("dead endpoints (EKS hangs, the API server accepts and never answers): a clear report within the bound", async () => {
    const p = await plane({ accessEntries: [DEV_ENTRY] });
    p.eks.setFault({ kind: "hang" });
    const hung = await hungServer();
    const r = await doctor({ plane: p, server: hung });
    // runCli kills the child after RUN_MS; a report means the walk ended by itself.
    expect(r.code, transcript(r)).toBe(1);
    expect(line(r, "cluster")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("did not answer within"),
    });
    expect(line(r, "authenticate").status).toBe("skip");
  });

  it("the entry still runs aws eks get-token: kubeconfig warns with the migration, the walk checks its role", async () => {
    const p = await plane({ accessEntries: [DEV_ENTRY] });
    const bin = mkdtempSync(join(tmpdir(), "eks-token-e2e-doctor-bin-"));
    try {
      writeFileSync(join(bin, "aws"), "#!/bin/sh\nexit 1\n");
      chmodSync(join(bin, "aws"), 0o755);
      const r = await doctor({
        plane: p,
        exec: {
          command: "aws",
          args: [
            "--region",
            REGION,
            "eks",
            "get-token",
            "--cluster-name",
            CLUSTER,
            "--role-arn",
            DEV_ROLE,
            "--output",
            "json",
          ],
        },
        env: { PATH: `${bin}:${process.env["PATH"] ?? "/usr/bin:/bin"}` },
      });
      const c = line(r, "kubeconfig");
      expect(c.status, transcript(r)).toBe("warn");
      expect(c.detail).toBe("context e2e: user e2e-user still runs aws eks get-token; doctor checks what it asks for");
      expect(c.fix).toMatch(/^eks-token kubeconfig migrate --kubeconfig \S+kubeconfig-\d+$/);
      expect(line(r, "identity").detail).toContain(DEV_SESSION);
      expect(r.code).toBe(0);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it("AccessDenied on ListAccessEntries: skip naming eks:ListAccessEntries, and the walk goes on to exit 0", async () => {
    const p = await plane({ accessEntries: [DEV_ENTRY] });
    p.eks.denyAccess("ListAccessEntries");
    const r = await doctor({ plane: p });
    expect(r.code, transcript(r)).toBe(0);
    const c = line(r, "access-entry");
    expect(c.status).toBe("skip");
    expect(c.detail).toMatch(
      /^not allowed to call eks:ListAccessEntries \(User: arn:aws:sts::111122223333:assumed-role\/developer\/EKSGetTokenAuth is not authorized/,
    );
    expect(c.fix).toBeUndefined();
    expect(line(r, "authenticate").status).toBe("pass");
  });

  it("pasting each fix line runs nothing: a context name with a newline, a namespace and a username from the cluster", async () => {
    const marker = markerDir();
    try {
      const evil = `$(touch\${IFS}${marker.dir}/x)`;
      const p = await plane({
        authenticationMode: "API_AND_CONFIG_MAP",
        accessEntries: [{ ...DEV_ENTRY, policies: [{ policy: "AmazonEKSViewPolicy", namespaces: [evil] }] }],
      });
      const scoped = await doctor({
        plane: p,
        context: `e2e\ntouch ${marker.dir}/newline`,
        exec: {
          ...execUser(["token", "--cluster-name", CLUSTER, "--region", REGION, "--role-arn", DEV_ROLE]),
          env: { LD_PRELOAD: "" },
        },
        args: ["--can-i", "list", "pods", "-n", "team-b"],
      });
      const configOnly = await plane({
        authenticationMode: "CONFIG_MAP",
        awsAuth: { mapRoles: [{ rolearn: DEV_ROLE, username: `dev${evil}`, groups: [] }] },
      });
      const user = await doctor({ plane: configOnly, args: ["--can-i", "list", "pods", "-n", "team-b"] });
      const fixes = [scoped, user].flatMap((r) =>
        r.stdout.split("\n").flatMap((l) => /^\s+fix: (.*)$/.exec(l)?.[1] ?? []),
      );
      expect(line(scoped, "kubeconfig").fix).toContain("--context $'e2e\\ntouch ");
      expect(line(scoped, "authorize").fix).toContain(`'type=namespace,namespaces=${evil},team-b'`);
      expect(line(user, "authorize").fix).toContain(`'--user=dev${evil}'`);
      for (const fix of fixes) {
        expect(paste(fix).parses, fix).toEqual({ sh: true, bash: true });
        expect(marker.touched(), fix).toEqual([]);
      }
      expect(paste(line(user, "authorize").fix!).bashCalls[0]).toContain(`--user=dev${evil}`);
    } finally {
      marker.cleanup();
    }
  });

  it("escape sequences, C1 and bidi characters from the cluster: escaped in the text, \\u-escaped in valid JSON", async () => {
    const username = "dev\u001b]8;;https://evil.example\u0007x\u001b]8;;\u0007\u202e\u009b2J";
    const p = await plane({ accessEntries: [{ ...DEV_ENTRY, username }] });
    const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    const text = await doctor({ plane: p, context: "e2e\u001b[2J" });
    expect(text.stdout).not.toMatch(UNSAFE);
    expect(line(text, "authenticate").detail).toContain("as dev\\u001b]8;;https://evil.example\\u0007x");
    const json = await doctor({ plane: p, args: ["--output", "json"] });
    expect(json.stdout).not.toMatch(UNSAFE);
    expect(json.json!.kubernetes!.username).toBe(username);
    expect(json.stdout).toContain("\\u202e\\u009b2J");
  });

  it.each([
    [
      "a throttle on DescribeAccessEntry",
      "DescribeAccessEntry",
      429,
      "ThrottlingException",
      '{"message":"Rate exceeded"}',
    ],
    [
      "a 5xx on ListAssociatedAccessPolicies",
      "ListAssociatedAccessPolicies",
      500,
      "ServerException",
      '{"message":"internal"}',
    ],
    ["a 404 that is not JSON on ListAccessEntries", "ListAccessEntries", 404, undefined, "<html>Not Found</html>"],
    ["a throttle on ListAccessEntries", "ListAccessEntries", 429, "ThrottlingException", '{"message":"Rate exceeded"}'],
    ["a 503 on DescribeCluster", "DescribeCluster", 503, "ServiceUnavailableException", '{"message":"down"}'],
  ] as const)(
    "%s: a check result naming it, valid JSON, never exit 70",
    async (_what, operation, status, errorType, body) => {
      const p = await plane({ accessEntries: [DEV_ENTRY] });
      p.eks.setFault({ operation, kind: "reply", status, ...(errorType ? { errorType } : {}), body });
      const r = await doctor({ plane: p, args: ["--output", "json"] });
      expect([0, 1], transcript(r)).toContain(r.code);
      const named = r.json!.checks.find((c) => c.detail.includes(operation));
      expect(named, transcript(r)).toBeDefined();
      expect(["fail", "warn", "skip"]).toContain(named!.status);
    },
  );

  it("a throttled ListAccessEntries in mode API_AND_CONFIG_MAP: aws-auth says the entry is not known, not missing", async () => {
    const p = await plane({
      authenticationMode: "API_AND_CONFIG_MAP",
      accessEntries: [{ principalArn: DEV_ROLE, username: "dev", policies: [{ policy: "AmazonEKSAdminViewPolicy" }] }],
      awsAuth: { mapRoles: [{ rolearn: PATH_ROLE_CANONICAL, username: "other", groups: [] }] },
    });
    p.eks.setFault({
      operation: "ListAccessEntries",
      kind: "reply",
      status: 429,
      errorType: "ThrottlingException",
      body: '{"message":"Rate exceeded"}',
    });
    const r = await doctor({ plane: p });
    expect(line(r, "access-entry")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("ListAccessEntries failed"),
    });
    const c = line(r, "aws-auth");
    expect(c.status, transcript(r)).toBe("warn");
    expect(c.detail).toBe(
      `no mapRoles/mapUsers entry; whether an access entry lets ${DEV_ROLE} in is not known (see access-entry)`,
    );
    expect(line(r, "authenticate").status).toBe("pass");
  });

  it("a connection reset on DescribeAccessEntry and on DescribeCluster: check results, never exit 70", async () => {
    for (const operation of ["DescribeAccessEntry", "DescribeCluster"] as const) {
      const p = await plane({ accessEntries: [DEV_ENTRY] });
      p.eks.setFault({ operation, kind: "reset" });
      const r = await doctor({ plane: p, args: ["--output", "json"] });
      expect([0, 1], transcript(r)).toContain(r.code);
      expect(
        r.json!.checks.some((c) => c.detail.includes(operation)),
        transcript(r),
      ).toBe(true);
      // Said as what happened: the connection closed at once, not a call that ran out of time.
      expect(
        r.json!.checks.some((c) => c.detail.includes(`the connection to EKS closed before ${operation} was answered`)),
        transcript(r),
      ).toBe(true);
    }
  });

  it("a server that keeps paging: the list is cut at the page cap, never read as no access entry", async () => {
    const p = await plane({ accessEntries: [DEV_ENTRY] });
    p.eks.setFault({ operation: "ListAccessEntries", kind: "endless-pages" });
    const r = await doctor({ plane: p });
    const c = line(r, "access-entry");
    expect(c.status, transcript(r)).toBe("warn");
    expect(c.detail).toContain("the list was cut (ListAccessEntries stopped after 20 pages)");
    expect(c.detail).not.toMatch(/^no access entry for \S+ \(/);
    expect(p.eks.calls.ListAccessEntries).toBe(20);
  });

  it("slow endpoints and a server that keeps paging slowly: the walk's bound cuts the list and the report comes", async () => {
    const p = await plane({ accessEntries: [DEV_ENTRY] });
    p.eks.setFault({ operation: "DescribeCluster", kind: "delay", ms: 3_000 });
    p.eks.setFault({ operation: "ListAccessEntries", kind: "endless-pages", delayMs: 2_000 });
    // runCli kills the child at runMs: a report means the walk ended by itself.
    const r = await doctor({ plane: p, runMs: 40_000 });
    expect(r.code, transcript(r)).toBe(0);
    const c = line(r, "access-entry");
    expect(c.status).toBe("warn");
    expect(c.detail).toMatch(
      /the list was cut \(ListAccessEntries stopped after \d+ pages: the time bound was spent\)/,
    );
  }, 60_000);

  it("an STS endpoint only the kubeconfig entry names gets no token; the override is shown", async () => {
    const elsewhere = await startStsEmulator({ requirePresignedHeaders: ["x-k8s-aws-id"] });
    try {
      const p = await plane({ accessEntries: [DEV_ENTRY] });
      const r = await doctor({
        plane: p,
        exec: {
          ...execUser(["token", "--cluster-name", CLUSTER, "--region", REGION, "--role-arn", DEV_ROLE]),
          env: { AWS_ENDPOINT_URL_STS: elsewhere.url },
        },
      });
      expect(elsewhere.requests, transcript(r)).toEqual([]);
      const c = line(r, "kubeconfig");
      expect(c.status).toBe("warn");
      expect(c.detail).toContain(`the entry's env points AWS_ENDPOINT_URL_STS at ${elsewhere.url}`);
      expect(line(r, "identity").status).toBe("pass");
      expect(r.code).toBe(0);
    } finally {
      await elsewhere.close();
    }
  });

  it("an AWS file or a credentials endpoint only the entry names: no command of it runs, no credential goes there", async () => {
    const p = await plane({ accessEntries: [DEV_ENTRY] });
    const dir = mkdtempSync(join(tmpdir(), "eks-token-e2e-doctor-planted-"));
    const asked: string[] = [];
    const endpoint = createHttpServer((req, res) => {
      asked.push(String(req.headers.authorization));
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => endpoint.listen(0, "127.0.0.1", r));
    try {
      // A profile whose credential_process leaves a mark, in a file only the kubeconfig names.
      const marker = join(dir, "ran");
      const config = join(dir, "config");
      writeFileSync(config, `[profile p]\ncredential_process = touch ${marker}\n`);
      const viaProfile = await doctor({
        plane: p,
        keys: undefined,
        exec: {
          ...execUser(["token", "--cluster-name", CLUSTER, "--region", REGION, "--profile", "p"]),
          env: { AWS_CONFIG_FILE: config },
        },
      });
      expect(existsSync(marker), transcript(viaProfile)).toBe(false);
      expect(line(viaProfile, "kubeconfig")).toMatchObject({
        status: "warn",
        detail: expect.stringContaining(`the entry's env sets AWS_CONFIG_FILE=${config}; `),
      });
      expect(line(viaProfile, "credentials").status).toBe("fail");

      // A container credentials endpoint only the entry names never sees the caller's authorization token.
      const { port } = endpoint.address() as { port: number };
      const viaContainer = await doctor({
        plane: p,
        keys: undefined,
        env: { AWS_CONTAINER_AUTHORIZATION_TOKEN: "caller-container-authorization-token" },
        exec: {
          ...execUser(["token", "--cluster-name", CLUSTER, "--region", REGION]),
          env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/creds` },
        },
      });
      expect(asked, transcript(viaContainer)).toEqual([]);
      expect(line(viaContainer, "kubeconfig").detail).toContain(
        `AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:${port}/creds`,
      );
    } finally {
      await new Promise((r) => endpoint.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an http:// server in the kubeconfig (DescribeCluster denied, so nothing contradicts it) gets no token", async () => {
    const p = await plane({ accessEntries: [DEV_ENTRY] });
    p.eks.denyAccess("DescribeCluster");
    const asked: string[] = [];
    const plain = createHttpServer((req, res) => {
      asked.push(`${req.method} ${req.url} ${req.headers.authorization ?? ""}`);
      res.writeHead(401).end();
    });
    await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
    try {
      const server = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
      const r = await doctor({ plane: p, server });
      expect(asked, transcript(r)).toEqual([]);
      expect(line(r, "cluster")).toMatchObject({
        status: "fail",
        detail: expect.stringContaining(`the API server ${server} is not https: doctor sends no token in clear`),
      });
      expect(line(r, "authenticate").status).toBe("skip");
      expect(r.code).toBe(1);
    } finally {
      plain.closeAllConnections();
      await new Promise((r) => plain.close(r));
    }
  });

  it("a 201 SelfSubjectReview that is not JSON, or over the size cap: never 'authenticated as'", async () => {
    const path = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
    const p = await plane({ accessEntries: [DEV_ENTRY] });
    p.k8s.setReply(path, { status: 201, body: "<html>welcome</html>" });
    const notJson = await doctor({ plane: p });
    expect(line(notJson, "authenticate")).toMatchObject({
      status: "warn",
      detail: expect.stringMatching(
        /^SelfSubjectReview answered HTTP 201 without a user in it \(the body is not JSON\)/,
      ),
    });
    p.k8s.setReply(path, { status: 201, body: { bytes: 3 * 1024 * 1024 } });
    const huge = await doctor({ plane: p });
    expect(line(huge, "authenticate"), transcript(huge)).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("answered more than 1048576 bytes"),
    });
    for (const r of [notJson, huge]) {
      expect(r.code).toBe(1);
      expect(r.stdout).not.toContain("authenticates the token as");
    }
  });

  it("exec args of a type kubectl refuses, and loader variables in the entry's env", async () => {
    const p = await plane({ accessEntries: [DEV_ENTRY] });
    const dir = mkdtempSync(join(tmpdir(), "eks-token-e2e-doctor-types-"));
    try {
      const file = join(dir, "config");
      const doc = parse(
        kubeconfigYaml({
          server: p.k8s.url,
          caData: p.k8s.caData,
          user: execUser(["token", "--cluster-name", CLUSTER]),
        }),
      ) as { users: { user: { exec: { args: unknown[] } } }[] };
      doc.users[0]!.user.exec.args.push("--duration", 900);
      writeFileSync(file, stringify(doc));
      const r = await runCli(["doctor", "--kubeconfig", file], { env: e2eEnv(home.home, p.env), timeoutMs: RUN_MS });
      expect(line(r, "kubeconfig")).toMatchObject({
        status: "fail",
        detail: expect.stringContaining("exec args must be a list of strings"),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const loaders = await doctor({
      plane: p,
      exec: {
        ...execUser(["token", "--cluster-name", CLUSTER, "--region", REGION, "--role-arn", DEV_ROLE]),
        env: { NODE_OPTIONS: "--require ./x.js", BUN_OPTIONS: "--preload ./x.js" },
      },
    });
    expect(line(loaders, "kubeconfig")).toMatchObject({
      status: "warn",
      detail: expect.stringContaining(
        "the entry's env sets NODE_OPTIONS, BUN_OPTIONS, which can make the command run other code",
      ),
    });
  });

  it("usage errors exit 2 with one line", async () => {
    const p = await plane({});
    const r = await runCli(["doctor", "--cluster-name", CLUSTER, "--context", "x"], { env: e2eEnv(home.home, p.env) });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^eks-token: --cluster-name and --context\/--kubeconfig are two ways to say the cluster: pick one: run `eks-token doctor --help`\n$/,
    );
    const http = await runCli(
      ["doctor", "--cluster-name", CLUSTER, "--endpoint", p.k8s.url.replace("https:", "http:")],
      {
        env: e2eEnv(home.home, p.env),
      },
    );
    expect(http.code, transcript(http)).toBe(2);
    expect(http.stdout).toBe("");
    expect(http.stderr).toMatch(
      /^eks-token: invalid --endpoint http:\/\/127\.0\.0\.1:\d+: expected an https:\/\/ URL\n$/,
    );
  });
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** An https URL whose server accepts the connection and never says anything. */
async function hungServer(): Promise<string> {
  const sockets: Socket[] = [];
  const s = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  servers.push(s);
  const close = s.close.bind(s);
  s.close = ((cb?: (err?: Error) => void) => {
    for (const x of sockets) x.destroy();
    return close(cb);
  }) as typeof s.close;
  return `https://127.0.0.1:${(s.address() as { port: number }).port}`;
}
