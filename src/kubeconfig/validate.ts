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

/** An https URL with a host and no user name or password: what a kubeconfig `server` may be. */
export function checkEndpoint(value: string, flag = "--endpoint"): string {
  const problem = endpointProblem(value);
  if (problem) invalid(flag, value, problem, displayUrl(value));
  return value;
}

function endpointProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "expected an https:// URL";
  }
  if (url.protocol !== "https:" || url.hostname === "") return "expected an https:// URL";
  // A password in the kubeconfig would be sent nowhere useful and shown everywhere.
  if (url.username !== "" || url.password !== "" || /^https:\/\/[^/?#]*@/i.test(value)) {
    return "expected an https:// URL without a user name or password";
  }
  return undefined;
}

/** The base64 of one or more PEM certificates, as certificate-authority-data holds. */
export function checkCaData(value: string, flag = "--ca-data"): string {
  const problem = caDataProblem(value);
  if (problem) invalid(flag, value, problem);
  return value;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

function caDataProblem(value: string): string | undefined {
  const expected = "expected the base64 of the cluster's PEM certificate, as in certificate-authority-data";
  if (value.length === 0 || !BASE64.test(value)) return expected;
  if (!PEM_CERTIFICATE.test(Buffer.from(value, "base64").toString("latin1"))) {
    return `${expected}; this decodes to something that is not a PEM certificate`;
  }
  return undefined;
}

export interface AskedCluster {
  readonly name: string;
  readonly region: string;
  /** The account the caller meant, when it knows it (a fleet walk does). */
  readonly account?: string;
}

export interface CheckedCluster {
  readonly arn: ClusterArnParts;
  readonly endpoint: string;
  readonly caData: string;
  readonly outpostClusterId: string | undefined;
}

/**
 * What DescribeCluster returned, held to the rules the flags are held to before any of it is
 * written: an https endpoint without userinfo, a CA that is the base64 of a PEM certificate, an
 * ARN of the cluster, region (and account, when known) that were asked for.
 */
export function checkDescribedCluster(
  answer: {
    readonly arn: string;
    readonly endpoint: string;
    readonly caData: string;
    readonly outpostClusterId?: string | undefined;
  },
  asked: AskedCluster,
): CheckedCluster {
  const where = `DescribeCluster for ${asked.name} in ${asked.region}`;
  const refuse = (what: string): never => {
    throw new EksTokenError(
      "kubeconfig",
      `${where} returned ${what}`,
      "nothing was written; check AWS_ENDPOINT_URL_EKS and the profile's endpoint_url",
    );
  };
  const m = CLUSTER_ARN.exec(answer.arn);
  if (!m || !isArnPartition(m[1]!) || !isRegionName(m[2]!))
    refuse(`an ARN that is not a cluster's: ${quote(answer.arn)}`);
  const arn = { arn: answer.arn, region: m![2]!, account: m![3]!, name: m![4]! };
  if (arn.name !== asked.name) refuse(`the ARN of another cluster: ${quote(answer.arn)}`);
  if (arn.region !== asked.region) refuse(`the ARN of a cluster in another region: ${quote(answer.arn)}`);
  if (asked.account !== undefined && arn.account !== asked.account) {
    refuse(`the ARN of a cluster in another account: ${quote(answer.arn)}`);
  }
  const endpointWrong = endpointProblem(answer.endpoint);
  if (endpointWrong) refuse(`an endpoint that is not usable: ${displayUrl(answer.endpoint)} (${endpointWrong})`);
  const caWrong = caDataProblem(answer.caData);
  if (caWrong)
    refuse(`a certificate authority that is not the base64 of a PEM certificate: ${quote(answer.caData, 40)}`);
  if (answer.outpostClusterId !== undefined && !LOOSE_CLUSTER_ID.test(answer.outpostClusterId)) {
    refuse(`an Outposts cluster id that cannot be passed on: ${quote(answer.outpostClusterId)}`);
  }
  return { arn, endpoint: answer.endpoint, caData: answer.caData, outpostClusterId: answer.outpostClusterId };
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
