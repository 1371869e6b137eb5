// Runs the built CLI in a hermetic environment: `node dist/eks-token.cjs`, or the native executable
// dist/bin/eks-token-<platform> when EKS_TOKEN_TEST_RUNTIME=native (the one switch: every CLI,
// e2e and client test spawns CLI_COMMAND).
//
// - ensureBuilt(): builds dist/ with scripts/build.mjs once per worker, and only when the bundle is
//   missing or older than a file under src/. Workers (and separate vitest runs) serialize on an
//   exclusive lock file created with openSync(path, "wx"), and re-check freshness after taking it,
//   so two of them never run the build (which starts by deleting dist/) at the same time.
// - hermeticEnv(): a child environment built from scratch: temp HOME, AWS files inside it, IMDS
//   off, no inherited AWS_* variables, no token cache. Nothing the child does can reach the network.
// - runCli(): spawns CLI_COMMAND with the arguments, keeps stdin open as a pipe that is never
//   closed (what @kubernetes/client-node does), and kills the child if it does not finish in time.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runChild, type ProcessResult } from "./child.js";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI_PATH = join(ROOT, "dist", "eks-token.cjs");

/** The runtime the CLI tests run: "node" (the default) or "native". */
export const RUNTIME: "node" | "native" = (() => {
  const value = process.env["EKS_TOKEN_TEST_RUNTIME"] ?? "node";
  if (value !== "node" && value !== "native")
    throw new Error(`EKS_TOKEN_TEST_RUNTIME must be node or native, not ${JSON.stringify(value)}`);
  return value;
})();

/** This machine's native target, as scripts/build-binary.mjs names it (linux-x64, darwin-arm64, ...). */
export function nativeTarget(): string {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const report =
    process.platform === "linux"
      ? (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
      : undefined;
  const musl = process.platform === "linux" && !report?.header?.glibcVersionRuntime;
  return `${os}-${process.arch}${musl ? "-musl" : ""}`;
}

/** The native executable for this machine (npm run build:binary). */
export const NATIVE_PATH = join(
  ROOT,
  "dist",
  "bin",
  `eks-token-${nativeTarget()}${process.platform === "win32" ? ".exe" : ""}`,
);

/**
 * The native executable the CLI tests run: the same sources built with the network guard
 * preloaded (scripts/build-binary.mjs --preload). The released one ignores BUN_OPTIONS, so the
 * guard cannot be given to it from outside; test/native runs the released one.
 */
export const GUARDED_NATIVE_PATH = join(
  ROOT,
  "dist",
  "bin-guarded",
  `eks-token-${nativeTarget()}${process.platform === "win32" ? ".exe" : ""}`,
);
const NETWORK_GUARD = join(ROOT, "test", "e2e", "fixtures", "network-guard.cjs");

/** The command (and leading arguments) that runs the CLI under test. */
export const CLI_COMMAND: readonly [string, ...string[]] =
  RUNTIME === "native" ? [GUARDED_NATIVE_PATH] : [process.execPath, CLI_PATH];
/** What the CLI under test names itself in `--version`: `(node)` or `(native linux-x64)`. */
export const RUNTIME_LABEL = RUNTIME === "native" ? `native ${nativeTarget()}` : "node";

const LOCK_PATH = join(
  tmpdir(),
  `eks-token-build-${createHash("sha256").update(ROOT).digest("hex").slice(0, 16)}.lock`,
);
const STALE_LOCK_MS = 5 * 60_000;
const BUILD_WAIT_MS = 4 * 60_000;

/** The newest modification time of any file under dir (0 when it does not exist). */
function newestMtime(dir: string): number {
  let newest = 0;
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.isFile()) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export function sourcesMtime(): number {
  let newest = newestMtime(join(ROOT, "src"));
  for (const file of [
    "scripts/build.mjs",
    "scripts/build-binary.mjs",
    "scripts/compile-binary.mjs",
    "scripts/lazy-modules.mjs",
    "test/e2e/fixtures/network-guard.cjs",
    "package.json",
  ]) {
    try {
      newest = Math.max(newest, statSync(join(ROOT, file)).mtimeMs);
    } catch {
      // absent: nothing to compare
    }
  }
  return newest;
}

/** True when dist/eks-token.cjs (and, for the native runtime, the executable) is at least as new as every source file. */
export function isBuildFresh(): boolean {
  try {
    const sources = sourcesMtime();
    return (
      statSync(CLI_PATH).mtimeMs >= sources &&
      (RUNTIME !== "native" ||
        (statSync(NATIVE_PATH).mtimeMs >= sources && statSync(GUARDED_NATIVE_PATH).mtimeMs >= sources))
    );
  } catch {
    return false;
  }
}

function buildNative(): void {
  const guarded = ["--out-dir", dirname(GUARDED_NATIVE_PATH), "--preload", NETWORK_GUARD];
  for (const extra of [[], guarded]) {
    const args = [join(ROOT, "scripts", "build-binary.mjs"), "--target", nativeTarget(), ...extra];
    const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", timeout: 180_000 });
    if (result.status !== 0)
      throw new Error(
        `node ${args.join(" ")} failed (exit ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
      );
  }
}

function runBuild(): void {
  const started = Date.now();
  const result = spawnSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 180_000,
  });
  if (result.status === 0) return;
  // The build's last step emits declarations with tsc; files other engineers are editing can make
  // that step fail after esbuild has written a good bundle. The bundle is what these tests run.
  const bundleWritten = existsSync(CLI_PATH) && statSync(CLI_PATH).mtimeMs >= started - 1_000;
  if (bundleWritten) {
    process.stderr.write(
      `test/support/cli.ts: the build exited ${result.status} after writing ${CLI_PATH}; using the bundle\n`,
    );
    return;
  }
  throw new Error(
    `node scripts/build.mjs failed (exit ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function buildIfStale(): Promise<void> {
  const deadline = Date.now() + BUILD_WAIT_MS;
  for (;;) {
    if (isBuildFresh()) return;
    let fd: number | undefined;
    try {
      fd = openSync(LOCK_PATH, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      // Someone else is building. A lock left by a killed process is removed after a while.
      try {
        if (Date.now() - statSync(LOCK_PATH).mtimeMs > STALE_LOCK_MS) unlinkSync(LOCK_PATH);
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${LOCK_PATH}`);
      await sleep(250);
      continue;
    }
    try {
      writeFileSync(fd, `${process.pid}\n`);
      // Another holder may have built while we waited for the lock.
      if (!isBuildFresh()) {
        runBuild();
        if (RUNTIME === "native") buildNative();
      }
      return;
    } finally {
      closeSync(fd);
      try {
        unlinkSync(LOCK_PATH);
      } catch {
        // already gone
      }
    }
  }
}

let building: Promise<void> | undefined;

/** Builds dist/ at most once per worker; resolves when dist/eks-token.cjs is usable. */
export function ensureBuilt(): Promise<void> {
  building ??= buildIfStale();
  return building;
}

// ---------------------------------------------------------------------------------------------
// Hermetic environments

export interface TempHome {
  readonly home: string;
  readonly configPath: string;
  readonly credentialsPath: string;
  /** Writes ~/.aws/config. */
  writeConfig(text: string): void;
  /** Writes ~/.aws/credentials. */
  writeCredentials(text: string): void;
  cleanup(): void;
}

/** A fresh, empty HOME under the system temp dir. Nothing is created in it until asked. */
export function makeTempHome(prefix = "eks-token-test-"): TempHome {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const awsDir = join(home, ".aws");
  const configPath = join(awsDir, "config");
  const credentialsPath = join(awsDir, "credentials");
  return {
    home,
    configPath,
    credentialsPath,
    writeConfig(text) {
      mkdirSync(awsDir, { recursive: true });
      writeFileSync(configPath, text);
    },
    writeCredentials(text) {
      mkdirSync(awsDir, { recursive: true });
      writeFileSync(credentialsPath, text);
    },
    cleanup() {
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export type ChildEnv = Record<string, string>;

/**
 * An environment made from nothing but PATH: temp HOME, AWS files inside it, IMDS disabled,
 * token cache off. No AWS_*, proxy, NODE_OPTIONS or KUBERNETES_* variable is inherited.
 * Values of `extra` that are undefined remove the variable.
 */
export function hermeticEnv(home: string, extra: Record<string, string | undefined> = {}): ChildEnv {
  const env: Record<string, string | undefined> = {
    PATH: process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    USERPROFILE: home,
    AWS_CONFIG_FILE: join(home, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    EKS_TOKEN_NO_CACHE: "1",
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

// ---------------------------------------------------------------------------------------------
// Running the CLI

export type CliResult = ProcessResult;

export interface RunOptions {
  readonly env: ChildEnv;
  /** Written to stdin, which is then closed. Without it stdin stays open and unread. */
  readonly input?: string;
  readonly timeoutMs?: number;
}

/** Waits (up to 30 s) while the CLI is missing: someone else's build may be rewriting dist/. */
export async function waitForBundle(): Promise<void> {
  const path = RUNTIME === "native" ? NATIVE_PATH : CLI_PATH;
  for (const deadline = Date.now() + 30_000; !existsSync(path) && Date.now() < deadline; ) await sleep(100);
}

/** Runs CLI_COMMAND with args; call ensureBuilt() first (in a beforeAll). */
export async function runCli(args: readonly string[], options: RunOptions): Promise<CliResult> {
  await waitForBundle();
  return runChild(CLI_COMMAND[0], [...CLI_COMMAND.slice(1), ...args], {
    cwd: ROOT,
    env: options.env,
    ...(options.input !== undefined ? { input: options.input, endInput: true } : {}),
    timeoutMs: options.timeoutMs ?? 20_000,
  });
}
