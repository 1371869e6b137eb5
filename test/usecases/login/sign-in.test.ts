// signIn over the real OIDC client, listener and token file against the emulator; the person,
// the browser, the terminal and the sleeps are ports the test drives.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SsoConfig } from "../../../src/aws/sso-config.js";
import { createSsoOidc } from "../../../src/aws/sso-oidc.js";
import { ssoTokenFilePath, writeSsoTokenFile } from "../../../src/aws/sso-token-file.js";
import { isEksTokenError } from "../../../src/errors.js";
import { listenForCallback } from "../../../src/usecases/login/callback-listener.js";
import { fileRegistrationStore } from "../../../src/usecases/login/registration-cache.js";
import {
  chooseFlow,
  isSignInUnavailable,
  signIn,
  type SignInDeps,
  type SignInInput,
} from "../../../src/usecases/login/sign-in.js";
import { startSsoOidcEmulator, type SsoOidcEmulator } from "../../support/sso-oidc-emulator.js";

const SESSION: SsoConfig = {
  kind: "sso-session",
  sessionName: "corp",
  startUrl: "https://d-1234567890.awsapps.com/start",
  region: "eu-west-1",
  registrationScopes: undefined,
  cacheKey: "corp",
  profileName: "dev",
  chain: ["dev"],
};
const LEGACY: SsoConfig = {
  kind: "legacy",
  startUrl: "https://legacy.awsapps.com/start/",
  region: "us-west-2",
  cacheKey: "https://legacy.awsapps.com/start/",
  profileName: "old",
  chain: ["old"],
};

let emulator: SsoOidcEmulator;
let clock = Date.parse("2026-12-06T12:00:00Z");
let home: string;
let lines: string[];
let debug: string[];
let opened: string[];
let slept: number[];
let onSleep: (ms: number) => void;

beforeAll(async () => {
  emulator = await startSsoOidcEmulator({ now: () => clock, deviceIntervalSeconds: 0.05, userCode: "BCDF-GHJK" });
});
afterAll(() => emulator.close());
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "eks-token-sign-in-"));
  lines = [];
  debug = [];
  opened = [];
  slept = [];
  onSleep = () => {};
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
  emulator.user = "approve";
  emulator.slowDowns = 0;
  for (const k of Object.keys(emulator.faults)) delete emulator.faults[k as keyof typeof emulator.faults];
});

/** A browser in this process: what test/support/test-browser.mjs does, without a process. */
async function browse(url: string): Promise<void> {
  const first = await fetch(url, { redirect: "manual" });
  await first.text();
  const location = first.headers.get("location");
  if (location) await (await fetch(location, { redirect: "manual" })).text();
}

function deps(overrides: Partial<SignInDeps> = {}): SignInDeps {
  const env = { HOME: home, AWS_ENDPOINT_URL_SSO_OIDC: emulator.url };
  return {
    env,
    now: () => clock,
    monotonic: () => performance.now(),
    sleep: async (ms) => {
      slept.push(ms);
      onSleep(ms);
      await new Promise((r) => setTimeout(r, Math.min(ms, 20)));
    },
    say: async (line) => {
      lines.push(line);
    },
    createOidc: (options) => createSsoOidc({ ...options, timeoutMs: 2_000 }),
    listen: listenForCallback,
    openBrowser: async (url) => {
      opened.push(url);
      void browse(url).catch(() => {});
      return true;
    },
    browserReachable: () => true,
    registrations: fileRegistrationStore(home),
    tokenFilePath: (key) => ssoTokenFilePath(env, key),
    writeTokenFile: writeSsoTokenFile,
    debug: (line) => debug.push(line),
    ...overrides,
  };
}

const input = (extra: Partial<SignInInput> = {}): SignInInput => ({
  sso: SESSION,
  timeoutMs: 10_000,
  command: "eks-token login --profile dev",
  ...extra,
});

async function failureOf(p: Promise<unknown>): Promise<{ code: string; line: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isEksTokenError(e)) throw new Error(`expected an EksTokenError, got ${String(e)}`);
  return { code: e.code, line: e.reportLine };
}

function secretsSeen(): string[] {
  const secrets: string[] = [];
  for (const r of emulator.registrations.values()) secrets.push(r.clientSecret);
  for (const t of emulator.issued) secrets.push(t.accessToken, ...(t.refreshToken ? [t.refreshToken] : []));
  for (const r of emulator.requests) {
    for (const k of ["code", "codeVerifier", "deviceCode", "refreshToken", "clientSecret"])
      if (typeof r.body?.[k] === "string") secrets.push(r.body[k] as string);
  }
  return secrets;
}

describe("authorization code with PKCE", () => {
  it("registers a public client for the loopback, opens the browser once and writes the token file", async () => {
    const registersBefore = emulator.calls("register");
    const result = await signIn(input(), deps());
    expect(result).toMatchObject({ sessionName: "corp", flow: "authorization-code", refreshable: true });
    expect(opened).toHaveLength(1);
    expect(emulator.calls("register")).toBe(registersBefore + 1);
    const register = emulator.requests.filter((r) => r.route === "register").at(-1);
    expect(register?.body).toEqual({
      clientName: "eks-token-corp",
      clientType: "public",
      scopes: ["sso:account:access"],
      grantTypes: ["authorization_code", "refresh_token"],
      redirectUris: ["http://127.0.0.1/oauth/callback"],
      issuerUrl: SESSION.startUrl,
    });
    const file = JSON.parse(readFileSync(result.tokenFile, "utf8"));
    expect(result.tokenFile).toBe(ssoTokenFilePath({ HOME: home }, "corp"));
    expect(Object.keys(file)).toHaveLength(8);
    expect(file).toMatchObject({ startUrl: SESSION.startUrl, region: "eu-west-1", expiresAt: "2026-12-06T13:00:00Z" });
    expect(statSync(result.tokenFile).mode & 0o777).toBe(0o600);
    expect(emulator.acceptsAccessToken(file.accessToken)).toBe(true);
    // The lines: what is happening, the address, the way out for a browser elsewhere.
    expect(lines[0]).toBe(
      'eks-token: signing in to the AWS IAM Identity Center session "corp" in your browser; waiting up to 10 s (Ctrl-C to stop).',
    );
    expect(lines[1]).toMatch(
      /^eks-token: if no browser opened, open this address .*: http:\/\/127\.0\.0\.1:\d+\/authorize\?/,
    );
    expect(lines[2]).toBe(
      "eks-token: browser on another machine? run `eks-token login --profile dev --use-device-code` instead.",
    );
    for (const secret of secretsSeen()) {
      for (const line of [...lines, ...debug]) expect(line).not.toContain(secret);
    }
  });

  it("reuses the registration, and registers again once when the service no longer knows it", async () => {
    await signIn(input(), deps());
    const registers = emulator.calls("register");
    await signIn(input(), deps());
    expect(emulator.calls("register")).toBe(registers);
    emulator.expireRegistrations();
    opened = [];
    const result = await signIn(input(), deps());
    expect(result.flow).toBe("authorization-code");
    expect(emulator.calls("register")).toBe(registers + 1);
    expect(opened).toHaveLength(2);
  });

  it("asks for the configured scopes", async () => {
    const sso = { ...SESSION, sessionName: "scoped", cacheKey: "scoped", registrationScopes: ["a:b", "c:d"] };
    await signIn(input({ sso }), deps());
    expect(emulator.requests.filter((r) => r.route === "register").at(-1)?.body?.["scopes"]).toEqual(["a:b", "c:d"]);
    expect(new URL(opened[0] ?? "").searchParams.get("scopes")).toBe("a:b c:d");
  });

  it("ignores a callback with the wrong state and gives up at the bound with a line that says so", async () => {
    emulator.user = "wrong-state";
    // A page that sends the stray callback again and again.
    const strays = async (url: string) => {
      for (let i = 0; i < 3; i++) await browse(url).catch(() => {});
    };
    const started = performance.now();
    const failure = await failureOf(
      signIn(
        input({ timeoutMs: 1_500 }),
        deps({
          openBrowser: async (url) => {
            void strays(url);
            return true;
          },
        }),
      ),
    );
    expect(performance.now() - started).toBeLessThan(8_000);
    expect(failure).toEqual({
      code: "sign-in",
      line: "the sign-in was not completed within 2 s: run `eks-token login --profile dev` again (--timeout SECONDS gives more time)",
    });
    expect(lines).toContain("eks-token: ignored a callback whose state did not match on the sign-in's local address");
    // Told once, however many came.
    expect(lines.filter((l) => l.includes("ignored"))).toHaveLength(1);
  });

  it("says the sign-in was declined", async () => {
    emulator.user = "deny";
    expect(await failureOf(signIn(input(), deps()))).toEqual({
      code: "sign-in",
      line: "the sign-in was declined in the browser: run `eks-token login --profile dev` to try again",
    });
  });

  it("stops at Ctrl-C and closes the listener", async () => {
    emulator.user = "never";
    const controller = new AbortController();
    let redirect = "";
    const pending = signIn(
      input(),
      deps({
        signal: controller.signal,
        openBrowser: async (url) => {
          redirect = new URL(url).searchParams.get("redirect_uri") ?? "";
          setTimeout(() => controller.abort(), 100);
          return true;
        },
      }),
    );
    expect(await failureOf(pending)).toMatchObject({ code: "interrupted" });
    await expect(fetch(`${redirect}?code=x&state=y`)).rejects.toThrow();
  });

  it("opens nothing with --no-browser and prints the address", async () => {
    const pending = signIn(
      input({ noBrowser: true }),
      deps({
        say: async (line) => {
          lines.push(line);
          const url = /open this address in a browser on this machine: (\S+)/.exec(line)?.[1];
          if (url) void browse(url);
        },
      }),
    );
    await pending;
    expect(opened).toEqual([]);
    expect(lines[1]).toMatch(/^eks-token: open this address/);
  });
});

describe("device code", () => {
  it("is what a legacy profile uses: no scopes, the code shown, no refresh token", async () => {
    const result = await signIn(input({ sso: LEGACY, command: "eks-token login --profile old" }), deps());
    expect(result).toMatchObject({ flow: "device-code", refreshable: false, sessionName: undefined });
    expect(result.tokenFile).toBe(ssoTokenFilePath({ HOME: home }, LEGACY.startUrl));
    const register = emulator.requests.filter((r) => r.route === "register").at(-1);
    expect(register?.body).toEqual({ clientName: "eks-token", clientType: "public" });
    expect(opened).toEqual([`${emulator.url}/device?user_code=BCDF-GHJK`]);
    expect(lines[0]).toMatch(
      /^eks-token: to sign in to AWS IAM Identity Center \(https:\/\/legacy\.awsapps\.com\/start\/\), open http:\/\/127\.0\.0\.1:\d+\/device and confirm the code BCDF-GHJK \(waiting up to 10 s; Ctrl-C to stop\)\.$/,
    );
    const file = JSON.parse(readFileSync(result.tokenFile, "utf8"));
    expect(file.refreshToken).toBeUndefined();
    expect(file.startUrl).toBe(LEGACY.startUrl);
  });

  it("is used for an sso-session where no local browser can be reached, printing only", async () => {
    const result = await signIn(
      input(),
      deps({
        browserReachable: () => false,
        say: async (line) => {
          lines.push(line);
          const url = /has the code in it: (\S+)/.exec(line)?.[1];
          if (url) void browse(url);
        },
      }),
    );
    expect(result).toMatchObject({ flow: "device-code", refreshable: true });
    expect(opened).toEqual([]);
  });

  it("polls slower after slow_down", async () => {
    emulator.slowDowns = 1;
    await signIn(input({ useDeviceCode: true }), deps());
    // The first poll was told to slow down: the wait after it is the interval plus 5 s.
    expect(slept).toEqual([5_050]);
  });

  it("ends with a clear line when the code expires or the person declines", async () => {
    emulator.user = "never";
    onSleep = () => {
      clock += 601_000;
    };
    const expired = await failureOf(signIn(input({ useDeviceCode: true, timeoutMs: 10_000_000 }), deps()));
    expect(expired.line).toMatch(/^the device code expired before it was confirmed/);
    emulator.user = "deny";
    onSleep = () => {};
    expect((await failureOf(signIn(input({ useDeviceCode: true }), deps()))).line).toMatch(
      /^the sign-in was declined in the browser/,
    );
  });
});

describe("an OIDC service that cannot be reached", () => {
  it("fails as a network error, before any browser opens", async () => {
    emulator.faults.register = "500";
    const e = await signIn(input({ sso: { ...SESSION, cacheKey: "x", sessionName: "x" } }), deps()).catch((err) => err);
    expect(isSignInUnavailable(e)).toBe(true);
    expect(e.reportLine).toMatch(/^cannot sign in to AWS IAM Identity Center: SSO OIDC RegisterClient/);
    expect(opened).toEqual([]);
  });
});

describe("chooseFlow", () => {
  it("picks the authorization code only for an sso-session with a browser here, unless asked for a device code", () => {
    expect(chooseFlow({ sso: SESSION }, true)).toMatchObject({ flow: "authorization-code", open: true });
    expect(chooseFlow({ sso: SESSION, noBrowser: true }, true)).toMatchObject({
      flow: "authorization-code",
      open: false,
    });
    expect(chooseFlow({ sso: SESSION, useDeviceCode: true }, true)).toMatchObject({ flow: "device-code", open: true });
    expect(chooseFlow({ sso: SESSION }, false)).toMatchObject({ flow: "device-code", open: false });
    expect(chooseFlow({ sso: LEGACY }, true)).toMatchObject({ flow: "device-code", open: true });
  });
});
