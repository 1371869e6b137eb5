/** The cache-miss path: everything heavy (the AWS SDK, the signer) is reached only from here. */
import { resolveCredentials, type RoleCredentialsCache } from "../aws/credentials.js";
import { noTerminalMfaCodeProvider, terminalMfaCodeProvider } from "../aws/mfa-prompt.js";
import type { TokenTarget } from "../aws/target.js";
import { NO_TERMINAL } from "../terminal.js";
import { mintToken, type MintedToken } from "../token/mint.js";
import type { TokenDeps } from "./token-deps.js";

export async function mintForTarget(
  target: TokenTarget,
  deps: TokenDeps & {
    readonly roleCache?: RoleCredentialsCache | undefined;
    /** false: the client said no one can answer a prompt (KUBERNETES_EXEC_INFO spec.interactive). */
    readonly interactive: boolean;
    /** What is left of the call's bound when the network starts. */
    readonly networkMs: () => number;
  },
): Promise<MintedToken> {
  const { log } = deps;
  const credentials = await resolveCredentials(target, {
    env: deps.env,
    now: deps.now,
    logger: log,
    mfaCodeProvider:
      deps.mfaCodeProvider ??
      (deps.interactive
        ? terminalMfaCodeProvider({ terminal: deps.terminal ?? NO_TERMINAL })
        : noTerminalMfaCodeProvider()),
    credentials: deps.credentials,
    roleCache: deps.roleCache,
    get timeoutMs() {
      return deps.networkMs();
    },
  });
  log.debug(
    `signing with access key ${credentials.accessKeyId}${credentials.sessionToken ? " and a session token" : ""}` +
      (credentials.expiration ? `; credentials expire ${credentials.expiration.toISOString()}` : ""),
  );
  return mintToken(target, credentials, new Date(deps.now()));
}
