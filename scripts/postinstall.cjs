// Runs after `npm install eks-token`: puts the platform's native executable where bin/eks-token
// is, so the `eks-token` npm links onto PATH is that executable itself, with no Node process in
// between. The platform package (eks-token-<os>-<arch>[-musl], an optional dependency) must be
// installed, at this package's version, and its executable must answer `--version` with that
// version and its own target. Anything else (--omit=optional, an unknown platform, a failed
// check, Windows, where npm's shim starts node itself) leaves bin/eks-token as it is: the CLI on
// Node, which is complete. This script never fails the install.
"use strict";
const { execFileSync } = require("node:child_process");
const { chmodSync, copyFileSync, linkSync, renameSync, rmSync } = require("node:fs");
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

function install() {
  const name = `eks-token-${target()}`;
  if (process.platform === "win32")
    return note(`on Windows npm's eks-token command runs Node; the native executable is ${name}/bin/eks-token.exe`);
  let exe;
  try {
    exe = join(dirname(require.resolve(`${name}/package.json`, { paths: [ROOT] })), "bin", "eks-token");
  } catch {
    return note(`no native executable for this platform (${name} is not installed): eks-token runs on Node`);
  }
  const expected = `eks-token ${pkg.version} (native ${target()})`;
  let answer = "";
  try {
    answer = execFileSync(exe, ["--version"], {
      encoding: "utf8",
      timeout: 15_000,
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch (e) {
    answer = `an error (${e.code || e.status || e.signal})`;
  }
  if (answer !== expected)
    return note(
      `${exe} --version gave ${JSON.stringify(answer)}, not ${JSON.stringify(expected)}: eks-token runs on Node`,
    );
  const bin = join(ROOT, "bin", "eks-token");
  const partial = `${bin}.partial-${process.pid}`;
  try {
    try {
      linkSync(exe, partial);
    } catch {
      copyFileSync(exe, partial);
    }
    chmodSync(partial, 0o755);
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
