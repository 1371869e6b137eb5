/**
 * Checks on every input that reaches a header, a host name, an STS parameter or a file name.
 * Each throws an EksTokenError that says what is wrong and what a valid value looks like.
 */
import { EksTokenError } from "./errors.js";

// Whitespace, control characters (Unicode Cc) and the invisible format characters (Cf) a name
// could hide. Spelled out: a \p{...} class costs the cache-hit path a tenth of a millisecond.
const CONTROLS = "\\x00-\\x1f\\x7f-\\x9f";
const FORMATS =
  "\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb";
// Format characters beyond the BMP, as UTF-16 surrogate pairs (tag characters among them).
const ASTRAL_FORMATS =
  "\\uD804[\\uDCBD\\uDCCD]|\\uD80D[\\uDC30-\\uDC3F]|\\uD82F[\\uDCA0-\\uDCA3]|\\uD834[\\uDD73-\\uDD7A]|\\uDB40[\\uDC01\\uDC20-\\uDC7F]";
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
      `invalid cluster name ${JSON.stringify(value)}: it contains whitespace or control characters`,
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
      `invalid region ${JSON.stringify(region)}`,
      "a region is one DNS label such as us-west-2 (lowercase letters, digits and dashes)",
    );
  }
  return region;
}

/** IAM's own limits: a 12-digit account, a path and name of [\w+=,.@/-], 512 characters at most. */
const ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

export function validateRoleArn(value: string): string {
  if (!ROLE_ARN.test(value)) {
    throw new EksTokenError(
      "invalid-input",
      `malformed role ARN ${JSON.stringify(value)}`,
      "expected arn:aws:iam::123456789012:role/NAME (or another partition's arn:aws-...:iam:: form)",
    );
  }
  return value;
}

/** STS RoleSessionName: 2-64 of [\w+=,.@-]. */
export function validateSessionName(value: string): string {
  if (!/^[\w+=,.@-]{2,64}$/.test(value)) {
    throw new EksTokenError(
      "invalid-input",
      `invalid session name ${JSON.stringify(value)}`,
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
      `invalid profile name ${JSON.stringify(value)}`,
      "use the name of a profile in ~/.aws/config",
    );
  }
  return value;
}
