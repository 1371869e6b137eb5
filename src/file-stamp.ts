/**
 * A file's identity and last change as stat(2) gives them, following links: any write, rename
 * over, chmod or retarget of a link gives another stamp (ctime cannot be set back). What is not a
 * file there reads as its error code. A device (`/dev/null`, which the AWS files may name) is
 * stamped by what it is, not by its times, which some systems move on every write to it.
 */
import { statSync } from "node:fs";

export function fileStamp(path: string): string {
  try {
    const s = statSync(path);
    if (s.isCharacterDevice() || s.isBlockDevice()) return `device:${s.mode}:${s.rdev}`;
    return `${s.dev}:${s.ino}:${s.mode}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? "unreadable";
  }
}
