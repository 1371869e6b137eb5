/**
 * Checks on every input that reaches a header, a host name, an STS parameter or a file name.
 * Each throws an EksTokenError that says what is wrong and what a valid value looks like.
 */
import { EksTokenError } from "./errors.js";
import { ASTRAL_FORMATS, CONTROLS, FORMATS, quote } from "./quote.js";

// Whitespace, control characters (Unicode Cc) and the invisible format characters (Cf) a name
// could hide.
const CONTROL_OR_SPACE = new RegExp(`[\\s${CONTROLS}${FORMATS}]|${ASTRAL_FORMATS}`);
const CONTROL_OR_BRACKET = new RegExp(`[${CONTROLS}\\[\\]]`);

/** The cluster id travels in the signed x-k8s-aws-id header; EKS names are at most 100 characters. */
export function validateClusterId(value: string | undefined): string {
  if (value === undefined || value === "") {
    throw new EksTokenError(
      "usage",
      "missing cluster name",
      "pass --cluster-name NAME (or -i NAME), or set KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID",
    );
  }
  if (value.length > 255) {
    throw new EksTokenError(
      "invalid-input",
      `invalid cluster name: ${value.length} characters`,
      "a cluster name or id has at most 255 characters",
    );
  }
  if (CONTROL_OR_SPACE.test(value)) {
    throw new EksTokenError(
      "invalid-input",
      `invalid cluster name ${quote(value)}: it contains whitespace or control characters`,
      "use the cluster's name as EKS shows it (letters, digits, dashes and underscores)",
    );
  }
  return value;
}

/** One DNS label: a region becomes part of a host name. */
const REGION_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export function isRegionName(value: string): boolean {
  return value.length <= 63 && REGION_LABEL.test(value);
}

export function validateRegion(region: string): string {
  if (!isRegionName(region)) {
    throw new EksTokenError(
      "invalid-input",
      `invalid region ${quote(region)}`,
      "a region is one DNS label such as us-west-2 (lowercase letters, digits and dashes)",
    );
  }
  return region;
}

/**
 * The partitions an ARN may name: the ids in the AWS SDK's partitions data
 * (@aws-sdk/core, util-endpoints partitions), which test/validate.test.ts compares with this list.
 */
export const ARN_PARTITIONS: readonly string[] = [
  "aws",
  "aws-cn",
  "aws-us-gov",
  "aws-iso",
  "aws-iso-b",
  "aws-iso-e",
  "aws-iso-f",
  "aws-eusc",
];

export function isArnPartition(value: string): boolean {
  return ARN_PARTITIONS.includes(value);
}

/** IAM's own limits: a 12-digit account, a path and name of [\w+=,.@/-], 512 characters at most. */
const ROLE_ARN = /^arn:([a-z-]+):iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

export function validateRoleArn(value: string): string {
  const partition = ROLE_ARN.exec(value)?.[1];
  if (partition === undefined || !isArnPartition(partition)) {
    throw new EksTokenError(
      "invalid-input",
      `malformed role ARN ${quote(value)}`,
      `expected arn:aws:iam::123456789012:role/NAME, the partition (aws there) one of ${ARN_PARTITIONS.join(", ")}`,
    );
  }
  return value;
}

/** STS RoleSessionName: 2-64 of [\w+=,.@-]. */
export function validateSessionName(value: string): string {
  if (!/^[\w+=,.@-]{2,64}$/.test(value)) {
    throw new EksTokenError(
      "invalid-input",
      `invalid session name ${quote(value)}`,
      "use 2 to 64 characters of letters, digits and +=,.@_-",
    );
  }
  return value;
}

/** STS ExternalId: 2-1224 of [\w+=,.@:/-]. */
export function validateExternalId(value: string): string {
  if (!/^[\w+=,.@:/-]{2,1224}$/.test(value)) {
    throw new EksTokenError(
      "invalid-input",
      "invalid external id",
      "use 2 to 1224 characters of letters, digits and +=,.@:/_-",
    );
  }
  return value;
}

/** A profile name selects an ini section; refuse what no ini file can hold. */
export function validateProfileName(value: string): string {
  if (value.length > 256 || CONTROL_OR_BRACKET.test(value) || value.trim() !== value || value === "") {
    throw new EksTokenError(
      "invalid-input",
      `invalid profile name ${quote(value)}`,
      "use the name of a profile in ~/.aws/config",
    );
  }
  return value;
}

/** An AWS account id: exactly 12 digits (it reaches the SSO portal's query string). */
export function validateAccountId(value: string, flag = "--sso-account-id"): string {
  if (!/^\d{12}$/.test(value)) {
    throw new EksTokenError("invalid-input", `invalid ${flag} ${quote(value)}`, "an AWS account id is 12 digits");
  }
  return value;
}

/** An IAM Identity Center permission set (the role's name in the portal): 1-32 of [\w+=,.@-]. */
export function validateSsoRoleName(value: string, flag = "--sso-role-name"): string {
  if (!/^[\w+=,.@-]{1,32}$/.test(value)) {
    throw new EksTokenError(
      "invalid-input",
      `invalid ${flag} ${quote(value)}`,
      "a permission set name is 1 to 32 letters, digits and +=,.@_-",
    );
  }
  return value;
}

/** An sso-session name selects a config section and names a token file; nothing an ini file cannot hold. */
export function validateSsoSessionName(value: string, flag = "--sso-session"): string {
  if (!/^[\w+=,.@:-]{1,128}$/.test(value)) {
    throw new EksTokenError(
      "invalid-input",
      `invalid ${flag} ${quote(value)}`,
      "use the name of an [sso-session NAME] section in ~/.aws/config (letters, digits and +=,.@:_-)",
    );
  }
  return value;
}

/** An IAM Identity Center start URL: https, a host, no user or password, at most 1024 characters. */
export function validateSsoStartUrl(value: string, flag = "--sso-start-url"): string {
  let url: URL | undefined;
  try {
    url = value.length <= 1024 && !CONTROL_OR_SPACE.test(value) ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url?.protocol !== "https:" || url.hostname === "" || url.username !== "" || url.password !== "") {
    throw new EksTokenError(
      "invalid-input",
      // Shown without what may be a password: only whether it parsed.
      `invalid ${flag}: ${url && (url.username || url.password) ? "a URL with a user or password" : quote(value)}`,
      "pass the https start URL of IAM Identity Center, such as https://my-org.awsapps.com/start",
    );
  }
  return value;
}
