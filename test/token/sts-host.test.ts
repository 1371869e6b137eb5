// Which STS host a token is signed for (docs/contract.md, "STS hosts"). The host is checked by the server
// against each partition's DNS suffix, and the region becomes part of a host name.
import { describe, expect, it } from "vitest";
import { EksTokenError } from "../../src/errors.js";
import {
  GLOBAL_SIGNING_REGION,
  GLOBAL_STS_HOST,
  LEGACY_GLOBAL_REGIONS,
  isStsHost,
  partitionOf,
  stsEndpoint,
} from "../../src/token/sts-host.js";
import { validateRegion as assertValidRegion } from "../../src/validate.js";
import { REGIONAL_HOSTS } from "../support/partition-hosts.js";

const REGIONS = REGIONAL_HOSTS.map(({ region, host, partition }) => [region, host, partition] as const);

/** The 16 regions of docs/contract.md, "STS hosts", written out so a change to the set is noticed. */
const LEGACY = [
  "ap-northeast-1",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "aws-global",
  "ca-central-1",
  "eu-central-1",
  "eu-north-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
];

function thrown(fn: () => unknown): EksTokenError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EksTokenError);
    return e as EksTokenError;
  }
  throw new Error("expected an EksTokenError, nothing was thrown");
}

describe("stsEndpoint: regional hosts of every partition", () => {
  it.each(REGIONS)("%s -> %s", (region, host, partition) => {
    expect(stsEndpoint({ region })).toEqual({ host, signingRegion: region, partition });
    expect(partitionOf(region).name).toBe(partition);
  });

  it("explicit regional mode is the default", () => {
    for (const [region, host] of REGIONS) expect(stsEndpoint({ region, mode: "regional" }).host).toBe(host);
  });
});

describe("stsEndpoint: no region", () => {
  it("is the global host signed for us-east-1", () => {
    expect(stsEndpoint({ region: undefined })).toEqual({
      host: "sts.amazonaws.com",
      signingRegion: "us-east-1",
      partition: "aws",
    });
    expect(GLOBAL_STS_HOST).toBe("sts.amazonaws.com");
    expect(GLOBAL_SIGNING_REGION).toBe("us-east-1");
  });

  it("aws-global names the global endpoint itself, in either mode", () => {
    expect(stsEndpoint({ region: "aws-global" }).host).toBe("sts.amazonaws.com");
    expect(stsEndpoint({ region: "aws-global", mode: "legacy" }).signingRegion).toBe("us-east-1");
  });
});

describe("stsEndpoint: legacy mode", () => {
  it("the legacy set is exactly the 16 regions of AWS CLI v1", () => {
    expect([...LEGACY_GLOBAL_REGIONS].sort()).toEqual([...LEGACY].sort());
  });

  it.each(LEGACY)("%s -> sts.amazonaws.com signed for us-east-1", (region) => {
    expect(stsEndpoint({ region, mode: "legacy" })).toEqual({
      host: "sts.amazonaws.com",
      signingRegion: "us-east-1",
      partition: "aws",
    });
  });

  it.each(["ap-east-1", "me-south-1", "ap-northeast-2", "af-south-1", "eu-south-1"])("%s stays regional", (region) => {
    expect(stsEndpoint({ region, mode: "legacy" })).toEqual({
      host: `sts.${region}.amazonaws.com`,
      signingRegion: region,
      partition: "aws",
    });
  });

  it("other partitions stay regional", () => {
    expect(stsEndpoint({ region: "cn-north-1", mode: "legacy" }).host).toBe("sts.cn-north-1.amazonaws.com.cn");
    expect(stsEndpoint({ region: "us-gov-west-1", mode: "legacy" }).host).toBe("sts.us-gov-west-1.amazonaws.com");
  });

  it("regional mode keeps a legacy region regional", () => {
    expect(stsEndpoint({ region: "us-east-1", mode: "regional" }).host).toBe("sts.us-east-1.amazonaws.com");
    expect(stsEndpoint({ region: "eu-west-1" }).host).toBe("sts.eu-west-1.amazonaws.com");
  });

  it("FIPS and dual-stack take precedence over the global endpoint (as in the SDKs' STS rules)", () => {
    expect(stsEndpoint({ region: "us-east-1", mode: "legacy", fips: true }).host).toBe(
      "sts-fips.us-east-1.amazonaws.com",
    );
    expect(stsEndpoint({ region: "us-west-2", mode: "legacy", dualStack: true }).host).toBe("sts.us-west-2.api.aws");
  });
});

describe("stsEndpoint: FIPS and dual-stack", () => {
  it("FIPS: sts-fips.REGION.SUFFIX signed for the region", () => {
    expect(stsEndpoint({ region: "us-east-1", fips: true })).toEqual({
      host: "sts-fips.us-east-1.amazonaws.com",
      signingRegion: "us-east-1",
      partition: "aws",
    });
    expect(stsEndpoint({ region: "us-west-2", fips: true }).host).toBe("sts-fips.us-west-2.amazonaws.com");
    expect(stsEndpoint({ region: "cn-north-1", fips: true }).host).toBe("sts-fips.cn-north-1.amazonaws.com.cn");
  });

  it("FIPS in GovCloud is the regional host, which is the FIPS endpoint there (botocore and the JS SDK agree)", () => {
    // Both SDKs' STS endpoint rules: UseFIPS && partition aws-us-gov -> https://sts.{Region}.amazonaws.com.
    expect(stsEndpoint({ region: "us-gov-west-1", fips: true }).host).toBe("sts.us-gov-west-1.amazonaws.com");
    expect(stsEndpoint({ region: "us-gov-east-1", fips: true }).host).toBe("sts.us-gov-east-1.amazonaws.com");
    // With dual-stack as well, the rules give the sts-fips dual-stack host.
    expect(stsEndpoint({ region: "us-gov-west-1", fips: true, dualStack: true }).host).toBe(
      "sts-fips.us-gov-west-1.api.aws",
    );
  });

  it("dual-stack: the partition's dual-stack suffix", () => {
    expect(stsEndpoint({ region: "us-east-1", dualStack: true })).toEqual({
      host: "sts.us-east-1.api.aws",
      signingRegion: "us-east-1",
      partition: "aws",
    });
    expect(stsEndpoint({ region: "us-gov-west-1", dualStack: true }).host).toBe("sts.us-gov-west-1.api.aws");
    expect(stsEndpoint({ region: "cn-north-1", dualStack: true }).host).toBe(
      "sts.cn-north-1.api.amazonwebservices.com.cn",
    );
    expect(stsEndpoint({ region: "cn-northwest-1", dualStack: true }).host).toBe(
      "sts.cn-northwest-1.api.amazonwebservices.com.cn",
    );
    expect(stsEndpoint({ region: "eusc-de-east-1", dualStack: true }).host).toBe(
      "sts.eusc-de-east-1.api.amazonwebservices.eu",
    );
  });

  it("FIPS and dual-stack together", () => {
    expect(stsEndpoint({ region: "us-east-1", fips: true, dualStack: true }).host).toBe("sts-fips.us-east-1.api.aws");
  });

  it.each(["us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1"])(
    "dual-stack in %s is refused",
    (region) => {
      const e = thrown(() => stsEndpoint({ region, dualStack: true }));
      expect(e.code).toBe("invalid-input");
      expect(e.message).toContain("dual-stack STS endpoints do not exist in partition");
      expect(e.message).toContain(region);
      expect(e.hint).toContain("AWS_USE_DUALSTACK_ENDPOINT");
    },
  );
});

describe("invalid regions are refused before they reach a host name", () => {
  const INVALID: ReadonlyArray<readonly [string, string]> = [
    ["a host name", "us-west-2.evil.com"],
    ["upper case", "US-WEST-2"],
    ["leading dash", "-a"],
    ["trailing dash", "a-"],
    ["empty", ""],
    ["64 characters", "a".repeat(64)],
    ["a space", "us west"],
    ["a slash", "us-west-2/"],
    ["unicode", "us-wést-2"],
    ["a fullwidth digit", "us-west-２"],
    ["a port", "us-west-2:443"],
    ["an at sign", "evil.com@us-west-2"],
    ["a newline", "us-west-2\n"],
  ];

  it.each(INVALID)("%s: %j", (_label, region) => {
    const e = thrown(() => stsEndpoint({ region }));
    expect(e.code).toBe("invalid-input");
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`invalid region ${JSON.stringify(region)}`);
    expect(e.hint).toContain("one DNS label");
    // The same check stands on its own, with FIPS, dual-stack and legacy too.
    expect(() => assertValidRegion(region)).toThrow(EksTokenError);
    expect(() => stsEndpoint({ region, fips: true })).toThrow(/invalid region/);
    expect(() => stsEndpoint({ region, dualStack: true })).toThrow(/invalid region/);
    expect(() => stsEndpoint({ region, mode: "legacy" })).toThrow(/invalid region/);
  });

  it("63 characters is one DNS label and is accepted", () => {
    const region = "a".repeat(63);
    expect(stsEndpoint({ region }).host).toBe(`sts.${region}.amazonaws.com`);
    expect(stsEndpoint({ region: "x" }).host).toBe("sts.x.amazonaws.com");
  });
});

describe("isStsHost: the server-side host check", () => {
  const produced = new Set<string>([GLOBAL_STS_HOST]);
  for (const [region] of REGIONS) {
    for (const fips of [false, true]) {
      for (const dualStack of [false, true]) {
        try {
          produced.add(stsEndpoint({ region, fips, dualStack }).host);
        } catch {
          // dual-stack is refused in the ISO partitions
        }
      }
    }
  }

  it("accepts every host stsEndpoint produces", () => {
    expect(produced.size).toBeGreaterThan(40);
    for (const host of produced) expect(isStsHost(host), host).toMatchObject({ ok: true });
  });

  it("reports the region and partition of a host", () => {
    expect(isStsHost("sts.amazonaws.com")).toEqual({ ok: true, region: "us-east-1", partition: "aws" });
    expect(isStsHost("sts.cn-north-1.amazonaws.com.cn")).toEqual({
      ok: true,
      region: "cn-north-1",
      partition: "aws-cn",
    });
    expect(isStsHost("sts-fips.us-east-1.amazonaws.com")).toEqual({ ok: true, region: "us-east-1", partition: "aws" });
    expect(isStsHost("sts.us-isob-east-1.sc2s.sgov.gov")).toEqual({
      ok: true,
      region: "us-isob-east-1",
      partition: "aws-iso-b",
    });
  });

  it.each([
    "sts.us-west-2.amazonaws.com.evil.com",
    "sts.cn-north-1.amazonaws.com",
    "sts.us-west-2.amazonaws.com.cn",
    "sts.us-iso-east-1.amazonaws.com",
    "sts.us-west-2.c2s.ic.gov",
    "sts.us-iso-east-1.api.aws",
    "evil.com",
    "sts.evil.com",
    "sts.us-west-2.evil.com",
    "iam.us-west-2.amazonaws.com",
    "xsts.us-west-2.amazonaws.com",
    "sts.amazonaws.com.evil.com",
    "STS.US-WEST-2.AMAZONAWS.COM",
    "sts.us-west-2.amazonaws.com:443",
    "sts.us-west-2.amazonaws.com.",
    "sts..amazonaws.com",
    "sts.-a.amazonaws.com",
    "",
  ])("rejects %j", (host) => {
    expect(isStsHost(host)).toEqual({ ok: false });
  });
});
