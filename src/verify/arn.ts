/**
 * ARNs as the EKS API server maps them: an STS assumed-role ARN becomes its IAM role ARN, the
 * identity the server (and aws-auth or access entries) match against.
 */
import { quote } from "../quote.js";
import { PARTITIONS } from "../token/sts-host.js";

const KNOWN_PARTITIONS: ReadonlySet<string> = new Set(PARTITIONS.map((p) => p.name));

/**
 * The server's identity mapping: an STS assumed-role ARN becomes the IAM role ARN (path kept,
 * session dropped); IAM users, roles, root and federated users stay as they are.
 * Throws on anything that is not an identity ARN of a known partition.
 */
export function canonicalArn(arn: string): string {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") throw new Error(`ARN ${quote(arn)} is not a valid ARN`);
  const [, partition = "", service = "", , account = ""] = parts;
  const resource = parts.slice(5).join(":");
  if (!KNOWN_PARTITIONS.has(partition))
    throw new Error(`ARN ${quote(arn)} has an unknown partition ${quote(partition)}`);
  const segments = resource.split("/");
  const type = segments[0];
  if (service === "sts") {
    if (type === "federated-user") return arn;
    if (type === "assumed-role") {
      if (segments.length < 3) {
        throw new Error(`assumed-role ARN ${quote(arn)} does not name a role and a session`);
      }
      return `arn:${partition}:iam::${account}:role/${segments.slice(1, -1).join("/")}`;
    }
    throw new Error(`ARN ${quote(arn)} is not an STS identity (assumed-role or federated-user)`);
  }
  if (service === "iam" && (type === "role" || type === "user" || type === "root")) return arn;
  throw new Error(`ARN ${quote(arn)} is not an IAM identity (user, role, root or assumed role)`);
}
