/**
 * The ExecCredential kubectl reads, and the apiVersion it must carry (docs/contract.md, "Exec info").
 * client-go fails when the version differs from the one its kubeconfig names, so we echo it.
 */
import { formatTimestamp } from "./expiration.js";
import { quote } from "../quote.js";

export const API_V1 = "client.authentication.k8s.io/v1";
export const API_V1BETA1 = "client.authentication.k8s.io/v1beta1";
export const API_V1ALPHA1 = "client.authentication.k8s.io/v1alpha1";
export const DEFAULT_API_VERSION = API_V1BETA1;

const SUPPORTED = new Set([API_V1, API_V1BETA1, API_V1ALPHA1]);

export interface ApiVersionChoice {
  readonly apiVersion: string;
  /** One line for stderr when the input was odd or deprecated. */
  readonly warning?: string;
}

/** The apiVersion to answer with: the one asked for (--api-version), else KUBERNETES_EXEC_INFO's. */
export function chosenApiVersion(asked: string | undefined, execInfo: string | undefined): ApiVersionChoice {
  return asked ? { apiVersion: asked } : apiVersionFromExecInfo(execInfo);
}

/** The apiVersion to answer with, from KUBERNETES_EXEC_INFO. Never throws. */
export function apiVersionFromExecInfo(execInfo: string | undefined): ApiVersionChoice {
  if (execInfo === undefined || execInfo.trim() === "") return { apiVersion: DEFAULT_API_VERSION };
  let parsed: unknown;
  try {
    parsed = JSON.parse(execInfo);
  } catch {
    return {
      apiVersion: DEFAULT_API_VERSION,
      warning: `KUBERNETES_EXEC_INFO is not valid JSON; answering with ${DEFAULT_API_VERSION}`,
    };
  }
  const version = isObject(parsed) ? parsed["apiVersion"] : undefined;
  if (!isObject(parsed) || typeof version !== "string") {
    return {
      apiVersion: DEFAULT_API_VERSION,
      warning: `KUBERNETES_EXEC_INFO has no apiVersion; answering with ${DEFAULT_API_VERSION}`,
    };
  }
  if (!SUPPORTED.has(version)) {
    return {
      apiVersion: DEFAULT_API_VERSION,
      warning: `KUBERNETES_EXEC_INFO asks for unsupported apiVersion ${quote(version)}; answering with ${DEFAULT_API_VERSION}`,
    };
  }
  if (version === API_V1ALPHA1) {
    return {
      apiVersion: version,
      warning: `${API_V1ALPHA1} is deprecated and was removed in Kubernetes 1.24; set apiVersion ${API_V1BETA1} or ${API_V1} in your kubeconfig`,
    };
  }
  return { apiVersion: version };
}

/**
 * Whether the client can pass a prompt on to a person: kubectl sets spec.interactive false for
 * interactiveMode Never, or when it has no terminal. Only an explicit false says no.
 */
export function interactiveFromExecInfo(execInfo: string | undefined): boolean {
  if (execInfo === undefined || !execInfo.includes("interactive")) return true;
  try {
    const parsed: unknown = JSON.parse(execInfo);
    const spec = isObject(parsed) ? parsed["spec"] : undefined;
    return !(isObject(spec) && spec["interactive"] === false);
  } catch {
    return true;
  }
}

/** `--api-version` accepts the full name or the short v1 / v1beta1 / v1alpha1. */
export function normalizeApiVersion(value: string): string | undefined {
  const full = value.includes("/") ? value : `client.authentication.k8s.io/${value}`;
  return SUPPORTED.has(full) ? full : undefined;
}

export interface ExecCredential {
  readonly kind: "ExecCredential";
  readonly apiVersion: string;
  readonly spec: Record<string, never>;
  readonly status: { readonly expirationTimestamp: string; readonly token: string };
}

export function execCredential(apiVersion: string, token: string, expiration: Date): ExecCredential {
  return {
    kind: "ExecCredential",
    apiVersion,
    spec: {},
    status: { expirationTimestamp: formatTimestamp(expiration), token },
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
