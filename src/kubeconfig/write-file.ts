/** File access for kubeconfigs: reading, and atomic replacement that keeps the file's mode. */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, realpath, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { EksTokenError } from "../errors.js";

const NEW_FILE_MODE = 0o600;
const NEW_DIR_MODE = 0o700;

/** The file's text, or undefined when it does not exist. */
export async function readKubeconfigText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined;
    throw new EksTokenError("kubeconfig", `cannot read ${path}: ${errMessage(e)}`, undefined, { cause: e });
  }
}

/**
 * Replaces `path` with `text` through a temporary file in the same directory and a rename,
 * so a reader never sees half a file. A symlinked kubeconfig is written through to its target.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const target = await resolveTarget(path);
  const dir = dirname(target);
  await mkdir(dir, { recursive: true, mode: NEW_DIR_MODE }).catch((e: unknown) => {
    throw new EksTokenError("kubeconfig", `cannot create ${dir}: ${errMessage(e)}`, undefined, { cause: e });
  });
  const mode = await existingMode(target);
  const temp = join(dir, `.${basename(target)}.eks-token-${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeSynced(temp, text, mode);
    await rename(temp, target);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw new EksTokenError("kubeconfig", `cannot write ${path}: ${errMessage(e)}`, undefined, { cause: e });
  }
}

// Following the link keeps dotfile setups (~/.kube/config -> repo) intact instead of replacing the link.
async function resolveTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return path;
    throw new EksTokenError("kubeconfig", `cannot resolve ${path}: ${errMessage(e)}`, undefined, { cause: e });
  }
}

async function existingMode(path: string): Promise<number> {
  try {
    return (await stat(path)).mode & 0o7777;
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return NEW_FILE_MODE;
    throw new EksTokenError("kubeconfig", `cannot stat ${path}: ${errMessage(e)}`, undefined, { cause: e });
  }
}

async function writeSynced(path: string, text: string, mode: number): Promise<void> {
  const handle = await open(path, "wx", mode);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  // open() applies the umask; the intended mode must survive it.
  await chmod(path, mode);
}

function errnoCode(e: unknown): string | undefined {
  return (e as { code?: string } | null)?.code;
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
