import { chmodSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fileStamp } from "../src/file-stamp.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "eks-token-stamp-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("fileStamp", () => {
  it("changes with a write, a chmod, and modification times set back; not with a read", async () => {
    // Apart by more than a clock tick: the kernel's file times are as coarse as that.
    const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
    const path = join(dir, "config");
    writeFileSync(path, "[default]\n", { mode: 0o644 });
    const seen = [fileStamp(path)];
    expect(fileStamp(path)).toBe(seen[0]);
    await tick();
    writeFileSync(path, "[profile]\n");
    seen.push(fileStamp(path));
    await tick();
    chmodSync(path, 0o600);
    seen.push(fileStamp(path));
    await tick();
    const { atime, mtime } = statSync(path);
    utimesSync(path, atime, new Date(mtime.getTime() - 3_600_000));
    utimesSync(path, atime, mtime);
    // The modification time is what it was; the change time is not.
    seen.push(fileStamp(path));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("names what is missing by its error", () => {
    expect(fileStamp(join(dir, "nothing"))).toBe("ENOENT");
  });

  it("stamps /dev/null by what it is, not by its times", () => {
    expect(fileStamp("/dev/null")).toMatch(/^device:\d+:\d+$/);
  });
});
