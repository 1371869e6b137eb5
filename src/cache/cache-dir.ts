/**
 * The cache directory: created 0700 whatever the umask, and used only when it is a real
 * directory of ours that no one else can write to. Otherwise the caller runs without a cache.
 */
import { chmodSync, lstatSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { homeDir, type Env } from "../env.js";

export function defaultCacheDir(env: Env): string {
  return join(homeDir(env), ".kube", "cache", "eks-token");
}

/** The one answer to "which cache directory": --cache-dir, else EKS_TOKEN_CACHE_DIR, else the default. */
export function resolveCacheDir(flag: string | undefined, env: Env): string {
  return flag || env["EKS_TOKEN_CACHE_DIR"] || defaultCacheDir(env);
}

export type CacheDirCheck = { ok: true; dir: string } | { ok: false; dir: string; reason: string };

export function openCacheDir(dir: string): CacheDirCheck {
  let created = false;
  try {
    mkdirSync(dir, { recursive: false, mode: 0o700 });
    created = true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      try {
        // Parents (~/.kube/cache) are made private too; kubectl makes them 0750 itself.
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        created = true;
      } catch (e2) {
        return { ok: false, dir, reason: `cannot create it (${(e2 as NodeJS.ErrnoException).code ?? "error"})` };
      }
    } else if (code !== "EEXIST") {
      return { ok: false, dir, reason: `cannot create it (${code ?? "error"})` };
    }
  }
  if (created) {
    try {
      chmodSync(dir, 0o700);
    } catch {
      // lstat below decides
    }
  }
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(dir);
  } catch (e) {
    return { ok: false, dir, reason: `cannot read it (${(e as NodeJS.ErrnoException).code ?? "error"})` };
  }
  if (stat.isSymbolicLink()) return { ok: false, dir, reason: "it is a symbolic link" };
  if (!stat.isDirectory()) return { ok: false, dir, reason: "it is not a directory" };
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid)
    return { ok: false, dir, reason: `it belongs to uid ${stat.uid}, not to you` };
  if ((stat.mode & 0o022) !== 0) {
    return {
      ok: false,
      dir,
      reason: `others can write to it (mode ${(stat.mode & 0o777).toString(8)}); run chmod 700 on it`,
    };
  }
  return { ok: true, dir };
}
