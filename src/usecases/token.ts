/** `eks-token [token]`: one ExecCredential (or the bare token) on stdout, every message on stderr. */
import { TokenCache } from "../cache/token-cache.js";
import type { Env } from "../env.js";
import { execCredential } from "../token/exec-credential.js";
import type { MintedToken } from "../token/mint.js";
import { createDebugLog } from "./debug-log.js";
import { getToken } from "./get-token.js";
import { warn, type Ports } from "./ports.js";
import { resolveTokenRequest, type TokenInput, type TokenRequest } from "./token-request.js";

export async function printToken(input: TokenInput, ports: Ports): Promise<void> {
  const log = createDebugLog(input.debug, ports.stderr);
  const request = await resolveTokenRequest(input, ports.env);
  const { target } = request;
  log.debug(
    `cluster ${target.clusterId}; region ${target.region ?? "(none)"} from ${target.regionSource}; ` +
      `STS host ${target.endpoint.host} signed for ${target.endpoint.signingRegion}; profile ${target.profileName}` +
      (target.roleArn ? `; role ${target.roleArn}` : ""),
  );
  if (request.apiWarning) warn(ports, request.apiWarning);
  const minted = await getToken(request, {
    env: ports.env,
    now: ports.now,
    stderr: ports.stderr,
    terminal: ports.terminal,
    caller: ports.caller,
    log,
  });
  ports.stdout(credentialOutput(request, minted));
}

/**
 * What printToken would print, when the cache holds a token it would serve and nothing else
 * would be said (no warning, no debug line); otherwise undefined, and printToken does the call.
 * The cache-hit path's whole work: the request resolved as printToken resolves it, one entry read
 * by the cache's own rules. Writes nothing but the removal of an expired entry.
 */
export async function cachedTokenOutput(
  input: TokenInput,
  ports: Pick<Ports, "env" | "now">,
): Promise<string | undefined> {
  if (input.debug) return undefined;
  const request = await resolveTokenRequest(input, ports.env as Env);
  if (request.apiWarning !== undefined || request.cacheDir === undefined) return undefined;
  let quiet = true;
  const cache = TokenCache.open({
    dir: request.cacheDir,
    env: ports.env,
    now: ports.now,
    warn: () => {
      quiet = false;
    },
    debug: () => undefined,
  });
  const minted = cache?.readToken(request.target);
  return minted !== undefined && quiet ? credentialOutput(request, minted) : undefined;
}

function credentialOutput(request: TokenRequest, minted: MintedToken): string {
  if (request.output === "token") return `${minted.token}\n`;
  return `${JSON.stringify(execCredential(request.apiVersion, minted.token, minted.expiration))}\n`;
}
