// A fleet of emulated AWS accounts for sync tests: one STS, one SSO portal, one EKS API and one
// Account API, all on 127.0.0.1, serving every account and region (the EKS and Account emulators
// read the account from the caller's key and the region from the SigV4 scope). A role assigned
// through SSO is an IAM role `AWSReservedSSO_<name>_...` in its account; the portal hands out
// credentials the test makes with AssumeRole at the STS emulator, so the other emulators verify
// them like any others.
import { startAccountEmulator, type AccountEmulator } from "./account-emulator.js";
import { ClusterState, type ClusterStateOptions } from "./cluster-state.js";
import { startEksEmulator, type EksEmulator } from "./eks-emulator.js";
import { startSsoEmulator, type SsoEmulator } from "./sso-emulator.js";
import { startStsEmulator, type StsEmulator } from "./sts-emulator.js";
import { assumeRole } from "./sts-session.js";

export interface FleetCluster extends Omit<ClusterStateOptions, "accountId"> {
  readonly region: string;
}

export interface FleetAccount {
  readonly id: string;
  readonly name: string;
  /** Permission sets the person is assigned in this account. */
  readonly roles: readonly string[];
  readonly clusters?: readonly FleetCluster[];
  readonly optedIn?: readonly string[];
}

export interface FleetOptions {
  readonly accounts: readonly FleetAccount[];
  /** The access token the portal accepts. */
  readonly accessToken: string;
  /** Clusters made elsewhere (e.g. a Kubernetes emulator's state) served as well. */
  readonly extraClusters?: readonly ClusterState[];
  readonly ssoPageSize?: number;
  /** The person's name, the session name of every SSO role session. */
  readonly person?: string;
}

export interface Fleet {
  readonly sts: StsEmulator;
  readonly sso: SsoEmulator;
  readonly eks: EksEmulator;
  readonly account: AccountEmulator;
  /** Clusters by `${accountId}/${region}/${name}`; mutable (status, endpoint) and removable. */
  readonly clusters: ClusterState[];
  /** AWS_ENDPOINT_URL_SSO, _EKS, _ACCOUNT and _STS for a child process. */
  readonly env: Record<string, string>;
  addCluster(accountId: string, cluster: FleetCluster): ClusterState;
  removeCluster(accountId: string, region: string, name: string): void;
  close(): Promise<void>;
}

/** The IAM role behind an SSO permission set, as Identity Center names it. */
export function ssoRoleArn(accountId: string, roleName: string): string {
  return `arn:aws:iam::${accountId}:role/AWSReservedSSO_${roleName}_0123456789abcdef`;
}

const ISSUER = {
  name: "fleet-issuer",
  accountId: "999999999999",
  accessKeyId: "AKIAFLEETISSUER00001",
  secretAccessKey: "fleet/issuer/secret/0000000000000000000000",
};

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const sts = await startStsEmulator();
  const issuer = sts.addUser(ISSUER);
  const person = options.person ?? "person@example.com";
  const clusters: ClusterState[] = [...(options.extraClusters ?? [])];
  const addCluster = (accountId: string, c: FleetCluster): ClusterState => {
    const state = new ClusterState({
      endpoint: `https://${c.name}.${c.region}.eks.invalid`,
      // PEM-shaped, as sync checks the answer before writing it; not a certificate anyone can use.
      certificateAuthorityData: Buffer.from(
        `-----BEGIN CERTIFICATE-----\nemulated CA of ${accountId}/${c.region}/${c.name}\n-----END CERTIFICATE-----\n`,
      ).toString("base64"),
      ...c,
      accountId,
    });
    clusters.push(state);
    return state;
  };
  for (const a of options.accounts) {
    for (const role of a.roles) sts.addRole({ arn: ssoRoleArn(a.id, role), trust: [issuer.arn] });
    for (const c of a.clusters ?? []) addCluster(a.id, c);
  }
  const sso = await startSsoEmulator({
    accessTokens: [options.accessToken],
    accounts: options.accounts.map((a) => ({ accountId: a.id, accountName: a.name })),
    assignments: options.accounts.flatMap((a) =>
      a.roles.map((roleName) => ({
        accountId: a.id,
        roleName,
        credentials: () => assumeRole(sts.url, ISSUER, ssoRoleArn(a.id, roleName), person),
      })),
    ),
    ...(options.ssoPageSize !== undefined ? { maxPageSize: options.ssoPageSize } : {}),
  });
  const eks = await startEksEmulator({ sts, clusters });
  const account = await startAccountEmulator({
    sts,
    optedIn: Object.fromEntries(options.accounts.map((a) => [a.id, a.optedIn ?? []])),
  });
  return {
    sts,
    sso,
    eks,
    account,
    clusters,
    env: {
      AWS_ENDPOINT_URL_SSO: sso.url,
      AWS_ENDPOINT_URL_EKS: eks.url,
      AWS_ENDPOINT_URL_ACCOUNT: account.url,
      AWS_ENDPOINT_URL_STS: sts.url,
    },
    addCluster,
    removeCluster(accountId, region, name) {
      const i = clusters.findIndex((c) => c.accountId === accountId && c.region === region && c.name === name);
      if (i >= 0) clusters.splice(i, 1);
    },
    async close() {
      await Promise.all([sso.close(), eks.close(), account.close()]);
      await sts.close();
    },
  };
}
