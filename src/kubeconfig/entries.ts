/** The cluster, user and context entries `eks-token kubeconfig` writes for one cluster. */
import { buildExecUser, type ExecApiVersion, type UserEntry } from "./exec-user.js";

export interface ClusterEntry {
  name: string;
  cluster: { "certificate-authority-data": string; server: string };
}

export interface ContextEntry {
  name: string;
  context: { cluster: string; user: string };
}

export interface KubeconfigEntries {
  readonly cluster: ClusterEntry;
  readonly user: UserEntry;
  readonly context: ContextEntry;
}

export interface EntriesInput {
  /** Default name of all three entries: the cluster ARN when known. */
  readonly entryName: string;
  readonly alias?: string;
  readonly userAlias?: string;
  readonly tokenClusterName: string;
  readonly region: string;
  readonly server: string;
  readonly caData: string;
  readonly roleArn?: string;
  readonly profile?: string;
  readonly apiVersion: ExecApiVersion;
}

export function buildEntries(input: EntriesInput): KubeconfigEntries {
  const userName = input.userAlias ?? input.entryName;
  // Keys in the order kubectl and the AWS CLI write them, so merged files look familiar.
  const cluster: ClusterEntry = {
    cluster: { "certificate-authority-data": input.caData, server: input.server },
    name: input.entryName,
  };
  const user = buildExecUser({
    userName,
    clusterName: input.tokenClusterName,
    region: input.region,
    roleArn: input.roleArn,
    profile: input.profile,
    apiVersion: input.apiVersion,
  });
  const context: ContextEntry = {
    context: { cluster: input.entryName, user: userName },
    name: input.alias ?? input.entryName,
  };
  return { cluster, user, context };
}
