// The AWS IAM Identity Center (SSO) portal API on 127.0.0.1, as the SDK's SSO client calls it
// with AWS_ENDPOINT_URL_SSO set:
//
//   GET /federation/credentials?role_name=R&account_id=A   header x-amz-sso_bearer_token: <access token>
//   -> {"roleCredentials":{"accessKeyId","secretAccessKey","sessionToken","expiration":<epoch ms>}}
//
// An unknown, revoked or expired bearer token gets 401 UnauthorizedException (acceptToken, given
// the OIDC emulator's acceptsAccessToken, decides for tokens it issued), an unknown account/role 403
// ForbiddenException. writeSsoTokenCache() writes the file `aws sso login` leaves in
// ~/.aws/sso/cache, named by the SHA-1 of the sso-session name (or of the start URL for
// legacy profiles).
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import type { EmulatedCredentials } from "./imds-emulator.js";
import { listenOnLoopback } from "./loopback-server.js";

export interface SsoAssignment {
  readonly accountId: string;
  readonly roleName: string;
  readonly credentials: EmulatedCredentials;
}

export interface SsoRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly bearer: string | undefined;
  readonly status: number | undefined;
}

export interface SsoEmulatorOptions {
  /** The access tokens the portal accepts. */
  readonly accessTokens?: readonly string[];
  /** Also accepted when this says so (e.g. the OIDC emulator's acceptsAccessToken). */
  readonly acceptToken?: (token: string) => boolean;
  readonly assignments: readonly SsoAssignment[];
}

export interface SsoEmulator {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_SSO. */
  readonly url: string;
  readonly requests: SsoRequestRecord[];
  close(): Promise<void>;
}

export async function startSsoEmulator(options: SsoEmulatorOptions): Promise<SsoEmulator> {
  const requests: SsoRequestRecord[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://sso.invalid");
    const bearer = req.headers["x-amz-sso_bearer_token"];
    const record = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      bearer: Array.isArray(bearer) ? bearer.join(",") : bearer,
      status: undefined as number | undefined,
    };
    requests.push(record);
    req.resume();
    const send = (status: number, body: object, errorType?: string): void => {
      record.status = status;
      const text = JSON.stringify(body);
      res.writeHead(status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(text),
        ...(errorType ? { "x-amzn-errortype": errorType } : {}),
      });
      res.end(text);
    };
    if (req.method !== "GET" || url.pathname !== "/federation/credentials") {
      return send(404, { message: "Not Found" }, "ResourceNotFoundException");
    }
    const accepted =
      record.bearer !== undefined &&
      ((options.accessTokens ?? []).includes(record.bearer) || options.acceptToken?.(record.bearer) === true);
    if (!accepted) {
      return send(401, { message: "Session token not found or invalid" }, "UnauthorizedException");
    }
    const assignment = options.assignments.find(
      (a) => a.accountId === record.query["account_id"] && a.roleName === record.query["role_name"],
    );
    if (!assignment) return send(403, { message: "No access" }, "ForbiddenException");
    const c = assignment.credentials;
    send(200, {
      roleCredentials: {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken,
        expiration: c.expiration.getTime(),
      },
    });
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close,
  };
}

export interface SsoCachedToken {
  readonly accessToken: string;
  readonly expiresAt: Date;
  readonly region: string;
  readonly startUrl: string;
}

/** The cache file name: SHA-1 (hex) of the sso-session name, or of the start URL for legacy profiles. */
export function ssoCacheFileName(sessionNameOrStartUrl: string): string {
  return `${createHash("sha1").update(sessionNameOrStartUrl).digest("hex")}.json`;
}

/** Writes $HOME/.aws/sso/cache/<sha1>.json as `aws sso login` does; returns its path. */
export function writeSsoTokenCache(home: string, sessionNameOrStartUrl: string, token: SsoCachedToken): string {
  const dir = join(home, ".aws", "sso", "cache");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, ssoCacheFileName(sessionNameOrStartUrl));
  writeFileSync(
    path,
    JSON.stringify({
      startUrl: token.startUrl,
      region: token.region,
      accessToken: token.accessToken,
      expiresAt: token.expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
    }),
    { mode: 0o600 },
  );
  return path;
}
