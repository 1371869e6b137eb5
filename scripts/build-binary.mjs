// Builds the native executables: src/cli/entry.ts (and the modules it loads lazily) compiled by
// Bun into one file per platform that runs with no Node (or Bun) installed.
//
//   node scripts/build-binary.mjs [--target NAME[,NAME...]] [--out-dir DIR] [--preload FILE]
//
// --preload FILE is for tests only: the executables preload FILE (the tests' network guard, which
// the released ones cannot be given: they ignore BUN_OPTIONS). Write them to another --out-dir.
//
// Output: DIR/eks-token-<os>-<arch>[-musl][.exe] (DIR defaults to dist/bin) for every target in
// TARGETS, plus DIR/manifest.json (version, bun version, and the size and SHA-256 of each file).
// Bun fetches each target's runtime from the npm registry the first time (`--target`); a target
// that cannot be built fails the build.
//
// The modules are bundled once by esbuild (scripts/stage-native.mjs: the AWS SDK's ES module
// builds, tree-shaken, as the Node build has them), then every executable is compiled from them by
// scripts/compile-binary.mjs (Bun's build API, each module an entry of its own inside the
// executable) with the equivalents of:
//   --minify --bytecode              smaller, and no parsing at start-up
//   --no-compile-autoload-dotenv     without it the executable reads .env and .env.local from
//   --no-compile-autoload-bunfig     the current directory, and bunfig.toml (whose `preload` runs
//                                    code): for a credential plugin that is whatever directory
//                                    kubectl was started in
//   --compile-exec-argv=--           without it BUN_OPTIONS are Bun options of the executable
//                                    (`--preload ./x.js` runs code from the current directory)
// Each target is compiled under the same file name (eks-token) in a folder of its own, then
// renamed: the name is embedded in the executable, so the targets of one OS carry the same bundle
// (Bun writes the target's process.platform into the code) and the same commit gives the same bytes.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stageNative } from "./stage-native.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

/** Our target names (also the platform packages' suffixes) and Bun's. */
export const TARGETS = {
  "linux-x64": { bun: "bun-linux-x64", os: "linux", cpu: "x64", libc: "glibc" },
  "linux-arm64": { bun: "bun-linux-arm64", os: "linux", cpu: "arm64", libc: "glibc" },
  "linux-x64-musl": { bun: "bun-linux-x64-musl", os: "linux", cpu: "x64", libc: "musl" },
  "linux-arm64-musl": { bun: "bun-linux-arm64-musl", os: "linux", cpu: "arm64", libc: "musl" },
  "darwin-x64": { bun: "bun-darwin-x64", os: "darwin", cpu: "x64" },
  "darwin-arm64": { bun: "bun-darwin-arm64", os: "darwin", cpu: "arm64" },
  "windows-x64": { bun: "bun-windows-x64", os: "win32", cpu: "x64", exe: true },
};

export const binaryName = (target) => `eks-token-${target}${TARGETS[target].exe ? ".exe" : ""}`;

/**
 * The bun executable of the pinned devDependency: node_modules/.bin/bun, or, where npm skipped
 * the bun package's install script (which moves it there), its platform package's own binary.
 */
function bunPath() {
  const candidates = [
    join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "bun.exe" : "bun"),
    ...["", "-musl", "-baseline", "-musl-baseline"].map((v) =>
      join(
        ROOT,
        "node_modules",
        "@oven",
        `bun-${process.platform === "win32" ? "windows" : process.platform}-${process.arch === "arm64" ? "aarch64" : process.arch}${v}`,
        "bin",
        "bun",
      ),
    ),
  ];
  for (const bin of candidates) {
    if (existsSync(bin) && spawnSync(bin, ["--version"], { encoding: "utf8" }).status === 0) return bin;
  }
  throw new Error("build-binary: no working bun in node_modules: run npm ci (bun is a devDependency)");
}

function parseArgs(argv) {
  let targets = Object.keys(TARGETS);
  let outDir = join(ROOT, "dist", "bin");
  let preload;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--target" && argv[i + 1]) targets = argv[++i].split(",");
    else if (a === "--out-dir" && argv[i + 1]) outDir = resolve(argv[++i]);
    else if (a === "--preload" && argv[i + 1]) preload = resolve(argv[++i]);
    else if (a === "-h" || a === "--help") {
      process.stdout.write(
        `usage: node scripts/build-binary.mjs [--target ${Object.keys(TARGETS).join(",")}] [--out-dir DIR] [--preload FILE]\n`,
      );
      process.exit(0);
    } else throw new Error(`build-binary: unknown argument ${a}`);
  }
  for (const t of targets)
    if (!TARGETS[t]) throw new Error(`build-binary: unknown target ${t} (known: ${Object.keys(TARGETS).join(", ")})`);
  return { targets, outDir, preload };
}

function compile(bun, target, outDir, preload, staged) {
  const work = join(outDir, `.build-${target}-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const outfile = join(work, TARGETS[target].exe ? "eks-token.exe" : "eks-token");
  const args = [
    join(ROOT, "scripts", "compile-binary.mjs"),
    "--staged",
    staged,
    "--target",
    TARGETS[target].bun,
    "--outfile",
    outfile,
    ...(preload ? ["--preload", preload] : []),
  ];
  const result = spawnSync(bun, args, { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
  if (result.status !== 0 || !existsSync(outfile)) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(
      `build-binary: ${target} failed (exit ${result.status ?? result.signal}):\n${result.stdout}${result.stderr}${result.error ?? ""}`,
    );
  }
  const final = join(outDir, binaryName(target));
  renameSync(outfile, final);
  rmSync(work, { recursive: true, force: true });
  const bytes = readFileSync(final);
  return {
    file: binaryName(target),
    bytes: statSync(final).size,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
}

async function main() {
  const { targets, outDir, preload } = parseArgs(process.argv.slice(2));
  const bun = bunPath();
  const bunVersion = spawnSync(bun, ["--version"], { encoding: "utf8" }).stdout.trim();
  mkdirSync(outDir, { recursive: true });
  const manifestPath = join(outDir, "manifest.json");
  const manifest = { version: pkg.version, bun: bunVersion, targets: {} };
  try {
    const old = JSON.parse(readFileSync(manifestPath, "utf8"));
    if (old.version === pkg.version && old.bun === bunVersion) manifest.targets = old.targets ?? {};
  } catch {
    // no manifest yet
  }
  // The same staged modules for every target, under one name whatever the output folder, so the
  // same commit gives the same bytes.
  const staged = join(ROOT, "dist", `.native-staged-${process.pid}`);
  rmSync(staged, { recursive: true, force: true });
  try {
    await stageNative(staged, pkg.version);
    for (const target of targets) {
      const started = Date.now();
      manifest.targets[target] = compile(bun, target, outDir, preload, staged);
      process.stderr.write(
        `build-binary: ${join(outDir, binaryName(target))} (${(manifest.targets[target].bytes / 1e6).toFixed(1)} MB, ${Date.now() - started} ms)\n`,
      );
    }
  } finally {
    rmSync(staged, { recursive: true, force: true });
  }
  const partial = `${manifestPath}.${process.pid}`;
  writeFileSync(partial, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(partial, manifestPath);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  });
}
