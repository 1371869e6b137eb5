/**
 * What a sync reaches outside itself: the SSO portal, EKS, the Account API, the credential chain
 * for profiles, the kubeconfig files, the clock and the terminal. src/cli passes the real ones
 * (src/aws/fleet-clients.ts and the file functions); tests pass their own.
 */
import type { AwsCredentials } from "../../aws/credential-types.js";
import type { KubeconfigDocument } from "../../kubeconfig/document.js";
import type { Clock } from "./pacing.js";

export type { AwsCredentials };

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken?: string | undefined;
}

export interface PortalAccount {
  readonly accountId: string;
  readonly accountName: string;
}

/** The IAM Identity Center portal of one region. Calls throw the service's errors (by `name`). */
export interface PortalPort {
  listAccounts(accessToken: string, nextToken: string | undefined, signal: AbortSignal): Promise<Page<PortalAccount>>;
  listAccountRoles(
    accessToken: string,
    accountId: string,
    nextToken: string | undefined,
    signal: AbortSignal,
  ): Promise<Page<string>>;
  getRoleCredentials(
    accessToken: string,
    accountId: string,
    roleName: string,
    signal: AbortSignal,
  ): Promise<AwsCredentials>;
}

export interface DescribedEksCluster {
  readonly name: string;
  readonly arn: string;
  readonly status: string;
  readonly endpoint?: string | undefined;
  readonly caData?: string | undefined;
  /** Outposts local clusters sign tokens for their id. */
  readonly outpostId?: string | undefined;
  readonly connected: boolean;
  readonly authenticationMode?: string | undefined;
}

/** EKS for one account (credentials) and region: one SDK client behind it. */
export interface EksPort {
  listClusters(nextToken: string | undefined, signal: AbortSignal): Promise<Page<string>>;
  describeCluster(name: string, signal: AbortSignal): Promise<DescribedEksCluster>;
}

export interface SyncAwsPorts {
  portal(ssoRegion: string): PortalPort;
  eks(credentials: AwsCredentials, region: string): EksPort;
  /** The regions enabled for the credentials' account (every page); throws when denied. */
  listRegions(credentials: AwsCredentials, signal: AbortSignal): Promise<string[]>;
  /** A profile's credentials through the normal chain. */
  profileCredentials(profile: string, signal: AbortSignal): Promise<AwsCredentials>;
  /** GetCallerIdentity. */
  callerIdentity(credentials: AwsCredentials, signal: AbortSignal): Promise<{ account: string; arn: string }>;
}

/** The AWS config file as sync reads it: sso-sessions, legacy start URLs and profiles. */
export interface AwsConfigView {
  readonly configPath: string;
  /** sso-session name -> start URL and region. */
  readonly ssoSessions: Readonly<Record<string, { startUrl?: string | undefined; region?: string | undefined }>>;
  /** Start URLs of profiles that name one without an sso-session (the legacy form), with their region. */
  readonly legacyStartUrls: ReadonlyArray<{ startUrl: string; region: string }>;
  /** Every profile name in the config and credentials files. */
  readonly profiles: readonly string[];
}

export interface SsoTokenRef {
  readonly session: string | undefined;
  readonly startUrl: string;
  readonly region: string;
}

export interface KubeconfigFilePort {
  /** The file's text, or undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
  /**
   * Read, change and write the file as one step that no other writer interleaves with; change
   * returns the new text, or undefined to leave the file alone.
   */
  update(path: string, change: (text: string | undefined) => string | undefined): Promise<void>;
}

/** One line on a terminal, rewritten in place; absent when stderr is not a terminal. */
export interface ProgressPort {
  show(line: string): void;
  clear(): void;
}

export interface SyncDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly aws: SyncAwsPorts;
  readonly awsConfig: () => AwsConfigView;
  /**
   * The signed-in session's access token, after a refresh or a sign-in when one is due and
   * allowed; throws sso-expired when there is none.
   */
  readonly ssoAccessToken: (ref: SsoTokenRef) => string | Promise<string>;
  readonly files: KubeconfigFilePort;
  readonly clock: Clock;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly progress?: ProgressPort | undefined;
}

export type { KubeconfigDocument };
