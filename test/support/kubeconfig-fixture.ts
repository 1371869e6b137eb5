// Kubeconfigs for end-to-end tests, and kubectl run asynchronously against them.
//
// - writeKubeconfig(): one cluster (the K8s emulator: server URL + its CA), one user that is either
//   an exec block (command, args, env, apiVersion, interactiveMode) or a static bearer token.
// - execUser(): the exec block that runs the built CLI: command process.execPath, args [CLI, ...].
// - kubectlInfo(): the kubectl on PATH and its version (or why there is none), so tests can skip
//   what an old kubectl cannot do (exec v1 needs 1.22, `auth whoami` 1.27).
// - runKubectl(): spawns kubectl without blocking this process (the emulators live here).
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { stringify } from "yaml";
import { runChild, type ProcessResult } from "./child.js";
import { CLI_COMMAND } from "./cli.js";

export const EXEC_V1BETA1 = "client.authentication.k8s.io/v1beta1";
export const EXEC_V1 = "client.authentication.k8s.io/v1";

export interface ExecUser {
  readonly kind: "exec";
  readonly apiVersion: typeof EXEC_V1BETA1 | typeof EXEC_V1;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Required by kubectl with v1; omitted when undefined. */
  readonly interactiveMode?: "Never" | "IfAvailable" | "Always";
  readonly provideClusterInfo?: boolean;
}

export interface TokenUser {
  readonly kind: "token";
  readonly token: string;
}

export interface KubeconfigSpec {
  readonly server: string;
  /** base64 PEM of the CA, as certificate-authority-data. */
  readonly caData: string;
  readonly user: ExecUser | TokenUser;
  readonly name?: string;
  readonly namespace?: string;
}

/** An exec user running `node dist/eks-token.cjs ...cliArgs`. */
export function execUser(
  cliArgs: readonly string[],
  options: Omit<ExecUser, "kind" | "command" | "args" | "apiVersion"> & { apiVersion?: ExecUser["apiVersion"] } = {},
): ExecUser {
  return {
    kind: "exec",
    apiVersion: options.apiVersion ?? EXEC_V1BETA1,
    command: CLI_COMMAND[0],
    args: [...CLI_COMMAND.slice(1), ...cliArgs],
    ...options,
  };
}

export function kubeconfigYaml(spec: KubeconfigSpec): string {
  const name = spec.name ?? "e2e";
  const user =
    spec.user.kind === "token"
      ? { token: spec.user.token }
      : {
          exec: {
            apiVersion: spec.user.apiVersion,
            command: spec.user.command,
            args: [...spec.user.args],
            ...(spec.user.env ? { env: Object.entries(spec.user.env).map(([n, value]) => ({ name: n, value })) } : {}),
            ...(spec.user.interactiveMode ? { interactiveMode: spec.user.interactiveMode } : {}),
            ...(spec.user.provideClusterInfo !== undefined ? { provideClusterInfo: spec.user.provideClusterInfo } : {}),
          },
        };
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: spec.server, "certificate-authority-data": spec.caData } }],
    users: [{ name: `${name}-user`, user }],
    contexts: [
      {
        name,
        context: { cluster: name, user: `${name}-user`, ...(spec.namespace ? { namespace: spec.namespace } : {}) },
      },
    ],
    "current-context": name,
    preferences: {},
  });
}

export function writeKubeconfig(path: string, spec: KubeconfigSpec): string {
  writeFileSync(path, kubeconfigYaml(spec), { mode: 0o600 });
  return path;
}

// ---------------------------------------------------------------------------------------------
// kubectl

export interface KubectlInfo {
  readonly available: boolean;
  readonly version?: { readonly major: number; readonly minor: number; readonly gitVersion: string };
  /** Why it is unavailable. */
  readonly reason?: string;
}

let info: KubectlInfo | undefined;

export function kubectlInfo(): KubectlInfo {
  if (info) return info;
  const probe = spawnSync("kubectl", ["version", "--client", "-o", "json"], {
    encoding: "utf8",
    timeout: 15_000,
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" },
  });
  if (probe.error || probe.status !== 0) {
    // kubectl before 1.21 has no -o json for --client only on some builds; try the short form.
    const old = spawnSync("kubectl", ["version", "--client", "--short"], { encoding: "utf8", timeout: 15_000 });
    const m = /v(\d+)\.(\d+)\S*/.exec(old.stdout ?? "");
    info = m
      ? { available: true, version: { major: Number(m[1]), minor: Number(m[2]), gitVersion: m[0] } }
      : {
          available: false,
          reason: `no usable kubectl on PATH (${probe.error?.message ?? probe.stderr.trim().split("\n")[0] ?? `exit ${probe.status}`})`,
        };
    return info;
  }
  const v = (JSON.parse(probe.stdout) as { clientVersion: { major: string; minor: string; gitVersion: string } })
    .clientVersion;
  info = {
    available: true,
    version: { major: Number.parseInt(v.major, 10), minor: Number.parseInt(v.minor, 10), gitVersion: v.gitVersion },
  };
  return info;
}

/** undefined when kubectl can do it, else the reason to skip. */
export function kubectlCannot(feature: "exec-v1" | "auth-whoami" | "any"): string | undefined {
  const k = kubectlInfo();
  if (!k.available || !k.version) return k.reason ?? "no kubectl";
  const { major, minor, gitVersion } = k.version;
  const atLeast = (mi: number) => major > 1 || (major === 1 && minor >= mi);
  if (feature === "exec-v1" && !atLeast(22))
    return `kubectl ${gitVersion} predates client.authentication.k8s.io/v1 (added in 1.22)`;
  if (feature === "auth-whoami" && !atLeast(27))
    return `kubectl ${gitVersion} has no \`kubectl auth whoami\` (added in 1.27)`;
  return undefined;
}

export type KubectlResult = ProcessResult;

/** Runs kubectl with exactly this environment (add KUBECONFIG to it); stdin is closed. */
export function runKubectl(
  args: readonly string[],
  options: { readonly env: Record<string, string>; readonly timeoutMs?: number },
): Promise<KubectlResult> {
  return runChild("kubectl", args, { env: options.env, stdin: "ignore", timeoutMs: options.timeoutMs ?? 30_000 });
}
