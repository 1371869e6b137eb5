// Automatic IAM Identity Center sign-in on the token path, end to end: kubectl (and the CLI on
// its own) run eks-token for a profile whose SSO session has expired or is about to. The SSO
// portal and SSO-OIDC emulators stand in for IAM Identity Center, the test browser for a person
// who approves; every endpoint is on 127.0.0.1.
import {
  closeSync,
  existsSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ROOT, makeTempHome, runCli, type TempHome } from "../support/cli.js";
import { startCluster, type Cluster } from "../support/cluster.js";
import type { EmulatedCredentials } from "../support/imds-emulator.js";
import { EXEC_V1, execUser, kubectlCannot, runKubectl, writeKubeconfig } from "../support/kubeconfig-fixture.js";
import { findPython, runWithoutTerminal, spawnInPty } from "../support/pty.js";
import { ssoCacheFileName, startSsoEmulator, type SsoEmulator } from "../support/sso-emulator.js";
import { startSsoOidcEmulator, type SsoOidcEmulator } from "../support/sso-oidc-emulator.js";
import { assumeRole } from "../support/sts-session.js";
import { CLI_COMMAND } from "../support/cli.js";
import { ACCOUNT, REGION, e2eEnv, expectCredential } from "./helpers.js";

const CLUSTER = "e2e-sso-auto";
const ROLE_NAME = "E2EDeveloper";
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/AWSReservedSSO_${ROLE_NAME}_0123456789abcdef`;
const ISSUER = {
  name: "issuer",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2ESSOAUTOISSUER",
  secretAccessKey: "e2e/sso-auto/issuer/secret/000000000000000",
};
const SESSION = "corp";
const START_URL = "https://e2e-corp.awsapps.com/start";
const SSO_REGION = "eu-central-1";
const PODS = ["web-0", "api-0"];
const BROWSER = join(ROOT, "test", "support", "test-browser.mjs");
const MIN = 60_000;

let cluster: Cluster;
let portal: SsoEmulator;
let oidc: SsoOidcEmulator;
let roleSession: EmulatedCredentials;
const homes: TempHome[] = [];
/** Access tokens written as `aws sso login` would, which the portal takes (besides those the OIDC emulator issued). */
const accepted = new Set<string>();

beforeAll(async () => {
  cluster = await startCluster({
    name: "sso-auto",
    setup: async (sts) => {
      const issuer = sts.addUser(ISSUER);
      sts.addRole({ arn: ROLE_ARN, trust: [issuer.arn] });
      roleSession = await assumeRole(sts.url, ISSUER, ROLE_ARN, "person@example.com");
      return {
        clusterId: CLUSTER,
        accessEntries: [{ principalArn: ROLE_ARN, username: "sso:{{SessionName}}", groups: ["developers"] }],
        rbac: [{ group: "developers", namespace: "default", verbs: ["get", "list"], resources: ["pods"] }],
        pods: { default: PODS },
      };
    },
  });
  oidc = await startSsoOidcEmulator();
  portal = await startSsoEmulator({
    acceptToken: (t) => accepted.has(t) || oidc.acceptsAccessToken(t),
    assignments: [{ accountId: ACCOUNT, roleName: ROLE_NAME, credentials: roleSession }],
  });
}, 240_000);

afterAll(async () => {
  await Promise.all([portal?.close(), oidc?.close()]);
  await cluster?.close();
  for (const h of homes) h.cleanup();
});

beforeEach(() => {
  delete oidc.faults.token;
  oidc.user = "approve";
  oidc.rotateRefreshTokens = false;
});

const CONFIG =
  `[profile dev]\nsso_session = ${SESSION}\nsso_account_id = ${ACCOUNT}\nsso_role_name = ${ROLE_NAME}\nregion = ${REGION}\n\n` +
  `[sso-session ${SESSION}]\nsso_start_url = ${START_URL}\nsso_region = ${SSO_REGION}\nsso_registration_scopes = sso:account:access\n`;

interface Home {
  readonly home: TempHome;
  readonly browserLog: string;
  readonly tokenPath: string;
  readonly cacheDir: string;
  env(extra?: Record<string, string | undefined>): Record<string, string>;
  browsers(): number;
}

function newHome(): Home {
  const home = makeTempHome("eks-token-e2e-sso-auto-");
  homes.push(home);
  home.writeConfig(CONFIG);
  const browserLog = join(home.home, "browser.log");
  writeFileSync(browserLog, "");
  const tokenPath = join(home.home, ".aws", "sso", "cache", ssoCacheFileName(SESSION));
  const cacheDir = join(home.home, ".kube", "cache", "eks-token");
  return {
    home,
    browserLog,
    tokenPath,
    cacheDir,
    env: (extra = {}) =>
      e2eEnv(home.home, {
        AWS_ENDPOINT_URL_SSO: portal.url,
        AWS_ENDPOINT_URL_SSO_OIDC: oidc.url,
        BROWSER: `${process.execPath} ${BROWSER}`,
        TEST_BROWSER_LOG: browserLog,
        ...extra,
      }),
    browsers: () => readFileSync(browserLog, "utf8").split("\n").filter(Boolean).length,
  };
}

/** A token file as `aws sso login` leaves it; `refreshable` adds a registration and refresh token the emulator knows. */
function writeToken(h: Home, leftMs: number, refreshable: boolean, portalTakesIt = leftMs > 0): string {
  const accessToken = `aoaE2EAccessToken${Date.now()}${Math.random().toString(36).slice(2)}`;
  if (portalTakesIt) accepted.add(accessToken);
  const file: Record<string, string> = {
    startUrl: START_URL,
    region: SSO_REGION,
    accessToken,
    expiresAt: new Date(Date.now() + leftMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  if (refreshable) {
    const clientId = `e2eClient${Math.random().toString(36).slice(2)}`;
    const clientSecret = `e2eClientSecret${Math.random().toString(36).slice(2)}`;
    const refreshToken = `aorE2ERefresh${Math.random().toString(36).slice(2)}`;
    oidc.addRegistration({
      clientId,
      clientSecret,
      scopes: ["sso:account:access"],
      grantTypes: ["authorization_code", "refresh_token"],
      redirectUris: ["http://127.0.0.1/oauth/callback"],
      issuerUrl: START_URL,
      expiresAt: Math.floor(Date.now() / 1000) + 30 * 24 * 3600,
    });
    oidc.addRefreshToken(refreshToken, clientId);
    Object.assign(file, {
      clientId,
      clientSecret,
      registrationExpiresAt: new Date(Date.now() + 30 * 24 * 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
      refreshToken,
    });
  }
  mkdirSync(join(h.home.home, ".aws", "sso", "cache"), { recursive: true, mode: 0o700 });
  writeFileSync(h.tokenPath, JSON.stringify(file), { mode: 0o600 });
  return accessToken;
}

const TOKEN_ARGS = ["token", "--cluster-name", CLUSTER, "--region", REGION, "--profile", "dev"];

function kubeconfigFor(interactiveMode?: "Never" | "IfAvailable" | "Always"): string {
  return writeKubeconfig(join(cluster.dir, `kubeconfig-${Math.random().toString(36).slice(2)}`), {
    server: cluster.k8s.url,
    caData: cluster.k8s.caData,
    user: execUser(TOKEN_ARGS, { apiVersion: EXEC_V1, ...(interactiveMode ? { interactiveMode } : {}) }),
  });
}

const FIX = "run `eks-token login --profile dev` (or `aws sso login --profile dev`)";

describe("refresh once", () => {
  it("ten callers at once with a token about to expire: one refresh, no browser, ten credentials", async () => {
    const h = newHome();
    writeToken(h, 3 * MIN, true);
    oidc.rotateRefreshTokens = true;
    const before = oidc.calls("token:refresh_token");
    const results = await Promise.all(
      Array.from({ length: 10 }, () => runCli([...TOKEN_ARGS, "--no-cache"], { env: h.env({ CI: "true" }) })),
    );
    for (const r of results) expectCredential(r);
    expect(oidc.calls("token:refresh_token") - before).toBe(1);
    expect(h.browsers()).toBe(0);
    const written = JSON.parse(readFileSync(h.tokenPath, "utf8")) as Record<string, string>;
    expect(Date.parse(written["expiresAt"] ?? "") - Date.now()).toBeGreaterThan(50 * MIN);
    expect(oidc.acceptsAccessToken(written["accessToken"] ?? "")).toBe(true);
    expect(statSync(h.tokenPath).mode & 0o777).toBe(0o600);
    // Neither the lock nor a temporary file is left behind.
    expect(readdirSync(join(h.home.home, ".aws", "sso", "cache"))).toEqual([ssoCacheFileName(SESSION)]);
    expect(readdirSync(h.cacheDir).filter((n) => n.startsWith("sso-"))).toEqual([]);
  });

  it("a refresh the service cannot answer (500) starts no sign-in and keeps today's message", async () => {
    const h = newHome();
    writeToken(h, -MIN, true);
    oidc.faults.token = "500";
    const r = await runCli(TOKEN_ARGS, { env: h.env() });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^eks-token: the SSO session for profile "dev" has expired or is invalid: run `aws sso login --profile dev`\n$/,
    );
    expect(h.browsers()).toBe(0);
    expect(existsSync(join(h.cacheDir, `sso-${ssoCacheFileName(SESSION).replace(".json", "")}.attempts`))).toBe(false);
  });
});

describe("no person there: no browser, the line with the fix, at once", () => {
  it.skipIf(kubectlCannot("exec-v1"))("kubectl with interactiveMode Never", async () => {
    const h = newHome();
    writeToken(h, -MIN, false);
    const started = Date.now();
    const r = await runKubectl(["get", "pods", "-o", "name"], {
      env: h.env({ KUBECONFIG: kubeconfigFor("Never") }),
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'eks-token: the SSO session for profile "dev" has expired or is invalid (it has expired); no browser was opened: the client runs eks-token non-interactively (KUBERNETES_EXEC_INFO): ' +
        FIX,
    );
    expect(h.browsers()).toBe(0);
    expect(oidc.requests.filter((q) => q.route === "register").length).toBe(0);
    // kubectl itself takes its share; the plugin's refusal is immediate.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("a client without exec info and no terminal (client-node, an IDE)", async () => {
    const h = newHome();
    writeToken(h, -MIN, false);
    const r = await runWithoutTerminal([...CLI_COMMAND, ...TOKEN_ARGS], { env: h.env(), input: "" });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      'eks-token: the SSO session for profile "dev" has expired or is invalid (it has expired); no browser was opened: the client sent no exec info and stdin is not a terminal: ' +
        `${FIX}\n`,
    );
    expect(r.durationMs).toBeLessThan(1_000 + 2_000); // a process start on a loaded machine
    expect(h.browsers()).toBe(0);
  });

  it.skipIf(!findPython())("CI=true, even on a terminal", async () => {
    const h = newHome();
    writeToken(h, -MIN, false);
    const p = spawnInPty([...CLI_COMMAND, ...TOKEN_ARGS], { env: h.env({ CI: "true" }) });
    const r = await p.done;
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.terminal).toContain(`no browser was opened: CI is set: ${FIX}`);
    expect(h.browsers()).toBe(0);
  });

  it("--sso-login never and EKS_TOKEN_SSO_LOGIN=never", async () => {
    const h = newHome();
    writeToken(h, -MIN, false);
    const flag = await runWithoutTerminal([...CLI_COMMAND, ...TOKEN_ARGS, "--sso-login", "never"], { env: h.env() });
    expect(flag.stderr).toContain(`no browser was opened: automatic sign-in is off (--sso-login never): ${FIX}`);
    const env = await runWithoutTerminal([...CLI_COMMAND, ...TOKEN_ARGS], {
      env: h.env({ EKS_TOKEN_SSO_LOGIN: "never" }),
    });
    expect(env.stderr).toContain(`no browser was opened: automatic sign-in is off (EKS_TOKEN_SSO_LOGIN=never): ${FIX}`);
    expect(h.browsers()).toBe(0);
  });
});

describe("hostile files", () => {
  it.skipIf(PTY)(
    "a symlink planted at the token file: a clear error, no browser, nothing written through it",
    async () => {
      const h = newHome();
      mkdirSync(join(h.home.home, ".aws", "sso", "cache"), { recursive: true, mode: 0o700 });
      const target = join(h.home.home, "elsewhere.json");
      writeFileSync(target, "keep", { mode: 0o600 });
      symlinkSync(target, h.tokenPath);
      const r = await spawnInPty([...CLI_COMMAND, ...TOKEN_ARGS], { env: h.env(), timeoutMs: 30_000 }).done;
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.terminal).toContain(
        "is a symlink, not a regular file: remove it, then run the command again to sign in",
      );
      expect(h.browsers()).toBe(0);
      expect(readFileSync(target, "utf8")).toBe("keep");
      expect(lstatSync(h.tokenPath).isSymbolicLink()).toBe(true);
    },
  );

  it("a torn token file (half written by another tool) that stays torn: a sign-in is needed, said at once", async () => {
    const h = newHome();
    mkdirSync(join(h.home.home, ".aws", "sso", "cache"), { recursive: true, mode: 0o700 });
    writeFileSync(h.tokenPath, '{"startUrl":"https://e2e-corp.awsapps.com/start","accessTok', { mode: 0o600 });
    const r = await runWithoutTerminal([...CLI_COMMAND, ...TOKEN_ARGS], { env: h.env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'eks-token: the SSO session for profile "dev" has expired or is invalid (its cached token file cannot be read); no browser was opened: the client sent no exec info and stdin is not a terminal: ' +
        `${FIX}\n`,
    );
  });

  it("a huge token file: refused at once with the cap, before the SDK would read it whole", async () => {
    const h = newHome();
    mkdirSync(join(h.home.home, ".aws", "sso", "cache"), { recursive: true, mode: 0o700 });
    // Sparse: 200 MB long, nothing on disk.
    const fd = openSync(h.tokenPath, "w", 0o600);
    ftruncateSync(fd, 200 * 1024 * 1024);
    closeSync(fd);
    const r = await runWithoutTerminal([...CLI_COMMAND, ...TOKEN_ARGS], { env: h.env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'eks-token: the SSO session for profile "dev" has expired or is invalid (its cached token file cannot be read: it is larger than 64 KiB); no browser was opened: the client sent no exec info and stdin is not a terminal: ' +
        `${FIX}\n`,
    );
  });
});

describe("two users", () => {
  it("one user's sign-in lock does not hold up another's refresh", async () => {
    const alice = newHome();
    const bob = newHome();
    writeToken(alice, -MIN, false);
    writeToken(bob, 3 * MIN, true);
    // Alice's session is locked by a live process (this one) that is signing in.
    mkdirSync(alice.cacheDir, { recursive: true, mode: 0o700 });
    const key = ssoCacheFileName(SESSION).replace(".json", "");
    writeFileSync(join(alice.cacheDir, `sso-${key}.lock`), `${process.pid} e2e`, { mode: 0o600 });
    const started = Date.now();
    const b = await runCli([...TOKEN_ARGS, "--no-cache"], { env: bob.env({ CI: "true" }) });
    expectCredential(b);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(readdirSync(bob.cacheDir).filter((n) => n.endsWith(".lock"))).toEqual([]);
    // Alice's own non-interactive caller waits for the process that signs in, then names it.
    const a = await runCli(TOKEN_ARGS, { env: alice.env({ CI: "true" }) });
    expect(a.code).toBe(1);
    expect(a.stderr).toContain(
      `eks-token: waiting for the sign-in to the SSO session "${SESSION}" (profile "dev") started by another eks-token (pid ${process.pid})\n`,
    );
    expect(a.stderr).toContain(
      `another eks-token (pid ${process.pid}) is signing in to the SSO session "${SESSION}" (profile "dev") and did not finish within 15 s`,
    );
  }, 60_000);
});

const PTY = !findPython();
const browserLines = (h: Home) =>
  readFileSync(h.browserLog, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { url: string; callbackStatus?: number });
const attemptsFile = (h: Home) => join(h.cacheDir, `sso-${ssoCacheFileName(SESSION).replace(".json", "")}.attempts`);

describe("sign-in on the token path", () => {
  it.skipIf(PTY || kubectlCannot("exec-v1"))(
    "kubectl on a terminal with an expired session: one sign-in in the test browser, then the pods",
    async () => {
      const h = newHome();
      const old = writeToken(h, -MIN, false);
      const codes = oidc.calls("token:authorization_code");
      const p = spawnInPty(["kubectl", "get", "pods", "-n", "default", "-o", "name"], {
        env: h.env({ KUBECONFIG: kubeconfigFor("IfAvailable") }),
        timeoutMs: 60_000,
      });
      const r = await p.done;
      expect(r.code, r.terminal).toBe(0);
      expect(r.stdout.trim().split(/\r?\n/).sort()).toEqual(PODS.map((n) => `pod/${n}`).sort());
      expect(r.terminal).toMatch(
        /eks-token: signing in to .*corp.* in your browser; waiting up to 5 min \(Ctrl-C to stop\)\./,
      );
      expect(r.terminal).toMatch(
        /eks-token: signed in; valid until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, then refreshed while the session lasts\r?\n/,
      );
      expect(browserLines(h)).toHaveLength(1);
      expect(browserLines(h)[0]?.callbackStatus).toBe(200);
      expect(oidc.calls("token:authorization_code") - codes).toBe(1);
      const written = JSON.parse(readFileSync(h.tokenPath, "utf8")) as Record<string, string>;
      expect(written["accessToken"]).not.toBe(old);
      expect(Object.keys(written).sort()).toEqual(
        [
          "accessToken",
          "clientId",
          "clientSecret",
          "expiresAt",
          "refreshToken",
          "region",
          "registrationExpiresAt",
          "startUrl",
        ].sort(),
      );
      // No secret reaches the terminal.
      for (const secret of [written["accessToken"], written["refreshToken"], written["clientSecret"]])
        expect(r.terminal).not.toContain(secret);
      expect(existsSync(attemptsFile(h))).toBe(false);
    },
    90_000,
  );

  it.skipIf(PTY || kubectlCannot("exec-v1"))(
    "ten kubectl at once: one browser, one CreateToken, every one lists the pods",
    async () => {
      const h = newHome();
      writeToken(h, -MIN, false);
      const codes = oidc.calls("token:authorization_code");
      const registers = oidc.calls("register");
      const kubeconfig = kubeconfigFor("IfAvailable");
      // A person who takes two seconds to approve: long enough for the others to say they wait.
      const slowBrowser = join(h.home.home, "slow-browser.sh");
      writeFileSync(slowBrowser, `#!/bin/sh\nsleep 2\nexec ${process.execPath} ${BROWSER} "$@"\n`, { mode: 0o700 });
      const runs = Array.from({ length: 10 }, () =>
        spawnInPty(["kubectl", "get", "pods", "-n", "default", "-o", "name"], {
          env: h.env({ KUBECONFIG: kubeconfig, BROWSER: slowBrowser }),
          timeoutMs: 120_000,
        }),
      );
      const results = await Promise.all(runs.map((p) => p.done));
      for (const r of results) {
        expect(r.code, r.terminal).toBe(0);
        expect(r.stdout.trim().split(/\r?\n/).sort()).toEqual(PODS.map((n) => `pod/${n}`).sort());
      }
      expect(browserLines(h)).toHaveLength(1);
      expect(oidc.calls("token:authorization_code") - codes).toBe(1);
      expect(oidc.calls("register") - registers).toBe(1);
      // The others said once each whom they waited for (kubectl may run the plugin once per process).
      const waiting = results.filter((r) =>
        /eks-token: waiting for the sign-in to the SSO session "corp"/.test(r.terminal),
      );
      expect(waiting.length).toBeGreaterThan(0);
      for (const r of waiting) expect(r.terminal.match(/waiting for the sign-in/g)?.length).toBe(1);
    },
    180_000,
  );

  it.skipIf(PTY)(
    "an abandoned sign-in is counted: the next call opens no browser and says why",
    async () => {
      const h = newHome();
      writeToken(h, -MIN, false);
      oidc.user = "never";
      const env = h.env({ EKS_TOKEN_SSO_LOGIN_TIMEOUT: "3" });
      const first = await spawnInPty([...CLI_COMMAND, ...TOKEN_ARGS], { env, timeoutMs: 60_000 }).done;
      expect(first.code).toBe(1);
      expect(first.stdout).toBe("");
      expect(first.terminal).toMatch(/not completed within 3 s|did not complete|within 3 s/);
      expect(browserLines(h)).toHaveLength(1);
      const recorded = JSON.parse(readFileSync(attemptsFile(h), "utf8")) as { unfinished: number[] };
      expect(recorded.unfinished).toHaveLength(1);
      expect(statSync(attemptsFile(h)).mode & 0o777).toBe(0o600);

      oidc.user = "approve";
      const second = await spawnInPty([...CLI_COMMAND, ...TOKEN_ARGS], { env, timeoutMs: 30_000 }).done;
      expect(second.code).toBe(1);
      expect(second.terminal).toMatch(
        /no browser was opened: a sign-in started at \d\d:\d\d was not finished; the next automatic one may start at \d\d:\d\d: run `eks-token login --profile dev`/,
      );
      expect(browserLines(h)).toHaveLength(1);

      // `eks-token login` signs in (the budget is not its business) and clears the record.
      const login = await spawnInPty([...CLI_COMMAND, "login", "--profile", "dev"], { env, timeoutMs: 30_000 }).done;
      expect(login.code, login.terminal).toBe(0);
      expect(browserLines(h)).toHaveLength(2);
      expect(existsSync(attemptsFile(h))).toBe(false);

      // So does a valid token from elsewhere (`aws sso login`).
      writeFileSync(attemptsFile(h), JSON.stringify({ unfinished: [Date.now() - MIN] }), { mode: 0o600 });
      writeToken(h, 60 * MIN, true);
      expectCredential(await runCli([...TOKEN_ARGS, "--no-cache"], { env }));
      expect(existsSync(attemptsFile(h))).toBe(false);
    },
    90_000,
  );

  it.skipIf(PTY)(
    "the portal refuses a token that looks valid (401): a refresh when it can, else one sign-in, then a credential",
    async () => {
      const h = newHome();
      writeToken(h, 60 * MIN, true, false);
      const refreshes = oidc.calls("token:refresh_token");
      const refreshed = await spawnInPty([...CLI_COMMAND, ...TOKEN_ARGS, "--no-cache"], {
        env: h.env(),
        timeoutMs: 60_000,
      }).done;
      expectCredential({ code: refreshed.code, signal: refreshed.signal, stdout: refreshed.stdout, stderr: "" });
      expect(oidc.calls("token:refresh_token") - refreshes).toBe(1);
      expect(browserLines(h)).toHaveLength(0);

      writeToken(h, 60 * MIN, false, false);
      const r = await spawnInPty([...CLI_COMMAND, ...TOKEN_ARGS, "--no-cache"], { env: h.env(), timeoutMs: 60_000 })
        .done;
      expect(r.code, r.terminal).toBe(0);
      expectCredential({ code: r.code, signal: r.signal, stdout: r.stdout, stderr: "" });
      expect(browserLines(h)).toHaveLength(1);
    },
    60_000,
  );

  it.skipIf(PTY)(
    "callers that may not sign in wait for the one that does, and get the token it made",
    async () => {
      const h = newHome();
      writeToken(h, -MIN, false);
      const slowBrowser = join(h.home.home, "slow-browser.sh");
      writeFileSync(slowBrowser, `#!/bin/sh\nsleep 3\nexec ${process.execPath} ${BROWSER} "$@"\n`, { mode: 0o700 });
      const leader = spawnInPty([...CLI_COMMAND, ...TOKEN_ARGS, "--no-cache"], {
        env: h.env({ BROWSER: slowBrowser }),
        timeoutMs: 60_000,
      });
      await leader.waitForTerminal(/waiting up to/, 30_000);
      const execInfo = JSON.stringify({
        kind: "ExecCredential",
        apiVersion: "client.authentication.k8s.io/v1",
        spec: { interactive: false },
      });
      const others = await Promise.all(
        Array.from({ length: 3 }, () =>
          runWithoutTerminal([...CLI_COMMAND, ...TOKEN_ARGS, "--no-cache"], {
            env: h.env({ KUBERNETES_EXEC_INFO: execInfo }),
          }),
        ),
      );
      expect((await leader.done).code).toBe(0);
      for (const r of others) {
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toMatch(
          /^eks-token: waiting for the sign-in to the SSO session "corp" \(profile "dev"\) started by another eks-token \(pid \d+\)\n$/,
        );
      }
      expect(browserLines(h)).toHaveLength(1);
    },
    90_000,
  );

  it.skipIf(PTY)(
    "a sign-in the service cannot answer (500 on RegisterClient): no browser, not counted",
    async () => {
      const h = newHome();
      writeToken(h, -MIN, false);
      oidc.faults.register = "500";
      try {
        const r = await spawnInPty([...CLI_COMMAND, ...TOKEN_ARGS], { env: h.env(), timeoutMs: 60_000 }).done;
        expect(r.code).toBe(1);
        expect(r.stdout).toBe("");
        expect(r.terminal, r.terminal).toMatch(/^eks-token: .*(RegisterClient|OIDC|Identity Center).*$/m);
        expect(h.browsers()).toBe(0);
        // Not counted: the record (if any) holds no unfinished sign-in, only when the service was unreachable.
        const record = existsSync(attemptsFile(h))
          ? (JSON.parse(readFileSync(attemptsFile(h), "utf8")) as { unfinished: number[] })
          : { unfinished: [] };
        expect(record.unfinished).toEqual([]);
      } finally {
        delete oidc.faults.register;
      }
    },
    60_000,
  );

  it.skipIf(PTY)(
    "Ctrl-C during a sign-in frees the lock and counts the attempt",
    async () => {
      const h = newHome();
      writeToken(h, -MIN, false);
      oidc.user = "never";
      const p = spawnInPty([...CLI_COMMAND, ...TOKEN_ARGS], { env: h.env(), timeoutMs: 60_000 });
      await p.waitForTerminal(/waiting up to/, 30_000);
      const key = ssoCacheFileName(SESSION).replace(".json", "");
      expect(existsSync(join(h.cacheDir, `sso-${key}.lock`))).toBe(true);
      p.write("\x03");
      const r = await p.done;
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe("");
      expect(existsSync(join(h.cacheDir, `sso-${key}.lock`))).toBe(false);
      expect((JSON.parse(readFileSync(attemptsFile(h), "utf8")) as { unfinished: number[] }).unfinished).toHaveLength(
        1,
      );
    },
    60_000,
  );
});
