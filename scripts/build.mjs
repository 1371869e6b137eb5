// Builds dist/: the CLI as one self-contained executable file, and the library with its types.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { chmodSync, readFileSync, rmSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const root = new URL("..", import.meta.url).pathname;

rmSync(`${root}dist`, { recursive: true, force: true });

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
  outdir: "dist",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  minify: true,
  banner: { js: `#!/usr/bin/env node\n${requireBanner}` },
});
chmodSync(`${root}dist/eks-token.mjs`, 0o755);

await build({
  ...common,
  entryPoints: ["src/index.ts"],
  outfile: "dist/index.mjs",
  banner: { js: requireBanner },
});

// The demo (npm run demo): emulators and all, not part of the published package.
await build({
  ...common,
  entryPoints: ["scripts/demo.ts"],
  outfile: "dist/demo/demo.mjs",
  packages: "external",
});

execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-p", "tsconfig.build.json"], { stdio: "inherit", cwd: root });
