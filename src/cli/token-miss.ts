/** The cache-miss path: everything heavy (the AWS SDK, the signer) is reached only from here. */
import { resolveCredentials, type RoleCredentialStore } from "../aws/credentials.js";
import { terminalMfaCodeProvider } from "../aws/mfa-prompt.js";
import { mintToken, type MintedToken } from "../token/mint.js";
import type { TokenTarget } from "../token/token-target.js";
import type { DebugLog } from "./debug-log.js";
import type { CliIo } from "./io.js";

export async function mintForTarget(
  target: TokenTarget,
  io: CliIo,
  log: DebugLog,
  roleStore?: RoleCredentialStore,
): Promise<MintedToken> {
  const credentials = await resolveCredentials(target, {
    env: io.env,
    logger: log,
    mfaCodeProvider: terminalMfaCodeProvider({ writePrompt: io.stderr }),
    roleStore,
  });
  log.debug(`signing with access key ${credentials.accessKeyId}${credentials.sessionToken ? " and a session token" : ""}` +
    (credentials.expiration ? `; credentials expire ${credentials.expiration.toISOString()}` : ""));
  return mintToken(target, credentials, new Date(io.now()));
}
