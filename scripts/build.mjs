// Builds dist/: the CLI (an entry file plus lazily loaded chunks), the library with its types,
// and the demo. Everything is built in a staging folder and moved in with renames, so a CLI
// running meanwhile (tests run in parallel) never finds dist/ half written.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { relative, resolve } from "node:path";
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const root = new URL("..", import.meta.url).pathname;
const dist = `${root}dist`;
const staging = `${root}dist/.staging-${process.pid}`;
const out = (path) => `${staging}/${path}`;
rmSync(staging, { recursive: true, force: true });

// The SDK is CommonJS inside; an ESM bundle needs a real `require` for Node's built-ins.
const requireBanner = 'import { createRequire as __eksTokenCreateRequire } from "node:module"; const require = __eksTokenCreateRequire(import.meta.url);';

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  absWorkingDir: root,
  legalComments: "none",
  // Prefer the SDK's ES module builds: they tree-shake (the signer alone is 14 kB instead of 143 kB).
  mainFields: ["module", "main"],
  logLevel: "warning",
  define: { __EKS_TOKEN_VERSION__: JSON.stringify(pkg.version) },
};

// The CLI is two bundles. The entry, dist/eks-token.cjs, holds the cache-hit path and nothing
// else; CommonJS because Node starts a CommonJS entry faster than an ES module one. What a miss
// or a subcommand needs (the AWS SDK, the signer) is in dist/lib/, ES modules split into chunks,
// loaded with import() only when wanted.
const LAZY = {
  "token-miss": "src/cli/token-miss.ts",
  verify: "src/verify/command.ts",
  kubeconfig: "src/kubeconfig/command.ts",
  "cache-command": "src/cache/cache-command.ts",
};
const lazyEntries = {
  name: "lazy-entries",
  setup(b) {
    // The entry's import("./token-miss.js") and friends become imports of the built lib files.
    b.onResolve({ filter: /\.js$/ }, (args) => {
      const file = relative(root, resolve(args.resolveDir, args.path)).replace(/\.js$/, ".ts");
      const name = Object.keys(LAZY).find((k) => LAZY[k] === file);
      return name && args.kind === "dynamic-import" ? { path: `./lib/${name}.mjs`, external: true } : undefined;
    });
  },
};
await build({
  ...common,
  entryPoints: ["src/cli/bin.ts"],
  outfile: out("eks-token.cjs"),
  format: "cjs",
  minify: true,
  plugins: [lazyEntries],
  banner: { js: "#!/usr/bin/env node" },
});
chmodSync(out("eks-token.cjs"), 0o755);
await build({
  ...common,
  entryPoints: LAZY,
  outdir: out("lib"),
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  minify: true,
  banner: { js: requireBanner },
});

await build({
  ...common,
  entryPoints: ["src/index.ts"],
  outfile: out("index.mjs"),
  banner: { js: requireBanner },
});

// The demo (npm run demo): emulators and all, not part of the published package.
await build({
  ...common,
  entryPoints: ["scripts/demo.ts"],
  outfile: out("demo/demo.mjs"),
  packages: "external",
});

execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-p", "tsconfig.build.json", "--outDir", out("types")], {
  stdio: "inherit",
  cwd: root,
});

// Move each built file or folder into place, then drop what this build no longer makes (a SEA
// build, dist/eks-token-<platform>-<arch>, is not ours to remove).
mkdirSync(dist, { recursive: true });
const built = new Set(readdirSync(staging));
for (const name of built) {
  const old = `${staging}/.old-${name}`;
  try {
    renameSync(`${dist}/${name}`, old);
  } catch {
    // first build
  }
  renameSync(`${staging}/${name}`, `${dist}/${name}`);
}
for (const name of readdirSync(dist)) {
  if (!built.has(name) && !name.startsWith(".staging-") && !/^eks-token-[a-z0-9]+-[a-z0-9]+(\.exe)?$/.test(name)) {
    rmSync(`${dist}/${name}`, { recursive: true, force: true });
  }
}
rmSync(staging, { recursive: true, force: true });
