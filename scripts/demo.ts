/**
 * `npm run demo`: eks-token end to end with no AWS account. Starts the STS, EKS API and Kubernetes
 * API emulators on loopback, writes a kubeconfig whose exec block runs the built eks-token, and lets
 * kubectl (or @kubernetes/client-node when there is no kubectl) talk to the emulated cluster. Then
 * `eks-token doctor` diagnoses a second identity that has no access entry, the fix it prints is
 * applied through the EKS API, and the client gets in. Last, IAM Identity Center: `eks-token login`
 * signs in to an sso-session at the SSO-OIDC emulator (the test browser approves), a profile of that
 * session gets its role credentials from the SSO portal emulator and lists pods, and `eks-token
 * kubeconfig sync` finds the session's clusters across two accounts through the portal, EKS API and
 * Account API emulators, writing a context the client then uses. Exits non-zero if any step does
 * not do what it should.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  EKSClient,
  type AccessScopeType,
} from "@aws-sdk/client-eks";
import { shellJoin } from "../src/quote.js";
import { startAccountEmulator, type AccountEmulator } from "../test/support/account-emulator.js";
import { ClusterState } from "../test/support/cluster-state.js";
import { startEksControlPlane, type EksControlPlane } from "../test/support/eks-control-plane.js";
import { startEksEmulator, type EksEmulator } from "../test/support/eks-emulator.js";
import { ssoRoleArn } from "../test/support/fleet.js";
import type { K8sEmulator } from "../test/support/k8s-emulator.js";
import { startSsoEmulator, type SsoEmulator } from "../test/support/sso-emulator.js";
import { startSsoOidcEmulator, type SsoOidcEmulator } from "../test/support/sso-oidc-emulator.js";
import { startStsEmulator, type StsEmulator } from "../test/support/sts-emulator.js";
import { assumeRole } from "../test/support/sts-session.js";

// Bundled by scripts/build.mjs to dist/demo/demo.mjs, next to the CLI it drives.
const CLI = resolve(dirname(fileURLToPath(import.meta.url)), "..", "eks-token.cjs");
// The browser a person who approves would be: fetches the sign-in page and follows it back to eks-token.
const TEST_BROWSER = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "test",
  "support",
  "test-browser.mjs",
);
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
// A second identity, with no access entry until doctor's fix is applied.
const BOB = {
  name: "bob",
  accountId: ACCOUNT,
  accessKeyId: "AKIADEMOBOB000000001",
  secretAccessKey: "demo/secret/key/for/bob/000000000000000",
};

// IAM Identity Center: an sso-session, its permission set in the demo's account and in a second one.
const SSO_SESSION = "corp";
const SSO_START_URL = "https://demo-corp.awsapps.com/start";
const SSO_REGION = "us-east-1";
const SSO_ROLE = "Developer";
const SSO_PERSON = "alice@example.com";
const SANDBOX = { id: "444455556666", name: "Sandbox", cluster: "playground", region: "eu-west-1" };
// Who the portal's role sessions come from (a user of the STS emulator; the portal holds its keys).
const SSO_ISSUER = {
  name: "identity-center",
  accountId: "999999999999",
  accessKeyId: "AKIADEMOSSOISSUER001",
  secretAccessKey: "demo/secret/key/for/sso/issuer/00000000",
};
const AWS_CONFIG = `[sso-session ${SSO_SESSION}]
sso_start_url = ${SSO_START_URL}
sso_region = ${SSO_REGION}
sso_registration_scopes = sso:account:access

[profile sso-dev]
sso_session = ${SSO_SESSION}
sso_account_id = ${ACCOUNT}
sso_role_name = ${SSO_ROLE}
region = ${REGION}
`;

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
// `detached`: no controlling terminal, so sign-in steps come on stderr rather than on /dev/tty.
function run(command: string, args: string[], env: NodeJS.ProcessEnv, detached = false): Promise<RunResult> {
  const started = process.hrtime.bigint();
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { env, detached, stdio: ["ignore", "pipe", "pipe"] });
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
function kubeconfig(
  k8s: K8sEmulator,
  stsUrl: string,
  home: string,
  profile = "demo",
  roleArn: string | null = ROLE_ARN,
  extraEnv: Readonly<Record<string, string>> = {},
): string {
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
      args: [${CLI}, token, --cluster-name, ${CLUSTER}, --region, ${REGION}${roleArn ? `, --role-arn, ${roleArn}` : ""}]
      env:
      - name: AWS_PROFILE
        value: ${profile}
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
${Object.entries(extraEnv)
  .map(([name, value]) => `      - name: ${name}\n        value: ${value}\n`)
  .join("")}contexts:
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

async function listPodsWithClientNode(kubeconfigPath: string, namespace: string, context?: string): Promise<string[]> {
  const k8s = await import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  if (context) kc.setCurrentContext(context);
  const api = kc.makeApiClient(k8s.CoreV1Api);
  const list = await api.listNamespacedPod({ namespace });
  return list.items.map((p) => p.metadata?.name ?? "?");
}

async function main(): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), "eks-token-demo-"));
  let sts: StsEmulator | undefined;
  let plane: EksControlPlane | undefined;
  let oidc: SsoOidcEmulator | undefined;
  let portal: SsoEmulator | undefined;
  let fleetEks: EksEmulator | undefined;
  let accounts: AccountEmulator | undefined;
  try {
    sts = await startStsEmulator();
    sts.addUser(USER);
    const bob = sts.addUser(BOB);
    sts.addRole({ arn: ROLE_ARN, trust: [`arn:aws:iam::${ACCOUNT}:user/${USER.name}`] });
    plane = await startEksControlPlane({
      sts,
      cluster: {
        name: CLUSTER,
        accountId: ACCOUNT,
        region: REGION,
        authenticationMode: "API",
        accessEntries: [
          { principalArn: ROLE_ARN, username: "developer:{{SessionName}}", kubernetesGroups: ["developers"] },
        ],
        rbac: [{ group: "developers", namespace: "default", verbs: ["get", "list"], resources: ["pods"] }],
      },
      pods: { default: ["web-7d9f8b6c5-x2x8k", "api-5c6b7d8f9-q4r7t"], "kube-system": ["coredns-0"] },
    });
    const { k8s } = plane;
    say(
      `eks-token demo: STS emulator at ${sts.url}, EKS API emulator at ${plane.eks.url}, Kubernetes API emulator at ${k8s.url} (cluster ${CLUSTER})`,
    );

    mkdirSync(join(home, ".aws"), { mode: 0o700 });
    writeFileSync(
      join(home, ".aws", "credentials"),
      `[demo]\naws_access_key_id = ${USER.accessKeyId}\naws_secret_access_key = ${USER.secretAccessKey}\n` +
        `[bob]\naws_access_key_id = ${BOB.accessKeyId}\naws_secret_access_key = ${BOB.secretAccessKey}\n`,
      { mode: 0o600 },
    );
    const kubeconfigPath = join(home, "kubeconfig");
    writeFileSync(kubeconfigPath, kubeconfig(k8s, sts.url, home), { mode: 0o600 });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env["PATH"],
      HOME: home,
      KUBECONFIG: kubeconfigPath,
      // The same files the kubeconfig entry names, as in a shell set up for this cluster.
      AWS_CONFIG_FILE: join(home, ".aws", "config"),
      AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_PROFILE: "demo",
      AWS_ENDPOINT_URL_STS: sts.url,
      // doctor's EKS calls, as the AWS SDK resolves them
      ...plane.env,
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

    // 4. doctor on the working identity, then on bob, who has no access entry.
    const canI = ["--can-i", "list", "pods", "-n", "default"];
    const healthy = await run(process.execPath, [CLI, "doctor", ...canI], env);
    record(
      "eks-token doctor on the working identity: the cluster authenticates it and RBAC allows list pods",
      healthy.status === 0 && /\n {2}pass {2}authenticate/.test(healthy.stdout) && healthy.stderr === "",
      healthy.stdout.trim().split("\n").at(-1) ?? healthy.stderr.trim(),
    );
    say(indent(healthy.stdout));

    const bobKubeconfig = join(home, "kubeconfig-bob");
    writeFileSync(bobKubeconfig, kubeconfig(k8s, sts.url, home, "bob", null), { mode: 0o600 });
    const bobEnv: NodeJS.ProcessEnv = { ...env, KUBECONFIG: bobKubeconfig, AWS_PROFILE: "bob" };
    const diagnosis = await run(process.execPath, [CLI, "doctor", ...canI], bobEnv);
    const fix = /\n {2}fail {2}access-entry .*\n\s+fix: (.*)\n/.exec(diagnosis.stdout)?.[1] ?? "";
    record(
      `eks-token doctor on ${bob.arn}: access-entry fails, with the fix`,
      diagnosis.status === 1 && fix.includes(`--principal-arn ${bob.arn}`),
      diagnosis.stdout.trim().split("\n").at(-1) ?? diagnosis.stderr.trim(),
    );
    say(indent(diagnosis.stdout));

    // 5. The fix, as printed, through the EKS API (an admin's credentials: alice's).
    const applied = await applyFix(fix, plane.eks.url);
    record("the fix applied through the EKS API: CreateAccessEntry, AssociateAccessPolicy", applied.ok, applied.detail);

    // 6. bob gets in.
    if (hasKubectl()) {
      const bobPods = await run("kubectl", ["get", "pods", "-n", "default"], bobEnv);
      record(
        "kubectl get pods -n default as bob is allowed now",
        bobPods.status === 0 && bobPods.stdout.includes("web-"),
        bobPods.status === 0 ? `${bobPods.stdout.trim().split("\n").length - 1} pods` : bobPods.stderr.trim(),
      );
    } else {
      try {
        const names = await listPodsWithClientNode(bobKubeconfig, "default");
        record("@kubernetes/client-node lists pods as bob now", names.length === 2, names.join(", "));
      } catch (e) {
        record("@kubernetes/client-node lists pods as bob now", false, (e as Error).message);
      }
    }

    // 7. IAM Identity Center: the sso-session's permission set in the demo's account and in a second
    // one. The portal hands out role sessions made at the STS emulator, for tokens the OIDC
    // emulator issued; the EKS API and Account API emulators serve both accounts (the fleet).
    const issuer = sts.addUser(SSO_ISSUER);
    const ssoRole = ssoRoleArn(ACCOUNT, SSO_ROLE);
    const sandboxRole = ssoRoleArn(SANDBOX.id, SSO_ROLE);
    for (const arn of [ssoRole, sandboxRole]) sts.addRole({ arn, trust: [issuer.arn] });
    plane.state.putAccessEntry({
      principalArn: ssoRole,
      username: "sso:{{SessionName}}",
      kubernetesGroups: ["developers"],
    });
    const stsUrl = sts.url;
    oidc = await startSsoOidcEmulator();
    const signedIn = oidc;
    portal = await startSsoEmulator({
      acceptToken: (t) => signedIn.acceptsAccessToken(t),
      accounts: [
        { accountId: ACCOUNT, accountName: "Demo" },
        { accountId: SANDBOX.id, accountName: SANDBOX.name },
      ],
      assignments: [ssoRole, sandboxRole].map((arn) => ({
        accountId: arn.split(":")[4] ?? "",
        roleName: SSO_ROLE,
        credentials: () => assumeRole(stsUrl, SSO_ISSUER, arn, SSO_PERSON),
      })),
    });
    const playground = new ClusterState({
      name: SANDBOX.cluster,
      accountId: SANDBOX.id,
      region: SANDBOX.region,
      endpoint: `https://${SANDBOX.cluster}.${SANDBOX.region}.eks.invalid`,
      // PEM-shaped, as sync checks what DescribeCluster answers; nothing connects to this one.
      certificateAuthorityData: Buffer.from(
        `-----BEGIN CERTIFICATE-----\nemulated CA of ${SANDBOX.cluster}\n-----END CERTIFICATE-----\n`,
      ).toString("base64"),
    });
    fleetEks = await startEksEmulator({ sts, clusters: [plane.state, playground] });
    accounts = await startAccountEmulator({ sts });
    writeFileSync(join(home, ".aws", "config"), AWS_CONFIG, { mode: 0o600 });
    const ssoEnv: NodeJS.ProcessEnv = {
      ...env,
      AWS_ENDPOINT_URL_SSO_OIDC: oidc.url,
      AWS_ENDPOINT_URL_SSO: portal.url,
      BROWSER: `${process.execPath} ${TEST_BROWSER}`,
    };
    say(
      `IAM Identity Center: SSO-OIDC emulator at ${oidc.url}, SSO portal emulator at ${portal.url}, ` +
        `EKS API (accounts ${ACCOUNT} and ${SANDBOX.id}) at ${fleetEks.url}, Account API at ${accounts.url}`,
    );

    const login = await run(process.execPath, [CLI, "login", "--profile", "sso-dev"], ssoEnv, true);
    const signedInLine = login.stdout.trim();
    record(
      `eks-token login --profile sso-dev (the browser signs in to session ${SSO_SESSION})`,
      login.status === 0 &&
        /^signed in to AWS IAM Identity Center: session "corp" valid until \S+, then refreshed while the session lasts$/.test(
          signedInLine,
        ),
      login.status === 0 ? signedInLine : login.stderr.trim(),
    );

    // 8. A token for the SSO profile: role credentials from the portal, then the cluster.
    const ssoKubeconfig = join(home, "kubeconfig-sso");
    writeFileSync(
      ssoKubeconfig,
      kubeconfig(k8s, sts.url, home, "sso-dev", null, { HOME: home, AWS_ENDPOINT_URL_SSO: portal.url }),
      { mode: 0o600 },
    );
    const ssoPodsEnv: NodeJS.ProcessEnv = { ...ssoEnv, KUBECONFIG: ssoKubeconfig, AWS_PROFILE: "sso-dev" };
    const roleCalls = () => portal?.calls.GetRoleCredentials ?? 0;
    if (hasKubectl()) {
      const ssoPods = await run("kubectl", ["get", "pods", "-n", "default"], ssoPodsEnv);
      record(
        `kubectl get pods -n default as the ${SSO_ROLE} permission set (profile sso-dev) is allowed`,
        ssoPods.status === 0 && ssoPods.stdout.includes("web-"),
        ssoPods.status === 0
          ? `${ssoPods.stdout.trim().split("\n").length - 1} pods; portal GetRoleCredentials calls: ${roleCalls()}`
          : ssoPods.stderr.trim(),
      );
    } else {
      try {
        const names = await listPodsWithClientNode(ssoKubeconfig, "default");
        record(
          `@kubernetes/client-node lists pods as the ${SSO_ROLE} permission set (profile sso-dev)`,
          names.length === 2,
          `${names.join(", ")}; portal GetRoleCredentials calls: ${roleCalls()}`,
        );
      } catch (e) {
        record(`@kubernetes/client-node lists pods as the ${SSO_ROLE} permission set`, false, (e as Error).message);
      }
    }

    // 9. kubeconfig sync: every cluster the session reaches, one context each, in a file of its own
    // that KUBECONFIG names after the person's own; its exec blocks run `eks-token` from PATH.
    const bin = join(home, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "eks-token"), `#!/bin/sh\nexec ${shellJoin([process.execPath, CLI])} "$@"\n`);
    chmodSync(join(bin, "eks-token"), 0o755);
    const fleetFile = join(home, ".kube", "eks-token", "fleet.yaml");
    const fleetEnv: NodeJS.ProcessEnv = {
      ...ssoEnv,
      PATH: `${bin}${delimiter}${env["PATH"] ?? ""}`,
      KUBECONFIG: `${kubeconfigPath}${delimiter}${fleetFile}`,
      AWS_ENDPOINT_URL_EKS: fleetEks.url,
      AWS_ENDPOINT_URL_ACCOUNT: accounts.url,
    };
    const sync = await run(process.execPath, [CLI, "kubeconfig", "sync", "--sso-session", SSO_SESSION], fleetEnv);
    const demoContext = `Demo/${REGION}/${CLUSTER}`;
    record(
      `eks-token kubeconfig sync --sso-session ${SSO_SESSION} wrote a context per cluster of both accounts`,
      sync.status === 0 && sync.stderr === "" && sync.stdout.includes(`+ ${demoContext}`),
      sync.status === 0 ? (sync.stdout.trim().split("\n").at(-1) ?? "") : sync.stderr.trim(),
    );
    say(indent(sync.stdout));

    // 10. The synced context, as a person would use it.
    if (hasKubectl()) {
      const synced = await run("kubectl", ["--context", demoContext, "get", "pods", "-n", "default"], fleetEnv);
      record(
        `kubectl --context ${demoContext} get pods -n default is allowed`,
        synced.status === 0 && synced.stdout.includes("web-"),
        synced.status === 0 ? `${synced.stdout.trim().split("\n").length - 1} pods` : synced.stderr.trim(),
      );
    } else {
      // client-node runs the exec block with this process's environment.
      const saved = { ...process.env };
      Object.assign(process.env, fleetEnv);
      try {
        const names = await listPodsWithClientNode(fleetFile, "default", demoContext);
        record(
          `@kubernetes/client-node lists pods through context ${demoContext}`,
          names.length === 2,
          names.join(", "),
        );
      } catch (e) {
        record(`@kubernetes/client-node lists pods through context ${demoContext}`, false, (e as Error).message);
      } finally {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
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
      `server decisions:\n${[...new Set(plane.k8s.log.map((l) => l.replace(/^(allow|forbid)\S* \S+ \S+: /, "$1: ")))].map((l) => `  ${l}`).join("\n")}`,
    );
    return failed.length === 0 ? 0 : 1;
  } finally {
    await Promise.all([oidc?.close(), portal?.close(), fleetEks?.close(), accounts?.close()]);
    await plane?.close();
    await sts?.close();
    rmSync(home, { recursive: true, force: true });
  }
}

function indent(text: string): string {
  return text.trimEnd().replace(/^/gm, "        ");
}

/** Runs the two `aws eks` commands of doctor's fix line with the AWS SDK's EKS client. */
async function applyFix(fix: string, eksUrl: string): Promise<{ ok: boolean; detail: string }> {
  // The SDK warns on stderr about Node versions; the demo's stderr stays for failures.
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  const value = (command: string, flag: string) => new RegExp(`aws eks ${command} [^&]*?${flag} (\\S+)`).exec(fix)?.[1];
  const principalArn = value("create-access-entry", "--principal-arn");
  const policyArn = value("associate-access-policy", "--policy-arn");
  const scope = value("associate-access-policy", "--access-scope") ?? "";
  if (!principalArn || !policyArn) return { ok: false, detail: `no fix to apply in ${JSON.stringify(fix)}` };
  const type = /type=(\w+)/.exec(scope)?.[1] as AccessScopeType | undefined;
  const namespaces = /namespaces=([^\s]+)/.exec(scope)?.[1]?.split(",");
  const client = new EKSClient({
    region: REGION,
    endpoint: eksUrl,
    credentials: { accessKeyId: USER.accessKeyId, secretAccessKey: USER.secretAccessKey },
  });
  try {
    await client.send(new CreateAccessEntryCommand({ clusterName: CLUSTER, principalArn }));
    await client.send(
      new AssociateAccessPolicyCommand({
        clusterName: CLUSTER,
        principalArn,
        policyArn,
        accessScope: { type: type ?? "cluster", ...(namespaces ? { namespaces } : {}) },
      }),
    );
    return { ok: true, detail: `${principalArn}: ${policyArn.replace(/^.*\//, "")} (${scope})` };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  } finally {
    client.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`eks-token demo: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
