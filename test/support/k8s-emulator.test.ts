import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeToken } from "../../src/token/encode.js";
import { startK8sEmulator, type K8sEmulator } from "./k8s-emulator.js";
import { presignUrl, toAmzDate, type SigningCredentials } from "./sigv4.js";
import { startStsEmulator, type StsEmulator } from "./sts-emulator.js";
import { assumeRole } from "./sts-session.js";

const ACCOUNT = "444455556666";
const CLUSTER = "emulated-cluster";
const ALICE: SigningCredentials = {
  accessKeyId: "AKIAK8SEMULATORALICE",
  secretAccessKey: "alice/secret/0000000000000000000000000000",
};
const BOB: SigningCredentials = {
  accessKeyId: "AKIAK8SEMULATORBOB00",
  secretAccessKey: "bob/secret/00000000000000000000000000000000",
};
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/Admin`;
const KUBECTL = "/usr/bin/kubectl";

function token(credentials: SigningCredentials, options: { cluster?: string; signedAt?: number } = {}): string {
  const url = presignUrl({
    url: "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
    headers: { "x-k8s-aws-id": options.cluster ?? CLUSTER },
    credentials,
    region: "eu-west-1",
    service: "sts",
    amzDate: toAmzDate(options.signedAt ?? Date.now()),
    expiresSeconds: 60,
  });
  return encodeToken(url);
}

interface Reply {
  status: number;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects of many kinds, read field by field
  json: any;
}

function call(k8s: K8sEmulator, method: string, path: string, bearer?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${k8s.url}${path}`,
      {
        method,
        ca: k8s.caPem,
        headers: {
          accept: "application/json",
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...(method === "POST" ? { "content-type": "application/json" } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body, json });
        });
      },
    );
    req.on("error", reject);
    req.end(
      method === "POST"
        ? JSON.stringify({ kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1" })
        : undefined,
    );
  });
}

const whoami = (k8s: K8sEmulator, bearer?: string) =>
  call(k8s, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", bearer);

const UNAUTHORIZED = {
  kind: "Status",
  apiVersion: "v1",
  status: "Failure",
  message: "Unauthorized",
  reason: "Unauthorized",
  code: 401,
};

describe("Kubernetes API emulator", () => {
  let sts: StsEmulator;
  let k8s: K8sEmulator;
  let session: Required<SigningCredentials>;

  beforeAll(async () => {
    sts = await startStsEmulator({ requirePresignedHeaders: ["x-k8s-aws-id"] });
    const alice = sts.addUser({ name: "alice", accountId: ACCOUNT, ...ALICE });
    sts.addUser({ name: "bob", accountId: ACCOUNT, ...BOB });
    sts.addRole({ arn: ROLE_ARN, trust: [alice.arn] });
    session = await assumeRole(sts.url, ALICE, ROLE_ARN, "alice-admin", Date.now());
    k8s = await startK8sEmulator({
      clusterId: CLUSTER,
      stsUrl: sts.url,
      accessEntries: [{ principalArn: ROLE_ARN, username: "admin:{{SessionName}}", groups: ["eks-admins"] }],
      awsAuth: { mapUsers: [{ userarn: alice.arn, username: "alice", groups: ["devs"] }] },
      rbac: [
        { group: "devs", namespace: "team-a", verbs: ["list", "get"], resources: ["pods"] },
        { group: "eks-admins", namespace: "*", verbs: ["*"], resources: ["*"] },
      ],
      pods: { "team-a": ["web-1", "web-2"], "team-b": ["db-0"] },
    });
  });
  afterAll(async () => {
    await k8s?.close();
    await sts?.close();
  });

  it("maps a valid IAM user token through aws-auth mapUsers", async () => {
    const reply = await whoami(k8s, token(ALICE));
    expect(reply.status).toBe(201);
    expect(reply.json.status.userInfo).toMatchObject({
      username: "alice",
      groups: ["devs", "system:authenticated"],
      extra: {
        arn: [`arn:aws:iam::${ACCOUNT}:user/alice`],
        canonicalArn: [`arn:aws:iam::${ACCOUNT}:user/alice`],
        accessKeyId: [ALICE.accessKeyId],
      },
    });
    expect(k8s.log.at(-1)).toMatch(
      /^allow POST .*: user "alice" groups \[devs, system:authenticated\] via aws-auth mapUsers/,
    );
  });

  it("maps an assumed-role session through its access entry, with {{SessionName}}", async () => {
    const reply = await whoami(k8s, token(session));
    expect(reply.status).toBe(201);
    expect(reply.json.status.userInfo).toMatchObject({
      username: "admin:alice-admin",
      groups: ["eks-admins", "system:authenticated"],
      extra: {
        arn: [`arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice-admin`],
        canonicalArn: [ROLE_ARN],
        sessionName: ["alice-admin"],
      },
    });
  });

  it("refuses a token made for another cluster (STS says SignatureDoesNotMatch)", async () => {
    const reply = await whoami(k8s, token(ALICE, { cluster: "another-cluster" }));
    expect(reply.status).toBe(401);
    expect(reply.json).toMatchObject(UNAUTHORIZED);
    expect(k8s.log.at(-1)).toMatch(/^deny POST .*: sts: STS rejected the signature \(HTTP 403 SignatureDoesNotMatch\)/);
  });

  it("refuses an expired token before calling STS", async () => {
    const before = sts.calls.GetCallerIdentity;
    const reply = await whoami(k8s, token(ALICE, { signedAt: Date.now() - 16 * 60_000 }));
    expect(reply.status).toBe(401);
    expect(reply.json).toMatchObject(UNAUTHORIZED);
    expect(k8s.log.at(-1)).toMatch(/^deny POST .*: expired: token expired 1m ago/);
    expect(sts.calls.GetCallerIdentity).toBe(before);
  });

  it("refuses a tampered token", async () => {
    const url = Buffer.from(token(ALICE).slice("k8s-aws-v1.".length), "base64url").toString("utf8");
    const tampered = url.replace(
      /(X-Amz-Signature=)([0-9a-f])/,
      (_m, key: string, c: string) => key + (c === "0" ? "1" : "0"),
    );
    const reply = await whoami(k8s, encodeToken(tampered));
    expect(reply.status).toBe(401);
    expect(k8s.log.at(-1)).toContain("SignatureDoesNotMatch");
  });

  it("refuses a token whose shape the server rejects", async () => {
    const reply = await whoami(
      k8s,
      encodeToken("https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Evil=1"),
    );
    expect(reply.status).toBe(401);
    expect(k8s.log.at(-1)).toMatch(/^deny POST .*: allowlist: token URL has query parameter "Evil"/);
  });

  it("refuses an identity that nothing maps", async () => {
    const reply = await whoami(k8s, token(BOB));
    expect(reply.status).toBe(401);
    expect(reply.json).toMatchObject(UNAUTHORIZED);
    expect(k8s.log.at(-1)).toMatch(/^deny POST .*: unmapped: arn:aws:iam::444455556666:user\/bob/);
  });

  it("refuses a request without a token, but serves /version", async () => {
    expect((await whoami(k8s)).status).toBe(401);
    expect(k8s.log.at(-1)).toMatch(/: no bearer token$/);
    const version = await call(k8s, "GET", "/version");
    expect(version.json).toMatchObject({ major: "1", minor: "32" });
  });

  it("applies its RBAC to pods", async () => {
    const allowed = await call(k8s, "GET", "/api/v1/namespaces/team-a/pods", token(ALICE));
    expect(allowed.status).toBe(200);
    expect(allowed.json.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(["web-1", "web-2"]);
    const denied = await call(k8s, "GET", "/api/v1/namespaces/team-b/pods", token(ALICE));
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({
      kind: "Status",
      reason: "Forbidden",
      code: 403,
      message: 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "team-b"',
    });
    expect(k8s.requests).toBeGreaterThan(0);
  });

  it("refuses (401) when STS hangs, after its STS timeout", async () => {
    const impatient = await startK8sEmulator({
      clusterId: CLUSTER,
      stsUrl: sts.url,
      awsAuth: { mapUsers: [{ userarn: `arn:aws:iam::${ACCOUNT}:user/alice`, username: "alice" }] },
      stsTimeoutMs: 300,
    });
    sts.setFault({ action: "GetCallerIdentity", kind: "hang" }, 1);
    try {
      const started = Date.now();
      const reply = await whoami(impatient, token(ALICE));
      expect(reply.status).toBe(401);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(impatient.log.at(-1)).toMatch(/: sts: STS at 127\.0\.0\.1:\d+ did not answer within 0\.3 s$/);
    } finally {
      sts.clearFaults();
      await impatient.close();
    }
  });

  describe("with @kubernetes/client-node", () => {
    async function client(bearer: string) {
      const k8sNode = await import("@kubernetes/client-node");
      const config = new k8sNode.KubeConfig();
      config.loadFromOptions({
        clusters: [{ name: "emu", server: k8s.url, caData: k8s.caData, skipTLSVerify: false }],
        users: [{ name: "u", token: bearer }],
        contexts: [{ name: "emu", cluster: "emu", user: "u" }],
        currentContext: "emu",
      });
      return { k8sNode, config };
    }

    it("lists pods and reviews itself", async () => {
      const { k8sNode, config } = await client(token(ALICE));
      const pods = await config.makeApiClient(k8sNode.CoreV1Api).listNamespacedPod({ namespace: "team-a" });
      expect(pods.items.map((p) => p.metadata?.name)).toEqual(["web-1", "web-2"]);
      const review = await config
        .makeApiClient(k8sNode.AuthenticationV1Api)
        .createSelfSubjectReview({ body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } });
      expect(review.status?.userInfo?.username).toBe("alice");
    });

    it("gets 403 in another namespace and 401 for an unmapped identity", async () => {
      const alice = await client(token(ALICE));
      await expect(
        alice.config.makeApiClient(alice.k8sNode.CoreV1Api).listNamespacedPod({ namespace: "team-b" }),
      ).rejects.toMatchObject({ code: 403 });
      const bob = await client(token(BOB));
      await expect(
        bob.config.makeApiClient(bob.k8sNode.CoreV1Api).listNamespacedPod({ namespace: "team-a" }),
      ).rejects.toMatchObject({ code: 401 });
    });
  });

  describe("with kubectl", () => {
    const haveKubectl = existsSync(KUBECTL);
    let dir: string;

    async function kubectl(bearer: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
      const kubeconfig = join(dir, `config-${Math.random().toString(36).slice(2)}`);
      await writeFile(
        kubeconfig,
        JSON.stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [{ name: "emu", cluster: { server: k8s.url, "certificate-authority-data": k8s.caData } }],
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

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "k8s-emulator-kubectl-"));
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it.skipIf(!haveKubectl)(
      "`kubectl auth whoami -o json` shows the mapped user (skipped: no /usr/bin/kubectl)",
      async () => {
        const result = await kubectl(token(session), ["auth", "whoami", "-o", "json"]);
        expect(result.stderr).toBe("");
        expect(result.code).toBe(0);
        const review = JSON.parse(result.stdout);
        expect(review.kind).toBe("SelfSubjectReview");
        expect(review.status.userInfo.username).toBe("admin:alice-admin");
        expect(review.status.userInfo.groups).toEqual(["eks-admins", "system:authenticated"]);
      },
    );

    it.skipIf(!haveKubectl)("`kubectl get pods` lists pods, and is forbidden in another namespace", async () => {
      const listed = await kubectl(token(ALICE), ["get", "pods", "-n", "team-a"]);
      expect(listed.stderr).toBe("");
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
      expect(listed.stdout).toMatch(/^web-1\s+1\/1\s+Running\s+0\s+\S+$/m);
      expect(listed.stdout).toMatch(/^web-2\s/m);

      const denied = await kubectl(token(ALICE), ["get", "pods", "-n", "team-b"]);
      expect(denied.code).not.toBe(0);
      expect(denied.stderr).toContain(
        'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "team-b"',
      );
    });

    it.skipIf(!haveKubectl)("`kubectl auth can-i` answers from the same RBAC", async () => {
      const yes = await kubectl(token(ALICE), ["auth", "can-i", "list", "pods", "-n", "team-a"]);
      expect(yes.stderr).toBe("");
      expect([yes.code, yes.stdout.trim()]).toEqual([0, "yes"]);
      const no = await kubectl(token(ALICE), ["auth", "can-i", "list", "pods", "-n", "team-b"]);
      expect([no.code, no.stdout.trim()]).toEqual([1, "no"]);
    });

    it.skipIf(!haveKubectl)("kubectl sees 401 for an unmapped identity", async () => {
      const result = await kubectl(token(BOB), ["get", "pods", "-n", "team-a"]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/You must be logged in to the server \(Unauthorized\)|Unauthorized/);
    });
  });
});
