/** The process environment as every layer sees it: passed in, never read from `process` below src/cli. */
import { homedir } from "node:os";

export type Env = Readonly<Record<string, string | undefined>>;

/** A yes/no variable such as EKS_TOKEN_DEBUG: 1, true, yes or on (any case) mean yes. */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

/** The user's home, as the AWS SDK finds it. */
export function homeDir(env: Env): string {
  return env["HOME"] || env["USERPROFILE"] || homedir();
}
