// The released native executable (this machine's target) under the variables Bun reads from the
// environment, in a current directory holding files Bun would run: ./token.js, a package.json
// script named token, bunfig.toml, .env, and a preload that leaves a marker when it runs.
//
// - BUN_OPTIONS (`--preload`, `--help`, `--version`, `-e`, `--config`) is inert: the executable is
//   built with `--compile-exec-argv=--` (the control build without it runs the preload).
// - NODE_OPTIONS is not read by Bun.
// - BUN_INSPECT, BUN_INSPECT_CONNECT_TO, BUN_INSPECT_PRELOAD: Bun acts on them before the CLI's
//   code runs and no build option turns them off, so the CLI refuses with one line.
// - BUN_BE_BUN=1 turns the executable into Bun itself, which no build option or code of ours can
//   stop: pinned here as the README says it (BUN_BE_BUN=0 or empty keeps eks-token).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runChild } from "../support/child.js";
import { NATIVE_PATH, ROOT, hermeticEnv, nativeTarget } from "../support/cli.js";
import { CLUSTER, KEYS, REGION, ensureNative, expectVerifiedToken } from "./helpers.js";

const BUN = join(ROOT, "node_modules", ".bin", "bun");
const RUNNABLE = nativeTarget() === "linux-x64";
const work = mkdtempSync(join(tmpdir(), "eks-token-bun-variables-"));
const cwd = join(work, "hostile-dir");
const home = join(work, "home");
const marker = join(cwd, "ran");
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  if (!RUNNABLE) return;
  await ensureNative();
  mkdirSync(cwd);
  mkdirSync(join(home, ".aws"), { recursive: true });
  writeFileSync(
    join(home, ".aws", "credentials"),
    `[default]\naws_access_key_id = ${KEYS.accessKeyId}\naws_secret_access_key = ${KEYS.secretAccessKey}\n`,
  );
  const leaveMarker = (what: string) =>
    `require("node:fs").appendFileSync(${JSON.stringify(marker)}, ${JSON.stringify(`${what}\n`)});\n`;
  writeFileSync(join(cwd, "pre.js"), leaveMarker("pre.js"));
  writeFileSync(join(cwd, "token.js"), leaveMarker("token.js"));
  writeFileSync(join(cwd, "package.json"), JSON.stringify({ name: "x", scripts: { token: "echo script >> ran" } }));
  writeFileSync(join(cwd, "bunfig.toml"), `preload = ["./pre.js"]\n`);
  writeFileSync(join(cwd, ".env"), "AWS_ACCESS_KEY_ID=AKIADOTENVEVILKEY001\n");
}, 600_000);

const ran = () => (existsSync(marker) ? "ran" : "nothing ran");

function run(env: Record<string, string | undefined>, args = ["token", "--cluster-name", CLUSTER, "--region", REGION]) {
  rmSync(marker, { force: true });
  return runChild(NATIVE_PATH, args, {
    cwd,
    env: hermeticEnv(home, { PATH: "/usr/bin:/bin", ...env }),
    stdin: "ignore",
    timeoutMs: 30_000,
  });
}

describe.skipIf(!RUNNABLE)(
  `the native executable under Bun's variables${RUNNABLE ? "" : " (skipped: runs the linux-x64 build)"}`,
  () => {
    it("with none of them, in that directory: signs with the default profile, and nothing there runs", async () => {
      expectVerifiedToken(await run({}));
      expect(ran()).toBe("nothing ran");
    });

    it.each([
      "--preload ./pre.js",
      "--preload=./pre.js",
      "-r ./pre.js",
      "--import ./pre.js",
      "--config ./bunfig.toml",
      "--help",
      "-h",
      "--version",
      "-e require('./pre.js')",
      "--print require('./pre.js')",
      "--cwd=/ --preload ./pre.js",
    ])("BUN_OPTIONS=%s changes nothing: the credential, exit 0, nothing run", async (options) => {
      expectVerifiedToken(await run({ BUN_OPTIONS: options }));
      expect(ran()).toBe("nothing ran");
    });

    it.each(["--require ./pre.js", "--import ./pre.js"])("NODE_OPTIONS=%s is not read", async (options) => {
      expectVerifiedToken(await run({ NODE_OPTIONS: options }));
      expect(ran()).toBe("nothing ran");
    });

    it.each([
      ["BUN_INSPECT", "ws://127.0.0.1:1/eks-token-test"],
      ["BUN_INSPECT_CONNECT_TO", `unix://${join(work, "no-debugger.sock")}`],
      ["BUN_INSPECT_PRELOAD", "./pre.js"],
    ])("%s set: refused with one line naming it, empty stdout, exit 1", async (name, value) => {
      const result = await run({ [name]: value });
      expect(result.stdout).toBe("");
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `eks-token: ${name} is set, which makes the native executable open a debugger or run a file before it starts: unset it for eks-token (env -u ${name} eks-token ...), or use the npm package under Node\n`,
      );
    });

    it.each(["0", "", "false"])("BUN_BE_BUN=%j keeps eks-token", async (value) => {
      expectVerifiedToken(await run({ BUN_BE_BUN: value }));
      expect(ran()).toBe("nothing ran");
    });

    it("BUN_BE_BUN=1 makes it Bun, which runs the directory's token script (what remains: README)", async () => {
      const result = await run({ BUN_BE_BUN: "1" });
      expect(result.stdout).not.toMatch(/ExecCredential/);
      expect(ran()).toBe("ran");
    });

    it("(a build without --compile-exec-argv=-- runs BUN_OPTIONS' preload: this test can fail)", async () => {
      const exe = join(work, "no-exec-argv", "eks-token");
      const built = spawnSync(
        BUN,
        [
          "build",
          "src/cli/bin.ts",
          "--compile",
          "--no-compile-autoload-dotenv",
          "--no-compile-autoload-bunfig",
          "--outfile",
          exe,
        ],
        { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
      );
      expect(built.status, built.stderr).toBe(0);
      rmSync(marker, { force: true });
      const result = await runChild(exe, ["--version"], {
        cwd,
        env: hermeticEnv(home, { PATH: "/usr/bin:/bin", BUN_OPTIONS: "--preload ./pre.js" }),
        stdin: "ignore",
      });
      expect(result.code, result.stderr).toBe(0);
      expect(ran()).toBe("ran");
    }, 120_000);
  },
);
