// A cache hit must not load the AWS SDK or the signer. The built CLI runs under a module hook
// (node --import <register.mjs>, which calls module.register) that logs every module resolved
// and loaded; the log of a hit must name no token-miss chunk and no file holding SDK code, while
// the log of a miss must name the token-miss chunk (so this test can fail).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

// Node only: the native executable loads one embedded bundle, with no module loader to hook (its
// hit path is measured by npm run bench instead).
const NODE_ONLY = RUNTIME !== "node";

beforeAll(async () => {
  if (NODE_ONLY) return;
  await ensureBuilt();
  hookDir = mkdtempSync(join(tmpdir(), "eks-token-hooks-"));
  writeFileSync(join(hookDir, "hooks.mjs"), HOOKS);
  writeFileSync(join(hookDir, "register.mjs"), REGISTER);
  s = makeSandbox();
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
  `the cache-hit path${NODE_ONLY ? " (skipped: the native executable has no module loader to hook; it loads one embedded bundle)" : ""}`,
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
      expect(loaded.filter((u) => /\/dist\/lib\//.test(u) && !/\/token-miss[^/]*\.[mc]?js$/.test(u))).toEqual([]);
    });

    it("a hit loads no SDK module and no token-miss chunk (environment keys, then a profile)", async () => {
      const warm = expectCredential((await traced(["--cluster-name", "beta"])).result);
      const hit = await traced(["--cluster-name", "beta"]);
      expect(expectCredential(hit.result)).toEqual(warm); // really a hit: the same token
      expectNoSdk(hit.lines, hit.loaded);

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
