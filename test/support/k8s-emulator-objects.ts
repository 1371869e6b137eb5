// The JSON documents the Kubernetes emulator serves: version, discovery, Status, pods (as a list
// or as the Table kubectl asks for) and SelfSubjectReview. Pure builders.
import type { KubeUser } from "./k8s-emulator-identity.js";

export const KUBE_VERSION = { major: "1", minor: "32", gitVersion: "v1.32.0-eks-emulator" };

export function versionInfo(): Record<string, string> {
  return {
    ...KUBE_VERSION,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2025-01-01T00:00:00Z",
    goVersion: "go1.23.0",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

const AUTHN_GROUP = "authentication.k8s.io";
const AUTHZ_GROUP = "authorization.k8s.io";

export function apiGroupList(): object {
  const group = (name: string) => {
    const version = { groupVersion: `${name}/v1`, version: "v1" };
    return { name, versions: [version], preferredVersion: version };
  };
  return { kind: "APIGroupList", apiVersion: "v1", groups: [group(AUTHN_GROUP), group(AUTHZ_GROUP)] };
}

export function coreResources(): object {
  return {
    kind: "APIResourceList",
    groupVersion: "v1",
    resources: [
      {
        name: "namespaces",
        singularName: "namespace",
        namespaced: false,
        kind: "Namespace",
        verbs: ["get", "list"],
        shortNames: ["ns"],
      },
      {
        name: "pods",
        singularName: "pod",
        namespaced: true,
        kind: "Pod",
        verbs: ["get", "list"],
        shortNames: ["po"],
        categories: ["all"],
      },
      {
        name: "configmaps",
        singularName: "configmap",
        namespaced: true,
        kind: "ConfigMap",
        verbs: ["get"],
        shortNames: ["cm"],
      },
    ],
  };
}

export function authenticationResources(): object {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: `${AUTHN_GROUP}/v1`,
    resources: [
      {
        name: "selfsubjectreviews",
        singularName: "selfsubjectreview",
        namespaced: false,
        kind: "SelfSubjectReview",
        verbs: ["create"],
      },
    ],
  };
}

export function authorizationResources(): object {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: `${AUTHZ_GROUP}/v1`,
    resources: [
      {
        name: "selfsubjectaccessreviews",
        singularName: "selfsubjectaccessreview",
        namespaced: false,
        kind: "SelfSubjectAccessReview",
        verbs: ["create"],
      },
    ],
  };
}

/** The answer to `kubectl auth can-i`: the request echoed with allowed set. */
export function selfSubjectAccessReview(spec: unknown, allowed: boolean): object {
  return {
    kind: "SelfSubjectAccessReview",
    apiVersion: `${AUTHZ_GROUP}/v1`,
    metadata: { creationTimestamp: null },
    spec,
    status: { allowed, ...(allowed ? { reason: "allowed by the emulator's RBAC" } : {}) },
  };
}

export function status(code: number, reason: string, message: string, details?: object): object {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** Exactly what kube-apiserver sends for a failed authentication. */
export const UNAUTHORIZED = {
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message: "Unauthorized",
  reason: "Unauthorized",
  code: 401,
};

export function selfSubjectReview(user: KubeUser): object {
  return {
    kind: "SelfSubjectReview",
    apiVersion: `${AUTHN_GROUP}/v1`,
    metadata: { creationTimestamp: null },
    status: { userInfo: { username: user.username, uid: user.uid, groups: user.groups, extra: user.extra } },
  };
}

/** kube-system/aws-auth: mapRoles/mapUsers are YAML strings, as EKS stores them. */
export function awsAuthConfigMap(data: { readonly [key: string]: string | undefined }, createdAt: Date): object {
  const present = Object.fromEntries(Object.entries(data).filter((e): e is [string, string] => e[1] !== undefined));
  return {
    kind: "ConfigMap",
    apiVersion: "v1",
    metadata: {
      name: "aws-auth",
      namespace: "kube-system",
      uid: "uid-kube-system-aws-auth",
      resourceVersion: "1",
      creationTimestamp: iso(createdAt),
    },
    data: present,
  };
}

export interface PodSeed {
  readonly name: string;
  readonly namespace: string;
  readonly createdAt: Date;
}

function podObject(pod: PodSeed): object {
  return {
    kind: "Pod",
    apiVersion: "v1",
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      uid: `uid-${pod.namespace}-${pod.name}`,
      resourceVersion: "1",
      creationTimestamp: iso(pod.createdAt),
    },
    spec: { containers: [{ name: "main", image: "public.ecr.aws/docker/library/busybox:latest" }] },
    status: {
      phase: "Running",
      containerStatuses: [
        {
          name: "main",
          ready: true,
          restartCount: 0,
          image: "busybox",
          imageID: "",
          started: true,
          state: { running: {} },
        },
      ],
    },
  };
}

export function podList(pods: readonly PodSeed[]): object {
  return { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "1" }, items: pods.map(podObject) };
}

export function namespaceList(names: readonly string[], createdAt: Date): object {
  return {
    kind: "NamespaceList",
    apiVersion: "v1",
    metadata: { resourceVersion: "1" },
    items: names.map((name) => ({
      kind: "Namespace",
      apiVersion: "v1",
      metadata: { name, uid: `uid-ns-${name}`, creationTimestamp: iso(createdAt) },
      status: { phase: "Active" },
    })),
  };
}

/** The server-side printing kubectl asks for with `as=Table`. */
export function podTable(pods: readonly PodSeed[], now: Date, tableVersion: "v1" | "v1beta1"): object {
  const column = (name: string, type: string, description: string, format = "") => ({
    name,
    type,
    format,
    description,
    priority: 0,
  });
  return {
    kind: "Table",
    apiVersion: `meta.k8s.io/${tableVersion}`,
    metadata: { resourceVersion: "1" },
    columnDefinitions: [
      { ...column("Name", "string", "Name must be unique within a namespace.", "name") },
      column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
      column("Status", "string", "The aggregate status of the containers in this pod."),
      column("Restarts", "string", "The number of times the containers in this pod have been restarted."),
      column("Age", "string", "CreationTimestamp of the pod."),
    ],
    rows: pods.map((pod) => ({
      cells: [pod.name, "1/1", "Running", "0", shortAge(now.getTime() - pod.createdAt.getTime())],
      object: {
        kind: "PartialObjectMetadata",
        apiVersion: `meta.k8s.io/${tableVersion}`,
        metadata: {
          name: pod.name,
          namespace: pod.namespace,
          uid: `uid-${pod.namespace}-${pod.name}`,
          resourceVersion: "1",
          creationTimestamp: iso(pod.createdAt),
        },
      },
    })),
  };
}

/** Which Table version the Accept header asks for first, if any. */
export function wantedTable(accept: string | undefined): "v1" | "v1beta1" | undefined {
  for (const part of (accept ?? "").split(",")) {
    const params = new Map(
      part
        .split(";")
        .slice(1)
        .map((p) => p.trim().split("=") as [string, string]),
    );
    if (params.get("as") === "Table" && params.get("g") === "meta.k8s.io") {
      const v = params.get("v");
      if (v === "v1" || v === "v1beta1") return v;
    }
  }
  return undefined;
}

function shortAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
