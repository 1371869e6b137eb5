/**
 * The first check of `eks-token doctor`: the kubeconfig context kubectl would use, read into what
 * the rest of the walk needs (cluster name, region, profile, role, server, CA, the entry's env),
 * whichever of eks-token, `aws eks get-token` or aws-iam-authenticator the entry runs.
 */
import { dirname, isAbsolute, resolve as resolvePath } from "node:path";
import type { TargetOptions } from "../../aws/target.js";
import type { Env } from "../../env.js";
import { readExecTarget, type ExecTool } from "../../kubeconfig/argv-translate.js";
import { kubeconfigPaths } from "../../kubeconfig/choose-file.js";
import { MAX_ALIAS_COUNT, parseKubeconfig } from "../../kubeconfig/document.js";
import { isEksTokenError } from "../../errors.js";
import { API_V1, API_V1BETA1 } from "../../token/exec-credential.js";
import { displayUrl } from "../../redact.js";
import { command as shellCommand, fail, pass, warn, type Check, type Fix } from "./report.js";

/** The token's options (as the entry's args give them) and what kubectl talks to. */
export interface DoctorTarget extends Omit<TargetOptions, "clusterId"> {
  readonly clusterName: string;
  /** The API server kubectl talks to (kubeconfig), or --endpoint. */
  readonly server?: string | undefined;
  readonly caData?: string | undefined;
  /** The account in the kubeconfig's cluster entry name, when it is the cluster's ARN. */
  readonly clusterAccount?: string | undefined;
  /** The entry's env, which kubectl sets over its own for the plugin, without what the caller alone decides (isCallerOnlyKey). */
  readonly execEnv: Readonly<Record<string, string>>;
}

/**
 * Variables that say where AWS calls go. The walk takes them from the caller's own environment
 * only: a token is never sent where only a kubeconfig entry points.
 */
function isEndpointKey(name: string): boolean {
  return /^AWS_ENDPOINT_URL($|_)/.test(name) || name === "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";
}

/**
 * Variables that make a runtime, the loader or the shell a credential_process runs in run other
 * code than the command names (bash: SHELLOPTS=xtrace with a PS4 of $(...), exported functions).
 */
const LOADER_KEYS =
  /^(NODE_OPTIONS|NODE_PATH|NODE_REPL_EXTERNAL_MODULE|BUN_OPTIONS|BUN_BE_BUN|BUN_INSPECT.*|LD_PRELOAD|LD_LIBRARY_PATH|LD_AUDIT|DYLD_.*|PYTHONPATH|PYTHONSTARTUP|PERL5OPT|RUBYOPT|BASH_ENV|ENV|SHELLOPTS|BASHOPTS|PS4|BASH_FUNC_.*)$/;

/**
 * Variables that say which files and commands the credential chain uses (the AWS files, whose
 * profiles can run a credential_process; the home folder they are found in; the PATH a command is
 * looked up on) and where credentials are fetched with the caller's container authorization token.
 */
const FILE_AND_FETCH_KEYS =
  /^(AWS_CONFIG_FILE|AWS_SHARED_CREDENTIALS_FILE|HOME|USERPROFILE|HOMEDRIVE|HOMEPATH|PATH|AWS_CONTAINER_CREDENTIALS_FULL_URI|AWS_CONTAINER_CREDENTIALS_RELATIVE_URI|AWS_EC2_METADATA_SERVICE_ENDPOINT)$/;

/**
 * What the walk takes from the caller's own environment only, whatever the entry's env says: so a
 * kubeconfig makes doctor run no command, read no AWS file and send no token or credential
 * anywhere the caller did not choose. The entry's values are shown, never used.
 */
export function isCallerOnlyKey(name: string): boolean {
  return isEndpointKey(name) || LOADER_KEYS.test(name) || FILE_AND_FETCH_KEYS.test(name);
}

export interface KubeconfigFiles {
  /** undefined when the file does not exist. */
  readFile(path: string): string | undefined;
  /**
   * The file the command runs (a path that is an executable file, or a name found on PATH), and
   * whether someone other than the caller and root can replace it; undefined when it does not run.
   */
  findExecutable(command: string, path: string | undefined): ExecutableFile | undefined;
  readonly cwd: string;
}

export interface ExecutableFile {
  readonly path: string;
  readonly replaceableByOthers: boolean;
}

export interface KubeconfigSource {
  readonly context?: string | undefined;
  readonly kubeconfig?: string | undefined;
}

type Named = { name?: unknown; [k: string]: unknown };

interface Merged {
  readonly current: string | undefined;
  readonly contexts: Map<string, Record<string, unknown>>;
  readonly clusters: Map<string, Record<string, unknown>>;
  readonly users: Map<string, Record<string, unknown>>;
  /** The file that named each cluster, against which its relative paths are read. */
  readonly origins: Map<string, string>;
  /** The file that named each user, against which a relative exec command is read. */
  readonly userOrigins: Map<string, string>;
}

/** kubectl's merge: the first file that names a context, cluster or user wins; the first current-context wins. */
function mergeFiles(paths: readonly string[], files: KubeconfigFiles): Merged | { error: string } {
  let current: string | undefined;
  const contexts = new Map<string, Record<string, unknown>>();
  const clusters = new Map<string, Record<string, unknown>>();
  const users = new Map<string, Record<string, unknown>>();
  const origins = new Map<string, string>();
  const userOrigins = new Map<string, string>();
  let found = 0;
  for (const path of paths) {
    const text = files.readFile(path);
    if (text === undefined) continue;
    found++;
    let doc: Record<string, unknown>;
    try {
      // The same bounded parser as `eks-token kubeconfig`: size, nesting and aliases are limited.
      doc = (parseKubeconfig(text, path).doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {}) as Record<string, unknown>;
    } catch (e) {
      return { error: isEksTokenError(e) ? e.message : `${path} is not valid YAML` };
    }
    if (typeof doc !== "object" || Array.isArray(doc)) return { error: `${path} is not a kubeconfig` };
    if (current === undefined && typeof doc["current-context"] === "string" && doc["current-context"])
      current = doc["current-context"];
    const add = (list: unknown, into: Map<string, Record<string, unknown>>, field: string) => {
      if (!Array.isArray(list)) return;
      for (const item of list as Named[]) {
        if (typeof item?.name !== "string" || into.has(item.name)) continue;
        const body = item[field];
        into.set(item.name, typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {});
        if (field === "cluster") origins.set(item.name, path);
        if (field === "user") userOrigins.set(item.name, path);
      }
    };
    add(doc.contexts, contexts, "context");
    add(doc.clusters, clusters, "cluster");
    add(doc.users, users, "user");
  }
  if (found === 0) return { error: `no kubeconfig at ${paths.join(", ")}` };
  return { current, contexts, clusters, users, origins, userOrigins };
}

export interface KubeconfigReading {
  readonly check: Check;
  /** undefined when the walk cannot go on. */
  readonly target: DoctorTarget | undefined;
}

const CONFIGURE = "; write an entry with: eks-token kubeconfig --cluster-name NAME --region REGION";

function stop(detail: string, fix?: Fix): KubeconfigReading {
  return { check: fail("kubeconfig", fix ? detail : `${detail}${CONFIGURE}`, fix), target: undefined };
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

export function readKubeconfig(source: KubeconfigSource, env: Env, files: KubeconfigFiles): KubeconfigReading {
  let paths: string[];
  try {
    paths = kubeconfigPaths({
      ...(source.kubeconfig !== undefined ? { flag: source.kubeconfig } : {}),
      env,
      cwd: files.cwd,
    });
  } catch (e) {
    return stop((e as Error).message);
  }
  const merged = mergeFiles(paths, files);
  if ("error" in merged) return stop(merged.error);
  const kubeconfigFlag = source.kubeconfig !== undefined ? ["--kubeconfig", source.kubeconfig] : [];
  const getContexts = shellCommand("kubectl", "config", "get-contexts", ...kubeconfigFlag);
  const contextName = source.context ?? merged.current;
  if (!contextName)
    return stop("no current-context and no --context; pick one, then: kubectl config use-context NAME", getContexts);
  const context = merged.contexts.get(contextName);
  if (!context) return stop(`context ${contextName} is not in ${paths.join(", ")}`, getContexts);
  const clusterEntry = typeof context.cluster === "string" ? context.cluster : "";
  const userName = typeof context.user === "string" ? context.user : "";
  const cluster = merged.clusters.get(clusterEntry);
  const user = merged.users.get(userName);
  if (!cluster || !user) {
    const missing = !cluster ? `cluster ${JSON.stringify(clusterEntry)}` : `user ${JSON.stringify(userName)}`;
    return stop(`context ${contextName} names ${missing}, which is not in the kubeconfig`);
  }
  const where = `context ${contextName}: user ${userName}`;
  const exec = user.exec as Record<string, unknown> | undefined;
  if (typeof exec !== "object" || exec === null || exec.command === undefined)
    return stop(`user ${userName} has no exec command (a static token or certificate?)`);
  // kubectl reads the kubeconfig strictly: a value of another type makes it refuse the whole file.
  if (typeof exec.command !== "string" || exec.command === "")
    return stop(`${where}: the exec command is not a string, so kubectl refuses the kubeconfig`);
  if (exec.args !== undefined && exec.args !== null && !isStringList(exec.args))
    return stop(
      `${where}: exec args must be a list of strings (quote numbers and booleans), or kubectl refuses the kubeconfig`,
    );
  const rawEnv = exec.env ?? [];
  if (
    !Array.isArray(rawEnv) ||
    !rawEnv.every(
      (e) => typeof e === "object" && e !== null && typeof e.name === "string" && typeof e.value === "string",
    )
  )
    return stop(`${where}: exec env must be a list of name and value strings, or kubectl refuses the kubeconfig`);
  if (cluster.server !== undefined && cluster.server !== null && typeof cluster.server !== "string")
    return stop(`cluster ${clusterEntry}: server is not a string, so kubectl refuses the kubeconfig`);
  const command = exec.command;
  const args = (exec.args ?? []) as string[];
  const envList = (rawEnv as { name: string; value: string }[]).map((e) => ({ name: e.name, value: e.value }));
  const entryEnv = Object.fromEntries(envList.map((e) => [e.name, e.value]));
  const execEnv = Object.fromEntries(Object.entries(entryEnv).filter(([k]) => !isCallerOnlyKey(k)));
  const read = readExecTarget(command, args, envList);
  if (read.kind === "not-peer") return stop(`${where} runs ${command}, which is not an EKS token command`);
  if (read.kind === "unsupported")
    return stop(`${where} runs ${read.tool} with arguments doctor cannot read: ${read.reason}`);
  const server = typeof cluster.server === "string" ? cluster.server : undefined;
  const serverProblem = server === undefined ? undefined : serverUrlProblem(server);
  if (serverProblem) return stop(`cluster ${clusterEntry}: ${serverProblem}`);
  let caData =
    typeof cluster["certificate-authority-data"] === "string" ? cluster["certificate-authority-data"] : undefined;
  if (!caData && typeof cluster["certificate-authority"] === "string") {
    // As kubectl does, a relative path is relative to the file that names it.
    const pem = files.readFile(
      resolvePath(dirname(merged.origins.get(clusterEntry) ?? "."), cluster["certificate-authority"]),
    );
    if (pem !== undefined) caData = Buffer.from(pem, "utf8").toString("base64");
  }
  const clusterArn = /^arn:[^:]+:eks:([^:]+):(\d{12}):cluster\/(.+)$/.exec(clusterEntry);
  const input = read.input;
  const target: DoctorTarget = {
    clusterName: input.clusterName,
    region: input.region ?? clusterArn?.[1],
    profile: input.profile,
    roleArn: input.roleArn,
    sessionName: input.sessionName,
    externalId: input.externalId,
    forwardSessionName: input.forwardSessionName,
    server,
    caData,
    clusterAccount: clusterArn?.[2],
    execEnv,
  };
  // As kubectl does, a command with a slash that is not absolute is relative to the file that names it.
  const runs =
    /[/\\]/.test(command) && !isAbsolute(command)
      ? resolvePath(dirname(merged.userOrigins.get(userName) ?? "."), command)
      : command;
  const view = shellCommand(
    "kubectl",
    "config",
    "view",
    "--minify",
    "--raw",
    "--context",
    contextName,
    ...kubeconfigFlag,
  );
  return { check: execCheck(where, runs, read.tool, exec, entryEnv, env, files, source, view), target };
}

/** Why a kubeconfig's server cannot be used (never quoting a password), or undefined. */
function serverUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `server ${JSON.stringify(value)} is not an https URL`;
  }
  if (url.username || url.password) return "the server URL carries a user name or password";
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.hostname === "")
    return `server ${JSON.stringify(value)} is not an https URL`;
  return undefined;
}

function execCheck(
  where: string,
  command: string,
  tool: ExecTool,
  exec: Record<string, unknown>,
  entryEnv: Readonly<Record<string, string>>,
  env: Env,
  files: KubeconfigFiles,
  source: KubeconfigSource,
  view: Fix,
): Check {
  const migrate = shellCommand(
    "eks-token",
    "kubeconfig",
    "migrate",
    ...(source.kubeconfig !== undefined ? ["--kubeconfig", source.kubeconfig] : []),
  );
  const apiVersion = String(exec.apiVersion ?? "");
  if (apiVersion === "client.authentication.k8s.io/v1alpha1")
    return fail("kubeconfig", `${where}: exec apiVersion v1alpha1 was removed in kubectl 1.24`, migrate);
  if (apiVersion !== API_V1 && apiVersion !== API_V1BETA1)
    return fail(
      "kubeconfig",
      `${where}: exec apiVersion ${JSON.stringify(apiVersion)} is not one kubectl accepts`,
      migrate,
    );
  if (apiVersion === API_V1 && exec.interactiveMode === undefined)
    return fail("kubeconfig", `${where}: a v1 exec entry needs interactiveMode, or kubectl refuses it`, migrate);
  const file = files.findExecutable(command, env.PATH);
  if (!file)
    return fail(
      "kubeconfig",
      `${where}: the exec command ${command} is not found on PATH`,
      tool === "eks-token" ? shellCommand("npm", "install", "-g", "eks-token") : migrate,
    );
  if (tool !== "eks-token")
    return warn(
      "kubeconfig",
      `${where} still runs ${tool === "aws" ? "aws eks get-token" : "aws-iam-authenticator token"}; doctor checks what it asks for`,
      migrate,
    );
  // What doctor does not take from the entry, and what it cannot vouch for: said, never passed over.
  const notes: string[] = [];
  if (file.replaceableByOthers)
    notes.push(
      `${file.path} (or its folder) can be replaced by another user: doctor does not run it, and trusts it by name only`,
    );
  const loaders = Object.keys(entryEnv).filter((k) => LOADER_KEYS.test(k));
  if (loaders.length > 0)
    notes.push(
      `the entry's env sets ${loaders.join(", ")}, which can make the command run other code; doctor does not pass them on`,
    );
  // An endpoint the entry names that is not the caller's own: shown, and not used.
  const endpoints = Object.entries(entryEnv).filter(([k, v]) => isEndpointKey(k) && env[k] !== v);
  if (endpoints.length > 0)
    notes.push(
      `the entry's env points ${endpoints.map(([k, v]) => `${k} at ${displayUrl(v)}`).join(", ")}; kubectl's token would be made for that endpoint, but doctor sends tokens only where your own environment points`,
    );
  // Files, commands and credential endpoints the entry names: shown, and not used.
  const chosen = Object.entries(entryEnv).filter(([k, v]) => FILE_AND_FETCH_KEYS.test(k) && env[k] !== v);
  if (chosen.length > 0)
    notes.push(
      `the entry's env sets ${chosen.map(([k, v]) => `${k}=${/_URI$|_ENDPOINT$/.test(k) ? displayUrl(v) : v}`).join(", ")}; kubectl's command would use them, but doctor takes these from your own environment only, so it runs no command, reads no AWS file and fetches no credentials a kubeconfig names`,
    );
  const overrides = Object.entries(entryEnv)
    .filter(([k, v]) => /^AWS_/.test(k) && !isCallerOnlyKey(k) && env[k] !== undefined && env[k] !== v)
    .map(([k, v]) => `${k}=${v} (yours: ${env[k]})`);
  if (overrides.length > 0) notes.push(`the entry's env overrides yours: ${overrides.join(", ")}`);
  if (notes.length > 0) return warn("kubeconfig", `${where} runs ${file.path}; ${notes.join("; ")}`, view);
  const envNote = Object.keys(entryEnv).length > 0 ? `; env ${Object.keys(entryEnv).join(", ")}` : "";
  // doctor does not run it: the file the name resolves to is what it can say.
  const shown = file.path === command ? command : `${command}, which is ${file.path}`;
  return pass("kubeconfig", `${where} runs ${shown} (${apiVersion.replace(/^.*\//, "")})${envNote}`);
}
