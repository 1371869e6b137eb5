/** Which kubeconfig file to update, by the rules of `aws eks update-kubeconfig` (docs/contract.md, "Drop-in command lines"). */
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { EksTokenError } from "../errors.js";
import { escapeControls } from "../quote.js";
import { emptyKubeconfig, hasCluster, parseKubeconfig, type ParsedKubeconfig } from "./document.js";

import type { Env } from "../env.js";

export interface PathInput {
  readonly flag?: string;
  readonly env: Env;
  readonly cwd: string;
  /** Path-list separator of KUBECONFIG; ':' on Unix. */
  readonly separator?: string;
}

/** --kubeconfig alone, else every path of KUBECONFIG, else ~/.kube/config; all absolute. */
export function kubeconfigPaths(input: PathInput): string[] {
  const home = input.env.HOME || input.env.USERPROFILE;
  const expand = (p: string) => expandPath(p, home, input.cwd);
  if (input.flag !== undefined) return [expand(input.flag)];
  const listed = (input.env.KUBECONFIG ?? "")
    .split(input.separator ?? delimiter)
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .map(expand);
  if (listed.length > 0) return [...new Set(listed)];
  if (!home) {
    throw new EksTokenError(
      "kubeconfig",
      "cannot find the default kubeconfig: HOME is not set",
      "pass --kubeconfig PATH",
    );
  }
  return [join(home, ".kube", "config")];
}

export function expandPath(path: string, home: string | undefined, cwd: string): string {
  if (path === "~" || path.startsWith("~/")) {
    if (!home)
      throw new EksTokenError(
        "kubeconfig",
        `cannot expand ${escapeControls(path)}: HOME is not set`,
        "give an absolute path",
      );
    return join(home, path.slice(1));
  }
  return isAbsolute(path) ? path : resolve(cwd, path);
}

export interface FileText {
  readonly path: string;
  /** undefined when the file does not exist. */
  readonly text: string | undefined;
}

export interface ChosenFile {
  readonly path: string;
  readonly parsed: ParsedKubeconfig;
  readonly exists: boolean;
  /** Files skipped during the search because they do not parse. */
  readonly warnings: string[];
}

/**
 * The first file that already holds `clusterEntryName`, else the first file. Unparsable files are
 * skipped while searching (with a warning); the first file, when it is the one chosen, must parse.
 */
export function chooseFile(files: readonly FileText[], clusterEntryName: string): ChosenFile {
  const first = files[0];
  if (!first) throw new EksTokenError("internal", "no kubeconfig path to choose from");
  const warnings: string[] = [];
  for (const file of files) {
    if (file.text === undefined) continue;
    try {
      const parsed = parseKubeconfig(file.text, file.path);
      if (hasCluster(parsed.doc, clusterEntryName)) return { path: file.path, parsed, exists: true, warnings };
    } catch (e) {
      warnings.push(`skipping ${escapeControls(file.path)}: ${(e as Error).message}`);
    }
  }
  if (first.text === undefined) return { path: first.path, parsed: emptyKubeconfig(), exists: false, warnings };
  return { path: first.path, parsed: parseKubeconfig(first.text, first.path), exists: true, warnings };
}
