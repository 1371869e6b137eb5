// An EC2 instance metadata service (IMDSv2) stand-in on 127.0.0.1, for the SDK's
// fromInstanceMetadata provider (AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:PORT).
//
//   PUT /latest/api/token                        needs x-aws-ec2-metadata-token-ttl-seconds (1-21600)
//   GET /latest/meta-data/iam/security-credentials/       -> the role name
//   GET /latest/meta-data/iam/security-credentials/ROLE   -> {Code, LastUpdated, Type, AccessKeyId, ...}
//
// Every GET must carry x-aws-ec2-metadata-token with a token this emulator issued (IMDSv1, a GET
// without a token, gets 401 as on an instance that requires IMDSv2). `hang` makes every request
// go unanswered, to test that the client gives up.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { sendEndlessBody } from "./endless-body.js";
import { listenOnLoopback } from "./loopback-server.js";

export interface EmulatedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface ImdsRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly ttlHeader: string | undefined;
  readonly tokenHeader: string | undefined;
  readonly status: number | undefined;
}

export interface ImdsEmulatorOptions {
  readonly roleName: string;
  readonly credentials: EmulatedCredentials;
  /** Accept GETs without a session token (IMDSv1). Off by default. */
  readonly allowV1?: boolean;
}

export interface ImdsEmulator {
  /** http://127.0.0.1:PORT, for AWS_EC2_METADATA_SERVICE_ENDPOINT. */
  readonly url: string;
  readonly requests: ImdsRequestRecord[];
  /** Tokens handed out by PUT /latest/api/token. */
  readonly issuedTokens: string[];
  /** From now on, accept connections and never answer. */
  hang(): void;
  /** From now on, answer every request with a body that never ends. */
  endless(): void;
  close(): Promise<void>;
}

const TOKEN_PATH = "/latest/api/token";
const CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/";

export async function startImdsEmulator(options: ImdsEmulatorOptions): Promise<ImdsEmulator> {
  const requests: ImdsRequestRecord[] = [];
  const tokens = new Map<string, number>();
  let hanging = false;
  let endless = false;

  function answer(req: IncomingMessage, res: ServerResponse, record: { status: number | undefined }): void {
    const send = (status: number, body: string, type = "text/plain"): void => {
      record.status = status;
      res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
      res.end(body);
    };
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === TOKEN_PATH) {
      if (req.method !== "PUT") return send(405, "");
      const ttl = Number(req.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return send(400, "");
      const token = `AQAEA${randomBytes(30).toString("base64url")}==`;
      tokens.set(token, Date.now() + ttl * 1000);
      return send(200, token);
    }
    if (req.method !== "GET") return send(405, "");
    const token = req.headers["x-aws-ec2-metadata-token"];
    const tokenOk = typeof token === "string" && (tokens.get(token) ?? 0) > Date.now();
    if (!tokenOk && !(options.allowV1 && token === undefined)) return send(401, "");
    if (path === CREDENTIALS_PATH) return send(200, options.roleName);
    if (path === `${CREDENTIALS_PATH}${options.roleName}`) {
      const c = options.credentials;
      return send(
        200,
        JSON.stringify({
          Code: "Success",
          LastUpdated: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
          Type: "AWS-HMAC",
          AccessKeyId: c.accessKeyId,
          SecretAccessKey: c.secretAccessKey,
          Token: c.sessionToken,
          Expiration: c.expiration.toISOString().replace(/\.\d{3}Z$/, "Z"),
        }),
        "application/json",
      );
    }
    return send(404, "");
  }

  const server = createServer((req, res) => {
    const record = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      ttlHeader: header(req, "x-aws-ec2-metadata-token-ttl-seconds"),
      tokenHeader: header(req, "x-aws-ec2-metadata-token"),
      status: undefined as number | undefined,
    };
    requests.push(record);
    req.resume();
    if (hanging) return;
    if (endless) return sendEndlessBody(res, { contentType: "text/plain" });
    req.on("end", () => answer(req, res, record));
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get issuedTokens() {
      return [...tokens.keys()];
    },
    hang: () => {
      hanging = true;
    },
    endless: () => {
      endless = true;
    },
    close,
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}
