/**
 * `eks-token kubeconfig` (add or update a cluster's entries) and `eks-token kubeconfig migrate`
 * (switch users that run the AWS CLI or aws-iam-authenticator to eks-token): the orchestration,
 * over injected files, AWS and working directory.
 */
import { EksTokenError } from "../errors.js";
import { chooseFile, kubeconfigPaths, type FileText } from "../kubeconfig/choose-file.js";
import type { DescribeInput, DescribedCluster } from "../kubeconfig/describe-cluster.js";
import { parseKubeconfig, stringifyKubeconfig } from "../kubeconfig/document.js";
import { buildEntries, type KubeconfigEntries } from "../kubeconfig/entries.js";
import { parseExecApiVersion } from "../kubeconfig/exec-user.js";
import { mergeEntries } from "../kubeconfig/merge.js";
import { formatChanges, migrateDocument } from "../kubeconfig/migrate.js";
import { readProfileRegion, resolveRegion, type RegionSources } from "../kubeconfig/region.js";
import * as check from "../kubeconfig/validate.js";
import { readKubeconfigText, writeFileAtomic } from "../kubeconfig/write-file.js";
import { isRegionName } from "../validate.js";
import { quote } from "../quote.js";
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
export interface KubeconfigDeps {
  readonly describeCluster: (input: DescribeInput) => Promise<DescribedCluster>;
  readonly profileRegion: RegionSources["profileRegion"];
  readonly readText: (path: string) => Promise<string | undefined>;
  readonly writeText: (path: string, text: string) => Promise<void>;
  readonly cwd: () => string;
}

/** The real files, AWS and working directory. */
export function realKubeconfigDeps(cwd: () => string): KubeconfigDeps {
  return {
    // The SDK is loaded only when a cluster has to be described.
    describeCluster: async (input) => (await import("../kubeconfig/describe-cluster.js")).describeCluster(input),
    profileRegion: readProfileRegion,
    readText: readKubeconfigText,
    writeText: writeFileAtomic,
    cwd,
  };
}

export async function updateKubeconfig(flags: UpdateInput, io: Ports, deps: KubeconfigDeps): Promise<void> {
  // Paths first: a missing HOME should fail before any call to AWS.
  const paths = kubeconfigPaths({ flag: flags.kubeconfig, env: io.env, cwd: deps.cwd() });
  const entries = await planEntries(flags, io, deps);
  const chosen = chooseFile(await readAll(paths, deps), entries.cluster.name);
  for (const w of chosen.warnings) io.stderr(`eks-token: warning: ${w}\n`);
  const merged = mergeEntries(chosen.parsed.doc, entries);
  const text = stringifyKubeconfig(merged.doc, chosen.parsed.style);
  if (flags.dryRun) {
    io.stdout(text);
    return;
  }
  await deps.writeText(chosen.path, text);
  const name = entries.context.name;
  io.stderr(
    merged.updated ? `Updated context ${name} in ${chosen.path}\n` : `Added new context ${name} to ${chosen.path}\n`,
  );
}

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
  const described = await deps.describeCluster({ name, region, profile });
  return {
    entryName: described.arn,
    // Local clusters on Outposts check tokens against their id, as `aws eks update-kubeconfig` knows.
    tokenClusterName: described.outpostClusterId ?? name,
    region: regionOfArn(described.arn) ?? region,
    server: described.endpoint,
    caData: described.caData,
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

function regionOfArn(arn: string): string | undefined {
  const region = arn.split(":")[3];
  return region && isRegionName(region) ? region : undefined;
}

async function readAll(paths: readonly string[], deps: KubeconfigDeps): Promise<FileText[]> {
  return Promise.all(paths.map(async (path) => ({ path, text: await deps.readText(path) })));
}

export async function migrateKubeconfig(flags: MigrateInput, io: Ports, deps: KubeconfigDeps): Promise<void> {
  const paths = kubeconfigPaths({ flag: flags.kubeconfig, env: io.env, cwd: deps.cwd() });
  const files = (await readAll(paths, deps)).filter((f): f is { path: string; text: string } => f.text !== undefined);
  if (files.length === 0) {
    io.stderr(`No kubeconfig found at ${paths.join(", ")}; nothing to migrate\n`);
    return;
  }
  // Every file must parse before any is written, so a failure leaves all of them as they were.
  const results = files.map((f) => {
    const parsed = parseKubeconfig(f.text, f.path);
    return { path: f.path, style: parsed.style, ...migrateDocument(parsed.doc) };
  });
  let total = 0;
  for (const r of results) {
    for (const s of r.skipped) io.stderr(`eks-token: warning: ${r.path}: user ${s.user} left as it is: ${s.reason}\n`);
    if (r.changes.length === 0) continue;
    total += r.changes.length;
    const text = stringifyKubeconfig(r.doc, r.style);
    // The summary only after the write: a failed write leaves nothing but the error line.
    if (!flags.dryRun) await deps.writeText(r.path, text);
    io.stderr(`--- ${r.path}\n${formatChanges(r.changes)}`);
    if (flags.dryRun) io.stdout(files.length > 1 ? `---\n# ${r.path}\n${text}` : text);
    io.stderr(`${flags.dryRun ? "Would change" : "Changed"} ${plural(r.changes.length, "user")} in ${r.path}\n`);
  }
  if (total === 0)
    io.stderr(
      `No users running aws eks get-token or aws-iam-authenticator in ${files.map((f) => f.path).join(", ")}; nothing changed\n`,
    );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
