// The modules the CLI loads only when a call needs them, for both builds: scripts/build.mjs
// (Node: separate files in dist/lib/) and scripts/compile-binary.mjs (Bun: separate modules
// inside the executable). Everything else is in the entry (src/cli/entry.ts), which answers a
// cache hit alone.

/** The entry's file, which both builds start from. */
export const ENTRY = "src/cli/entry.ts";

/**
 * Required as CommonJS by the Node entry: the whole CLI (every call but a cache hit), and a
 * miss's credential logic and the signer.
 */
export const CJS_LAZY = { cli: "src/cli/bin.ts", "token-miss": "src/usecases/token-miss.ts" };

/** ES modules (split into shared chunks for Node): the AWS SDK's providers and the subcommands. */
export const ESM_LAZY = {
  "sdk-providers": "src/aws/sdk-providers.ts",
  verify: "src/cli/verify-command.ts",
  kubeconfig: "src/cli/kubeconfig-command.ts",
  "cache-command": "src/cli/cache-command.ts",
  doctor: "src/cli/doctor-command.ts",
};

/** Every lazy module's source file. */
export const LAZY_SOURCES = [...Object.values(CJS_LAZY), ...Object.values(ESM_LAZY)];
