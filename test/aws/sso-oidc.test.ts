// The OIDC client over the real @aws-sdk/client-sso-oidc, against the emulator and, for endpoint
// resolution, against the SDK's own rules (no request leaves the machine).
import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { configuredSsoOidcEndpoint, createSsoOidc, isClientRefusal, type SsoOidc } from "../../src/aws/sso-oidc.js";
import { isEksTokenError } from "../../src/errors.js";
import { startSsoOidcEmulator, type SsoOidcEmulator } from "../support/sso-oidc-emulator.js";

let emulator: SsoOidcEmulator;
let oidc: SsoOidc;
const START_URL = "https://d-1234567890.awsapps.com/start";

beforeAll(async () => {
  emulator = await startSsoOidcEmulator({ deviceIntervalSeconds: 1 });
  oidc = await createSsoOidc({
    region: "eu-west-1",
    env: { AWS_ENDPOINT_URL_SSO_OIDC: emulator.url },
    timeoutMs: 1_000,
  });
});
afterAll(() => emulator.close());
afterEach(() => {
  for (const k of Object.keys(emulator.faults)) delete emulator.faults[k as keyof typeof emulator.faults];
});

describe("endpoints", () => {
  const endpointFor = async (region: string, env: Record<string, string> = {}, profile = {}) =>
    (await createSsoOidc({ region, env, profile })).endpoint;

  it("resolves the SDK's host in every partition, with FIPS and dual-stack", async () => {
    expect(await endpointFor("eu-west-1")).toBe("https://oidc.eu-west-1.amazonaws.com");
    expect(await endpointFor("cn-north-1")).toBe("https://oidc.cn-north-1.amazonaws.com.cn");
    expect(await endpointFor("us-gov-west-1")).toBe("https://oidc.us-gov-west-1.amazonaws.com");
    expect(await endpointFor("us-east-1", { AWS_USE_FIPS_ENDPOINT: "true" })).toBe(
      "https://oidc-fips.us-east-1.amazonaws.com",
    );
    expect(await endpointFor("us-east-1", {}, { use_dualstack_endpoint: "true" })).toBe(
      "https://oidc.us-east-1.api.aws",
    );
  });

  it("takes the configured endpoint in the SDK's order, unless configured endpoints are ignored", () => {
    const profile = { endpoint_url: "http://profile.example", services: "s" };
    const configFile = { "services.s": { "sso_oidc.endpoint_url": "http://services.example" } };
    expect(configuredSsoOidcEndpoint({ AWS_ENDPOINT_URL: "http://all.example" }, profile, configFile)?.url).toBe(
      "http://all.example",
    );
    expect(
      configuredSsoOidcEndpoint(
        { AWS_ENDPOINT_URL: "http://all.example", AWS_ENDPOINT_URL_SSO_OIDC: "http://oidc.example" },
        profile,
        configFile,
      )?.url,
    ).toBe("http://oidc.example");
    expect(configuredSsoOidcEndpoint({}, profile, configFile)?.url).toBe("http://services.example");
    expect(configuredSsoOidcEndpoint({}, { endpoint_url: "http://profile.example" }, {})?.url).toBe(
      "http://profile.example",
    );
    expect(
      configuredSsoOidcEndpoint(
        { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true", AWS_ENDPOINT_URL: "http://x" },
        profile,
        configFile,
      ),
    ).toBeUndefined();
  });

  it("refuses an endpoint that is not an http(s) URL and a region that is not one label", async () => {
    await expect(
      createSsoOidc({ region: "eu-west-1", env: { AWS_ENDPOINT_URL_SSO_OIDC: "file:///etc" } }),
    ).rejects.toThrow(/not an http\(s\) URL/);
    await expect(createSsoOidc({ region: "x.evil.com", env: {} })).rejects.toSatisfy(isEksTokenError);
  });
});

describe("calls", () => {
  it("registers, authorizes and exchanges a code with its verifier", async () => {
    const reg = await oidc.registerClient({
      clientName: "eks-token",
      grantTypes: ["authorization_code", "refresh_token"],
      redirectUris: ["http://127.0.0.1/oauth/callback"],
      issuerUrl: START_URL,
      scopes: ["sso:account:access"],
    });
    expect(reg.expiresAt.getTime()).toBeGreaterThan(Date.now());
    const verifier = "v".repeat(64);
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const redirectUri = "http://127.0.0.1:5555/oauth/callback";
    const url = oidc.authorizeUrl({
      clientId: reg.clientId,
      redirectUri,
      state: "st",
      codeChallenge: challenge,
      scopes: ["sso:account:access"],
    });
    expect(url).toBe(
      `${emulator.url}/authorize?response_type=code&client_id=${reg.clientId}&redirect_uri=http%3A%2F%2F127.0.0.1%3A5555%2Foauth%2Fcallback&state=st&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=${challenge}`,
    );
    const res = await fetch(url, { redirect: "manual" });
    const code = new URL(res.headers.get("location") ?? "").searchParams.get("code") ?? "";
    const token = await oidc.createToken({
      grantType: "authorization_code",
      ...reg,
      code,
      redirectUri,
      codeVerifier: verifier,
    });
    expect(token.expiresInSeconds).toBe(3600);
    expect(token.refreshToken).toBeDefined();
    const refreshed = await oidc.createToken({
      grantType: "refresh_token",
      ...reg,
      refreshToken: token.refreshToken ?? "",
    });
    expect(refreshed.accessToken).not.toBe(token.accessToken);
  });

  it("gives device authorization's fields and polling's error kinds", async () => {
    const reg = await oidc.registerClient({ clientName: "eks-token" });
    const auth = await oidc.startDeviceAuthorization({ ...reg, startUrl: START_URL });
    expect(auth.intervalSeconds).toBe(1);
    const poll = () => oidc.createToken({ grantType: "device_code", ...reg, deviceCode: auth.deviceCode });
    await expect(poll()).rejects.toMatchObject({ kind: "authorization-pending" });
    await expect(poll()).rejects.toMatchObject({ kind: "slow-down" });
  });

  it("tells a refusal (sign in again) from a failure to get an answer", async () => {
    const reg = await oidc.registerClient({ clientName: "eks-token" });
    const refresh = () => oidc.createToken({ grantType: "refresh_token", ...reg, refreshToken: "refresh-nope" });
    const refused = await refresh().catch((e) => e);
    expect(refused).toMatchObject({ kind: "invalid-grant" });
    expect(isClientRefusal(refused)).toBe(true);
    emulator.faults.token = "500";
    const failed = await refresh().catch((e) => e);
    expect(failed).toMatchObject({ kind: "server" });
    expect(isClientRefusal(failed)).toBe(false);
    emulator.faults.token = "throttle";
    expect(isClientRefusal(await refresh().catch((e) => e))).toBe(false);
    emulator.expireRegistrations();
    delete emulator.faults.token;
    expect(await refresh().catch((e) => e)).toMatchObject({ kind: "invalid-client" });
  });

  it("gives up on a hung call within its bound", async () => {
    emulator.faults.register = "hang";
    const started = performance.now();
    await expect(oidc.registerClient({ clientName: "x" })).rejects.toMatchObject({
      kind: "timeout",
      message: "SSO OIDC RegisterClient did not answer within 1 s",
    });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("says a connection closed without an answer was closed, not that the call ran out of time", async () => {
    emulator.faults.token = "close";
    const reg = await oidc.registerClient({ clientName: "x" });
    await expect(
      oidc.createToken({ grantType: "refresh_token", ...reg, refreshToken: "refresh-x" }),
    ).rejects.toMatchObject({
      kind: "unreachable",
      message: "the connection to SSO OIDC closed before CreateToken was answered (ECONNRESET)",
    });
  });

  it("never puts a secret from the request into its message", async () => {
    emulator.faults.token = "500";
    const e = await oidc
      .createToken({
        grantType: "authorization_code",
        clientId: "client-x",
        clientSecret: "secret-SHOULD-NOT-APPEAR",
        code: "code-SHOULD-NOT-APPEAR",
        redirectUri: "http://127.0.0.1:1/oauth/callback",
        codeVerifier: "verifier-SHOULD-NOT-APPEAR",
      })
      .catch((err: unknown) => err);
    expect(String((e as Error).message)).toMatch(/HTTP 500|InternalServer/);
    expect(String((e as Error).message)).not.toMatch(/SHOULD-NOT-APPEAR/);
  });
});

describe("--debug", () => {
  it("one line a call: operation, grant, answer or error kind; nothing that was sent or received", async () => {
    const lines: string[] = [];
    const traced = await createSsoOidc({
      region: "eu-west-1",
      env: { AWS_ENDPOINT_URL_SSO_OIDC: emulator.url },
      timeoutMs: 1_000,
      debug: (line) => lines.push(line),
    });
    const reg = await traced.registerClient({ clientName: "eks-token" });
    await traced
      .createToken({ grantType: "refresh_token", ...reg, refreshToken: "refresh-SHOULD-NOT-APPEAR" })
      .catch(() => undefined);
    emulator.faults.token = "500";
    await traced
      .createToken({ grantType: "refresh_token", ...reg, refreshToken: "refresh-SHOULD-NOT-APPEAR" })
      .catch(() => undefined);
    const origin = new URL(emulator.url).origin;
    expect(lines.map((l) => l.replace(/\d+ ms$/, "N ms"))).toEqual([
      `SSO OIDC RegisterClient at ${origin}: answered in N ms`,
      `SSO OIDC CreateToken (refresh_token) at ${origin}: invalid-grant (HTTP 400) after N ms`,
      `SSO OIDC CreateToken (refresh_token) at ${origin}: server (HTTP 500) after N ms`,
    ]);
    for (const secret of [reg.clientId, reg.clientSecret, "SHOULD-NOT-APPEAR"])
      expect(lines.join("\n")).not.toContain(secret);
  });
});

describe("a huge answer", () => {
  it("is cut at the cap instead of being read into memory", async () => {
    emulator.faults.register = "huge";
    emulator.hugeBytes = 64 * 1024 * 1024;
    const e = await oidc.registerClient({ clientName: "x" }).catch((err: unknown) => err);
    expect(e).toMatchObject({ kind: "too-large" });
    expect(String((e as Error).message)).toMatch(/larger than 256 kB/);
  });
});
