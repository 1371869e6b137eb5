/**
 * Reads the command lines of `aws eks get-token` and `aws-iam-authenticator token` (their flag
 * tables, as data) and says what `eks-token token` arguments mean the same. Pure: argv in, argv out.
 */
import { tokenArgs, type TokenArgsInput } from "./exec-user.js";

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
    return scanned.positionals[0] === "eks"
      ? { kind: "unsupported", reason: `unexpected arguments ${scanned.positionals.join(" ")}` }
      : { kind: "not-peer" };
  }
  const v = scanned.values;
  if (v.has("clusterName") && v.has("clusterId"))
    return { kind: "unsupported", reason: "both --cluster-name and --cluster-id" };
  // For Outposts local clusters the token is bound to the id, which eks-token takes as the cluster name.
  return finish(v, str(v, "clusterId") ?? str(v, "clusterName"));
}

function translateAuthenticator(args: readonly string[], env: readonly EnvVar[]): Translation {
  if (!args.includes("token")) return { kind: "not-peer" };
  const scanned = scanArgs(args, AUTHENTICATOR_FLAGS);
  if ("error" in scanned) return { kind: "unsupported", reason: scanned.error };
  if (scanned.positionals.join(" ") !== "token")
    return { kind: "unsupported", reason: `unexpected arguments ${scanned.positionals.join(" ")}` };
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

// eks-token's own token flags (besides the drop-in forms above), for reading an entry back.
const EKS_TOKEN_FLAGS: Record<string, FlagSpec> = {
  ...AUTHENTICATOR_FLAGS,
  "--cluster-name": { key: "clusterName", takesValue: true },
  "--profile": { key: "profile", takesValue: true },
  "--role-arn": { key: "roleArn", takesValue: true },
  "--output": { takesValue: true },
  "--token-only": { takesValue: false },
  "--api-version": { takesValue: true },
  "--no-cache": { takesValue: false },
  "--cache-dir": { takesValue: true },
  "--debug": { takesValue: false },
};

export type ExecTool = "eks-token" | "aws" | "aws-iam-authenticator";

export type ExecTarget =
  | { readonly kind: "ok"; readonly tool: ExecTool; readonly input: TokenArgsInput }
  | { readonly kind: "unsupported"; readonly tool: ExecTool; readonly reason: string }
  | { readonly kind: "not-peer" };

/** eks-token itself, or a native executable as `npm run build:binary` names it (eks-token-linux-x64-musl). */
const NATIVE_NAME = /^eks-token(-[a-z0-9]+){0,3}$/;

/**
 * What an exec entry's command line asks a token for (cluster, region, profile, role), whichever of
 * the three tools it runs; `node .../eks-token.cjs ...` counts as eks-token.
 */
export function readExecTarget(command: string, args: readonly string[], env: readonly EnvVar[]): ExecTarget {
  // The native executables keep their platform in the name where people copy them as they are.
  let tool = NATIVE_NAME.test(toolName(command)) ? "eks-token" : toolName(command);
  let argv = args;
  if (/^(node|bun|nodejs)$/.test(tool) && args[0] !== undefined && /^eks-token/.test(toolName(args[0]))) {
    tool = "eks-token";
    argv = args.slice(1);
  }
  if (tool === "aws" || tool === "aws-iam-authenticator") {
    const t = translateExec(command, argv, env);
    if (t.kind === "not-peer") return t;
    if (t.kind === "unsupported") return { kind: "unsupported", tool, reason: t.reason };
    const back = readEksTokenArgs(t.args, env);
    return back.kind === "ok" ? { ...back, tool } : back;
  }
  if (tool !== "eks-token") return { kind: "not-peer" };
  if (argv.includes("get-token")) {
    const t = translateAws(argv);
    if (t.kind === "unsupported") return { kind: "unsupported", tool, reason: t.reason };
    if (t.kind === "ok") return readEksTokenArgs(t.args, env);
  }
  return readEksTokenArgs(argv, env);
}

function readEksTokenArgs(args: readonly string[], env: readonly EnvVar[]): ExecTarget {
  const scanned = scanArgs(args, EKS_TOKEN_FLAGS);
  if ("error" in scanned) return { kind: "unsupported", tool: "eks-token", reason: scanned.error };
  if (scanned.positionals.length > 1 || (scanned.positionals[0] ?? "token") !== "token")
    return { kind: "unsupported", tool: "eks-token", reason: `unexpected arguments ${scanned.positionals.join(" ")}` };
  const v = scanned.values;
  const fromEnv = env.find((e) => e.name === "KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID")?.value;
  const clusterName = str(v, "clusterId") ?? str(v, "clusterName") ?? (fromEnv || undefined);
  if (!clusterName) return { kind: "unsupported", tool: "eks-token", reason: "no cluster name in the arguments" };
  const optional = (key: string) => {
    const value = str(v, key);
    return value === undefined ? {} : { [key]: value };
  };
  return {
    kind: "ok",
    tool: "eks-token",
    input: {
      clusterName,
      ...optional("region"),
      ...optional("roleArn"),
      ...optional("profile"),
      ...optional("sessionName"),
      ...optional("externalId"),
      ...(v.get("forwardSessionName") === true ? { forwardSessionName: true } : {}),
    },
  };
}
