// The modules the CLI loads only when a call needs them, for both builds: scripts/build.mjs
// (Node: separate files in dist/lib/) and scripts/compile-binary.mjs (Bun: separate modules
// inside the executable). Everything else is in the entry (src/cli/entry.ts), which answers a
// cache hit alone.

/** The entry's file, which both builds start from. */
export const ENTRY = "src/cli/entry.ts";

/**
 * Required as CommonJS by the Node entry: the whole CLI (every call but a cache hit), a miss's
 * credential logic and the signer, and the terminal.
 */
export const CJS_LAZY = {
  cli: "src/cli/bin.ts",
  /** A token call its hit entry does not answer: the request resolved, the cache read, a miss run. */
  "token-call": "src/cli/token-call.ts",
  "token-miss": "src/usecases/token-miss.ts",
  "tty-terminal": "src/tty-terminal.ts",
};

/** ES modules (split into shared chunks for Node): the AWS SDK's providers and the subcommands. */
export const ESM_LAZY = {
  "sdk-providers": "src/aws/sdk-providers.ts",
  "sso-role-credentials": "src/aws/sso-role-credentials.ts",
  verify: "src/cli/verify-command.ts",
  kubeconfig: "src/cli/kubeconfig-command.ts",
  "kubeconfig-sync": "src/cli/kubeconfig-sync-command.ts",
  "fleet-clients": "src/aws/fleet-clients.ts",
  "cache-command": "src/cli/cache-command.ts",
  doctor: "src/cli/doctor-command.ts",
  login: "src/cli/login-command.ts",
  /** An SSO session's refresh and sign-in on the token path (the SSO-OIDC client, the flows). */
  "sso-session": "src/usecases/login/session-calls.ts",
};

/** Every lazy module's source file. */
export const LAZY_SOURCES = [...Object.values(CJS_LAZY), ...Object.values(ESM_LAZY)];
