// `npm run demo` (dist/demo/demo.mjs) must pass where a user runs it: with kubectl on PATH (token
// by AssumeRole, a cache hit, then kubectl auth whoami / get pods allowed / get pods forbidden,
// doctor, then IAM Identity Center: login, an SSO profile's token, kubeconfig sync and a synced
// context), and on a machine without kubectl, where it lists the pods with @kubernetes/client-node. The
// second run gets a PATH of one temp dir holding only `node` and `openssl` (the K8s emulator makes
// its TLS certificates with the openssl CLI, found on PATH).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, ensureBuilt, makeTempHome, type TempHome } from "../support/cli.js";
import { kubectlCannot } from "../support/kubeconfig-fixture.js";
import { e2eEnv, type ProcessOutput } from "./helpers.js";

const DEMO = join(ROOT, "dist", "demo", "demo.mjs");
const DEMO_TIMEOUT_MS = 60_000;

let home: TempHome;
let bareBin: string | undefined;
/** Why the run without kubectl cannot be set up, if it cannot. */
let bareReason: string | undefined;

/** The absolute path of `openssl` on this machine's PATH (resolved before any emulator runs). */
function findOpenssl(): string | undefined {
  const probe = spawnSync("sh", ["-c", "command -v openssl"], {
    encoding: "utf8",
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" },
  });
  const path = probe.stdout.trim();
  return probe.status === 0 && path.startsWith("/") ? path : undefined;
}

/**
 * Builds dist/ again when the demo bundle is older than what it bundles beyond the CLI's sources
 * (scripts/demo.ts and the emulators in test/support), which ensureBuilt does not look at.
 */
function rebuildStaleDemo(): void {
  const newest = (path: string): number =>
    statSync(path).isDirectory()
      ? Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))))
      : statSync(path).mtimeMs;
  const sources = Math.max(newest(join(ROOT, "scripts", "demo.ts")), newest(join(ROOT, "test", "support")));
  if (existsSync(DEMO) && statSync(DEMO).mtimeMs >= sources) return;
  const build = spawnSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 180_000,
  });
  if (!existsSync(DEMO) || statSync(DEMO).mtimeMs < sources)
    throw new Error(`node scripts/build.mjs did not write ${DEMO}:\n${build.stdout}\n${build.stderr}`);
}

beforeAll(async () => {
  await ensureBuilt();
  rebuildStaleDemo();
  home = makeTempHome("eks-token-e2e-demo-");
  const openssl = findOpenssl();
  if (!openssl) {
    bareReason = "openssl is not on PATH (the K8s emulator needs it for its certificates)";
    return;
  }
  bareBin = mkdtempSync(join(tmpdir(), "eks-token-e2e-demo-bin-"));
  symlinkSync(process.execPath, join(bareBin, "node"));
  symlinkSync(openssl, join(bareBin, "openssl"));
}, 240_000);

afterAll(() => {
  home?.cleanup();
  if (bareBin) rmSync(bareBin, { recursive: true, force: true });
});

/** `node dist/demo/demo.mjs` with this PATH; the demo makes its own temp HOME for its children. */
function runDemo(path: string): Promise<ProcessOutput & { signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO], {
      cwd: ROOT,
      env: e2eEnv(home.home, { PATH: path }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), DEMO_TIMEOUT_MS);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Exit 0, every step `ok` and none FAIL, and the summary counting exactly those steps. */
function expectAllStepsPassed(result: ProcessOutput & { signal: NodeJS.Signals | null }, expected: RegExp[]): string[] {
  const transcript = `exit ${result.code} ${result.signal ?? ""}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
  expect(result.signal, transcript).toBeNull();
  expect(result.code, transcript).toBe(0);
  expect(result.stderr, transcript).toBe("");
  expect(result.stdout, transcript).not.toMatch(/FAIL/);
  const steps = result.stdout.split("\n").filter((l) => /^ {2}(ok {2}|FAIL)/.test(l));
  expect(
    steps.map((l) => l.slice(0, 6)),
    transcript,
  ).toEqual(expected.map(() => "  ok  "));
  expected.forEach((pattern, i) => {
    expect(steps[i], transcript).toMatch(pattern);
  });
  expect(result.stdout, transcript).toContain(`eks-token demo: all ${expected.length} steps passed\n`);
  return steps;
}

const BOB = "arn:aws:iam::111122223333:user/bob";
const BOB_FIX =
  `aws eks create-access-entry --cluster-name demo-cluster --region us-west-2 --principal-arn ${BOB} && ` +
  `aws eks associate-access-policy --cluster-name demo-cluster --region us-west-2 --principal-arn ${BOB} ` +
  "--policy-arn arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy --access-scope type=namespace,namespaces=default";

const DOCTOR_STEPS = [
  /eks-token doctor on the working identity: .*: verdict: ok: kubectl authenticates as developer:EKSGetTokenAuth and may list pods$/,
  /eks-token doctor on arn:aws:iam::111122223333:user\/bob: access-entry fails, with the fix: verdict: kubectl would fail at access-entry: no access entry for arn:aws:iam::111122223333:user\/bob /,
  /the fix applied through the EKS API: CreateAccessEntry, AssociateAccessPolicy: arn:aws:iam::111122223333:user\/bob: AmazonEKSViewPolicy \(type=namespace,namespaces=default\)$/,
];

const SSO_STEPS_HEAD = [
  /eks-token login --profile sso-dev \(the browser signs in to session corp\): signed in to AWS IAM Identity Center: session "corp" valid until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, then refreshed while the session lasts$/,
];
const SYNC_STEP =
  /eks-token kubeconfig sync --sso-session corp wrote a context per cluster of both accounts: \/.*\/\.kube\/eks-token\/fleet\.yaml: 2 added, 0 updated, 0 removed, 0 unchanged$/;

/** The sign-in, the SSO role's user on the cluster, and the sync's summary, with no SSO secret shown. */
function expectSsoSteps(stdout: string): void {
  expect(stdout).toMatch(
    /^IAM Identity Center: SSO-OIDC emulator at http:\/\/127\.0\.0\.1:\d+, SSO portal emulator at http:\/\/127\.0\.0\.1:\d+, /m,
  );
  // The sync's summary: both accounts' clusters, each once.
  expect(stdout).toMatch(/\n {8}\+ Demo\/us-west-2\/demo-cluster\n {8}\+ Sandbox\/eu-west-1\/playground\n/);
  // The cluster mapped the SSO role's session (the person) through its access entry.
  expect(stdout).toContain(
    '  allow: user "sso:alice@example.com" groups [developers, system:authenticated] via access entry arn:aws:iam::111122223333:role/AWSReservedSSO_Developer_0123456789abcdef',
  );
  // No access token, refresh token, auth code or client secret of the sign-in, nor the portal issuer's key.
  expect(stdout).not.toMatch(/(access|refresh|secret|code)-[A-Za-z0-9_-]{16}/);
  expect(stdout).not.toContain("demo/secret/key/for/sso/issuer");
  expect(stdout).not.toContain("test-browser");
}

/** Both doctor reports in the transcript: the healthy one all pass, bob's naming the check and the fix. */
function expectDoctorReports(stdout: string): void {
  const reports = stdout.split("eks-token doctor: cluster demo-cluster in us-west-2\n").slice(1);
  expect(reports, stdout).toHaveLength(2);
  const [healthy = "", bob = ""] = reports;
  for (const id of [
    "kubeconfig",
    "credentials",
    "identity",
    "token",
    "cluster",
    "access-entry",
    "authenticate",
    "authorize",
  ])
    expect(healthy, stdout).toMatch(new RegExp(`\n? {10}pass  ${id} `));
  expect(healthy).toContain(
    "the cluster authenticates the token as developer:EKSGetTokenAuth, groups [developers, system:authenticated]",
  );
  expect(bob).toMatch(
    new RegExp(
      ` {10}fail  access-entry  no access entry for ${BOB.replace(/[/.]/g, "\\$&")} \\(1 entry on the cluster\\); mode API ignores aws-auth`,
    ),
  );
  expect(bob).toContain(`fix: ${BOB_FIX}\n`);
  expect(bob).toMatch(/ {10}fail {2}authenticate {2}401 Unauthorized: access-entry: /);
  for (const secret of ["demo/secret/key/for/alice/0000000000000", "demo/secret/key/for/bob/000000000000000"])
    expect(stdout).not.toContain(secret);
  expect(stdout).not.toMatch(/k8s-aws-v1\.[A-Za-z0-9_-]{8}/);
}

describe.concurrent("npm run demo (dist/demo/demo.mjs)", () => {
  it(
    "with kubectl on PATH: all 13 steps ok, doctor's diagnosis and its fix, the SSO sign-in and the sync included",
    async (ctx) => {
      const cannot = kubectlCannot("auth-whoami");
      if (cannot) return ctx.skip(`the kubectl steps of the demo need kubectl auth whoami: ${cannot}`);
      expect(existsSync(DEMO), `${DEMO} is built by scripts/build.mjs`).toBe(true);
      const result = await runDemo(process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin");
      expectAllStepsPassed(result, [
        /eks-token minted a token .*: signed for sts\.us-west-2\.amazonaws\.com in \d+ ms; AssumeRole calls: 1$/,
        /the second call is a cache hit: \d+ ms .*AssumeRole calls still 1$/,
        /kubectl auth whoami: .*: username developer:EKSGetTokenAuth$/,
        /kubectl get pods -n default is allowed: 2 pods$/,
        /kubectl get pods -n kube-system is forbidden by RBAC: .*forbidden/i,
        ...DOCTOR_STEPS,
        /kubectl get pods -n default as bob is allowed now: 2 pods$/,
        ...SSO_STEPS_HEAD,
        /kubectl get pods -n default as the Developer permission set \(profile sso-dev\) is allowed: 2 pods; portal GetRoleCredentials calls: 1$/,
        SYNC_STEP,
        /kubectl --context Demo\/us-west-2\/demo-cluster get pods -n default is allowed: 2 pods$/,
      ]);
      expect(result.stdout).not.toContain("no kubectl on PATH");
      expectDoctorReports(result.stdout);
      expectSsoSteps(result.stdout);
    },
    DEMO_TIMEOUT_MS + 10_000,
  );

  it(
    "with a PATH of only node and openssl (no kubectl): the @kubernetes/client-node path, all steps ok",
    async (ctx) => {
      if (!bareBin) return ctx.skip(bareReason ?? "no bin dir");
      const result = await runDemo(bareBin);
      expect(result.stdout).toContain("(no kubectl on PATH: using @kubernetes/client-node)");
      expectAllStepsPassed(result, [
        /eks-token minted a token .*: signed for sts\.us-west-2\.amazonaws\.com in \d+ ms; AssumeRole calls: 1$/,
        /the second call is a cache hit: .*AssumeRole calls still 1$/,
        /@kubernetes\/client-node listed pods through the exec block: (web-7d9f8b6c5-x2x8k, api-5c6b7d8f9-q4r7t|api-5c6b7d8f9-q4r7t, web-7d9f8b6c5-x2x8k)$/,
        ...DOCTOR_STEPS,
        /@kubernetes\/client-node lists pods as bob now: (web-7d9f8b6c5-x2x8k, api-5c6b7d8f9-q4r7t|api-5c6b7d8f9-q4r7t, web-7d9f8b6c5-x2x8k)$/,
        ...SSO_STEPS_HEAD,
        /@kubernetes\/client-node lists pods as the Developer permission set \(profile sso-dev\): (web-7d9f8b6c5-x2x8k, api-5c6b7d8f9-q4r7t|api-5c6b7d8f9-q4r7t, web-7d9f8b6c5-x2x8k); portal GetRoleCredentials calls: 1$/,
        SYNC_STEP,
        /@kubernetes\/client-node lists pods through context Demo\/us-west-2\/demo-cluster: (web-7d9f8b6c5-x2x8k, api-5c6b7d8f9-q4r7t|api-5c6b7d8f9-q4r7t, web-7d9f8b6c5-x2x8k)$/,
      ]);
      expectDoctorReports(result.stdout);
      expectSsoSteps(result.stdout);
      expect(result.stdout).not.toMatch(/kubectl (auth whoami|get pods)/);
    },
    DEMO_TIMEOUT_MS + 10_000,
  );
});
