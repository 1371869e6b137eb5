// The native executables of every target (npm run build:binary): what can be checked here of
// those that cannot run here (format and architecture, the same embedded bundle), that builds are
// reproducible, that the executable ignores .env and bunfig.toml in the current directory, and a
// smoke run of linux-arm64 under qemu-user. macOS and Windows executables are built, not run.
import { spawnSync } from "node:child_process";
import { LAZY_SOURCES } from "../../scripts/lazy-modules.mjs";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runChild } from "../support/child.js";
import { NATIVE_PATH, ROOT, hermeticEnv, nativeTarget } from "../support/cli.js";
import {
  BIN_DIR,
  CLUSTER,
  KEYS,
  REGION,
  TARGETS,
  VERSION,
  binaryPath,
  ensureNative,
  expectVerifiedToken,
  type Target,
} from "./helpers.js";

const BUN = join(ROOT, "node_modules", ".bin", "bun");
const work = mkdtempSync(join(tmpdir(), "eks-token-targets-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  await ensureNative(TARGETS);
}, 600_000);

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

// ---------------------------------------------------------------------------------------------
// Executable formats

interface Format {
  format: "ELF" | "Mach-O" | "PE";
  machine: string;
  interpreter?: string;
}

function formatOf(file: Buffer): Format {
  if (file.readUInt32BE(0) === 0x7f454c46) {
    // ELF64, little-endian: e_machine at 18; program headers at e_phoff (32), e_phentsize (54), e_phnum (56).
    const machine =
      new Map([
        [0x3e, "x86-64"],
        [0xb7, "aarch64"],
      ]).get(file.readUInt16LE(18)) ?? `elf-${file.readUInt16LE(18)}`;
    const phoff = Number(file.readBigUInt64LE(32));
    let interpreter: string | undefined;
    for (let i = 0; i < file.readUInt16LE(56); i++) {
      const ph = phoff + i * file.readUInt16LE(54);
      if (file.readUInt32LE(ph) !== 3) continue; // PT_INTERP
      const offset = Number(file.readBigUInt64LE(ph + 8));
      const size = Number(file.readBigUInt64LE(ph + 32));
      interpreter = file
        .subarray(offset, offset + size)
        .toString("latin1")
        .replace(/\0+$/, "");
    }
    return { format: "ELF", machine, ...(interpreter ? { interpreter } : {}) };
  }
  if (file.readUInt32LE(0) === 0xfeedfacf) {
    const machine =
      new Map([
        [0x01000007, "x86-64"],
        [0x0100000c, "arm64"],
      ]).get(file.readUInt32LE(4)) ?? `macho-${file.readUInt32LE(4)}`;
    return { format: "Mach-O", machine };
  }
  if (file.toString("latin1", 0, 2) === "MZ") {
    const pe = file.readUInt32LE(0x3c);
    expect(file.toString("latin1", pe, pe + 4)).toBe("PE\0\0");
    const machine =
      new Map([
        [0x8664, "x86-64"],
        [0xaa64, "arm64"],
      ]).get(file.readUInt16LE(pe + 4)) ?? `pe-${file.readUInt16LE(pe + 4)}`;
    return { format: "PE", machine };
  }
  throw new Error("not an executable format this test knows");
}

const EXPECTED: Record<Target, Format> = {
  "linux-x64": { format: "ELF", machine: "x86-64", interpreter: "/lib64/ld-linux-x86-64.so.2" },
  "linux-arm64": { format: "ELF", machine: "aarch64", interpreter: "/lib/ld-linux-aarch64.so.1" },
  "linux-x64-musl": { format: "ELF", machine: "x86-64", interpreter: "/lib/ld-musl-x86_64.so.1" },
  "linux-arm64-musl": { format: "ELF", machine: "aarch64", interpreter: "/lib/ld-musl-aarch64.so.1" },
  "darwin-x64": { format: "Mach-O", machine: "x86-64" },
  "darwin-arm64": { format: "Mach-O", machine: "arm64" },
  "windows-x64": { format: "PE", machine: "x86-64" },
};

/** The modules Bun embeds (the entry and each lazy module): each from its CommonJS wrapper to the NUL after it. */
function embeddedBundle(file: Buffer): Buffer {
  const marker = Buffer.from(
    "// @bun @bytecode @bun-cjs\n(function(exports, require, module, __filename, __dirname) {",
  );
  const modules: Buffer[] = [];
  for (let start = file.indexOf(marker); start >= 0; start = file.indexOf(marker, start + 1))
    modules.push(file.subarray(start, file.indexOf(0, start)));
  // The entry and one module for each lazy module of scripts/lazy-modules.mjs, after the runtime
  // (whose own code holds the wrapper's text once).
  const ours = modules.slice(-(1 + LAZY_SOURCES.length));
  expect(modules.length, "the embedded modules").toBeGreaterThanOrEqual(ours.length);
  expect(
    ours.every((m) => m.length > 1_000),
    "each embedded module holds code",
  ).toBe(true);
  return Buffer.concat(ours);
}

describe("every target's executable", () => {
  const files = new Map<Target, Buffer>();
  const file = (t: Target) => {
    if (!files.has(t)) files.set(t, readFileSync(binaryPath(t)));
    return files.get(t)!;
  };

  it.each(TARGETS)("%s has its platform's format and architecture", (target) => {
    expect(formatOf(file(target))).toEqual(EXPECTED[target]);
  });

  it("the targets of one OS carry the same bundle, of this version, and the manifest names their hashes", () => {
    // Bun's bundler writes the target's process.platform into the code (and drops the branches of
    // other platforms), so the bundle is one per OS: linux (glibc and musl, x64 and arm64), darwin, windows.
    const os = (t: Target) => t.slice(0, t.indexOf("-"));
    const bundles = new Map<string, Set<string>>();
    for (const t of TARGETS) {
      const set = bundles.get(os(t)) ?? new Set<string>();
      set.add(sha256(embeddedBundle(file(t))));
      bundles.set(os(t), set);
    }
    expect([...bundles].map(([name, set]) => [name, set.size])).toEqual([
      ["linux", 1],
      ["darwin", 1],
      ["windows", 1],
    ]);
    expect(embeddedBundle(file("linux-x64")).includes(`"${VERSION}"`)).toBe(true);
    const manifest = JSON.parse(readFileSync(join(BIN_DIR, "manifest.json"), "utf8")) as {
      version: string;
      targets: Record<string, { sha256: string; bytes: number }>;
    };
    expect(manifest.version).toBe(VERSION);
    for (const t of TARGETS)
      expect(manifest.targets[t], t).toEqual({
        file: binaryPath(t).split("/").pop(),
        sha256: sha256(file(t)),
        bytes: file(t).length,
      });
  });

  it("the same commit builds the same bytes", async () => {
    const out = join(work, "again");
    const result = await runChild(
      process.execPath,
      [join(ROOT, "scripts", "build-binary.mjs"), "--target", "linux-x64,darwin-arm64", "--out-dir", out],
      { cwd: ROOT, stdin: "ignore", timeoutMs: 300_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    for (const t of ["linux-x64", "darwin-arm64"] as const)
      expect(sha256(readFileSync(join(out, `eks-token-${t}`))), t).toBe(sha256(file(t)));
  }, 300_000);
});

// ---------------------------------------------------------------------------------------------
// .env and bunfig.toml in the current directory

describe.skipIf(nativeTarget() !== "linux-x64")(
  `the native executable in a directory with .env, bunfig.toml and modules of its names${nativeTarget() === "linux-x64" ? "" : " (skipped: runs the linux-x64 build)"}`,
  () => {
    const EVIL = { accessKeyId: "AKIADOTENVEVILKEY001", secretAccessKey: "dotenvEvilSecret/EXAMPLE+0123456789abcdef" };
    let cwd: string;
    let marker: string;

    beforeAll(() => {
      cwd = join(work, "hostile-dir");
      mkdirSync(cwd);
      marker = join(cwd, "preload-ran");
      writeFileSync(join(cwd, ".env"), "AWS_PROFILE=evil\n");
      writeFileSync(join(cwd, ".env.local"), "AWS_PROFILE=evil\n");
      writeFileSync(join(cwd, "preload.js"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`);
      writeFileSync(join(cwd, "bunfig.toml"), `preload = ["./preload.js"]\n`);
      // Files named like the modules the executable imports by name: only its own are loaded.
      for (const source of LAZY_SOURCES)
        writeFileSync(join(cwd, basename(source).replace(/\.ts$/, ".js")), readFileSync(join(cwd, "preload.js")));
    });

    const run = (exe: string) => {
      const home = mkdtempSync(join(work, "home-"));
      mkdirSync(join(home, ".aws"));
      writeFileSync(
        join(home, ".aws", "credentials"),
        `[default]\naws_access_key_id = ${KEYS.accessKeyId}\naws_secret_access_key = ${KEYS.secretAccessKey}\n[evil]\naws_access_key_id = ${EVIL.accessKeyId}\naws_secret_access_key = ${EVIL.secretAccessKey}\n`,
      );
      return runChild(exe, ["--cluster-name", CLUSTER, "--region", REGION], {
        cwd,
        env: hermeticEnv(home, { PATH: "/usr/bin:/bin" }),
      });
    };

    it("signs with the default profile and runs no preload", async () => {
      rmSync(marker, { force: true });
      expectVerifiedToken(await run(NATIVE_PATH));
      expect(existsSync(marker)).toBe(false);
    });

    it("(which a build without --no-compile-autoload-dotenv/-bunfig would not: this test can fail)", async () => {
      rmSync(marker, { force: true });
      const exe = join(work, "autoload", "eks-token");
      const built = spawnSync(BUN, ["build", "src/cli/bin.ts", "--compile", "--minify", "--outfile", exe], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(built.status, built.stderr).toBe(0);
      const result = await run(exe);
      expect(result.code, result.stderr).toBe(0);
      const token = (JSON.parse(result.stdout) as { status: { token: string } }).status.token;
      expect(Buffer.from(token.slice("k8s-aws-v1.".length), "base64url").toString()).toContain(EVIL.accessKeyId);
      expect(existsSync(marker)).toBe(true);
    }, 120_000);
  },
);

// ---------------------------------------------------------------------------------------------
// linux-arm64 under qemu-user

const QEMU = ["/usr/bin/qemu-aarch64", "/usr/bin/qemu-aarch64-static"].find((p) => existsSync(p));
const ARM64_LIBC = "/usr/aarch64-linux-gnu";
const qemuMissing = !QEMU
  ? "qemu-aarch64 is not installed (Debian's qemu-user; .ci/run installs it)"
  : !existsSync(join(ARM64_LIBC, "lib", "ld-linux-aarch64.so.1"))
    ? `${ARM64_LIBC} has no arm64 C library (Debian's libc6-arm64-cross; .ci/run installs it)`
    : undefined;

describe.skipIf(qemuMissing !== undefined)(
  `linux-arm64 under qemu-user${qemuMissing ? ` (skipped: ${qemuMissing})` : ""}`,
  () => {
    const ARM_TIMEOUT = 60_000;
    const home = join(work, "arm64-home");
    const env = () =>
      hermeticEnv(home, {
        PATH: "/usr/bin:/bin",
        QEMU_LD_PREFIX: ARM64_LIBC,
        EKS_TOKEN_NO_CACHE: undefined,
        AWS_ACCESS_KEY_ID: KEYS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey,
      });
    const arm = (args: string[], input?: string) =>
      runChild(QEMU!, [binaryPath("linux-arm64"), ...args], {
        cwd: work,
        env: env(),
        timeoutMs: ARM_TIMEOUT,
        ...(input !== undefined ? { input, endInput: true } : {}),
      });
    let token = "";

    it(
      "prints its version and runtime",
      async () => {
        expect(await arm(["--version"])).toMatchObject({
          code: 0,
          stderr: "",
          stdout: `eks-token ${VERSION} (native linux-arm64)\n`,
        });
      },
      ARM_TIMEOUT,
    );

    it(
      "mints a token that verifies, then answers from the cache with the same token",
      async () => {
        mkdirSync(home, { recursive: true });
        token = expectVerifiedToken(await arm(["--cluster-name", CLUSTER, "--region", REGION]));
        const again = await arm(["--cluster-name", CLUSTER, "--region", REGION]);
        expect(expectVerifiedToken(again)).toBe(token);
        expect(existsSync(join(home, ".kube", "cache", "eks-token"))).toBe(true);
      },
      ARM_TIMEOUT * 2,
    );

    it(
      "verify accepts the token for its cluster",
      async () => {
        const result = await arm(["verify", "--cluster-name", CLUSTER, "--output", "json"], token);
        expect(result.stderr).toBe("");
        expect(result.code).toBe(0);
        expect(JSON.parse(result.stdout)).toMatchObject({ valid: true });
      },
      ARM_TIMEOUT,
    );

    it(
      "says what failed in one line",
      async () => {
        const result = await arm(["--cluster-name", CLUSTER, "--region", "not a region"]);
        expect(result.stdout).toBe("");
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/^eks-token: [^\n]*region[^\n]*\n$/);
      },
      ARM_TIMEOUT,
    );
  },
);
