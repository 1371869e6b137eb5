/** What the token pipeline is given: the ports it uses, a logger, and what a library caller may replace. */
import type { CredentialsInput } from "../aws/credentials.js";
import type { MfaCodeProvider } from "../aws/mfa-prompt.js";
import type { Logger } from "../logger.js";
import type { Ports } from "./ports.js";

export interface TokenDeps extends Pick<Ports, "env" | "now" | "stderr" | "terminal" | "caller"> {
  readonly log: Logger;
  /** Credentials given by a library caller instead of the default chain. */
  readonly credentials?: CredentialsInput | undefined;
  /** Asked for a code when a role needs MFA; by default a prompt on `terminal`. */
  readonly mfaCodeProvider?: MfaCodeProvider | undefined;
  /** A monotonic clock in ms for the call's time bounds; performance.now() by default. */
  readonly elapsed?: (() => number) | undefined;
}
