/**
 * Removes secrets from any text bound for stderr: tokens, signatures, session tokens, secret keys.
 * Access key ids stay: they identify, they do not authenticate.
 */
const PATTERNS: readonly [RegExp, string][] = [
  [/k8s-aws-v1\.[A-Za-z0-9_-]+/g, "k8s-aws-v1.<redacted>"],
  [/(X-Amz-Signature=)[0-9a-fA-F]+/gi, "$1<redacted>"],
  [/(X-Amz-Security-Token=)[^&\s"']+/gi, "$1<redacted>"],
  [/(Signature=)[0-9a-fA-F]{64}/g, "$1<redacted>"],
  [
    /((?<![\w-])"?(?:secretAccessKey|SecretAccessKey|aws_secret_access_key|AWS_SECRET_ACCESS_KEY|sessionToken|SessionToken|aws_session_token|AWS_SESSION_TOKEN|accessToken|token)"?\s*[:=]\s*"?)[^"\s,}]+/g,
    "$1<redacted>",
  ],
  // A bare 40-character secret key or a long session token that slipped through unlabelled.
  [/(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g, "<redacted>"],
  [/[A-Za-z0-9/+=]{100,}/g, "<redacted>"],
];

export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
