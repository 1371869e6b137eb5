/**
 * Who the cluster sees, and what could map or grant it: the principal an STS identity becomes,
 * access entries matched as EKS matches them, the aws-auth ConfigMap read as the authenticator
 * reads it (with its classic mistakes named), and the five EKS access policies. Pure.
 */
import { parse as parseYaml } from "yaml";
import { canonicalArn } from "../../verify/arn.js";

export interface ArnParts {
  readonly partition: string;
  readonly account: string;
  readonly service: string;
  /** role, user, assumed-role, root, federated-user ... */
  readonly type: string;
  /** The last path segment: the role or user name (for assumed-role, the role name). */
  readonly name: string;
  /** The path between type and name, "" for none. */
  readonly path: string;
}

export function arnParts(arn: string): ArnParts | undefined {
  const m = /^arn:([^:]+):([^:]+):[^:]*:(\d{12}|aws)?:(.+)$/.exec(arn);
  if (!m) return undefined;
  const [, partition = "", service = "", account = "", resource = ""] = m;
  const segments = resource.split("/");
  const type = segments[0] ?? "";
  if (service === "sts" && type === "assumed-role") {
    return { partition, account, service, type, name: segments[segments.length - 2] ?? "", path: "" };
  }
  const rest = segments.slice(1);
  return { partition, account, service, type, name: rest[rest.length - 1] ?? "", path: rest.slice(0, -1).join("/") };
}

/** The ARN the server maps (assumed-role becomes the IAM role, as the authenticator canonicalises). */
export function principalOf(callerArn: string): string {
  return canonicalArn(callerArn);
}

/**
 * The entry EKS matches: the exact principal, else (a role whose assumed-role ARN hides its path)
 * a role entry of the same account and role name.
 */
export function matchAccessEntry(principalArn: string, entries: readonly string[]): string | undefined {
  const exact = entries.find((e) => e === principalArn);
  if (exact) return exact;
  const p = arnParts(principalArn);
  if (p?.type !== "role") return undefined;
  return entries.find((e) => {
    const q = arnParts(e);
    return q?.type === "role" && q.account === p.account && q.partition === p.partition && q.name === p.name;
  });
}

// --------------------------------------------------------------------------------------------
// aws-auth

export interface AwsAuthMapping {
  readonly key: "mapRoles" | "mapUsers";
  readonly arn: string;
  readonly username: string | undefined;
  readonly groups: readonly string[];
}

export type AwsAuthFinding =
  | { readonly kind: "mapped"; readonly mapping: AwsAuthMapping }
  | { readonly kind: "mistake"; readonly mapping: AwsAuthMapping; readonly why: string; readonly right: string }
  | { readonly kind: "invalid"; readonly key: string; readonly message: string }
  | { readonly kind: "absent" };

export interface AwsAuthData {
  readonly mapRoles?: string | undefined;
  readonly mapUsers?: string | undefined;
}

function readMappings(text: string | undefined, key: "mapRoles" | "mapUsers"): AwsAuthMapping[] | { error: string } {
  if (text === undefined || text.trim() === "") return [];
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return { error: ((e as Error).message.split("\n")[0] ?? "").trim() };
  }
  if (doc === null || doc === undefined) return [];
  if (!Array.isArray(doc)) return { error: "it is not a list" };
  const arnKey = key === "mapRoles" ? "rolearn" : "userarn";
  const out: AwsAuthMapping[] = [];
  for (const item of doc) {
    if (typeof item !== "object" || item === null) continue;
    const r = item as Record<string, unknown>;
    if (typeof r[arnKey] !== "string") continue;
    out.push({
      key,
      arn: (r[arnKey] as string).trim(),
      username: typeof r.username === "string" ? r.username : undefined,
      groups: Array.isArray(r.groups) ? r.groups.filter((g): g is string => typeof g === "string") : [],
    });
  }
  return out;
}

/** What aws-auth does with this principal: the mapping the server uses, or the mistake that keeps it from matching. */
export function analyseAwsAuth(data: AwsAuthData, principalArn: string): AwsAuthFinding {
  const roles = readMappings(data.mapRoles, "mapRoles");
  if ("error" in roles) return { kind: "invalid", key: "mapRoles", message: roles.error };
  const users = readMappings(data.mapUsers, "mapUsers");
  if ("error" in users) return { kind: "invalid", key: "mapUsers", message: users.error };
  const all = [...roles, ...users];
  // The authenticator compares the canonical ARN exactly (case-insensitively for the role name part).
  const exact = all.find((m) => m.arn.toLowerCase() === principalArn.toLowerCase());
  if (exact) return { kind: "mapped", mapping: exact };
  const p = arnParts(principalArn);
  if (!p) return { kind: "absent" };
  for (const m of all) {
    const q = arnParts(m.arn);
    if (!q || q.name !== p.name) continue;
    if (q.type === "assumed-role" && p.type === "role" && q.account === p.account) {
      return {
        kind: "mistake",
        mapping: m,
        why: `aws-auth maps the STS session ARN ${m.arn}; the server matches the IAM role ARN`,
        right: principalArn,
      };
    }
    if (q.type === "role" && p.type === "role" && q.account === p.account && q.path !== "") {
      return {
        kind: "mistake",
        mapping: m,
        why: `aws-auth maps ${m.arn} with the path /${q.path}/; aws-auth entries cannot include one, the server matches ${principalArn}`,
        right: principalArn,
      };
    }
    if (q.type === p.type && q.account !== p.account) {
      return {
        kind: "mistake",
        mapping: m,
        why: `aws-auth maps ${m.arn} of account ${q.account}; these credentials are of account ${p.account}`,
        right: principalArn,
      };
    }
  }
  return { kind: "absent" };
}

// --------------------------------------------------------------------------------------------
// The EKS access policies, as far as telling which could grant a request

export const POLICY_ARN_PREFIX = "arn:aws:eks::aws:cluster-access-policy/";

const READ_VERBS = new Set(["get", "list", "watch"]);
const RBAC_RESOURCES = new Set(["roles", "rolebindings"]);
const CLUSTER_RESOURCES = new Set([
  "namespaces",
  "nodes",
  "persistentvolumes",
  "clusterroles",
  "clusterrolebindings",
  "customresourcedefinitions",
  "storageclasses",
  "priorityclasses",
]);

export interface AccessRequest {
  readonly verb: string;
  readonly resource: string;
  readonly namespace: string | undefined;
}

export function policyName(policyArn: string): string {
  return policyArn.startsWith(POLICY_ARN_PREFIX) ? policyArn.slice(POLICY_ARN_PREFIX.length) : policyArn;
}

/** Whether the policy's rules (leaving scope aside) cover the request. */
export function policyRulesAllow(name: string, r: AccessRequest): boolean {
  const read = READ_VERBS.has(r.verb);
  const clusterWide = CLUSTER_RESOURCES.has(r.resource);
  switch (name) {
    case "AmazonEKSClusterAdminPolicy":
      return true;
    case "AmazonEKSAdminViewPolicy":
      return read;
    case "AmazonEKSViewPolicy":
      return read && r.resource !== "secrets" && !RBAC_RESOURCES.has(r.resource);
    case "AmazonEKSEditPolicy":
      return !clusterWide && !RBAC_RESOURCES.has(r.resource);
    case "AmazonEKSAdminPolicy":
      return !clusterWide || read;
    default:
      return false;
  }
}

/** Whether a scope (undefined: the cluster) reaches the request's namespace. */
export function scopeCovers(namespaces: readonly string[] | undefined, r: AccessRequest): boolean {
  if (namespaces === undefined) return true;
  if (r.namespace === undefined || CLUSTER_RESOURCES.has(r.resource)) return false;
  return namespaces.some((n) => (n.endsWith("*") ? r.namespace!.startsWith(n.slice(0, -1)) : n === r.namespace));
}

/** The least of the five policies that grants the request. */
export function policyFor(r: AccessRequest): string {
  for (const name of ["AmazonEKSViewPolicy", "AmazonEKSAdminViewPolicy", "AmazonEKSEditPolicy", "AmazonEKSAdminPolicy"])
    if (policyRulesAllow(name, r)) return name;
  return "AmazonEKSClusterAdminPolicy";
}
