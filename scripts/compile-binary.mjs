// Run by Bun (scripts/build-binary.mjs starts it): compiles the modules scripts/stage-native.mjs
// bundled (the entry, src/cli/entry.ts, first) into one executable.
//
//   bun scripts/compile-binary.mjs --staged DIR --target bun-linux-x64 --outfile PATH
//
// Each module is an entry point of its own inside the executable: Bun's bundler would otherwise
// inline every `import()` into the entry, and the executable would load the whole CLI (the AWS
// SDK included) on every call. An `import("./NAME.js")` of another module stays as it is and
// loads that module's own entry in the executable.
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
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { embeddedName, ENTRY, LAZY_SOURCES } from "./lazy-modules.mjs";

const { values } = parseArgs({
  options: {
    staged: { type: "string" },
    target: { type: "string" },
    outfile: { type: "string" },
    preload: { type: "string" },
  },
});
if (!values.staged || !values.target || !values.outfile) {
  process.stderr.write("usage: bun scripts/compile-binary.mjs --staged DIR --target BUN_TARGET --outfile PATH\n");
  process.exit(2);
}

const names = [ENTRY, ...LAZY_SOURCES].map(embeddedName);

/** An `import()` of another module stays an import of that module's own entry. */
const lazyEntries = {
  name: "lazy-entries",
  setup(build) {
    build.onResolve({ filter: /^\.\/[^/]+\.js$/ }, (args) => {
      if (args.kind !== "dynamic-import" || !names.includes(args.path.slice(2))) return undefined;
      return { path: args.path, external: true };
    });
  },
};

const result = await Bun.build({
  entrypoints: names.map((name) => resolve(values.staged, name)),
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
  plugins: [lazyEntries],
  throw: false,
});
if (!result.success) {
  for (const log of result.logs) process.stderr.write(`${log}\n`);
  process.exit(1);
}
