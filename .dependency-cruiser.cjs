// The layers of src/ (README.md, "Layers"), lowest first: the shared base (src/*.ts), token/,
// aws/, then cache/, verify/ and kubeconfig/ side by side, usecases/, and cli/ (with the library
// entry src/index.ts beside it). An import may only point down, and nothing may go round in a cycle.
const FEATURES = "cache|verify|kubeconfig";

module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      comment: "Modules that import each other, directly or through others, cannot be read or tested apart.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "base-imports-no-layer",
      comment: "src/*.ts (errors, env, validation, redaction) is below every folder.",
      severity: "error",
      from: { path: "^src/[^/]+\\.ts$", pathNot: "^src/index\\.ts$" },
      to: { path: "^src/[^/]+/" },
    },
    {
      name: "token-is-the-format",
      comment: "src/token (host, presign, encode, expiry, ExecCredential) imports nothing of ours above it.",
      severity: "error",
      from: { path: "^src/token/" },
      to: { path: `^src/(aws|${FEATURES}|usecases|cli)/` },
    },
    {
      name: "aws-is-below-the-features",
      severity: "error",
      from: { path: "^src/aws/" },
      to: { path: `^src/(${FEATURES}|usecases|cli)/` },
    },
    {
      name: "features-stand-apart",
      comment: "cache/, verify/ and kubeconfig/ know neither each other nor the use cases nor the CLI.",
      severity: "error",
      from: { path: `^src/(${FEATURES})/` },
      to: { path: `^src/(${FEATURES}|usecases|cli)/`, pathNot: "^src/$1/" },
    },
    {
      name: "usecases-know-no-cli",
      comment: "Use cases are plain functions over ports; only src/cli knows about argv, processes and exit codes.",
      severity: "error",
      from: { path: "^src/usecases/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "library-knows-no-cli",
      severity: "error",
      from: { path: "^src/index\\.ts$" },
      to: { path: "^src/cli/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports are dependencies too: a type from a layer above still points up.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "\\.test\\.ts$" },
  },
};
