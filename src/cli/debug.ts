/** Whether this call asked for --debug (the flag, or EKS_TOKEN_DEBUG): the one place that decides. */
import { isTrue, type Env } from "../env.js";

export function debugRequested(argv: readonly string[], env: Env): boolean {
  return argv.includes("--debug") || isTrue(env["EKS_TOKEN_DEBUG"]);
}
