/** Flag parsing for `eks-token kubeconfig` and `eks-token kubeconfig migrate`; no validation of values. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { EksTokenError } from "../errors.js";

export interface UpdateFlags {
  readonly help: boolean;
  readonly clusterName?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly roleArn?: string;
  readonly alias?: string;
  readonly userAlias?: string;
  readonly kubeconfig?: string;
  readonly apiVersion?: string;
  readonly dryRun: boolean;
  readonly endpoint?: string;
  readonly caData?: string;
  readonly clusterArn?: string;
}

export interface MigrateFlags {
  readonly help: boolean;
  readonly kubeconfig?: string;
  readonly dryRun: boolean;
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

type Options = NonNullable<ParseArgsConfig["options"]>;

function strictParse<O extends Options>(args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  } catch (e) {
    throw usageError(e);
  }
}

// node's messages mention `--` tricks meant for scripts; users need the flag and what to do.
function usageError(e: unknown): EksTokenError {
  const code = (e as { code?: string }).code;
  const message = e instanceof Error ? e.message : String(e);
  const quoted = /'([^']+)'/.exec(message)?.[1];
  const hint = "run `eks-token kubeconfig --help` for the flags";
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new EksTokenError("usage", `unknown option ${quoted ?? message}`, hint);
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new EksTokenError("usage", `unexpected argument ${quoted ?? message}`, hint);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return new EksTokenError("usage", `missing or ambiguous value: ${firstSentence(message)}`, hint);
    default:
      return new EksTokenError("usage", firstSentence(message), hint);
  }
}

function firstSentence(message: string): string {
  const end = message.indexOf(". ");
  return end === -1 ? message : message.slice(0, end);
}
