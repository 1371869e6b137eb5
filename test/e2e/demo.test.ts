// `npm run demo` (dist/demo/demo.mjs) must pass where a user runs it: with kubectl on PATH (token
// by AssumeRole, a cache hit, then kubectl auth whoami / get pods allowed / get pods forbidden),
// and on a machine without kubectl, where it lists the pods with @kubernetes/client-node. The
// second run gets a PATH of one temp dir holding only `node` and `openssl` (the K8s emulator makes
// its TLS certificates with the openssl CLI, found on PATH).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
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

beforeAll(async () => {
  await ensureBuilt();
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

describe.concurrent("npm run demo (dist/demo/demo.mjs)", () => {
  it(
    "with kubectl on PATH: all 5 steps ok",
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
      ]);
      expect(result.stdout).not.toContain("no kubectl on PATH");
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
      ]);
      expect(result.stdout).not.toMatch(/kubectl (auth|get)/);
    },
    DEMO_TIMEOUT_MS + 10_000,
  );
});
