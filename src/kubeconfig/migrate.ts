/**
 * Walks a kubeconfig's users, rewrites exec blocks that run `aws eks get-token` or
 * `aws-iam-authenticator token` to run eks-token (the arguments translated by
 * ./argv-translate.ts), and describes the changes. Pure: documents in, documents out.
 */
import { isMap, isNode, isScalar, isSeq, type Node, type YAMLMap } from "yaml";
import { detachAliases, resolveNode } from "./aliases.js";
import { translateExec, type EnvVar } from "./argv-translate.js";
import { createSafeNode, listAt, scalarString, type KubeconfigDocument } from "./document.js";
import { EKS_TOKEN_COMMAND, execArgs } from "./exec-user.js";
import { escapeControls } from "../quote.js";
import { shellJoin } from "./shell-words.js";

export interface UserChange {
  readonly user: string;
  /** [command, ...args] before and after. */
  readonly before: readonly string[];
  readonly after: readonly string[];
}

export interface SkippedUser {
  readonly user: string;
  readonly reason: string;
}

export interface MigrationResult {
  readonly doc: KubeconfigDocument;
  readonly changes: readonly UserChange[];
  readonly skipped: readonly SkippedUser[];
}

/**
 * Returns a copy of `doc` with every recognised exec user rewritten; `doc` is not changed. Users
 * that share an exec block through a YAML alias each get their own block, each migrated and
 * reported; an alias elsewhere to a block that changes keeps showing what it showed.
 */
export function migrateDocument(doc: KubeconfigDocument): MigrationResult {
  const out = doc.clone();
  const changes: UserChange[] = [];
  const skipped: SkippedUser[] = [];
  if (!isSeq(resolveNode(out, isMap(out.contents) ? out.contents.get("users", true) : undefined))) {
    return { doc: out, changes, skipped };
  }
  const users = listAt(out, "users");
  // First what will change, so aliases to it can be copied before anything changes.
  const changing = users.items.flatMap((item) => {
    const exec = execMap(out, item);
    return exec && peerOf(out, exec) === "changed" ? [exec] : [];
  });
  const replaced: Node[] = [];
  for (const exec of changing) {
    for (const key of ["command", "args"]) {
      const node = exec.get(key, true);
      if (isNode(node)) replaced.push(node);
    }
  }
  detachAliases(out, { replaced, extended: changing });
  users.items.forEach((item, index) => {
    const entry = resolveNode(out, item);
    if (!isMap(entry)) return;
    const name = scalarString(resolveNode(out, entry.get("name", true))) ?? `#${index}`;
    const exec = execMap(out, item);
    if (!exec) {
      const merged = mergedExec(out, entry);
      if (merged && peerOf(out, merged) !== "unchanged") {
        skipped.push({
          user: name,
          reason: "its exec block comes through a YAML merge key (<<); write it out in full",
        });
      }
      return;
    }
    const outcome = migrateExec(out, exec);
    if (outcome.kind === "changed") changes.push({ user: name, before: outcome.before, after: outcome.after });
    if (outcome.kind === "unsupported") skipped.push({ user: name, reason: outcome.reason });
  });
  return { doc: out, changes, skipped };
}

function execMap(doc: KubeconfigDocument, userItem: unknown): YAMLMap | undefined {
  const entry = resolveNode(doc, userItem);
  const user = isMap(entry) ? resolveNode(doc, entry.get("user", true)) : undefined;
  const exec = isMap(user) ? resolveNode(doc, user.get("exec", true)) : undefined;
  return isMap(exec) ? exec : undefined;
}

// client-go reads `<<` merge keys (YAML 1.1); an exec block that arrives through one is not edited here.
function mergedExec(doc: KubeconfigDocument, entry: YAMLMap): YAMLMap | undefined {
  const user = resolveNode(doc, entry.get("user", true));
  if (!isMap(user)) return undefined;
  for (const pair of user.items) {
    if (scalarString(pair.key) !== "<<") continue;
    const value = resolveNode(doc, pair.value);
    const sources = isSeq(value) ? value.items.map((i) => resolveNode(doc, i)) : [value];
    for (const source of sources) {
      const exec = isMap(source) ? resolveNode(doc, source.get("exec", true)) : undefined;
      if (isMap(exec)) return exec;
    }
  }
  return undefined;
}

function peerOf(doc: KubeconfigDocument, exec: YAMLMap): ExecOutcome["kind"] {
  const kind = readExec(doc, exec)?.translation.kind;
  return kind === "ok" ? "changed" : kind === "unsupported" ? "unsupported" : "unchanged";
}

type ExecOutcome =
  | { kind: "unchanged" }
  | { kind: "unsupported"; reason: string }
  | { kind: "changed"; before: string[]; after: string[] };

function readExec(doc: KubeconfigDocument, exec: YAMLMap) {
  const command = scalarString(resolveNode(doc, exec.get("command", true)));
  const args = stringList(doc, exec.get("args", true));
  if (command === undefined || args === undefined) return undefined;
  return { command, args, translation: translateExec(command, args, envList(doc, exec.get("env", true))) };
}

function migrateExec(doc: KubeconfigDocument, exec: YAMLMap): ExecOutcome {
  const read = readExec(doc, exec);
  if (!read || read.translation.kind === "not-peer") return { kind: "unchanged" };
  if (read.translation.kind === "unsupported") return read.translation;
  const newArgs = execArgs(read.translation.args, scalarString(resolveNode(doc, exec.get("apiVersion", true))));
  replaceValue(doc, exec, "command", EKS_TOKEN_COMMAND);
  replaceValue(doc, exec, "args", newArgs);
  return { kind: "changed", before: [read.command, ...read.args], after: [EKS_TOKEN_COMMAND, ...newArgs] };
}

// Missing or null args read as none; anything but a list of plain values is left alone.
function stringList(doc: KubeconfigDocument, at: unknown): string[] | undefined {
  const node = resolveNode(doc, at);
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node)) return undefined;
  const out: string[] = [];
  for (const item of node.items) {
    const s = scalarString(resolveNode(doc, item));
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
}

function envList(doc: KubeconfigDocument, at: unknown): EnvVar[] {
  const node = resolveNode(doc, at);
  if (!isSeq(node)) return [];
  return node.items.flatMap((entry) => {
    const item = resolveNode(doc, entry);
    if (!isMap(item)) return [];
    const name = scalarString(resolveNode(doc, item.get("name", true)));
    const value = scalarString(resolveNode(doc, item.get("value", true)));
    return name === undefined || value === undefined ? [] : [{ name, value }];
  });
}

// New value, old comments and flow style: the rest of the entry stays as the user wrote it.
function replaceValue(doc: KubeconfigDocument, map: YAMLMap, key: string, value: unknown): void {
  const old = map.get(key, true) as
    | { comment?: string | null; commentBefore?: string | null; flow?: boolean }
    | undefined;
  const node = createSafeNode(doc, value) as { comment?: string | null; commentBefore?: string | null; flow?: boolean };
  if (old) {
    node.comment = old.comment;
    node.commentBefore = old.commentBefore;
    if (isSeq(old) && isSeq(node)) node.flow = old.flow;
  }
  map.set(key, node);
}

/** The stderr summary: one block per changed user. */
export function formatChanges(changes: readonly UserChange[]): string {
  return changes
    .map((c) => `user ${escapeControls(c.user)}\n- command: ${shellJoin(c.before)}\n+ command: ${shellJoin(c.after)}\n`)
    .join("");
}
