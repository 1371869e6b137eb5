/**
 * `eks-token kubeconfig` (add or update a cluster's entries) and `eks-token kubeconfig migrate`
 * (switch users that run the AWS CLI or aws-iam-authenticator to eks-token): the orchestration,
 * over injected files, AWS and working directory.
 */
import { EksTokenError } from "../errors.js";
import { chooseFile, kubeconfigPaths } from "../kubeconfig/choose-file.js";
import type { DescribeInput, DescribedCluster } from "../kubeconfig/describe-cluster.js";
import { parseKubeconfig, stringifyKubeconfig } from "../kubeconfig/document.js";
import { buildEntries, type KubeconfigEntries } from "../kubeconfig/entries.js";
import { parseExecApiVersion } from "../kubeconfig/exec-user.js";
import { mergeEntries } from "../kubeconfig/merge.js";
import { formatChanges, migrateDocument } from "../kubeconfig/migrate.js";
import { readProfileRegion, resolveRegion, type RegionSources } from "../kubeconfig/region.js";
import { editKubeconfigs, realKubeconfigFiles, type KubeconfigFilePorts } from "../kubeconfig/update.js";
import * as check from "../kubeconfig/validate.js";
import { escapeControls, quote } from "../quote.js";
import type { Ports } from "./ports.js";

export interface UpdateInput {
  readonly clusterName?: string | undefined;
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
  readonly roleArn?: string | undefined;
  readonly alias?: string | undefined;
  readonly userAlias?: string | undefined;
  readonly kubeconfig?: string | undefined;
  readonly apiVersion?: string | undefined;
  readonly dryRun: boolean;
  readonly endpoint?: string | undefined;
  readonly caData?: string | undefined;
  readonly clusterArn?: string | undefined;
}

export interface MigrateInput {
  readonly kubeconfig?: string | undefined;
  readonly dryRun: boolean;
}

/** Everything with a side effect, replaceable in tests. */
export interface KubeconfigDeps extends KubeconfigFilePorts {
  readonly describeCluster: (input: DescribeInput) => Promise<DescribedCluster>;
  readonly profileRegion: RegionSources["profileRegion"];
  readonly cwd: () => string;
}

/** The real files, AWS and working directory. */
export function realKubeconfigDeps(cwd: () => string): KubeconfigDeps {
  return {
    // The SDK is loaded only when a cluster has to be described.
    describeCluster: async (input) => (await import("../kubeconfig/describe-cluster.js")).describeCluster(input),
    profileRegion: readProfileRegion,
    ...realKubeconfigFiles,
    cwd,
  };
}

export async function updateKubeconfig(flags: UpdateInput, io: Ports, deps: KubeconfigDeps): Promise<void> {
  // Paths first: a missing HOME should fail before any call to AWS.
  const paths = kubeconfigPaths({ flag: flags.kubeconfig, env: io.env, cwd: deps.cwd() });
  const entries = await planEntries(flags, io, deps);
  // The file is chosen and merged under the lock, from what is on disk then.
  const { result } = await editKubeconfigs(
    paths,
    (files) => {
      const chosen = chooseFile(files, entries.cluster.name);
      const merged = mergeEntries(chosen.parsed.doc, entries);
      const text = stringifyKubeconfig(merged.doc, chosen.parsed.style);
      return { writes: [{ path: chosen.path, text }], result: { chosen, merged, text } };
    },
    deps,
    { dryRun: flags.dryRun },
  );
  for (const w of result.chosen.warnings) io.stderr(`eks-token: warning: ${w}\n`);
  if (flags.dryRun) {
    io.stdout(result.text);
    return;
  }
  const name = shown(entries.context.name);
  const path = shown(result.chosen.path);
  io.stderr(result.merged.updated ? `Updated context ${name} in ${path}\n` : `Added new context ${name} to ${path}\n`);
}

const shown = escapeControls;

async function planEntries(flags: UpdateInput, io: Ports, deps: KubeconfigDeps): Promise<KubeconfigEntries> {
  if (flags.clusterName === undefined) {
    throw new EksTokenError("usage", "missing --cluster-name", "run `eks-token kubeconfig --help` for the flags");
  }
  const offline = flags.endpoint !== undefined || flags.caData !== undefined;
  if (offline && (flags.endpoint === undefined || flags.caData === undefined)) {
    throw new EksTokenError("usage", "--endpoint and --ca-data go together", "pass both, or neither to ask EKS");
  }
  if (!offline && flags.clusterArn !== undefined) {
    throw new EksTokenError(
      "usage",
      "--cluster-arn is only used with --endpoint and --ca-data",
      "without them the ARN comes from EKS",
    );
  }
  const common = {
    alias: flags.alias === undefined ? undefined : check.checkEntryName(flags.alias, "--alias"),
    userAlias: flags.userAlias === undefined ? undefined : check.checkEntryName(flags.userAlias, "--user-alias"),
    roleArn: flags.roleArn === undefined ? undefined : check.checkRoleArn(flags.roleArn),
    profile: selectedProfile(flags, io),
    apiVersion: parseExecApiVersion(flags.apiVersion),
  };
  const cluster = offline
    ? await offlineCluster(flags, io, deps, common.profile)
    : await describedCluster(flags, io, deps, common.profile);
  return buildEntries({ ...common, ...cluster, entryName: cluster.entryName ?? common.alias ?? flags.clusterName });
}

interface ClusterFacts {
  /** undefined when the ARN is unknown: then the alias, else the cluster name, names the entries. */
  readonly entryName: string | undefined;
  readonly tokenClusterName: string;
  readonly region: string;
  readonly server: string;
  readonly caData: string;
}

// --profile, else AWS_PROFILE: the AWS CLI records either as AWS_PROFILE in the exec env.
function selectedProfile(flags: UpdateInput, io: Ports): string | undefined {
  if (flags.profile !== undefined) return check.checkProfile(flags.profile);
  const fromEnv = io.env.AWS_PROFILE?.trim();
  return fromEnv ? check.checkProfile(fromEnv, "AWS_PROFILE") : undefined;
}

async function describedCluster(
  flags: UpdateInput,
  io: Ports,
  deps: KubeconfigDeps,
  profile: string | undefined,
): Promise<ClusterFacts> {
  const name = check.checkEksClusterName(flags.clusterName!);
  const region = await resolveRegion({ flag: flags.region, env: io.env, profile, profileRegion: deps.profileRegion });
  const described = await deps.describeCluster({ name, region, profile, terminal: io.terminal });
  // The answer goes into a file kubectl trusts: it is held to the flags' rules first.
  const checked = check.checkDescribedCluster(described, { name, region });
  return {
    entryName: checked.arn.arn,
    // Local clusters on Outposts check tokens against their id, as `aws eks update-kubeconfig` knows.
    tokenClusterName: checked.outpostClusterId ?? name,
    region: checked.arn.region,
    server: checked.endpoint,
    caData: checked.caData,
  };
}

/**
 * Without DescribeCluster the ARN (which holds the account) is unknown unless --cluster-arn is
 * given. The entries are then named by --alias, else by the cluster name: both are what the user
 * typed and will look for in `kubectl config get-contexts`, and neither pretends to be an ARN.
 */
async function offlineCluster(
  flags: UpdateInput,
  io: Ports,
  deps: KubeconfigDeps,
  profile: string | undefined,
): Promise<ClusterFacts> {
  const name = check.checkPassThroughClusterName(flags.clusterName!);
  const arn = flags.clusterArn === undefined ? undefined : check.parseClusterArn(flags.clusterArn);
  if (arn && arn.name !== name) {
    throw new EksTokenError(
      "invalid-input",
      `--cluster-arn names cluster ${quote(arn.name)}, not ${quote(name)}`,
      "pass the ARN of the same cluster",
    );
  }
  if (arn && flags.region !== undefined && check.checkRegion(flags.region) !== arn.region) {
    throw new EksTokenError(
      "invalid-input",
      `--cluster-arn is in ${arn.region}, not ${flags.region}`,
      "drop --region or fix it",
    );
  }
  const region =
    arn?.region ??
    (await resolveRegion({ flag: flags.region, env: io.env, profile, profileRegion: deps.profileRegion }));
  return {
    entryName: arn?.arn,
    tokenClusterName: name,
    region,
    server: check.checkEndpoint(flags.endpoint!),
    caData: check.checkCaData(flags.caData!),
  };
}

export async function migrateKubeconfig(flags: MigrateInput, io: Ports, deps: KubeconfigDeps): Promise<void> {
  const paths = kubeconfigPaths({ flag: flags.kubeconfig, env: io.env, cwd: deps.cwd() });
  // Nothing to migrate makes nothing: no lock, no ~/.kube folder.
  const present = await Promise.all(paths.map(async (p) => (await deps.readText(p)) !== undefined));
  if (!present.includes(true)) {
    io.stderr(`No kubeconfig found at ${paths.map(shown).join(", ")}; nothing to migrate\n`);
    return;
  }
  const { result } = await editKubeconfigs(
    paths,
    (read) => {
      const files = read.filter((f): f is { path: string; text: string } => f.text !== undefined);
      // Every file must parse before any is written, so a failure leaves all of them as they were.
      const results = files.map((f) => {
        const parsed = parseKubeconfig(f.text, f.path);
        const migrated = migrateDocument(parsed.doc);
        const text = migrated.changes.length === 0 ? undefined : stringifyKubeconfig(migrated.doc, parsed.style);
        return { path: f.path, text, ...migrated };
      });
      const writes = results.flatMap((r) => (r.text === undefined ? [] : [{ path: r.path, text: r.text }]));
      return { writes, result: { found: files.length, results } };
    },
    deps,
    { dryRun: flags.dryRun },
  );
  if (result.found === 0) {
    io.stderr(`No kubeconfig found at ${paths.map(shown).join(", ")}; nothing to migrate\n`);
    return;
  }
  // The summary only after the writes: a failed write leaves nothing but the error line.
  let total = 0;
  for (const r of result.results) {
    const path = shown(r.path);
    for (const s of r.skipped) {
      io.stderr(`eks-token: warning: ${path}: user ${shown(s.user)} left as it is: ${shown(s.reason)}\n`);
    }
    if (r.text === undefined) continue;
    total += r.changes.length;
    io.stderr(`--- ${path}\n${formatChanges(r.changes)}`);
    if (flags.dryRun) io.stdout(result.found > 1 ? `---\n# ${path}\n${r.text}` : r.text);
    io.stderr(`${flags.dryRun ? "Would change" : "Changed"} ${plural(r.changes.length, "user")} in ${path}\n`);
  }
  if (total === 0) {
    const where = result.results.map((r) => shown(r.path)).join(", ");
    io.stderr(`No users running aws eks get-token or aws-iam-authenticator in ${where}; nothing changed\n`);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
