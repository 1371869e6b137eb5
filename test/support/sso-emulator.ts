// The AWS IAM Identity Center (SSO) portal API on 127.0.0.1, as the SDK's SSO client calls it
// with AWS_ENDPOINT_URL_SSO set (header x-amz-sso_bearer_token: <access token> on each):
//
//   GET /federation/credentials?role_name=R&account_id=A
//   -> {"roleCredentials":{"accessKeyId","secretAccessKey","sessionToken","expiration":<epoch ms>}}
//   GET /assignment/accounts?max_result=N&next_token=T
//   -> {"accountList":[{"accountId","accountName","emailAddress"}],"nextToken"}
//   GET /assignment/roles?account_id=A&max_result=N&next_token=T
//   -> {"roleList":[{"roleName","accountId"}],"nextToken"}
//
// An unknown, revoked or expired (see expireToken) bearer token gets 401 UnauthorizedException
// (acceptToken, given the OIDC emulator's acceptsAccessToken, decides for tokens it issued), an
// unknown account/role 403 ForbiddenException, a route told to throttle 429
// TooManyRequestsException. Every request is recorded with its arrival time, so a test can check
// the rate a client kept. writeSsoTokenCache() writes the file `aws sso login` leaves in
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
  /** Fixed credentials, or made on first use (e.g. an AssumeRole at the STS emulator) and kept. */
  readonly credentials: EmulatedCredentials | (() => Promise<EmulatedCredentials>);
}

/** An account as ListAccounts names it; accounts with assignments but none here get a made-up name. */
export interface SsoAccount {
  readonly accountId: string;
  readonly accountName: string;
  readonly emailAddress?: string;
}

export type SsoRoute = "GetRoleCredentials" | "ListAccounts" | "ListAccountRoles";

export interface SsoRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly bearer: string | undefined;
  readonly status: number | undefined;
  readonly route: SsoRoute | undefined;
  /** Arrival time, performance.now() ms. */
  readonly at: number;
}

export interface SsoEmulatorOptions {
  /** The access tokens the portal accepts. */
  readonly accessTokens?: readonly string[];
  /** Also accepted when this says so (e.g. the OIDC emulator's acceptsAccessToken). */
  readonly acceptToken?: (token: string) => boolean;
  readonly assignments: readonly SsoAssignment[];
  /** Names for ListAccounts; order kept. Accounts with assignments are listed either way. */
  readonly accounts?: readonly SsoAccount[];
  /** Largest page the list routes return (the portal's max_result cap). */
  readonly maxPageSize?: number;
}

export interface SsoEmulator {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_SSO. */
  readonly url: string;
  readonly requests: SsoRequestRecord[];
  /** Requests per route, counted on arrival. */
  readonly calls: Record<SsoRoute, number>;
  /** The next `times` requests to the route (every route when absent) get 429 TooManyRequestsException. */
  throttle(route: SsoRoute | undefined, times: number): void;
  /** The token is refused from now on with 401, as an expired session is. */
  expireToken(accessToken: string): void;
  /** Takes the account out of (or puts it back into) ListAccounts and its roles. */
  setAccountHidden(accountId: string, hidden: boolean): void;
  close(): Promise<void>;
}

const DEFAULT_PAGE = 20;

/** One page; the token is the offset, bound to the listing it came from. */
function pageOf<T>(
  items: readonly T[],
  query: URLSearchParams,
  listing: string,
  cap: number,
): { items: T[]; nextToken?: string } | undefined {
  const raw = query.get("max_result");
  const max = raw === null ? DEFAULT_PAGE : Math.min(Number(raw), cap);
  if (!Number.isInteger(max) || max < 1) return undefined;
  let start = 0;
  const token = query.get("next_token");
  if (token !== null) {
    const m = /^([^:]*):(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
    if (!m || m[1] !== listing) return undefined;
    start = Number(m[2]);
  }
  const end = start + max;
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { nextToken: Buffer.from(`${listing}:${end}`).toString("base64url") } : {}),
  };
}

const ROUTES: Record<string, SsoRoute> = {
  "/federation/credentials": "GetRoleCredentials",
  "/assignment/accounts": "ListAccounts",
  "/assignment/roles": "ListAccountRoles",
};

export async function startSsoEmulator(options: SsoEmulatorOptions): Promise<SsoEmulator> {
  const requests: SsoRequestRecord[] = [];
  const calls: Record<SsoRoute, number> = { GetRoleCredentials: 0, ListAccounts: 0, ListAccountRoles: 0 };
  const throttles: Array<{ route: SsoRoute | undefined; remaining: number }> = [];
  const expired = new Set<string>();
  const hidden = new Set<string>();
  const made = new Map<string, Promise<EmulatedCredentials>>();
  const cap = options.maxPageSize ?? 100;
  const accountIds = [
    ...new Set([...(options.accounts ?? []).map((a) => a.accountId), ...options.assignments.map((a) => a.accountId)]),
  ];
  const accountOf = (id: string): SsoAccount =>
    options.accounts?.find((a) => a.accountId === id) ?? { accountId: id, accountName: `account-${id}` };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://sso.invalid");
    const bearer = req.headers["x-amz-sso_bearer_token"];
    const route = req.method === "GET" ? ROUTES[url.pathname] : undefined;
    const record = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      bearer: Array.isArray(bearer) ? bearer.join(",") : bearer,
      status: undefined as number | undefined,
      route,
      at: performance.now(),
    };
    requests.push(record);
    if (route) calls[route]++;
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
    if (!route) return send(404, { message: "Not Found" }, "ResourceNotFoundException");
    const throttle = throttles.findIndex((t) => t.remaining > 0 && (t.route === undefined || t.route === route));
    if (throttle >= 0) {
      if (--throttles[throttle]!.remaining <= 0) throttles.splice(throttle, 1);
      return send(429, { message: "Rate exceeded" }, "TooManyRequestsException");
    }
    const accepted =
      record.bearer !== undefined &&
      ((options.accessTokens ?? []).includes(record.bearer) || options.acceptToken?.(record.bearer) === true);
    if (!accepted || expired.has(record.bearer ?? "")) {
      return send(401, { message: "Session token not found or invalid" }, "UnauthorizedException");
    }
    const visible = options.assignments.filter((a) => !hidden.has(a.accountId));
    if (route === "ListAccounts") {
      const listed = accountIds.filter((id) => !hidden.has(id)).map(accountOf);
      const p = pageOf(listed, url.searchParams, "accounts", cap);
      if (!p) return send(400, { message: "Invalid pagination" }, "InvalidRequestException");
      return send(200, {
        accountList: p.items.map((a) => ({
          accountId: a.accountId,
          accountName: a.accountName,
          emailAddress: a.emailAddress ?? `aws+${a.accountId}@example.com`,
        })),
        ...(p.nextToken ? { nextToken: p.nextToken } : {}),
      });
    }
    if (route === "ListAccountRoles") {
      const accountId = url.searchParams.get("account_id") ?? "";
      const roles = visible.filter((a) => a.accountId === accountId);
      const p = pageOf(roles, url.searchParams, `roles-${accountId}`, cap);
      if (!p) return send(400, { message: "Invalid pagination" }, "InvalidRequestException");
      return send(200, {
        roleList: p.items.map((a) => ({ roleName: a.roleName, accountId: a.accountId })),
        ...(p.nextToken ? { nextToken: p.nextToken } : {}),
      });
    }
    const assignment = visible.find(
      (a) => a.accountId === record.query["account_id"] && a.roleName === record.query["role_name"],
    );
    if (!assignment) return send(403, { message: "No access" }, "ForbiddenException");
    const key = `${assignment.accountId}/${assignment.roleName}`;
    const given = assignment.credentials;
    let credentials = made.get(key);
    if (!credentials) {
      credentials = typeof given === "function" ? given() : Promise.resolve(given);
      made.set(key, credentials);
    }
    credentials.then(
      (c) =>
        send(200, {
          roleCredentials: {
            accessKeyId: c.accessKeyId,
            secretAccessKey: c.secretAccessKey,
            sessionToken: c.sessionToken,
            expiration: c.expiration.getTime(),
          },
        }),
      (e: unknown) => send(500, { message: String(e) }, "InternalServerException"),
    );
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    calls,
    throttle: (route, times) => {
      throttles.push({ route, remaining: times });
    },
    expireToken: (token) => {
      expired.add(token);
    },
    setAccountHidden: (accountId, hide) => {
      if (hide) hidden.add(accountId);
      else hidden.delete(accountId);
    },
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
