// Time bounds through the built CLI: calls that start together never wait on each other's
// failures (one 15 s bound end to end, lock waits included), a live process holding a lock costs
// others at most the lock share of it, odd files where a lock or an entry belongs never block,
// and a client that says no one can answer (KUBERNETES_EXEC_INFO spec.interactive false) is
// never prompted. The durations asserted are bounds on correctness, with a wide margin.
import { execFileSync } from "node:child_process";
import { lstatSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resolveTarget } from "../../src/aws/target.js";
import { roleCredentialsCacheKey } from "../../src/cache/cache-key.js";
import {
  ACCOUNT,
  ALICE,
  CLI_PATH,
  REGION,
  ROOT,
  ensureBuilt,
  ensureDir,
  expectCredential,
  keyEnv,
  keyFor,
  listDir,
  makeSandbox,
  roleEntries,
  tokenEntries,
  type ChildEnv,
  type Sandbox,
} from "../support/cache-fixture.js";
import { expectFailure } from "../support/expect.js";
import { findPython, spawnInPty } from "../support/pty.js";
import { startStsEmulator, type StsEmulator } from "../support/sts-emulator.js";

const ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-admin`;
const MFA_ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-mfa`;
const MFA = { serial: `arn:aws:iam::${ACCOUNT}:mfa/alice`, code: "161803" };
/** The one bound every call keeps, end to end. */
const BOUND_MS = 15_000;
/** Start-up of node and the SDK on a loaded two-core machine, on top of the bound. */
const MARGIN_MS = 5_000;

let sts: StsEmulator;
const sandboxes: Sandbox[] = [];

beforeAll(async () => {
  await ensureBuilt();
  sts = await startStsEmulator();
  const alice = sts.addUser({ name: "alice", accountId: ACCOUNT, ...ALICE, mfaDevices: [MFA] });
  sts.addRole({ arn: ROLE, trust: [alice.arn] });
  sts.addRole({ arn: MFA_ROLE, trust: [alice.arn], requireMfa: true });
}, 240_000);
afterAll(async () => {
  await sts?.close();
});
beforeEach(() => sts.resetCalls());
afterEach(() => {
  sts.clearFaults();
  for (const s of sandboxes.splice(0)) s.cleanup();
});

function sandbox(): Sandbox {
  const s = makeSandbox();
  sandboxes.push(s);
  return s;
}

const roleEnv = (s: Sandbox): ChildEnv =>
  s.env({ ...keyEnv(ALICE), AWS_REGION: REGION, AWS_ENDPOINT_URL_STS: sts.url });
const roleArgs = (cluster: string) => ["--cluster-name", cluster, "--role-arn", ROLE];
/** A lock held by a process that lives: this test runner. */
const liveLock = () => `${process.pid} held-by-the-test`;

describe("with a hung STS", () => {
  it("three calls started together all fail within the one 15 s bound, each with one line", async () => {
    sts.setFault({ action: "AssumeRole", kind: "hang" });
    const s = sandbox();
    const env = roleEnv(s);
    const runs = await Promise.all(
      [0, 1, 2].map(() => s.run(roleArgs("alpha"), { env, timeoutMs: BOUND_MS + MARGIN_MS + 5_000 })),
    );
    for (const result of runs) {
      expectFailure(result, /took longer than|did not answer|could not reach/);
      expect(result.durationMs, result.stderr).toBeLessThan(BOUND_MS + MARGIN_MS);
    }
    expect(tokenEntries(s.cacheDir)).toEqual([]);
    expect(listDir(s.cacheDir).filter((n) => n.endsWith(".lock"))).toEqual([]);
  }, 60_000);
});

describe("a live process that holds a lock", () => {
  it("holding the token's lock costs another call only the lock share of the bound; it goes on without the cache", async () => {
    const s = sandbox();
    const env = s.env({ ...keyEnv(ALICE), AWS_REGION: REGION });
    const key = await keyFor({ clusterId: "alpha" }, env);
    ensureDir(s.cacheDir);
    const lock = join(s.cacheDir, `${key}.lock`);
    writeFileSync(lock, liveLock(), { mode: 0o600 });
    // Before, a call waited 20 s for such a lock; the whole bound is 15 s.
    const result = await s.run(["--cluster-name", "alpha"], { env, timeoutMs: BOUND_MS });
    expectCredential(result);
    // made without the cache: nothing written, the holder's lock left alone
    expect(tokenEntries(s.cacheDir)).toEqual([]);
    expect(readFileSync(lock, "utf8")).toBe(liveLock());
  });

  it("holding the role's lock: the call goes on without the role cache, as with the token lock, instead of timing out", async () => {
    const s = sandbox();
    const env = roleEnv(s);
    const roleKey = roleCredentialsCacheKey(await resolveTarget({ clusterId: "alpha", roleArn: ROLE }, env), env);
    ensureDir(s.cacheDir);
    const lock = join(s.cacheDir, `${roleKey}.lock`);
    writeFileSync(lock, liveLock(), { mode: 0o600 });
    const result = await s.run(roleArgs("alpha"), { env, timeoutMs: BOUND_MS });
    expectCredential(result);
    expect(sts.calls["AssumeRole"]).toBe(1);
    expect(roleEntries(s.cacheDir)).toEqual([]);
    expect(readFileSync(lock, "utf8")).toBe(liveLock());
  });
});

describe("a FIFO or a device where a lock or an entry belongs", () => {
  const makers: Array<[string, (path: string) => void, boolean]> = [
    ["a FIFO", (p) => execFileSync("mkfifo", [p]), true],
    ["a character device", (p) => execFileSync("mknod", [p, "c", "1", "5"]), process.getuid?.() === 0],
  ];
  for (const [what, make, possible] of makers) {
    for (const where of ["lock", "json"] as const) {
      it.skipIf(!possible)(`${what} at the token's .${where} path never blocks: the token is printed`, async () => {
        const s = sandbox();
        const env = s.env({ ...keyEnv(ALICE), AWS_REGION: REGION });
        const key = await keyFor({ clusterId: "alpha" }, env);
        ensureDir(s.cacheDir);
        const path = join(s.cacheDir, `${key}.${where}`);
        make(path);
        const result = await s.run(["--cluster-name", "alpha"], { env, timeoutMs: 10_000 });
        expectCredential(result, { stderr: "any" });
        expect(result.stderr).not.toMatch(/eks-token: (?!warning)/);
        if (where === "lock") {
          // refused and left where it is
          const st = lstatSync(path);
          expect(st.isFIFO() || st.isCharacterDevice()).toBe(true);
        }
      });
    }
  }
});

describe("KUBERNETES_EXEC_INFO spec.interactive false", () => {
  const execInfo = (interactive: boolean) =>
    JSON.stringify({
      kind: "ExecCredential",
      apiVersion: "client.authentication.k8s.io/v1",
      spec: { interactive },
    });

  function mfaSandbox(): Sandbox {
    const s = sandbox();
    s.writeCredentials(
      `[base]\naws_access_key_id = ${ALICE.accessKeyId}\naws_secret_access_key = ${ALICE.secretAccessKey}\n`,
    );
    s.writeConfig(
      `[profile mfa]\nrole_arn = ${MFA_ROLE}\nsource_profile = base\nmfa_serial = ${MFA.serial}\nregion = ${REGION}\n`,
    );
    return s;
  }

  it("on a terminal: no prompt, one line at once saying to run the same command in a terminal", async (ctx) => {
    if (!findPython()) return ctx.skip("python3 with the pty module is not available to make a pseudo-terminal");
    const s = mfaSandbox();
    const env = s.env({ AWS_ENDPOINT_URL_STS: sts.url, KUBERNETES_EXEC_INFO: execInfo(false) });
    const pty = spawnInPty([process.execPath, CLI_PATH, "--cluster-name", "alpha", "--profile", "mfa"], {
      env,
      cwd: ROOT,
      timeoutMs: 15_000,
    });
    try {
      const result = await pty.done;
      expect(result.signal, result.terminal).toBeNull();
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.terminal).not.toMatch(/Enter MFA code/);
      const lines = result.terminal.split(/\r?\n/).filter((l) => l.trim() !== "");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^eks-token: an MFA code is needed for .*mfa\/alice.*interactive.*false/);
      expect(lines[0]).toMatch(/run the same command once in a terminal/);
    } finally {
      pty.kill();
    }
    expect(sts.calls["AssumeRole"] ?? 0).toBe(0);
  });

  it("interactive true (or no exec info) on a terminal still prompts", async (ctx) => {
    if (!findPython()) return ctx.skip("python3 with the pty module is not available to make a pseudo-terminal");
    const s = mfaSandbox();
    const env = s.env({ AWS_ENDPOINT_URL_STS: sts.url, KUBERNETES_EXEC_INFO: execInfo(true) });
    const pty = spawnInPty([process.execPath, CLI_PATH, "--cluster-name", "alpha", "--profile", "mfa"], {
      env,
      cwd: ROOT,
      timeoutMs: 20_000,
    });
    try {
      await pty.waitForTerminal(/Enter MFA code for .*: $/);
      pty.write(`${MFA.code}\n`);
      const result = await pty.done;
      expect(result.code, result.terminal).toBe(0);
      expectCredential(
        { code: result.code, stdout: result.stdout, stderr: "" },
        { apiVersion: "client.authentication.k8s.io/v1" },
      );
    } finally {
      pty.kill();
    }
  });
});
