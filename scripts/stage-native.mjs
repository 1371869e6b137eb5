// The native executables' modules, bundled by esbuild before Bun compiles them
// (scripts/build-binary.mjs runs this once, scripts/compile-binary.mjs compiles what it writes).
//
// Bun's bundler takes the AWS SDK's CommonJS builds (it reads package.json's `main` and the
// `node` condition) and keeps every module they require: loading the signer then loads
// node:crypto, node:stream, node:os and @smithy/core's whole configuration and checksum code,
// about 5 ms of every native miss. esbuild reads their ES module builds (`module`), drops what is
// not used, and takes the same plugins as the Node build (scripts/build.mjs), so each native
// module holds what its Node counterpart holds. Bun then bundles files that import only Node's
// built-ins and one another.
//
// Each module of scripts/lazy-modules.mjs becomes DIR/NAME.js, NAME being its source's file name;
// an `import()` of another lazy module stays `import("./NAME.js")`, which the executable resolves
// among its own modules. @aws-crypto/sha256-js is Bun's own SHA-256 (./bun-sha256.mjs says why).
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { CJS_LAZY, ENTRY, ESM_LAZY, embeddedName, LAZY_SOURCES, lazyCryptoInSerde } from "./lazy-modules.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** An `import()` of a lazy module stays an import of that module's own file. */
const lazyEntries = {
  name: "lazy-entries",
  setup(b) {
    b.onResolve({ filter: /\.js$/ }, (args) => {
      if (args.kind !== "dynamic-import") return undefined;
      const source = relative(ROOT, resolve(args.resolveDir, args.path)).replace(/\.js$/, ".ts");
      if (!LAZY_SOURCES.includes(source)) return undefined;
      return { path: `./${embeddedName(source)}`, external: true };
    });
  },
};

const bunSha256 = {
  name: "bun-sha256",
  setup(b) {
    b.onResolve({ filter: /^@aws-crypto\/sha256-js$/ }, () => ({ path: resolve(ROOT, "scripts", "bun-sha256.mjs") }));
  },
};

/** Bundles every module into `dir`; returns the files written, the entry's first. */
export async function stageNative(dir, version) {
  const sources = [ENTRY, ...LAZY_SOURCES];
  const names = sources.map(embeddedName);
  if (new Set(names).size !== names.length) throw new Error(`stage-native: two modules share a file name: ${names}`);
  const common = {
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    mainFields: ["module", "main"],
    absWorkingDir: ROOT,
    outdir: dir,
    legalComments: "none",
    logLevel: "warning",
    entryNames: "[name]",
    define: { __EKS_TOKEN_VERSION__: JSON.stringify(version) },
    plugins: [lazyEntries, bunSha256, lazyCryptoInSerde],
  };
  const group = (list) => Object.fromEntries(list.map((source) => [embeddedName(source).replace(/\.js$/, ""), source]));
  await build({ ...common, entryPoints: group([ENTRY]) });
  // As in the Node build: the CommonJS modules do not touch the global Web Crypto object, whose
  // first use loads node:crypto and the streams behind it.
  await build({
    ...common,
    entryPoints: group(Object.values(CJS_LAZY)),
    define: { ...common.define, crypto: "undefined" },
  });
  await build({ ...common, entryPoints: group(Object.values(ESM_LAZY)) });
  return names.map((name) => resolve(dir, name));
}
