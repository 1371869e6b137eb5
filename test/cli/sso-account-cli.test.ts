// The token path with an SSO account and role named on the command line (no profile): the built
// CLI reads the signed-in session's token from ~/.aws/sso/cache, asks the emulated portal for the
// role's credentials and signs a token STS maps to that role; cache entries never cross roles;
// an expired session fails at once naming `eks-token login`; hostile values are refused before
// any request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, makeTempHome, runCli, type TempHome } from "../support/cli.js";
import { expectFailure } from "../support/expect.js";
import { ssoRoleArn, startFleet, type Fleet } from "../support/fleet.js";
import { writeSsoTokenCache } from "../support/sso-emulator.js";
import { e2eEnv, stsCallerIdentity } from "../e2e/helpers.js";

const TOKEN = "aoaSsoAccountCliAccessToken00000000000000000";
const START_URL = "https://cli-corp.awsapps.com/start";
const SSO_REGION = "eu-central-1";
const A = "210000000001";
const B = "210000000002";
const CLUSTER = "api";

let fleet: Fleet;
let h: TempHome;

beforeAll(async () => {
  await ensureBuilt();
  fleet = await startFleet({
    accessToken: TOKEN,
    accounts: [
      { id: A, name: "one", roles: ["ReadOnly", "Admin"] },
      { id: B, name: "two", roles: ["ReadOnly"] },
    ],
  });
  h = makeTempHome("eks-token-sso-account-");
  h.writeConfig(`[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = ${SSO_REGION}\n`);
  const later = new Date(Date.now() + 3_600_000);
  writeSsoTokenCache(h.home, "corp", { accessToken: TOKEN, expiresAt: later, region: SSO_REGION, startUrl: START_URL });
  writeSsoTokenCache(h.home, START_URL, {
    accessToken: TOKEN,
    expiresAt: later,
    region: SSO_REGION,
    startUrl: START_URL,
  });
}, 240_000);

afterAll(async () => {
  await fleet?.close();
  h?.cleanup();
});

const env = (extra: Record<string, string | undefined> = {}) => e2eEnv(h.home, { ...fleet.env, ...extra });
const sso = (account: string, role: string) => [
  "--sso-session",
  "corp",
  "--sso-account-id",
  account,
  "--sso-role-name",
  role,
];
const tokenArgs = (...more: string[]) => ["token", "--cluster-name", CLUSTER, "--region", "us-west-2", ...more];

async function identityOf(stdout: string): Promise<string | undefined> {
  const token = (JSON.parse(stdout) as { status: { token: string } }).status.token;
  return (await stsCallerIdentity(fleet.sts.url, token, CLUSTER)).arn;
}

describe("token --sso-session S --sso-account-id A --sso-role-name R", () => {
  it("signs as the SSO role of that account, with no profile in ~/.aws/config", async () => {
    const result = await runCli(tokenArgs(...sso(A, "Admin")), { env: env() });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const arn = await identityOf(result.stdout);
    expect(arn).toMatch(new RegExp(`^arn:aws:sts::${A}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/`));
    const asked = fleet.sso.requests.filter((r) => r.route === "GetRoleCredentials" && r.query["account_id"] === A);
    expect(asked.at(-1)?.query["role_name"]).toBe("Admin");
    expect(ssoRoleArn(A, "Admin")).toContain("AWSReservedSSO_Admin");
  });

  it("the legacy form (start URL and SSO region) signs as well", async () => {
    const result = await runCli(
      tokenArgs(
        "--sso-start-url",
        START_URL,
        "--sso-region",
        SSO_REGION,
        "--sso-account-id",
        B,
        "--sso-role-name",
        "ReadOnly",
      ),
      { env: env() },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(await identityOf(result.stdout)).toMatch(
      new RegExp(`^arn:aws:sts::${B}:assumed-role/AWSReservedSSO_ReadOnly_`),
    );
  });

  it("caches per account and role: a hit for the same, never another role's token", async () => {
    const cached = env({ EKS_TOKEN_NO_CACHE: undefined });
    const first = await runCli(tokenArgs(...sso(A, "ReadOnly")), { env: cached });
    expect(first.code, first.stderr).toBe(0);
    const portalCalls = fleet.sso.calls.GetRoleCredentials;
    const again = await runCli(tokenArgs(...sso(A, "ReadOnly")), { env: cached });
    expect(again.stdout).toBe(first.stdout);
    expect(fleet.sso.calls.GetRoleCredentials).toBe(portalCalls);
    const otherRole = await runCli(tokenArgs(...sso(A, "Admin")), { env: cached });
    expect(otherRole.code, otherRole.stderr).toBe(0);
    expect(await identityOf(otherRole.stdout)).toMatch(/AWSReservedSSO_Admin_/);
    const otherAccount = await runCli(tokenArgs(...sso(B, "ReadOnly")), { env: cached });
    expect(await identityOf(otherAccount.stdout)).toMatch(new RegExp(`::${B}:assumed-role/`));
  });

  it("an expired session fails at once, naming `eks-token login --sso-session corp`, and asks no portal", async () => {
    const home = makeTempHome("eks-token-sso-expired-");
    try {
      home.writeConfig(`[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = ${SSO_REGION}\n`);
      writeSsoTokenCache(home.home, "corp", {
        accessToken: TOKEN,
        expiresAt: new Date(Date.now() - 60_000),
        region: SSO_REGION,
        startUrl: START_URL,
      });
      const before = fleet.sso.requests.length;
      const result = await runCli(tokenArgs(...sso(A, "ReadOnly")), { env: e2eEnv(home.home, fleet.env) });
      expectFailure(
        result,
        /the SSO session "corp" has expired or is invalid .*no browser was opened: .*run `eks-token login --sso-session corp`/,
      );
      expect(result.code).toBe(1);
      expect(fleet.sso.requests.length).toBe(before);
    } finally {
      home.cleanup();
    }
  });

  it("a token the portal refuses (401) is not signed in to again without a terminal: the line names the sign-in", async () => {
    const home = makeTempHome("eks-token-sso-refused-");
    const revoked = "aoaSsoAccountCliRevokedToken000000000000000";
    try {
      home.writeConfig(`[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = ${SSO_REGION}\n`);
      writeSsoTokenCache(home.home, "corp", {
        accessToken: revoked,
        expiresAt: new Date(Date.now() + 3_600_000),
        region: SSO_REGION,
        startUrl: START_URL,
      });
      const result = await runCli(tokenArgs(...sso(A, "ReadOnly")), { env: e2eEnv(home.home, fleet.env) });
      expectFailure(result, /SSO session "corp" .*no browser was opened: .*run `eks-token login --sso-session corp`/);
      const asked = fleet.sso.requests.filter((r) => r.bearer === revoked);
      expect(asked.map((r) => r.status)).toEqual([401]);
    } finally {
      home.cleanup();
    }
  });

  it("a token file of another start URL is never used", async () => {
    const home = makeTempHome("eks-token-sso-other-url-");
    try {
      home.writeConfig(`[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = ${SSO_REGION}\n`);
      writeSsoTokenCache(home.home, "corp", {
        accessToken: TOKEN,
        expiresAt: new Date(Date.now() + 3_600_000),
        region: SSO_REGION,
        startUrl: "https://someone-else.awsapps.com/start",
      });
      const result = await runCli(tokenArgs(...sso(A, "ReadOnly")), { env: e2eEnv(home.home, fleet.env) });
      expectFailure(result, /token for another start URL/);
    } finally {
      home.cleanup();
    }
  });

  it.each([
    [
      "account id",
      ["--sso-session", "corp", "--sso-account-id", "12345", "--sso-role-name", "R"],
      /--sso-account-id "12345"/,
    ],
    ["role name", ["--sso-session", "corp", "--sso-account-id", A, "--sso-role-name", "a/../b"], /--sso-role-name/],
    [
      "session",
      ["--sso-session", "x\u001b[31m", "--sso-account-id", A, "--sso-role-name", "R"],
      /--sso-session "x\\u001b\[31m"/,
    ],
    [
      "start URL",
      [
        "--sso-start-url",
        "file:///etc/passwd",
        "--sso-region",
        "us-east-1",
        "--sso-account-id",
        A,
        "--sso-role-name",
        "R",
      ],
      /--sso-start-url/,
    ],
    ["missing role", ["--sso-session", "corp", "--sso-account-id", A], /go together/],
    ["with --profile", ["--profile", "p", ...sso(A, "ReadOnly")], /two ways/],
  ])("refuses a hostile or incomplete %s before any request", async (_what, args, message) => {
    const before = fleet.sso.requests.length;
    const result = await runCli(tokenArgs(...args), { env: env() });
    expectFailure(result, message);
    expect(result.code).toBe(2);
    expect(fleet.sso.requests.length).toBe(before);
  });
});
