// Clients other than kubectl, through kubeconfigs that `eks-token kubeconfig` (or `migrate`) wrote:
//
// - Ruby's kubeclient runs the plugin without KUBERNETES_EXEC_INFO and refuses an answer whose
//   apiVersion differs from the exec block's, so a v1 block works only because the written args
//   say `--api-version v1` (the control case shows the refusal without them).
// - The Python kubernetes client sends KUBERNETES_EXEC_INFO with the block's apiVersion and
//   checks the answer against it too.
//
// Each lists pods in a namespace it may read and is refused in another. The written exec command
// is the bare `eks-token`, found on PATH (a bin dir with a shim that runs the built CLI). A client
// that is not installed skips its tests with the reason; CI (.ci/run) installs both.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CLI_PATH, ROOT, runCli, type TempHome } from "../support/cli.js";
import { runChild } from "../support/child.js";
import { startCluster, type Cluster } from "../support/cluster.js";
import type { K8sEmulator } from "../support/k8s-emulator.js";
import { EXEC_V1, EXEC_V1BETA1, writeKubeconfig } from "../support/kubeconfig-fixture.js";
import { ACCOUNT, FIXTURES, REGION, e2eEnv, kubeconfigArgs } from "./helpers.js";

const CLUSTER = "e2e-exec-info";
const ERIN = {
  name: "erin",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2EEXECINFOERIN1",
  secretAccessKey: "e2e/exec-info/erin/secret/0000000000000",
};
const POD_NAMES = ["web-0", "web-1"];
/** The Debian python3 that python3-kubernetes installs into; a pyenv python3 on PATH lacks it. */
const SYSTEM_PYTHON = "/usr/bin/python3";

/** undefined when the client can run, else why not. */
function missing(command: string, args: string[], what: string): string | undefined {
  const probe = spawnSync(command, args, { encoding: "utf8", timeout: 30_000 });
  if (probe.error) return `${what}: ${command} cannot run (${probe.error.message})`;
  if (probe.status !== 0) return `${what}: ${probe.stderr.trim().split("\n").pop() ?? `exit ${probe.status}`}`;
  return undefined;
}
const NO_KUBECLIENT = missing("ruby", ["-e", "require 'kubeclient'"], "no Ruby kubeclient (Debian ruby-kubeclient)");
const NO_PYTHON_CLIENT = missing(
  SYSTEM_PYTHON,
  ["-c", "import kubernetes.config"],
  "no Python kubernetes client (Debian python3-kubernetes)",
);

let cluster: Cluster;
let k8s: K8sEmulator;
let home: TempHome;
let work: string;
let binDir: string;

beforeAll(async () => {
  cluster = await startCluster({
    name: "exec-info",
    setup: (sts) => ({
      clusterId: CLUSTER,
      accessEntries: [{ principalArn: sts.addUser(ERIN).arn, username: "erin", groups: ["viewers"] }],
      rbac: [{ group: "viewers", namespace: "apps", verbs: ["list"], resources: ["pods"] }],
      pods: { apps: POD_NAMES, "kube-system": ["coredns-0"] },
    }),
  });
  ({ k8s, home, dir: work } = cluster);
  binDir = join(work, "bin");
  mkdirSync(binDir);
  writeFileSync(join(binDir, "eks-token"), `#!/bin/sh\nexec '${process.execPath}' '${CLI_PATH}' "$@"\n`);
  chmodSync(join(binDir, "eks-token"), 0o755);
}, 240_000);

afterAll(() => cluster?.close());

let files = 0;
const newPath = (what: string) => join(work, `kubeconfig-${++files}-${what}`);

/** The clients' environment, which they hand to the plugin: eks-token on PATH, Erin's keys. */
function clientEnv(): Record<string, string> {
  return e2eEnv(home.home, {
    PATH: `${binDir}${delimiter}${process.env["PATH"] ?? "/usr/bin:/bin"}`,
    AWS_ACCESS_KEY_ID: ERIN.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ERIN.secretAccessKey,
  });
}

/** `eks-token kubeconfig` for the emulated cluster into a new file. */
async function written(apiVersion: "v1" | "v1beta1"): Promise<string> {
  const path = newPath(`written-${apiVersion}`);
  const result = await runCli(kubeconfigArgs(k8s, CLUSTER, path, "--api-version", apiVersion), {
    env: e2eEnv(home.home),
  });
  expect(result.code, result.stderr).toBe(0);
  return path;
}

/** The one user's exec block in a kubeconfig. */
function execOf(path: string): { apiVersion: string; args: string[]; command: string } {
  const doc = parse(readFileSync(path, "utf8")) as { users: Array<{ user: { exec: never } }> };
  return doc.users[0]!.user.exec;
}

interface Listing {
  namespace: string;
  ok: boolean;
  pods?: string[];
  code?: number;
  message?: string;
}

/** Runs a client fixture; its one JSON line. */
async function list(command: string, fixture: string, kubeconfig: string) {
  const result = await runChild(command, [join(FIXTURES, fixture), kubeconfig, "apps", "kube-system"], {
    cwd: ROOT,
    env: clientEnv(),
    stdin: "ignore",
    timeoutMs: 60_000,
  });
  expect(result.signal, `the client (and the plugin under it) hung: ${result.stderr}`).toBeNull();
  return result;
}

function expectListed(stdout: string): void {
  const [apps, system] = JSON.parse(stdout) as Listing[];
  expect(apps, apps?.message).toMatchObject({ namespace: "apps", ok: true });
  expect(apps!.pods!.sort()).toEqual([...POD_NAMES].sort());
  expect(system).toMatchObject({ namespace: "kube-system", ok: false, code: 403 });
  expect(system!.message).toMatch(/User \\?"erin\\?" cannot list resource \\?"pods\\?"/);
}

describe.concurrent("Ruby kubeclient (sends no exec info) through a written kubeconfig", () => {
  it.skipIf(NO_KUBECLIENT)(
    `v1 entry from \`eks-token kubeconfig\`: pods listed${skipNote(NO_KUBECLIENT)}`,
    async () => {
      const path = await written("v1");
      expect(execOf(path)).toMatchObject({ apiVersion: EXEC_V1, command: "eks-token" });
      expect(execOf(path).args.slice(-2)).toEqual(["--api-version", "v1"]);
      const result = await list("ruby", "kubeclient-list.rb", path);
      expect(result.code, result.stderr).toBe(0);
      expectListed(result.stdout);
    },
  );

  it.skipIf(NO_KUBECLIENT)(`v1beta1 entry (the default): pods listed${skipNote(NO_KUBECLIENT)}`, async () => {
    const path = await written("v1beta1");
    expect(execOf(path).args).not.toContain("--api-version");
    const result = await list("ruby", "kubeclient-list.rb", path);
    expect(result.code, result.stderr).toBe(0);
    expectListed(result.stdout);
  });

  it.skipIf(NO_KUBECLIENT)(
    `v1 \`aws eks get-token\` user after \`migrate\`: pods listed${skipNote(NO_KUBECLIENT)}`,
    async () => {
      const path = writeKubeconfig(newPath("aws-v1"), {
        server: k8s.url,
        caData: k8s.caData,
        user: {
          kind: "exec",
          apiVersion: EXEC_V1,
          interactiveMode: "Never",
          command: "aws",
          args: ["--region", REGION, "eks", "get-token", "--cluster-name", CLUSTER, "--output", "json"],
        },
      });
      const migrated = await runCli(["kubeconfig", "migrate", "--kubeconfig", path], { env: e2eEnv(home.home) });
      expect(migrated.code, migrated.stderr).toBe(0);
      expect(execOf(path).args).toEqual([
        "token",
        "--cluster-name",
        CLUSTER,
        "--region",
        REGION,
        "--api-version",
        "v1",
      ]);
      const result = await list("ruby", "kubeclient-list.rb", path);
      expect(result.code, result.stderr).toBe(0);
      expectListed(result.stdout);
    },
  );

  it.skipIf(NO_KUBECLIENT)(
    `control: a v1 block without --api-version gets v1beta1 back, which kubeclient refuses${skipNote(NO_KUBECLIENT)}`,
    async () => {
      const path = writeKubeconfig(newPath("v1-unpinned"), {
        server: k8s.url,
        caData: k8s.caData,
        user: {
          kind: "exec",
          apiVersion: EXEC_V1,
          interactiveMode: "Never",
          command: "eks-token",
          args: ["token", "--cluster-name", CLUSTER, "--region", REGION],
        },
      });
      const result = await list("ruby", "kubeclient-list.rb", path);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(
        `configured to use API version ${EXEC_V1}, plugin returned version ${EXEC_V1BETA1}`,
      );
    },
  );
});

describe.concurrent("the Python kubernetes client (sends exec info) through a written kubeconfig", () => {
  for (const apiVersion of ["v1", "v1beta1"] as const) {
    it.skipIf(NO_PYTHON_CLIENT)(`${apiVersion} entry: pods listed${skipNote(NO_PYTHON_CLIENT)}`, async () => {
      const path = await written(apiVersion);
      const result = await list(SYSTEM_PYTHON, "python-kubernetes-list.py", path);
      expect(result.code, result.stderr).toBe(0);
      expectListed(result.stdout);
    });
  }
});

function skipNote(reason: string | undefined): string {
  return reason ? ` (skipped: ${reason})` : "";
}
