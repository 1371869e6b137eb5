/**
 * `npm run demo`: eks-token end to end with no AWS account. Starts the STS and Kubernetes API
 * emulators on loopback, writes a kubeconfig whose exec block runs the built eks-token, and lets
 * kubectl (or @kubernetes/client-node when there is no kubectl) talk to the emulated cluster.
 * Exits non-zero if any step does not do what it should.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startK8sEmulator, type K8sEmulator } from "../test/support/k8s-emulator.js";
import { startStsEmulator, type StsEmulator } from "../test/support/sts-emulator.js";

// Bundled by scripts/build.mjs to dist/demo/demo.mjs, next to the CLI it drives.
const CLI = resolve(dirname(fileURLToPath(import.meta.url)), "..", "eks-token.cjs");
const CLUSTER = "demo-cluster";
const REGION = "us-west-2";
const ACCOUNT = "111122223333";
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/eks-demo-developers`;
const USER = {
  name: "alice",
  accountId: ACCOUNT,
  accessKeyId: "AKIADEMOALICE0000001",
  secretAccessKey: "demo/secret/key/for/alice/0000000000000",
};

interface Step {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const steps: Step[] = [];
const say = (text: string): void => void process.stdout.write(`${text}\n`);

function record(name: string, ok: boolean, detail: string): void {
  steps.push({ name, ok, detail });
  say(`${ok ? "  ok  " : "  FAIL"}  ${name}${detail ? `: ${detail}` : ""}`);
}

interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

// Asynchronous on purpose: the emulators answer from this very process.
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  const started = process.hrtime.bigint();
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolvePromise({ status, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

function hasKubectl(): boolean {
  return spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;
}

// The exec block names every file the plugin reads, so it finds the demo's credentials and cache
// whatever environment the client starts it with (client-node passes on its own process's).
function kubeconfig(k8s: K8sEmulator, stsUrl: string, home: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: ${CLUSTER}
  cluster:
    server: ${k8s.url}
    certificate-authority-data: ${k8s.caData}
users:
- name: ${CLUSTER}-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      interactiveMode: Never
      command: ${process.execPath}
      args: [${CLI}, token, --cluster-name, ${CLUSTER}, --region, ${REGION}, --role-arn, ${ROLE_ARN}]
      env:
      - name: AWS_PROFILE
        value: demo
      - name: AWS_ENDPOINT_URL_STS
        value: ${stsUrl}
      - name: AWS_SHARED_CREDENTIALS_FILE
        value: ${join(home, ".aws", "credentials")}
      - name: AWS_CONFIG_FILE
        value: ${join(home, ".aws", "config")}
      - name: EKS_TOKEN_CACHE_DIR
        value: ${join(home, ".kube", "cache", "eks-token")}
      - name: AWS_EC2_METADATA_DISABLED
        value: "true"
contexts:
- name: ${CLUSTER}
  context:
    cluster: ${CLUSTER}
    user: ${CLUSTER}-user
current-context: ${CLUSTER}
`;
}

function decodeHost(token: string): string {
  const url = Buffer.from(token.slice("k8s-aws-v1.".length), "base64url").toString("utf8");
  return new URL(url).host;
}

async function listPodsWithClientNode(kubeconfigPath: string, namespace: string): Promise<string[]> {
  const k8s = await import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const api = kc.makeApiClient(k8s.CoreV1Api);
  const list = await api.listNamespacedPod({ namespace });
  return list.items.map((p) => p.metadata?.name ?? "?");
}

async function main(): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), "eks-token-demo-"));
  let sts: StsEmulator | undefined;
  let k8s: K8sEmulator | undefined;
  try {
    sts = await startStsEmulator();
    sts.addUser(USER);
    sts.addRole({ arn: ROLE_ARN, trust: [`arn:aws:iam::${ACCOUNT}:user/${USER.name}`] });
    k8s = await startK8sEmulator({
      clusterId: CLUSTER,
      stsUrl: sts.url,
      accessEntries: [{ principalArn: ROLE_ARN, username: "developer:{{SessionName}}", groups: ["developers"] }],
      rbac: [{ group: "developers", namespace: "default", verbs: ["get", "list"], resources: ["pods"] }],
      pods: { default: ["web-7d9f8b6c5-x2x8k", "api-5c6b7d8f9-q4r7t"], "kube-system": ["coredns-0"] },
    });
    say(`eks-token demo: STS emulator at ${sts.url}, Kubernetes API emulator at ${k8s.url} (cluster ${CLUSTER})`);

    mkdirSync(join(home, ".aws"), { mode: 0o700 });
    writeFileSync(
      join(home, ".aws", "credentials"),
      `[demo]\naws_access_key_id = ${USER.accessKeyId}\naws_secret_access_key = ${USER.secretAccessKey}\n`,
      { mode: 0o600 },
    );
    const kubeconfigPath = join(home, "kubeconfig");
    writeFileSync(kubeconfigPath, kubeconfig(k8s, sts.url, home), { mode: 0o600 });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env["PATH"],
      HOME: home,
      KUBECONFIG: kubeconfigPath,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_PROFILE: "demo",
      AWS_ENDPOINT_URL_STS: sts.url,
    };
    const tokenArgs = [CLI, "token", "--cluster-name", CLUSTER, "--region", REGION, "--role-arn", ROLE_ARN];

    // 1. A token, made by assuming the role at the STS emulator.
    const first = await run(process.execPath, tokenArgs, env);
    let token = "";
    try {
      token = (JSON.parse(first.stdout) as { status: { token: string } }).status.token;
    } catch {
      // reported below
    }
    record(
      "eks-token minted a token (cache miss: AssumeRole, then presign)",
      first.status === 0 && token.startsWith("k8s-aws-v1.") && first.stderr === "",
      first.status === 0
        ? `signed for ${decodeHost(token)} in ${first.ms.toFixed(0)} ms; AssumeRole calls: ${sts.calls["AssumeRole"] ?? 0}`
        : first.stderr.trim(),
    );

    // 2. The same call again is answered from the cache.
    const second = await run(process.execPath, tokenArgs, env);
    const sameToken = second.stdout.includes(token) && token !== "";
    record(
      "the second call is a cache hit",
      second.status === 0 && sameToken,
      `${second.ms.toFixed(0)} ms (first call ${first.ms.toFixed(0)} ms); AssumeRole calls still ${sts.calls["AssumeRole"] ?? 0}`,
    );

    // 3. Real clients through the kubeconfig's exec block.
    if (hasKubectl()) {
      const whoami = await run("kubectl", ["auth", "whoami", "-o", "json"], env);
      let username = "";
      try {
        username = (JSON.parse(whoami.stdout) as { status: { userInfo: { username: string } } }).status.userInfo
          .username;
      } catch {
        // reported below
      }
      record(
        "kubectl auth whoami: the server verified the token and mapped the role",
        whoami.status === 0 && username.startsWith("developer:"),
        whoami.status === 0 ? `username ${username}` : whoami.stderr.trim(),
      );

      const pods = await run("kubectl", ["get", "pods", "-n", "default"], env);
      record(
        "kubectl get pods -n default is allowed",
        pods.status === 0 && pods.stdout.includes("web-"),
        pods.status === 0 ? `${pods.stdout.trim().split("\n").length - 1} pods` : pods.stderr.trim(),
      );
      if (pods.status === 0) say(pods.stdout.replace(/^/gm, "        ").trimEnd());

      const denied = await run("kubectl", ["get", "pods", "-n", "kube-system"], env);
      record(
        "kubectl get pods -n kube-system is forbidden by RBAC",
        denied.status !== 0 && /forbidden/i.test(denied.stderr),
        denied.stderr.trim().split("\n")[0] ?? "",
      );
    } else {
      say("  (no kubectl on PATH: using @kubernetes/client-node)");
      try {
        const names = await listPodsWithClientNode(kubeconfigPath, "default");
        record("@kubernetes/client-node listed pods through the exec block", names.length === 2, names.join(", "));
      } catch (e) {
        record("@kubernetes/client-node listed pods through the exec block", false, (e as Error).message);
      }
    }

    const failed = steps.filter((s) => !s.ok);
    say(
      failed.length === 0
        ? `eks-token demo: all ${steps.length} steps passed`
        : `eks-token demo: ${failed.length} of ${steps.length} steps failed`,
    );
    // The server's decisions, each once: what EKS would have logged.
    say(
      `server decisions:\n${[...new Set(k8s.log.map((l) => l.replace(/^(allow|forbid)\S* \S+ \S+: /, "$1: ")))].map((l) => `  ${l}`).join("\n")}`,
    );
    return failed.length === 0 ? 0 : 1;
  } finally {
    await k8s?.close();
    await sts?.close();
    rmSync(home, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`eks-token demo: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
