// Region and STS endpoint options resolved by resolveTarget (docs/contract.md, "STS hosts" and "Region and credentials"):
// --region > AWS_REGION > AWS_DEFAULT_REGION > the profile's region > none (the global host),
// and the endpoint options from the environment over the profile. Files live in a temp HOME.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EksTokenError } from "../../src/errors.js";
import { resolveTarget, type TargetOptions } from "../../src/aws/target.js";
import { hermeticEnv, makeTempHome, type TempHome } from "../support/cli.js";

let home: TempHome;
beforeEach(() => {
  home = makeTempHome("eks-token-region-");
});
afterEach(() => home.cleanup());

const env = (extra: Record<string, string | undefined> = {}) => hermeticEnv(home.home, extra);
const target = (options: Partial<TargetOptions> = {}, extra: Record<string, string | undefined> = {}) =>
  resolveTarget({ clusterId: "prod", ...options }, env(extra));

async function refused(promise: Promise<unknown>): Promise<EksTokenError> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EksTokenError);
  return e as EksTokenError;
}

const CONFIG = `[default]
region = eu-west-1

[profile dev]
region = ap-southeast-2

[profile noregion]
output = json

[profile legacy]
region = us-west-2
sts_regional_endpoints = legacy

[profile legacy-nonglobal]
region = ap-east-1
sts_regional_endpoints = legacy

[profile fips]
region = us-east-1
use_fips_endpoint = true

[profile dualstack]
region = us-east-1
use_dualstack_endpoint = true

[profile both]
region = us-east-1
use_fips_endpoint = true
use_dualstack_endpoint = true

[profile regional]
region = us-east-1
sts_regional_endpoints = regional

[profile badmode]
region = us-east-1
sts_regional_endpoints = sometimes

[profile badfips]
region = us-east-1
use_fips_endpoint = yes

[profile badregion]
region = us-west-2.evil.com

[profile iso]
region = us-iso-east-1
use_dualstack_endpoint = true
`;

const CREDENTIALS = `[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secretdefault

[creds-only]
aws_access_key_id = AKIDCREDSONLY
aws_secret_access_key = secretcredsonly
region = ca-central-1

[dev]
aws_access_key_id = AKIDDEV
aws_secret_access_key = secretdev
`;

describe("region order", () => {
  beforeEach(() => {
    home.writeConfig(CONFIG);
    home.writeCredentials(CREDENTIALS);
  });

  it("--region beats AWS_REGION, AWS_DEFAULT_REGION and the profile", async () => {
    const t = await target(
      { region: "us-west-1", profile: "dev" },
      { AWS_REGION: "us-east-2", AWS_DEFAULT_REGION: "sa-east-1" },
    );
    expect(t.region).toBe("us-west-1");
    expect(t.regionSource).toBe("flag");
    expect(t.endpoint).toEqual({ host: "sts.us-west-1.amazonaws.com", signingRegion: "us-west-1", partition: "aws" });
  });

  it("AWS_REGION beats AWS_DEFAULT_REGION and the profile", async () => {
    const t = await target({ profile: "dev" }, { AWS_REGION: "us-east-2", AWS_DEFAULT_REGION: "sa-east-1" });
    expect([t.region, t.regionSource, t.endpoint.host]).toEqual([
      "us-east-2",
      "AWS_REGION",
      "sts.us-east-2.amazonaws.com",
    ]);
  });

  it("AWS_DEFAULT_REGION (which the SDK ignores) beats the profile", async () => {
    const t = await target({ profile: "dev" }, { AWS_DEFAULT_REGION: "sa-east-1" });
    expect([t.region, t.regionSource, t.endpoint.host]).toEqual([
      "sa-east-1",
      "AWS_DEFAULT_REGION",
      "sts.sa-east-1.amazonaws.com",
    ]);
  });

  it("empty variables are skipped", async () => {
    const t = await target({ profile: "dev" }, { AWS_REGION: "", AWS_DEFAULT_REGION: "" });
    expect([t.region, t.regionSource]).toEqual(["ap-southeast-2", "profile"]);
  });

  it("the profile's region: --profile beats AWS_PROFILE", async () => {
    const t = await target({ profile: "dev" }, { AWS_PROFILE: "legacy" });
    expect([t.region, t.regionSource, t.profileName, t.profileExplicit]).toEqual([
      "ap-southeast-2",
      "profile",
      "dev",
      true,
    ]);
  });

  it("the profile's region from AWS_PROFILE", async () => {
    const t = await target({}, { AWS_PROFILE: "dev" });
    expect([t.region, t.profileName, t.profileExplicit, t.profileExists]).toEqual([
      "ap-southeast-2",
      "dev",
      true,
      true,
    ]);
    expect(t.endpoint.host).toBe("sts.ap-southeast-2.amazonaws.com");
  });

  it("the default profile's region when no profile is named", async () => {
    const t = await target();
    expect([t.region, t.regionSource, t.profileName, t.profileExplicit]).toEqual([
      "eu-west-1",
      "profile",
      "default",
      false,
    ]);
  });

  it("AWS_DEFAULT_PROFILE is not a profile selector here (the SDK ignores it too)", async () => {
    const t = await target({}, { AWS_DEFAULT_PROFILE: "dev" });
    expect([t.profileName, t.region]).toEqual(["default", "eu-west-1"]);
  });

  it("a [x] section of the credentials file counts, region included", async () => {
    const t = await target({ profile: "creds-only" });
    expect([t.profileExists, t.region, t.regionSource]).toEqual([true, "ca-central-1", "profile"]);
    expect(t.endpoint.host).toBe("sts.ca-central-1.amazonaws.com");
  });

  it("`[profile x]` in config holds the region; `[x]` in credentials holds the keys", async () => {
    const t = await target({ profile: "dev" });
    expect(t.profileExists).toBe(true);
    expect(t.region).toBe("ap-southeast-2");
  });

  it("a profile without a region and no variables: no region, the global host", async () => {
    const t = await target({ profile: "noregion" });
    expect([t.region, t.regionSource]).toEqual([undefined, "none"]);
    expect(t.endpoint).toEqual({ host: "sts.amazonaws.com", signingRegion: "us-east-1", partition: "aws" });
  });

  it("an unknown profile: profileExists false, no region from it", async () => {
    const t = await target({ profile: "nope" });
    expect([t.profileExists, t.profileExplicit, t.region]).toEqual([false, true, undefined]);
  });

  it("the paths of the files read are those of AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE", async () => {
    const t = await target();
    expect(t.configPath).toBe(home.configPath);
    expect(t.credentialsPath).toBe(home.credentialsPath);
  });
});

describe("no files at all", () => {
  it("no region anywhere: sts.amazonaws.com signed for us-east-1", async () => {
    const t = await target();
    expect([t.region, t.regionSource, t.profileName, t.profileExists]).toEqual([undefined, "none", "default", false]);
    expect(t.endpoint).toEqual({ host: "sts.amazonaws.com", signingRegion: "us-east-1", partition: "aws" });
    expect(t.endpointSettings).toEqual({ mode: "regional", fips: false, dualStack: false });
  });

  it("HOME decides where the files are when the variables are unset", async () => {
    home.writeConfig("[default]\nregion = eu-north-1\n");
    const t = await resolveTarget({ clusterId: "prod" }, { HOME: home.home, AWS_EC2_METADATA_DISABLED: "true" });
    expect(t.region).toBe("eu-north-1");
    expect(t.configPath).toBe(home.configPath);
  });
});

describe("STS endpoint options", () => {
  beforeEach(() => home.writeConfig(CONFIG));

  it("sts_regional_endpoints = legacy in the profile sends a legacy region to the global host", async () => {
    const t = await target({ profile: "legacy" });
    expect(t.endpointSettings.mode).toBe("legacy");
    expect(t.endpoint).toEqual({ host: "sts.amazonaws.com", signingRegion: "us-east-1", partition: "aws" });
  });

  it("legacy in the profile keeps a non-legacy region regional", async () => {
    const t = await target({ profile: "legacy-nonglobal" });
    expect(t.endpoint.host).toBe("sts.ap-east-1.amazonaws.com");
  });

  it("AWS_STS_REGIONAL_ENDPOINTS=legacy", async () => {
    const t = await target({ region: "eu-west-2" }, { AWS_STS_REGIONAL_ENDPOINTS: "legacy" });
    expect(t.endpoint.host).toBe("sts.amazonaws.com");
  });

  it("AWS_STS_REGIONAL_ENDPOINTS beats the profile, both ways", async () => {
    expect((await target({ profile: "legacy" }, { AWS_STS_REGIONAL_ENDPOINTS: "regional" })).endpoint.host).toBe(
      "sts.us-west-2.amazonaws.com",
    );
    expect((await target({ profile: "regional" }, { AWS_STS_REGIONAL_ENDPOINTS: "legacy" })).endpoint.host).toBe(
      "sts.amazonaws.com",
    );
  });

  it("values are case-insensitive and trimmed", async () => {
    expect((await target({ region: "us-east-1" }, { AWS_STS_REGIONAL_ENDPOINTS: " Legacy " })).endpoint.host).toBe(
      "sts.amazonaws.com",
    );
    expect((await target({ region: "us-east-1" }, { AWS_USE_FIPS_ENDPOINT: "TRUE" })).endpoint.host).toBe(
      "sts-fips.us-east-1.amazonaws.com",
    );
  });

  it("use_fips_endpoint in the profile", async () => {
    const t = await target({ profile: "fips" });
    expect(t.endpointSettings.fips).toBe(true);
    expect(t.endpoint.host).toBe("sts-fips.us-east-1.amazonaws.com");
  });

  it("AWS_USE_FIPS_ENDPOINT, and its false beating the profile's true", async () => {
    expect((await target({ region: "us-west-2" }, { AWS_USE_FIPS_ENDPOINT: "true" })).endpoint.host).toBe(
      "sts-fips.us-west-2.amazonaws.com",
    );
    expect((await target({ profile: "fips" }, { AWS_USE_FIPS_ENDPOINT: "false" })).endpoint.host).toBe(
      "sts.us-east-1.amazonaws.com",
    );
  });

  it("use_dualstack_endpoint in the profile", async () => {
    const t = await target({ profile: "dualstack" });
    expect(t.endpointSettings.dualStack).toBe(true);
    expect(t.endpoint.host).toBe("sts.us-east-1.api.aws");
  });

  it("AWS_USE_DUALSTACK_ENDPOINT, and its false beating the profile's true", async () => {
    expect((await target({ region: "cn-north-1" }, { AWS_USE_DUALSTACK_ENDPOINT: "true" })).endpoint.host).toBe(
      "sts.cn-north-1.api.amazonwebservices.com.cn",
    );
    expect((await target({ profile: "dualstack" }, { AWS_USE_DUALSTACK_ENDPOINT: "false" })).endpoint.host).toBe(
      "sts.us-east-1.amazonaws.com",
    );
  });

  it("both in the profile", async () => {
    expect((await target({ profile: "both" })).endpoint.host).toBe("sts-fips.us-east-1.api.aws");
  });

  it("a --region flag keeps the profile's endpoint options", async () => {
    expect((await target({ profile: "fips", region: "us-east-2" })).endpoint.host).toBe(
      "sts-fips.us-east-2.amazonaws.com",
    );
  });
});

describe("invalid values are refused with a message", () => {
  beforeEach(() => home.writeConfig(CONFIG));

  it("sts_regional_endpoints in the profile", async () => {
    const e = await refused(target({ profile: "badmode" }));
    expect(e.code).toBe("config");
    expect(e.message).toBe(
      'invalid STS endpoint mode "sometimes" in AWS_STS_REGIONAL_ENDPOINTS or sts_regional_endpoints',
    );
    expect(e.hint).toBe("use regional or legacy");
  });

  it("AWS_STS_REGIONAL_ENDPOINTS", async () => {
    const e = await refused(target({ region: "us-east-1" }, { AWS_STS_REGIONAL_ENDPOINTS: "global" }));
    expect(e.message).toContain('invalid STS endpoint mode "global"');
  });

  it("use_fips_endpoint in the profile", async () => {
    const e = await refused(target({ profile: "badfips" }));
    expect(e.code).toBe("config");
    expect(e.message).toBe('invalid value "yes" for AWS_USE_FIPS_ENDPOINT / use_fips_endpoint');
    expect(e.hint).toBe("use true or false");
  });

  it("AWS_USE_DUALSTACK_ENDPOINT", async () => {
    const e = await refused(target({ region: "us-east-1" }, { AWS_USE_DUALSTACK_ENDPOINT: "1" }));
    expect(e.message).toBe('invalid value "1" for AWS_USE_DUALSTACK_ENDPOINT / use_dualstack_endpoint');
  });

  it.each([
    ["the flag", { region: "us-west-2.evil.com" }, {}],
    ["AWS_REGION", {}, { AWS_REGION: "us-west-2.evil.com" }],
    ["AWS_DEFAULT_REGION", {}, { AWS_DEFAULT_REGION: "us-west-2.evil.com" }],
    ["the profile", { profile: "badregion" }, {}],
  ])("an invalid region from %s", async (_label, options, extra) => {
    const e = await refused(target(options, extra));
    expect(e.code).toBe("invalid-input");
    expect(e.message).toBe('invalid region "us-west-2.evil.com"');
  });

  it("dual-stack in an ISO partition", async () => {
    const e = await refused(target({ profile: "iso" }));
    expect(e.message).toMatch(/dual-stack STS endpoints do not exist in partition aws-iso/);
  });

  it.each([
    ["an invalid profile name", { profile: "a]b" }, /invalid profile name/],
    ["a profile name with a newline", { profile: "dev\n" }, /invalid profile name/],
    ["a malformed role ARN", { roleArn: "arn:aws:iam::123:role/x" }, /malformed role ARN/],
    ["an invalid session name", { sessionName: "a b" }, /invalid session name/],
    ["an invalid external id", { externalId: "x" }, /invalid external id/],
    ["a cluster name with a space", { clusterId: "my cluster" }, /invalid cluster name/],
  ])("%s", async (_label, options, pattern) => {
    const e = await refused(target(options));
    expect(e.message).toMatch(pattern);
  });

  it("an invalid AWS_PROFILE is refused too", async () => {
    const e = await refused(target({}, { AWS_PROFILE: " dev" }));
    expect(e.message).toBe('invalid profile name " dev"');
  });

  it("a missing cluster name", async () => {
    const e = await refused(resolveTarget({ clusterId: undefined }, env()));
    expect(e.code).toBe("usage");
    expect(e.message).toBe("missing cluster name");
  });
});

describe("the rest of the target", () => {
  it("session name defaults to EKSGetTokenAuth, as `aws eks get-token --role-arn` uses", async () => {
    const t = await target({ roleArn: "arn:aws:iam::123456789012:role/r" });
    expect([t.roleArn, t.sessionName, t.externalId, t.forwardSessionName]).toEqual([
      "arn:aws:iam::123456789012:role/r",
      "EKSGetTokenAuth",
      undefined,
      false,
    ]);
  });

  it("a role profile's role_arn is reported", async () => {
    home.writeConfig(
      "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = default\nregion = us-east-1\n",
    );
    expect((await target({ profile: "role" })).profileRoleArn).toBe("arn:aws:iam::123456789012:role/admin");
  });
});

describe("the shared files' format, as the AWS CLI and SDKs read it", () => {
  it("comment lines, CRLF line endings and a comment after a header", async () => {
    home.writeConfig(
      [
        "# a comment",
        "; another",
        "[default]",
        "region = eu-west-3",
        "",
        "[profile spaced]  # note",
        "  ",
        "region=ap-south-1",
        "# region = us-east-1",
        "",
      ].join("\r\n"),
    );
    expect((await target()).region).toBe("eu-west-3");
    expect((await target({ profile: "spaced" })).region).toBe("ap-south-1");
  });

  it("nested (indented) settings do not leak into the profile", async () => {
    home.writeConfig(
      "[profile dev]\ns3 =\n  region = us-east-1\n  max_concurrent_requests = 10\nregion = eu-central-1\n\n[profile nested-only]\ns3 =\n  region = us-east-1\n",
    );
    expect((await target({ profile: "dev" })).region).toBe("eu-central-1");
    expect((await target({ profile: "nested-only" })).region).toBeUndefined();
  });

  it("keys are case-sensitive, as the SDK reads them", async () => {
    home.writeConfig("[profile dev]\nRegion = eu-south-1\nSTS_Regional_Endpoints = legacy\n");
    const t = await target({ profile: "dev" });
    expect(t.region).toBeUndefined();
    expect(t.endpointSettings.mode).toBe("regional");
  });

  it("a config-file section without the `profile ` prefix is not a profile (except default)", async () => {
    home.writeConfig("[dev]\nregion = eu-west-1\n");
    const t = await target({ profile: "dev" });
    expect([t.profileExists, t.region]).toEqual([false, undefined]);
  });

  it("a `[profile x]` section in the credentials file is not profile x", async () => {
    home.writeCredentials("[profile dev]\nregion = eu-west-1\n");
    expect((await target({ profile: "dev" })).profileExists).toBe(false);
  });

  it("the last of two same-named sections' values win, the rest are kept", async () => {
    home.writeConfig(
      "[profile dev]\nregion = eu-west-1\nuse_fips_endpoint = true\n[profile other]\nregion = us-east-2\n[profile dev]\nregion = us-west-1\n",
    );
    const t = await target({ profile: "dev" });
    expect(t.endpoint.host).toBe("sts-fips.us-west-1.amazonaws.com");
  });

  it("a config path that is a directory is refused", async () => {
    await expect(
      resolveTarget({ clusterId: "prod" }, hermeticEnv(home.home, { AWS_CONFIG_FILE: home.home })),
    ).rejects.toThrow(
      `the AWS config file ${JSON.stringify(home.home)} (from AWS_CONFIG_FILE) is a directory, not a regular file`,
    );
  });

  it("a missing config path reads as empty", async () => {
    const t = await resolveTarget(
      { clusterId: "prod" },
      hermeticEnv(home.home, { AWS_CONFIG_FILE: `${home.home}/absent` }),
    );
    expect([t.region, t.profileExists]).toEqual([undefined, false]);
  });
});
