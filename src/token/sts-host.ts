/**
 * Which STS host a token is signed for, and the region it is signed in (docs/contract.md, "STS hosts").
 * The server checks the host against the partitions' suffixes, so this table is shared with
 * the verifier.
 */
import { EksTokenError } from "../errors.js";
import { isRegionName, validateRegion } from "../validate.js";

export interface Partition {
  readonly name: string;
  /** Does a region name belong to this partition? */
  readonly regions: RegExp;
  readonly dnsSuffix: string;
  readonly dualStackDnsSuffix?: string;
}

// Order matters: the first match wins, and `aws` is the fallback for unknown region shapes.
export const PARTITIONS: readonly Partition[] = [
  {
    name: "aws-cn",
    regions: /^cn-/,
    dnsSuffix: "amazonaws.com.cn",
    dualStackDnsSuffix: "api.amazonwebservices.com.cn",
  },
  { name: "aws-us-gov", regions: /^us-gov-/, dnsSuffix: "amazonaws.com", dualStackDnsSuffix: "api.aws" },
  { name: "aws-iso-b", regions: /^us-isob-/, dnsSuffix: "sc2s.sgov.gov" },
  { name: "aws-iso-e", regions: /^eu-isoe-/, dnsSuffix: "cloud.adc-e.uk" },
  { name: "aws-iso-f", regions: /^us-isof-/, dnsSuffix: "csp.hci.ic.gov" },
  { name: "aws-iso", regions: /^us-iso-/, dnsSuffix: "c2s.ic.gov" },
  { name: "aws-eusc", regions: /^eusc-/, dnsSuffix: "amazonaws.eu", dualStackDnsSuffix: "api.amazonwebservices.eu" },
  { name: "aws", regions: /^/, dnsSuffix: "amazonaws.com", dualStackDnsSuffix: "api.aws" },
];

export const GLOBAL_STS_HOST = "sts.amazonaws.com";
export const GLOBAL_SIGNING_REGION = "us-east-1";

/** Regions that AWS CLI v1's legacy mode sends to the global endpoint. */
export const LEGACY_GLOBAL_REGIONS: ReadonlySet<string> = new Set([
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
]);

export type RegionalMode = "regional" | "legacy";

export interface StsEndpointOptions {
  /** undefined when no region is configured anywhere: the global endpoint. */
  readonly region: string | undefined;
  readonly mode?: RegionalMode;
  readonly fips?: boolean;
  readonly dualStack?: boolean;
}

export interface StsEndpoint {
  readonly host: string;
  readonly signingRegion: string;
  readonly partition: string;
}

export function partitionOf(region: string): Partition {
  // The last entry matches everything, so this never returns undefined.
  return PARTITIONS.find((p) => p.regions.test(region)) as Partition;
}

export function stsEndpoint(options: StsEndpointOptions): StsEndpoint {
  const { region, mode = "regional", fips = false, dualStack = false } = options;
  if (region === undefined) {
    return { host: GLOBAL_STS_HOST, signingRegion: GLOBAL_SIGNING_REGION, partition: "aws" };
  }
  validateRegion(region);
  // aws-global is the SDKs' name for the global endpoint itself.
  if (region === "aws-global" || (mode === "legacy" && !fips && !dualStack && LEGACY_GLOBAL_REGIONS.has(region))) {
    return { host: GLOBAL_STS_HOST, signingRegion: GLOBAL_SIGNING_REGION, partition: "aws" };
  }
  const partition = partitionOf(region);
  const service = fips && (dualStack || partition.name !== "aws-us-gov") ? "sts-fips" : "sts"; // GovCloud's FIPS host is sts.REGION.amazonaws.com (SDKs' STS rules)
  let suffix = partition.dnsSuffix;
  if (dualStack) {
    if (!partition.dualStackDnsSuffix) {
      throw new EksTokenError(
        "invalid-input",
        `dual-stack STS endpoints do not exist in partition ${partition.name} (region ${region})`,
        "unset AWS_USE_DUALSTACK_ENDPOINT or use_dualstack_endpoint",
      );
    }
    suffix = partition.dualStackDnsSuffix;
  }
  return { host: `${service}.${region}.${suffix}`, signingRegion: region, partition: partition.name };
}

/** Every host the server-side check accepts: sts[-fips].REGION.SUFFIX and the global host. */
export function isStsHost(host: string): { ok: true; region: string; partition: string } | { ok: false } {
  if (host === GLOBAL_STS_HOST) return { ok: true, region: GLOBAL_SIGNING_REGION, partition: "aws" };
  const m = /^sts(?:-fips)?\.([a-z0-9-]+)\.(.+)$/.exec(host);
  if (!m) return { ok: false };
  const [, region = "", suffix] = m;
  if (!isRegionName(region)) return { ok: false };
  const partition = partitionOf(region);
  if (suffix === partition.dnsSuffix || suffix === partition.dualStackDnsSuffix) {
    return { ok: true, region, partition: partition.name };
  }
  return { ok: false };
}
