// Shared pieces of the tests of the native executables and their npm packages.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { NATIVE_PATH, ROOT, ensureBuilt, nativeTarget, sourcesMtime } from "../support/cli.js";
import { verifyPresignedUrl } from "../support/sigv4.js";

export const BIN_DIR = join(ROOT, "dist", "bin");
export const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
export const TARGETS = [
  "linux-x64",
  "linux-arm64",
  "linux-x64-musl",
  "linux-arm64-musl",
  "darwin-x64",
  "darwin-arm64",
  "windows-x64",
] as const;
export type Target = (typeof TARGETS)[number];
export const binaryPath = (target: Target) =>
  join(BIN_DIR, `eks-token-${target}${target.startsWith("windows") ? ".exe" : ""}`);

function isFresh(path: string, sources: number): boolean {
  try {
    return statSync(path).mtimeMs >= sources;
  } catch {
    return false;
  }
}

/**
 * dist/ and the native executables of `targets` (this machine's by default), built when missing or
 * older than the sources. Builds write to a folder of their own and rename, so two at once are safe.
 */
export async function ensureNative(targets: readonly string[] = [nativeTarget()]): Promise<void> {
  await ensureBuilt();
  const sources = sourcesMtime();
  const paths = targets.map((t) => (t === nativeTarget() ? NATIVE_PATH : binaryPath(t as Target)));
  if (targets.every((_, i) => isFresh(paths[i]!, sources))) return;
  const result = spawnSync(
    process.execPath,
    [join(ROOT, "scripts", "build-binary.mjs"), "--target", targets.join(",")],
    { cwd: ROOT, encoding: "utf8", timeout: 600_000 },
  );
  if (result.status !== 0) throw new Error(`build-binary failed: ${result.stderr}`);
  for (const p of paths) expect(existsSync(p), p).toBe(true);
}

export const KEYS = {
  accessKeyId: "AKIANATIVETESTKEY001",
  secretAccessKey: "nativeTestSecret/EXAMPLE+0123456789abcdefgh",
};
export const CLUSTER = "native-test-cluster";
export const REGION = "us-west-2";

/** The URL inside a k8s-aws-v1 token. */
export function tokenUrl(token: string): string {
  expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
  return Buffer.from(token.slice("k8s-aws-v1.".length), "base64url").toString("utf8");
}

/** stdout of a successful token call: one ExecCredential line whose token verifies for KEYS and CLUSTER; returns the token. */
export function expectVerifiedToken(
  result: { code: number | null; stdout: string; stderr: string },
  cluster = CLUSTER,
): string {
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  const lines = result.stdout.split("\n");
  expect(lines).toHaveLength(2);
  const doc = JSON.parse(lines[0]!) as { kind: string; status: { token: string } };
  expect(doc.kind).toBe("ExecCredential");
  const url = tokenUrl(doc.status.token);
  expect(new URL(url).host).toBe(`sts.${REGION}.amazonaws.com`);
  const verdict = verifyPresignedUrl({
    url,
    headers: { "x-k8s-aws-id": cluster },
    secretForAccessKey: (id) => (id === KEYS.accessKeyId ? KEYS.secretAccessKey : undefined),
    requiredSignedHeaders: ["x-k8s-aws-id"],
  });
  expect(verdict).toMatchObject({ ok: true, accessKeyId: KEYS.accessKeyId, region: REGION });
  return doc.status.token;
}
