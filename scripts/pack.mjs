// Writes the npm tarballs to dist/npm/: eks-token-<version>.tgz (the Node CLI and the library)
// and one eks-token-<target>-<version>.tgz per native target (only that platform's executable,
// with os, cpu and, on Linux, libc, so npm installs just the one that fits). The main package
// lists every platform package in optionalDependencies at its own exact version, and its
// postinstall (scripts/postinstall.cjs) puts the native executable in place of bin/eks-token,
// once its bytes match the SHA-256 the main package lists for it (scripts/native-manifest.json,
// from dist/bin/manifest.json). The main package lists the packed targets only.
//
//   npm run pack                 (builds dist/ and every native target first)
//   node scripts/pack.mjs [--no-build] [--target NAME[,NAME...]] [--out-dir DIR]
//
// --target packs only those platform packages (the main package still lists them all); --out-dir
// writes the tarballs elsewhere than dist/npm/.
//
// The packages are staged in a temp folder and packed from there; the repository's package.json
// stays installable without the platform packages.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TARGETS, binaryName } from "./build-binary.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

export const platformPackageName = (target) => `eks-token-${target}`;
/** In the main package: the SHA-256 of each platform package's executable (scripts/postinstall.cjs). */
const NATIVE_MANIFEST = "scripts/native-manifest.json";

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (result.status !== 0)
    throw new Error(`pack: ${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
  return result.stdout;
}

function linkOrCopy(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** The package.json of a platform package. */
export function platformManifest(target) {
  const t = TARGETS[target];
  const exe = t.exe ? "eks-token.exe" : "eks-token";
  return {
    name: platformPackageName(target),
    version: pkg.version,
    description: `The ${target} native executable of eks-token (installed by the eks-token package)`,
    license: pkg.license,
    os: [t.os],
    cpu: [t.cpu],
    ...(t.libc ? { libc: [t.libc] } : {}),
    files: [`bin/${exe}`],
    preferUnplugged: true,
  };
}

function stagePlatform(stage, target) {
  const dir = join(stage, platformPackageName(target));
  const exe = TARGETS[target].exe ? "eks-token.exe" : "eks-token";
  const built = join(ROOT, "dist", "bin", binaryName(target));
  if (!existsSync(built)) throw new Error(`pack: ${built} is missing (npm run build:binary)`);
  linkOrCopy(built, join(dir, "bin", exe));
  chmodSync(join(dir, "bin", exe), 0o755);
  const manifest = platformManifest(target);
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    join(dir, "README.md"),
    `# ${manifest.name}\n\nThe ${target} native executable of [eks-token](https://www.npmjs.com/package/eks-token). Install \`eks-token\`, which uses this package when it fits the platform.\n`,
  );
  return dir;
}

/**
 * The SHA-256 and size of each target's executable, from dist/bin/manifest.json, for the main
 * package: its postinstall places a platform package's executable only when the bytes are these.
 * The list lives in the main package, not in the platform package it checks.
 */
function nativeManifest(targets) {
  const path = join(ROOT, "dist", "bin", "manifest.json");
  const built = JSON.parse(readFileSync(path, "utf8"));
  if (built.version !== pkg.version)
    throw new Error(`pack: ${path} is of version ${built.version}, not ${pkg.version} (npm run build:binary)`);
  const entries = {};
  for (const target of targets) {
    const entry = built.targets?.[target];
    if (!entry) throw new Error(`pack: ${path} lists no ${target} (npm run build:binary)`);
    const bytes = readFileSync(join(ROOT, "dist", "bin", binaryName(target)));
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (sha256 !== entry.sha256 || bytes.length !== entry.bytes)
      throw new Error(`pack: dist/bin/${binaryName(target)} is not the file ${path} describes (npm run build:binary)`);
    entries[target] = { sha256, bytes: bytes.length };
  }
  return { version: pkg.version, targets: entries };
}

function stageMain(stage, targets) {
  const dir = join(stage, "eks-token");
  mkdirSync(dir, { recursive: true });
  for (const entry of pkg.files) {
    const from = join(ROOT, entry);
    if (!existsSync(from)) throw new Error(`pack: ${from} is missing (npm run build)`);
    cpSync(from, join(dir, entry), { recursive: true });
  }
  writeFileSync(join(dir, NATIVE_MANIFEST), `${JSON.stringify(nativeManifest(targets), null, 2)}\n`);
  const { devDependencies: _dev, scripts: _scripts, ...manifest } = pkg;
  manifest.files = [...pkg.files, NATIVE_MANIFEST];
  manifest.scripts = { postinstall: "node scripts/postinstall.cjs" };
  manifest.optionalDependencies = Object.fromEntries(
    Object.keys(TARGETS).map((t) => [platformPackageName(t), pkg.version]),
  );
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

function parseArgs(argv) {
  const opts = { build: true, targets: Object.keys(TARGETS), out: join(ROOT, "dist", "npm") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--no-build") opts.build = false;
    else if (a === "--target" && argv[i + 1]) opts.targets = argv[++i].split(",");
    else if (a === "--out-dir" && argv[i + 1]) opts.out = resolve(argv[++i]);
    else throw new Error(`pack: unknown argument ${a}`);
  }
  for (const t of opts.targets) if (!TARGETS[t]) throw new Error(`pack: unknown target ${t}`);
  return opts;
}

function main() {
  const { build, targets, out: OUT } = parseArgs(process.argv.slice(2));
  if (build) {
    run(process.execPath, [join(ROOT, "scripts", "build.mjs")], ROOT);
    execFileSync(process.execPath, [join(ROOT, "scripts", "build-binary.mjs"), "--target", targets.join(",")], {
      cwd: ROOT,
      stdio: "inherit",
    });
  }
  mkdirSync(OUT, { recursive: true });
  const stage = mkdtempSync(join(OUT, ".stage-"));
  try {
    const dirs = [stageMain(stage, targets), ...targets.map((t) => stagePlatform(stage, t))];
    for (const dir of dirs) {
      const [info] = JSON.parse(run(npm, ["pack", "--json", "--ignore-scripts", "--pack-destination", OUT], dir));
      process.stdout.write(
        `pack: ${join(OUT, info.filename)} (${info.entryCount} files, ${(info.size / 1e6).toFixed(1)} MB)\n`,
      );
    }
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
}
