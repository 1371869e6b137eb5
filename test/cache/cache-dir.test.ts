// Which cache directory, and why one cannot be used: `~/` expands as in AWS_CONFIG_FILE, and a
// directory that cannot be made says what stopped it (EROFS on a read-only home, not ENOENT).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sharedFilePaths } from "../../src/aws/shared-config.js";
import { openCacheDir, resolveCacheDir } from "../../src/cache/cache-dir.js";
import { CAN_MOUNT, mountReadOnly } from "../support/tmpfs.js";

describe("resolveCacheDir", () => {
  const env = { HOME: "/home/dev" };
  it.each([
    ["~/cache", "/home/dev/cache"],
    ["~/", "/home/dev"],
    ["~/.kube/cache/x", "/home/dev/.kube/cache/x"],
    ["/abs/~/x", "/abs/~/x"],
    ["~other/x", "~other/x"],
    ["~", "~"],
  ])("%s -> %s, from the flag and from EKS_TOKEN_CACHE_DIR alike", (given, expected) => {
    expect(resolveCacheDir(given, env)).toBe(expected);
    expect(resolveCacheDir(undefined, { ...env, EKS_TOKEN_CACHE_DIR: given })).toBe(expected);
    // exactly as AWS_CONFIG_FILE is expanded
    expect(sharedFilePaths({ ...env, AWS_CONFIG_FILE: given }).configPath).toBe(expected);
  });

  it("the flag wins over the variable, the variable over the default", () => {
    expect(resolveCacheDir("~/a", { ...env, EKS_TOKEN_CACHE_DIR: "~/b" })).toBe("/home/dev/a");
    expect(resolveCacheDir(undefined, env)).toBe("/home/dev/.kube/cache/eks-token");
  });
});

describe("openCacheDir", () => {
  it("makes missing parents 0700 and the directory 0700", async () => {
    const root = mkdtempSync(join(tmpdir(), "eks-token-cd-"));
    try {
      const dir = join(root, "a", "b", "c");
      expect(openCacheDir(dir)).toEqual({ ok: true, dir });
      const { statSync } = await import("node:fs");
      for (const d of [join(root, "a"), join(root, "a", "b"), dir]) expect(statSync(d).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it.skipIf(!CAN_MOUNT)("on a read-only home says EROFS, whichever level is missing (needs root and mount)", () => {
    const ro = mountReadOnly({ ".kube/config": "" })!;
    try {
      for (const dir of [join(ro.path, ".kube", "cache", "eks-token"), join(ro.path, "x")]) {
        expect(openCacheDir(dir)).toEqual({ ok: false, dir, reason: "cannot create it (EROFS)" });
      }
    } finally {
      ro.cleanup();
    }
  });
});
