// What a user's `npm i -g eks-token` does, with no network: the tarballs of `npm run pack` (the
// main package and this machine's platform package) are published to a registry on loopback
// (verdaccio, started here on an ephemeral port, with a temp storage and no uplinks, so nothing
// reaches the internet), then installed globally into temp prefixes the way the README says.
// With the platform package, `eks-token` on PATH is the native executable itself; without it
// (--omit=optional, --ignore-scripts) the same command runs the CLI on Node. Both print tokens
// that verify for the same host, cluster and key. The library loads with require and import.
// (npm 11 installs optional dependencies globally even with --omit=optional, npm/cli#8284: there
// the runtime that answers must be the one installed; a project install omits them.)
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runChild, type ChildResult } from "../support/child.js";
import { NATIVE_PATH, ROOT, hermeticEnv, nativeTarget } from "../support/cli.js";
import { CLUSTER, KEYS, REGION, TARGETS, VERSION, ensureNative, expectVerifiedToken } from "./helpers.js";

const SUPPORTED = process.platform === "linux" && (TARGETS as readonly string[]).includes(nativeTarget());
const WHY = `the install test runs where a platform package is built and runnable (linux), not on ${nativeTarget()}`;
const VERDACCIO = join(ROOT, "node_modules", "verdaccio", "bin", "verdaccio");
const NPM_TIMEOUT = 180_000;

/** The install line of the README's Install section (what a user types). */
function readmeInstallLine(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Install"));
  const line = section?.split("\n").find((l) => /^npm i(nstall)? -g eks-token\b/.test(l));
  if (!line) throw new Error("README.md: no `npm i -g eks-token` line in the Install section");
  return line.replace(/#.*$/, "").trim();
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe.skipIf(!SUPPORTED)(
  `npm i -g eks-token from a registry on loopback${SUPPORTED ? "" : ` (skipped: ${WHY})`}`,
  () => {
    let work: string;
    let registry: string;
    let verdaccio: ChildProcess | undefined;
    let npmEnv: Record<string, string>;
    let tarballs: string;

    const npm = (args: string[], cwd = work): Promise<ChildResult> =>
      runChild(
        "npm",
        [
          ...args,
          "--registry",
          registry,
          "--userconfig",
          join(work, "npmrc"),
          "--cache",
          join(work, "npm-cache"),
          "--no-audit",
          "--no-fund",
          "--no-update-notifier",
        ],
        {
          cwd,
          env: npmEnv,
          stdin: "ignore",
          timeoutMs: NPM_TIMEOUT,
        },
      );
    const expectOk = (r: ChildResult, what: string) => expect(r.code, `${what}:\n${r.stdout}\n${r.stderr}`).toBe(0);

    beforeAll(async () => {
      await ensureNative();
      work = mkdtempSync(join(tmpdir(), "eks-token-npm-"));
      tarballs = join(work, "tarballs");
      const pack = await runChild(
        process.execPath,
        [join(ROOT, "scripts", "pack.mjs"), "--no-build", "--target", nativeTarget(), "--out-dir", tarballs],
        {
          cwd: ROOT,
          timeoutMs: NPM_TIMEOUT,
        },
      );
      expect(pack.code, pack.stderr).toBe(0);

      const port = await freePort();
      registry = `http://127.0.0.1:${port}/`;
      const config = [
        `storage: ${join(work, "storage")}`,
        `auth:`,
        `  htpasswd:`,
        `    file: ${join(work, "htpasswd")}`,
        `uplinks: {}`,
        `packages:`,
        `  '**':`,
        `    access: $all`,
        `    publish: $authenticated`,
        `web:`,
        `  enable: false`,
        `log: { type: stdout, format: pretty, level: warn }`,
        `max_body_size: 500mb`,
        "",
      ].join("\n");
      writeFileSync(join(work, "verdaccio.yaml"), config);
      const home = join(work, "home");
      mkdirSync(home);
      npmEnv = hermeticEnv(home, { EKS_TOKEN_NO_CACHE: undefined, npm_config_loglevel: "warn" });
      verdaccio = spawn(
        process.execPath,
        [VERDACCIO, "--config", join(work, "verdaccio.yaml"), "--listen", `127.0.0.1:${port}`],
        {
          cwd: work,
          env: npmEnv,
          stdio: ["ignore", "ignore", "inherit"],
        },
      );
      for (const deadline = Date.now() + 30_000; ; ) {
        const up = await fetch(`${registry}-/ping`).then(
          (r) => r.ok,
          () => false,
        );
        if (up) break;
        if (Date.now() > deadline || verdaccio.exitCode !== null) throw new Error("verdaccio did not start");
        await new Promise((r) => setTimeout(r, 200));
      }
      // A user for publishing, as `npm adduser` makes one.
      const res = await fetch(`${registry}-/user/org.couchdb.user:ci`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "ci", password: "ci-password-0123", email: "ci@example.invalid" }),
      });
      expect(res.status).toBe(201);
      const { token } = (await res.json()) as { token: string };
      writeFileSync(join(work, "npmrc"), `//127.0.0.1:${port}/:_authToken=${token}\n`);
      for (const file of readdirSync(tarballs))
        expectOk(await npm(["publish", join(tarballs, file)]), `npm publish ${file}`);
    }, 600_000);

    afterAll(async () => {
      if (verdaccio && verdaccio.exitCode === null) {
        verdaccio.kill("SIGTERM");
        await new Promise((r) => verdaccio!.once("exit", r));
      }
      if (work && !process.env["KEEP_NPM_TEST"]) rmSync(work, { recursive: true, force: true });
    });

    const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
    const tarList = async (file: string) => {
      const r = await runChild("tar", ["-tzf", join(tarballs, file)], { stdin: "ignore" });
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.split("\n").filter(Boolean).sort();
    };
    const tarFile = async (file: string, member: string) =>
      (await runChild("tar", ["-xzOf", join(tarballs, file), member], { stdin: "ignore" })).stdout;

    it("packs the main package with everything the CLI and the library need, and every platform package as an exact optional dependency", async () => {
      const files = await tarList(`eks-token-${VERSION}.tgz`);
      for (const f of [
        "package/package.json",
        "package/README.md",
        "package/bin/eks-token",
        "package/bin/package.json",
        "package/dist/eks-token.cjs",
        "package/dist/lib/token-miss.cjs",
        "package/dist/index.cjs",
        "package/dist/index.mjs",
        "package/dist/types/index.d.ts",
        "package/scripts/postinstall.cjs",
        "package/scripts/native-manifest.json",
      ]) {
        expect(files, f).toContain(f);
      }
      expect(
        files.filter(
          (f) =>
            !/^package\/(package\.json|README\.md|bin\/|dist\/(eks-token\.cjs|index\.[cm]js|lib\/|types\/)|scripts\/(postinstall\.cjs|native-manifest\.json)$)/.test(
              f,
            ),
        ),
      ).toEqual([]);
      const manifest = JSON.parse(await tarFile(`eks-token-${VERSION}.tgz`, "package/package.json")) as Record<
        string,
        unknown
      >;
      expect(manifest["optionalDependencies"]).toEqual(
        Object.fromEntries(TARGETS.map((t) => [`eks-token-${t}`, VERSION])),
      );
      expect(manifest["scripts"]).toEqual({ postinstall: "node scripts/postinstall.cjs" });
      expect(manifest["devDependencies"]).toBeUndefined();
      expect(manifest["bin"]).toEqual({ "eks-token": "bin/eks-token" });
    });

    it("packs this platform's package with only its executable, and os, cpu and libc for every target", async () => {
      const file = `eks-token-${nativeTarget()}-${VERSION}.tgz`;
      expect(await tarList(file)).toEqual(["package/README.md", "package/bin/eks-token", "package/package.json"]);
      const described = await runChild(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `import { platformManifest } from ${JSON.stringify(join(ROOT, "scripts", "pack.mjs"))}; console.log(JSON.stringify(${JSON.stringify(TARGETS)}.map(platformManifest)))`,
        ],
        { cwd: ROOT, stdin: "ignore" },
      );
      const manifests = JSON.parse(described.stdout) as {
        name: string;
        version: string;
        os: string[];
        cpu: string[];
        libc?: string[];
        files: string[];
      }[];
      expect(manifests.map((m) => [m.name, m.version, m.os, m.cpu, m.libc, m.files])).toEqual([
        ["eks-token-linux-x64", VERSION, ["linux"], ["x64"], ["glibc"], ["bin/eks-token"]],
        ["eks-token-linux-arm64", VERSION, ["linux"], ["arm64"], ["glibc"], ["bin/eks-token"]],
        ["eks-token-linux-x64-musl", VERSION, ["linux"], ["x64"], ["musl"], ["bin/eks-token"]],
        ["eks-token-linux-arm64-musl", VERSION, ["linux"], ["arm64"], ["musl"], ["bin/eks-token"]],
        ["eks-token-darwin-x64", VERSION, ["darwin"], ["x64"], undefined, ["bin/eks-token"]],
        ["eks-token-darwin-arm64", VERSION, ["darwin"], ["arm64"], undefined, ["bin/eks-token"]],
        ["eks-token-windows-x64", VERSION, ["win32"], ["x64"], undefined, ["bin/eks-token.exe"]],
      ]);
      expect(JSON.parse(await tarFile(file, "package/package.json"))).toEqual(
        manifests.find((m) => m.name === `eks-token-${nativeTarget()}`),
      );
    });

    /** The main package unpacked into DIR/node_modules/eks-token, beside an empty platform package; runs nothing. */
    const unpacked = async (name: string) => {
      const dir = join(work, name, "node_modules");
      mkdirSync(join(dir, "eks-token"), { recursive: true });
      const untar = await runChild(
        "tar",
        ["-xzf", join(tarballs, `eks-token-${VERSION}.tgz`), "-C", join(dir, "eks-token"), "--strip-components=1"],
        { stdin: "ignore" },
      );
      expect(untar.code, untar.stderr).toBe(0);
      const platform = join(dir, `eks-token-${nativeTarget()}`);
      mkdirSync(join(platform, "bin"), { recursive: true });
      writeFileSync(
        join(platform, "package.json"),
        JSON.stringify({ name: `eks-token-${nativeTarget()}`, version: VERSION }),
      );
      const main = join(dir, "eks-token");
      return {
        main,
        platformExe: join(platform, "bin", "eks-token"),
        bin: join(main, "bin", "eks-token"),
        shim: readFileSync(join(main, "bin", "eks-token")),
        postinstall: () =>
          runChild(process.execPath, [join(main, "scripts", "postinstall.cjs")], { stdin: "ignore", env: npmEnv }),
      };
    };

    it("packs the SHA-256 of each packed executable into the main package, from the build's manifest", async () => {
      const listed = JSON.parse(await tarFile(`eks-token-${VERSION}.tgz`, "package/scripts/native-manifest.json"));
      expect(listed).toEqual({
        version: VERSION,
        targets: { [nativeTarget()]: { sha256: sha(NATIVE_PATH), bytes: readFileSync(NATIVE_PATH).length } },
      });
    });

    it("the postinstall keeps the Node CLI when the platform package's executable is not the one listed", async () => {
      const p = await unpacked("failed-check");
      // An executable from another release answers with its own version.
      writeFileSync(p.platformExe, `#!/bin/sh\necho "eks-token 0.0.1 (native ${nativeTarget()})"\n`, { mode: 0o755 });
      const result = await p.postinstall();
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(
        /^eks-token: .* is not the [a-z0-9-]+ executable of eks-token .* \(SHA-256 [0-9a-f]{64}, \d+ bytes; expected [0-9a-f]{64}, \d+ bytes\): eks-token runs on Node\n$/,
      );
      expect(readFileSync(p.bin)).toEqual(p.shim);
      // With the real executable in its place, the same script puts it there.
      rmSync(p.platformExe);
      writeFileSync(p.platformExe, readFileSync(NATIVE_PATH), { mode: 0o755 });
      expect((await p.postinstall()).stderr).toBe("");
      expect(sha(p.bin)).toBe(sha(NATIVE_PATH));
    });

    it("an executable that answers --version with this version but is another file is not placed", async () => {
      const p = await unpacked("same-version");
      writeFileSync(p.platformExe, `#!/bin/sh\necho "eks-token ${VERSION} (native ${nativeTarget()})"\n`, {
        mode: 0o755,
      });
      const result = await p.postinstall();
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/ is not the .* executable of eks-token .*: eks-token runs on Node\n$/);
      expect(readFileSync(p.bin)).toEqual(p.shim);
    });

    it("a relative symlink in the platform package: the file it names is checked and placed, not the link", async () => {
      const p = await unpacked("relative-symlink");
      mkdirSync(join(dirname(p.platformExe), "real"));
      writeFileSync(join(dirname(p.platformExe), "real", "eks-token"), readFileSync(NATIVE_PATH), { mode: 0o755 });
      symlinkSync("real/eks-token", p.platformExe);
      // What the same link names from the main package's bin/: placed as a link, the command would run this.
      mkdirSync(join(dirname(p.bin), "real"));
      writeFileSync(join(dirname(p.bin), "real", "eks-token"), "#!/bin/sh\necho another file\n", { mode: 0o755 });
      const result = await p.postinstall();
      expect(result.stderr).toBe("");
      expect(lstatSync(p.bin).isFile()).toBe(true);
      expect(sha(p.bin)).toBe(sha(NATIVE_PATH));
      const version = await runChild(p.bin, ["--version"], { env: npmEnv, stdin: "ignore" });
      expect(version.stdout).toBe(`eks-token ${VERSION} (native ${nativeTarget()})\n`);
    });

    it("without the list of executables (an older main package), the Node CLI stays", async () => {
      const p = await unpacked("no-list");
      rmSync(join(p.main, "scripts", "native-manifest.json"));
      writeFileSync(p.platformExe, readFileSync(NATIVE_PATH), { mode: 0o755 });
      const result = await p.postinstall();
      expect(result.stderr).toMatch(
        /^eks-token: this package lists no native executables \(ENOENT\): eks-token runs on Node\n$/,
      );
      expect(readFileSync(p.bin)).toEqual(p.shim);
    });

    const install = async (name: string, extra: string[]) => {
      const prefix = join(work, name);
      const [cmd, ...args] = readmeInstallLine().split(/\s+/);
      expect(cmd).toBe("npm");
      expectOk(await npm([...args, "--prefix", prefix, ...extra]), `npm ${args.join(" ")} ${extra.join(" ")}`);
      return join(prefix, "bin", "eks-token");
    };
    const tokenEnv = () =>
      hermeticEnv(mkdtempSync(join(work, "home-")), {
        AWS_ACCESS_KEY_ID: KEYS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey,
        PATH: "/usr/bin:/bin",
      });
    let nativeToken = "";

    it(
      "with the platform package: eks-token on PATH is the native executable itself",
      async () => {
        const bin = await install("global-native", []);
        const target = realpathSync(bin);
        expect(readFileSync(target).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
        expect(sha(target)).toBe(sha(NATIVE_PATH));
        // No Node on PATH: the executable needs none.
        const version = await runChild(bin, ["--version"], { env: tokenEnv(), stdin: "ignore" });
        expect(version).toMatchObject({
          code: 0,
          stderr: "",
          stdout: `eks-token ${VERSION} (native ${nativeTarget()})\n`,
        });
        nativeToken = expectVerifiedToken(
          await runChild(bin, ["--cluster-name", CLUSTER, "--region", REGION], { env: tokenEnv() }),
        );
      },
      NPM_TIMEOUT,
    );

    for (const [name, flag] of [
      ["--omit=optional", "--omit=optional"],
      ["--ignore-scripts", "--ignore-scripts"],
    ] as const) {
      it(
        `with ${name}: without the native executable in place the same command runs the CLI on Node, and its token verifies for the same host, cluster and key`,
        async () => {
          const bin = await install(`global-${flag.replace(/\W/g, "")}`, [flag]);
          const platformPackage = existsSync(
            join(
              realpathSync(join(bin, "..", "..")),
              "lib",
              "node_modules",
              "eks-token",
              "node_modules",
              `eks-token-${nativeTarget()}`,
            ),
          );
          const nativeInPlace = flag === "--omit=optional" && platformPackage;
          expect(
            readFileSync(realpathSync(bin))
              .subarray(0, 20)
              .toString("latin1")
              .startsWith(nativeInPlace ? "\x7fELF" : "#!/usr/bin/env node\n"),
          ).toBe(true);
          const env = { ...tokenEnv(), PATH: `${join(process.execPath, "..")}:/usr/bin:/bin` };
          const runtime = nativeInPlace ? `native ${nativeTarget()}` : "node";
          expect(await runChild(bin, ["--version"], { env, stdin: "ignore" })).toMatchObject({
            code: 0,
            stderr: "",
            stdout: `eks-token ${VERSION} (${runtime})\n`,
          });
          const token = expectVerifiedToken(
            await runChild(bin, ["--cluster-name", CLUSTER, "--region", REGION], { env }),
          );
          if (nativeToken)
            expect(new URL(Buffer.from(token.slice(11), "base64url").toString()).host).toBe(
              new URL(Buffer.from(nativeToken.slice(11), "base64url").toString()).host,
            );
        },
        NPM_TIMEOUT,
      );
    }

    it(
      "the library loads with require() and import, with one set of types for both",
      async () => {
        const project = join(work, "project");
        mkdirSync(project);
        writeFileSync(
          join(project, "package.json"),
          JSON.stringify({ name: "consumer", version: "1.0.0", private: true }),
        );
        expectOk(
          await npm(["install", "eks-token", "--omit=optional"], project),
          "npm install eks-token --omit=optional",
        );
        expect(existsSync(join(project, "node_modules", `eks-token-${nativeTarget()}`))).toBe(false);
        const env = { ...npmEnv, PATH: `${join(process.execPath, "..")}:/usr/bin:/bin` };
        // npx runs the CLI on Node when no platform package is installed.
        const npx = await runChild("npx", ["--no-install", "eks-token", "--version"], {
          cwd: project,
          env: { ...env, npm_config_registry: registry },
          stdin: "ignore",
          timeoutMs: NPM_TIMEOUT,
        });
        expect(npx).toMatchObject({ code: 0, stdout: `eks-token ${VERSION} (node)\n` });
        const cjs = await runChild(
          process.execPath,
          [
            "-e",
            'const m = require("eks-token"); console.log(typeof m.createToken, typeof m.decodeToken, m.TOKEN_PREFIX)',
          ],
          { cwd: project, env, stdin: "ignore" },
        );
        expect(cjs).toMatchObject({ code: 0, stdout: "function function k8s-aws-v1.\n" });
        const esm = await runChild(
          process.execPath,
          [
            "--input-type=module",
            "-e",
            'import { createToken, decodeToken, TOKEN_PREFIX } from "eks-token"; console.log(typeof createToken, typeof decodeToken, TOKEN_PREFIX)',
          ],
          { cwd: project, env, stdin: "ignore" },
        );
        expect(esm).toMatchObject({ code: 0, stdout: "function function k8s-aws-v1.\n" });
        const installed = JSON.parse(
          readFileSync(join(project, "node_modules", "eks-token", "package.json"), "utf8"),
        ) as { exports: Record<string, Record<string, string>> };
        expect(installed.exports["."]).toEqual({
          types: "./dist/types/index.d.ts",
          import: "./dist/index.mjs",
          require: "./dist/index.cjs",
        });
        expect(
          readFileSync(join(project, "node_modules", "eks-token", "dist", "types", "index.d.ts"), "utf8"),
        ).toContain("createToken");
      },
      NPM_TIMEOUT,
    );
  },
);
