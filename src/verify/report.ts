/**
 * What `eks-token verify` prints: the token's facts (never the token, signature or session
 * token) and, with --sts, the identity STS saw. Pure: the caller writes the strings.
 */
import type { TokenFacts, RuleFailure } from "./rules.js";
import { formatTimestamp } from "../token/expiration.js";
import { formatDuration } from "./duration.js";
import type { StsIdentity } from "./sts.js";
import type { EksTokenError } from "../errors.js";
import { redact } from "../redact.js";

export interface VerifyReport {
  readonly facts: TokenFacts;
  readonly now: Date;
  /** The cluster STS checked the token for, when --sts ran. */
  readonly clusterName?: string;
  readonly identity?: StsIdentity;
}

/** `11m 32s left` or `expired 3m ago`. */
export function timeLeft(expiresAt: Date, now: Date): string {
  const ms = expiresAt.getTime() - now.getTime();
  return ms >= 0 ? `${formatDuration(ms)} left` : `expired ${formatDuration(-ms)} ago`;
}

export function formatText(report: VerifyReport): string {
  const { facts, now, identity } = report;
  const headline = identity
    ? `token: valid, accepted by STS for cluster ${report.clusterName ?? "?"}`
    : "token: valid shape (the server's checks before STS pass; add --sts --cluster-name NAME to ask STS)";
  const rows: Array<[string, string]> = [
    ["STS host", facts.host],
    ["partition", facts.partition],
    ["region", facts.region ?? "(none in X-Amz-Credential)"],
    ["access key id", facts.accessKeyId || "(none)"],
    ["signed at", formatTimestamp(facts.signedAt)],
    ["expires at", `${formatTimestamp(facts.expiresAt)} (${timeLeft(facts.expiresAt, now)})`],
    ["session token", facts.sessionToken ? "present" : "absent"],
    ["signed headers", facts.signedHeaders.join(";")],
    ["X-Amz-Expires", String(facts.expiresParam)],
  ];
  if (identity) {
    rows.push(
      ["account", identity.account],
      ["ARN", identity.arn],
      ["canonical ARN", identity.canonicalArn],
      ["user id", identity.userId],
      ["session name", identity.sessionName ?? "(none)"],
    );
  }
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return `${[headline, ...rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`)].join("\n")}\n`;
}

export function toJson(report: VerifyReport): Record<string, unknown> {
  const { facts, now, identity } = report;
  return {
    valid: true,
    checkedWithSts: identity !== undefined,
    ...(report.clusterName !== undefined && identity ? { clusterName: report.clusterName } : {}),
    stsHost: facts.host,
    partition: facts.partition,
    region: facts.region ?? null,
    accessKeyId: facts.accessKeyId,
    signedAt: formatTimestamp(facts.signedAt),
    expiresAt: formatTimestamp(facts.expiresAt),
    secondsLeft: Math.floor((facts.expiresAt.getTime() - now.getTime()) / 1000),
    sessionToken: facts.sessionToken,
    signedHeaders: facts.signedHeaders,
    xAmzExpires: facts.expiresParam,
    ...(identity
      ? {
          sts: {
            account: identity.account,
            arn: identity.arn,
            canonicalArn: identity.canonicalArn,
            userId: identity.userId,
            sessionName: identity.sessionName ?? null,
          },
        }
      : {}),
  };
}

/** The JSON printed on failure in --output json mode. */
export function failureJson(error: EksTokenError, failure?: RuleFailure): Record<string, unknown> {
  return {
    valid: false,
    code: error.code,
    ...(failure ? { rule: failure.rule } : {}),
    message: redact(error.message),
    ...(error.hint ? { hint: redact(error.hint) } : {}),
  };
}
