/**
 * File access for kubeconfigs: a bounded read of regular files only, and atomic replacement
 * (of a regular file, or a new one) that keeps the file's mode.
 */
import { constants, type Stats } from "node:fs";
import { randomBytes } from "node:crypto";
import { access, type FileHandle, lstat, mkdir, open, realpath, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { EksTokenError } from "../errors.js";
import { MAX_KUBECONFIG_BYTES } from "./document.js";
import { describeFileKind, type FileKind } from "../file-kind.js";
import { escapeControls } from "../quote.js";

const shown = escapeControls;

const NEW_FILE_MODE = 0o600;
const NEW_DIR_MODE = 0o700;
const LEFT_AS_IT_IS = "pass the path of a regular file with --kubeconfig (or KUBECONFIG); nothing was written";

/**
 * The file's text, or undefined when it does not exist. The file is opened without blocking and
 * must be a regular file of at most MAX_KUBECONFIG_BYTES holding UTF-8 text: a FIFO, a device, a
 * socket or a directory is refused, never waited on or read without end. A UTF-8 byte-order mark
 * stays in the text (as U+FEFF) so a rewrite can keep it.
 */
export async function readKubeconfigText(path: string): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined;
    // A socket cannot be opened at all (ENXIO): say what it is.
    const info = await stat(path).catch(() => undefined);
    if (info && !info.isFile()) throw notRegular(path, info);
    throw new EksTokenError("kubeconfig", `cannot read ${shown(path)}: ${errMessage(e)}`, undefined, { cause: e });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notRegular(path, info);
    if (info.size > MAX_KUBECONFIG_BYTES) throw tooLarge(path);
    // Read one byte past the limit: a file that grows while it is read is still bounded.
    const buffer = Buffer.alloc(Math.min(info.size + 1, MAX_KUBECONFIG_BYTES + 1));
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    if (length > MAX_KUBECONFIG_BYTES) throw tooLarge(path);
    return decodeUtf8(buffer.subarray(0, length), path);
  } catch (e) {
    if (e instanceof EksTokenError) throw e;
    throw new EksTokenError("kubeconfig", `cannot read ${shown(path)}: ${errMessage(e)}`, undefined, { cause: e });
  } finally {
    await handle.close();
  }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// Replacing bytes that are not UTF-8 (with U+FFFD) would change parts of the file nobody asked to change.
function decodeUtf8(bytes: Buffer, path: string): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, at).filter((b) => b === 0x0a).length + 1;
    throw new EksTokenError(
      "kubeconfig",
      `${shown(path)}:${line} is not UTF-8 text (byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, "0")} at offset ${at})`,
      "eks-token edits only UTF-8 kubeconfigs; convert the file to UTF-8 or pass another one with --kubeconfig; it was left as it is",
    );
  }
}

/** The offset of the first byte that is not part of a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number {
  const lossy = bytes.toString("utf8");
  let offset = 0;
  let from = 0;
  for (let i = lossy.indexOf("\uFFFD"); i !== -1; i = lossy.indexOf("\uFFFD", i + 1)) {
    offset += Buffer.byteLength(lossy.slice(from, i));
    from = i;
    // A U+FFFD written in the file is valid UTF-8 (EF BF BD); a replaced byte is not.
    if (bytes[offset] !== 0xef || bytes[offset + 1] !== 0xbf || bytes[offset + 2] !== 0xbd) return offset;
  }
  return bytes.length;
}

/**
 * Replaces `path` with `text` through a temporary file in the same directory and a rename,
 * so a reader never sees half a file. A symlinked kubeconfig is written through to its target
 * (as kubectl does), keeping the link. Only a regular file is replaced, or a new one created;
 * the replacement keeps the file's mode, owner and group, and a file the caller may not write
 * is refused (./update.ts calls checkWritable first for every file it is about to write).
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const target = await resolveTarget(path);
  const dir = dirname(target);
  await mkdir(dir, { recursive: true, mode: NEW_DIR_MODE }).catch((e: unknown) => {
    throw new EksTokenError("kubeconfig", `cannot create ${shown(dir)}: ${errMessage(e)}`, undefined, { cause: e });
  });
  const existing = await existingFile(path, target);
  if (existing) await checkWritableTarget(path, target);
  const temp = join(dir, `.${basename(target)}.eks-token-${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeSynced(temp, text, existing, path);
    await rename(temp, target);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    if (e instanceof EksTokenError) throw e;
    throw new EksTokenError("kubeconfig", `cannot write ${shown(path)}: ${errMessage(e)}`, undefined, { cause: e });
  }
}

/**
 * Refuses a kubeconfig the caller may not write, as kubectl does: the kernel's own answer for this
 * caller (access(2) with W_OK), so a read-only file stops a user but not root, exactly as kubectl's
 * write would. A file that does not exist yet passes; its folder is checked when it is created.
 */
export async function checkWritable(path: string): Promise<void> {
  const target = await resolveTarget(path);
  if (await existingFile(path, target)) await checkWritableTarget(path, target);
}

async function checkWritableTarget(path: string, target: string): Promise<void> {
  try {
    await access(target, constants.W_OK);
  } catch (e) {
    const code = errnoCode(e);
    const why = code === "EROFS" ? "on a read-only file system" : "read-only for this user";
    throw new EksTokenError(
      "kubeconfig",
      `${shown(path)} is ${why} (${code ?? errMessage(e)})`,
      "kubectl refuses to write it too; make it writable (chmod u+w) or pass another file with --kubeconfig; nothing was written",
      { cause: e },
    );
  }
  // The new file is made next to the old one and renamed over it: the folder must take both.
  const dir = dirname(target);
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new EksTokenError(
      "kubeconfig",
      `cannot write ${shown(path)}: its folder ${shown(dir)} is not writable (${errnoCode(e) ?? errMessage(e)})`,
      "eks-token replaces the file through a new file in that folder; pass another file with --kubeconfig; nothing was written",
      { cause: e },
    );
  }
}

// Following the link keeps dotfile setups (~/.kube/config -> repo) intact instead of replacing the link.
async function resolveTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") {
      throw new EksTokenError("kubeconfig", `cannot resolve ${shown(path)}: ${errMessage(e)}`, undefined, {
        cause: e,
      });
    }
  }
  const link = await lstat(path).catch(() => undefined);
  if (link?.isSymbolicLink()) {
    throw new EksTokenError(
      "kubeconfig",
      `${shown(path)} is a symlink to a file that does not exist`,
      "create the file it points to, or pass another path with --kubeconfig; nothing was written",
    );
  }
  return path;
}

interface ExistingFile {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

// Stat before writing: the rename would replace a device node, a FIFO or a socket with a file.
async function existingFile(path: string, target: string): Promise<ExistingFile | undefined> {
  let info: Stats;
  try {
    info = await lstat(target);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined;
    throw new EksTokenError("kubeconfig", `cannot stat ${shown(path)}: ${errMessage(e)}`, undefined, { cause: e });
  }
  if (!info.isFile()) throw notRegular(path, info, target);
  return { mode: info.mode & 0o7777, uid: info.uid, gid: info.gid };
}

async function writeSynced(
  temp: string,
  text: string,
  existing: ExistingFile | undefined,
  path: string,
): Promise<void> {
  const mode = existing?.mode ?? NEW_FILE_MODE;
  const handle = await open(temp, "wx", mode);
  try {
    await handle.writeFile(text, "utf8");
    if (existing) await keepOwner(handle, existing, path);
    // open() applies the umask, and chown() may clear set-id bits: the intended mode must survive both.
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// The new file is the caller's; the old one may be another user's (root editing it, a shared group).
async function keepOwner(handle: FileHandle, existing: ExistingFile, path: string): Promise<void> {
  const made = await handle.stat();
  if (made.uid === existing.uid && made.gid === existing.gid) return;
  try {
    await handle.chown(existing.uid, existing.gid);
  } catch (e) {
    const what = made.uid === existing.uid ? `group ${existing.gid}` : `owner (user ${existing.uid})`;
    throw new EksTokenError(
      "kubeconfig",
      `cannot write ${shown(path)} keeping its ${what}: ${errnoCode(e) ?? errMessage(e)}`,
      "eks-token replaces the file whole and would make it yours; run it as the file's owner, or pass another file with --kubeconfig; nothing was written",
      { cause: e },
    );
  }
}

function notRegular(path: string, info: FileKind, target = path): EksTokenError {
  const via = target === path ? "" : ` (through the link to ${shown(target)})`;
  return new EksTokenError(
    "kubeconfig",
    `${shown(path)}${via} is ${describeFileKind(info)}, not a regular file`,
    LEFT_AS_IT_IS,
  );
}

function tooLarge(path: string): EksTokenError {
  return new EksTokenError(
    "kubeconfig",
    `${shown(path)} is larger than ${MAX_KUBECONFIG_BYTES / 1024 / 1024} MiB, more than a kubeconfig holds`,
    "pass another file with --kubeconfig; it was left as it is",
  );
}

function errnoCode(e: unknown): string | undefined {
  return (e as { code?: string } | null)?.code;
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
