// Builds the CLI as a Node single executable application (SEA): one file that runs with no Node
// installed. https://nodejs.org/api/single-executable-applications.html
//
//   node scripts/build-sea.mjs [--out PATH]
//
// 1. esbuild bundles src/cli/bin.ts into ONE CommonJS file (a SEA's main script is CommonJS on
//    Node 20, and its `require` loads only Node's built-ins, so everything else must be inside).
// 2. `node --experimental-sea-config` turns it into a blob (with a V8 code cache, no warning).
// 3. A copy of this node binary gets the blob injected with postject.
//
// The default output is dist/eks-token-<platform>-<arch> (".exe" on Windows). The executable only
// runs on the platform and Node version that built it (the blob carries a V8 code cache).
import { build } from "esbuild";
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

const SENTINEL_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
/** Packages the SDK requires inside try/catch and copes without; esbuild leaves them out. */
const OPTIONAL_PACKAGES = new Set(["@aws-sdk/signature-v4-crt"]);

function parseArgs(argv) {
  let out = join(
    root,
    "dist",
    `eks-token-${process.platform}-${process.arch}${process.platform === "win32" ? ".exe" : ""}`,
  );
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out" && argv[i + 1]) out = resolve(argv[++i]);
    else if (argv[i] === "-h" || argv[i] === "--help") {
      process.stdout.write("usage: node scripts/build-sea.mjs [--out PATH]\n");
      process.exit(0);
    } else throw new Error(`build-sea: unknown argument ${argv[i]}`);
  }
  return { out };
}

/**
 * A dynamic `import("node:x")` of a built-in (in src/ or a dependency) would stay an import() in
 * the bundle, and a SEA's main script cannot import() (Node 20 with the code cache: "A dynamic
 * import callback was not specified"). Such an import resolves here to a tiny CommonJS module
 * that requires the built-in, so esbuild bundles it like any other lazy module:
 * `Promise.resolve().then(() => __toESM(require_x()))`, the same namespace shape import() gives.
 */
const builtinDynamicImportsToRequire = {
  name: "builtin-dynamic-imports-to-require",
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/0-9]+$/ }, (args) =>
      args.kind === "dynamic-import" && isBuiltin(args.path)
        ? { path: args.path, namespace: "sea-builtin" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "sea-builtin" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

async function bundle(outfile) {
  const result = await build({
    entryPoints: [join(root, "src/cli/bin.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    absWorkingDir: root,
    // The SDK's ES module builds tree-shake far better (as in scripts/build.mjs); esbuild turns
    // them into CommonJS here.
    mainFields: ["module", "main"],
    minify: true,
    legalComments: "none",
    logLevel: "silent",
    metafile: true,
    define: {
      __EKS_TOKEN_VERSION__: JSON.stringify(pkg.version),
      // import.meta does not exist in CommonJS: esbuild would leave `{}` (so import.meta.url is
      // undefined and, say, createRequire(import.meta.url) throws). Give it the CommonJS values;
      // in a SEA __filename is the executable's path, all createRequire needs for built-ins.
      "import.meta": "__eksTokenImportMeta",
    },
    banner: {
      js:
        'var __eksTokenImportMeta = { get url() { return require("node:url").pathToFileURL(__filename).href; }, ' +
        "filename: __filename, dirname: __dirname };",
    },
    plugins: [builtinDynamicImportsToRequire],
  });
  for (const w of result.warnings)
    process.stderr.write(`build-sea: esbuild warning [${w.id}]: ${w.text} (${w.location?.file}:${w.location?.line})\n`);
  // These mean code that would break at run time in a SEA: import.meta, or loading that esbuild
  // could not resolve at build time.
  const fatal = result.warnings.filter((w) => /import-meta|require|dynamic-import|resolve/.test(w.id));
  if (fatal.length > 0)
    throw new Error(`build-sea: esbuild warned about ${fatal.map((w) => w.id).join(", ")}; the SEA would break`);

  // Everything the bundle still loads at run time must be a Node built-in (or a known optional).
  const problems = [];
  for (const [input, info] of Object.entries(result.metafile.inputs)) {
    for (const imp of info.imports) {
      if (!imp.external) continue;
      if (isBuiltin(imp.path)) {
        if (imp.kind === "dynamic-import") problems.push(`${input}: import("${imp.path}") is left as a dynamic import`);
      } else if (!OPTIONAL_PACKAGES.has(imp.path)) {
        problems.push(`${input}: ${imp.kind} "${imp.path}" is not bundled`);
      }
    }
  }
  // (A dynamic import of anything bundled becomes a require() in CommonJS output; only external
  // ones could survive as import(), and those are refused above.)
  if (problems.length > 0) throw new Error(`build-sea: the bundle is not self-contained:\n  ${problems.join("\n  ")}`);
  return Object.values(result.metafile.outputs)[0]?.bytes ?? 0;
}

/** postject's ELF rewriter (LIEF) warns once per unnamed note section; keep the rest visible. */
async function quietly(fn) {
  const warn = console.warn;
  let skipped = 0;
  console.warn = (...args) => {
    if (/^warning: Can't find string offset for section name/.test(String(args[0]))) skipped++;
    else warn.apply(console, args);
  };
  try {
    return await fn();
  } finally {
    console.warn = warn;
    if (skipped > 0)
      process.stderr.write(
        `build-sea: (postject: ${skipped} "can't find string offset for section name" warnings about note sections, harmless)\n`,
      );
  }
}

async function main() {
  const { out } = parseArgs(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), "eks-token-sea-"));
  try {
    const mainScript = join(work, "eks-token.cjs");
    const blob = join(work, "sea-prep.blob");
    const size = await bundle(mainScript);

    const seaConfig = join(work, "sea-config.json");
    writeFileSync(
      seaConfig,
      JSON.stringify(
        { main: mainScript, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true },
        null,
        2,
      ),
    );
    const prep = spawnSync(process.execPath, ["--experimental-sea-config", seaConfig], { cwd: work, encoding: "utf8" });
    if (prep.status !== 0)
      throw new Error(
        `build-sea: node --experimental-sea-config failed (${prep.status ?? prep.signal}):\n${prep.stdout}${prep.stderr}`,
      );

    // Everything happens in the temp dir (npm run build may empty dist/ at any time); the result
    // is then copied next to the target and renamed, so a half-written executable is never seen.
    const exe = join(work, "eks-token");
    copyFileSync(process.execPath, exe);
    chmodSync(exe, 0o755);
    if (process.platform === "darwin") execFileSync("codesign", ["--remove-signature", exe], { stdio: "inherit" });
    const { inject } = createRequire(import.meta.url)("postject");
    await quietly(() =>
      inject(exe, "NODE_SEA_BLOB", readFileSync(blob), {
        sentinelFuse: SENTINEL_FUSE,
        ...(process.platform === "darwin" ? { machoSegmentName: "NODE_SEA" } : {}),
      }),
    );
    // Apple silicon refuses to run an unsigned binary: sign it again, ad hoc.
    if (process.platform === "darwin") execFileSync("codesign", ["--sign", "-", exe], { stdio: "inherit" });

    mkdirSync(dirname(out), { recursive: true });
    const partial = `${out}.partial-${process.pid}`;
    try {
      copyFileSync(exe, partial);
      chmodSync(partial, 0o755);
      renameSync(partial, out);
    } catch (e) {
      rmSync(partial, { force: true });
      throw e;
    }
    process.stdout.write(
      `build-sea: ${out} (main script ${(size / 1024).toFixed(0)} kB, node ${process.version} ${process.platform}-${process.arch})\n`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
