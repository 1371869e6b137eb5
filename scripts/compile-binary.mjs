// Run by Bun (scripts/build-binary.mjs starts it): compiles src/cli/entry.ts into one executable.
//
//   bun scripts/compile-binary.mjs --target bun-linux-x64 --outfile PATH --version X.Y.Z
//
// Bun's bundler would inline every `import()` into the entry, and the executable would then load
// the whole CLI (the AWS SDK included) on every call: about 10 ms of a cache hit. So each lazy
// module (scripts/lazy-modules.mjs, the same ones the Node build splits off) is an entry point of
// its own inside the executable, which the entry imports by its name there.
//
// The options are those of `bun build --compile --minify --bytecode --no-compile-autoload-dotenv
// --no-compile-autoload-bunfig`: without the last two the executable reads .env, .env.local and
// bunfig.toml (whose `preload` runs code) from the current directory, which for a credential
// plugin is whatever directory kubectl was started in.
//
// The executable's exec argv is `--`: Bun reads BUN_OPTIONS from the environment into the
// executable's own options (`--preload FILE` ran FILE, `--help` printed Bun's help and exited 0),
// and a `--` ahead of them makes them arguments instead, which Bun then drops. With
// `--preload FILE` (for tests only: the network guard) FILE is preloaded before the CLI.
import { basename, dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ENTRY, LAZY_SOURCES } from "./lazy-modules.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    target: { type: "string" },
    outfile: { type: "string" },
    version: { type: "string" },
    preload: { type: "string" },
  },
});
if (!values.target || !values.outfile || !values.version) {
  process.stderr.write("usage: bun scripts/compile-binary.mjs --target BUN_TARGET --outfile PATH --version X.Y.Z\n");
  process.exit(2);
}

// Inside the executable every module sits in one folder under its own file name, so an import of
// "./NAME.js" finds it from any of them, on every platform.
const embeddedName = (source) => `./${basename(source).replace(/\.ts$/, ".js")}`;
const names = [ENTRY, ...LAZY_SOURCES].map(embeddedName);
if (new Set(names).size !== names.length)
  throw new Error(`compile-binary: two lazy modules share a file name: ${names}`);

/** An `import()` of a lazy module loads that module's own entry in the executable. */
const lazyEntries = {
  name: "lazy-entries",
  setup(build) {
    build.onResolve({ filter: /\.js$/ }, (args) => {
      if (args.kind !== "dynamic-import") return undefined;
      const source = relative(ROOT, resolve(dirname(args.importer), args.path)).replace(/\.js$/, ".ts");
      if (!LAZY_SOURCES.includes(source)) return undefined;
      return { path: embeddedName(source), external: true };
    });
  },
};

/** @aws-crypto/sha256-js is Bun's own SHA-256 inside the executable (./bun-sha256.mjs says why). */
const bunSha256 = {
  name: "bun-sha256",
  setup(build) {
    build.onResolve({ filter: /^@aws-crypto\/sha256-js$/ }, () => ({
      path: resolve(ROOT, "scripts", "bun-sha256.mjs"),
    }));
  },
};

const result = await Bun.build({
  entrypoints: [ENTRY, ...LAZY_SOURCES].map((f) => resolve(ROOT, f)),
  naming: "[name].[ext]",
  compile: {
    target: values.target,
    outfile: values.outfile,
    autoloadDotenv: false,
    autoloadBunfig: false,
    execArgv: [...(values.preload ? ["--preload", resolve(values.preload)] : []), "--"],
  },
  minify: true,
  bytecode: true,
  define: { __EKS_TOKEN_VERSION__: JSON.stringify(values.version) },
  plugins: [lazyEntries, bunSha256],
  throw: false,
});
if (!result.success) {
  for (const log of result.logs) process.stderr.write(`${log}\n`);
  process.exit(1);
}
