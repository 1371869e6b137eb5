// How EKS turns an STS caller into a Kubernetes user (access entries, then aws-auth), and the
// small RBAC the emulator enforces. Pure functions, so the mapping can be tested alone.

export interface AccessEntry {
  readonly principalArn: string;
  readonly username: string;
  readonly groups?: readonly string[];
}

export interface MapRole {
  readonly rolearn: string;
  readonly username: string;
  readonly groups?: readonly string[];
}

export interface MapUser {
  readonly userarn: string;
  readonly username: string;
  readonly groups?: readonly string[];
}

export interface AwsAuth {
  readonly mapRoles?: readonly MapRole[];
  readonly mapUsers?: readonly MapUser[];
}

export interface RbacRule {
  readonly group?: string;
  readonly user?: string;
  /** "*" for every namespace (and cluster-scoped resources). */
  readonly namespace: string;
  readonly verbs: readonly string[];
  readonly resources: readonly string[];
}

export interface Caller {
  readonly account: string;
  readonly arn: string;
  readonly canonicalArn: string;
  readonly userId: string;
  readonly sessionName?: string;
  readonly accessKeyId: string;
}

export interface KubeUser {
  readonly username: string;
  readonly uid: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
  /** Which mapping matched, for the log. */
  readonly via: string;
  /** The principal ARN of the access entry that matched, whose access policies apply. */
  readonly accessEntry?: string;
}

export const AUTHENTICATED_GROUP = "system:authenticated";

/** The placeholders EKS fills in usernames; unknown ones stay as written. */
export function expandTemplate(template: string, caller: Caller): string {
  const values: Record<string, string | undefined> = {
    SessionName: caller.sessionName,
    AccountID: caller.account,
    AccessKeyID: caller.accessKeyId,
  };
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole);
}

/** Access entries first (canonical ARN), then aws-auth mapRoles (canonical ARN) and mapUsers (ARN). */
export function mapCaller(
  caller: Caller,
  accessEntries: readonly AccessEntry[],
  awsAuth: AwsAuth = {},
): KubeUser | undefined {
  const entry = accessEntries.find((e) => e.principalArn === caller.canonicalArn);
  const role = entry ? undefined : awsAuth.mapRoles?.find((r) => r.rolearn === caller.canonicalArn);
  const user =
    entry || role
      ? undefined
      : awsAuth.mapUsers?.find((u) => u.userarn === caller.arn || u.userarn === caller.canonicalArn);
  const match = entry ?? role ?? user;
  if (!match) return undefined;
  const via = entry
    ? `access entry ${entry.principalArn}`
    : role
      ? `aws-auth mapRoles ${role.rolearn}`
      : `aws-auth mapUsers ${user!.userarn}`;
  return kubeUser(caller, match, via);
}

/** The user a matched mapping gives: its username template filled in, system:authenticated added. */
export function kubeUser(
  caller: Caller,
  match: { readonly username: string; readonly groups?: readonly string[] },
  via: string,
  accessEntry?: string,
): KubeUser {
  const groups = [...(match.groups ?? []).filter((g) => g !== AUTHENTICATED_GROUP), AUTHENTICATED_GROUP];
  const extra: Record<string, string[]> = {
    accessKeyId: [caller.accessKeyId],
    arn: [caller.arn],
    canonicalArn: [caller.canonicalArn],
    principalId: [caller.userId],
    ...(caller.sessionName !== undefined ? { sessionName: [caller.sessionName] } : {}),
  };
  return {
    username: expandTemplate(match.username, caller),
    uid: `aws-iam-authenticator:${caller.account}:${caller.userId}`,
    groups,
    extra,
    via,
    ...(accessEntry !== undefined ? { accessEntry } : {}),
  };
}

export interface Access {
  readonly verb: string;
  readonly resource: string;
  /** undefined for cluster-scoped requests. */
  readonly namespace: string | undefined;
  /** The API group; "" (the core group) when absent. */
  readonly apiGroup?: string;
}

export function isAllowed(user: KubeUser, access: Access, rules: readonly RbacRule[]): boolean {
  return rules.some(
    (rule) =>
      (rule.user === user.username || (rule.group !== undefined && user.groups.includes(rule.group))) &&
      (rule.namespace === "*" || rule.namespace === access.namespace) &&
      (rule.verbs.includes(access.verb) || rule.verbs.includes("*")) &&
      (rule.resources.includes(access.resource) || rule.resources.includes("*")),
  );
}

/** The message kube-apiserver's RBAC authorizer gives, word for word in shape. */
export function forbiddenMessage(user: KubeUser, access: Access, name?: string): string {
  const target = name === undefined ? access.resource : `${access.resource} "${name}"`;
  const scope = access.namespace === undefined ? "at the cluster scope" : `in the namespace "${access.namespace}"`;
  return `${target} is forbidden: User "${user.username}" cannot ${access.verb} resource "${access.resource}" in API group "${access.apiGroup ?? ""}" ${scope}`;
}
