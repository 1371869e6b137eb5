/**
 * The library API: the same token the CLI prints, for programs that want it in-process.
 *
 *   const { token, expiration } = await createToken({ clusterId: "prod", region: "eu-west-1" });
 */
import type { CredentialsInput } from "./aws/credentials.js";
import type { MfaCodeProvider } from "./aws/mfa-prompt.js";
import type { Env } from "./env.js";
import { EksTokenError } from "./errors.js";
import type { Logger } from "./logger.js";
import {
  DEFAULT_API_VERSION,
  execCredential,
  normalizeApiVersion,
  type ExecCredential,
} from "./token/exec-credential.js";
import type { MintedToken } from "./token/mint.js";
import { getToken } from "./usecases/get-token.js";
import { resolveTokenRequest } from "./usecases/token-request.js";
import { quote } from "./quote.js";
import { ttyTerminal } from "./tty-terminal.js";

export { EksTokenError, type ErrorCode } from "./errors.js";
export { type ExecCredential, apiVersionFromExecInfo } from "./token/exec-credential.js";
export { encodeToken, decodeToken, TOKEN_PREFIX } from "./token/encode.js";
export { stsEndpoint, type StsEndpoint, type StsEndpointOptions } from "./token/sts-host.js";

export interface CreateTokenOptions {
  /** The cluster name, or the Outposts cluster id; signed as x-k8s-aws-id. */
  readonly clusterId: string;
  readonly region?: string;
  readonly profile?: string;
  readonly roleArn?: string;
  readonly sessionName?: string;
  readonly externalId?: string;
  readonly forwardSessionName?: boolean;
  /** Static credentials or a provider; by default the AWS SDK's default chain. */
  readonly credentials?: CredentialsInput;
  /** Sign as of this time, to reproduce a token; by default now. */
  readonly signingDate?: Date;
  /** Where AWS_REGION and friends are read from; by default process.env. */
  readonly env?: Env;
  /** Asked for a code when a role needs MFA; by default a prompt on the terminal. */
  readonly mfaCodeProvider?: MfaCodeProvider;
  readonly logger?: Logger;
}

export type TokenResult = MintedToken;
export type { Logger } from "./logger.js";
export type { AwsCredentials, CredentialsInput } from "./aws/credentials.js";

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export async function createToken(options: CreateTokenOptions): Promise<TokenResult> {
  if (!options || typeof options.clusterId !== "string") {
    throw new EksTokenError("usage", "createToken needs options.clusterId", "pass the cluster's name");
  }
  const env = options.env ?? process.env;
  // The same pipeline as the CLI's, without its disk cache: a program keeps what it wants.
  const request = await resolveTokenRequest(
    { ...options, output: "json", apiVersion: DEFAULT_API_VERSION, cache: false, cacheDir: undefined, debug: false },
    env,
  );
  const signingDate = options.signingDate;
  return getToken(request, {
    env,
    now: () => (signingDate ? signingDate.getTime() : Date.now()),
    stderr: (t) => void process.stderr.write(t),
    terminal: ttyTerminal(),
    log: options.logger ?? SILENT,
    credentials: options.credentials,
    mfaCodeProvider: options.mfaCodeProvider,
  });
}

/** The ExecCredential object a plugin prints: apiVersion v1beta1 unless asked otherwise. */
export async function getExecCredential(
  options: CreateTokenOptions & { readonly apiVersion?: string },
): Promise<ExecCredential> {
  const apiVersion = options.apiVersion === undefined ? DEFAULT_API_VERSION : normalizeApiVersion(options.apiVersion);
  if (!apiVersion)
    throw new EksTokenError("usage", `unknown apiVersion ${quote(String(options.apiVersion))}`, "use v1 or v1beta1");
  const { token, expiration } = await createToken(options);
  return execCredential(apiVersion, token, expiration);
}

export { execCredential };
