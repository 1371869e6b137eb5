// The kubeconfig file layer on its own: what it reads (regular UTF-8 files within the bound, opened
// without blocking) and what it writes over (regular files, or a new file), in process.
import { spawnSync } from "node:child_process";
import {
  chmod,
  chown,
  lstat,
  readFile,
  readdir,
  rm,
  stat,
  symlink,
  truncate,
  unlink,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { MAX_KUBECONFIG_BYTES } from "../../src/kubeconfig/document.js";
import { checkWritable, readKubeconfigText, writeFileAtomic } from "../../src/kubeconfig/write-file.js";
import { tempHome } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ home: dir, cleanup } = await tempHome()));
afterEach(async () => cleanup());

function mkfifo(path: string): void {
  expect(spawnSync("mkfifo", [path]).status).toBe(0);
}

describe("readKubeconfigText", () => {
  test("a missing file reads as undefined; a regular file as its text, a byte-order mark included", async () => {
    expect(await readKubeconfigText(join(dir, "none"))).toBeUndefined();
    await writeFile(join(dir, "bom"), Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0x3a, 0x20, 0x62, 0x0a]));
    expect(await readKubeconfigText(join(dir, "bom"))).toBe("\uFEFFa: b\n");
  });

  test("a FIFO is refused at once, not waited on; /dev/null is refused as a device", async () => {
    mkfifo(join(dir, "fifo"));
    await expect(readKubeconfigText(join(dir, "fifo"))).rejects.toThrow(/fifo is a FIFO, not a regular file/);
    await expect(readKubeconfigText("/dev/null")).rejects.toThrow(
      /^\/dev\/null is a character device, not a regular file$/,
    );
    await expect(readKubeconfigText(dir)).rejects.toThrow(/is a directory, not a regular file/);
  });

  test("the offset and line of the first byte that is not UTF-8, after a U+FFFD the file really holds", async () => {
    const bytes = Buffer.concat([Buffer.from("a: \uFFFD\n# caf"), Buffer.from([0xe9]), Buffer.from("\n")]);
    await writeFile(join(dir, "latin1"), bytes);
    const error = await readKubeconfigText(join(dir, "latin1")).catch((e: unknown) => e as Error);
    expect((error as Error).message).toBe(`${join(dir, "latin1")}:2 is not UTF-8 text (byte 0xe9 at offset 12)`);
    expect(bytes[12]).toBe(0xe9);
  });

  test("exactly the bound is read; one byte more is refused without reading", async () => {
    const path = join(dir, "big");
    await writeFile(path, "");
    await truncate(path, MAX_KUBECONFIG_BYTES);
    expect((await readKubeconfigText(path))?.length).toBe(MAX_KUBECONFIG_BYTES);
    await truncate(path, MAX_KUBECONFIG_BYTES + 1);
    await expect(readKubeconfigText(path)).rejects.toThrow(/is larger than 8 MiB/);
  });
});

describe("writeFileAtomic", () => {
  test("replaces a regular file, keeping its mode, and creates a missing one 0600", async () => {
    await writeFile(join(dir, "config"), "old\n", { mode: 0o640 });
    await writeFileAtomic(join(dir, "config"), "new\n");
    expect(await readFile(join(dir, "config"), "utf8")).toBe("new\n");
    expect((await stat(join(dir, "config"))).mode & 0o777).toBe(0o640);
    await writeFileAtomic(join(dir, "sub", "fresh"), "x\n");
    expect((await stat(join(dir, "sub", "fresh"))).mode & 0o777).toBe(0o600);
  });

  test("a file that became a FIFO after it was read is not replaced (stat before the rename)", async () => {
    const path = join(dir, "config");
    await writeFile(path, "apiVersion: v1\n");
    expect(await readKubeconfigText(path)).toBe("apiVersion: v1\n");
    await unlink(path);
    mkfifo(path);
    await expect(writeFileAtomic(path, "new\n")).rejects.toThrow(/config is a FIFO, not a regular file/);
    expect((await lstat(path)).isFIFO()).toBe(true);
    expect(await readdir(dir)).toEqual(["config"]);
  });

  test("through a link: the link's target must be a regular file too", async () => {
    mkfifo(join(dir, "fifo"));
    await symlink(join(dir, "fifo"), join(dir, "link"));
    await expect(writeFileAtomic(join(dir, "link"), "new\n")).rejects.toThrow(
      `${join(dir, "link")} (through the link to ${join(dir, "fifo")}) is a FIFO, not a regular file`,
    );
    expect((await lstat(join(dir, "fifo"))).isFIFO()).toBe(true);
    expect((await lstat(join(dir, "link"))).isSymbolicLink()).toBe(true);
    await rm(join(dir, "fifo"));
    await expect(writeFileAtomic(join(dir, "link"), "new\n")).rejects.toThrow(/symlink to a file that does not exist/);
    expect(await readdir(dir)).toEqual(["link"]);
  });
});

describe.skipIf(process.getuid?.() !== 0)("writeFileAtomic as root", () => {
  test("another user's file keeps its owner, group and mode; a read-only one is written, as kubectl as root writes it", async () => {
    const path = join(dir, "config");
    await writeFile(path, "old\n", { mode: 0o640 });
    await chown(path, 65534, 65534);
    await writeFileAtomic(path, "new\n");
    const after = await stat(path);
    expect([after.uid, after.gid, after.mode & 0o7777]).toEqual([65534, 65534, 0o640]);
    await chmod(path, 0o400);
    await checkWritable(path);
    await writeFileAtomic(path, "newer\n");
    expect(await readFile(path, "utf8")).toBe("newer\n");
    expect((await stat(path)).mode & 0o7777).toBe(0o400);
    expect(await readdir(dir)).toEqual(["config"]);
  });
});
