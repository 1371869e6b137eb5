// Start-up benchmark of the CLI: median wall time and peak RSS of each way of getting a token,
// on Node (`node dist/eks-token.cjs`, with the Node that runs this script) and as the native
// executable (dist/bin/eks-token-<target>, npm run build:binary), against the floors of starting
// each runtime at all (`node -e 0`, `bun -e 0` with the pinned bun, and an empty program compiled
// as the native executable is), and what a user feels: `kubectl get --raw /version` against a
// loopback API server (test/support/k8s-emulator.ts), with a static token and through eks-token.
//
//   npm run bench                       (builds dist/ first, then runs this)
//   node scripts/bench.mjs [--runs N] [--json] [--check]
//
//   --runs N   timed runs per command (default 21; the targets want at least 15)
//   --json     print one JSON document on stdout instead of the table
//   --check    exit 1 when a target fails (by default the marks are informational)
//   --no-sync  leave out the kubeconfig sync rows (scripts/bench-sync.mjs)
//
// Commands run round-robin: run 1 of every command, then run 2 of every command, and so on, so
// slow drift of the machine spreads over all of them. Every run gets a temp HOME and an
// environment made from scratch (PATH, HOME, IMDS off, an empty AWS config file and only the AWS_*
// variables its case sets): nothing can reach the network. The --role-arn case talks to the test
// STS emulator (test/support/sts-emulator.ts), and kubectl to the API server emulator, which
// checks each token at that STS emulator: both bundled with esbuild and run in a child process.
// The kubectl rows are skipped when kubectl is not on PATH.
//
// Wall time: process.hrtime around spawnSync of the command itself (no shell). Peak RSS: a
// separate run of the same command under `/usr/bin/time -f %M` (or python3's getrusage when that
// is missing); "n/a" when neither exists. The native executable is measured when it exists (npm
// run build leaves dist/bin/ in place). What runs is a copy of dist/ taken at the start, since a
// concurrent build swaps dist/'s files and chunks. The NODE_EXTRA_CA_CERTS rows point it at the
// system's CA bundle, as many corporate machines do.
import { build } from "esbuild";
import { benchSync, renderSync } from "./bench-sync.mjs";
import { fork, spawnSync } from "node:child_process";
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, platform, release, tmpdir } from "node:os";
import { delimiter, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist");
/** The Node CLI's entry (package.json's bin, bin/eks-token, is a one-line shim that requires it). */
const CLI = join(DIST, "eks-token.cjs");
const NATIVE_TARGET = (() => {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const musl = process.platform === "linux" && !process.report?.getReport()?.header?.glibcVersionRuntime;
  return `${os}-${process.arch}${musl ? "-musl" : ""}`;
})();
const NATIVE = join(DIST, "bin", `eks-token-${NATIVE_TARGET}${process.platform === "win32" ? ".exe" : ""}`);
/** The pinned bun (a devDependency), for the `bun -e 0` floor. */
const BUN = [
  join(ROOT, "node_modules", ".bin", "bun"),
  join(
    ROOT,
    "node_modules",
    "@oven",
    `bun-${process.platform}-${process.arch === "arm64" ? "aarch64" : process.arch}`,
    "bin",
    "bun",
  ),
].find((p) => existsSync(p) && spawnSync(p, ["--version"], { stdio: "ignore" }).status === 0);
const CA_BUNDLE = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"].find(
  (p) => existsSync(p),
);

const CLUSTER = "bench";
const REGION = "us-west-2";
const ACCOUNT = "111122223333";
const USER = {
  name: "bench",
  accountId: ACCOUNT,
  accessKeyId: "AKIABENCHEXAMPLE0001",
  secretAccessKey: "benchSecretAccessKey/EXAMPLE+abcdefghijk",
};
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/bench-role`;
const PROFILE_KEYS = {
  accessKeyId: "AKIABENCHPROFILE0001",
  secretAccessKey: "benchProfileSecret/EXAMPLE+abcdefghijklm",
};

const TARGETS = {
  hitVsFloor: 1.15,
  missEnvVsFloor: 1.5,
  hitRssMb: 50,
  hitVsAws: 5,
  profileVsEnvMiss: 1.3,
  nativeHitVsEmpty: 1.25,
  nativeHitVsNode: 0.45,
  nativeMissEnvVsNode: 0.6,
  nativeRoleVsNodeRole: 0.45,
  nativeHitRssMb: 45,
  kubectlNativeVsStatic: 1.12,
};
const MIN_RUNS_FOR_TARGETS = 15;

// ---------------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const opts = { runs: 21, json: false, check: false, sync: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") opts.json = true;
    else if (a === "--check") opts.check = true;
    else if (a === "--no-sync") opts.sync = false;
    else if (a === "--runs" || a.startsWith("--runs=")) {
      const v = a === "--runs" ? argv[++i] : a.slice("--runs=".length);
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) fail(`--runs wants a positive integer, got ${JSON.stringify(v)}`);
      opts.runs = n;
    } else if (a === "-h" || a === "--help") {
      process.stdout.write("usage: node scripts/bench.mjs [--runs N] [--json] [--check] [--no-sync]\n");
      process.exit(0);
    } else fail(`unknown argument ${a}`);
  }
  return opts;
}

function fail(message) {
  const err = new Error(message);
  err.benchFailure = true;
  throw err;
}

const log = (line) => process.stderr.write(`bench: ${line}\n`);

// ---------------------------------------------------------------------------------------------
// Helpers

function which(name, pathVar) {
  for (const dir of (pathVar ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The real `aws` behind a pyenv shim, so the bench times the CLI and not pyenv's dispatch. */
function resolveAws() {
  const found = which("aws", process.env.PATH);
  if (!found) return undefined;
  if (/[\\/]\.?pyenv[\\/]shims[\\/]/.test(found)) {
    const r = spawnSync("pyenv", ["which", "aws"], { encoding: "utf8" });
    const real = r.status === 0 ? r.stdout.trim() : "";
    if (real && existsSync(real)) return { path: real, note: `${real} (behind the pyenv shim ${found})` };
  }
  return { path: found, note: found };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

function summarize(result, where) {
  const out = (result.stdout ?? "").toString();
  const err = (result.stderr ?? "").toString();
  const why = result.error
    ? `error ${result.error.message}`
    : result.signal
      ? `signal ${result.signal}`
      : `exit ${result.status}`;
  return `${where}: ${why}\n--- stdout ---\n${out.slice(0, 2000)}\n--- stderr ---\n${err.slice(0, 4000)}`;
}

/** The ExecCredential on stdout, or a loud failure. */
function execCredentialToken(result, where) {
  if (result.status !== 0) fail(`${summarize(result, where)}`);
  let doc;
  try {
    doc = JSON.parse(result.stdout.toString());
  } catch {
    fail(`${summarize(result, where)}\n(stdout is not JSON)`);
  }
  const token = doc?.status?.token;
  if (doc?.kind !== "ExecCredential" || typeof token !== "string" || !token.startsWith("k8s-aws-v1.")) {
    fail(`${summarize(result, where)}\n(stdout is not an ExecCredential with a k8s-aws-v1 token)`);
  }
  return token;
}

// ---------------------------------------------------------------------------------------------
// Peak RSS

/** How to learn a child's peak RSS in KiB: a wrapper that runs the command and reports it. */
function rssProbe(tempDir) {
  const out = join(tempDir, "maxrss");
  const candidates = [];
  if (existsSync("/usr/bin/time")) {
    candidates.push({
      name: "/usr/bin/time -f %M",
      wrap: (cmd, args) => ["/usr/bin/time", ["-f", "%M", "-o", out, cmd, ...args]],
      read: () => readFileSync(out, "utf8").trim().split("\n").pop(),
    });
  }
  const python = which("python3", process.env.PATH);
  if (python) {
    // ru_maxrss of waited-for children: KiB on Linux, bytes on macOS.
    const code =
      "import resource,subprocess,sys\n" +
      "rc=subprocess.call(sys.argv[2:])\n" +
      "m=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n" +
      "open(sys.argv[1],'w').write(str(m//1024 if sys.platform=='darwin' else m))\n" +
      "sys.exit(rc)\n";
    candidates.push({
      name: "python3 getrusage(RUSAGE_CHILDREN)",
      wrap: (cmd, args) => [python, ["-c", code, out, cmd, ...args]],
      read: () => readFileSync(out, "utf8").trim(),
    });
  }
  for (const c of candidates) {
    rmSync(out, { force: true });
    const [cmd, args] = c.wrap(process.execPath, ["-e", "0"]);
    const r = spawnSync(cmd, args, { stdio: "ignore" });
    try {
      const kib = Number(c.read());
      if (r.status === 0 && Number.isFinite(kib) && kib > 1000) {
        return {
          name: c.name,
          measure(command, args, env) {
            rmSync(out, { force: true });
            const [wcmd, wargs] = c.wrap(command, args);
            const res = spawnSync(wcmd, wargs, { env, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
            if (res.status !== 0) fail(summarize(res, `peak RSS run of ${command} ${args.join(" ")}`));
            const value = Number(c.read());
            if (!Number.isFinite(value)) fail(`could not read the peak RSS from ${c.name}`);
            return value;
          },
        };
      }
    } catch {
      // try the next way
    }
  }
  return undefined;
}

/** `process.exit(0)` compiled as scripts/build-binary.mjs compiles the CLI: the native floor. */
function compileEmpty(tempDir) {
  const source = join(tempDir, "empty.js");
  const exe = join(tempDir, "empty-exe", "eks-token-empty");
  writeFileSync(source, "process.exit(0);\n");
  const r = spawnSync(
    BUN,
    [
      "build",
      source,
      "--compile",
      "--minify",
      "--bytecode",
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      "--outfile",
      exe,
    ],
    {
      cwd: tempDir,
      encoding: "utf8",
    },
  );
  if (r.status !== 0) fail(summarize(r, "compiling the empty executable"));
  return exe;
}

// ---------------------------------------------------------------------------------------------
// kubeconfigs for the kubectl rows

/** A kubeconfig for the API server emulator whose user is `user` (a token, or an exec block). */
function kubeconfig(api, user) {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: CLUSTER, cluster: { server: api.url, "certificate-authority-data": api.caData } }],
    users: [{ name: "bench", user }],
    contexts: [{ name: CLUSTER, context: { cluster: CLUSTER, user: "bench" } }],
    "current-context": CLUSTER,
  });
}

function writeKubeconfigs(tempDir, api, { node, cli, native, target }) {
  const exec = (command, args) => ({
    exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command, args, interactiveMode: "Never" },
  });
  const files = {
    static: join(tempDir, "kubeconfig-static"),
    node: join(tempDir, "kubeconfig-node"),
    native: join(tempDir, "kubeconfig-native"),
  };
  writeFileSync(files.node, kubeconfig(api, exec(node, [cli, ...target])));
  if (native) writeFileSync(files.native, kubeconfig(api, exec(native, target)));
  return files;
}

// ---------------------------------------------------------------------------------------------
// STS emulator in a child process (spawnSync blocks this process's event loop)

async function startEmulator(tempDir, withApiServer) {
  const entry = join(tempDir, "emulator-entry.mjs");
  const bundle = join(tempDir, "emulator.mjs");
  const emulatorSource = join(ROOT, "test", "support", "sts-emulator.ts");
  const apiServerSource = join(ROOT, "test", "support", "k8s-emulator.ts");
  writeFileSync(
    entry,
    `import { startStsEmulator } from ${JSON.stringify(emulatorSource)};
import { startK8sEmulator } from ${JSON.stringify(apiServerSource)};
const emu = await startStsEmulator();
const user = emu.addUser(${JSON.stringify(USER)});
emu.addRole({ arn: ${JSON.stringify(ROLE_ARN)}, trust: [user.arn] });
const api = ${withApiServer}
  ? await startK8sEmulator({
      clusterId: ${JSON.stringify(CLUSTER)},
      stsUrl: emu.url,
      accessEntries: [{ principalArn: user.arn, username: "bench", groups: ["system:masters"] }],
    })
  : undefined;
process.on("message", async (m) => {
  if (m === "calls") process.send({ calls: { ...emu.calls } });
  if (m === "close") { await api?.close(); await emu.close(); process.exit(0); }
});
process.on("disconnect", () => process.exit(0));
process.send({ ready: { url: emu.url, api: api ? { url: api.url, caData: api.caData } : null } });
`,
  );
  await build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    // Some dependencies are CommonJS inside: give the bundle a real require for Node's built-ins.
    banner: {
      js: 'import { createRequire as __benchCreateRequire } from "node:module"; const require = __benchCreateRequire(import.meta.url);',
    },
  });
  const child = fork(bundle, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] });
  const next = (key) =>
    new Promise((resolvePromise, reject) => {
      const onMessage = (m) => {
        if (m && typeof m === "object" && key in m) {
          cleanupListeners();
          resolvePromise(m[key]);
        }
      };
      const onExit = (code) => {
        cleanupListeners();
        reject(new Error(`the STS emulator exited (${code}) before answering`));
      };
      const cleanupListeners = () => {
        child.off("message", onMessage);
        child.off("exit", onExit);
      };
      child.on("message", onMessage);
      child.on("exit", onExit);
    });
  const { url, api } = await next("ready");
  return {
    url,
    api,
    calls: async () => {
      const p = next("calls");
      child.send("calls");
      return p;
    },
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      try {
        child.send("close");
      } catch {
        child.kill("SIGKILL");
      }
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) fail(`${CLI} is missing: run npm run build (npm run bench does)`);

  const temp = mkdtempSync(join(tmpdir(), "eks-token-bench-"));
  let emulator;
  const cleanup = async () => {
    await emulator?.close().catch(() => undefined);
    emulator = undefined;
    rmSync(temp, { recursive: true, force: true });
  };
  const onSignal = (signal) => {
    void cleanup().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    const home = join(temp, "home");
    mkdirSync(join(home, ".aws"), { recursive: true });
    const emptyConfig = join(home, ".aws", "config");
    const emptyCredentials = join(home, ".aws", "credentials");
    const profileCredentials = join(temp, "profile-credentials");
    writeFileSync(emptyConfig, "");
    writeFileSync(emptyCredentials, "");
    writeFileSync(
      profileCredentials,
      `[bench]\naws_access_key_id = ${PROFILE_KEYS.accessKeyId}\naws_secret_access_key = ${PROFILE_KEYS.secretAccessKey}\n`,
    );

    // Run a snapshot of dist/: a concurrent `npm run build` replaces the entry and its chunks.
    // Everything in dist/ but the native executables and tarballs (this platform's executable is
    // copied apart) and a build's staging folders: the entry's lazily loaded files sit next to it.
    const snap = join(temp, "dist");
    cpSync(DIST, snap, {
      recursive: true,
      filter: (src) => {
        const top = relative(DIST, src).split(sep)[0] ?? "";
        return top !== "bin" && top !== "npm" && !/^\.(staging|old)-/.test(top);
      },
    });
    const cli = join(snap, relative(DIST, CLI));
    if (!existsSync(cli)) fail(`${cli} is missing from the copy of dist/ (a build was running?); run the bench again`);
    let native;
    if (existsSync(NATIVE)) {
      native = join(snap, NATIVE.slice(dirname(NATIVE).length + 1));
      copyFileSync(NATIVE, native);
      chmodSync(native, 0o755);
    }

    const kubectl = which("kubectl", process.env.PATH);
    log(`starting the STS emulator${kubectl ? " and the API server emulator" : ""}`);
    emulator = await startEmulator(temp, Boolean(kubectl));

    const baseEnv = {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      HOME: home,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: emptyConfig,
      AWS_SHARED_CREDENTIALS_FILE: emptyCredentials,
    };
    if (process.platform === "win32")
      Object.assign(baseEnv, { USERPROFILE: home, SystemRoot: process.env.SystemRoot ?? "C:\\Windows" });
    const envCreds = { ...baseEnv, AWS_ACCESS_KEY_ID: USER.accessKeyId, AWS_SECRET_ACCESS_KEY: USER.secretAccessKey };
    const target = ["--cluster-name", CLUSTER, "--region", REGION];

    const node = process.execPath;
    const profileEnv = { ...baseEnv, AWS_SHARED_CREDENTIALS_FILE: profileCredentials };
    const caEnv = CA_BUNDLE ? { NODE_EXTRA_CA_CERTS: CA_BUNDLE } : undefined;
    const cases = [
      { id: "floor", label: "node -e 0 (floor)", cmd: node, args: ["-e", "0"], env: baseEnv, kind: "floor" },
      ...(BUN
        ? [{ id: "bun-floor", label: "bun -e 0 (floor)", cmd: BUN, args: ["-e", "0"], env: baseEnv, kind: "floor" }]
        : []),
      { id: "hit", label: "eks-token: cache hit", cmd: node, args: [cli, ...target], env: envCreds, kind: "hit" },
      ...(caEnv
        ? [
            {
              id: "hit-ca",
              label: "eks-token: cache hit, NODE_EXTRA_CA_CERTS",
              cmd: node,
              args: [cli, ...target],
              env: { ...envCreds, ...caEnv },
              kind: "hit",
            },
          ]
        : []),
      {
        id: "miss-env",
        label: "eks-token: miss, env credentials",
        cmd: node,
        args: [cli, ...target, "--no-cache"],
        env: envCreds,
      },
      {
        id: "miss-profile",
        label: "eks-token: miss, profile (static keys)",
        cmd: node,
        args: [cli, ...target, "--profile", "bench", "--no-cache"],
        env: profileEnv,
      },
      {
        id: "miss-role",
        label: "eks-token: miss, --role-arn (local STS)",
        cmd: node,
        args: [cli, ...target, "--role-arn", ROLE_ARN, "--no-cache"],
        env: { ...envCreds, AWS_ENDPOINT_URL_STS: emulator.url },
        kind: "role",
      },
    ];
    const skipped = [];
    if (!BUN) skipped.push({ id: "bun-floor", label: "bun -e 0", reason: "no bun in node_modules: npm ci" });
    if (!caEnv) skipped.push({ id: "hit-ca", label: "NODE_EXTRA_CA_CERTS rows", reason: "no system CA bundle found" });
    if (native) {
      // Where a native hit's time goes: an executable compiled the same way that does nothing
      // (Bun's start), then --version (the CLI's bundle loaded and run, no files read).
      const emptyExe = BUN ? compileEmpty(temp) : undefined;
      cases.push(
        ...(emptyExe
          ? [
              {
                id: "native-empty",
                label: "native: empty executable (split)",
                cmd: emptyExe,
                args: [],
                env: baseEnv,
                kind: "floor",
              },
            ]
          : []),
        {
          id: "native-version",
          label: "native: --version (split)",
          cmd: native,
          args: ["--version"],
          env: baseEnv,
          kind: "floor",
        },
        { id: "native-hit", label: "native: cache hit", cmd: native, args: target, env: envCreds, kind: "hit" },
        ...(caEnv
          ? [
              {
                id: "native-hit-ca",
                label: "native: cache hit, NODE_EXTRA_CA_CERTS",
                cmd: native,
                args: target,
                env: { ...envCreds, ...caEnv },
                kind: "hit",
              },
            ]
          : []),
        {
          id: "native-miss-env",
          label: "native: miss, env credentials",
          cmd: native,
          args: [...target, "--no-cache"],
          env: envCreds,
        },
        {
          id: "native-miss-profile",
          label: "native: miss, profile (static keys)",
          cmd: native,
          args: [...target, "--profile", "bench", "--no-cache"],
          env: profileEnv,
        },
        {
          id: "native-miss-role",
          label: "native: miss, --role-arn (local STS)",
          cmd: native,
          args: [...target, "--role-arn", ROLE_ARN, "--no-cache"],
          env: { ...envCreds, AWS_ENDPOINT_URL_STS: emulator.url },
          kind: "role",
        },
      );
    } else {
      skipped.push({
        id: "native",
        label: `native (${relative(ROOT, NATIVE)})`,
        reason: "not built: npm run build:binary",
      });
    }
    const aws = resolveAws();
    if (aws) {
      cases.push({
        id: "aws",
        label: "aws eks get-token",
        cmd: aws.path,
        args: ["eks", "get-token", "--cluster-name", CLUSTER, "--region", REGION],
        env: envCreds,
        kind: "aws",
        note: aws.note,
      });
    } else {
      skipped.push({ id: "aws", label: "aws eks get-token", reason: "aws is not on PATH" });
    }
    // What a user feels: one kubectl request, with the token in the kubeconfig, then through an
    // exec block that runs eks-token (a cache hit: a miss would write a new token, and the hit rows
    // would then fail on the token they print). The static kubeconfig gets the cached token once
    // the hit rows have made it.
    const kubeconfigs = emulator.api ? writeKubeconfigs(temp, emulator.api, { node, cli, native, target }) : undefined;
    if (kubectl && kubeconfigs) {
      const raw = (file) => ["get", "--raw", "/version", "--kubeconfig", file];
      cases.push(
        {
          id: "kubectl-static",
          label: "kubectl get --raw /version, static token",
          cmd: kubectl,
          args: raw(kubeconfigs.static),
          env: baseEnv,
          kind: "kubectl",
        },
        ...(native
          ? [
              {
                id: "kubectl-native",
                label: "kubectl get --raw /version, native (hit)",
                cmd: kubectl,
                args: raw(kubeconfigs.native),
                env: envCreds,
                kind: "kubectl",
              },
            ]
          : []),
        {
          id: "kubectl-node",
          label: "kubectl get --raw /version, Node CLI (hit)",
          cmd: kubectl,
          args: raw(kubeconfigs.node),
          env: envCreds,
          kind: "kubectl",
        },
      );
    } else {
      skipped.push({ id: "kubectl", label: "kubectl rows", reason: "kubectl is not on PATH" });
    }

    // Verify every command once (this also warms the token cache and the page cache).
    for (const c of cases) {
      const r = spawnSync(c.cmd, c.args, {
        env: c.env,
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 * 1024 * 1024,
      });
      const where = `verifying "${c.label}" (${c.cmd} ${c.args.join(" ")})`;
      if (c.kind === "kubectl") continue; // below, once the static token exists
      if (c.kind === "floor") {
        if (r.status !== 0) fail(summarize(r, where));
        continue;
      }
      const token = execCredentialToken(r, where);
      if (c.kind !== "aws" && r.stderr.length > 0)
        fail(`${summarize(r, where)}\n(eks-token printed on stderr on success)`);
      if (c.kind === "hit") {
        // The cache is warm now: a second call must give the same token.
        const again = execCredentialToken(
          spawnSync(c.cmd, c.args, { env: c.env, stdio: ["ignore", "pipe", "pipe"] }),
          where,
        );
        if (again !== token) fail(`${where}: the second call printed another token; the cache does not answer`);
        c.expectToken = token;
      }
    }
    const hitTokens = new Set(cases.filter((c) => c.expectToken).map((c) => c.expectToken));
    if (hitTokens.size > 1)
      fail("the Node CLI and the native executable answered their cache hits with different tokens");
    if (kubeconfigs) {
      writeFileSync(kubeconfigs.static, kubeconfig(emulator.api, { token: [...hitTokens][0] }));
      for (const c of cases.filter((x) => x.kind === "kubectl")) {
        const r = spawnSync(c.cmd, c.args, { env: c.env, stdio: ["ignore", "pipe", "pipe"] });
        const where = `verifying "${c.label}" (${c.cmd} ${c.args.join(" ")})`;
        if (r.status !== 0 || !r.stdout.toString().includes('"gitVersion"') || r.stderr.length > 0)
          fail(`${summarize(r, where)}\n(expected the server's version and nothing on stderr)`);
      }
    }
    const roleCallsBefore = (await emulator.calls()).AssumeRole ?? 0;
    if (roleCallsBefore < 1) fail("the --role-arn case never called AssumeRole on the emulator");

    const rss = rssProbe(temp);
    log(
      `${cases.length} commands × ${opts.runs} runs, round-robin; peak RSS via ${rss ? rss.name : "n/a (no /usr/bin/time, no python3)"}` +
        (skipped.length ? `; skipped: ${skipped.map((s) => `${s.label}: ${s.reason}`).join("; ")}` : ""),
    );

    const loadBefore = loadavg();
    const samples = Object.fromEntries(cases.map((c) => [c.id, { ms: [], rssKiB: [] }]));
    // Each command's yardsticks run right before it, every round: `node -e 0` for every command,
    // the empty executable for the native ones, the static-token kubectl for the kubectl ones. A
    // ratio is then the median of ratios of runs a moment apart, which holds on a busy machine
    // where the load changes from one second to the next.
    const byId = Object.fromEntries(cases.map((c) => [c.id, c]));
    const yardsticks = (c) =>
      c.id === "floor" || c.id === "native-empty" || c.id === "bun-floor"
        ? []
        : [
            "floor",
            ...(c.id.startsWith("native-") && byId["native-empty"] ? ["native-empty"] : []),
            ...(c.kind === "kubectl" && c.id !== "kubectl-static" ? ["kubectl-static"] : []),
          ];
    const adjacent = Object.fromEntries(
      cases.map((c) => [c.id, Object.fromEntries(yardsticks(c).map((y) => [y, []]))]),
    );
    const timeRun = (c, round) => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(c.cmd, c.args, {
        env: c.env,
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 * 1024 * 1024,
      });
      const t1 = process.hrtime.bigint();
      if (r.status !== 0) fail(summarize(r, `run ${round + 1} of "${c.label}"`));
      if (c.expectToken && execCredentialToken(r, `run ${round + 1} of "${c.label}"`) !== c.expectToken) {
        fail(`run ${round + 1} of "${c.label}" printed another token: it was not a cache hit`);
      }
      return Number(t1 - t0) / 1e6;
    };
    const started = Date.now();
    for (let round = 0; round < opts.runs; round++) {
      for (const c of cases) {
        for (const y of yardsticks(c)) adjacent[c.id][y].push(timeRun(byId[y], round));
        samples[c.id].ms.push(timeRun(c, round));
      }
      if (rss) for (const c of cases) samples[c.id].rssKiB.push(rss.measure(c.cmd, c.args, c.env));
      if ((round + 1) % 5 === 0 || round + 1 === opts.runs)
        log(`round ${round + 1}/${opts.runs} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    const loadAfter = loadavg();
    const roleCalls = ((await emulator.calls()).AssumeRole ?? 0) - roleCallsBefore;
    const expectedRoleCalls = opts.runs * (rss ? 2 : 1) * cases.filter((c) => c.kind === "role").length;
    if (roleCalls !== expectedRoleCalls)
      fail(`the --role-arn case made ${roleCalls} AssumeRole calls in ${expectedRoleCalls} runs; not all were misses`);

    // -------------------------------------------------------------------------------------------
    // Results

    // A ratio is the median of the ratios of each run to its yardstick's run just before it (or,
    // for a pair without one, to the yardstick's run of the same round): where a ratio of two
    // medians would follow the load of two different moments.
    const pairedRatio = (id, baseId) => {
      const a = samples[id]?.ms;
      const b = adjacent[id]?.[baseId] ?? samples[baseId]?.ms;
      return a && b ? median(a.map((ms, i) => ms / b[i])) : undefined;
    };
    const floorRss = rss ? median(samples.floor.rssKiB) : undefined;
    const rows = cases.map((c) => {
      const s = samples[c.id];
      const med = median(s.ms);
      return {
        id: c.id,
        label: c.label,
        command: [c.cmd, ...c.args].join(" "),
        ...(c.note ? { note: c.note } : {}),
        medianMs: med,
        p10Ms: quantile(s.ms, 0.1),
        p90Ms: quantile(s.ms, 0.9),
        minMs: Math.min(...s.ms),
        ratioToFloor: pairedRatio(c.id, "floor"),
        ratioToBunFloor: pairedRatio(c.id, "bun-floor") ?? null,
        // The native rows against the empty executable, the kubectl rows against the static token.
        ratioToOwnFloor:
          (c.id.startsWith("native-") && c.id !== "native-empty" ? pairedRatio(c.id, "native-empty") : undefined) ??
          (c.kind === "kubectl" && c.id !== "kubectl-static" ? pairedRatio(c.id, "kubectl-static") : undefined) ??
          null,
        rssMedianMB: rss ? (median(s.rssKiB) * 1024) / 1e6 : null,
        rssPeakMB: rss ? (Math.max(...s.rssKiB) * 1024) / 1e6 : null,
        rssRatioToFloor: rss ? median(s.rssKiB) / floorRss : null,
        samplesMs: s.ms,
        samplesRssKiB: s.rssKiB,
      };
    });
    const row = (id) => rows.find((r) => r.id === id);
    const hit = row("hit");
    const missEnv = row("miss-env");
    const awsRow = row("aws");
    const enoughRuns = opts.runs >= MIN_RUNS_FOR_TARGETS;
    const judge = (value, ok, measured) => ({ measured, pass: value === undefined ? null : ok });
    const ratio = (a, b) => (a && b ? pairedRatio(a.id, b.id) : undefined);
    const mark = (name, value, limit, unit = " ×") =>
      value === undefined
        ? { name, measured: "n/a (not measured)", pass: null }
        : { name, measured: `${value.toFixed(2)}${unit}`, pass: value <= limit };
    const nHit = row("native-hit");
    const targets = [
      {
        name: `hit ≤ ${TARGETS.hitVsFloor} × floor`,
        ...judge(hit.ratioToFloor, hit.ratioToFloor <= TARGETS.hitVsFloor, `${hit.ratioToFloor.toFixed(2)} ×`),
      },
      {
        name: `miss (env credentials) ≤ ${TARGETS.missEnvVsFloor} × floor`,
        ...judge(
          missEnv.ratioToFloor,
          missEnv.ratioToFloor <= TARGETS.missEnvVsFloor,
          `${missEnv.ratioToFloor.toFixed(2)} ×`,
        ),
      },
      rss
        ? {
            name: `hit peak RSS ≤ ${TARGETS.hitRssMb} MB`,
            ...judge(
              hit.rssPeakMB,
              hit.rssPeakMB <= TARGETS.hitRssMb,
              `${hit.rssPeakMB.toFixed(1)} MB (max of ${opts.runs} runs)`,
            ),
          }
        : { name: `hit peak RSS ≤ ${TARGETS.hitRssMb} MB`, measured: "n/a (no way to read peak RSS)", pass: null },
      awsRow
        ? {
            name: `hit ≥ ${TARGETS.hitVsAws} × faster than aws eks get-token`,
            ...judge(
              awsRow.medianMs / hit.medianMs,
              awsRow.medianMs / hit.medianMs >= TARGETS.hitVsAws,
              `${(awsRow.medianMs / hit.medianMs).toFixed(1)} × faster`,
            ),
          }
        : {
            name: `hit ≥ ${TARGETS.hitVsAws} × faster than aws eks get-token`,
            measured: "n/a (aws is not on PATH)",
            pass: null,
          },
      mark(
        `miss (profile, static keys) ≤ ${TARGETS.profileVsEnvMiss} × miss (env credentials)`,
        ratio(row("miss-profile"), missEnv),
        TARGETS.profileVsEnvMiss,
      ),
      mark(
        `native hit ≤ ${TARGETS.nativeHitVsEmpty} × the empty executable`,
        ratio(nHit, row("native-empty")),
        TARGETS.nativeHitVsEmpty,
      ),
      mark(`native hit ≤ ${TARGETS.nativeHitVsNode} × node -e 0`, ratio(nHit, row("floor")), TARGETS.nativeHitVsNode),
      mark(
        `native miss (env credentials) ≤ ${TARGETS.nativeMissEnvVsNode} × node -e 0`,
        ratio(row("native-miss-env"), row("floor")),
        TARGETS.nativeMissEnvVsNode,
      ),
      mark(
        `native miss (--role-arn) ≤ ${TARGETS.nativeRoleVsNodeRole} × the Node CLI's`,
        ratio(row("native-miss-role"), row("miss-role")),
        TARGETS.nativeRoleVsNodeRole,
      ),
      mark(
        `native miss (profile, static keys) ≤ ${TARGETS.profileVsEnvMiss} × native miss (env credentials)`,
        ratio(row("native-miss-profile"), row("native-miss-env")),
        TARGETS.profileVsEnvMiss,
      ),
      mark(
        `kubectl through native (hit) ≤ ${TARGETS.kubectlNativeVsStatic} × with a static token`,
        ratio(row("kubectl-native"), row("kubectl-static")),
        TARGETS.kubectlNativeVsStatic,
      ),
      mark(
        `native hit peak RSS ≤ ${TARGETS.nativeHitRssMb} MB`,
        nHit && rss ? nHit.rssPeakMB : undefined,
        TARGETS.nativeHitRssMb,
        " MB",
      ),
    ];
    const cpuList = cpus();
    const machine = {
      cpu: cpuList[0]?.model ?? "unknown",
      cores: cpuList.length,
      node: process.version,
      platform: `${platform()} ${release()} ${process.arch}`,
      loadavgBefore: loadBefore.map((v) => Number(v.toFixed(2))),
      loadavgAfter: loadAfter.map((v) => Number(v.toFixed(2))),
    };
    const sync = opts.sync
      ? await benchSync({
          temp,
          root: ROOT,
          runtimes: { node: [node, cli], ...(native ? { native: [native] } : {}) },
          log,
        })
      : undefined;
    const bunVersion = BUN ? spawnSync(BUN, ["--version"], { encoding: "utf8" }).stdout.trim() : null;
    const doc = {
      date: new Date().toISOString(),
      machine,
      // The Node that ran this script ran every Node CLI row and the `node -e 0` floor.
      runtimes: { node: process.version, nodePath: process.execPath, bun: bunVersion },
      runs: opts.runs,
      order: "round-robin",
      snapshot: `${relative(ROOT, CLI)} run from a copy of dist/${native ? ` (with ${relative(ROOT, NATIVE)})` : ""} taken at the start`,
      wallTime: "process.hrtime around spawnSync (no shell)",
      peakRss: rss ? rss.name : "n/a",
      ...(enoughRuns ? {} : { warning: `fewer than ${MIN_RUNS_FOR_TARGETS} runs: the target marks are not reliable` }),
      results: rows,
      skipped,
      targets,
      ...(sync ? { sync } : {}),
    };

    if (opts.json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    else process.stdout.write(renderTable(doc));
    if (opts.check && targets.some((t) => t.pass === false)) process.exitCode = 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await cleanup();
  }
}

function renderTable(doc) {
  const lines = [];
  const m = doc.machine;
  lines.push(`machine: ${m.cpu}, ${m.cores} cores, ${m.platform}`);
  lines.push(
    `node ${doc.runtimes.node} (${doc.runtimes.nodePath}) ran the Node CLI rows and node -e 0; bun ${doc.runtimes.bun ?? "n/a"} (pinned) compiled the executables`,
  );
  lines.push(`load average before/after: ${m.loadavgBefore.join(" ")} / ${m.loadavgAfter.join(" ")}`);
  lines.push(`runs: ${doc.runs} per command, round-robin; wall time = ${doc.wallTime}; peak RSS = ${doc.peakRss}`);
  lines.push(
    "ratios (× columns and targets): the median of the ratios of each run to a run of its yardstick just before it",
  );
  lines.push("own floor: the empty executable for native rows, the static token for kubectl rows");
  lines.push(`eks-token: ${doc.snapshot}`);
  if (doc.warning) lines.push(`warning: ${doc.warning}`);
  lines.push("");
  const header = [
    "command",
    "median ms",
    "p10–p90 ms",
    "× node -e 0",
    "× bun -e 0",
    "× own floor",
    "RSS MB (median)",
    "RSS MB (max)",
  ];
  const body = doc.results.map((r) => [
    r.label,
    r.medianMs.toFixed(1),
    `${r.p10Ms.toFixed(1)}–${r.p90Ms.toFixed(1)}`,
    r.ratioToFloor.toFixed(2),
    r.ratioToBunFloor === null ? "n/a" : r.ratioToBunFloor.toFixed(2),
    r.ratioToOwnFloor === null ? "" : r.ratioToOwnFloor.toFixed(2),
    r.rssMedianMB === null ? "n/a" : r.rssMedianMB.toFixed(1),
    r.rssPeakMB === null ? "n/a" : r.rssPeakMB.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cells) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  lines.push(fmt(header));
  lines.push(`|${widths.map((w, i) => (i === 0 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`);
  for (const b of body) lines.push(fmt(b));
  for (const s of doc.skipped) lines.push(`${s.label}: ${s.reason}`);
  for (const r of doc.results.filter((x) => x.note)) lines.push(`(${r.label}: ${r.note})`);
  lines.push("");
  lines.push("targets:");
  for (const t of doc.targets)
    lines.push(`  ${t.pass === null ? "–   " : t.pass ? "PASS" : "FAIL"}  ${t.name}: ${t.measured}`);
  return `${lines.join("\n")}\n${doc.sync ? renderSync(doc.sync) : ""}`;
}

main().catch((e) => {
  process.stderr.write(`bench: FAILED: ${e?.benchFailure ? e.message : (e?.stack ?? String(e))}\n`);
  process.exit(1);
});
