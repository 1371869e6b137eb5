/** The kubeconfig user entry whose exec block runs eks-token. */
import { quote } from "../quote.js";
import { EksTokenError } from "../errors.js";
import { API_V1, API_V1BETA1, normalizeApiVersion } from "../token/exec-credential.js";

export const EKS_TOKEN_COMMAND = "eks-token";

/** The versions a new exec block may name: the token path's table, less the removed v1alpha1. */
export const API_VERSIONS = { v1beta1: API_V1BETA1, v1: API_V1 } as const;

export type ExecApiVersion = (typeof API_VERSIONS)[keyof typeof API_VERSIONS];

/** --api-version of `eks-token kubeconfig`: v1beta1 (the default) or v1, short or in full. */
export function parseExecApiVersion(value: string | undefined): ExecApiVersion {
  if (value === undefined) return API_VERSIONS.v1beta1;
  const full = normalizeApiVersion(value);
  if (full === API_V1 || full === API_V1BETA1) return full;
  throw new EksTokenError("usage", `unknown --api-version ${quote(value)}`, "use v1beta1 or v1");
}

/** What `eks-token token` needs to know; the same shape serves new entries and migrations. */
export interface TokenArgsInput {
  readonly clusterName: string;
  readonly region?: string;
  readonly roleArn?: string;
  readonly profile?: string;
  readonly sessionName?: string;
  readonly externalId?: string;
  readonly forwardSessionName?: boolean;
  /** An SSO account and role: --sso-session S (or --sso-start-url U --sso-region R) --sso-account-id A --sso-role-name R. */
  readonly sso?: {
    readonly session?: string | undefined;
    readonly startUrl?: string | undefined;
    readonly region?: string | undefined;
    readonly accountId: string;
    readonly roleName: string;
  };
}

/** `token --cluster-name N [--region R] [--role-arn A] [--profile P] [--session-name S] [--external-id E] [--forward-session-name]` */
export function tokenArgs(input: TokenArgsInput): string[] {
  const args = ["token", "--cluster-name", input.clusterName];
  if (input.region !== undefined) args.push("--region", input.region);
  if (input.roleArn !== undefined) args.push("--role-arn", input.roleArn);
  if (input.profile !== undefined) args.push("--profile", input.profile);
  if (input.sessionName !== undefined) args.push("--session-name", input.sessionName);
  if (input.externalId !== undefined) args.push("--external-id", input.externalId);
  if (input.forwardSessionName) args.push("--forward-session-name");
  const sso = input.sso;
  if (sso) {
    if (sso.session !== undefined) args.push("--sso-session", sso.session);
    else if (sso.startUrl !== undefined && sso.region !== undefined) {
      args.push("--sso-start-url", sso.startUrl, "--sso-region", sso.region);
    }
    args.push("--sso-account-id", sso.accountId, "--sso-role-name", sso.roleName);
  }
  return args;
}

/**
 * The token arguments of an exec block of `apiVersion`. A v1 block also says `--api-version v1`:
 * clients that send no KUBERNETES_EXEC_INFO (@kubernetes/client-node, Ruby's kubeclient, the npm
 * kubernetes-client) would otherwise get the v1beta1 default, and the strict ones refuse it.
 */
export function execArgs(args: readonly string[], apiVersion: string | undefined): string[] {
  return apiVersion === API_V1 ? [...args, "--api-version", "v1"] : [...args];
}

export interface ExecBlock {
  apiVersion: ExecApiVersion;
  args: string[];
  command: string;
  env?: { name: string; value: string }[];
  interactiveMode?: "IfAvailable";
}

export interface UserEntry {
  name: string;
  user: { exec: ExecBlock };
}

export interface ExecUserInput {
  readonly userName: string;
  /** What the token is bound to: the cluster name, or the cluster id for Outposts local clusters. */
  readonly clusterName: string;
  readonly region: string;
  readonly roleArn?: string;
  /** Put in the exec env as AWS_PROFILE, as the AWS CLI does, rather than in the args. */
  readonly profile?: string;
  readonly apiVersion: ExecApiVersion;
}

export function buildExecUser(input: ExecUserInput): UserEntry {
  const exec: ExecBlock = {
    apiVersion: input.apiVersion,
    args: execArgs(
      tokenArgs({ clusterName: input.clusterName, region: input.region, roleArn: input.roleArn }),
      input.apiVersion,
    ),
    command: EKS_TOKEN_COMMAND,
  };
  if (input.profile !== undefined) exec.env = [{ name: "AWS_PROFILE", value: input.profile }];
  // client-go refuses a v1 exec block without interactiveMode; eks-token only prompts (MFA) when it can.
  if (input.apiVersion === API_VERSIONS.v1) exec.interactiveMode = "IfAvailable";
  return { name: input.userName, user: { exec } };
}
