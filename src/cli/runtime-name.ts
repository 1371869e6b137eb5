/**
 * What `--version` says runs the CLI: `node`, `bun`, or `native <os>-<arch>[-musl]` for an
 * executable compiled by Bun (its entry lives in Bun's embedded file system).
 */
import { openSync, readSync, closeSync } from "node:fs";

declare const Bun: { main: string } | undefined;

export function runtimeName(): string {
  if (!process.versions["bun"] || typeof Bun === "undefined") return "node";
  if (!/^(\/\$bunfs\/|[A-Za-z]:[\\/]~BUN[\\/])/.test(Bun.main)) return "bun";
  // Read at run time: Bun's compiler folds `process.platform` and `process.arch` into constants
  // per target, and every target's executable is to carry the same bundle.
  const { platform, arch } = process;
  const os = platform === "win32" ? "windows" : platform;
  return `native ${os}-${arch}${platform === "linux" && isMuslExecutable(process.execPath) ? "-musl" : ""}`;
}

/** True when an ELF executable names musl's dynamic loader (its PT_INTERP is near the start). */
function isMuslExecutable(path: string): boolean {
  try {
    const fd = openSync(path, "r");
    try {
      const head = Buffer.alloc(4096);
      const n = readSync(fd, head, 0, head.length, 0);
      return head.subarray(0, n).includes("/ld-musl-");
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}
