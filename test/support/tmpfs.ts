// A small tmpfs for tests of file-system errors: read-only (EROFS) or tiny and full (ENOSPC).
// Mounting needs root and the right to mount (a container may lack it); CAN_MOUNT says whether
// one can be had here, and tests that need it skip, saying so, when it cannot.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface MountedDir {
  readonly path: string;
  cleanup(): void;
}

export interface TmpfsOptions {
  /** Relative paths and their contents, written before a read-only remount. */
  readonly files?: Record<string, string>;
  readonly readOnly?: boolean;
  readonly sizeKb?: number;
}

/** Mounts a tmpfs; undefined when mounting is not allowed here. */
export function mountTmpfs(options: TmpfsOptions = {}): MountedDir | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const path = mkdtempSync(join(tmpdir(), "eks-token-tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${options.sizeKb ?? 1024}k,mode=0755`, "tmpfs", path], {
      stdio: "ignore",
    });
  } catch {
    rmSync(path, { recursive: true, force: true });
    return undefined;
  }
  for (const [name, text] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(path, name)), { recursive: true });
    writeFileSync(join(path, name), text);
  }
  if (options.readOnly) execFileSync("mount", ["-o", "remount,ro", path], { stdio: "ignore" });
  return {
    path,
    cleanup: () => {
      execFileSync("umount", [path], { stdio: "ignore" });
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** A read-only tmpfs holding `files`. */
export function mountReadOnly(files: Record<string, string> = {}): MountedDir | undefined {
  return mountTmpfs({ files, readOnly: true });
}

export const CAN_MOUNT = (() => {
  const probe = mountTmpfs();
  probe?.cleanup();
  return probe !== undefined;
})();
