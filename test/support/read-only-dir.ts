// A read-only file system for tests of EROFS: a tmpfs mounted read-only, which needs root and
// the right to mount (a container may lack it). `available` says whether one can be had here.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ReadOnlyDir {
  readonly path: string;
  cleanup(): void;
}

/** Mounts a tmpfs holding `files` (relative paths, made first) read-only; undefined when mounting is not allowed. */
export function mountReadOnly(files: Record<string, string> = {}): ReadOnlyDir | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const path = mkdtempSync(join(tmpdir(), "eks-token-ro-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", path], { stdio: "ignore" });
  } catch {
    rmSync(path, { recursive: true, force: true });
    return undefined;
  }
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(path, name, ".."), { recursive: true });
    writeFileSync(join(path, name), text);
  }
  execFileSync("mount", ["-o", "remount,ro", path], { stdio: "ignore" });
  return {
    path,
    cleanup: () => {
      execFileSync("umount", [path], { stdio: "ignore" });
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** Whether mountReadOnly can work here: tests that need it skip, saying so, when it cannot. */
export const CAN_MOUNT_READ_ONLY = (() => {
  const probe = mountReadOnly();
  probe?.cleanup();
  return probe !== undefined;
})();
