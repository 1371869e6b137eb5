// @kubernetes/client-node (v1.x) lists pods through its exec auth: it runs the built plugin from
// the kubeconfig's exec block with a stdin pipe it never closes and without KUBERNETES_EXEC_INFO.
// The plugin must answer without waiting for stdin. The client runs in a hermetic child process
// (its exec auth hands the plugin its own process.env).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, type TempHome } from "../support/cli.js";
import { credentialsFile, startCluster, type Cluster } from "../support/cluster.js";
import type { K8sEmulator } from "../support/k8s-emulator.js";
import { EXEC_V1, EXEC_V1BETA1, execUser, writeKubeconfig, type ExecUser } from "../support/kubeconfig-fixture.js";
import { ACCOUNT, FIXTURES, REGION, e2eEnv, networkGuardEnv } from "./helpers.js";

const CLUSTER = "e2e-client-node";
const BOB = {
  name: "bob",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2ECLIENTNODEBOB",
  secretAccessKey: "e2e/client-node/bob/secret/000000000000000",
};
const POD_NAMES = ["web-0", "web-1", "worker-abc12"];

let cluster: Cluster;
let k8s: K8sEmulator;
let home: TempHome;
let dir: string;

beforeAll(async () => {
  cluster = await startCluster({
    name: "client-node",
    setup: (sts) => ({
      clusterId: CLUSTER,
      accessEntries: [{ principalArn: sts.addUser(BOB).arn, username: "bob", groups: ["viewers"] }],
      rbac: [{ group: "viewers", namespace: "apps", verbs: ["list"], resources: ["pods"] }],
      pods: { apps: POD_NAMES, "kube-system": ["coredns-0"] },
    }),
  });
  ({ k8s, home, dir } = cluster);
  home.writeCredentials(credentialsFile({ bob: BOB }));
}, 240_000);

afterAll(() => cluster?.close());

interface Listing {
  namespace: string;
  ok: boolean;
  pods?: string[];
  code?: number | null;
  message?: string;
  ms: number;
}

function listPods(
  kubeconfig: string,
  namespaces: string[],
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(FIXTURES, "client-node-list.mjs"), kubeconfig, ...namespaces], {
      cwd: ROOT,
      // The guard is not preloaded here: the client itself talks to the emulator on loopback
      // anyway, and the plugin gets it through the exec block's environment below.
      env: e2eEnv(home.home, { NODE_OPTIONS: undefined, BUN_OPTIONS: undefined }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    // A plugin that waited for its (never closed) stdin would hang the client forever.
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

let n = 0;
async function run(user: ExecUser): Promise<Listing[]> {
  const path = writeKubeconfig(join(dir, `kubeconfig-${++n}`), { server: k8s.url, caData: k8s.caData, user });
  const result = await listPods(path, ["apps", "kube-system"]);
  expect(result.signal, `the client (and the plugin under it) hung: ${result.stderr}`).toBeNull();
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toBe("");
  return JSON.parse(result.stdout) as Listing[];
}

const PLUGIN_ENV = { AWS_PROFILE: "bob", ...networkGuardEnv() };

describe.concurrent("@kubernetes/client-node lists pods through the exec block", () => {
  for (const [name, user] of [
    [
      "exec v1beta1",
      () => execUser(["--cluster-name", CLUSTER, "--region", REGION], { apiVersion: EXEC_V1BETA1, env: PLUGIN_ENV }),
    ],
    [
      "exec v1 (interactiveMode Never)",
      () =>
        execUser(["token", "-i", CLUSTER, "--region", REGION], {
          apiVersion: EXEC_V1,
          interactiveMode: "Never",
          env: PLUGIN_ENV,
        }),
    ],
  ] as const) {
    it(`${name}: pods in the allowed namespace, 403 in the other; the plugin does not wait for stdin`, async () => {
      const [apps, system] = await run(user());
      expect(apps, apps?.message).toMatchObject({ namespace: "apps", ok: true });
      expect(apps!.pods!.sort()).toEqual([...POD_NAMES].sort());
      // The first request includes running the plugin: well under the 20 s the test allows.
      expect(apps!.ms).toBeLessThan(10_000);
      expect(system).toMatchObject({ namespace: "kube-system", ok: false, code: 403 });
      expect(system!.message).toContain('User \\"bob\\" cannot list resource \\"pods\\"');
    });
  }
});
