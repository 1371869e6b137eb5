/** The cache-miss path: everything heavy (the AWS SDK, the signer) is reached only from here. */
import { resolveCredentials, type RoleCredentialsCache } from "../aws/credentials.js";
import { terminalMfaCodeProvider } from "../aws/mfa-prompt.js";
import type { TokenTarget } from "../aws/target.js";
import { mintToken, type MintedToken } from "../token/mint.js";
import type { TokenDeps } from "./token-deps.js";

export async function mintForTarget(
  target: TokenTarget,
  deps: TokenDeps & { readonly roleCache?: RoleCredentialsCache | undefined },
): Promise<MintedToken> {
  const { log } = deps;
  const credentials = await resolveCredentials(target, {
    env: deps.env,
    logger: log,
    mfaCodeProvider: deps.mfaCodeProvider ?? terminalMfaCodeProvider({ writePrompt: deps.stderr }),
    credentials: deps.credentials,
    roleCache: deps.roleCache,
  });
  log.debug(
    `signing with access key ${credentials.accessKeyId}${credentials.sessionToken ? " and a session token" : ""}` +
      (credentials.expiration ? `; credentials expire ${credentials.expiration.toISOString()}` : ""),
  );
  return mintToken(target, credentials, new Date(deps.now()));
}
