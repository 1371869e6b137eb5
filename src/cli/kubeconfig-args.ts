/** Flag parsing for `eks-token kubeconfig` and `eks-token kubeconfig migrate`; no validation of values. */
import { EksTokenError } from "../errors.js";
import type { MigrateInput, UpdateInput } from "../usecases/kubeconfig.js";
import { parseFlags } from "./flags.js";

export interface UpdateFlags extends UpdateInput {
  readonly help: boolean;
}

export interface MigrateFlags extends MigrateInput {
  readonly help: boolean;
}

export type ParsedCommand =
  | { readonly kind: "update"; readonly flags: UpdateFlags }
  | { readonly kind: "migrate"; readonly flags: MigrateFlags };

const UPDATE_OPTIONS = {
  help: { type: "boolean", short: "h" },
  "cluster-name": { type: "string" },
  // Same meaning as `aws eks update-kubeconfig --name`, so muscle memory works.
  name: { type: "string" },
  region: { type: "string" },
  profile: { type: "string" },
  "role-arn": { type: "string" },
  alias: { type: "string" },
  "user-alias": { type: "string" },
  kubeconfig: { type: "string" },
  "api-version": { type: "string" },
  "dry-run": { type: "boolean" },
  endpoint: { type: "string" },
  "ca-data": { type: "string" },
  "cluster-arn": { type: "string" },
} as const;

const MIGRATE_OPTIONS = {
  help: { type: "boolean", short: "h" },
  kubeconfig: { type: "string" },
  "dry-run": { type: "boolean" },
} as const;

export function parseKubeconfigArgs(args: readonly string[]): ParsedCommand {
  if (args[0] === "migrate") return { kind: "migrate", flags: parseMigrate(args.slice(1)) };
  return { kind: "update", flags: parseUpdate(args) };
}

function parseUpdate(args: readonly string[]): UpdateFlags {
  const { values: v } = strictParse(args, UPDATE_OPTIONS);
  if (v["cluster-name"] !== undefined && v.name !== undefined) {
    throw new EksTokenError("usage", "--name and --cluster-name are the same flag", "give only one");
  }
  return {
    help: v.help ?? false,
    clusterName: v["cluster-name"] ?? v.name,
    region: v.region,
    profile: v.profile,
    roleArn: v["role-arn"],
    alias: v.alias,
    userAlias: v["user-alias"],
    kubeconfig: v.kubeconfig,
    apiVersion: v["api-version"],
    dryRun: v["dry-run"] ?? false,
    endpoint: v.endpoint,
    caData: v["ca-data"],
    clusterArn: v["cluster-arn"],
  };
}

function parseMigrate(args: readonly string[]): MigrateFlags {
  const { values: v } = strictParse(args, MIGRATE_OPTIONS);
  return { help: v.help ?? false, kubeconfig: v.kubeconfig, dryRun: v["dry-run"] ?? false };
}

const HINT = "run `eks-token kubeconfig --help` for the flags";

function strictParse<O extends Parameters<typeof parseFlags>[1]>(args: readonly string[], options: O) {
  return parseFlags(args, options, { positionals: false, hint: HINT });
}
