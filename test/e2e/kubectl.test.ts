import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TempHome } from "../support/cli.js";
import { startCluster, type Cluster } from "../support/cluster.js";
import type { K8sEmulator } from "../support/k8s-emulator.js";
import {
  EXEC_V1,
  EXEC_V1BETA1,
  execUser,
  kubectlCannot,
  runKubectl,
  writeKubeconfig,
  type ExecUser,
} from "../support/kubeconfig-fixture.js";
import { findPython, spawnInPty } from "../support/pty.js";
import type { StsEmulator } from "../support/sts-emulator.js";
import { ACCOUNT, REGION, e2eEnv, pluginLines } from "./helpers.js";

const CLUSTER = "e2e-kubectl";
const ALICE = {
  name: "alice",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2EKUBECTLALICE1",
  secretAccessKey: "e2e/kubectl/alice/secret/0000000000000000",
};
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/e2e-developers`;
const POD_NAMES = ["web-7d9f8b6c5-x2x8k", "api-5c6b7d8f9-q4r7t"];
const MFA_SERIAL = `arn:aws:iam::${ACCOUNT}:mfa/erin`;
const ERIN = {
  name: "erin",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2EKUBECTLERIN01",
  secretAccessKey: "e2e/kubectl/erin/secret/00000000000000000",
  mfaDevices: [{ serial: MFA_SERIAL, code: "135790" }],
};
const MFA_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/e2e-mfa-admins`;

let cluster: Cluster;
let sts: StsEmulator;
let k8s: K8sEmulator;
let home: TempHome;
let kubeDir: string;

beforeAll(async () => {
  cluster = await startCluster({
    name: "kubectl",
    setup: (sts) => {
      const alice = sts.addUser(ALICE);
      sts.addRole({ arn: ROLE_ARN, trust: [alice.arn] });
      const erin = sts.addUser(ERIN);
      sts.addRole({ arn: MFA_ROLE_ARN, trust: [erin.arn], requireMfa: true });
      return {
        clusterId: CLUSTER,
        accessEntries: [
          { principalArn: alice.arn, username: "alice", groups: ["developers"] },
          { principalArn: ROLE_ARN, username: "developer:{{SessionName}}", groups: ["developers"] },
          { principalArn: MFA_ROLE_ARN, username: "mfa-admin:{{SessionName}}", groups: ["developers"] },
        ],
        rbac: [{ group: "developers", namespace: "default", verbs: ["get", "list"], resources: ["pods"] }],
        pods: { default: POD_NAMES, "kube-system": ["coredns-0"] },
      };
    },
  });
  ({ sts, k8s, home, dir: kubeDir } = cluster);
  home.writeCredentials(
    `[e2e]\naws_access_key_id = ${ALICE.accessKeyId}\naws_secret_access_key = ${ALICE.secretAccessKey}\n\n` +
      `[erin]\naws_access_key_id = ${ERIN.accessKeyId}\naws_secret_access_key = ${ERIN.secretAccessKey}\n`,
  );
  home.writeConfig(
    `[profile e2e]\nregion = ${REGION}\n\n` +
      `[profile mfa-admin]\nrole_arn = ${MFA_ROLE_ARN}\nsource_profile = erin\nmfa_serial = ${MFA_SERIAL}\nrole_session_name = erin-at-a-terminal\nregion = ${REGION}\n`,
  );
}, 240_000);

afterAll(() => cluster?.close());

let configs = 0;
/** kubectl's environment (the plugin inherits it) with its own kubeconfig. */
function kubectlEnv(user: ExecUser): Record<string, string> {
  const path = writeKubeconfig(join(kubeDir, `kubeconfig-${++configs}`), { server: k8s.url, caData: k8s.caData, user });
  return e2eEnv(home.home, { KUBECONFIG: path });
}

/** Runs kubectl; the plugin is run by it, so its stderr passes through kubectl's. */
async function kubectl(args: string[], env: Record<string, string>) {
  const result = await runKubectl(args, { env, timeoutMs: 30_000 });
  // The plugin never complains on the way to a good token.
  expect(pluginLines(result.stderr), result.stderr).toEqual([]);
  return result;
}

async function expectWhoami(env: Record<string, string>, username: RegExp): Promise<void> {
  const whoami = await kubectl(["auth", "whoami", "-o", "json"], env);
  expect(whoami.code, whoami.stderr).toBe(0);
  const review = JSON.parse(whoami.stdout) as {
    kind: string;
    status: { userInfo: { username: string; groups: string[] } };
  };
  expect(review.kind).toBe("SelfSubjectReview");
  expect(review.status.userInfo.username).toMatch(username);
  expect(review.status.userInfo.groups).toEqual(["developers", "system:authenticated"]);
}

async function expectPods(env: Record<string, string>): Promise<void> {
  const pods = await kubectl(["get", "pods", "-n", "default", "-o", "name"], env);
  expect(pods.code, pods.stderr).toBe(0);
  expect(pods.stdout.trim().split("\n").sort()).toEqual(POD_NAMES.map((n) => `pod/${n}`).sort());
}

async function expectForbidden(env: Record<string, string>, username: RegExp): Promise<void> {
  const denied = await kubectl(["get", "pods", "-n", "kube-system"], env);
  expect(denied.code).not.toBe(0);
  expect(denied.stderr).toMatch(
    /Error from server \(Forbidden\): pods is forbidden: User "([^"]+)" cannot list resource "pods" in API group "" in the namespace "kube-system"/,
  );
  expect(/User "([^"]+)"/.exec(denied.stderr)?.[1]).toMatch(username);
}

const TOKEN_ARGS = ["token", "--cluster-name", CLUSTER, "--region", REGION, "--profile", "e2e"];

describe.concurrent("kubectl runs eks-token through the kubeconfig exec block", () => {
  const cases: ReadonlyArray<{ name: string; user: () => ExecUser; needs: "any" | "exec-v1"; username: RegExp }> = [
    {
      name: "exec apiVersion v1beta1",
      user: () => execUser(TOKEN_ARGS, { apiVersion: EXEC_V1BETA1 }),
      needs: "any",
      username: /^alice$/,
    },
    {
      name: "exec apiVersion v1, interactiveMode Never",
      user: () => execUser(TOKEN_ARGS, { apiVersion: EXEC_V1, interactiveMode: "Never" }),
      needs: "exec-v1",
      username: /^alice$/,
    },
    {
      name: "exec apiVersion v1, interactiveMode IfAvailable",
      user: () => execUser(TOKEN_ARGS, { apiVersion: EXEC_V1, interactiveMode: "IfAvailable" }),
      needs: "exec-v1",
      username: /^alice$/,
    },
    {
      name: "the argument list of `aws eks update-kubeconfig` ([--region, R, eks, get-token, --cluster-name, N, --output, json], env AWS_PROFILE)",
      user: () =>
        execUser(["--region", REGION, "eks", "get-token", "--cluster-name", CLUSTER, "--output", "json"], {
          apiVersion: EXEC_V1BETA1,
          env: { AWS_PROFILE: "e2e" },
        }),
      needs: "any",
      username: /^alice$/,
    },
    {
      // The role is assumed at the STS emulator on every run (the token cache is off); the user
      // name comes from the assumed-role ARN, with the default session name.
      name: "the argument list of eksctl / aws-iam-authenticator ([token, -i, N, -r, ROLE])",
      user: () =>
        execUser(["token", "-i", CLUSTER, "-r", ROLE_ARN], {
          apiVersion: EXEC_V1BETA1,
          env: { AWS_PROFILE: "e2e", AWS_ENDPOINT_URL_STS: sts.url },
        }),
      needs: "any",
      username: /^developer:EKSGetTokenAuth$/,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: kubectl auth whoami -o json shows the mapped user`, async (ctx) => {
      const cannot = kubectlCannot(c.needs) ?? kubectlCannot("auth-whoami");
      if (cannot) return ctx.skip(cannot);
      await expectWhoami(kubectlEnv(c.user()), c.username);
    });

    it(`${c.name}: kubectl get pods is allowed in default, forbidden in kube-system`, async (ctx) => {
      const cannot = kubectlCannot(c.needs);
      if (cannot) return ctx.skip(cannot);
      const env = kubectlEnv(c.user());
      await expectPods(env);
      await expectForbidden(env, c.username);
    });
  }
});

describe("kubectl at a terminal (exec v1, interactiveMode IfAvailable)", () => {
  it("a role profile with mfa_serial: the plugin's prompt shows through kubectl, the typed code is used, the pods are listed", async (ctx) => {
    const cannot = kubectlCannot("exec-v1");
    if (cannot) return ctx.skip(cannot);
    if (!findPython()) return ctx.skip("python3 with the pty module is not available to make a pseudo-terminal");
    const env = kubectlEnv(
      execUser(["token", "--cluster-name", CLUSTER, "--profile", "mfa-admin"], {
        apiVersion: EXEC_V1,
        interactiveMode: "IfAvailable",
        env: { AWS_ENDPOINT_URL_STS: sts.url },
      }),
    );
    const pty = spawnInPty(["kubectl", "get", "pods", "-n", "default", "-o", "name"], { env, timeoutMs: 30_000 });
    try {
      await pty.waitForTerminal(/Enter MFA code for arn:aws:iam::111122223333:mfa\/erin: $/);
      pty.write("135790\n");
      const result = await pty.done;
      expect(result.code, result.terminal).toBe(0);
      expect(result.stdout.trim().split(/\r?\n/).sort()).toEqual(POD_NAMES.map((n) => `pod/${n}`).sort());
      expect(pluginLines(result.terminal), result.terminal).toEqual([]);
      expect(result.terminal, "the typed code was echoed").not.toContain("135790");
    } finally {
      pty.kill();
    }
    const assumed = sts.requests.filter((r) => r.action === "AssumeRole" && r.params["RoleArn"] === MFA_ROLE_ARN);
    expect(assumed.map((r) => [r.status, r.params["TokenCode"]])).toEqual([[200, "135790"]]);
    expect(k8s.log.some((l) => l.includes('user "mfa-admin:erin-at-a-terminal"'))).toBe(true);
  });
});
