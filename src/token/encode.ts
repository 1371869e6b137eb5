/** The token format (docs/contract.md, "Token format"): `k8s-aws-v1.` + unpadded base64url of a presigned URL. */
export const TOKEN_PREFIX = "k8s-aws-v1.";
/** The header every token signs, binding it to one cluster. */
export const CLUSTER_ID_HEADER = "x-k8s-aws-id";
/** The largest token the server accepts. */
export const MAX_TOKEN_LENGTH = 4096;

export function encodeToken(presignedUrl: string): string {
  return TOKEN_PREFIX + Buffer.from(presignedUrl, "utf8").toString("base64url");
}

/**
 * The presigned URL inside a token, or undefined when it is not one of ours in shape.
 * Strict: only the URL-safe alphabet without padding, as the server decodes it.
 */
export function decodeToken(token: string): string | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const body = token.slice(TOKEN_PREFIX.length);
  if (body.length === 0 || !/^[A-Za-z0-9_-]+$/.test(body) || body.length % 4 === 1) return undefined;
  return Buffer.from(body, "base64url").toString("utf8");
}
