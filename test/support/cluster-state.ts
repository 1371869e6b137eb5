// One emulated EKS cluster's access configuration, shared by the EKS API emulator (which reports
// it) and the Kubernetes emulator (which enforces it): the authentication mode, access entries
// with their access policies, the aws-auth ConfigMap and extra RBAC. Mutable, so a test or the
// demo can change it between requests and both servers see the change at once.
import { createHash } from "node:crypto";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { accessPolicyArn, policyAllows } from "./access-policies.js";
import {
  isAllowed,
  kubeUser,
  type Access,
  type AccessEntry as LegacyAccessEntry,
  type AwsAuth,
  type Caller,
  type KubeUser,
  type RbacRule,
} from "./k8s-emulator-identity.js";

export type AuthenticationMode = "CONFIG_MAP" | "API" | "API_AND_CONFIG_MAP";

export type AccessScope =
  | { readonly type: "cluster" }
  | { readonly type: "namespace"; readonly namespaces: readonly string[] };

export interface AssociatedPolicy {
  readonly policyArn: string;
  readonly accessScope: AccessScope;
  readonly associatedAt: number;
  readonly modifiedAt: number;
}

export type AccessEntryType =
  | "STANDARD"
  | "EC2_LINUX"
  | "EC2_WINDOWS"
  | "FARGATE_LINUX"
  | "EC2"
  | "HYBRID_LINUX"
  | "HYPERPOD_LINUX";

export interface AccessEntryRecord {
  readonly principalArn: string;
  readonly type: AccessEntryType;
  readonly username: string;
  readonly kubernetesGroups: readonly string[];
  readonly accessEntryArn: string;
  readonly createdAt: number;
  readonly modifiedAt: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly policies: readonly AssociatedPolicy[];
}

export interface PolicyInput {
  /** A policy name (AmazonEKSViewPolicy) or its ARN. */
  readonly policy: string;
  /** Cluster-wide when absent. */
  readonly namespaces?: readonly string[];
}

export interface AccessEntryInput {
  readonly principalArn: string;
  readonly type?: AccessEntryType;
  /** EKS's default when absent: the user ARN, or the role's assumed-role ARN with {{SessionName}}. */
  readonly username?: string;
  readonly kubernetesGroups?: readonly string[];
  readonly policies?: readonly PolicyInput[];
  readonly tags?: Readonly<Record<string, string>>;
}

/** aws-auth's data as EKS stores it: each key a YAML document in a string. */
export interface AwsAuthData {
  readonly mapRoles?: string;
  readonly mapUsers?: string;
  readonly mapAccounts?: string;
}

export interface ClusterStateOptions {
  readonly name: string;
  readonly accountId: string;
  readonly region?: string;
  readonly version?: string;
  readonly platformVersion?: string;
  readonly status?: string;
  readonly authenticationMode?: AuthenticationMode;
  readonly accessEntries?: readonly AccessEntryInput[];
  /** Structured mappings (rendered to YAML as EKS stores them) or the raw ConfigMap data. */
  readonly awsAuth?: AwsAuth | AwsAuthData;
  readonly rbac?: readonly RbacRule[];
  readonly endpoint?: string;
  readonly certificateAuthorityData?: string;
  readonly endpointPublicAccess?: boolean;
  readonly endpointPrivateAccess?: boolean;
  readonly publicAccessCidrs?: readonly string[];
  /** Clock for createdAt and entry timestamps (epoch ms). */
  readonly now?: () => number;
}

/** Kubernetes' superuser group; aws-auth maps cluster admins to it. */
export const MASTERS_GROUP = "system:masters";

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;
const USER_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/;

export class ClusterState {
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly arn: string;
  readonly createdAt: number;
  version: string;
  platformVersion: string;
  status: string;
  /** The Kubernetes API server URL DescribeCluster reports. */
  endpoint: string;
  certificateAuthorityData: string;
  endpointPublicAccess: boolean;
  endpointPrivateAccess: boolean;
  publicAccessCidrs: readonly string[];
  rbac: RbacRule[];
  private mode: AuthenticationMode;
  private readonly entries = new Map<string, AccessEntryRecord>();
  private awsAuth: AwsAuthData | undefined;
  private readonly now: () => number;

  constructor(options: ClusterStateOptions) {
    this.now = options.now ?? Date.now;
    this.name = options.name;
    this.accountId = options.accountId;
    this.region = options.region ?? "eu-west-1";
    this.arn = `arn:aws:eks:${this.region}:${this.accountId}:cluster/${this.name}`;
    this.createdAt = Math.floor(this.now() / 1000) * 1000 - 86_400_000;
    this.version = options.version ?? "1.32";
    this.platformVersion = options.platformVersion ?? "eks.8";
    this.status = options.status ?? "ACTIVE";
    this.endpoint = options.endpoint ?? "";
    this.certificateAuthorityData = options.certificateAuthorityData ?? "";
    this.endpointPublicAccess = options.endpointPublicAccess ?? true;
    this.endpointPrivateAccess = options.endpointPrivateAccess ?? false;
    this.publicAccessCidrs = options.publicAccessCidrs ?? ["0.0.0.0/0"];
    this.rbac = [...(options.rbac ?? [])];
    this.mode = options.authenticationMode ?? "API_AND_CONFIG_MAP";
    for (const entry of options.accessEntries ?? []) this.putAccessEntry(entry);
    this.setAwsAuth(options.awsAuth);
  }

  /** The state the Kubernetes emulator's older options describe: entries and aws-auth both apply. */
  static fromLegacy(
    name: string,
    options: { accessEntries?: readonly LegacyAccessEntry[]; awsAuth?: AwsAuth; rbac?: readonly RbacRule[] },
  ): ClusterState {
    const accountOf = (arn: string) => /^arn:[^:]+:[^:]+::(\d{12}):/.exec(arn)?.[1];
    const first =
      options.accessEntries?.[0]?.principalArn ??
      options.awsAuth?.mapRoles?.[0]?.rolearn ??
      options.awsAuth?.mapUsers?.[0]?.userarn;
    return new ClusterState({
      name,
      accountId: (first && accountOf(first)) || "000000000000",
      accessEntries: (options.accessEntries ?? []).map((e) => ({
        principalArn: e.principalArn,
        username: e.username,
        kubernetesGroups: e.groups ?? [],
      })),
      ...(options.awsAuth ? { awsAuth: options.awsAuth } : {}),
      rbac: options.rbac ?? [],
    });
  }

  get authenticationMode(): AuthenticationMode {
    return this.mode;
  }

  setAuthenticationMode(mode: AuthenticationMode): void {
    // EKS only moves towards API: CONFIG_MAP -> API_AND_CONFIG_MAP -> API. The emulator lets
    // tests set any mode, so one state can be reused across cases.
    this.mode = mode;
  }

  // -- access entries ----------------------------------------------------------------------

  /** Entries in creation order. */
  accessEntries(): readonly AccessEntryRecord[] {
    return [...this.entries.values()];
  }

  accessEntry(principalArn: string): AccessEntryRecord | undefined {
    return this.entries.get(principalArn);
  }

  /** Creates the entry, or replaces the one with the same principal ARN (keeping createdAt). */
  putAccessEntry(input: AccessEntryInput): AccessEntryRecord {
    const kind = principalKind(input.principalArn);
    if (!kind) throw new Error(`access entries take an IAM role or user ARN, not ${input.principalArn}`);
    const prior = this.entries.get(input.principalArn);
    const at = this.now();
    const record: AccessEntryRecord = {
      principalArn: input.principalArn,
      type: input.type ?? "STANDARD",
      username: input.username ?? defaultUsername(input.principalArn),
      kubernetesGroups: [...(input.kubernetesGroups ?? [])],
      accessEntryArn: prior?.accessEntryArn ?? accessEntryArn(this, input.principalArn),
      createdAt: prior?.createdAt ?? at,
      modifiedAt: at,
      tags: { ...(input.tags ?? {}) },
      policies: [],
    };
    this.entries.set(input.principalArn, record);
    for (const p of input.policies ?? []) this.associateAccessPolicy(input.principalArn, p.policy, p.namespaces);
    return this.entries.get(input.principalArn)!;
  }

  deleteAccessEntry(principalArn: string): boolean {
    return this.entries.delete(principalArn);
  }

  /** Associates (or re-scopes) a policy; namespaces absent means cluster scope. */
  associateAccessPolicy(principalArn: string, policy: string, namespaces?: readonly string[]): void {
    const entry = this.requireEntry(principalArn);
    const policyArn = accessPolicyArn(policy);
    const at = this.now();
    const prior = entry.policies.find((p) => p.policyArn === policyArn);
    const accessScope: AccessScope =
      namespaces === undefined ? { type: "cluster" } : { type: "namespace", namespaces: [...namespaces] };
    const next: AssociatedPolicy = { policyArn, accessScope, associatedAt: prior?.associatedAt ?? at, modifiedAt: at };
    const policies = prior ? entry.policies.map((p) => (p === prior ? next : p)) : [...entry.policies, next];
    this.entries.set(principalArn, { ...entry, policies });
  }

  disassociateAccessPolicy(principalArn: string, policy: string): void {
    const entry = this.requireEntry(principalArn);
    const policyArn = accessPolicyArn(policy);
    this.entries.set(principalArn, { ...entry, policies: entry.policies.filter((p) => p.policyArn !== policyArn) });
  }

  private requireEntry(principalArn: string): AccessEntryRecord {
    const entry = this.entries.get(principalArn);
    if (!entry) throw new Error(`no access entry for ${principalArn}`);
    return entry;
  }

  // -- aws-auth ----------------------------------------------------------------------------

  /** The ConfigMap's data, or undefined when the cluster has no aws-auth ConfigMap. */
  awsAuthData(): AwsAuthData | undefined {
    return this.awsAuth;
  }

  /** Replaces aws-auth: structured mappings, raw data (any YAML, even broken), or none. */
  setAwsAuth(awsAuth: AwsAuth | AwsAuthData | undefined): void {
    this.awsAuth = awsAuth === undefined ? undefined : isRawAwsAuth(awsAuth) ? { ...awsAuth } : renderAwsAuth(awsAuth);
  }

  // -- what the server enforces -------------------------------------------------------------

  /** The entry EKS finds for a caller: by canonical ARN, or for a role, by account and name (an entry may carry the role's path). */
  findAccessEntry(caller: Caller): AccessEntryRecord | undefined {
    const exact = this.entries.get(caller.canonicalArn);
    if (exact) return exact;
    const role = ROLE_ARN.exec(caller.canonicalArn);
    if (!role) return undefined;
    return this.accessEntries().find((e) => {
      const m = ROLE_ARN.exec(e.principalArn);
      return m !== null && m[1] === role[1] && m[2] === role[2] && m[3] === role[3];
    });
  }

  /** The Kubernetes user a verified caller becomes in the current mode, or undefined (401). */
  mapCaller(caller: Caller): KubeUser | undefined {
    if (this.mode !== "CONFIG_MAP") {
      const entry = this.findAccessEntry(caller);
      if (entry)
        return kubeUser(
          caller,
          { username: entry.username, groups: entry.kubernetesGroups },
          `access entry ${entry.principalArn}`,
          entry.principalArn,
        );
    }
    if (this.mode === "API") return undefined;
    // aws-auth compares the canonical ARN exactly: a role ARN with a path, or an assumed-role
    // ARN, never matches.
    const { mapRoles, mapUsers } = parseAwsAuth(this.awsAuth);
    const role = mapRoles.find((r) => r.arn === caller.canonicalArn);
    if (role) return kubeUser(caller, role, `aws-auth mapRoles ${role.arn}`);
    const user = mapUsers.find((u) => u.arn === caller.canonicalArn);
    if (user) return kubeUser(caller, user, `aws-auth mapUsers ${user.arn}`);
    return undefined;
  }

  /** system:masters, then the matched entry's access policies within their scope, then RBAC. */
  isAllowed(user: KubeUser, access: Access): boolean {
    if (user.groups.includes(MASTERS_GROUP)) return true;
    const entry =
      user.accessEntry !== undefined && this.mode !== "CONFIG_MAP" ? this.entries.get(user.accessEntry) : undefined;
    const request = { verb: access.verb, resource: access.resource, apiGroup: access.apiGroup ?? "" };
    if (entry?.policies.some((p) => inScope(p.accessScope, access.namespace) && policyAllows(p.policyArn, request)))
      return true;
    return isAllowed(user, access, this.rbac);
  }
}

function inScope(scope: AccessScope, namespace: string | undefined): boolean {
  if (scope.type === "cluster") return true;
  // A namespace scope never reaches cluster-scoped resources. EKS allows a trailing * in names.
  return (
    namespace !== undefined &&
    scope.namespaces.some((n) => (n.endsWith("*") ? namespace.startsWith(n.slice(0, -1)) : n === namespace))
  );
}

function principalKind(arn: string): "role" | "user" | undefined {
  return ROLE_ARN.test(arn) ? "role" : USER_ARN.test(arn) ? "user" : undefined;
}

function defaultUsername(principalArn: string): string {
  const role = ROLE_ARN.exec(principalArn);
  return role ? `arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}/{{SessionName}}` : principalArn;
}

function accessEntryArn(state: ClusterState, principalArn: string): string {
  const m = (ROLE_ARN.exec(principalArn) ?? USER_ARN.exec(principalArn))!;
  const hex = createHash("sha256").update(`${state.arn} ${principalArn}`).digest("hex");
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  return `arn:aws:eks:${state.region}:${state.accountId}:access-entry/${state.name}/${principalKind(principalArn)}/${m[2]}/${m[3]}/${id}`;
}

function isRawAwsAuth(value: AwsAuth | AwsAuthData): value is AwsAuthData {
  return [value.mapRoles, value.mapUsers, (value as AwsAuthData).mapAccounts].some((v) => typeof v === "string");
}

/** YAML lists in the layout eksctl and the EKS console write (groups first, keys sorted). */
export function renderAwsAuth(awsAuth: AwsAuth): AwsAuthData {
  const render = (items: readonly object[]) =>
    stringifyYaml(
      items.map((item) => Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)))),
      { indentSeq: false },
    );
  return {
    ...(awsAuth.mapRoles ? { mapRoles: render(awsAuth.mapRoles) } : {}),
    ...(awsAuth.mapUsers ? { mapUsers: render(awsAuth.mapUsers) } : {}),
  };
}

export interface AwsAuthMapping {
  readonly arn: string;
  readonly username: string;
  readonly groups: readonly string[];
}

/** The mappings the authenticator would load; a key that does not parse maps no one. */
export function parseAwsAuth(data: AwsAuthData | undefined): {
  mapRoles: AwsAuthMapping[];
  mapUsers: AwsAuthMapping[];
} {
  const list = (text: string | undefined, arnKey: "rolearn" | "userarn"): AwsAuthMapping[] => {
    if (text === undefined) return [];
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch {
      return [];
    }
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((item: Record<string, unknown> | null) => {
      const arn = item?.[arnKey];
      if (typeof arn !== "string") return [];
      const groups = Array.isArray(item!.groups) ? item!.groups.filter((g): g is string => typeof g === "string") : [];
      return [{ arn, username: typeof item!.username === "string" ? item!.username : arn, groups }];
    });
  };
  return { mapRoles: list(data?.mapRoles, "rolearn"), mapUsers: list(data?.mapUsers, "userarn") };
}
