/**
 * The cache directory: created 0700 whatever the umask, and used only when it is a real
 * directory of ours that no one else can write to. Otherwise the caller runs without a cache.
 */
import { chmodSync, lstatSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { expandHome, homeDir, type Env } from "../env.js";

export function defaultCacheDir(env: Env): string {
  return join(homeDir(env), ".kube", "cache", "eks-token");
}

/**
 * The one answer to "which cache directory": --cache-dir, else EKS_TOKEN_CACHE_DIR, else the
 * default. A leading `~/` is the home directory, as in AWS_CONFIG_FILE.
 */
export function resolveCacheDir(flag: string | undefined, env: Env): string {
  const named = flag || env["EKS_TOKEN_CACHE_DIR"];
  return named ? expandHome(named, env) : defaultCacheDir(env);
}

export type CacheDirCheck = { ok: true; dir: string } | { ok: false; dir: string; reason: string };

/** Creates the directory (and its parents) when missing, then checks it as checkCacheDir does. */
export function openCacheDir(dir: string): CacheDirCheck {
  const made = makeDirs(dir);
  if (made.error) return { ok: false, dir, reason: `cannot create it (${made.error})` };
  if (made.created) {
    try {
      chmodSync(dir, 0o700);
    } catch {
      // the check below decides
    }
  }
  return checkCacheDir(dir);
}

/**
 * Whether an existing directory may hold secrets and have files removed from it: not a link, a
 * directory, ours, and not writable by others. Nothing is created.
 */
export function checkCacheDir(dir: string): CacheDirCheck {
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

/**
 * mkdir -p with each directory made 0700 (kubectl makes ~/.kube/cache 0750 itself). Made one
 * level at a time because Node's recursive mkdir reports ENOENT when the file system is
 * read-only; the error given here is the one that stopped it (EROFS, EACCES, ENOTDIR).
 */
function makeDirs(dir: string): { created: boolean; error?: string } {
  try {
    mkdirSync(dir, { mode: 0o700 });
    return { created: true };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    if (code === "EEXIST") return { created: false };
    const parent = dirname(dir);
    if (code !== "ENOENT" || parent === dir) return { created: false, error: code };
    const up = makeDirs(parent);
    if (up.error) return up;
    try {
      mkdirSync(dir, { mode: 0o700 });
      return { created: true };
    } catch (e2) {
      const code2 = (e2 as NodeJS.ErrnoException).code ?? "error";
      return code2 === "EEXIST" ? { created: false } : { created: false, error: code2 };
    }
  }
}
