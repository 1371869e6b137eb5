/** Turns what the SDK throws into one EksTokenError that says what failed and what to do (the SDK's error kept as its cause, for --debug). */
import { EksTokenError, isEksTokenError } from "../errors.js";
import { escapeControls, quote, shellJoin, shorten } from "../quote.js";
import { displayUrl, redact } from "../redact.js";
import { stsRedirectError } from "./sts-client.js";
import type { TokenTarget } from "./target.js";
import type { Env } from "../env.js";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

export interface FailureContext {
  readonly env: Env;
  /** Why the chain's last tried link failed, when the SDK said so (in its debug log). */
  readonly lastFailure?: string | undefined;
  /** Every failure of the chain's links, in order. */
  readonly failures?: readonly string[] | undefined;
}

export function describeCredentialError(e: unknown, target: TokenTarget, context?: FailureContext): EksTokenError {
  if (isEksTokenError(e)) return e;
  const err = (e ?? {}) as {
    name?: string;
    message?: string;
    code?: string;
    Code?: string;
    $metadata?: { httpStatusCode?: number };
    $response?: { headers?: Record<string, string | undefined> };
  };
  const name = err.name ?? err.Code ?? "";
  const message = redact(firstLine(err.message ?? String(e)));
  const profile = target.profileName;

  if (/Could not load credentials from any providers/i.test(message)) {
    const processFailure = credentialProcessFailure(context?.failures ?? []);
    if (processFailure) {
      return new EksTokenError(
        "no-credentials",
        `credential_process of a source profile of "${profile}" failed: ${processFailure}`,
        `check the credential_process of the profiles that "${profile}" names in ${escapeControls(target.configPath)}`,
        { cause: e },
      );
    }
    const remote = explicitEndpoint(context?.env);
    if (remote) {
      const why = context?.lastFailure ? ` (${redact(firstLine(context.lastFailure))})` : "";
      return new EksTokenError(
        "no-credentials",
        `the ${remote.name} at ${displayUrl(remote.url)} gave no credentials${why}`,
        `${remote.check}, or unset ${remote.variable}`,
        { cause: e },
      );
    }
    return new EksTokenError(
      "no-credentials",
      `no AWS credentials found (tried ${sourcesTried(target)})`,
      target.profileExplicit
        ? `set up profile ${quote(profile)} with \`${shellJoin(["aws", "configure", "--profile", profile])}\`, or \`${shellJoin(["aws", "sso", "login", "--profile", profile])}\` for SSO`
        : "run `aws configure`, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pick a profile with --profile (`aws sso login --profile P` for SSO)",
      { cause: e },
    );
  }
  if (/sso/i.test(message) && /expired|invalid|refresh|login/i.test(message)) {
    return new EksTokenError(
      "sso-expired",
      `the SSO session for profile "${profile}" has expired or is invalid`,
      `run \`${shellJoin(["aws", "sso", "login", "--profile", profile])}\``,
      { cause: e },
    );
  }
  if (/could not be found|not found in|Profile .* (could not|was not)/i.test(message) && /profile/i.test(message)) {
    return new EksTokenError(
      "unknown-profile",
      message,
      `check the profile's name and its source_profile in ${escapeControls(target.configPath)}`,
      { cause: e },
    );
  }
  if (/multi-?factor|MFA/i.test(message) && name !== "AccessDenied") {
    return new EksTokenError("mfa", message, "run the command in a terminal so the MFA code can be asked for", {
      cause: e,
    });
  }
  if (name === "AccessDenied" || /not authorized to perform: sts:AssumeRole/i.test(message)) {
    const role = target.roleArn ?? target.profileRoleArn ?? "the role";
    return new EksTokenError(
      "assume-role",
      `AssumeRole of ${role} was denied: ${message}`,
      "check that the role's trust policy allows this identity and that the identity may call sts:AssumeRole",
      { cause: e },
    );
  }
  if (name === "ExpiredToken" || name === "ExpiredTokenException") {
    return new EksTokenError("sts", `the source credentials have expired (${message})`, refreshHint(target), {
      cause: e,
    });
  }
  if (name === "InvalidClientTokenId" || name === "SignatureDoesNotMatch" || name === "UnrecognizedClientException") {
    return new EksTokenError("sts", `STS rejected the source credentials (${name}: ${message})`, refreshHint(target), {
      cause: e,
    });
  }
  if (name === "Throttling" || name === "ThrottlingException") {
    return new EksTokenError("sts", `STS throttled the request (${message})`, "wait a moment and try again", {
      cause: e,
    });
  }
  if (
    name === "TimeoutError" ||
    name === "AbortError" ||
    (err.code && NETWORK_CODES.has(err.code)) ||
    /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b|socket hang up|timed? ?out/i.test(
      message,
    )
  ) {
    return new EksTokenError(
      "network",
      `could not reach an AWS endpoint while getting credentials (${message})`,
      "check the network, proxy settings and AWS_ENDPOINT_URL_STS",
      { cause: e },
    );
  }
  const status = err.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 300 && status < 400) {
    const error = stsRedirectError(status, err.$response?.headers?.location, "STS (AssumeRole)");
    return new EksTokenError(error.code, error.message, error.hint, { cause: e });
  }
  return new EksTokenError(
    "no-credentials",
    `could not get AWS credentials: ${name && name !== "Error" ? `${name}: ` : ""}${message}${status ? ` (HTTP ${status})` : ""}`,
    "run with --debug for details",
    { cause: e },
  );
}

/** A credentials endpoint the environment names explicitly: its failure is the story to tell. */
function explicitEndpoint(
  env: Env | undefined,
): { name: string; url: string; variable: string; check: string } | undefined {
  if (!env) return undefined;
  const container = {
    name: "container credentials endpoint",
    check: "check that it is up and that AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE) is right",
  };
  const full = env["AWS_CONTAINER_CREDENTIALS_FULL_URI"];
  if (full) return { ...container, url: full, variable: "AWS_CONTAINER_CREDENTIALS_FULL_URI" };
  const relative = env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"];
  if (relative)
    return { ...container, url: `http://169.254.170.2${relative}`, variable: "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" };
  const imds = env["AWS_EC2_METADATA_SERVICE_ENDPOINT"];
  if (imds && env["AWS_EC2_METADATA_DISABLED"] !== "true") {
    return {
      name: "instance metadata endpoint",
      url: imds,
      variable: "AWS_EC2_METADATA_SERVICE_ENDPOINT",
      check: "check that it is up and answers IMDSv2",
    };
  }
  return undefined;
}

function refreshHint(target: TokenTarget): string {
  return target.profileExplicit
    ? `refresh the credentials of profile ${quote(target.profileName)} (\`${shellJoin(["aws", "sso", "login", "--profile", target.profileName])}\` for SSO)`
    : "refresh the credentials in the environment or ~/.aws/credentials";
}

function sourcesTried(target: TokenTarget): string {
  const sources = [
    target.profileExplicit ? undefined : "environment variables",
    `profile "${target.profileName}" in ${escapeControls(target.configPath)} and ${escapeControls(target.credentialsPath)}`,
    "SSO, credential_process",
    "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)",
    "container credentials (AWS_CONTAINER_CREDENTIALS_*)",
    "instance metadata",
  ];
  return sources.filter(Boolean).join(", ");
}

/**
 * A credential_process the SDK ran (for a role profile's source_profile) and that failed, as its
 * debug line tells: "Command failed: CMD" and the command's stderr, or the SDK's own check.
 */
function credentialProcessFailure(failures: readonly string[]): string | undefined {
  const failure = failures.find(
    (f) => f.startsWith("Command failed") || (/credential_process/.test(f) && !/did not contain/.test(f)),
  );
  if (!failure) return undefined;
  const lines = failure
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines[0]?.startsWith("Command failed"))
    return shorten(redact(lines[1] ?? "the command exited with an error"), 160);
  return shorten(redact((lines[0] ?? "").replace(/\.$/, "")), 160);
}

function firstLine(text: string): string {
  return (text.split("\n").find((l) => l.trim() !== "") ?? text).trim();
}
