// The EKS access policies the emulator enforces, as Kubernetes RBAC rules. EKS documents them as
// close to Kubernetes' user-facing ClusterRoles (cluster-admin, admin, edit, view); the rules here
// follow those roles for the resources this emulator serves, so what a policy allows in a real
// cluster it allows here, and what it denies (view reading secrets, edit granting roles) it denies.

export const ACCESS_POLICY_ARN_PREFIX = "arn:aws:eks::aws:cluster-access-policy/";

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

const READ = ["get", "list", "watch"] as const;
const WRITE = ["create", "update", "patch", "delete", "deletecollection"] as const;

// Resources of the view ClusterRole (no secrets: reading them is a way to escalate).
const VIEWABLE_CORE = [
  "configmaps",
  "endpoints",
  "persistentvolumeclaims",
  "pods",
  "pods/log",
  "pods/status",
  "replicationcontrollers",
  "services",
  "serviceaccounts",
  "resourcequotas",
  "limitranges",
  "events",
  "namespaces",
  "bindings",
];
const VIEWABLE_APPS = ["deployments", "daemonsets", "replicasets", "statefulsets"];
const EDITABLE_CORE = [
  "configmaps",
  "endpoints",
  "persistentvolumeclaims",
  "pods",
  "pods/exec",
  "pods/attach",
  "pods/portforward",
  "replicationcontrollers",
  "services",
  "serviceaccounts",
  "secrets",
];

const viewRules: PolicyRule[] = [
  { apiGroups: [""], resources: VIEWABLE_CORE, verbs: READ },
  { apiGroups: ["apps"], resources: VIEWABLE_APPS, verbs: READ },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: READ },
];

const editRules: PolicyRule[] = [
  ...viewRules,
  { apiGroups: [""], resources: ["secrets"], verbs: READ },
  { apiGroups: [""], resources: EDITABLE_CORE, verbs: WRITE },
  { apiGroups: ["apps"], resources: VIEWABLE_APPS, verbs: WRITE },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: WRITE },
];

const adminRules: PolicyRule[] = [
  ...editRules,
  { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings"], verbs: [...READ, ...WRITE] },
  { apiGroups: ["authorization.k8s.io"], resources: ["localsubjectaccessreviews"], verbs: ["create"] },
];

/** The five EKS access policies, by name. */
export const ACCESS_POLICIES: Readonly<Record<string, readonly PolicyRule[]>> = {
  AmazonEKSClusterAdminPolicy: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
  AmazonEKSAdminPolicy: adminRules,
  AmazonEKSEditPolicy: editRules,
  AmazonEKSViewPolicy: viewRules,
  // Read-only on everything, secrets included.
  AmazonEKSAdminViewPolicy: [{ apiGroups: ["*"], resources: ["*"], verbs: READ }],
};

/** The policy's ARN from its name or its ARN; throws for a policy EKS does not have. */
export function accessPolicyArn(nameOrArn: string): string {
  const name = nameOrArn.startsWith(ACCESS_POLICY_ARN_PREFIX)
    ? nameOrArn.slice(ACCESS_POLICY_ARN_PREFIX.length)
    : nameOrArn;
  if (!Object.hasOwn(ACCESS_POLICIES, name)) throw new Error(`not an EKS access policy: ${nameOrArn}`);
  return ACCESS_POLICY_ARN_PREFIX + name;
}

export interface ResourceRequest {
  readonly verb: string;
  readonly resource: string;
  /** "" for the core group. */
  readonly apiGroup: string;
}

const matches = (list: readonly string[], value: string) => list.includes("*") || list.includes(value);

/** Whether the policy's rules allow the request (scope aside). */
export function policyAllows(policyArn: string, request: ResourceRequest): boolean {
  const rules = ACCESS_POLICIES[accessPolicyArn(policyArn).slice(ACCESS_POLICY_ARN_PREFIX.length)]!;
  return rules.some(
    (r) =>
      matches(r.apiGroups, request.apiGroup) &&
      matches(r.resources, request.resource) &&
      matches(r.verbs, request.verb),
  );
}
