/**
 * Checks 5 to 9 of `eks-token doctor`: the cluster as EKS describes it and as the network reaches
 * it, the access entry, aws-auth, then the API server's own answers (SelfSubjectReview and
 * SelfSubjectAccessReview) with the token.
 */
import {
  isEksApiError,
  type EksAccessEntry,
  type EksApi,
  type EksAssociatedPolicy,
  type EksCluster,
  type EksListing,
} from "../../aws/eks-api.js";
import type { KubeApi, KubeResponse } from "./kube-client.js";
import {
  analyseAwsAuth,
  matchAccessEntry,
  POLICY_ARN_PREFIX,
  policyFor,
  policyName,
  policyRulesAllow,
  scopeCovers,
  type AccessRequest,
} from "./principal.js";
import { andThen, command, fail, pass, skip, warn, type Check, type Fix } from "./report.js";
import { displayUrl } from "../../redact.js";

export interface Where {
  readonly clusterName: string;
  readonly region: string | undefined;
}

function clusterFlags(w: Where): string[] {
  return ["--cluster-name", w.clusterName, ...(w.region ? ["--region", w.region] : [])];
}

function regionFlag(w: Where): string[] {
  return w.region ? ["--region", w.region] : [];
}

function deniedDetail(operation: string, message: string): string {
  return `not allowed to call eks:${operation} (${message}); an admin with eks:${operation} can run the same check`;
}

/** Whether an EKS failure means the API is gone for the rest of the walk. */
export function eksIsDead(e: unknown): boolean {
  return isEksApiError(e) && (e.kind === "timeout" || e.kind === "unreachable");
}

// --------------------------------------------------------------------------------------------
// cluster

export interface ClusterOutcome {
  readonly check: Check;
  readonly cluster?: EksCluster;
  /** The endpoint answered a TCP connect and a TLS handshake with the CA. */
  readonly reachable: boolean;
  readonly eksDead: boolean;
}

function sameServer(a: string, b: string): boolean {
  const norm = (u: string) => {
    try {
      const x = new URL(u);
      return `${x.protocol}//${x.host}`.toLowerCase();
    } catch {
      return u.toLowerCase().replace(/\/+$/, "");
    }
  };
  return norm(a) === norm(b);
}

export async function checkCluster(
  w: Where,
  eks: EksApi | undefined,
  server: string | undefined,
  makeKube: (server: string, caData: string | undefined) => KubeApi,
  caData: string | undefined,
): Promise<ClusterOutcome & { kube?: KubeApi; server?: string }> {
  let cluster: EksCluster | undefined;
  let note = "";
  let eksDead = false;
  if (!w.region) {
    note = "no region (pass --region, or set it in the entry's args): DescribeCluster skipped";
  } else if (!eks) {
    note = "no credentials: DescribeCluster skipped";
  } else {
    try {
      cluster = await eks.describeCluster(w.clusterName);
    } catch (e) {
      if (!isEksApiError(e)) throw e;
      eksDead = eksIsDead(e);
      if (e.kind === "access-denied") note = deniedDetail("DescribeCluster", e.message);
      else if (e.kind === "not-found")
        return {
          check: fail(
            "cluster",
            `EKS has no cluster ${w.clusterName} in ${w.region} for these credentials: ${e.message}`,
            command("aws", "eks", "list-clusters", ...regionFlag(w)),
          ),
          reachable: false,
          eksDead,
        };
      else
        return {
          check: fail(
            "cluster",
            `DescribeCluster failed: ${e.message}; check the network and AWS_ENDPOINT_URL_EKS`,
            command("aws", "eks", "describe-cluster", "--name", w.clusterName, ...regionFlag(w)),
          ),
          reachable: false,
          eksDead,
        };
    }
  }
  const target = server ?? cluster?.endpoint;
  const ca = caData ?? cluster?.caData;
  const rewrite = command("eks-token", "kubeconfig", ...clusterFlags(w));
  // An answer without a status says nothing either way: the probe below decides.
  if (cluster?.status !== undefined && cluster.status !== "ACTIVE" && cluster.status !== "UPDATING")
    return {
      check: fail(
        "cluster",
        `cluster ${w.clusterName} is ${cluster.status}`,
        command("aws", "eks", "wait", "cluster-active", "--name", w.clusterName, ...regionFlag(w)),
      ),
      cluster,
      reachable: false,
      eksDead,
    };
  if (cluster?.endpoint && server && !sameServer(cluster.endpoint, server))
    return {
      check: fail(
        "cluster",
        `the kubeconfig's server ${server} is not the cluster's endpoint ${cluster.endpoint}`,
        rewrite,
      ),
      cluster,
      reachable: false,
      eksDead,
    };
  if (!target)
    return {
      check: fail("cluster", `no API server to reach (${note || "no endpoint"})`, rewrite),
      reachable: false,
      eksDead,
    };
  // EKS API servers answer on https only; a token sent to an http:// server goes out in clear.
  if (!/^https:/i.test(target))
    return {
      check: fail(
        "cluster",
        `the API server ${displayUrl(target)} is not https: doctor sends no token in clear (kubectl would); an EKS API server answers on https only`,
        rewrite,
      ),
      ...(cluster ? { cluster } : {}),
      reachable: false,
      eksDead,
    };
  const kube = makeKube(target, ca);
  const probe = await kube.probe();
  const facts = cluster
    ? `${cluster.status ?? "no status given"}, Kubernetes ${cluster.version ?? "(version not given)"}, endpoint ${cluster.endpoint} (${accessKind(cluster)}), authentication mode ${cluster.authenticationMode ?? "CONFIG_MAP"}`
    : note;
  if (!probe.ok) {
    const [fix, hint] =
      probe.stage === "tls"
        ? [rewrite, ""]
        : cluster?.endpointPublicAccess === false
          ? [
              command(
                "aws",
                "eks",
                "update-cluster-config",
                "--name",
                w.clusterName,
                ...regionFlag(w),
                "--resources-vpc-config",
                "endpointPublicAccess=true",
              ),
              "; open public access, or connect from inside the VPC",
            ]
          : [
              command(
                "aws",
                "eks",
                "describe-cluster",
                "--name",
                w.clusterName,
                ...regionFlag(w),
                "--query",
                "cluster.resourcesVpcConfig",
              ),
              `; check the network path to ${target}`,
            ];
    return {
      check: fail("cluster", `${facts ? `${facts}; ` : ""}${probe.message}${hint}`, fix),
      ...(cluster ? { cluster } : {}),
      reachable: false,
      eksDead,
    };
  }
  const detail = `${facts ? `${facts}; ` : ""}${target} answers TCP and TLS${ca ? " with the cluster's CA" : ""}`;
  return {
    check: !cluster
      ? skip("cluster", detail)
      : cluster.status === undefined
        ? warn("cluster", `${detail}; DescribeCluster gave no status, so whether the cluster is active is not known`)
        : pass("cluster", detail),
    ...(cluster ? { cluster } : {}),
    reachable: true,
    eksDead,
    kube,
    server: target,
  };
}

function accessKind(c: EksCluster): string {
  if (c.endpointPublicAccess && c.endpointPrivateAccess) return "public and private";
  if (c.endpointPrivateAccess) return "private only";
  return "public";
}

// --------------------------------------------------------------------------------------------
// access-entry

/** What the listing said about the principal: matched, not there, or not known (failed, denied, cut). */
export type EntryState = "matched" | "absent" | "unknown";

export interface EntryOutcome {
  readonly check: Check;
  readonly state: EntryState;
  readonly entry?: EksAccessEntry;
  readonly policies?: readonly EksAssociatedPolicy[];
  readonly eksDead: boolean;
}

function accessScope(request: AccessRequest | undefined, policy: string): string {
  return request?.namespace && policy !== "AmazonEKSClusterAdminPolicy"
    ? `type=namespace,namespaces=${request.namespace}`
    : "type=cluster";
}

function associate(w: Where, principal: string, policyArn: string, scope: string): Fix {
  return command(
    "aws",
    "eks",
    "associate-access-policy",
    ...clusterFlags(w),
    "--principal-arn",
    principal,
    "--policy-arn",
    policyArn,
    "--access-scope",
    scope,
  );
}

export function createEntryFix(w: Where, principal: string, request: AccessRequest | undefined): Fix {
  const policy = request ? policyFor(request) : "AmazonEKSViewPolicy";
  return andThen(
    command("aws", "eks", "create-access-entry", ...clusterFlags(w), "--principal-arn", principal),
    associate(w, principal, `${POLICY_ARN_PREFIX}${policy}`, accessScope(request, policy)),
  );
}

function describePolicy(p: EksAssociatedPolicy): string {
  return `${policyName(p.policyArn)} (${p.namespaces === undefined ? "cluster" : `namespaces ${p.namespaces.join(", ")}`})`;
}

function listAccessEntriesFix(w: Where): Fix {
  return command("aws", "eks", "list-access-entries", ...clusterFlags(w));
}

export async function checkAccessEntry(
  w: Where,
  eks: EksApi | undefined,
  mode: string | undefined,
  principal: string | undefined,
  request: AccessRequest | undefined,
): Promise<EntryOutcome> {
  const unknown = (check: Check, eksDead = false): EntryOutcome => ({ check, state: "unknown", eksDead });
  if (mode === "CONFIG_MAP")
    return {
      check: skip("access-entry", "mode CONFIG_MAP: the cluster uses aws-auth only"),
      state: "absent",
      eksDead: false,
    };
  if (!principal) return unknown(skip("access-entry", "no identity to look up"));
  if (!eks || !w.region) return unknown(skip("access-entry", "EKS cannot be asked (no credentials or region)"));
  let listing: EksListing<string>;
  try {
    listing = await eks.listAccessEntries(w.clusterName);
  } catch (e) {
    if (!isEksApiError(e)) throw e;
    if (e.kind === "access-denied") return unknown(skip("access-entry", deniedDetail(e.operation, e.message)));
    return unknown(
      fail("access-entry", `ListAccessEntries failed: ${e.message}`, listAccessEntriesFix(w)),
      eksIsDead(e),
    );
  }
  const entries = listing.items;
  const matched = matchAccessEntry(principal, entries);
  if (!matched) {
    if (listing.cut !== undefined)
      return unknown(
        warn(
          "access-entry",
          `no access entry for ${principal} among the first ${entries.length} entries, but the list was cut (${listing.cut}): whether it has one is not known`,
          listAccessEntriesFix(w),
        ),
      );
    const ignored = mode === "API" ? "; mode API ignores aws-auth, so only an access entry lets it in" : "";
    const detail = `no access entry for ${principal} (${entries.length} ${entries.length === 1 ? "entry" : "entries"} on the cluster)${ignored}`;
    const fix = createEntryFix(w, principal, request);
    return {
      check: mode === "API" ? fail("access-entry", detail, fix) : warn("access-entry", detail, fix),
      state: "absent",
      eksDead: false,
    };
  }
  const how =
    matched === principal
      ? matched
      : `${matched} (same account and role name; the session ARN does not show the role's path)`;
  let entry: EksAccessEntry | undefined;
  let policies: EksAssociatedPolicy[] | undefined;
  const notes: string[] = [];
  let eksDead = false;
  const unread = (e: unknown, operation: string): string => {
    if (!isEksApiError(e)) throw e;
    if (e.kind === "access-denied") return `not allowed to call eks:${operation}`;
    eksDead ||= eksIsDead(e);
    return `${operation} failed: ${e.message}`;
  };
  try {
    entry = await eks.describeAccessEntry(w.clusterName, matched);
  } catch (e) {
    notes.push(unread(e, "DescribeAccessEntry"));
  }
  if (!eksDead) {
    try {
      const listed = await eks.listAssociatedAccessPolicies(w.clusterName, matched);
      policies = listed.items;
      if (listed.cut !== undefined) notes.push(`the list of access policies was cut (${listed.cut})`);
    } catch (e) {
      notes.push(unread(e, "ListAssociatedAccessPolicies"));
    }
  } else notes.push("ListAssociatedAccessPolicies not asked: EKS stopped answering");
  const parts = [`entry ${how}`];
  if (entry)
    parts.push(
      `type ${entry.type ?? "STANDARD"}, username ${entry.username ?? "(default)"}, groups [${entry.kubernetesGroups.join(", ")}]`,
    );
  if (policies)
    parts.push(policies.length ? `policies ${policies.map(describePolicy).join(", ")}` : "no access policies");
  parts.push(...notes);
  const detail = parts.join("; ");
  const out = { ...(entry ? { entry } : {}), ...(policies ? { policies } : {}), state: "matched" as const, eksDead };
  if (policies && policies.length === 0 && entry && entry.kubernetesGroups.length === 0 && notes.length === 0) {
    const p = request ? policyFor(request) : "AmazonEKSViewPolicy";
    return {
      ...out,
      check: warn(
        "access-entry",
        `${detail}: it authenticates but grants nothing`,
        associate(w, matched, `${POLICY_ARN_PREFIX}${p}`, "type=cluster"),
      ),
    };
  }
  const failed = notes.some((n) => n.includes(" failed: "));
  return { ...out, check: failed ? warn("access-entry", detail) : pass("access-entry", detail) };
}

// --------------------------------------------------------------------------------------------
// aws-auth

const AWS_AUTH_PATH = "/api/v1/namespaces/kube-system/configmaps/aws-auth";
const ADMIN_READS = "kubectl -n kube-system get configmap aws-auth -o yaml";
const EDIT = command("kubectl", "-n", "kube-system", "edit", "configmap", "aws-auth");
const WHOAMI = command("kubectl", "auth", "whoami", "-v", "6");

export async function checkAwsAuth(
  w: Where,
  mode: string | undefined,
  kube: KubeApi | undefined,
  token: string | undefined,
  principal: string | undefined,
  entryState: EntryState,
  request: AccessRequest | undefined,
): Promise<Check> {
  if (mode === "API") return skip("aws-auth", "mode API ignores aws-auth: a mapping there lets nobody in");
  if (!kube || !token || !principal) return skip("aws-auth", "the API server cannot be asked (see the checks above)");
  const entryMatched = entryState === "matched";
  // Without an access entry and without a mapping: what to say depends on whether the entry's absence is known.
  const neither = (what: string): Check => {
    if (mode === "CONFIG_MAP") {
      const key = principal.includes(":role/") ? "mapRoles" : "mapUsers";
      return fail("aws-auth", `${what}; add ${principal} under ${key}`, EDIT);
    }
    if (entryState === "unknown")
      return warn("aws-auth", `${what}; whether an access entry lets ${principal} in is not known (see access-entry)`);
    return fail("aws-auth", `${what} and no access entry for ${principal}`, createEntryFix(w, principal, request));
  };
  let res: KubeResponse;
  try {
    res = await kube.request("GET", AWS_AUTH_PATH, token);
  } catch (e) {
    return skip("aws-auth", `reading kube-system/aws-auth failed: ${(e as Error).message}`);
  }
  if (res.status === 401)
    return skip(
      "aws-auth",
      `the server does not accept the token, so aws-auth cannot be read; an admin can run the same check: ${ADMIN_READS}`,
    );
  if (res.status === 403)
    return skip(
      "aws-auth",
      `not allowed to read kube-system/aws-auth; an admin can run the same check: ${ADMIN_READS}`,
    );
  if (res.status === 404) {
    if (entryMatched) return pass("aws-auth", "no aws-auth ConfigMap; the access entry applies");
    return neither(
      mode === "CONFIG_MAP"
        ? "mode CONFIG_MAP and no kube-system/aws-auth ConfigMap: nobody is mapped"
        : "no aws-auth ConfigMap",
    );
  }
  if (res.status !== 200) return skip("aws-auth", `reading kube-system/aws-auth answered HTTP ${res.status}`);
  const data = (res.json as { data?: unknown } | undefined)?.data;
  const fields = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  const finding = analyseAwsAuth(
    {
      mapRoles: typeof fields.mapRoles === "string" ? fields.mapRoles : undefined,
      mapUsers: typeof fields.mapUsers === "string" ? fields.mapUsers : undefined,
    },
    principal,
  );
  switch (finding.kind) {
    case "mapped": {
      const m = finding.mapping;
      const wins = entryMatched ? " (the access entry is matched first)" : "";
      return pass(
        "aws-auth",
        `${m.key} maps ${m.arn} to username ${m.username ?? "(none)"}, groups [${m.groups.join(", ")}]${wins}`,
      );
    }
    case "mistake":
      return fail(
        "aws-auth",
        `${finding.why}; write ${finding.mapping.key === "mapRoles" ? "rolearn" : "userarn"}: ${finding.right} instead of ${finding.mapping.arn}`,
        EDIT,
      );
    case "invalid":
      return fail(
        "aws-auth",
        `${finding.key} in kube-system/aws-auth is not valid YAML (${finding.message}): it maps nobody`,
        EDIT,
      );
    case "absent":
      if (entryMatched) return pass("aws-auth", `no mapping for ${principal}; the access entry applies`);
      return neither("no mapRoles/mapUsers entry");
  }
}

// --------------------------------------------------------------------------------------------
// authenticate and authorize

export interface AuthnOutcome {
  readonly check: Check;
  readonly user?: { username: string; groups: string[] };
}

export async function checkAuthenticate(
  w: Where,
  kube: KubeApi | undefined,
  token: string | undefined,
  earlier: readonly Check[],
): Promise<AuthnOutcome> {
  if (!kube || !token) return { check: skip("authenticate", "the API server cannot be asked (see the checks above)") };
  let res: KubeResponse;
  try {
    res = await kube.request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", token, {
      apiVersion: "authentication.k8s.io/v1",
      kind: "SelfSubjectReview",
    });
  } catch (e) {
    return {
      check: fail("authenticate", `SelfSubjectReview failed: ${(e as Error).message}`, WHOAMI),
    };
  }
  if (res.status === 200 || res.status === 201) {
    const info = (res.json as { status?: { userInfo?: { username?: unknown; groups?: unknown } } } | undefined)?.status
      ?.userInfo;
    if (typeof info?.username !== "string" || info.username === "")
      return {
        check: warn(
          "authenticate",
          `SelfSubjectReview answered HTTP ${res.status} without a user in it (${res.json === undefined ? "the body is not JSON" : "no status.userInfo.username"}): who the token is taken for is not known`,
          WHOAMI,
        ),
      };
    const groups = Array.isArray(info.groups) ? info.groups.filter((g): g is string => typeof g === "string") : [];
    const user = { username: info.username, groups };
    return {
      user,
      check: pass(
        "authenticate",
        `the cluster authenticates the token as ${user.username}, groups [${user.groups.join(", ")}]`,
      ),
    };
  }
  if (res.status === 401) {
    // A failed check explains a 401 before a warning does.
    const related = earlier.filter((c) => ["identity", "access-entry", "aws-auth", "cluster"].includes(c.id));
    const cause = related.find((c) => c.status === "fail") ?? related.find((c) => c.status === "warn");
    if (cause) return { check: fail("authenticate", `401 Unauthorized: ${cause.id}: ${cause.detail}`, cause.fix) };
    return {
      check: fail(
        "authenticate",
        `401 Unauthorized although the checks above passed: the server disagrees with what was read; look at the cluster name signed into the token (${w.clusterName}), the region (${w.region ?? "none"}), an IAM role recreated with the same ARN (its access entry must be recreated too), and the authenticator's logs`,
        command(
          "aws",
          "logs",
          "tail",
          `/aws/eks/${w.clusterName}/cluster`,
          "--log-stream-name-prefix",
          "authenticator",
          "--since",
          "1h",
          ...regionFlag(w),
        ),
      ),
    };
  }
  if (res.status === 403 || res.status === 404)
    return {
      check: skip(
        "authenticate",
        `SelfSubjectReview answered HTTP ${res.status} (Kubernetes before 1.27 has none): the token was accepted`,
      ),
    };
  return { check: fail("authenticate", `SelfSubjectReview answered HTTP ${res.status}`, WHOAMI) };
}

export interface CanI extends AccessRequest {
  readonly group: string;
}

/** `VERB RESOURCE[.GROUP]` as `kubectl auth can-i` reads it. */
export function canIRequest(verb: string, resource: string, namespace: string | undefined): CanI {
  const dot = resource.indexOf(".");
  return {
    verb,
    resource: dot === -1 ? resource : resource.slice(0, dot),
    group: dot === -1 ? "" : resource.slice(dot + 1),
    namespace,
  };
}

function canIFix(canI: CanI): Fix {
  const resource = `${canI.resource}${canI.group ? `.${canI.group}` : ""}`;
  return command("kubectl", "auth", "can-i", canI.verb, resource, ...(canI.namespace ? ["-n", canI.namespace] : []));
}

export async function checkAuthorize(
  w: Where,
  kube: KubeApi | undefined,
  token: string | undefined,
  canI: CanI | undefined,
  authenticated: boolean,
  principal: string | undefined,
  entry: EntryOutcome | undefined,
  username: string | undefined,
): Promise<Check> {
  if (!canI) return skip("authorize", "no --can-i VERB RESOURCE asked");
  const what = `${canI.verb} ${canI.resource}${canI.group ? `.${canI.group}` : ""}${canI.namespace ? ` in namespace ${canI.namespace}` : " (cluster-wide)"}`;
  if (!kube || !token || !authenticated)
    return skip("authorize", `cannot ask whether it may ${what}: not authenticated`);
  let res: KubeResponse;
  try {
    res = await kube.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", token, {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectAccessReview",
      spec: {
        resourceAttributes: {
          verb: canI.verb,
          resource: canI.resource,
          group: canI.group,
          ...(canI.namespace ? { namespace: canI.namespace } : {}),
        },
      },
    });
  } catch (e) {
    return fail("authorize", `SelfSubjectAccessReview failed: ${(e as Error).message}`, canIFix(canI));
  }
  const allowed = (res.json as { status?: { allowed?: boolean } })?.status?.allowed;
  if ((res.status === 200 || res.status === 201) && allowed === true) return pass("authorize", `allowed to ${what}`);
  if (res.status !== 200 && res.status !== 201)
    return fail("authorize", `SelfSubjectAccessReview answered HTTP ${res.status}`, canIFix(canI));
  const reasons: string[] = [];
  let fix: Fix | undefined;
  for (const p of entry?.policies ?? []) {
    const name = policyName(p.policyArn);
    if (!policyRulesAllow(name, canI)) reasons.push(`${describePolicy(p)} does not allow it`);
    else if (!scopeCovers(p.namespaces, canI)) {
      reasons.push(
        `${describePolicy(p)} would allow it, but its scope does not reach ${canI.namespace ?? "cluster-wide resources"}`,
      );
      if (principal && entry?.entry && !fix && canI.namespace) {
        const namespaces = [...(p.namespaces ?? []), canI.namespace].join(",");
        fix = associate(w, entry.entry.principalArn, p.policyArn, `type=namespace,namespaces=${namespaces}`);
      }
    }
  }
  const groups = entry?.entry?.kubernetesGroups ?? [];
  if (groups.length) reasons.push(`no RBAC binding of groups [${groups.join(", ")}] allows it`);
  if (!fix && entry?.entry) {
    const p = policyFor(canI);
    fix = associate(w, entry.entry.principalArn, `${POLICY_ARN_PREFIX}${p}`, accessScope(canI, p));
  }
  if (!fix && username)
    fix = command(
      "kubectl",
      "create",
      ...(canI.namespace ? ["rolebinding", "-n", canI.namespace] : ["clusterrolebinding"]),
      "eks-token-doctor",
      `--clusterrole=${policyFor(canI) === "AmazonEKSViewPolicy" ? "view" : "edit"}`,
      `--user=${username}`,
    );
  return fail("authorize", `denied: ${what}${reasons.length ? `; ${reasons.join("; ")}` : ""}`, fix);
}
