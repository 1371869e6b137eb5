/**
 * A profile's `credential_process`, run once with bounds the SDK's own runner lacks: its own time
 * limit, a cap on what it may print, stdin closed. Every way it can fail gets a line naming
 * credential_process and the profile, with the command's first stderr line or what is wrong with
 * its output (docs/contract.md, "Region and credentials"). node:child_process is loaded only when
 * a command runs.
 */
import type { Env } from "../env.js";
import { EksTokenError } from "../errors.js";
import { quote, shorten } from "../quote.js";
import { redact } from "../redact.js";
import type { ProfileSettings } from "./shared-config.js";

/** A credential process gets this long, inside the bound of the whole credentials lookup. */
export const CREDENTIAL_PROCESS_TIMEOUT_MS = 10_000;
/** Credentials JSON is a few kB; a command printing more than this is stopped. */
export const CREDENTIAL_PROCESS_MAX_OUTPUT = 256 * 1024;
// Enough of stderr for its first line.
const MAX_STDERR = 16 * 1024;
const STDERR_LINE_LIMIT = 160;

export interface ProcessCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/**
 * The command the AWS SDK runs for this profile's credentials, when it runs one for the profile
 * itself: resolveProfileData of @aws-sdk/credential-provider-ini tries a role (role_arn with
 * source_profile or credential_source), static keys and web identity first.
 */
export function credentialProcessOf(profile: ProfileSettings): string | undefined {
  const has = (key: string) => typeof profile[key] === "string";
  const role = has("role_arn") && has("source_profile") !== has("credential_source");
  const staticKeys = has("aws_access_key_id") && has("aws_secret_access_key");
  const webIdentity = has("web_identity_token_file") && has("role_arn");
  return role || staticKeys || webIdentity ? undefined : profile["credential_process"];
}

export interface CredentialProcessOptions {
  readonly profileName: string;
  readonly command: string;
  readonly env: Env;
  readonly timeoutMs?: number;
  readonly maxOutputBytes?: number;
}

export async function runCredentialProcess(options: CredentialProcessOptions): Promise<ProcessCredentials> {
  const source = `credential_process of profile "${options.profileName}"`;
  if (options.command.trim() === "") {
    throw new EksTokenError("config", `${source} is empty`, "set it to the command that prints the credentials");
  }
  const timeoutMs = options.timeoutMs ?? CREDENTIAL_PROCESS_TIMEOUT_MS;
  const maxOutput = options.maxOutputBytes ?? CREDENTIAL_PROCESS_MAX_OUTPUT;
  const run = await runBounded(options.command, options.env, timeoutMs, maxOutput);
  if (run.kind === "spawn-error") {
    throw new EksTokenError("no-credentials", `could not start ${source}: ${run.error.message}`, fixHint(options), {
      cause: run.error,
    });
  }
  if (run.kind === "timeout") {
    throw new EksTokenError(
      "timeout",
      `${source} did not finish within ${timeoutMs / 1000} s and was stopped`,
      "check that the command works on its own when run in a shell (it may be waiting for input or for the network)",
    );
  }
  if (run.kind === "overflow") {
    throw new EksTokenError(
      "no-credentials",
      `${source} printed more than ${Math.round(maxOutput / 1024)} kB and was stopped`,
      "it must print one JSON object with the credentials",
    );
  }
  if (run.code !== 0) {
    const how = run.signal ? `was killed by ${run.signal}` : `failed (exit ${run.code})`;
    const line = firstLine(run.stderr);
    throw new EksTokenError(
      "no-credentials",
      `${source} ${how}${line ? `: ${shorten(redact(line), STDERR_LINE_LIMIT)}` : ""}`,
      run.code === 126
        ? "the command is not executable: check its path and permissions (chmod +x)"
        : run.code === 127
          ? "the command was not found: check its path in the profile"
          : "run the command in a shell to see what it needs",
    );
  }
  return parseProcessOutput(options.profileName, run.stdout);
}

/** What the command printed, checked as the AWS CLI and SDKs read it (Version 1). */
export function parseProcessOutput(profileName: string, stdout: string): ProcessCredentials {
  const source = `credential_process of profile "${profileName}"`;
  const shape =
    "it must print one JSON object with Version 1, AccessKeyId and SecretAccessKey (SessionToken and Expiration are optional)";
  const bad = (what: string) => new EksTokenError("no-credentials", `${source} ${what}`, shape);
  const text = stdout.trim();
  if (text === "") throw bad("printed nothing on stdout");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // What it printed is not quoted: it may hold a secret.
    throw bad(`printed ${stdout.length} bytes that are not JSON`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw bad("printed JSON that is not an object");
  const o = data as Record<string, unknown>;
  if (o.Version !== 1) {
    throw bad(o.Version === undefined ? "printed no Version" : `printed Version ${quote(String(o.Version))}, not 1`);
  }
  for (const key of ["AccessKeyId", "SecretAccessKey"] as const) {
    if (typeof o[key] !== "string" || o[key] === "") throw bad(`printed no ${key}`);
  }
  if (o.SessionToken !== undefined && typeof o.SessionToken !== "string")
    throw bad("printed a SessionToken that is not a string");
  let expiration: Date | undefined;
  if (o.Expiration !== undefined && o.Expiration !== null && o.Expiration !== "") {
    expiration = typeof o.Expiration === "string" ? new Date(o.Expiration) : new Date(Number.NaN);
    if (Number.isNaN(expiration.getTime())) throw bad(`printed an Expiration that is not a date`);
    // Expired output, or output about to expire, is refused with every other source's (credentials.ts).
  }
  return {
    accessKeyId: o.AccessKeyId as string,
    secretAccessKey: o.SecretAccessKey as string,
    ...(typeof o.SessionToken === "string" && o.SessionToken !== "" ? { sessionToken: o.SessionToken } : {}),
    ...(expiration ? { expiration } : {}),
  };
}

function fixHint(options: CredentialProcessOptions): string {
  return `check credential_process in profile "${options.profileName}"`;
}

function firstLine(text: string): string {
  return (
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l !== "") ?? ""
  );
}

type Run =
  | { kind: "done"; code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }
  | { kind: "timeout" }
  | { kind: "overflow" }
  | { kind: "spawn-error"; error: Error };

/**
 * Runs the command through the shell, as the SDK's exec does. A command stopped for time or size
 * is killed at once; the shell runs a simple command in its own place (exec), so the kill reaches it.
 */
async function runBounded(command: string, env: Env, timeoutMs: number, maxOutput: number): Promise<Run> {
  const { spawn } = await import("node:child_process");
  const childEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  return new Promise<Run>((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (run: Run) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(run);
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, { shell: true, env: childEnv, stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    } catch (e) {
      finish({ kind: "spawn-error", error: e as Error });
      return;
    }
    const stop = (run: Run) => {
      child.kill("SIGKILL");
      child.stdout?.destroy();
      child.stderr?.destroy();
      finish(run);
    };
    timer = setTimeout(() => stop({ kind: "timeout" }), timeoutMs);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    child.stdout?.on("data", (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxOutput) stop({ kind: "overflow" });
      else out.push(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      if (errBytes < MAX_STDERR) err.push(chunk);
      errBytes += chunk.length;
    });
    child.on("error", (error) => finish({ kind: "spawn-error", error }));
    child.on("close", (code, signal) =>
      finish({
        kind: "done",
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8").slice(0, MAX_STDERR),
      }),
    );
  });
}
