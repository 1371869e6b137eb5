// --sso-session / --sso-start-url / --sso-region / --sso-account-id / --sso-role-name: resolved
// against the config file's [sso-session] section, and every hostile value refused with a clear
// line before anything is read or asked.
import { describe, expect, it } from "vitest";
import { resolveSsoTarget, type SsoOptions } from "../../src/aws/sso-target.js";
import { EksTokenError } from "../../src/errors.js";

const SHARED = {
  configPath: "/home/u/.aws/config",
  configFile: {
    "sso-session.corp": { sso_start_url: "https://corp.awsapps.com/start", sso_region: "eu-west-1" },
    "sso-session.half": { sso_region: "eu-west-1" },
    "sso-session.bad": { sso_start_url: "http://corp.awsapps.com/start", sso_region: "eu-west-1" },
  },
};
const BASE = { ssoAccountId: "111122223333", ssoRoleName: "ReadOnly" };

function fails(options: SsoOptions & { profile?: string }): EksTokenError {
  try {
    resolveSsoTarget(options, SHARED);
  } catch (e) {
    expect(e).toBeInstanceOf(EksTokenError);
    const err = e as EksTokenError;
    expect(err.reportLine).not.toMatch(/\n|\u001b/);
    return err;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

describe("resolveSsoTarget", () => {
  it("is undefined without SSO flags", () => {
    expect(resolveSsoTarget({}, SHARED)).toBeUndefined();
  });

  it("reads the start URL and region from the sso-session section", () => {
    expect(resolveSsoTarget({ ...BASE, ssoSession: "corp" }, SHARED)).toEqual({
      session: "corp",
      startUrl: "https://corp.awsapps.com/start",
      region: "eu-west-1",
      accountId: "111122223333",
      roleName: "ReadOnly",
    });
  });

  it("takes the legacy form without any config", () => {
    const t = resolveSsoTarget(
      { ...BASE, ssoStartUrl: "https://x.awsapps.com/start", ssoRegion: "us-east-1" },
      { configPath: "/c", configFile: {} },
    );
    expect(t).toMatchObject({ session: undefined, startUrl: "https://x.awsapps.com/start", region: "us-east-1" });
  });

  it("fills a section's missing key from the flag, and refuses a flag that contradicts the section", () => {
    expect(
      resolveSsoTarget({ ...BASE, ssoSession: "half", ssoStartUrl: "https://h.awsapps.com/start" }, SHARED)?.startUrl,
    ).toBe("https://h.awsapps.com/start");
    expect(fails({ ...BASE, ssoSession: "corp", ssoStartUrl: "https://evil.example/start" }).message).toMatch(
      /differs from sso_start_url/,
    );
  });

  it.each([
    [
      "an account id that is not 12 digits",
      { ...BASE, ssoSession: "corp", ssoAccountId: "11112222333" },
      /--sso-account-id/,
    ],
    [
      "an account id with a query",
      { ...BASE, ssoSession: "corp", ssoAccountId: "111122223333&x=1" },
      /--sso-account-id/,
    ],
    ["a role name with a slash", { ...BASE, ssoSession: "corp", ssoRoleName: "../Admin" }, /--sso-role-name/],
    [
      "a role name with a newline",
      { ...BASE, ssoSession: "corp", ssoRoleName: "Read\nOnly" },
      /--sso-role-name "Read\\nOnly"/,
    ],
    ["a role name longer than 32", { ...BASE, ssoSession: "corp", ssoRoleName: "R".repeat(33) }, /--sso-role-name/],
    ["a session name with a bracket", { ...BASE, ssoSession: "corp]\n[profile x" }, /--sso-session/],
    ["a session name with a path", { ...BASE, ssoSession: "../../etc/passwd" }, /--sso-session/],
    [
      "an http start URL",
      { ...BASE, ssoStartUrl: "http://x.awsapps.com/start", ssoRegion: "us-east-1" },
      /--sso-start-url/,
    ],
    [
      "a start URL with a password",
      { ...BASE, ssoStartUrl: "https://u:hunter2pass@x/start", ssoRegion: "us-east-1" },
      /user or password/,
    ],
    [
      "a region that is not a DNS label",
      { ...BASE, ssoStartUrl: "https://x/start", ssoRegion: "us-east-1.evil.com" },
      /invalid region/,
    ],
    ["a section whose start URL is http", { ...BASE, ssoSession: "bad" }, /sso_start_url of sso-session/],
  ])("refuses %s", (_what, options, message) => {
    const err = fails(options);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain("hunter2pass");
  });

  it("needs both account and role, a session or a start URL and region, and no --profile", () => {
    expect(fails({ ssoSession: "corp", ssoAccountId: "111122223333" }).code).toBe("usage");
    expect(fails({ ...BASE }).code).toBe("usage");
    expect(fails({ ...BASE, ssoStartUrl: "https://x/start" }).code).toBe("usage");
    expect(fails({ ...BASE, ssoSession: "corp", profile: "p" }).code).toBe("usage");
    expect(fails({ ...BASE, ssoSession: "missing" }).message).toMatch(/no \[sso-session missing\] section/);
  });
});
