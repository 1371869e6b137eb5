/**
 * The one read-modify-write of kubeconfig files, for every writer: take the lock kubectl takes
 * (./lock.ts), read the files again under it, apply the change to what is on disk now, refuse a
 * file the caller may not write, replace each changed file atomically (./write-file.ts), release.
 * A change computed from an earlier read would drop whatever another writer added in between.
 */
import { emptyKubeconfig, parseKubeconfig, stringifyKubeconfig, type KubeconfigDocument } from "./document.js";
import type { ParsedKubeconfig } from "./document.js";
import { lockKubeconfigs, type Unlock } from "./lock.js";
import { checkWritable, readKubeconfigText, writeFileAtomic } from "./write-file.js";

/** The file side of a kubeconfig write, replaceable in tests. */
export interface KubeconfigFilePorts {
  /** The file's text, or undefined when it does not exist. */
  readonly readText: (path: string) => Promise<string | undefined>;
  /** Atomic replacement of the file (or creation of a new one). */
  readonly writeText: (path: string, text: string) => Promise<void>;
  /** Throws when the caller may not write the file (as kubectl would fail to). */
  readonly checkWritable: (path: string) => Promise<void>;
  /** Takes the kubectl lock of every path; the returned function releases them. */
  readonly lock: (paths: readonly string[]) => Promise<Unlock>;
}

export const realKubeconfigFiles: KubeconfigFilePorts = {
  readText: readKubeconfigText,
  writeText: writeFileAtomic,
  checkWritable,
  lock: (paths) => lockKubeconfigs(paths),
};

export interface FileRead {
  readonly path: string;
  /** undefined when the file does not exist. */
  readonly text: string | undefined;
}

export interface FileWrite {
  readonly path: string;
  readonly text: string;
}

/** What an edit decided: the files to write (none to leave all as they are) and what to report. */
export interface Edit<T> {
  readonly writes: readonly FileWrite[];
  readonly result: T;
}

export interface EditOptions {
  /** Read and compute, but take no lock and write nothing. */
  readonly dryRun?: boolean;
}

/**
 * Locks `paths`, reads them all, lets `edit` decide what to write from their current text, checks
 * every file to be written may be written, then writes them. When `edit` throws, or a file may not
 * be written, nothing is written.
 */
export async function editKubeconfigs<T>(
  paths: readonly string[],
  edit: (files: readonly FileRead[]) => Edit<T> | Promise<Edit<T>>,
  ports: KubeconfigFilePorts,
  options: EditOptions = {},
): Promise<Edit<T>> {
  const run = async () => {
    const files = await Promise.all(paths.map(async (path) => ({ path, text: await ports.readText(path) })));
    const decided = await edit(files);
    if (options.dryRun) return decided;
    for (const w of decided.writes) await ports.checkWritable(w.path);
    for (const w of decided.writes) await ports.writeText(w.path, w.text);
    return decided;
  };
  if (options.dryRun) return run();
  const unlock = await ports.lock(paths);
  try {
    return await run();
  } finally {
    await unlock();
  }
}

export interface CurrentKubeconfig {
  readonly path: string;
  /** The file as it is now, or an empty kubeconfig when it does not exist. */
  readonly parsed: ParsedKubeconfig;
  readonly exists: boolean;
}

export interface KubeconfigChange<T> {
  /** The document to write in the file's own style, or undefined to leave the file as it is. */
  readonly doc: KubeconfigDocument | undefined;
  readonly result: T;
}

export interface UpdateOutcome<T> {
  readonly result: T;
  /** The new text, when the change produced a document (also on a dry run). */
  readonly text: string | undefined;
}

/**
 * The read-modify-write of one kubeconfig file: `change` gets the parsed file as it is under the
 * lock and returns the document to write. An unparsable file is refused before `change` runs.
 */
export async function updateKubeconfigFile<T>(
  path: string,
  change: (current: CurrentKubeconfig) => KubeconfigChange<T> | Promise<KubeconfigChange<T>>,
  ports: KubeconfigFilePorts,
  options: EditOptions = {},
): Promise<UpdateOutcome<T>> {
  let text: string | undefined;
  const edit = await editKubeconfigs(
    [path],
    async ([file]) => {
      const exists = file?.text !== undefined;
      const parsed = exists ? parseKubeconfig(file.text!, path) : emptyKubeconfig();
      const changed = await change({ path, parsed, exists });
      text = changed.doc === undefined ? undefined : stringifyKubeconfig(changed.doc, parsed.style);
      return { writes: text === undefined ? [] : [{ path, text }], result: changed.result };
    },
    ports,
    options,
  );
  return { result: edit.result, text };
}
