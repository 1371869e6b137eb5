// A container credentials endpoint (what ECS and EKS Pod Identity agents serve) on 127.0.0.1,
// for the SDK's fromHttp provider: AWS_CONTAINER_CREDENTIALS_FULL_URI=<url> and
// AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE). GET <path> with `Authorization: <token>` answers
// {AccessKeyId, SecretAccessKey, Token, Expiration, AccountId}; a missing or wrong token gets 401.
import { createServer } from "node:http";
import type { EmulatedCredentials } from "./imds-emulator.js";
import { sendEndlessBody } from "./endless-body.js";
import { listenOnLoopback } from "./loopback-server.js";

export type { EmulatedCredentials } from "./imds-emulator.js";

export interface ContainerCredentialsRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly status: number | undefined;
}

export interface ContainerCredentialsEmulatorOptions {
  readonly authorizationToken: string;
  readonly credentials: EmulatedCredentials;
  /** The path the full URI names; /v1/credentials by default. */
  readonly path?: string;
  readonly accountId?: string;
}

export interface ContainerCredentialsEmulator {
  /** The full URI, for AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  readonly url: string;
  readonly requests: ContainerCredentialsRequest[];
  hang(): void;
  /** From now on, answer every request with a body that never ends. */
  endless(): void;
  close(): Promise<void>;
}

export async function startContainerCredentialsEmulator(
  options: ContainerCredentialsEmulatorOptions,
): Promise<ContainerCredentialsEmulator> {
  const path = options.path ?? "/v1/credentials";
  const requests: ContainerCredentialsRequest[] = [];
  let hanging = false;
  let endless = false;
  const server = createServer((req, res) => {
    const record = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      authorization: req.headers.authorization,
      status: undefined as number | undefined,
    };
    requests.push(record);
    req.resume();
    if (hanging) return;
    if (endless) return sendEndlessBody(res);
    const send = (status: number, body: object): void => {
      record.status = status;
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== path)
      return send(404, { Code: "NotFound", Message: "no such path" });
    if (req.headers.authorization !== options.authorizationToken) {
      return send(401, { Code: "AccessDenied", Message: "the Authorization header is missing or wrong" });
    }
    const c = options.credentials;
    send(200, {
      AccessKeyId: c.accessKeyId,
      SecretAccessKey: c.secretAccessKey,
      Token: c.sessionToken,
      Expiration: c.expiration.toISOString().replace(/\.\d{3}Z$/, "Z"),
      ...(options.accountId ? { AccountId: options.accountId } : {}),
    });
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    hang: () => {
      hanging = true;
    },
    endless: () => {
      endless = true;
    },
    close,
  };
}
