/** The process environment as every layer sees it: passed in, never read from `process` below src/cli. */
import { join } from "node:path";

export type Env = Readonly<Record<string, string | undefined>>;

/** A yes/no variable such as EKS_TOKEN_DEBUG: 1, true, yes or on (any case) mean yes. */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

/**
 * The user's home, as the AWS SDK finds it. node:os is fetched only when neither variable is set:
 * loading it costs the native executable's cache hit about half a millisecond.
 */
export function homeDir(env: Env): string {
  return env["HOME"] || env["USERPROFILE"] || process.getBuiltinModule("node:os").homedir();
}

/** `~/` (only that, as in the AWS SDK's loader) at the start of a path is the home directory. */
export function expandHome(path: string, env: Env): string {
  return path.startsWith("~/") ? join(homeDir(env), path.slice(2)) : path;
}
