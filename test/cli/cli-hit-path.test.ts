// A cache hit must load nothing but the CLI's entry: not the rest of the CLI, the AWS SDK or the
// signer. On both runtimes, EKS_TOKEN_TRACE_MODULES lists the CLI's modules a call loaded (the
// native executable's embedded ones, the Node build's CommonJS files): a hit lists the entry
// alone, a miss the entry and the token-miss module, another command the whole CLI (so these
// tests can fail). On Node, the
// built CLI also runs under a module hook (node --import <register.mjs>, which calls
// module.register) that logs every module resolved and loaded, built-ins and ES modules too; the
// log of a hit must name only the entry, built-ins Node has loaded before any program, and
// no file holding SDK code.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUNTIME } from "../support/cli.js";
import {
  ALICE,
  CLI_PATH,
  REGION,
  ensureBuilt,
  expectCredential,
  keyEnv,
  makeSandbox,
  type Sandbox,
} from "../support/cache-fixture.js";

let hookDir = "";
let s: Sandbox;

const HOOKS = `
import { appendFileSync } from "node:fs";
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(log, "resolve " + specifier + " -> " + result.url + "\\n");
  return result;
}
export async function load(url, context, next) {
  appendFileSync(log, "load " + url + "\\n");
  return next(url, context);
}
`;
// Preloaded with --import: registers the ESM hooks above, and logs CommonJS loads too (the CLI
// entry may be a CommonJS bundle, whose require() calls the ESM hooks do not see).
const REGISTER = `
import { appendFileSync } from "node:fs";
import module, { register } from "node:module";
import { pathToFileURL } from "node:url";
const log = process.env.EKS_TOKEN_TEST_MODULE_LOG;
register("./hooks.mjs", import.meta.url, { data: { log } });
const originalLoad = module._load;
module._load = function (request, parent, isMain) {
  let where = request;
  try {
    const file = module._resolveFilename(request, parent, isMain);
    where = file.startsWith("/") ? pathToFileURL(file).href : file;
  } catch {}
  appendFileSync(log, "require " + request + " -> " + where + "\\n" + "load " + where + "\\n");
  return originalLoad.apply(this, arguments);
};
`;

// The hook tests are Node's: the native executable has no module loader to hook. Its embedded
// modules are listed by EKS_TOKEN_TRACE_MODULES (the tests after these); the runtime's own
// built-in modules are not listed there.
const NODE_ONLY = RUNTIME !== "node";

beforeAll(async () => {
  await ensureBuilt();
  s = makeSandbox();
  if (NODE_ONLY) return;
  hookDir = mkdtempSync(join(tmpdir(), "eks-token-hooks-"));
  writeFileSync(join(hookDir, "hooks.mjs"), HOOKS);
  writeFileSync(join(hookDir, "register.mjs"), REGISTER);
}, 240_000);
afterAll(() => {
  if (hookDir) rmSync(hookDir, { recursive: true, force: true });
  s?.cleanup();
});

let runs = 0;
/** Runs the CLI under the hooks; returns its result and every URL it loaded. */
async function traced(args: string[], extraEnv: Record<string, string> = keyEnv(ALICE)) {
  const log = join(hookDir, `modules-${++runs}.log`);
  writeFileSync(log, "");
  const env = s.env({ ...extraEnv, AWS_REGION: REGION, EKS_TOKEN_TEST_MODULE_LOG: log });
  const result = await s.run(args, { env, nodeArgs: ["--import", pathToFileURL(join(hookDir, "register.mjs")).href] });
  const lines = readFileSync(log, "utf8").split("\n").filter(Boolean);
  const loaded = lines.filter((l) => l.startsWith("load ")).map((l) => l.slice(5));
  return { result, lines, loaded };
}

/** Runs the CLI with EKS_TOKEN_TRACE_MODULES; returns its result and the modules it listed, by file name. */
async function modulesLoaded(args: string[], extraEnv: Record<string, string> = keyEnv(ALICE)) {
  const log = join(s.home, `trace-${++runs}.log`);
  const result = await s.run(args, { env: s.env({ ...extraEnv, AWS_REGION: REGION, EKS_TOKEN_TRACE_MODULES: log }) });
  const names = readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((path) => path.slice(path.lastIndexOf("/") + 1))
    // The tests' network guard, preloaded into the executable the native tests run, is not ours.
    .filter((name) => name !== "network-guard.cjs");
  return { result, names };
}

/** The entry's name in the trace: the Node build's file, or the executable's (compiled as eks-token on every target). */
const ENTRY = RUNTIME === "node" ? "eks-token.cjs" : process.platform === "win32" ? "eks-token.exe" : "eks-token";

const SDK_MARKERS = ["@aws-sdk", "@smithy", "SignatureV4", "fromNodeProviderChain"];

/** Loaded files (the CLI entry always among them) that contain SDK code. */
function sdkFiles(loaded: string[]): string[] {
  return [...new Set([pathToFileURL(CLI_PATH).href, ...loaded])]
    .filter((u) => u.startsWith("file:"))
    .filter((u) => {
      const text = readFileSync(fileURLToPath(u), "utf8");
      return SDK_MARKERS.some((m) => text.includes(m));
    });
}

function expectNoSdk(lines: string[], loaded: string[]): void {
  for (const line of lines) expect(line).not.toMatch(/token-miss|@aws-sdk|@smithy/);
  expect(sdkFiles(loaded)).toEqual([]);
}

describe.skipIf(NODE_ONLY)(
  `the cache-hit path${NODE_ONLY ? " (skipped: the native executable has no module loader to hook; the trace tests below list its modules)" : ""}`,
  () => {
    it("a miss loads the token-miss chunk", async () => {
      const { result, loaded } = await traced(["--cluster-name", "alpha"]);
      expectCredential(result);
      expect(loaded.some((u) => /\/token-miss[^/]*\.[mc]?js$/.test(u))).toBe(true);
    });

    it("a miss with a profile the SDK resolves (credential_process) loads SDK code, which the content check sees", async () => {
      const script = join(s.home, "creds.cjs");
      writeFileSync(
        script,
        `console.log(JSON.stringify({ Version: 1, AccessKeyId: ${JSON.stringify(ALICE.accessKeyId)}, SecretAccessKey: ${JSON.stringify(ALICE.secretAccessKey)} }));\n`,
      );
      s.writeCredentials(`[proc]\ncredential_process = "${process.execPath}" "${script}"\n`);
      const { result, loaded } = await traced(["--cluster-name", "alpha", "--profile", "proc"], {});
      expectCredential(result);
      expect(sdkFiles(loaded).length).toBeGreaterThan(0);
    });

    it("a miss with a profile of static keys loads the token-miss chunk and nothing else of dist/lib: no SDK provider, the keys are read from the file", async () => {
      s.writeCredentials(
        `[dev]\naws_access_key_id = ${ALICE.accessKeyId}\naws_secret_access_key = ${ALICE.secretAccessKey}\n`,
      );
      const { result, lines, loaded } = await traced(["--cluster-name", "alpha", "--profile", "dev", "--no-cache"], {});
      expectCredential(result);
      expect(loaded.some((u) => /\/token-miss[^/]*\.[mc]?js$/.test(u))).toBe(true);
      expect(lines.filter((l) => /@aws-sdk|@smithy/.test(l))).toEqual([]);
      expect(loaded.filter((u) => /\/dist\/lib\//.test(u) && !/\/token-(miss|call)[^/]*\.[mc]?js$/.test(u))).toEqual(
        [],
      );
    });

    it("a hit loads no SDK module and no token-miss chunk (environment keys, then a profile)", async () => {
      const warm = expectCredential((await traced(["--cluster-name", "beta"])).result);
      const hit = await traced(["--cluster-name", "beta"]);
      expect(expectCredential(hit.result)).toEqual(warm); // really a hit: the same token
      expectNoSdk(hit.lines, hit.loaded);
      // The entry alone, and of Node's built-ins only those it has loaded before any program.
      expect(new Set(hit.loaded.filter((u) => u.startsWith("file:")))).toEqual(new Set([pathToFileURL(CLI_PATH).href]));
      expect(new Set(hit.loaded.filter((u) => !u.startsWith("file:")))).toEqual(new Set(["node:fs", "node:path"]));

      s.writeCredentials(
        `[dev]\naws_access_key_id = ${ALICE.accessKeyId}\naws_secret_access_key = ${ALICE.secretAccessKey}\n`,
      );
      const warmProfile = expectCredential((await traced(["--cluster-name", "beta", "--profile", "dev"], {})).result);
      const profileHit = await traced(["--cluster-name", "beta", "--profile", "dev"], {});
      expect(expectCredential(profileHit.result)).toEqual(warmProfile);
      expectNoSdk(profileHit.lines, profileHit.loaded);
    });

    it("cache list loads no SDK module either", async () => {
      const { result, lines, loaded } = await traced(["cache", "list"]);
      expect(result.code, result.stderr).toBe(0);
      expect(lines.some((l) => l.includes("cache-command"))).toBe(true);
      expectNoSdk(lines, loaded);
    });
  },
);

describe(`the modules a call loads (${RUNTIME})`, () => {
  it("a hit loads the entry alone; a miss the entry, the token call and the token-miss module", async () => {
    const miss = await modulesLoaded(["--cluster-name", "trace"]);
    const token = expectCredential(miss.result);
    expect(miss.names).toEqual(
      RUNTIME === "node" ? [ENTRY, "token-call.cjs", "token-miss.cjs"] : [ENTRY, "token-call.js", "token-miss.js"],
    );

    const hit = await modulesLoaded(["--cluster-name", "trace"]);
    expect(expectCredential(hit.result)).toEqual(token);
    expect(hit.result.stderr).toBe("");
    expect(hit.names).toEqual([ENTRY]);

    // The drop-in forms and the short flags are read on the hit path too.
    for (const args of [
      ["token", "-i", "trace"],
      ["eks", "get-token", "--cluster-name=trace", "--output", "json"],
    ]) {
      const again = await modulesLoaded(args);
      expect(expectCredential(again.result)).toEqual(token);
      expect(again.names, args.join(" ")).toEqual([ENTRY]);
    }
  });

  it("a hit whose hit entry is gone is answered from the token entry, which loads the token call; the hit entry is written again", async () => {
    const hits = () => readdirSync(s.cacheDir).filter((n) => /^[0-9a-f]{64}\.hit$/.test(n));
    const before = hits();
    const token = expectCredential((await modulesLoaded(["--cluster-name", "pointer"])).result);
    const made = hits().filter((n) => !before.includes(n));
    expect(made).toHaveLength(1);
    const [hit] = made;
    rmSync(join(s.cacheDir, hit as string));

    const again = await modulesLoaded(["--cluster-name", "pointer"]);
    expect(expectCredential(again.result)).toEqual(token);
    expect(again.result.stderr).toBe("");
    expect(again.names).toEqual([ENTRY, RUNTIME === "node" ? "token-call.cjs" : "token-call.js"]);
    expect(hits().filter((n) => !before.includes(n))).toEqual([hit]);

    const third = await modulesLoaded(["--cluster-name", "pointer"]);
    expect(expectCredential(third.result)).toEqual(token);
    expect(third.names).toEqual([ENTRY]);
  });

  it("a subcommand loads the whole CLI and its own module, never the token-miss one", async () => {
    const { result, names } = await modulesLoaded(["cache", "list"]);
    expect(result.code, result.stderr).toBe(0);
    expect(names).toContain(RUNTIME === "node" ? "cli.cjs" : "bin.js");
    expect(names.some((n) => n.startsWith("cache-command"))).toBe(RUNTIME === "native"); // an ES module on Node
    expect(names.some((n) => n.startsWith("token-miss"))).toBe(false);
  });

  it("with a warm cache, whatever the hit path does not answer is answered by the whole CLI as before", async () => {
    const token = expectCredential((await modulesLoaded(["--cluster-name", "fallback"])).result);

    // --debug: the token path's debug lines, the same token.
    const debug = await modulesLoaded(["--cluster-name", "fallback", "--debug"]);
    expect(expectCredential(debug.result, { stderr: "any" })).toEqual(token);
    expect(debug.result.stderr).toMatch(/eks-token: debug: cache hit in /);

    // A warning to give (an odd KUBERNETES_EXEC_INFO): given once, with the same token.
    const odd = await modulesLoaded(["--cluster-name", "fallback"], { ...keyEnv(ALICE), KUBERNETES_EXEC_INFO: "{" });
    expect(expectCredential(odd.result, { stderr: "any" })).toEqual(token);
    expect(odd.result.stderr.match(/eks-token: warning: KUBERNETES_EXEC_INFO is not valid JSON/g)).toHaveLength(1);

    // An argument the token path's scanner leaves alone: the whole CLI's usage error, nothing on stdout.
    const bad = await modulesLoaded(["--cluster-name", "fallback", "--no-such-flag"]);
    expect(bad.result.code).toBe(2);
    expect(bad.result.stdout).toBe("");
    expect(bad.result.stderr).toMatch(/^eks-token: unknown option/);
    expect(bad.names).toContain(RUNTIME === "node" ? "cli.cjs" : "bin.js");

    // A value the scanner reads but the command refuses: the same usage error as before.
    const refused = await modulesLoaded(["--cluster-name", "fallback", "--output", "yaml"]);
    expect(refused.result.code).toBe(2);
    expect(refused.result.stdout).toBe("");
    expect(refused.result.stderr).toMatch(/^eks-token: --output "?yaml"? is not supported/);

    // --output token from the cache: the bare token, and nothing loaded but the entry.
    const bare = await modulesLoaded(["--cluster-name", "fallback", "--output", "token"]);
    expect(bare.result.code, bare.result.stderr).toBe(0);
    expect(bare.result.stdout).toBe(`${token.token}\n`);
    expect(bare.names).toEqual([ENTRY]);
  });
});
