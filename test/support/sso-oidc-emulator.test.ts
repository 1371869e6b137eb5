// The SSO-OIDC emulator as the real @aws-sdk/client-sso-oidc sees it, and the test browser.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CreateTokenCommand,
  RegisterClientCommand,
  SSOOIDCClient,
  StartDeviceAuthorizationCommand,
} from "@aws-sdk/client-sso-oidc";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { listenOnLoopback } from "./loopback-server.js";
import { startSsoEmulator } from "./sso-emulator.js";
import { startSsoOidcEmulator, type SsoOidcEmulator } from "./sso-oidc-emulator.js";

const BROWSER = fileURLToPath(new URL("./test-browser.mjs", import.meta.url));
const START_URL = "https://d-1234567890.awsapps.com/start";

let oidc: SsoOidcEmulator;
let client: SSOOIDCClient;
let clock = Date.parse("2026-12-06T12:00:00Z");
const dir = mkdtempSync(join(tmpdir(), "eks-token-oidc-emu-"));

beforeAll(async () => {
  oidc = await startSsoOidcEmulator({ now: () => clock, deviceIntervalSeconds: 1, userCode: "BCDF-GHJK" });
  client = new SSOOIDCClient({ region: "us-east-1", endpoint: oidc.url, maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await oidc.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  oidc.user = "approve";
  for (const k of Object.keys(oidc.faults)) delete oidc.faults[k as keyof typeof oidc.faults];
});

async function registerPkce() {
  return client.send(
    new RegisterClientCommand({
      clientName: "eks-token-test",
      clientType: "public",
      grantTypes: ["authorization_code", "refresh_token"],
      redirectUris: ["http://127.0.0.1/oauth/callback"],
      issuerUrl: START_URL,
      scopes: ["sso:account:access"],
    }),
  );
}

function pkce() {
  const verifier = randomBytes(48).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

async function authorize(clientId: string, redirectUri: string, challenge: string, state: string) {
  const q = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    state,
    code_challenge_method: "S256",
    scopes: "sso:account:access",
    code_challenge: challenge,
  });
  return fetch(`${oidc.url}/authorize?${q}`, { redirect: "manual" });
}

describe("RegisterClient", () => {
  it("registers a public client and records what was sent", async () => {
    const out = await registerPkce();
    expect(out.clientId).toMatch(/^client-/);
    expect(out.clientSecretExpiresAt).toBe(Math.floor(clock / 1000) + 90 * 24 * 3600);
    const reg = oidc.registrations.get(out.clientId ?? "");
    expect(reg?.issuerUrl).toBe(START_URL);
    expect(reg?.grantTypes).toEqual(["authorization_code", "refresh_token"]);
  });

  it("refuses a redirect URI other than the loopback callback", async () => {
    await expect(
      client.send(
        new RegisterClientCommand({
          clientName: "x",
          clientType: "public",
          grantTypes: ["authorization_code"],
          redirectUris: ["http://localhost:8080/cb"],
          issuerUrl: START_URL,
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidRedirectUriException" });
  });
});

describe("authorization code with PKCE", () => {
  it("redirects with a code and the state, and exchanges it once with the right verifier", async () => {
    const reg = await registerPkce();
    const { verifier, challenge } = pkce();
    const redirectUri = "http://127.0.0.1:4711/oauth/callback";
    const res = await authorize(reg.clientId ?? "", redirectUri, challenge, "state-1");
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location") ?? "");
    expect(location.origin + location.pathname).toBe(redirectUri);
    expect(location.searchParams.get("state")).toBe("state-1");
    const code = location.searchParams.get("code") ?? "";
    const grant = {
      clientId: reg.clientId,
      clientSecret: reg.clientSecret,
      grantType: "authorization_code",
      code,
      redirectUri,
    };
    await expect(client.send(new CreateTokenCommand({ ...grant, codeVerifier: `${verifier}x` }))).rejects.toMatchObject(
      {
        name: "InvalidGrantException",
      },
    );
    // A code is good for one exchange, even a failed one.
    await expect(client.send(new CreateTokenCommand({ ...grant, codeVerifier: verifier }))).rejects.toMatchObject({
      name: "InvalidGrantException",
    });
    const res2 = await authorize(reg.clientId ?? "", redirectUri, challenge, "state-2");
    const code2 = new URL(res2.headers.get("location") ?? "").searchParams.get("code") ?? "";
    const token = await client.send(new CreateTokenCommand({ ...grant, code: code2, codeVerifier: verifier }));
    expect(token.accessToken).toMatch(/^access-/);
    expect(token.refreshToken).toMatch(/^refresh-/);
    expect(token.expiresIn).toBe(3600);
    expect(oidc.acceptsAccessToken(token.accessToken ?? "")).toBe(true);
  });

  it("sends the denial, a wrong state, or nothing, as the scripted user does", async () => {
    const reg = await registerPkce();
    const { challenge } = pkce();
    const redirectUri = "http://127.0.0.1:4711/oauth/callback";
    oidc.user = "deny";
    let loc = new URL((await authorize(reg.clientId ?? "", redirectUri, challenge, "s")).headers.get("location") ?? "");
    expect(Object.fromEntries(loc.searchParams)).toEqual({ error: "access_denied", state: "s" });
    oidc.user = "wrong-state";
    loc = new URL((await authorize(reg.clientId ?? "", redirectUri, challenge, "s")).headers.get("location") ?? "");
    expect(loc.searchParams.get("state")).not.toBe("s");
    oidc.user = "never";
    const page = await authorize(reg.clientId ?? "", redirectUri, challenge, "s");
    expect(page.status).toBe(200);
    expect(page.headers.get("location")).toBeNull();
  });

  it("refuses an authorize request without S256 or with another redirect", async () => {
    const reg = await registerPkce();
    const { challenge } = pkce();
    const bad = await authorize(reg.clientId ?? "", "http://evil.example/oauth/callback", challenge, "s");
    expect(bad.status).toBe(400);
  });
});

describe("device code", () => {
  it("answers pending, slow_down when polled too fast, then the token once approved", async () => {
    const reg = await client.send(new RegisterClientCommand({ clientName: "d", clientType: "public" }));
    const auth = await client.send(
      new StartDeviceAuthorizationCommand({
        clientId: reg.clientId,
        clientSecret: reg.clientSecret,
        startUrl: START_URL,
      }),
    );
    expect(auth.userCode).toBe("BCDF-GHJK");
    expect(auth.verificationUriComplete).toBe(`${oidc.url}/device?user_code=BCDF-GHJK`);
    const poll = () =>
      client.send(
        new CreateTokenCommand({
          clientId: reg.clientId,
          clientSecret: reg.clientSecret,
          grantType: "urn:ietf:params:oauth:grant-type:device_code",
          deviceCode: auth.deviceCode,
        }),
      );
    await expect(poll()).rejects.toMatchObject({
      name: "AuthorizationPendingException",
      error: "authorization_pending",
    });
    await expect(poll()).rejects.toMatchObject({ name: "SlowDownException", error: "slow_down" });
    const page = await fetch(auth.verificationUriComplete ?? "");
    expect(page.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_000));
    const token = await poll();
    expect(token.accessToken).toMatch(/^access-/);
    // No scopes registered: no refresh token, as for a legacy profile.
    expect(token.refreshToken).toBeUndefined();
    expect(oidc.calls("token:device_code")).toBeGreaterThanOrEqual(3);
  });

  it("answers expired_token after the code's lifetime and access_denied when the user denies", async () => {
    const reg = await client.send(new RegisterClientCommand({ clientName: "d", clientType: "public" }));
    const start = () =>
      client.send(
        new StartDeviceAuthorizationCommand({
          clientId: reg.clientId,
          clientSecret: reg.clientSecret,
          startUrl: START_URL,
        }),
      );
    const poll = (deviceCode: string | undefined) =>
      client.send(
        new CreateTokenCommand({
          clientId: reg.clientId,
          clientSecret: reg.clientSecret,
          grantType: "urn:ietf:params:oauth:grant-type:device_code",
          deviceCode,
        }),
      );
    const a = await start();
    clock += 601_000;
    await expect(poll(a.deviceCode)).rejects.toMatchObject({ name: "ExpiredTokenException", error: "expired_token" });
    const b = await start();
    oidc.user = "deny";
    await fetch(b.verificationUriComplete ?? "");
    await expect(poll(b.deviceCode)).rejects.toMatchObject({ name: "AccessDeniedException" });
  });
});

describe("refresh and registrations", () => {
  it("refreshes, refuses once the session ended, and InvalidClientException for an expired registration", async () => {
    const reg = await registerPkce();
    oidc.addRefreshToken("refresh-test-1", reg.clientId ?? "");
    const refresh = (refreshToken: string) =>
      client.send(
        new CreateTokenCommand({
          clientId: reg.clientId,
          clientSecret: reg.clientSecret,
          grantType: "refresh_token",
          refreshToken,
        }),
      );
    const out = await refresh("refresh-test-1");
    expect(out.refreshToken).toBe("refresh-test-1");
    await expect(refresh("refresh-unknown")).rejects.toMatchObject({ name: "InvalidGrantException" });
    oidc.rotateRefreshTokens = true;
    const rotated = await refresh("refresh-test-1");
    expect(rotated.refreshToken).not.toBe("refresh-test-1");
    await expect(refresh("refresh-test-1")).rejects.toMatchObject({ name: "InvalidGrantException" });
    oidc.rotateRefreshTokens = false;
    oidc.expireRegistrations();
    await expect(refresh(rotated.refreshToken ?? "")).rejects.toMatchObject({
      name: "InvalidClientException",
      $metadata: { httpStatusCode: 401 },
    });
  });
});

describe("faults", () => {
  it("answers 500 and throttling as the service does, and hangs until closed", async () => {
    oidc.faults.register = "500";
    await expect(registerPkce()).rejects.toMatchObject({ name: "InternalServerException" });
    oidc.faults.register = "throttle";
    await expect(registerPkce()).rejects.toMatchObject({ $metadata: { httpStatusCode: 429 } });
    oidc.faults.register = "hang";
    const abort = new AbortController();
    const pending = client.send(new RegisterClientCommand({ clientName: "h", clientType: "public" }), {
      abortSignal: abort.signal,
    });
    const outcome = await Promise.race([
      pending.then(
        () => "answered",
        () => "failed",
      ),
      new Promise((r) => setTimeout(() => r("still waiting"), 300)),
    ]);
    expect(outcome).toBe("still waiting");
    abort.abort();
    await pending.catch(() => undefined);
  });

  it("sends a huge body when asked", async () => {
    oidc.faults.token = "huge";
    oidc.hugeBytes = 2 * 1024 * 1024;
    const res = await fetch(`${oidc.url}/token`, { method: "POST", body: "{}" });
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(2 * 1024 * 1024);
  });
});

describe("portal", () => {
  it("accepts tokens the OIDC emulator issued until they expire or the session ends", async () => {
    const portal = await startSsoEmulator({ acceptToken: (t) => oidc.acceptsAccessToken(t), assignments: [] });
    try {
      const reg = await registerPkce();
      const { verifier, challenge } = pkce();
      const redirectUri = "http://127.0.0.1:4711/oauth/callback";
      const loc = new URL(
        (await authorize(reg.clientId ?? "", redirectUri, challenge, "s")).headers.get("location") ?? "",
      );
      const token = await client.send(
        new CreateTokenCommand({
          clientId: reg.clientId,
          clientSecret: reg.clientSecret,
          grantType: "authorization_code",
          code: loc.searchParams.get("code") ?? "",
          redirectUri,
          codeVerifier: verifier,
        }),
      );
      const get = () =>
        fetch(`${portal.url}/federation/credentials?role_name=r&account_id=1`, {
          headers: { "x-amz-sso_bearer_token": token.accessToken ?? "" },
        });
      expect((await get()).status).toBe(403); // accepted, no such assignment
      clock += 3_601_000;
      expect((await get()).status).toBe(401);
    } finally {
      await portal.close();
    }
  });
});

describe("test browser", () => {
  it("follows the authorize redirect to the loopback callback and logs one line", async () => {
    const reg = await registerPkce();
    const { challenge } = pkce();
    const hits: string[] = [];
    const callback = createServer((req, res) => {
      hits.push(req.url ?? "");
      res.writeHead(200, { "content-type": "text/html" });
      res.end("you can close this tab");
    });
    const listener = await listenOnLoopback(callback);
    const log = join(dir, "browser.log");
    try {
      const q = new URLSearchParams({
        response_type: "code",
        client_id: reg.clientId ?? "",
        redirect_uri: `http://127.0.0.1:${listener.port}/oauth/callback`,
        state: "st",
        code_challenge_method: "S256",
        scopes: "sso:account:access",
        code_challenge: challenge,
      });
      await new Promise<void>((resolve, reject) =>
        execFile(BROWSER, [`${oidc.url}/authorize?${q}`], { env: { ...process.env, TEST_BROWSER_LOG: log } }, (e) =>
          e ? reject(e) : resolve(),
        ),
      );
      expect(hits).toHaveLength(1);
      expect(hits[0]).toMatch(/^\/oauth\/callback\?code=code-.*&state=st$/);
      const lines = readFileSync(log, "utf8").trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ status: 302, callbackStatus: 200 });
    } finally {
      await listener.close();
    }
  });
});
