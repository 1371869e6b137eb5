/** `eks-token [token]`: one ExecCredential (or the bare token) on stdout, every message on stderr. */
import { execCredential } from "../token/exec-credential.js";
import { createDebugLog } from "./debug-log.js";
import { getToken } from "./get-token.js";
import { warn, type Ports } from "./ports.js";
import { resolveTokenRequest, type TokenInput } from "./token-request.js";

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
  if (request.output === "token") ports.stdout(`${minted.token}\n`);
  else ports.stdout(`${JSON.stringify(execCredential(request.apiVersion, minted.token, minted.expiration))}\n`);
}
