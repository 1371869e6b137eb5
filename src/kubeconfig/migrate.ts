/**
 * Walks a kubeconfig's users, rewrites exec blocks that run `aws eks get-token` or
 * `aws-iam-authenticator token` to run eks-token (the arguments translated by
 * ./argv-translate.ts), and describes the changes. Pure: documents in, documents out.
 */
import { isMap, isScalar, isSeq, type YAMLMap } from "yaml";
import { translateExec, type EnvVar } from "./argv-translate.js";
import { createSafeNode, scalarString, type KubeconfigDocument } from "./document.js";
import { EKS_TOKEN_COMMAND, execArgs } from "./exec-user.js";
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

/** Returns a copy of `doc` with every recognised exec user rewritten; `doc` is not changed. */
export function migrateDocument(doc: KubeconfigDocument): MigrationResult {
  const out = doc.clone();
  const changes: UserChange[] = [];
  const skipped: SkippedUser[] = [];
  const users = isMap(out.contents) ? out.contents.get("users", true) : undefined;
  if (!isSeq(users)) return { doc: out, changes, skipped };
  users.items.forEach((item, index) => {
    if (!isMap(item)) return;
    const name = scalarString(item.get("name", true)) ?? `#${index}`;
    const exec = execMap(item);
    if (!exec) return;
    const outcome = migrateExec(out, exec);
    if (outcome.kind === "changed") changes.push({ user: name, before: outcome.before, after: outcome.after });
    if (outcome.kind === "unsupported") skipped.push({ user: name, reason: outcome.reason });
  });
  return { doc: out, changes, skipped };
}

function execMap(userItem: YAMLMap): YAMLMap | undefined {
  const user = userItem.get("user", true);
  const exec = isMap(user) ? user.get("exec", true) : undefined;
  return isMap(exec) ? exec : undefined;
}

type ExecOutcome =
  | { kind: "unchanged" }
  | { kind: "unsupported"; reason: string }
  | { kind: "changed"; before: string[]; after: string[] };

function migrateExec(doc: KubeconfigDocument, exec: YAMLMap): ExecOutcome {
  const command = scalarString(exec.get("command", true));
  const args = stringList(exec.get("args", true));
  if (command === undefined || args === undefined) return { kind: "unchanged" };
  const translation = translateExec(command, args, envList(exec.get("env", true)));
  if (translation.kind === "not-peer") return { kind: "unchanged" };
  if (translation.kind === "unsupported") return translation;
  const newArgs = execArgs(translation.args, scalarString(exec.get("apiVersion", true)));
  replaceValue(doc, exec, "command", EKS_TOKEN_COMMAND);
  replaceValue(doc, exec, "args", newArgs);
  return { kind: "changed", before: [command, ...args], after: [EKS_TOKEN_COMMAND, ...newArgs] };
}

// Missing or null args read as none; anything but a list of plain values is left alone.
function stringList(node: unknown): string[] | undefined {
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node)) return undefined;
  const out: string[] = [];
  for (const item of node.items) {
    const s = scalarString(item);
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
}

function envList(node: unknown): EnvVar[] {
  if (!isSeq(node)) return [];
  return node.items.flatMap((item) => {
    if (!isMap(item)) return [];
    const name = scalarString(item.get("name", true));
    const value = scalarString(item.get("value", true));
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
    .map((c) => `user ${c.user}\n- command: ${shellJoin(c.before)}\n+ command: ${shellJoin(c.after)}\n`)
    .join("");
}
