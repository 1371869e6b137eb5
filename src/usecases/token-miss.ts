/** The cache-miss path: everything heavy (the AWS SDK, the signer) is reached only from here. */
import { CREDENTIALS_TIMEOUT_MS, resolveCredentials, type RoleCredentialsCache } from "../aws/credentials.js";
import { noTerminalMfaCodeProvider, terminalMfaCodeProvider } from "../aws/mfa-prompt.js";
import type { TokenTarget } from "../aws/target.js";
import { startDeadline } from "../deadline.js";
import { NO_TERMINAL } from "../terminal.js";
import { mintToken, type MintedToken } from "../token/mint.js";
import { checkSsoTokenFile, ssoOnMiss } from "./login/on-miss.js";
import type { TokenDeps } from "./token-deps.js";

/** A wait for an SSO sign-in (ours or another process's) longer than this gives the network a fresh bound. */
const LONG_WAIT_MS = 1_000;

export async function mintForTarget(
  target: TokenTarget,
  deps: TokenDeps & {
    readonly roleCache?: RoleCredentialsCache | undefined;
    /** false: the client said no one can answer a prompt (KUBERNETES_EXEC_INFO spec.interactive). */
    readonly interactive: boolean;
    /** What is left of the call's bound when the network starts. */
    readonly networkMs: () => number;
    /** --sso-login as given. */
    readonly ssoLogin?: "auto" | "never" | undefined;
    /** The cache directory, for SSO sign-in locks and records; none: no automatic sign-in. */
    readonly stateDir?: string | undefined;
  },
): Promise<MintedToken> {
  const { log } = deps;
  let networkMs = deps.networkMs;
  // A person signing in is on a clock of their own; the network then gets its usual bound.
  const afterWait = async (wait: () => Promise<unknown>): Promise<void> => {
    const started = performance.now();
    await wait();
    if (performance.now() - started > LONG_WAIT_MS) {
      const fresh = startDeadline(CREDENTIALS_TIMEOUT_MS);
      networkMs = () => fresh.remainingMs();
    }
  };
  // Only the command line (a caller port) looks after an SSO session; the library leaves it to the SDK.
  const sso =
    deps.credentials || deps.stateDir === undefined || !deps.caller
      ? undefined
      : ssoOnMiss(target, {
          env: deps.env,
          now: deps.now,
          log,
          stderr: deps.stderr,
          terminal: deps.terminal,
          caller: deps.caller,
          ssoLogin: deps.ssoLogin,
          stateDir: deps.stateDir,
          networkMs: () => networkMs(),
        });
  if (sso) await afterWait(() => sso.prepare());
  else if (!deps.credentials) checkSsoTokenFile(target, { env: deps.env, now: deps.now, log });
  const resolve = () =>
    resolveCredentials(target, {
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
        return networkMs();
      },
    });
  let credentials: Awaited<ReturnType<typeof resolveCredentials>>;
  try {
    credentials = await resolve();
  } catch (e) {
    let retry = false;
    if (sso) {
      await afterWait(async () => {
        retry = await sso.recover(e);
      });
    }
    if (!retry) throw e;
    credentials = await resolve();
  }
  log.debug(
    `signing with access key ${credentials.accessKeyId}${credentials.sessionToken ? " and a session token" : ""}` +
      (credentials.expiration ? `; credentials expire ${credentials.expiration.toISOString()}` : ""),
  );
  return mintToken(target, credentials, new Date(deps.now()));
}
