// Runs after `npm install eks-token`: puts the platform's native executable where bin/eks-token
// is, so the `eks-token` npm links onto PATH is that executable itself, with no Node process in
// between. The platform package (eks-token-<os>-<arch>[-musl], an optional dependency) must be
// installed, its executable must be a regular file (a symlink is followed to the file it names,
// which is what gets placed) whose SHA-256 and size are the ones this package lists for the
// target (scripts/native-manifest.json, written by scripts/pack.mjs from the build's manifest),
// and it must answer `--version` with this package's version and its own target. Anything else
// (--omit=optional, an unknown platform, a failed check, Windows, where npm's shim starts node
// itself) leaves bin/eks-token as it is: the CLI on Node, which is complete. This script never
// fails the install.
"use strict";
const { execFileSync } = require("node:child_process");
const { createHash } = require("node:crypto");
const {
  chmodSync,
  closeSync,
  copyFileSync,
  fstatSync,
  linkSync,
  openSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} = require("node:fs");
const { dirname, join } = require("node:path");

const ROOT = join(__dirname, "..");
const pkg = require(join(ROOT, "package.json"));

function target() {
  const os = process.platform === "win32" ? "windows" : process.platform;
  let musl = false;
  if (process.platform === "linux") {
    const report = process.report?.getReport();
    musl = !report?.header?.glibcVersionRuntime;
  }
  return `${os}-${process.arch}${musl ? "-musl" : ""}`;
}

function note(text) {
  process.stderr.write(`eks-token: ${text}\n`);
}

/** What this package says the target's executable is, or a reason there is nothing to check against. */
function expectedFile(t) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(__dirname, "native-manifest.json"), "utf8"));
  } catch (e) {
    return { missing: `this package lists no native executables (${e.code || e.message})` };
  }
  const entry = manifest?.version === pkg.version ? manifest.targets?.[t] : undefined;
  if (!entry || !/^[0-9a-f]{64}$/.test(entry.sha256) || !Number.isSafeInteger(entry.bytes))
    return { missing: `this package lists no ${t} executable of version ${pkg.version}` };
  return entry;
}

/** SHA-256 and size of an open file, read through its descriptor. */
function digest(fd) {
  const hash = createHash("sha256");
  const buffer = Buffer.alloc(1 << 20);
  let bytes = 0;
  for (;;) {
    const n = readSync(fd, buffer, 0, buffer.length, null);
    if (n === 0) break;
    hash.update(buffer.subarray(0, n));
    bytes += n;
  }
  return { sha256: hash.digest("hex"), bytes };
}

// Bun reads these before the executable's own code runs: the check runs it without them.
const BUN_VARIABLES = ["BUN_BE_BUN", "BUN_OPTIONS", "BUN_INSPECT", "BUN_INSPECT_CONNECT_TO", "BUN_INSPECT_PRELOAD"];

function install() {
  const t = target();
  const name = `eks-token-${t}`;
  if (process.platform === "win32")
    return note(`on Windows npm's eks-token command runs Node; the native executable is ${name}/bin/eks-token.exe`);
  let exe;
  try {
    exe = join(dirname(require.resolve(`${name}/package.json`, { paths: [ROOT] })), "bin", "eks-token");
  } catch {
    return note(`no native executable for this platform (${name} is not installed): eks-token runs on Node`);
  }
  const expected = expectedFile(t);
  if (expected.missing) return note(`${expected.missing}: eks-token runs on Node`);
  // The file itself: a symlink placed as it is would be read relative to bin/ and name another file.
  let real;
  try {
    real = realpathSync(exe);
    if (!statSync(real).isFile()) return note(`${exe} is not a regular file: eks-token runs on Node`);
  } catch (e) {
    return note(`${exe} cannot be read (${e.code || e.message}): eks-token runs on Node`);
  }
  const bin = join(ROOT, "bin", "eks-token");
  const partial = `${bin}.partial-${process.pid}`;
  try {
    try {
      linkSync(real, partial);
    } catch {
      copyFileSync(real, partial);
    }
    // What is checked is the file that is put in place.
    const fd = openSync(partial, "r");
    let found;
    try {
      if (!fstatSync(fd).isFile()) throw Object.assign(new Error("not a regular file"), { code: "ENOTFILE" });
      found = digest(fd);
    } finally {
      closeSync(fd);
    }
    if (found.sha256 !== expected.sha256 || found.bytes !== expected.bytes) {
      rmSync(partial, { force: true });
      return note(
        `${exe} is not the ${t} executable of eks-token ${pkg.version} (SHA-256 ${found.sha256}, ${found.bytes} bytes; expected ${expected.sha256}, ${expected.bytes} bytes): eks-token runs on Node`,
      );
    }
    chmodSync(partial, 0o755);
    const want = `eks-token ${pkg.version} (native ${t})`;
    let answer = "";
    try {
      const env = { ...process.env };
      for (const v of BUN_VARIABLES) delete env[v];
      answer = execFileSync(partial, ["--version"], {
        encoding: "utf8",
        timeout: 15_000,
        env,
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
    } catch (e) {
      answer = `an error (${e.code || e.status || e.signal})`;
    }
    if (answer !== want) {
      rmSync(partial, { force: true });
      return note(
        `${exe} --version gave ${JSON.stringify(answer)}, not ${JSON.stringify(want)}: eks-token runs on Node`,
      );
    }
    renameSync(partial, bin);
  } catch (e) {
    rmSync(partial, { force: true });
    return note(`could not put the native executable in place (${e.code || e.message}): eks-token runs on Node`);
  }
}

try {
  install();
} catch (e) {
  note(`install check failed (${e?.message}): eks-token runs on Node`);
}
