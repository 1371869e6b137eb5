// `eks-token kubeconfig` and `eks-token kubeconfig migrate`, end to end: the built CLI writes (or
// rewrites) a kubeconfig whose exec block says `command: eks-token`, and kubectl uses that file
// as a user would, finding `eks-token` on PATH (a temp bin dir with a shim that runs the built
// CLI). The token goes to the emulated EKS API server, which checks it at the STS emulator and
// maps the identity with access entries. The same bin dir holds stand-ins for `aws` and
// `aws-iam-authenticator` that fail loudly, so a kubeconfig that still runs the old tool cannot
// pass by accident.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CLI_COMMAND, runCli, type TempHome } from "../support/cli.js";
import { startCluster, type Cluster } from "../support/cluster.js";
import type { K8sEmulator } from "../support/k8s-emulator.js";
import { EXEC_V1BETA1, kubectlCannot, runKubectl, writeKubeconfig } from "../support/kubeconfig-fixture.js";
import { ACCOUNT, REGION, e2eEnv, kubeconfigArgs, pluginLines } from "./helpers.js";

const CLUSTER = "demo";
const POD_NAMES = ["web-7d9f8b6c5-x2x8k", "api-5c6b7d8f9-q4r7t"];
/** Env credentials (the entries `eks-token kubeconfig` writes name no profile). */
const ALICE = {
  name: "alice",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2EKCFGALICE0001",
  secretAccessKey: "e2e/kubeconfig/alice/secret/00000000000",
};
/** Profile credentials: the migrated `aws eks get-token` user has env AWS_PROFILE=carol-profile. */
const CAROL = {
  name: "carol",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2EKCFGCAROL0001",
  secretAccessKey: "e2e/kubeconfig/carol/secret/00000000000",
};
/** Env credentials for the migrated aws-iam-authenticator user. */
const DAVE = {
  name: "dave",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2EKCFGDAVE00001",
  secretAccessKey: "e2e/kubeconfig/dave/secret/000000000000",
};

let cluster: Cluster;
let k8s: K8sEmulator;
let home: TempHome;
let work: string;
/** eks-token (the shim), aws and aws-iam-authenticator (both failing). */
let binDir: string;

beforeAll(async () => {
  cluster = await startCluster({
    name: "kubeconfig",
    setup: (sts) => {
      const users = [ALICE, CAROL, DAVE].map((u) => sts.addUser(u));
      return {
        clusterId: CLUSTER,
        accessEntries: users.map((u, i) => ({
          principalArn: u.arn,
          username: [ALICE, CAROL, DAVE][i]!.name,
          groups: ["developers"],
        })),
        rbac: [{ group: "developers", namespace: "default", verbs: ["get", "list"], resources: ["pods"] }],
        pods: { default: POD_NAMES, "kube-system": ["coredns-0"] },
      };
    },
  });
  ({ k8s, home, dir: work } = cluster);
  home.writeCredentials(
    `[carol-profile]\naws_access_key_id = ${CAROL.accessKeyId}\naws_secret_access_key = ${CAROL.secretAccessKey}\n`,
  );
  binDir = join(work, "bin");
  mkdirSync(binDir);
  const script = (name: string, body: string) => {
    writeFileSync(join(binDir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(binDir, name), 0o755);
  };
  script("eks-token", `exec ${CLI_COMMAND.map((a) => `'${a}'`).join(" ")} "$@"`);
  script("aws", `echo "stand-in aws was run: the kubeconfig was not migrated" >&2\nexit 42`);
  script(
    "aws-iam-authenticator",
    `echo "stand-in aws-iam-authenticator was run: the kubeconfig was not migrated" >&2\nexit 42`,
  );
}, 240_000);

afterAll(() => cluster?.close());

let files = 0;
const newPath = (what: string) => join(work, `kubeconfig-${++files}-${what}`);

/** kubectl's environment (and so the plugin's): the bin dir first on PATH, this kubeconfig. */
function kubectlEnv(kubeconfig: string, extra: Record<string, string> = {}, binFirst = true): Record<string, string> {
  const base = process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin";
  return e2eEnv(home.home, {
    PATH: binFirst ? `${binDir}${delimiter}${base}` : base,
    KUBECONFIG: kubeconfig,
    ...extra,
  });
}

const envCreds = (u: typeof ALICE) => ({ AWS_ACCESS_KEY_ID: u.accessKeyId, AWS_SECRET_ACCESS_KEY: u.secretAccessKey });

interface ExecBlock {
  apiVersion: string;
  command: string;
  args: string[];
  env?: Array<{ name: string; value: string }>;
  interactiveMode?: string;
}

function execBlock(path: string): ExecBlock {
  const doc = parse(readFileSync(path, "utf8")) as { users: Array<{ name: string; user: { exec: ExecBlock } }> };
  expect(doc.users).toHaveLength(1);
  return doc.users[0]!.user.exec;
}

async function kubectl(args: string[], env: Record<string, string>) {
  const result = await runKubectl(args, { env, timeoutMs: 30_000 });
  expect(pluginLines(result.stderr), result.stderr).toEqual([]);
  expect(result.stderr).not.toContain("stand-in");
  return result;
}

/** `kubectl auth whoami -o json` (when kubectl has it) and `kubectl get pods -n default`. */
async function expectKubectlWorks(env: Record<string, string>, username: string): Promise<void> {
  if (!kubectlCannot("auth-whoami")) {
    const whoami = await kubectl(["auth", "whoami", "-o", "json"], env);
    expect(whoami.code, whoami.stderr).toBe(0);
    const review = JSON.parse(whoami.stdout) as {
      kind: string;
      status: { userInfo: { username: string; groups: string[] } };
    };
    expect(review.kind).toBe("SelfSubjectReview");
    expect(review.status.userInfo.username).toBe(username);
    expect(review.status.userInfo.groups).toEqual(["developers", "system:authenticated"]);
  }
  const pods = await kubectl(["get", "pods", "-n", "default"], env);
  expect(pods.code, pods.stderr).toBe(0);
  const lines = pods.stdout.trim().split("\n");
  expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS/);
  expect(
    lines
      .slice(1)
      .map((l) => l.split(/\s+/)[0])
      .sort(),
  ).toEqual([...POD_NAMES].sort());
  expect(
    k8s.log.some((l) => l.startsWith(`allow GET /api/v1/namespaces/default/pods: user "${username}"`)),
    k8s.log.join("\n"),
  ).toBe(true);
}

describe.concurrent("eks-token kubeconfig writes an entry kubectl can use", () => {
  const cases = [
    {
      name: "default (exec v1beta1)",
      flags: [] as string[],
      apiVersion: EXEC_V1BETA1,
      interactiveMode: undefined,
      extraArgs: [] as string[],
      needs: "any" as const,
    },
    {
      name: "--api-version v1 (interactiveMode IfAvailable)",
      flags: ["--api-version", "v1"],
      apiVersion: "client.authentication.k8s.io/v1",
      interactiveMode: "IfAvailable",
      extraArgs: ["--api-version", "v1"],
      needs: "exec-v1" as const,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: command eks-token found on PATH, kubectl auth whoami and get pods work`, async (ctx) => {
      const cannot = kubectlCannot(c.needs);
      if (cannot) return ctx.skip(cannot);
      const path = newPath("written");
      const written = await runCli(kubeconfigArgs(k8s, CLUSTER, path, ...c.flags), { env: e2eEnv(home.home) });
      expect(written.code, written.stderr).toBe(0);
      expect(written.stdout).toBe("");
      expect(written.stderr).toBe(`Added new context ${CLUSTER} to ${path}\n`);
      expect(statSync(path).mode & 0o777).toBe(0o600);

      const doc = parse(readFileSync(path, "utf8")) as {
        "current-context": string;
        clusters: Array<{ cluster: Record<string, string> }>;
      };
      expect(doc.clusters[0]!.cluster).toEqual({ server: k8s.url, "certificate-authority-data": k8s.caData });
      expect(doc["current-context"]).toBeTruthy();
      const exec = execBlock(path);
      expect(exec.command).toBe("eks-token");
      expect(exec.apiVersion).toBe(c.apiVersion);
      expect(exec.interactiveMode).toBe(c.interactiveMode);
      expect(exec.args).toEqual(["token", "--cluster-name", CLUSTER, "--region", REGION, ...c.extraArgs]);

      await expectKubectlWorks(kubectlEnv(path, envCreds(ALICE)), "alice");
    });
  }

  it("control: without the bin dir on PATH kubectl cannot find eks-token (the exec command really is the bare name)", async (ctx) => {
    const cannot = kubectlCannot("any");
    if (cannot) return ctx.skip(cannot);
    const path = newPath("no-shim");
    const written = await runCli(kubeconfigArgs(k8s, CLUSTER, path), { env: e2eEnv(home.home) });
    expect(written.code, written.stderr).toBe(0);
    const result = await runKubectl(["get", "pods", "-n", "default"], {
      env: kubectlEnv(path, envCreds(ALICE), false),
      timeoutMs: 30_000,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/eks-token.*(not found|no such file)/i);
  });
});

describe.concurrent("eks-token kubeconfig migrate, then kubectl through the migrated file", () => {
  it("a user running `aws --region us-west-2 eks get-token --cluster-name demo --output json` with env AWS_PROFILE", async (ctx) => {
    const cannot = kubectlCannot("any");
    if (cannot) return ctx.skip(cannot);
    const path = writeKubeconfig(newPath("aws"), {
      server: k8s.url,
      caData: k8s.caData,
      user: {
        kind: "exec",
        apiVersion: EXEC_V1BETA1,
        command: "aws",
        args: ["--region", REGION, "eks", "get-token", "--cluster-name", CLUSTER, "--output", "json"],
        env: { AWS_PROFILE: "carol-profile" },
      },
    });
    const env = kubectlEnv(path);
    // Before: kubectl runs the stand-in aws, which fails.
    const before = await runKubectl(["get", "pods", "-n", "default"], { env, timeoutMs: 30_000 });
    expect(before.code).not.toBe(0);
    expect(before.stderr).toContain("stand-in aws was run");

    const migrated = await runCli(["kubeconfig", "migrate", "--kubeconfig", path], { env: e2eEnv(home.home) });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(`${migrated.stdout}${migrated.stderr}`).toContain(`Changed 1 user in ${path}`);
    expect(`${migrated.stdout}${migrated.stderr}`).not.toMatch(/^eks-token: (?!warning)/m);
    const exec = execBlock(path);
    expect(exec.command).toBe("eks-token");
    expect(exec.apiVersion).toBe(EXEC_V1BETA1);
    expect(exec.args).toEqual(["token", "--cluster-name", CLUSTER, "--region", REGION]);
    expect(exec.env).toEqual([{ name: "AWS_PROFILE", value: "carol-profile" }]);

    await expectKubectlWorks(env, "carol");
  });

  it("a user running `aws-iam-authenticator token -i demo`", async (ctx) => {
    const cannot = kubectlCannot("any");
    if (cannot) return ctx.skip(cannot);
    const path = writeKubeconfig(newPath("authenticator"), {
      server: k8s.url,
      caData: k8s.caData,
      user: {
        kind: "exec",
        apiVersion: EXEC_V1BETA1,
        command: "aws-iam-authenticator",
        args: ["token", "-i", CLUSTER],
      },
    });
    const env = kubectlEnv(path, envCreds(DAVE));
    const before = await runKubectl(["get", "pods", "-n", "default"], { env, timeoutMs: 30_000 });
    expect(before.code).not.toBe(0);
    expect(before.stderr).toContain("stand-in aws-iam-authenticator was run");

    const migrated = await runCli(["kubeconfig", "migrate", "--kubeconfig", path], { env: e2eEnv(home.home) });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(`${migrated.stdout}${migrated.stderr}`).toContain(`Changed 1 user in ${path}`);
    const exec = execBlock(path);
    expect(exec.command).toBe("eks-token");
    expect(exec.args).toEqual(["token", "--cluster-name", CLUSTER]);

    // No region anywhere: the token is signed for the global sts.amazonaws.com, as the
    // authenticator's was, and the server accepts it.
    await expectKubectlWorks(env, "dave");
  });
});

describe("eks-token kubeconfig and kubectl writing one file at the same time", () => {
  it("eight eks-token writers beside eight `kubectl config set-context`: eks-token never drops what kubectl wrote, writes each entry whole, and kubectl uses the result", async (ctx) => {
    const cannot = kubectlCannot("any");
    if (cannot) return ctx.skip(cannot);
    const path = newPath("shared");
    const first = await runCli(kubeconfigArgs(k8s, CLUSTER, path), { env: e2eEnv(home.home) });
    expect(first.code, first.stderr).toBe(0);
    const clusters = Array.from({ length: 8 }, (_, i) => `eks-${i}`);
    const contexts = Array.from({ length: 8 }, (_, i) => `kubectl-${i}`);
    const writers = clusters.map((name) =>
      runCli(kubeconfigArgs(k8s, name, path), { env: e2eEnv(home.home), timeoutMs: 60_000 }),
    );
    // kubectl gives up at once when the lock is taken ("<file>.lock: file exists"), so it is run
    // again, as a user or script would. One at a time: kubectl builds its change from a read made
    // before it locks, so two kubectl processes at once can drop each other's contexts.
    const kubectlRuns: string[] = [];
    const setContexts = (async () => {
      for (const name of contexts) {
        for (let attempt = 0; ; attempt++) {
          const r = await runKubectl(["config", "set-context", name, `--cluster=${CLUSTER}`, `--user=${CLUSTER}`], {
            env: kubectlEnv(path),
          });
          if (r.code === 0) break;
          expect(r.stderr).toMatch(/\.lock: file exists/);
          expect(attempt, "kubectl kept finding the lock taken").toBeLessThan(200);
          kubectlRuns.push("retried");
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    })();
    const results = await Promise.all(writers);
    await setContexts;
    results.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe(`Added new context ${clusters[i]} to ${path}\n`);
    });
    type Doc = Record<"clusters" | "users" | "contexts", { name: string }[]>;
    const names = (doc: Doc, kind: keyof Doc) => new Set(doc[kind].map((e) => e.name));
    const doc = parse(readFileSync(path, "utf8")) as Doc;
    // eks-token reads, changes and writes under the lock: every context kubectl wrote is there.
    for (const name of [CLUSTER, ...contexts]) expect(names(doc, "contexts").has(name), name).toBe(true);
    // kubectl (client-go ModifyConfig) deletes, under its lock, what it did not see in the read it
    // made before locking, so an eks-token entry written in that gap is removed by kubectl, as a
    // context another kubectl wrote would be. It goes whole: cluster, user and context were written
    // together by one rename, so kubectl saw all three or none.
    const dropped = clusters.filter((name) => !names(doc, "contexts").has(name));
    for (const name of clusters) {
      const kept = [names(doc, "clusters").has(name), names(doc, "users").has(name), names(doc, "contexts").has(name)];
      expect(kept, `${name}: cluster, user and context`).toEqual(kept[2] ? [true, true, true] : [false, false, false]);
    }
    expect(names(doc, "clusters").has(CLUSTER)).toBe(true);
    ctx.annotate(
      `kubectl found the lock taken ${kubectlRuns.length} times and dropped ${dropped.length} eks-token entries`,
    );
    // Run again, as after any kubectl race: each dropped entry comes back, and nothing else moves.
    for (const name of dropped) {
      const again = await runCli(kubeconfigArgs(k8s, name, path), { env: e2eEnv(home.home) });
      expect(again.code, again.stderr).toBe(0);
    }
    const after = parse(readFileSync(path, "utf8")) as Doc;
    expect([...names(after, "clusters")].sort()).toEqual([CLUSTER, ...clusters].sort());
    expect([...names(after, "users")].sort()).toEqual([CLUSTER, ...clusters].sort());
    expect([...names(after, "contexts")].sort()).toEqual([CLUSTER, ...clusters, ...contexts].sort());
    expect(statSync(`${path}`).isFile()).toBe(true);
    // A context kubectl wrote, over the cluster and user eks-token wrote, works end to end.
    const pods = await kubectl(["--context", "kubectl-3", "get", "pods", "-n", "default", "-o", "name"], {
      ...kubectlEnv(path, envCreds(ALICE)),
    });
    expect(pods.code, pods.stderr).toBe(0);
    expect(pods.stdout.trim().split("\n").sort()).toEqual(POD_NAMES.map((p) => `pod/${p}`).sort());
  }, 180_000);
});
