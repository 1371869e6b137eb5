// Builds dist/: the CLI (an entry file plus lazily loaded chunks), the library with its types,
// and the demo. Everything is built in a staging folder and moved in with renames, so a CLI
// running meanwhile (tests run in parallel) never finds dist/ half written.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
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
  logLevel: "warning",
  define: { __EKS_TOKEN_VERSION__: JSON.stringify(pkg.version) },
};

// The CLI: a small entry holding the cache-hit path, and chunks that only a miss (the SDK and
// the signer) or a subcommand loads. Measured: one 470 kB file costs a hit ~30 ms more to parse.
await build({
  ...common,
  entryPoints: { "eks-token": "src/cli/bin.ts" },
  outdir: staging,
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  minify: true,
  banner: { js: `#!/usr/bin/env node\n${requireBanner}` },
});
chmodSync(out("eks-token.mjs"), 0o755);

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

// Move each built file or folder into place; anything else in dist/ (a SEA build) stays.
mkdirSync(dist, { recursive: true });
for (const name of readdirSync(staging)) {
  const old = `${staging}/.old-${name}`;
  try {
    renameSync(`${dist}/${name}`, old);
  } catch {
    // first build
  }
  renameSync(`${staging}/${name}`, `${dist}/${name}`);
}
rmSync(staging, { recursive: true, force: true });
