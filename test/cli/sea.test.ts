// The single executable (scripts/build-sea.mjs): built once into a temp dir, then run the way
// kubectl runs a credential plugin, with no Node on PATH and nothing but env credentials.
import type { ProcessResult } from "../support/child.js";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runChild } from "../support/child.js";
import { ROOT, hermeticEnv, type ChildEnv } from "../support/cli.js";
import { verifyPresignedUrl } from "../support/sigv4.js";

const SENTINEL_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
const BUILD_TIMEOUT_MS = 120_000;
const CLUSTER = "sea-test-cluster";
const REGION = "us-west-2";
const ACCESS_KEY_ID = "AKIASEATESTEXAMPLE01";
const SECRET_ACCESS_KEY = "seaTestSecretKey/EXAMPLE+0123456789abcdefg";

/** Why this machine cannot build a SEA, or undefined when it can. */
function cannotBuildReason(): string | undefined {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 20) return `Node ${process.version} predates single executable applications on Node 20`;
  if (!["linux", "darwin", "win32"].includes(process.platform))
    return `postject cannot inject into executables on ${process.platform}`;
  try {
    createRequire(import.meta.url).resolve("postject");
  } catch {
    return "postject is not installed (npm install)";
  }
  try {
    if (!readFileSync(process.execPath).includes(SENTINEL_FUSE))
      return `${process.execPath} was built without SEA support (no ${SENTINEL_FUSE})`;
  } catch (e) {
    return `cannot read ${process.execPath}: ${(e as Error).message}`;
  }
  return undefined;
}

const skipReason = cannotBuildReason();
if (skipReason) process.stderr.write(`test/sea: skipping the single executable tests: ${skipReason}\n`);

/** Runs the executable with stdin left open and unread, as client-go does. */
function run(exe: string, args: readonly string[], env: ChildEnv, cwd: string): Promise<ProcessResult> {
  return runChild(exe, args, { cwd, env, timeoutMs: 20_000 });
}

function tokenUrl(token: string): string {
  expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
  return Buffer.from(token.slice("k8s-aws-v1.".length), "base64url").toString("utf8");
}

interface ExecCredentialDoc {
  kind: string;
  apiVersion: string;
  status: { token: string; expirationTimestamp: string };
}

function parseCredential(stdout: string): ExecCredentialDoc {
  const lines = stdout.split("\n");
  expect(lines).toHaveLength(2); // one line and its newline
  expect(lines[1]).toBe("");
  const doc = JSON.parse(lines[0]!) as ExecCredentialDoc;
  expect(doc.kind).toBe("ExecCredential");
  expect(doc.apiVersion).toBe("client.authentication.k8s.io/v1beta1");
  return doc;
}

describe.skipIf(skipReason !== undefined)(
  `the single executable application${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    let work: string;
    let exe: string;
    let home: string;
    let env: ChildEnv;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), "eks-token-sea-test-"));
      exe = join(work, process.platform === "win32" ? "eks-token.exe" : "eks-token");
      home = join(work, "home");
      const emptyBin = join(work, "empty-bin");
      mkdirSync(home);
      mkdirSync(emptyBin);
      // Built into the temp dir, not dist/: other test files rebuild (and first empty) dist/.
      await new Promise<void>((resolve, reject) => {
        execFile(
          process.execPath,
          [join(ROOT, "scripts", "build-sea.mjs"), "--out", exe],
          { cwd: ROOT, timeout: BUILD_TIMEOUT_MS - 5_000, maxBuffer: 16 * 1024 * 1024 },
          (error, stdout, stderr) =>
            error ? reject(new Error(`build-sea failed: ${error.message}\n${stdout}\n${stderr}`)) : resolve(),
        );
      });
      env = hermeticEnv(home, {
        // No Node anywhere on PATH: the executable must carry its own.
        PATH: emptyBin,
        EKS_TOKEN_NO_CACHE: undefined,
        AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
      });
    }, BUILD_TIMEOUT_MS);

    afterAll(() => {
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it("prints its version", async () => {
      const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
      const result = await run(exe, ["--version"], env, work);
      expect(result).toMatchObject({ code: 0, stderr: "", stdout: `eks-token ${pkg.version}\n` });
    });

    let firstToken: string | undefined;

    it("mints a token with environment credentials: exit 0, nothing on stderr, one ExecCredential line", async () => {
      const result = await run(exe, ["--cluster-name", CLUSTER, "--region", REGION], env, work);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const doc = parseCredential(result.stdout);
      const url = tokenUrl(doc.status.token);
      expect(new URL(url).host).toBe(`sts.${REGION}.amazonaws.com`);
      const verdict = verifyPresignedUrl({
        url,
        headers: { "x-k8s-aws-id": CLUSTER },
        secretForAccessKey: (id) => (id === ACCESS_KEY_ID ? SECRET_ACCESS_KEY : undefined),
        validitySeconds: 900,
        requiredSignedHeaders: ["x-k8s-aws-id"],
      });
      expect(verdict).toMatchObject({ ok: true, accessKeyId: ACCESS_KEY_ID, region: REGION, service: "sts" });
      // The same URL does not verify for another cluster or another secret.
      expect(
        verifyPresignedUrl({ url, headers: { "x-k8s-aws-id": "other" }, secretForAccessKey: () => SECRET_ACCESS_KEY })
          .ok,
      ).toBe(false);
      expect(
        verifyPresignedUrl({ url, headers: { "x-k8s-aws-id": CLUSTER }, secretForAccessKey: () => "wrong" }).ok,
      ).toBe(false);
      expect(Date.parse(doc.status.expirationTimestamp)).toBeGreaterThan(Date.now());
      firstToken = doc.status.token;
    });

    it("answers a second call from the cache with the same token", async () => {
      expect(firstToken).toBeDefined();
      const cacheDir = join(home, ".kube", "cache", "eks-token");
      expect(existsSync(cacheDir)).toBe(true);
      const entries = readdirSync(cacheDir);
      expect(entries.length).toBeGreaterThan(0);
      const result = await run(exe, ["--cluster-name", CLUSTER, "--region", REGION], env, work);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(parseCredential(result.stdout).status.token).toBe(firstToken);
      expect(readdirSync(cacheDir)).toEqual(entries);
    });
  },
);
