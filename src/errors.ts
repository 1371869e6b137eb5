/**
 * The one error type users see. Only src/cli turns it into a stderr line and an exit code;
 * library callers get it thrown with the same code, message and hint.
 */
export type ErrorCode =
  | "usage"
  | "invalid-input"
  | "no-credentials"
  | "sso-expired"
  | "sign-in"
  | "unknown-profile"
  | "mfa"
  | "assume-role"
  | "sts"
  | "network"
  | "timeout"
  | "config"
  | "cache"
  | "token-malformed"
  | "token-expired"
  | "token-rejected"
  | "kubeconfig"
  | "output"
  | "interrupted"
  | "too-large"
  | "internal";

/** Exit codes: 1 for everything a user or the environment got wrong, 2 for usage, more for verify. */
export const EXIT_CODES: Record<ErrorCode, number> = {
  usage: 2,
  "invalid-input": 2,
  "no-credentials": 1,
  "sso-expired": 1,
  /** An SSO sign-in that was not completed: declined, abandoned, timed out. */
  "sign-in": 1,
  "unknown-profile": 1,
  mfa: 1,
  "assume-role": 1,
  sts: 1,
  network: 1,
  timeout: 1,
  config: 1,
  cache: 1,
  "token-malformed": 3,
  "token-expired": 4,
  "token-rejected": 5,
  kubeconfig: 1,
  output: 1,
  /** Ctrl-C at a prompt: the shells' 128 + SIGINT. */
  interrupted: 130,
  "too-large": 1,
  internal: 70,
};

// The CLI's entry and its lazily loaded parts are separate bundles, each with its own copy of this
// class, so errors are recognised by a registered symbol rather than by instanceof.
const BRAND = Symbol.for("eks-token.error");

export class EksTokenError extends Error {
  override readonly name = "EksTokenError";
  readonly [BRAND] = true;
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** What to do about it; appended to the message on the user's line. */
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }

  /**
   * The single line the CLI prints, without the `eks-token: ` prefix. (Not `line`: engines put
   * properties of that name on every Error object, which would hide a getter here.)
   */
  get reportLine(): string {
    return this.hint ? `${this.message}: ${this.hint}` : this.message;
  }
}

export function isEksTokenError(e: unknown): e is EksTokenError {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}
