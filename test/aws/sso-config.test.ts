import { describe, expect, it } from "vitest";
import { configFileProfiles, parseAwsIni } from "../../src/aws/ini.js";
import { parseScopes, resolveSsoConfig } from "../../src/aws/sso-config.js";
import { isEksTokenError } from "../../src/errors.js";

const CONFIG = `
[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access, codewhisperer:completions

[sso-session plain]
sso_start_url = https://plain.awsapps.com/start
sso_region = us-east-1

[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Admin
sso_region = ap-south-1

[profile legacy]
sso_start_url = https://legacy.awsapps.com/start/
sso_region = us-west-2
sso_account_id = 111122223333
sso_role_name = Admin

[profile admin]
role_arn = arn:aws:iam::111122223333:role/admin
source_profile = hop

[profile hop]
role_arn = arn:aws:iam::111122223333:role/hop
source_profile = dev

[profile keys-role]
role_arn = arn:aws:iam::111122223333:role/x
source_profile = keys

[profile loop-a]
role_arn = arn:aws:iam::111122223333:role/a
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::111122223333:role/b
source_profile = loop-a

[profile console]
login_session = arn:aws:iam::111122223333:user/me

[profile proc]
credential_process = /bin/true
sso_session = corp

[profile ec2]
role_arn = arn:aws:iam::111122223333:role/x
credential_source = Ec2InstanceMetadata

[profile broken]
sso_session = missing

[profile half]
sso_start_url = https://half.awsapps.com/start
sso_account_id = 1

[profile badregion]
sso_start_url = https://x.awsapps.com/start
sso_region = us-east-1.evil.com

[profile plaintext]
sso_start_url = http://user:pw@x.awsapps.com/start
sso_region = us-east-1
`;

const CREDENTIALS = `
[keys]
aws_access_key_id = AKIAEXAMPLE
aws_secret_access_key = secret
`;

const files = {
  configFile: configFileProfiles(parseAwsIni(CONFIG)),
  credentialsFile: parseAwsIni(CREDENTIALS),
};

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isEksTokenError(e) ? e.reportLine : String(e);
  }
  return "no error";
}

describe("resolveSsoConfig", () => {
  it("takes an sso-session profile's start URL and region from the session, keyed by the session name", () => {
    expect(resolveSsoConfig(files, { profile: "dev" })).toEqual({
      kind: "sso-session",
      sessionName: "corp",
      startUrl: "https://d-1234567890.awsapps.com/start",
      region: "eu-west-1",
      registrationScopes: ["sso:account:access", "codewhisperer:completions"],
      cacheKey: "corp",
      profileName: "dev",
      chain: ["dev"],
    });
  });

  it("names a session directly", () => {
    expect(resolveSsoConfig(files, { ssoSession: "plain" })).toMatchObject({
      kind: "sso-session",
      region: "us-east-1",
      registrationScopes: undefined,
      profileName: undefined,
    });
  });

  it("keys a legacy profile by its start URL exactly as written", () => {
    expect(resolveSsoConfig(files, { profile: "legacy" })).toMatchObject({
      kind: "legacy",
      startUrl: "https://legacy.awsapps.com/start/",
      cacheKey: "https://legacy.awsapps.com/start/",
      region: "us-west-2",
    });
  });

  it("follows a role profile's source_profile chain to the SSO profile", () => {
    expect(resolveSsoConfig(files, { profile: "admin" })).toMatchObject({
      kind: "sso-session",
      sessionName: "corp",
      profileName: "admin",
      chain: ["admin", "hop", "dev"],
    });
  });

  it("says when the chain ends elsewhere, and why", () => {
    expect(resolveSsoConfig(files, { profile: "keys-role" })).toMatchObject({
      kind: "none",
      reason: 'profile "keys" has access keys',
    });
    expect(resolveSsoConfig(files, { profile: "proc" })).toMatchObject({ kind: "none", reason: /credential_process/ });
    expect(resolveSsoConfig(files, { profile: "ec2" })).toMatchObject({ kind: "none", reason: /credential_source/ });
    expect(resolveSsoConfig(files, { profile: "nope" })).toMatchObject({
      kind: "none",
      reason: /not in the AWS config/,
    });
  });

  it("detects an `aws login` profile", () => {
    expect(resolveSsoConfig(files, { profile: "console" })).toEqual({
      kind: "login-session",
      profileName: "console",
      chain: ["console"],
    });
  });

  it("refuses settings that cannot work, saying what to do", () => {
    expect(errorOf(() => resolveSsoConfig(files, { profile: "loop-a" }))).toMatch(/goes round in a circle/);
    expect(errorOf(() => resolveSsoConfig(files, { profile: "broken" }))).toMatch(
      /sso-session "missing" \(named by profile "broken"\) is not in the AWS config file/,
    );
    expect(errorOf(() => resolveSsoConfig(files, { ssoSession: "nope" }))).toMatch(/is not in the AWS config file/);
    expect(errorOf(() => resolveSsoConfig(files, { profile: "half" }))).toMatch(/has SSO settings but no sso_region/);
    expect(errorOf(() => resolveSsoConfig(files, { profile: "badregion" }))).toMatch(/invalid sso_region/);
    const plain = errorOf(() => resolveSsoConfig(files, { profile: "plaintext" }));
    expect(plain).toMatch(/not an https URL/);
    expect(plain).not.toContain("pw");
  });
});

describe("parseScopes", () => {
  it("splits on commas and trims, as the AWS CLI does", () => {
    expect(parseScopes(" a , b,,c ")).toEqual(["a", "b", "c"]);
    expect(parseScopes(" , ")).toBeUndefined();
    expect(parseScopes(undefined)).toBeUndefined();
  });
});
