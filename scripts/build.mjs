// Builds dist/: the CLI (an entry file plus lazily loaded chunks), the library with its types,
// and the demo. Everything is built in a staging folder and moved in with renames, so a CLI
// running meanwhile (tests run in parallel) never finds dist/ half written.
import { build } from "esbuild";
import { CJS_LAZY, ENTRY, ESM_LAZY, lazyCryptoInSerde } from "./lazy-modules.mjs";
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
const requireBanner =
  'import { createRequire as __eksTokenCreateRequire } from "node:module"; const require = __eksTokenCreateRequire(import.meta.url);';

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

// The CLI is five bundles, so each path loads only what it runs:
//   dist/eks-token.cjs        the entry: the cache-hit path alone. CommonJS, which Node starts
//                             faster than an ES module.
//   dist/lib/token-call.cjs   a token call its hit entry does not answer: the request resolved.
//   dist/lib/cli.cjs          the whole CLI, for every other command.
//   dist/lib/token-miss.cjs   a miss: credential logic and the signer; enough for environment keys.
//   dist/lib/*.mjs            the AWS SDK's providers and the subcommands: ES modules split into
//                             shared chunks, loaded with import() only when wanted.
// Which modules are lazy is scripts/lazy-modules.mjs's table, shared with the native build.

/** Turns `await import("./x.js")` of a lazy module into a load of its built file at run time. */
function lazyModules(fromDir) {
  const prefix = fromDir === "lib" ? "./" : "./lib/";
  const nameOf = (table, file) => Object.keys(table).find((k) => table[k] === file);
  return {
    name: "lazy-modules",
    setup(b) {
      b.onResolve({ filter: /\.js$/ }, (args) => {
        if (args.kind !== "dynamic-import") return undefined;
        const file = relative(root, resolve(args.resolveDir, args.path)).replace(/\.js$/, ".ts");
        const esm = nameOf(ESM_LAZY, file);
        if (esm) return { path: `${prefix}${esm}.mjs`, external: true };
        const cjs = nameOf(CJS_LAZY, file);
        // A CommonJS file is required, not imported: import() would start Node's ES module loader.
        if (cjs) return { path: `${prefix}${cjs}.cjs`, namespace: "lazy-require" };
        return undefined;
      });
      b.onLoad({ filter: /.*/, namespace: "lazy-require" }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: "js",
      }));
      b.onResolve({ filter: /.*/, namespace: "lazy-require" }, (args) => ({ path: args.path, external: true }));
    },
  };
}

const cjsCommon = { ...common, format: "cjs", minify: true };
await build({
  ...cjsCommon,
  entryPoints: [ENTRY],
  outfile: out("eks-token.cjs"),
  plugins: [lazyModules("")],
  banner: { js: "#!/usr/bin/env node" },
});
chmodSync(out("eks-token.cjs"), 0o755);
await build({
  ...cjsCommon,
  entryPoints: CJS_LAZY,
  outdir: out("lib"),
  outExtension: { ".js": ".cjs" },
  plugins: [lazyModules("lib"), lazyCryptoInSerde],
  // The same modules test the global Web Crypto object when they load, and touching it loads
  // node:crypto and the streams behind it. Nothing in this bundle needs the global one.
  define: { ...common.define, crypto: "undefined" },
});
await build({
  ...common,
  entryPoints: ESM_LAZY,
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

// The same library for require(): one set of types (dist/types) serves both.
await build({
  ...common,
  format: "cjs",
  entryPoints: ["src/index.ts"],
  outfile: out("index.cjs"),
});

// The demo (npm run demo): emulators and all, not part of the published package.
await build({
  ...common,
  entryPoints: ["scripts/demo.ts"],
  outfile: out("demo/demo.mjs"),
  packages: "external",
});

execFileSync(
  process.execPath,
  [`${root}node_modules/typescript/bin/tsc`, "-p", "tsconfig.build.json", "--outDir", out("types")],
  {
    stdio: "inherit",
    cwd: root,
  },
);

// Move each built file or folder into place, then drop what this build no longer makes (the
// native executables in dist/bin/ and the tarballs in dist/npm/ are other builds' to remove).
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
  if (built.has(name) || name === "bin" || name === "npm") continue;
  // Another build's staging folder stays while that build runs.
  const stagingPid = /^\.staging-(\d+)$/.exec(name)?.[1];
  if (stagingPid && isRunning(Number(stagingPid))) continue;
  rmSync(`${dist}/${name}`, { recursive: true, force: true });
}
rmSync(staging, { recursive: true, force: true });

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}
