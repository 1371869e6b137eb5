// `eks-token login` refusals through the built CLI (Node or native): usage, profiles that do not
// sign in to IAM Identity Center, settings that cannot work. Each is one line, exit 1 or 2, empty
// stdout, and nothing is contacted. Sign-ins themselves: test/e2e/sso-login.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLoginArgs } from "../../src/cli/login-command.js";
import { isEksTokenError } from "../../src/errors.js";
import { ensureBuilt, hermeticEnv, makeTempHome, runCli, type TempHome } from "../support/cli.js";

let h: TempHome;

beforeAll(async () => {
  await ensureBuilt();
  h = makeTempHome("eks-token-login-cli-");
  h.writeConfig(`[profile console]
login_session = arn:aws:iam::111122223333:user/me

[profile keys]
region = us-east-1

[profile dangling]
sso_session = nowhere

[profile role]
role_arn = arn:aws:iam::111122223333:role/r
source_profile = console
`);
  h.writeCredentials("[keys]\naws_access_key_id = AKIAEXAMPLEEXAMPLE01\naws_secret_access_key = x\n");
}, 240_000);
afterAll(() => h?.cleanup());

async function refused(args: string[], extra: Record<string, string> = {}) {
  const result = await runCli(["login", ...args], {
    env: hermeticEnv(h.home, { AWS_ENDPOINT_URL_SSO_OIDC: "http://127.0.0.1:9", ...extra }),
  });
  expect(result.stdout).toBe("");
  const lines = result.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  return { code: result.code, line: lines[0] ?? "" };
}

describe.concurrent("eks-token login refuses", () => {
  it("a profile signed in with `aws login`, pointing to it", async () => {
    expect(await refused(["--profile", "console"])).toEqual({
      code: 1,
      line: 'eks-token: profile "console" signs in with the AWS console credentials of `aws login` (login_session), not with IAM Identity Center: run `aws login --profile console`',
    });
    // Also at the end of a role chain: the command names the profile that was asked for.
    expect((await refused(["--profile", "role"])).line).toMatch(/run `aws login --profile role`$/);
  });

  it("a profile without SSO, saying what it has", async () => {
    expect(await refused(["--profile", "keys"])).toEqual({
      code: 1,
      line: 'eks-token: profile "keys" does not use AWS IAM Identity Center (profile "keys" has access keys): set it up with `aws configure sso --profile keys`, or name a session with --sso-session',
    });
    expect((await refused([], { AWS_PROFILE: "my profile" })).line).toMatch(
      /profile "my profile" is not in the AWS config .*`aws configure sso --profile 'my profile'`/,
    );
  });

  it("a session that is not in the config file", async () => {
    expect((await refused(["--profile", "dangling"])).line).toBe(
      'eks-token: sso-session "nowhere" (named by profile "dangling") is not in the AWS config file: add an [sso-session NAME] section (aws configure sso-session) or fix the name',
    );
  });

  it("usage mistakes, with exit 2", async () => {
    expect(await refused(["--profile", "a", "--sso-session", "b"])).toEqual({
      code: 2,
      line: "eks-token: --profile and --sso-session name two different things: give one of them",
    });
    expect((await refused(["--timeout", "soon"])).line).toBe(
      'eks-token: --timeout "soon" is not a number of seconds from 1 to 86400: e.g. --timeout 600',
    );
    expect((await refused(["--profile", "keys"], { EKS_TOKEN_SSO_LOGIN_TIMEOUT: "0" })).code).toBe(2);
    expect((await refused(["--bogus"])).code).toBe(2);
  });
});

describe("parseLoginArgs", () => {
  it("takes --timeout over EKS_TOKEN_SSO_LOGIN_TIMEOUT over 300 s", () => {
    expect(parseLoginArgs([], {}).timeoutMs).toBe(300_000);
    expect(parseLoginArgs([], { EKS_TOKEN_SSO_LOGIN_TIMEOUT: "120" }).timeoutMs).toBe(120_000);
    expect(parseLoginArgs(["--timeout", "30"], { EKS_TOKEN_SSO_LOGIN_TIMEOUT: "120" }).timeoutMs).toBe(30_000);
    expect(parseLoginArgs(["--use-device-code", "--no-browser"], {})).toMatchObject({
      useDeviceCode: true,
      noBrowser: true,
    });
    let error: unknown;
    try {
      parseLoginArgs(["--sso-session", "a\nb"], {});
    } catch (e) {
      error = e;
    }
    expect(isEksTokenError(error) && error.exitCode).toBe(2);
  });
});
