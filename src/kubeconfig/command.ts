/** `eks-token kubeconfig` and `eks-token kubeconfig migrate`: flags, orchestration, output. */
import type { CliIo, Command } from "../cli/io.js";
import { EksTokenError } from "../errors.js";
import { chooseFile, kubeconfigPaths, type FileText } from "./choose-file.js";
import type { DescribeInput, DescribedCluster } from "./describe-cluster.js";
import { parseKubeconfig, stringifyKubeconfig } from "./document.js";
import { buildEntries, type KubeconfigEntries } from "./entries.js";
import { API_VERSIONS, type ExecApiVersion } from "./exec-user.js";
import { parseKubeconfigArgs, type MigrateFlags, type UpdateFlags } from "./flags.js";
import { KUBECONFIG_HELP } from "./help.js";
import { mergeEntries } from "./merge.js";
import { formatChanges, migrateDocument } from "./migrate.js";
import { readProfileRegion, resolveRegion, type RegionSources } from "./region.js";
import * as check from "./validate.js";
import { readKubeconfigText, writeFileAtomic } from "./write-file.js";

/** Everything with a side effect, replaceable in tests. */
export interface KubeconfigDeps {
  readonly describeCluster: (input: DescribeInput) => Promise<DescribedCluster>;
  readonly profileRegion: RegionSources["profileRegion"];
  readonly readText: (path: string) => Promise<string | undefined>;
  readonly writeText: (path: string, text: string) => Promise<void>;
  readonly cwd: () => string;
}

const realDeps: KubeconfigDeps = {
  // The SDK is loaded only when a cluster has to be described.
  describeCluster: async (input) => (await import("./describe-cluster.js")).describeCluster(input),
  profileRegion: readProfileRegion,
  readText: readKubeconfigText,
  writeText: writeFileAtomic,
  cwd: () => process.cwd(),
};

export function createKubeconfigCommand(deps: KubeconfigDeps = realDeps): Command {
  return async (args, io) => {
    const parsed = parseKubeconfigArgs(args);
    if (parsed.flags.help) {
      io.stdout(KUBECONFIG_HELP);
      return 0;
    }
    return parsed.kind === "migrate" ? runMigrate(parsed.flags, io, deps) : runUpdate(parsed.flags, io, deps);
  };
}

export const runKubeconfig: Command = createKubeconfigCommand();

async function runUpdate(flags: UpdateFlags, io: CliIo, deps: KubeconfigDeps): Promise<number> {
  // Paths first: a missing HOME should fail before any call to AWS.
  const paths = kubeconfigPaths({ flag: flags.kubeconfig, env: io.env, cwd: deps.cwd() });
  const entries = await planEntries(flags, io, deps);
  const chosen = chooseFile(await readAll(paths, deps), entries.cluster.name);
  chosen.warnings.forEach((w) => io.stderr(`eks-token: warning: ${w}\n`));
  const merged = mergeEntries(chosen.parsed.doc, entries);
  const text = stringifyKubeconfig(merged.doc, chosen.parsed.style);
  if (flags.dryRun) {
    io.stdout(text);
    return 0;
  }
  await deps.writeText(chosen.path, text);
  const name = entries.context.name;
  io.stderr(merged.updated ? `Updated context ${name} in ${chosen.path}\n` : `Added new context ${name} to ${chosen.path}\n`);
  return 0;
}

async function planEntries(flags: UpdateFlags, io: CliIo, deps: KubeconfigDeps): Promise<KubeconfigEntries> {
  if (flags.clusterName === undefined) {
    throw new EksTokenError("usage", "missing --cluster-name", "run `eks-token kubeconfig --help` for the flags");
  }
  const offline = flags.endpoint !== undefined || flags.caData !== undefined;
  if (offline && (flags.endpoint === undefined || flags.caData === undefined)) {
    throw new EksTokenError("usage", "--endpoint and --ca-data go together", "pass both, or neither to ask EKS");
  }
  if (!offline && flags.clusterArn !== undefined) {
    throw new EksTokenError("usage", "--cluster-arn is only used with --endpoint and --ca-data", "without them the ARN comes from EKS");
  }
  const common = {
    alias: flags.alias === undefined ? undefined : check.checkEntryName(flags.alias, "--alias"),
    userAlias: flags.userAlias === undefined ? undefined : check.checkEntryName(flags.userAlias, "--user-alias"),
    roleArn: flags.roleArn === undefined ? undefined : check.checkRoleArn(flags.roleArn),
    profile: selectedProfile(flags, io),
    apiVersion: parseApiVersion(flags.apiVersion),
  };
  const cluster = offline ? await offlineCluster(flags, io, deps, common.profile) : await describedCluster(flags, io, deps, common.profile);
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
function selectedProfile(flags: UpdateFlags, io: CliIo): string | undefined {
  if (flags.profile !== undefined) return check.checkProfile(flags.profile);
  const fromEnv = io.env.AWS_PROFILE?.trim();
  return fromEnv ? check.checkProfile(fromEnv, "AWS_PROFILE") : undefined;
}

async function describedCluster(flags: UpdateFlags, io: CliIo, deps: KubeconfigDeps, profile: string | undefined): Promise<ClusterFacts> {
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
async function offlineCluster(flags: UpdateFlags, io: CliIo, deps: KubeconfigDeps, profile: string | undefined): Promise<ClusterFacts> {
  const name = check.checkPassThroughClusterName(flags.clusterName!);
  const arn = flags.clusterArn === undefined ? undefined : check.parseClusterArn(flags.clusterArn);
  if (arn && arn.name !== name) {
    throw new EksTokenError("invalid-input", `--cluster-arn names cluster ${arn.name}, not ${name}`, "pass the ARN of the same cluster");
  }
  if (arn && flags.region !== undefined && check.checkRegion(flags.region) !== arn.region) {
    throw new EksTokenError("invalid-input", `--cluster-arn is in ${arn.region}, not ${flags.region}`, "drop --region or fix it");
  }
  const region = arn?.region ?? (await resolveRegion({ flag: flags.region, env: io.env, profile, profileRegion: deps.profileRegion }));
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
  return region && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(region) ? region : undefined;
}

function parseApiVersion(value: string | undefined): ExecApiVersion {
  if (value === undefined) return API_VERSIONS.v1beta1;
  const short = value.replace(/^client\.authentication\.k8s\.io\//, "");
  if (short === "v1" || short === "v1beta1") return API_VERSIONS[short];
  throw new EksTokenError("usage", `unknown --api-version ${JSON.stringify(value)}`, "use v1beta1 or v1");
}

async function readAll(paths: readonly string[], deps: KubeconfigDeps): Promise<FileText[]> {
  return Promise.all(paths.map(async (path) => ({ path, text: await deps.readText(path) })));
}

async function runMigrate(flags: MigrateFlags, io: CliIo, deps: KubeconfigDeps): Promise<number> {
  const paths = kubeconfigPaths({ flag: flags.kubeconfig, env: io.env, cwd: deps.cwd() });
  const files = (await readAll(paths, deps)).filter((f): f is { path: string; text: string } => f.text !== undefined);
  if (files.length === 0) {
    io.stderr(`No kubeconfig found at ${paths.join(", ")}; nothing to migrate\n`);
    return 0;
  }
  // Every file must parse before any is written, so a failure leaves all of them as they were.
  const results = files.map((f) => {
    const parsed = parseKubeconfig(f.text, f.path);
    return { path: f.path, style: parsed.style, ...migrateDocument(parsed.doc) };
  });
  let total = 0;
  for (const r of results) {
    r.skipped.forEach((s) => io.stderr(`eks-token: warning: ${r.path}: user ${s.user} left as it is: ${s.reason}\n`));
    if (r.changes.length === 0) continue;
    total += r.changes.length;
    io.stderr(`--- ${r.path}\n${formatChanges(r.changes)}`);
    const text = stringifyKubeconfig(r.doc, r.style);
    if (flags.dryRun) {
      io.stdout(files.length > 1 ? `---\n# ${r.path}\n${text}` : text);
    } else {
      await deps.writeText(r.path, text);
    }
    io.stderr(`${flags.dryRun ? "Would change" : "Changed"} ${plural(r.changes.length, "user")} in ${r.path}\n`);
  }
  if (total === 0) io.stderr(`No users running aws eks get-token or aws-iam-authenticator in ${files.map((f) => f.path).join(", ")}; nothing changed\n`);
  return 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
