/** `eks-token kubeconfig sync`: flags in, the real AWS clients, files and terminal, exit code out. */
import { readSharedConfig } from "../aws/shared-config.js";
import { readSsoAccessToken } from "../aws/sso-token-cache.js";
import { EksTokenError } from "../errors.js";
import { editKubeconfigs, realKubeconfigFiles } from "../kubeconfig/update.js";
import { readKubeconfigText } from "../kubeconfig/write-file.js";
import { quote } from "../quote.js";
import { realClock } from "../usecases/sync/pacing.js";
import type { AwsConfigView, ProgressPort, SsoTokenRef, SyncAwsPorts, SyncDeps } from "../usecases/sync/ports.js";
import type { TokenTarget } from "../aws/target.js";
import { resolveCacheDir } from "../cache/cache-dir.js";
import { runSync, SYNC_DEFAULTS, type SyncInput } from "../usecases/sync/sync.js";
import { parseFlags } from "./flags.js";
import type { CliIo, Command } from "./io.js";

export const SYNC_HELP = `Usage:
  eks-token kubeconfig sync [sources] [filters] [options]
      Find every EKS cluster your AWS access reaches and keep one context per cluster in a
      kubeconfig of its own, adding new clusters and removing deleted ones.

Sources (default: every [sso-session] and legacy sso_start_url in ~/.aws/config):
  --sso-session NAME       an SSO session of ~/.aws/config (repeatable)
  --sso-start-url URL --sso-region REGION    an SSO start URL without a session
  --profile NAME           a profile, through its normal credentials (repeatable)
  --all-profiles           every profile; two that are one identity count once

Filters:
  --account ID|NAME        only these accounts (repeatable; names may use * and ?)
  --exclude-account ID|NAME
  --role NAME              the SSO role to list with and write, in order of preference (repeatable, globs)
  --all-roles              one context per cluster and role: NAME:{role}
  --region REGION          only these regions (repeatable; default: the account's enabled regions)

Options:
  --name TEMPLATE          context name (default {account_name}/{region}/{cluster}); variables
                           {account_id} {account_name} {region} {cluster} {role} {profile} {partition}
  --kubeconfig PATH        the file to keep (default ~/.kube/eks-token/fleet.yaml)
  --no-prune               never remove entries, even of clusters that are gone
  --dry-run                say what would be added, updated and removed; write nothing
  --output text|json       a summary (default) or one JSON document on stdout
  --timeout SECONDS        bound of the whole run (default 120); what is unfinished then is kept as stale
  --concurrency N          EKS calls in flight (default 16)
  --sso-rate N             SSO portal calls per second (default 10)
  -h, --help               show this help

Only entries this command wrote (marked in their extensions) are ever changed or removed, and
only when this run listed their account and region completely. current-context is never set.
Exit status: 0 complete, 3 written but partial (some entries kept as stale), 1 nothing usable, 2 usage.
`;

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  "sso-session": { type: "string", multiple: true },
  "sso-start-url": { type: "string" },
  "sso-region": { type: "string" },
  profile: { type: "string", multiple: true },
  "all-profiles": { type: "boolean" },
  account: { type: "string", multiple: true },
  "exclude-account": { type: "string", multiple: true },
  role: { type: "string", multiple: true },
  "all-roles": { type: "boolean" },
  region: { type: "string", multiple: true },
  name: { type: "string" },
  kubeconfig: { type: "string" },
  prune: { type: "boolean" },
  "no-prune": { type: "boolean" },
  "dry-run": { type: "boolean" },
  output: { type: "string", short: "o" },
  timeout: { type: "string" },
  concurrency: { type: "string" },
  "sso-rate": { type: "string" },
  debug: { type: "boolean" },
} as const;

const HINT = "run `eks-token kubeconfig sync --help` for the options";

export function parseSyncArgs(args: readonly string[]): SyncInput | "help" {
  const { values: v } = parseFlags(args, OPTIONS, { positionals: false, hint: HINT });
  if (v.help) return "help";
  const output = v.output ?? "text";
  if (output !== "text" && output !== "json") {
    throw new EksTokenError(
      "usage",
      `--output ${quote(output)} is not supported`,
      "use --output text or --output json",
    );
  }
  if (v.profile && v["all-profiles"]) {
    throw new EksTokenError("usage", "--profile and --all-profiles both pick profiles", "pass one of them");
  }
  const empty = (list: readonly string[] | undefined, flag: string) => {
    if (list?.some((x) => x === "")) throw new EksTokenError("usage", `${flag} needs a value`, HINT);
    return list ?? [];
  };
  return {
    ssoSessions: empty(v["sso-session"], "--sso-session"),
    ssoStartUrl: v["sso-start-url"],
    ssoRegion: v["sso-region"],
    profiles: empty(v.profile, "--profile"),
    allProfiles: v["all-profiles"] ?? false,
    accounts: empty(v.account, "--account"),
    excludeAccounts: empty(v["exclude-account"], "--exclude-account"),
    roles: empty(v.role, "--role"),
    allRoles: v["all-roles"] ?? false,
    regions: empty(v.region, "--region"),
    name: v.name,
    kubeconfig: v.kubeconfig,
    prune: !(v["no-prune"] ?? false),
    dryRun: v["dry-run"] ?? false,
    output,
    timeoutMs: number(v.timeout, "--timeout", 1, 3600, SYNC_DEFAULTS.timeoutMs / 1000) * 1000,
    concurrency: number(v.concurrency, "--concurrency", 1, 64, SYNC_DEFAULTS.concurrency),
    ssoRate: number(v["sso-rate"], "--sso-rate", 1, 20, SYNC_DEFAULTS.ssoRate),
  };
}

function number(value: string | undefined, flag: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n < min || n > max) {
    throw new EksTokenError("usage", `invalid ${flag} ${quote(value)}`, `a number from ${min} to ${max}`);
  }
  return n;
}

/** The AWS config file as sync needs it: sso-sessions, legacy start URLs, profile names. */
export function awsConfigView(env: Readonly<Record<string, string | undefined>>): AwsConfigView {
  const shared = readSharedConfig(env, undefined);
  const ssoSessions: Record<string, { startUrl?: string; region?: string }> = {};
  const legacy: Array<{ startUrl: string; region: string }> = [];
  const profiles = new Set<string>();
  for (const [key, section] of Object.entries(shared.configFile)) {
    if (key.startsWith("sso-session.")) {
      const s: { startUrl?: string; region?: string } = {};
      if (section["sso_start_url"]) s.startUrl = section["sso_start_url"];
      if (section["sso_region"]) s.region = section["sso_region"];
      ssoSessions[key.slice("sso-session.".length)] = s;
      continue;
    }
    if (key.includes(".")) continue;
    profiles.add(key);
    const url = section["sso_start_url"];
    const region = section["sso_region"];
    if (url && region && !section["sso_session"] && !legacy.some((l) => l.startUrl === url)) {
      legacy.push({ startUrl: url, region });
    }
  }
  for (const key of Object.keys(shared.credentialsFile)) profiles.add(key);
  return { configPath: shared.configPath, ssoSessions, legacyStartUrls: legacy, profiles: [...profiles].sort() };
}

function terminalProgress(io: CliIo): ProgressPort | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  let shown = false;
  return {
    show(line) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      io.stderr(`\r\u001b[2K${line}`);
    },
    clear() {
      if (shown) io.stderr("\r\u001b[2K");
    },
  };
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * An sso-session's token made good as the token path makes it (refreshed, or signed in to when a
 * person is at the terminal and the attempt budget allows); otherwise the sign-in line.
 */
async function ensureSignedIn(ref: SsoTokenRef, io: CliIo): Promise<void> {
  if (ref.session === undefined || !io.caller) return;
  const { ssoOnMiss } = await import("../usecases/login/on-miss.js");
  // The session alone: ssoOnMiss reads only these fields of a target with an SSO account and role.
  const target = { sso: { ...ref, accountId: "", roleName: "" }, profileName: "", profileExplicit: true };
  const onMiss = ssoOnMiss(target as unknown as TokenTarget, {
    env: io.env,
    now: () => io.now(),
    log: silent,
    stderr: io.stderr,
    terminal: io.terminal,
    caller: io.caller,
    ssoLogin: undefined,
    stateDir: resolveCacheDir(undefined, io.env),
    networkMs: () => 10_000,
  });
  await onMiss?.prepare();
}

export const runKubeconfigSync: Command = async (args, io) => {
  const input = parseSyncArgs(args);
  if (input === "help") {
    io.stdout(SYNC_HELP);
    return 0;
  }
  const { fleetClients } = await import("../aws/fleet-clients.js");
  const aws: SyncAwsPorts = fleetClients({ env: io.env, logger: silent, now: () => io.now() });
  const deps: SyncDeps = {
    env: io.env,
    cwd: process.cwd(),
    aws,
    awsConfig: () => awsConfigView(io.env),
    ssoAccessToken: async (ref) => {
      await ensureSignedIn(ref, io);
      return readSsoAccessToken(ref, io.env, io.now()).accessToken;
    },
    files: {
      read: readKubeconfigText,
      // Under kubectl's lock, from the file as it is then: the one read-modify-write of kubeconfigs.
      async update(path, change) {
        await editKubeconfigs(
          [path],
          ([file]) => {
            const next = change(file?.text);
            return { writes: next === undefined ? [] : [{ path, text: next }], result: undefined };
          },
          realKubeconfigFiles,
        );
      },
    },
    clock: realClock,
    stdout: io.stdout,
    stderr: io.stderr,
    progress: terminalProgress(io),
  };
  return runSync(input, deps);
};
