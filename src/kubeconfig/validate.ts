/** Checks on user-supplied values; each throws EksTokenError('invalid-input') naming the flag. */
import { EksTokenError } from "../errors.js";
import { quote } from "../quote.js";
import { displayUrl } from "../redact.js";
import { isArnPartition, isRegionName, validateRoleArn } from "../validate.js";

const EKS_CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
// Passed-through identifiers (Outposts ids, non-EKS authenticator ids) only need to survive argv and a header.
const LOOSE_CLUSTER_ID = /^[\x21-\x7e]{1,255}$/;
const CLUSTER_ARN = /^arn:([a-z-]+):eks:([a-z0-9-]+):(\d{12}):cluster\/(.+)$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Names end up as YAML keys and kubectl arguments; control characters would only cause grief.
const ENTRY_NAME = /^[^\x00-\x1f\x7f]{1,512}$/;

function invalid(flag: string, value: string, expected: string, shown = quote(value)): never {
  throw new EksTokenError("invalid-input", `invalid ${flag} ${shown}`, expected);
}

/** A name DescribeCluster accepts. */
export function checkEksClusterName(value: string, flag = "--cluster-name"): string {
  if (!EKS_CLUSTER_NAME.test(value)) {
    invalid(flag, value, "an EKS cluster name is 1-100 letters, digits, '-' or '_', starting with a letter or digit");
  }
  return value;
}

/** A cluster identifier only written into the exec args, never sent to the EKS API. */
export function checkPassThroughClusterName(value: string, flag = "--cluster-name"): string {
  if (!LOOSE_CLUSTER_ID.test(value)) invalid(flag, value, "expected 1-255 printable characters without spaces");
  return value;
}

export function checkRegion(value: string, flag = "--region"): string {
  if (!isRegionName(value)) invalid(flag, value, "a region is one DNS label such as us-west-2");
  return value;
}

/** The token path's own check: an ARN written into a kubeconfig is one `eks-token token` accepts. */
export function checkRoleArn(value: string): string {
  return validateRoleArn(value);
}

export interface ClusterArnParts {
  readonly arn: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
}

export function parseClusterArn(value: string, flag = "--cluster-arn"): ClusterArnParts {
  const m = CLUSTER_ARN.exec(value);
  if (!m || !isArnPartition(m[1]!)) invalid(flag, value, "expected arn:aws:eks:REGION:123456789012:cluster/NAME");
  return { arn: value, region: checkRegion(m[2]!, flag), account: m[3]!, name: m[4]! };
}

export function checkEndpoint(value: string, flag = "--endpoint"): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    invalid(flag, value, "expected an https:// URL", displayUrl(value));
  }
  if (url.protocol !== "https:" || url.hostname === "")
    invalid(flag, value, "expected an https:// URL", displayUrl(value));
  return value;
}

export function checkCaData(value: string, flag = "--ca-data"): string {
  if (value.length === 0 || !BASE64.test(value)) {
    invalid(flag, value, "expected the base64 of the cluster's PEM certificate, as in certificate-authority-data");
  }
  return value;
}

export function checkEntryName(value: string, flag: string): string {
  if (!ENTRY_NAME.test(value)) invalid(flag, value, "expected a non-empty name without control characters");
  return value;
}

export function checkProfile(value: string, flag = "--profile"): string {
  if (!/^[\x21-\x7e][\x20-\x7e]*$/.test(value) || value.length > 256) {
    invalid(flag, value, "expected the name of a profile in ~/.aws/config");
  }
  return value;
}
