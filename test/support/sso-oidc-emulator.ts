// The AWS IAM Identity Center OIDC service (SSO-OIDC) on 127.0.0.1, as @aws-sdk/client-sso-oidc
// (and botocore) call it with AWS_ENDPOINT_URL_SSO_OIDC set, plus the browser's side of a sign-in:
//
//   POST /client/register        RegisterClient           {clientName, clientType, scopes, grantTypes, redirectUris, issuerUrl}
//   POST /device_authorization   StartDeviceAuthorization {clientId, clientSecret, startUrl}
//   POST /token                  CreateToken              {clientId, clientSecret, grantType, code|deviceCode|refreshToken, ...}
//   GET  /authorize?...          the sign-in page a browser opens: once the scripted user approves,
//                                302 to redirect_uri?code=C&state=S (deny: ?error=access_denied&state=S)
//   GET  /device?user_code=U     the device-code approval page (approves, or denies when the user does)
//
// Errors are as the service sends them: HTTP 400 (401 for InvalidClientException, 500 for
// InternalServerException), header x-amzn-errortype, body {error, error_description}.
// Issued access tokens are accepted by the portal emulator (test/support/sso-emulator.ts) through
// acceptsAccessToken(). Knobs: the scripted user, faults per route (hang, the connection closed
// unanswered, a huge answer, 500, throttling), short lifetimes, rotation of refresh tokens, the session ended. Every request is
// recorded with its parsed body; calls() counts them per route and grant.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenOnLoopback } from "./loopback-server.js";

export type OidcRoute = "register" | "device_authorization" | "token" | "authorize" | "device";
export type OidcFault = "hang" | "close" | "huge" | "500" | "throttle";
/** What the person at the browser does on /authorize and /device. */
export type ScriptedUser =
  | "approve"
  | "deny"
  /** Redirects with a state other than the one asked for. */
  | "wrong-state"
  /** Shows the page and never redirects (the person walked away). */
  | "never";

export interface OidcRequestRecord {
  readonly route: OidcRoute | "other";
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body: Record<string, unknown> | undefined;
  /** For /token: the grantType sent. */
  readonly grantType: string | undefined;
  status: number | undefined;
  errorType: string | undefined;
}

export interface Registration {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientName: string;
  readonly clientType: string;
  readonly scopes: readonly string[] | undefined;
  readonly grantTypes: readonly string[] | undefined;
  readonly redirectUris: readonly string[] | undefined;
  readonly issuerUrl: string | undefined;
  /** Epoch seconds. */
  expiresAt: number;
}

export interface IssuedToken {
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
  readonly clientId: string;
  readonly grantType: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

export interface SsoOidcEmulatorOptions {
  /** Epoch milliseconds for lifetimes and expiry (default Date.now). */
  readonly now?: () => number;
  readonly registrationLifetimeSeconds?: number;
  readonly accessTokenLifetimeSeconds?: number;
  readonly deviceCodeLifetimeSeconds?: number;
  readonly deviceIntervalSeconds?: number;
  /** The user code shown for a device authorization. */
  readonly userCode?: string;
}

export interface SsoOidcEmulator {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_SSO_OIDC. */
  readonly url: string;
  readonly requests: OidcRequestRecord[];
  readonly registrations: Map<string, Registration>;
  readonly issued: IssuedToken[];
  /** Every device authorization started, oldest first. */
  readonly deviceAuthorizations: ReadonlyArray<{
    readonly userCode: string;
    readonly startUrl: string;
    readonly clientId: string;
  }>;
  /** What the scripted user does next on /authorize and /device (default approve). */
  user: ScriptedUser;
  /** Faults per route, applied to every request of the route until removed. */
  readonly faults: Partial<Record<OidcRoute, OidcFault>>;
  /** Answer SlowDownException to this many device-code polls first, whatever their pace. */
  slowDowns: number;
  /** A refresh invalidates the refresh token it used. */
  rotateRefreshTokens: boolean;
  /** Counts per route, and per grant type for /token ("token:authorization_code", "token:refresh_token", "token:device_code"). */
  calls(key: OidcRoute | `token:${"authorization_code" | "refresh_token" | "device_code"}`): number;
  /** Whether the portal accepts this access token: issued here, not revoked, not expired. */
  acceptsAccessToken(token: string): boolean;
  /** Marks a pending device authorization approved (what /device?user_code= does). */
  approveDevice(userCode: string): void;
  /** Every registration ends now (CreateToken and StartDeviceAuthorization answer InvalidClientException). */
  expireRegistrations(): void;
  /** The portal session ends: refresh tokens are refused (InvalidGrantException), access tokens revoked. */
  endSession(): void;
  /** Adds a refresh token the emulator honours (for files written by a test), issued to clientId. */
  addRefreshToken(refreshToken: string, clientId: string): void;
  /** Adds a registration (for files written by a test). */
  addRegistration(registration: Omit<Registration, "clientType" | "clientName"> & { clientName?: string }): void;
  /** The bytes a "huge" fault sends (default 64 MiB). */
  hugeBytes: number;
  close(): Promise<void>;
}

const GRANTS = {
  authorization_code: "authorization_code",
  "urn:ietf:params:oauth:grant-type:device_code": "device_code",
  refresh_token: "refresh_token",
} as const;

interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly challenge: string;
  readonly scopes: string;
  used: boolean;
}

interface PendingDevice {
  readonly clientId: string;
  readonly deviceCode: string;
  readonly userCode: string;
  readonly expiresAt: number;
  state: "pending" | "approved" | "denied" | "used";
  lastPoll: number | undefined;
}

const MAX_REQUEST_BYTES = 64 * 1024;

export async function startSsoOidcEmulator(options: SsoOidcEmulatorOptions = {}): Promise<SsoOidcEmulator> {
  const now = options.now ?? Date.now;
  const registrationLifetime = options.registrationLifetimeSeconds ?? 90 * 24 * 3600;
  const accessLifetime = options.accessTokenLifetimeSeconds ?? 3600;
  const deviceLifetime = options.deviceCodeLifetimeSeconds ?? 600;
  const interval = options.deviceIntervalSeconds ?? 1;
  const requests: OidcRequestRecord[] = [];
  const registrations = new Map<string, Registration>();
  const issued: IssuedToken[] = [];
  const revoked = new Set<string>();
  const deviceAuthorizations: Array<{ userCode: string; startUrl: string; clientId: string }> = [];
  const refreshTokens = new Map<string, string>(); // refresh token -> clientId
  const codes = new Map<string, PendingCode>();
  const devices = new Map<string, PendingDevice>(); // by device code
  let sessionEnded = false;
  let base = "";

  const state = {
    user: "approve" as ScriptedUser,
    slowDowns: 0,
    rotateRefreshTokens: false,
    hugeBytes: 64 * 1024 * 1024,
  };
  const faults: Partial<Record<OidcRoute, OidcFault>> = {};

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://oidc.invalid");
    const route = routeOf(req.method ?? "GET", url.pathname);
    const text = await readBody(req);
    let body: Record<string, unknown> | undefined;
    if (req.method === "POST") {
      try {
        body = JSON.parse(text || "{}") as Record<string, unknown>;
      } catch {
        body = undefined;
      }
    }
    const record: OidcRequestRecord = {
      route,
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      grantType: typeof body?.["grantType"] === "string" ? (body["grantType"] as string) : undefined,
      status: undefined,
      errorType: undefined,
    };
    requests.push(record);
    const json = (status: number, payload: object, errorType?: string): void => {
      record.status = status;
      record.errorType = errorType;
      const out = JSON.stringify(payload);
      res.writeHead(status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(out),
        ...(errorType ? { "x-amzn-errortype": errorType } : {}),
      });
      res.end(out);
    };
    const fail = (type: string, error: string, description: string): void => {
      const status = type === "InvalidClientException" ? 401 : type === "InternalServerException" ? 500 : 400;
      json(status, { error, error_description: description }, type);
    };
    const html = (status: number, page: string, headers: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, { "content-type": "text/html; charset=utf-8", ...headers });
      res.end(page);
    };

    if (route === "other") return json(404, { message: "Not Found" }, "ResourceNotFoundException");
    const fault = faults[route];
    if (fault === "hang") {
      record.status = 0;
      return; // never answered; close() destroys the socket
    }
    if (fault === "close") {
      record.status = 0;
      req.socket.destroy();
      return;
    }
    if (fault === "500") return fail("InternalServerException", "server_error", "injected failure");
    if (fault === "throttle") {
      record.status = 429;
      res.writeHead(429, { "content-type": "application/json", "x-amzn-errortype": "ThrottlingException" });
      res.end(JSON.stringify({ message: "Rate exceeded" }));
      return;
    }
    if (fault === "huge") {
      record.status = 200;
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      res.write('{"padding":"');
      let sent = 0;
      const pump = (): void => {
        while (sent < state.hugeBytes) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once("drain", pump);
            return;
          }
        }
        res.end('"}');
      };
      res.on("error", () => {});
      pump();
      return;
    }

    switch (route) {
      case "register": {
        if (!body) return fail("InvalidRequestException", "invalid_request", "body is not JSON");
        if (body["clientType"] !== "public")
          return fail("InvalidClientMetadataException", "invalid_client_metadata", "clientType must be public");
        if (typeof body["clientName"] !== "string" || body["clientName"] === "")
          return fail("InvalidRequestException", "invalid_request", "clientName is required");
        const grantTypes = stringList(body["grantTypes"]);
        const redirectUris = stringList(body["redirectUris"]);
        if (grantTypes?.includes("authorization_code")) {
          if (redirectUris?.length !== 1 || redirectUris[0] !== "http://127.0.0.1/oauth/callback")
            return fail("InvalidRedirectUriException", "invalid_redirect_uri", "redirect URI not allowed");
          if (typeof body["issuerUrl"] !== "string" || !body["issuerUrl"])
            return fail("InvalidRequestException", "invalid_request", "issuerUrl is required");
        }
        const registration: Registration = {
          clientId: `client-${randomUUID()}`,
          clientSecret: `secret-${randomBytes(24).toString("base64url")}`,
          clientName: body["clientName"] as string,
          clientType: "public",
          scopes: stringList(body["scopes"]),
          grantTypes,
          redirectUris,
          issuerUrl: typeof body["issuerUrl"] === "string" ? (body["issuerUrl"] as string) : undefined,
          expiresAt: Math.floor(now() / 1000) + registrationLifetime,
        };
        registrations.set(registration.clientId, registration);
        return json(200, {
          clientId: registration.clientId,
          clientSecret: registration.clientSecret,
          clientIdIssuedAt: Math.floor(now() / 1000),
          clientSecretExpiresAt: registration.expiresAt,
          ...(grantTypes?.includes("authorization_code")
            ? { authorizationEndpoint: `${base}/authorize`, tokenEndpoint: `${base}/token` }
            : {}),
        });
      }
      case "device_authorization": {
        if (!body) return fail("InvalidRequestException", "invalid_request", "body is not JSON");
        const client = checkClient(body);
        if (typeof client === "string") return fail("InvalidClientException", "invalid_client", client);
        if (typeof body["startUrl"] !== "string")
          return fail("InvalidRequestException", "invalid_request", "startUrl is required");
        const deviceCode = `device-${randomBytes(24).toString("base64url")}`;
        const userCode = options.userCode ?? `${randomLetters(4)}-${randomLetters(4)}`;
        deviceAuthorizations.push({ userCode, startUrl: body["startUrl"] as string, clientId: client.clientId });
        devices.set(deviceCode, {
          clientId: client.clientId,
          deviceCode,
          userCode,
          expiresAt: now() + deviceLifetime * 1000,
          state: "pending",
          lastPoll: undefined,
        });
        return json(200, {
          deviceCode,
          userCode,
          verificationUri: `${base}/device`,
          verificationUriComplete: `${base}/device?user_code=${encodeURIComponent(userCode)}`,
          expiresIn: deviceLifetime,
          interval,
        });
      }
      case "token": {
        if (!body) return fail("InvalidRequestException", "invalid_request", "body is not JSON");
        const client = checkClient(body);
        if (typeof client === "string") return fail("InvalidClientException", "invalid_client", client);
        const grant = GRANTS[body["grantType"] as keyof typeof GRANTS];
        if (!grant) return fail("UnsupportedGrantTypeException", "unsupported_grant_type", "unknown grantType");
        if (grant === "authorization_code") {
          if (!client.grantTypes?.includes("authorization_code"))
            return fail("UnauthorizedClientException", "unauthorized_client", "client not registered for this grant");
          const pending = typeof body["code"] === "string" ? codes.get(body["code"] as string) : undefined;
          if (!pending || pending.used || pending.clientId !== client.clientId)
            return fail("InvalidGrantException", "invalid_grant", "invalid authorization code");
          pending.used = true;
          if (body["redirectUri"] !== pending.redirectUri)
            return fail("InvalidGrantException", "invalid_grant", "redirect URI does not match");
          const verifier = body["codeVerifier"];
          if (typeof verifier !== "string" || s256(verifier) !== pending.challenge)
            return fail("InvalidGrantException", "invalid_grant", "code verifier does not match");
          return json(200, issue(client, "authorization_code", true));
        }
        if (grant === "device_code") {
          const device = typeof body["deviceCode"] === "string" ? devices.get(body["deviceCode"] as string) : undefined;
          if (!device || device.clientId !== client.clientId || device.state === "used")
            return fail("InvalidGrantException", "invalid_grant", "invalid device code");
          if (now() >= device.expiresAt) return fail("ExpiredTokenException", "expired_token", "device code expired");
          const polled = performance.now();
          const early = device.lastPoll !== undefined && polled - device.lastPoll < interval * 1000 - 50;
          device.lastPoll = polled;
          if (device.state === "denied") return fail("AccessDeniedException", "access_denied", "denied");
          if (state.slowDowns > 0 && device.state === "pending") {
            state.slowDowns -= 1;
            return fail("SlowDownException", "slow_down", "slow down");
          }
          if (early && device.state === "pending") return fail("SlowDownException", "slow_down", "slow down");
          if (device.state === "pending")
            return fail("AuthorizationPendingException", "authorization_pending", "authorization pending");
          device.state = "used";
          const scoped = (client.scopes ?? []).length > 0;
          return json(200, issue(client, "device_code", scoped));
        }
        const refreshToken = body["refreshToken"];
        const owner = typeof refreshToken === "string" ? refreshTokens.get(refreshToken) : undefined;
        if (sessionEnded || owner === undefined || owner !== client.clientId)
          return fail("InvalidGrantException", "invalid_grant", "invalid refresh token");
        if (state.rotateRefreshTokens) refreshTokens.delete(refreshToken as string);
        const out = issue(client, "refresh_token", state.rotateRefreshTokens);
        return json(200, state.rotateRefreshTokens ? out : { ...out, refreshToken });
      }
      case "authorize": {
        const q = url.searchParams;
        const client = registrations.get(q.get("client_id") ?? "");
        const redirectUri = q.get("redirect_uri") ?? "";
        const problems: string[] = [];
        if (q.get("response_type") !== "code") problems.push("response_type");
        if (!client?.grantTypes?.includes("authorization_code")) problems.push("client_id");
        if (!/^http:\/\/127\.0\.0\.1:\d{1,5}\/oauth\/callback$/.test(redirectUri)) problems.push("redirect_uri");
        if (q.get("code_challenge_method") !== "S256") problems.push("code_challenge_method");
        if (!/^[A-Za-z0-9_-]{43}$/.test(q.get("code_challenge") ?? "")) problems.push("code_challenge");
        if (!q.get("state")) problems.push("state");
        if (!q.get("scopes")) problems.push("scopes");
        if (problems.length > 0 || !client)
          return html(400, `<html><body>bad authorize request: ${problems.join(", ")}</body></html>`);
        const sentState = q.get("state") ?? "";
        const target = new URL(redirectUri);
        switch (state.user) {
          case "never":
            return html(200, "<html><title>Sign in</title><body>Sign in to continue</body></html>");
          case "deny":
            target.search = new URLSearchParams({ error: "access_denied", state: sentState }).toString();
            break;
          default: {
            const code = `code-${randomBytes(24).toString("base64url")}`;
            codes.set(code, {
              clientId: client.clientId,
              redirectUri,
              challenge: q.get("code_challenge") ?? "",
              scopes: q.get("scopes") ?? "",
              used: false,
            });
            const st = state.user === "wrong-state" ? `${sentState}-x` : sentState;
            target.search = new URLSearchParams({ code, state: st }).toString();
          }
        }
        return html(302, "", { location: target.href });
      }
      case "device": {
        const userCode = url.searchParams.get("user_code") ?? "";
        // The newest pending authorization with that code that has not expired.
        const device = [...devices.values()]
          .reverse()
          .find((d) => d.userCode === userCode && d.state === "pending" && now() < d.expiresAt);
        if (!device) return html(404, "<html><body>unknown code</body></html>");
        if (state.user === "never") return html(200, "<html><body>Confirm the code</body></html>");
        device.state = state.user === "deny" ? "denied" : "approved";
        return html(200, `<html><body>${device.state}</body></html>`);
      }
    }
  }

  function checkClient(body: Record<string, unknown>): Registration | string {
    const client = registrations.get(String(body["clientId"] ?? ""));
    if (!client || client.clientSecret !== body["clientSecret"]) return "unknown client";
    if (client.expiresAt * 1000 <= now()) return "client registration expired";
    return client;
  }

  function issue(client: Registration, grantType: string, withRefresh: boolean): Record<string, unknown> {
    const accessToken = `access-${randomBytes(24).toString("base64url")}`;
    const refreshToken = withRefresh ? `refresh-${randomBytes(24).toString("base64url")}` : undefined;
    if (refreshToken) refreshTokens.set(refreshToken, client.clientId);
    issued.push({
      accessToken,
      refreshToken,
      clientId: client.clientId,
      grantType,
      expiresAt: now() + accessLifetime * 1000,
    });
    return {
      accessToken,
      tokenType: "Bearer",
      expiresIn: accessLifetime,
      ...(refreshToken ? { refreshToken } : {}),
      idToken: "header.payload.signature",
    };
  }

  const { port, close } = await listenOnLoopback(server);
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    requests,
    registrations,
    issued,
    deviceAuthorizations,
    faults,
    get user() {
      return state.user;
    },
    set user(value: ScriptedUser) {
      state.user = value;
    },
    get slowDowns() {
      return state.slowDowns;
    },
    set slowDowns(value: number) {
      state.slowDowns = value;
    },
    get rotateRefreshTokens() {
      return state.rotateRefreshTokens;
    },
    set rotateRefreshTokens(value: boolean) {
      state.rotateRefreshTokens = value;
    },
    get hugeBytes() {
      return state.hugeBytes;
    },
    set hugeBytes(value: number) {
      state.hugeBytes = value;
    },
    calls(key) {
      if (key.startsWith("token:")) {
        const grant = key.slice("token:".length);
        return requests.filter((r) => r.route === "token" && GRANTS[r.grantType as keyof typeof GRANTS] === grant)
          .length;
      }
      return requests.filter((r) => r.route === key).length;
    },
    acceptsAccessToken(token) {
      const found = issued.find((t) => t.accessToken === token);
      return found !== undefined && !revoked.has(token) && found.expiresAt > now();
    },
    approveDevice(userCode) {
      for (const d of devices.values()) if (d.userCode === userCode && d.state === "pending") d.state = "approved";
    },
    expireRegistrations() {
      for (const r of registrations.values()) r.expiresAt = Math.floor(now() / 1000) - 1;
    },
    endSession() {
      sessionEnded = true;
      for (const t of issued) revoked.add(t.accessToken);
    },
    addRefreshToken(refreshToken, clientId) {
      refreshTokens.set(refreshToken, clientId);
    },
    addRegistration(r) {
      registrations.set(r.clientId, { clientName: "test", clientType: "public", ...r });
    },
    close,
  };
}

function routeOf(method: string, path: string): OidcRoute | "other" {
  if (method === "POST" && path === "/client/register") return "register";
  if (method === "POST" && path === "/device_authorization") return "device_authorization";
  if (method === "POST" && path === "/token") return "token";
  if (method === "GET" && path === "/authorize") return "authorize";
  if (method === "GET" && path === "/device") return "device";
  return "other";
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(""));
  });
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined;
}

function s256(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

function randomLetters(n: number): string {
  const letters = "BCDFGHJKLMNPQRSTVWXZ";
  return Array.from(randomBytes(n), (b) => letters[b % letters.length]).join("");
}
