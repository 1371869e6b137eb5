import {
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  DescribeAccessEntryCommand,
  DescribeClusterCommand,
  EKSClient,
} from "@aws-sdk/client-eks";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeToken } from "../verify/fixtures.js";
import { ACCESS_POLICY_ARN_PREFIX } from "./access-policies.js";
import { startEksControlPlane, type EksControlPlane } from "./eks-control-plane.js";
import type { SigningCredentials } from "./sigv4.js";
import { startStsEmulator, type StsEmulator } from "./sts-emulator.js";
import { assumeRole, type StsSessionCredentials } from "./sts-session.js";

const ACCOUNT = "111122223333";
const REGION = "eu-west-1";
const CLUSTER = "shared";
const KUBECTL = "/usr/bin/kubectl";
const key = (name: string): SigningCredentials => ({
  accessKeyId: `AKIA${name.toUpperCase().padEnd(16, "0")}`,
  secretAccessKey: `${name}/secret/${"0".repeat(30)}`,
});
const ADMIN = key("admin");
const VIEWER = key("viewer");
const LEGACY = key("legacy");
const NEWCOMER = key("newcomer");
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const DEPLOYER_ROLE = `arn:aws:iam::${ACCOUNT}:role/ci/deployer`;

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: replies are Kubernetes JSON of many shapes, read field by field
  json: any;
}

function kube(
  plane: EksControlPlane,
  credentials: SigningCredentials,
  method: "GET" | "POST",
  path: string,
  body?: object,
): Promise<Reply> {
  const bearer = makeToken({
    credentials,
    cluster: CLUSTER,
    region: REGION,
    host: `sts.${REGION}.amazonaws.com`,
    signedAt: Date.now(),
  });
  return new Promise((resolve, reject) => {
    const req = request(
      `${plane.k8s.url}${path}`,
      {
        method,
        ca: plane.k8s.caPem,
        headers: { accept: "application/json", authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

const whoami = (plane: EksControlPlane, credentials: SigningCredentials) =>
  kube(plane, credentials, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
    kind: "SelfSubjectReview",
    apiVersion: "authentication.k8s.io/v1",
  });

async function canI(
  plane: EksControlPlane,
  credentials: SigningCredentials,
  verb: string,
  resource: string,
  namespace?: string,
  group = "",
): Promise<boolean> {
  const reply = await kube(plane, credentials, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
    kind: "SelfSubjectAccessReview",
    apiVersion: "authorization.k8s.io/v1",
    spec: { resourceAttributes: { verb, resource, group, ...(namespace ? { namespace } : {}) } },
  });
  expect(reply.status).toBe(201);
  return reply.json.status.allowed as boolean;
}

const AWS_AUTH_PATH = "/api/v1/namespaces/kube-system/configmaps/aws-auth";

describe("one cluster state, enforced by the Kubernetes emulator and reported by the EKS emulator", () => {
  let sts: StsEmulator;
  let plane: EksControlPlane;
  let deployer: StsSessionCredentials;
  const eks = (credentials: SigningCredentials) =>
    new EKSClient({ region: REGION, credentials, endpoint: plane.eks.url, maxAttempts: 1 });

  beforeAll(async () => {
    sts = await startStsEmulator({ requirePresignedHeaders: ["x-k8s-aws-id"] });
    for (const [name, creds] of Object.entries({ admin: ADMIN, viewer: VIEWER, legacy: LEGACY, newcomer: NEWCOMER }))
      sts.addUser({ name, accountId: ACCOUNT, ...creds });
    sts.addRole({ arn: DEPLOYER_ROLE, trust: [userArn("admin")] });
    deployer = await assumeRole(sts.url, ADMIN, DEPLOYER_ROLE, "pipeline-7");
    plane = await startEksControlPlane({
      sts,
      cluster: { name: CLUSTER, accountId: ACCOUNT, region: REGION },
      pods: { "team-a": ["web-1"], "team-b": ["db-0"] },
    });
  });
  afterAll(async () => {
    await plane?.close();
    await sts?.close();
  });

  // Every case starts from the same configuration.
  beforeEach(() => {
    const s = plane.state;
    s.setAuthenticationMode("API_AND_CONFIG_MAP");
    for (const entry of s.accessEntries()) s.deleteAccessEntry(entry.principalArn);
    s.putAccessEntry({
      principalArn: userArn("admin"),
      username: "admin",
      policies: [{ policy: "AmazonEKSClusterAdminPolicy" }],
    });
    s.putAccessEntry({
      principalArn: userArn("viewer"),
      username: "viewer",
      policies: [{ policy: "AmazonEKSViewPolicy", namespaces: ["team-a"] }],
    });
    s.setAwsAuth({ mapUsers: [{ userarn: userArn("legacy"), username: "legacy", groups: ["legacy-readers"] }] });
    s.rbac = [{ group: "legacy-readers", namespace: "team-b", verbs: ["list", "get"], resources: ["pods"] }];
  });

  it("serves kube-system/aws-auth as EKS stores it to a caller allowed to read it", async () => {
    const reply = await kube(plane, ADMIN, "GET", AWS_AUTH_PATH);
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      kind: "ConfigMap",
      apiVersion: "v1",
      metadata: { name: "aws-auth", namespace: "kube-system" },
    });
    expect(reply.json.data).toEqual({
      mapUsers: `- groups:\n  - legacy-readers\n  userarn: ${userArn("legacy")}\n  username: legacy\n`,
    });
  });

  it("forbids aws-auth (403) to a caller whose policy is scoped to other namespaces, and to one RBAC gives nothing there", async () => {
    for (const [creds, user] of [
      [VIEWER, "viewer"],
      [LEGACY, "legacy"],
    ] as const) {
      const reply = await kube(plane, creds, "GET", AWS_AUTH_PATH);
      expect(reply.status).toBe(403);
      expect(reply.json).toMatchObject({
        kind: "Status",
        reason: "Forbidden",
        code: 403,
        message: `configmaps "aws-auth" is forbidden: User "${user}" cannot get resource "configmaps" in API group "" in the namespace "kube-system"`,
      });
    }
    plane.state.associateAccessPolicy(userArn("viewer"), "AmazonEKSViewPolicy", ["team-a", "kube-system"]);
    expect((await kube(plane, VIEWER, "GET", AWS_AUTH_PATH)).status).toBe(200);
  });

  it("answers 404 for aws-auth when the cluster has none (after authorizing)", async () => {
    plane.state.setAwsAuth(undefined);
    expect((await kube(plane, ADMIN, "GET", AWS_AUTH_PATH)).status).toBe(404);
    expect((await kube(plane, VIEWER, "GET", AWS_AUTH_PATH)).status).toBe(403);
  });

  it("SelfSubjectAccessReview and real requests follow the policy's scope", async () => {
    expect(await canI(plane, VIEWER, "list", "pods", "team-a")).toBe(true);
    expect(await canI(plane, VIEWER, "list", "pods", "team-b")).toBe(false);
    expect(await canI(plane, VIEWER, "delete", "pods", "team-a")).toBe(false);
    expect(await canI(plane, VIEWER, "list", "deployments", "team-a", "apps")).toBe(true);
    expect(await canI(plane, VIEWER, "get", "secrets", "team-a")).toBe(false);
    expect(await canI(plane, VIEWER, "list", "namespaces")).toBe(false);
    expect(await canI(plane, ADMIN, "delete", "nodes")).toBe(true);
    expect((await kube(plane, VIEWER, "GET", "/api/v1/namespaces/team-a/pods")).status).toBe(200);
    expect((await kube(plane, VIEWER, "GET", "/api/v1/namespaces/team-b/pods")).status).toBe(403);
    // aws-auth users get only what RBAC gives their groups.
    expect(await canI(plane, LEGACY, "list", "pods", "team-b")).toBe(true);
    expect(await canI(plane, LEGACY, "list", "pods", "team-a")).toBe(false);
  });

  it("mode API ignores aws-auth; CONFIG_MAP ignores access entries; both servers see the switch", async () => {
    expect((await whoami(plane, LEGACY)).status).toBe(201);
    plane.state.setAuthenticationMode("API");
    expect(
      (await eks(ADMIN).send(new DescribeClusterCommand({ name: CLUSTER }))).cluster?.accessConfig?.authenticationMode,
    ).toBe("API");
    expect((await whoami(plane, LEGACY)).status).toBe(401);
    expect(plane.k8s.log.at(-1)).toMatch(
      /unmapped: arn:aws:iam::111122223333:user\/legacy .*has no access entry \(mode API ignores aws-auth\)$/,
    );
    expect((await whoami(plane, ADMIN)).json.status.userInfo.username).toBe("admin");

    plane.state.setAuthenticationMode("CONFIG_MAP");
    expect(
      (await eks(ADMIN).send(new DescribeClusterCommand({ name: CLUSTER }))).cluster?.accessConfig?.authenticationMode,
    ).toBe("CONFIG_MAP");
    expect((await whoami(plane, ADMIN)).status).toBe(401);
    expect((await whoami(plane, LEGACY)).json.status.userInfo).toMatchObject({
      username: "legacy",
      groups: ["legacy-readers", "system:authenticated"],
    });
  });

  it("a role entry with a path admits the role's sessions; aws-auth with the path or the session ARN does not", async () => {
    plane.state.putAccessEntry({
      principalArn: DEPLOYER_ROLE,
      username: "deployer:{{SessionName}}",
      policies: [{ policy: "AmazonEKSEditPolicy", namespaces: ["team-b"] }],
    });
    expect((await whoami(plane, deployer)).json.status.userInfo.username).toBe("deployer:pipeline-7");
    expect(await canI(plane, deployer, "create", "pods", "team-b")).toBe(true);

    plane.state.setAuthenticationMode("CONFIG_MAP");
    const sessionArn = `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/pipeline-7`;
    for (const rolearn of [DEPLOYER_ROLE, sessionArn]) {
      plane.state.setAwsAuth({ mapRoles: [{ rolearn, username: "deployer", groups: ["system:masters"] }] });
      expect((await whoami(plane, deployer)).status, rolearn).toBe(401);
    }
    plane.state.setAwsAuth({
      mapRoles: [
        { rolearn: `arn:aws:iam::${ACCOUNT}:role/deployer`, username: "deployer", groups: ["system:masters"] },
      ],
    });
    expect((await whoami(plane, deployer)).status).toBe(201);
  });

  it("applying the fix through the EKS API lets the newcomer in at once", async () => {
    const principalArn = userArn("newcomer");
    expect((await whoami(plane, NEWCOMER)).status).toBe(401);
    await expect(
      eks(ADMIN).send(new DescribeAccessEntryCommand({ clusterName: CLUSTER, principalArn })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });

    await eks(ADMIN).send(new CreateAccessEntryCommand({ clusterName: CLUSTER, principalArn }));
    const entered = await whoami(plane, NEWCOMER);
    expect(entered.json.status.userInfo.username).toBe(principalArn);
    expect((await kube(plane, NEWCOMER, "GET", "/api/v1/namespaces/team-a/pods")).status).toBe(403);

    await eks(ADMIN).send(
      new AssociateAccessPolicyCommand({
        clusterName: CLUSTER,
        principalArn,
        policyArn: `${ACCESS_POLICY_ARN_PREFIX}AmazonEKSViewPolicy`,
        accessScope: { type: "namespace", namespaces: ["team-a"] },
      }),
    );
    const pods = await kube(plane, NEWCOMER, "GET", "/api/v1/namespaces/team-a/pods");
    expect(pods.status).toBe(200);
    expect(pods.json.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(["web-1"]);
  });

  it("a change made to the state directly is what DescribeAccessEntry reports", async () => {
    plane.state.putAccessEntry({ principalArn: userArn("viewer"), username: "renamed", kubernetesGroups: ["g1"] });
    const { accessEntry } = await eks(ADMIN).send(
      new DescribeAccessEntryCommand({ clusterName: CLUSTER, principalArn: userArn("viewer") }),
    );
    expect(accessEntry).toMatchObject({ username: "renamed", kubernetesGroups: ["g1"] });
    expect((await whoami(plane, VIEWER)).json.status.userInfo).toMatchObject({
      username: "renamed",
      groups: ["g1", "system:authenticated"],
    });
  });

  describe("with kubectl", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "eks-control-plane-kubectl-"));
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    async function kubectl(
      credentials: SigningCredentials,
      args: string[],
    ): Promise<{ code: number; stdout: string; stderr: string }> {
      const { cluster } = await eks(ADMIN).send(new DescribeClusterCommand({ name: CLUSTER }));
      const kubeconfig = join(dir, `config-${Math.random().toString(36).slice(2)}`);
      const bearer = makeToken({
        credentials,
        cluster: CLUSTER,
        region: REGION,
        host: `sts.${REGION}.amazonaws.com`,
        signedAt: Date.now(),
      });
      // Server and CA as DescribeCluster reports them, as `aws eks update-kubeconfig` writes them.
      await writeFile(
        kubeconfig,
        JSON.stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [
            {
              name: "emu",
              cluster: { server: cluster!.endpoint, "certificate-authority-data": cluster!.certificateAuthority!.data },
            },
          ],
          users: [{ name: "u", user: { token: bearer } }],
          contexts: [{ name: "emu", context: { cluster: "emu", user: "u" } }],
          "current-context": "emu",
        }),
        { mode: 0o600 },
      );
      return new Promise((resolve) => {
        execFile(
          KUBECTL,
          ["--kubeconfig", kubeconfig, "--request-timeout", "20s", ...args],
          { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir }, timeout: 60_000 },
          (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    }

    it.skipIf(!existsSync(KUBECTL))(
      "`kubectl get configmap aws-auth -n kube-system` reads it, or is forbidden (skipped: no /usr/bin/kubectl)",
      async () => {
        const read = await kubectl(ADMIN, ["get", "configmap", "aws-auth", "-n", "kube-system", "-o", "json"]);
        expect(read.stderr).toBe("");
        expect(JSON.parse(read.stdout).data.mapUsers).toContain(`userarn: ${userArn("legacy")}`);
        const denied = await kubectl(VIEWER, ["get", "configmap", "aws-auth", "-n", "kube-system", "-o", "json"]);
        expect(denied.code).not.toBe(0);
        expect(denied.stderr).toContain(
          'Error from server (Forbidden): configmaps "aws-auth" is forbidden: User "viewer" cannot get resource "configmaps" in API group "" in the namespace "kube-system"',
        );
      },
    );

    it.skipIf(!existsSync(KUBECTL))(
      "`kubectl auth can-i` follows the namespace scope (skipped: no /usr/bin/kubectl)",
      async () => {
        const yes = await kubectl(VIEWER, ["auth", "can-i", "get", "configmaps", "-n", "team-a"]);
        expect([yes.code, yes.stdout.trim()]).toEqual([0, "yes"]);
        const no = await kubectl(VIEWER, ["auth", "can-i", "get", "configmaps", "-n", "kube-system"]);
        expect([no.code, no.stdout.trim()]).toEqual([1, "no"]);
      },
    );
  });
});
