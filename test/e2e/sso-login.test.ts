// `eks-token login` end to end: the CLI (Node or native) against the SSO-OIDC and portal
// emulators, with the test browser as BROWSER; then the AWS CLI (botocore) and the JS SDK read the
// token file it wrote and get credentials with no further sign-in.
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ssoCacheKey } from "../../src/aws/sso-token-file.js";
import { runChild } from "../support/child.js";
import { CLI_COMMAND, ensureBuilt, makeTempHome, ROOT, type TempHome } from "../support/cli.js";
import { findPython, spawnInPty } from "../support/pty.js";
import { startSsoEmulator, type SsoEmulator } from "../support/sso-emulator.js";
import { startSsoOidcEmulator, type SsoOidcEmulator } from "../support/sso-oidc-emulator.js";
import { startStsEmulator, type StsEmulator } from "../support/sts-emulator.js";
import { assumeRole } from "../support/sts-session.js";
import { ACCOUNT, e2eEnv } from "./helpers.js";

const TEST_BROWSER = fileURLToPath(new URL("../support/test-browser.mjs", import.meta.url));
const START_URL = "https://d-1234567890.awsapps.com/start";
const LEGACY_URL = "https://legacy.awsapps.com/start/";
const USER = {
  name: "sso-user",
  accountId: ACCOUNT,
  accessKeyId: "AKIASSOLOGINTEST0001",
  secretAccessKey: "sso/Login/Secret/Key/0123456789abcdefGHIJ",
};

const CONFIG = `[sso-session corp]
sso_start_url = ${START_URL}
sso_region = eu-west-1

[profile dev]
sso_session = corp
sso_account_id = ${ACCOUNT}
sso_role_name = Admin
region = eu-west-1

[profile old]
sso_start_url = ${LEGACY_URL}
sso_region = us-west-2
sso_account_id = ${ACCOUNT}
sso_role_name = Admin
region = us-west-2

[profile admin]
role_arn = arn:aws:iam::${ACCOUNT}:role/admin
source_profile = dev
`;

const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/AWSReservedSSO_Admin`;
let sessionKeyId = "";
let oidc: SsoOidcEmulator;
let portal: SsoEmulator;
let sts: StsEmulator;
const homes: TempHome[] = [];

beforeAll(async () => {
  await ensureBuilt();
  oidc = await startSsoOidcEmulator();
  sts = await startStsEmulator();
  const user = sts.addUser(USER);
  sts.addRole({ arn: ROLE_ARN, trust: [user.arn] });
  // The role credentials the portal hands out: a session the STS emulator knows.
  const session = await assumeRole(sts.url, USER, ROLE_ARN, "sso-user");
  sessionKeyId = session.accessKeyId;
  portal = await startSsoEmulator({
    acceptToken: (t) => oidc.acceptsAccessToken(t),
    assignments: [{ accountId: ACCOUNT, roleName: "Admin", credentials: session }],
  });
}, 240_000);

afterAll(async () => {
  await Promise.all([oidc?.close(), portal?.close(), sts?.close()]);
  for (const h of homes) h.cleanup();
});

function newHome(): TempHome & { log: string } {
  const h = makeTempHome("eks-token-e2e-login-");
  homes.push(h);
  h.writeConfig(CONFIG);
  return Object.assign(h, { log: join(h.home, "browser.log") });
}

function env(h: TempHome & { log: string }, extra: Record<string, string | undefined> = {}) {
  return e2eEnv(h.home, {
    AWS_ENDPOINT_URL_SSO_OIDC: oidc.url,
    AWS_ENDPOINT_URL_SSO: portal.url,
    AWS_ENDPOINT_URL_STS: sts.url,
    BROWSER: TEST_BROWSER,
    TEST_BROWSER_LOG: h.log,
    EKS_TOKEN_CACHE_DIR: join(h.home, "cache"),
    ...extra,
  });
}

/** Runs `eks-token login ...` with no controlling terminal, so its lines come on stderr. */
function login(h: TempHome & { log: string }, args: readonly string[], extra: Record<string, string | undefined> = {}) {
  return runChild(CLI_COMMAND[0], [...CLI_COMMAND.slice(1), "login", ...args], {
    env: env(h, extra),
    detached: true,
    timeoutMs: 60_000,
  });
}

function browserRuns(h: { log: string }): Array<Record<string, unknown>> {
  if (!existsSync(h.log)) return [];
  return readFileSync(h.log, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * The test browser's records once `count` are there: it appends its record after the callback's
 * answer, so it may still be writing when eks-token has exited. Waits at most 5 s.
 */
async function browserRunsOnceWritten(h: { log: string }, count: number): Promise<Array<Record<string, unknown>>> {
  for (let i = 0; i < 200 && browserRuns(h).length < count; i++) await new Promise((r) => setTimeout(r, 25));
  return browserRuns(h);
}

function tokenFile(h: TempHome, key: string): string {
  return join(h.home, ".aws", "sso", "cache", `${ssoCacheKey(key)}.json`);
}

/** The AWS CLI (botocore) on PATH; the tests that need it are skipped without it, and say so. */
const hasAwsCli = spawnSync("aws", ["--version"], { encoding: "utf8" }).status === 0;

/** `aws sts get-caller-identity --profile P` (botocore's SSO providers), its ARN or its error. */
async function awsCallerIdentity(h: TempHome & { log: string }, profile: string) {
  const result = await runChild("aws", ["sts", "get-caller-identity", "--profile", profile, "--output", "json"], {
    // A pyenv shim finds its interpreters under PYENV_ROOT (else under HOME, which is a temp one here).
    env: env(h, { NODE_OPTIONS: undefined, BUN_OPTIONS: undefined, PYENV_ROOT: process.env["PYENV_ROOT"] }),
    stdin: "ignore",
    timeoutMs: 30_000,
  });
  return result;
}

/** The JS SDK in a fresh process: fromSSO and the default chain for the profile. */
async function sdkAccessKey(h: TempHome & { log: string }, profile: string) {
  const script = `
    const { fromSSO, fromNodeProviderChain } = require("@aws-sdk/credential-providers");
    (async () => {
      const a = await fromSSO({ profile: ${JSON.stringify(profile)} })();
      const b = await fromNodeProviderChain({ profile: ${JSON.stringify(profile)} })();
      console.log(JSON.stringify([a.accessKeyId, b.accessKeyId]));
    })().catch((e) => { console.error(e.name + ": " + e.message); process.exit(1); });`;
  return runChild(process.execPath, ["-e", script], {
    cwd: ROOT,
    env: env(h, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" }),
    stdin: "ignore",
    timeoutMs: 30_000,
  });
}

function secrets(): string[] {
  const out: string[] = [];
  for (const r of oidc.registrations.values()) out.push(r.clientSecret);
  for (const t of oidc.issued) out.push(t.accessToken, ...(t.refreshToken ? [t.refreshToken] : []));
  for (const r of oidc.requests)
    for (const k of ["code", "codeVerifier", "deviceCode", "refreshToken", "clientSecret"])
      if (typeof r.body?.[k] === "string") out.push(r.body[k] as string);
  return out;
}

describe.concurrent("eks-token login", () => {
  it("signs in an sso-session profile in the browser; the AWS CLI and the JS SDK then use the file", async () => {
    const h = newHome();
    const authorizeBefore = oidc.calls("authorize");
    const result = await login(h, ["--profile", "dev", "--debug"]);
    expect(result.stderr).not.toMatch(/unexpected error/);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^signed in to AWS IAM Identity Center: session "corp" valid until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, then refreshed while the session lasts\n$/,
    );
    expect(result.stdout).not.toContain("test-browser");
    expect(result.stderr).toContain(
      'eks-token: signing in to the AWS IAM Identity Center session "corp" in your browser',
    );
    const runs = await browserRunsOnceWritten(h, 1);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 302, callbackStatus: 200 });
    expect(String(runs[0]?.["callbackBody"])).toContain("You can close this tab.");
    expect(oidc.calls("authorize")).toBeGreaterThan(authorizeBefore);

    const path = tokenFile(h, "corp");
    const file = JSON.parse(readFileSync(path, "utf8"));
    expect(Object.keys(file)).toEqual([
      "startUrl",
      "region",
      "accessToken",
      "expiresAt",
      "clientId",
      "clientSecret",
      "registrationExpiresAt",
      "refreshToken",
    ]);
    expect(file.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(h.home, ".aws", "sso", "cache")).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(h.home, ".aws", "sso", "cache"))).toEqual([`${ssoCacheKey("corp")}.json`]);
    // --debug shows the steps and no secret.
    expect(result.stderr).toMatch(/eks-token: debug: sign-in: registered a client/);
    // ... and each call to SSO OIDC, by name and grant, never with what was sent or received.
    expect(result.stderr).toMatch(
      /eks-token: debug: SSO OIDC RegisterClient at http:\/\/127\.0\.0\.1:\d+: answered in \d+ ms\n/,
    );
    expect(result.stderr).toMatch(
      /eks-token: debug: SSO OIDC CreateToken \(authorization_code\) at http:\/\/127\.0\.0\.1:\d+: answered in \d+ ms\n/,
    );
    for (const s of secrets()) {
      expect(result.stderr).not.toContain(s);
      expect(result.stdout).not.toContain(s);
    }

    // Calls made with this sign-in's client (other tests run at the same time).
    const ours = () => oidc.requests.filter((r) => r.body?.["clientId"] === file.clientId).length;
    const tokenCalls = ours();
    const sdk = await sdkAccessKey(h, "dev");
    expect(sdk.stderr).toBe("");
    expect(JSON.parse(sdk.stdout)).toEqual([sessionKeyId, sessionKeyId]);
    if (hasAwsCli) {
      const aws = await awsCallerIdentity(h, "dev");
      expect(aws.code, aws.stderr).toBe(0);
      expect(JSON.parse(aws.stdout).Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_Admin/sso-user`);
    }
    expect(ours()).toBe(tokenCalls);
    expect(browserRuns(h)).toHaveLength(1);
  });

  it.skipIf(!hasAwsCli)(
    "writes what botocore needs to refresh the token by itself (skipped without the aws CLI)",
    async () => {
      const h = newHome();
      expect((await login(h, ["--profile", "dev"])).code).toBe(0);
      const path = tokenFile(h, "corp");
      const before = JSON.parse(readFileSync(path, "utf8"));
      // Ten minutes left: inside botocore's refresh window.
      writeFileSync(
        path,
        JSON.stringify({ ...before, expiresAt: new Date(Date.now() + 600_000).toISOString().replace(/\.\d+Z$/, "Z") }),
      );
      const refreshes = () =>
        oidc.requests.filter((r) => r.grantType === "refresh_token" && r.body?.["clientId"] === before.clientId).length;
      expect(refreshes()).toBe(0);
      const aws = await awsCallerIdentity(h, "dev");
      expect(aws.code, aws.stderr).toBe(0);
      expect(refreshes()).toBe(1);
      expect(JSON.parse(readFileSync(path, "utf8")).accessToken).not.toBe(before.accessToken);
    },
  );

  it("signs in a legacy profile with a device code, keyed by its start URL; the SDK and the AWS CLI read it", async () => {
    const h = newHome();
    const result = await login(h, ["--profile", "old"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      `signed in to AWS IAM Identity Center: ${LEGACY_URL} (legacy profile "old") valid until ${JSON.parse(readFileSync(tokenFile(h, LEGACY_URL), "utf8")).expiresAt}\n`,
    );
    const code = /open http:\/\/127\.0\.0\.1:\d+\/device and confirm the code ([A-Z]{4}-[A-Z]{4}) /.exec(
      result.stderr,
    )?.[1];
    expect((await browserRunsOnceWritten(h, 1))[0]?.["url"]).toBe(`${oidc.url}/device?user_code=${code}`);
    const sdk = await sdkAccessKey(h, "old");
    expect(JSON.parse(sdk.stdout)).toEqual([sessionKeyId, sessionKeyId]);
    if (hasAwsCli) expect((await awsCallerIdentity(h, "old")).code).toBe(0);
  });

  it("signs in the SSO profile at the end of a role profile's source_profile chain", async () => {
    const h = newHome();
    const result = await login(h, ["--profile", "admin"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^signed in to AWS IAM Identity Center: session "corp" valid until/);
    expect(existsSync(tokenFile(h, "corp"))).toBe(true);
  });

  it("--use-device-code --no-browser prints the code and opens nothing", async () => {
    const h = newHome();
    const pending = login(h, ["--sso-session", "corp", "--use-device-code", "--no-browser"]);
    // The person confirms the code on another device.
    const seen = oidc.deviceAuthorizations.length;
    let mine: { userCode: string; clientId: string } | undefined;
    for (let i = 0; i < 800 && !mine; i++) {
      await new Promise((r) => setTimeout(r, 25));
      mine = oidc.deviceAuthorizations.slice(seen).find((d) => d.startUrl === START_URL);
    }
    // Confirmed after the first poll (a code confirmed before it is used without a word shown).
    const polled = () =>
      oidc.requests.some((r) => r.grantType?.endsWith("device_code") && r.body?.["clientId"] === mine?.clientId);
    for (let i = 0; i < 800 && !polled(); i++) await new Promise((r) => setTimeout(r, 25));
    oidc.approveDevice(mine?.userCode ?? "");
    const result = await pending;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `or open this address, which has the code in it: ${oidc.url}/device?user_code=${mine?.userCode}`,
    );
    expect(browserRuns(h)).toEqual([]);
    expect(JSON.parse(readFileSync(tokenFile(h, "corp"), "utf8")).refreshToken).toBeDefined();
  });

  it("replaces a corrupt or half-written token file", async () => {
    const h = newHome();
    const path = tokenFile(h, "corp");
    mkdirSync(join(h.home, ".aws", "sso", "cache"), { recursive: true });
    writeFileSync(path, '{"startUrl":"https://d-1234567890.awsapps.com/start","accessTo');
    const result = await login(h, ["--profile", "dev"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path, "utf8")).startUrl).toBe(START_URL);
  });

  it("refuses to write through a symlink planted in ~/.aws/sso/cache", async () => {
    const h = newHome();
    const path = tokenFile(h, "corp");
    mkdirSync(join(h.home, ".aws", "sso", "cache"), { recursive: true });
    const victim = join(h.home, "victim");
    writeFileSync(victim, "keep me");
    symlinkSync(victim, path);
    const result = await login(h, ["--profile", "dev"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n").at(-1)).toBe(
      `eks-token: the SSO token file ${path} is a symlink, not a regular file: remove it and sign in again`,
    );
    expect(readFileSync(victim, "utf8")).toBe("keep me");
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
  });
});

describe("eks-token login while another eks-token signs in to the same session", () => {
  /** Starts `eks-token login --profile dev`; resolves its stderr so far once `text` is in it. */
  function startLogin(h: TempHome & { log: string }) {
    const child = spawn(CLI_COMMAND[0], [...CLI_COMMAND.slice(1), "login", "--profile", "dev"], {
      env: env(h),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    const seen = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const check = () => stderr.includes(text) && resolve(stderr);
        child.stderr.on("data", (d: Buffer) => {
          stderr += d.toString();
          check();
        });
        child.on("exit", () => reject(new Error(`login exited before saying ${JSON.stringify(text)}: ${stderr}`)));
        check();
      });
    const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on("close", (code) => resolve({ code, stdout, stderr })),
    );
    return { child, seen, exited };
  }

  function holdSessionLock(h: TempHome) {
    const cacheDir = join(h.home, "cache");
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const lock = join(cacheDir, `sso-${ssoCacheKey("corp")}.lock`);
    // Held by a live process (this one), as a kubectl run's eks-token holds it while it signs in.
    writeFileSync(lock, `${process.pid} e2e`, { mode: 0o600 });
    return lock;
  }

  it("waits for that sign-in and opens no second one: the session it made is reported", async () => {
    const h = newHome();
    const lock = holdSessionLock(h);
    const authorizeBefore = oidc.calls("authorize");
    const run = startLogin(h);
    const said = await run.seen("waiting for the sign-in");
    expect(said).toContain(
      `eks-token: waiting for the sign-in to session "corp" that another eks-token (pid ${process.pid}) started`,
    );
    // The other process signs in: it writes the token file, then lets the lock go.
    const expiresAt = new Date(Date.now() + 3_600_000);
    mkdirSync(join(h.home, ".aws", "sso", "cache"), { recursive: true });
    writeFileSync(
      tokenFile(h, "corp"),
      JSON.stringify({
        startUrl: START_URL,
        region: "eu-west-1",
        accessToken: "made-by-the-other",
        expiresAt: expiresAt.toISOString(),
      }),
      { mode: 0o600 },
    );
    rmSync(lock);
    const result = await run.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      `signed in to AWS IAM Identity Center: session "corp" valid until ${expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z")}\n`,
    );
    expect(browserRuns(h)).toEqual([]);
    expect(oidc.calls("authorize")).toBe(authorizeBefore);
    expect(JSON.parse(readFileSync(tokenFile(h, "corp"), "utf8")).accessToken).toBe("made-by-the-other");
  });

  it("signs in itself when that one ends without a new session", async () => {
    const h = newHome();
    const lock = holdSessionLock(h);
    const run = startLogin(h);
    await run.seen("waiting for the sign-in");
    rmSync(lock); // given up: no token file was written
    const result = await run.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^signed in to AWS IAM Identity Center: session "corp" valid until /);
    expect(await browserRunsOnceWritten(h, 1)).toHaveLength(1);
  });

  it("Ctrl-C while waiting: exit 130, the other process's lock left alone", async () => {
    const h = newHome();
    const lock = holdSessionLock(h);
    const run = startLogin(h);
    await run.seen("waiting for the sign-in");
    run.child.kill("SIGINT");
    const result = await run.exited;
    expect(result.code).toBe(130);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n").at(-1)).toMatch(
      /^eks-token: the wait for the other sign-in was stopped: run `eks-token login --profile dev` to sign in$/,
    );
    expect(readFileSync(lock, "utf8")).toBe(`${process.pid} e2e`);
    expect(browserRuns(h)).toEqual([]);
    // It started no sign-in, so none is counted against the token path's automatic ones.
    const attempts = join(h.home, "cache", `sso-${ssoCacheKey("corp")}.attempts`);
    expect(existsSync(attempts)).toBe(false);
  });
});

describe("eks-token login, one at a time (the emulator's scripted user is shared)", () => {
  it("ignores a callback with the wrong state, then gives up at --timeout", async () => {
    const h = newHome();
    oidc.user = "wrong-state";
    try {
      const result = await login(h, ["--profile", "dev", "--timeout", "3"]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(
        "eks-token: ignored a callback whose state did not match on the sign-in's local address",
      );
      expect(result.stderr.trim().split("\n").at(-1)).toBe(
        "eks-token: the sign-in was not completed within 3 s: run `eks-token login --profile dev` again (--timeout SECONDS gives more time)",
      );
      expect(existsSync(tokenFile(h, "corp"))).toBe(false);
    } finally {
      oidc.user = "approve";
    }
  });

  it("slows down its polling when told to", async () => {
    const h = newHome();
    oidc.slowDowns = 1;
    const result = await login(h, ["--profile", "old"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.durationMs).toBeGreaterThanOrEqual(5_000);
    expect(oidc.slowDowns).toBe(0);
  });
  it("registers again once when the cached registration is no longer known", async () => {
    const h = newHome();
    expect((await login(h, ["--profile", "old"])).code).toBe(0);
    const registers = oidc.requests.filter((r) => r.route === "register").length;
    oidc.expireRegistrations();
    const again = await login(h, ["--profile", "old"]);
    expect(again.code, again.stderr).toBe(0);
    expect(oidc.requests.filter((r) => r.route === "register").length).toBeGreaterThan(registers);
  });

  it("fails with one line on a huge OIDC answer, opening no browser", async () => {
    const h = newHome();
    // A legacy profile with a start URL of its own: the fault is on the route this run takes first.
    h.writeConfig(
      `${CONFIG}\n[profile huge]\nsso_start_url = https://huge.awsapps.com/start\nsso_region = us-east-1\n`,
    );
    oidc.faults.device_authorization = "huge";
    try {
      const result = await login(h, ["--profile", "huge"]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split("\n").at(-1)).toMatch(
        /^eks-token: cannot sign in to AWS IAM Identity Center: SSO OIDC StartDeviceAuthorization: .* was larger than 256 kB: check the network path to/,
      );
      expect(browserRuns(h)).toEqual([]);
    } finally {
      delete oidc.faults.device_authorization;
    }
  });

  it("stops at SIGTERM (kubectl killing it, Ctrl-C) and closes its listener", async () => {
    const h = newHome();
    oidc.user = "never";
    try {
      const child = spawn(CLI_COMMAND[0], [...CLI_COMMAND.slice(1), "login", "--profile", "dev"], {
        env: env(h),
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
      for (let i = 0; i < 800 && browserRuns(h).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      const redirect = new URL(String(browserRuns(h)[0]?.["url"])).searchParams.get("redirect_uri") ?? "";
      expect((await fetch(`${redirect}?state=nope`)).status).toBe(400);
      // It holds the session's sign-in lock, as the token path does: a kubectl run meanwhile waits for it.
      const lockFile = join(h.home, "cache", `sso-${ssoCacheKey("corp")}.lock`);
      expect(readFileSync(lockFile, "utf8").split(" ")[0]).toBe(String(child.pid));
      child.kill("SIGTERM");
      expect(await exited).toBe(130);
      expect(stdout).toBe("");
      expect(stderr.trim().split("\n").at(-1)).toBe(
        "eks-token: the sign-in was stopped: run `eks-token login --profile dev` to sign in",
      );
      await expect(fetch(`${redirect}?state=nope`)).rejects.toThrow();
      expect(existsSync(lockFile)).toBe(false);
      // Counted as a sign-in left unfinished: the token path opens no browser by itself for a while.
      const record = JSON.parse(readFileSync(join(h.home, "cache", `sso-${ssoCacheKey("corp")}.attempts`), "utf8"));
      expect(record.unfinished).toHaveLength(1);
      // A sign-in that completes clears it.
      oidc.user = "approve";
      expect((await login(h, ["--profile", "dev"])).code).toBe(0);
      expect(existsSync(join(h.home, "cache", `sso-${ssoCacheKey("corp")}.attempts`))).toBe(false);
    } finally {
      oidc.user = "approve";
    }
  });

  it("without BROWSER uses the system's opener and, where it has none, the printed address still signs in", async () => {
    const h = newHome();
    // A display, so the browser flow is chosen; this machine has no xdg-open, so nothing opens.
    const child = spawn(CLI_COMMAND[0], [...CLI_COMMAND.slice(1), "login", "--profile", "dev"], {
      env: env(h, { BROWSER: undefined, DISPLAY: ":0" }),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let followed = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      const url = /open this address in a browser on this machine: (\S+)/.exec(stderr)?.[1];
      if (url && !followed) {
        followed = true;
        // The person copies the address into a browser.
        void fetch(url, { redirect: "manual" }).then((r) => fetch(r.headers.get("location") ?? ""));
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^signed in to AWS IAM Identity Center: session "corp" valid until/);
    expect(browserRuns(h)).toEqual([]);
  });

  it("shows its steps on the terminal when stderr is captured (as the Python client does), not in stderr", async (ctx) => {
    if (!findPython()) return ctx.skip("python3 with the pty module is not available to make a pseudo-terminal");
    const h = newHome();
    const captured = join(h.home, "stderr.txt");
    // On a terminal, with stderr sent to a file: the person sees /dev/tty only.
    const run = spawnInPty(["sh", "-c", 'exec "$@" 2>"$0"', captured, ...CLI_COMMAND, "login", "--profile", "dev"], {
      env: env(h),
      timeoutMs: 60_000,
    });
    const result = await run.done;
    expect(result.code, result.terminal).toBe(0);
    expect(result.terminal).toContain(
      'eks-token: signing in to the AWS IAM Identity Center session "corp" in your browser',
    );
    expect(result.terminal).toMatch(
      /if no browser opened, open this address in a browser on this machine: http:\/\/127\.0\.0\.1/,
    );
    expect(readFileSync(captured, "utf8")).toBe("");
    expect(result.stdout).toMatch(/^signed in to AWS IAM Identity Center: session "corp" valid until/);
  });
});
