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

/**
 * A module's file name inside the native executable: its source's name. Every module sits in one
 * folder there, so an import of "./NAME.js" finds it from any of them, on every platform.
 */
export const embeddedName = (source) => `${source.slice(source.lastIndexOf("/") + 1).replace(/\.ts$/, "")}.js`;

/**
 * An esbuild plugin, for both builds. The signer reaches @smithy/core's serde modules, which import functions of node:crypto at the
 * top (for uuids and hashes the signer does not use: it is given its own SHA-256). Loading
 * node:crypto costs a miss milliseconds, so those imports load it on first call instead. A new
 * name imported there fails the build, rather than going unnoticed.
 */
export const lazyCryptoInSerde = {
  name: "lazy-crypto-in-serde",
  setup(b) {
    b.onResolve({ filter: /^(node:)?crypto$/ }, (args) =>
      /@smithy[\\/]core[\\/].*[\\/]serde[\\/]/.test(args.importer)
        ? { path: "lazy-crypto", namespace: "lazy-crypto" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "lazy-crypto" }, () => ({
      contents: ["getRandomValues", "createHash", "createHmac", "randomUUID"]
        .map((name) => `export function ${name}(...args) { return require("node:crypto").${name}(...args); }`)
        .join("\n"),
      loader: "js",
    }));
  },
};
