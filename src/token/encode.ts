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
  if (body.length === 0 || !isBase64Url(body) || body.length % 4 === 1) return undefined;
  return Buffer.from(body, "base64url").toString("utf8");
}

/** Only `A-Z a-z 0-9 - _`: a loop, where a regular expression's first use costs the hit path more. */
function isBase64Url(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ok =
      (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
    if (!ok) return false;
  }
  return true;
}
