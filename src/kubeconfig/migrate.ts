/**
 * Recognises exec blocks that run `aws eks get-token` or `aws-iam-authenticator token` and
 * rewrites them to run eks-token with the same meaning. Pure: documents in, documents out.
 */
import { isMap, isScalar, isSeq, type YAMLMap } from "yaml";
import { createSafeNode, scalarString, type KubeconfigDocument } from "./document.js";
import { EKS_TOKEN_COMMAND, tokenArgs, type TokenArgsInput } from "./exec-user.js";

export type Translation =
  | { readonly kind: "not-peer" }
  | { readonly kind: "unsupported"; readonly reason: string }
  | { readonly kind: "ok"; readonly args: string[] };

export interface EnvVar {
  readonly name: string;
  readonly value: string;
}

interface FlagSpec {
  /** Where the value goes; undefined drops the flag (it has no meaning for eks-token). */
  readonly key?: keyof TokenArgsInput | "clusterId";
  readonly takesValue: boolean;
}

// Global options the AWS CLI accepts anywhere on the line, plus get-token's own.
const AWS_FLAGS: Record<string, FlagSpec> = {
  "--region": { key: "region", takesValue: true },
  "--profile": { key: "profile", takesValue: true },
  "--output": { takesValue: true },
  "--color": { takesValue: true },
  "--debug": { takesValue: false },
  "--no-cli-pager": { takesValue: false },
  "--no-paginate": { takesValue: false },
  "--cluster-name": { key: "clusterName", takesValue: true },
  "--cluster-id": { key: "clusterId", takesValue: true },
  // The AWS CLI's argparse accepts the abbreviation, and update-kubeconfig writes it.
  "--role": { key: "roleArn", takesValue: true },
  "--role-arn": { key: "roleArn", takesValue: true },
  "--session-name": { key: "sessionName", takesValue: true },
};

const AUTHENTICATOR_FLAGS: Record<string, FlagSpec> = {
  "--cluster-id": { key: "clusterId", takesValue: true },
  "-i": { key: "clusterId", takesValue: true },
  "--role": { key: "roleArn", takesValue: true },
  "-r": { key: "roleArn", takesValue: true },
  "--region": { key: "region", takesValue: true },
  "--session-name": { key: "sessionName", takesValue: true },
  "-s": { key: "sessionName", takesValue: true },
  "--external-id": { key: "externalId", takesValue: true },
  "-e": { key: "externalId", takesValue: true },
  "--forward-session-name": { key: "forwardSessionName", takesValue: false },
  // eks-token caches on its own.
  "--cache": { takesValue: false },
};

type Scanned = { values: Map<string, string | boolean>; positionals: string[] } | { error: string };

/** Reads `args` by `spec`: `--flag value`, `--flag=value`, and for one-letter flags `-xVALUE`. */
function scanArgs(args: readonly string[], spec: Record<string, FlagSpec>): Scanned {
  const values = new Map<string, string | boolean>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const { flag, inline } = splitFlag(arg, spec);
    const flagSpec = spec[flag];
    if (!flagSpec) return { error: `option ${flag} has no eks-token equivalent` };
    let value: string | boolean;
    if (!flagSpec.takesValue) {
      if (inline !== undefined && !/^(true|false)$/i.test(inline)) return { error: `option ${flag} takes no value` };
      value = inline === undefined || inline.toLowerCase() === "true";
    } else if (inline !== undefined) {
      value = inline;
    } else {
      const next = args[i + 1];
      if (next === undefined) return { error: `option ${flag} has no value` };
      value = next;
      i++;
    }
    if (flagSpec.key) values.set(flagSpec.key, value);
  }
  return { values, positionals };
}

function splitFlag(arg: string, spec: Record<string, FlagSpec>): { flag: string; inline?: string } {
  const eq = arg.indexOf("=");
  if (arg.startsWith("--")) return eq === -1 ? { flag: arg } : { flag: arg.slice(0, eq), inline: arg.slice(eq + 1) };
  const short = arg.slice(0, 2);
  if (arg.length === 2 || !spec[short]) return { flag: arg };
  return { flag: short, inline: arg[2] === "=" ? arg.slice(3) : arg.slice(2) };
}

/** The tool a command runs, ignoring its directory and Windows extensions. */
export function toolName(command: string): string {
  const base = command.split(/[\\/]/).pop() ?? command;
  return base.replace(/\.(exe|cmd|bat)$/i, "");
}

export function translateExec(command: string, args: readonly string[], env: readonly EnvVar[]): Translation {
  switch (toolName(command)) {
    case "aws":
      return translateAws(args);
    case "aws-iam-authenticator":
      return translateAuthenticator(args, env);
    default:
      return { kind: "not-peer" };
  }
}

function translateAws(args: readonly string[]): Translation {
  // Global options may sit anywhere, even between `eks` and `get-token`.
  if (!args.includes("eks") || !args.includes("get-token")) return { kind: "not-peer" };
  const scanned = scanArgs(args, AWS_FLAGS);
  if ("error" in scanned) return { kind: "unsupported", reason: scanned.error };
  if (scanned.positionals.join(" ") !== "eks get-token") {
    return scanned.positionals[0] === "eks" ? { kind: "unsupported", reason: `unexpected arguments ${scanned.positionals.join(" ")}` } : { kind: "not-peer" };
  }
  const v = scanned.values;
  if (v.has("clusterName") && v.has("clusterId")) return { kind: "unsupported", reason: "both --cluster-name and --cluster-id" };
  // For Outposts local clusters the token is bound to the id, which eks-token takes as the cluster name.
  return finish(v, str(v, "clusterId") ?? str(v, "clusterName"));
}

function translateAuthenticator(args: readonly string[], env: readonly EnvVar[]): Translation {
  if (!args.includes("token")) return { kind: "not-peer" };
  const scanned = scanArgs(args, AUTHENTICATOR_FLAGS);
  if ("error" in scanned) return { kind: "unsupported", reason: scanned.error };
  if (scanned.positionals.join(" ") !== "token") return { kind: "unsupported", reason: `unexpected arguments ${scanned.positionals.join(" ")}` };
  const fromEnv = env.find((e) => e.name === "KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID")?.value;
  return finish(scanned.values, str(scanned.values, "clusterId") ?? (fromEnv || undefined));
}

function finish(v: Map<string, string | boolean>, clusterName: string | undefined): Translation {
  if (!clusterName) return { kind: "unsupported", reason: "no cluster name or id in the arguments" };
  return {
    kind: "ok",
    args: tokenArgs({
      clusterName,
      region: str(v, "region"),
      roleArn: str(v, "roleArn"),
      profile: str(v, "profile"),
      sessionName: str(v, "sessionName"),
      externalId: str(v, "externalId"),
      forwardSessionName: v.get("forwardSessionName") === true,
    }),
  };
}

function str(v: Map<string, string | boolean>, key: string): string | undefined {
  const value = v.get(key);
  return typeof value === "string" ? value : undefined;
}

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
  replaceValue(doc, exec, "command", EKS_TOKEN_COMMAND);
  replaceValue(doc, exec, "args", translation.args);
  return { kind: "changed", before: [command, ...args], after: [EKS_TOKEN_COMMAND, ...translation.args] };
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
  const old = map.get(key, true) as { comment?: string | null; commentBefore?: string | null; flow?: boolean } | undefined;
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

function shellJoin(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(" ");
}
