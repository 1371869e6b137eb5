// `cache list` and `cache clear` over fake ports, on a temp folder that is also someone's project
// (lock files of other tools, notes, hidden files): only eks-token's own names are listed, removed
// and counted, and a folder the token path would refuse is refused here too.
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isEksTokenError } from "../../src/errors.js";
import { runCacheCommand, type CacheInput } from "../../src/usecases/cache.js";
import { IS_ROOT } from "../support/cache-fixture.js";

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const KEY_A = "a".repeat(64);
const KEY_B = "b".repeat(64);
const KEY_R = "c".repeat(64);
const UNIQUE = "4242-m0a1b2c3-1-k3j4h5g6";
/** A process that has ended. */
const DEAD_PID = spawnSync("true").pid;

/** Other people's files, the kind a project folder holds; all must survive. */
const FOREIGN = [
  "yarn.lock",
  "Cargo.lock",
  "package-lock.json",
  "notes.tmp",
  ".notes.tmp",
  ".swp.tmp",
  "build.stale",
  "x.lock.stale",
  "README.json",
  `${KEY_A}.json.bak`,
  `${"A".repeat(64)}.json`,
  `${"a".repeat(63)}.json`,
  `${"a".repeat(64)}.lock.txt`,
];

let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "eks-token-cachecmd-"));
  dir = join(root, "project");
  mkdirSync(dir, { mode: 0o700 });
  chmodSync(dir, 0o700);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function entry(key: string, fields: Record<string, unknown>): void {
  const base = { v: 1, key, roleArn: null, profile: null, expiration: new Date(NOW + 10 * 60_000).toISOString() };
  writeFileSync(join(dir, `${key}.json`), JSON.stringify({ ...base, ...fields }), { mode: 0o600 });
}

function populate(): void {
  entry(KEY_A, {
    kind: "token",
    clusterId: "alpha",
    region: "us-west-2",
    host: "sts.us-west-2.amazonaws.com",
    token: "k8s-aws-v1.x",
  });
  entry(KEY_B, { kind: "token", clusterId: "beta", region: null, host: "sts.amazonaws.com", token: "k8s-aws-v1.y" });
  entry(KEY_R, {
    kind: "role-credentials",
    roleArn: "arn:aws:iam::111122223333:role/r",
    accessKeyId: "ASIA",
    secretAccessKey: "s",
  });
  // ours too: a damaged entry, a lock, a temporary file, a lock moved aside
  writeFileSync(join(dir, `${"d".repeat(64)}.json`), "{", { mode: 0o600 });
  // left by a process that has ended: its lock goes (a live holder's stays, below)
  writeFileSync(join(dir, `${KEY_A}.lock`), `${DEAD_PID} x`, { mode: 0o600 });
  writeFileSync(join(dir, `.${UNIQUE}.tmp`), "{", { mode: 0o600 });
  writeFileSync(join(dir, `${KEY_A}.lock.${UNIQUE}.stale`), "1 x", { mode: 0o600 });
  for (const name of FOREIGN) writeFileSync(join(dir, name), "someone else's", { mode: 0o600 });
}

async function run(input: Partial<CacheInput>, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  await runCacheCommand(
    { action: "list", cacheDir: dir, clusterId: undefined, output: "json", ...input },
    { env: { HOME: root, ...env }, now: () => NOW, stdout: (t) => out.push(t), stderr: (t) => err.push(t) },
  );
  return { stdout: out.join(""), stderr: err.join("") };
}

describe("cache clear in a folder that holds other files", () => {
  it.each([
    ["EKS_TOKEN_CACHE_DIR", { cacheDir: undefined as string | undefined }, true],
    ["--cache-dir", {}, false],
  ])("removes only eks-token's names (given by %s) and counts the entries it removed", async (_, over, viaEnv) => {
    populate();
    const result = await run({ action: "clear", ...over }, viaEnv ? { EKS_TOKEN_CACHE_DIR: dir } : {});
    expect(readdirSync(dir).sort()).toEqual([...FOREIGN].sort());
    // three listed entries and one damaged one; locks and temporary files are not counted
    expect(result.stderr).toBe(`eks-token: removed 4 cache entries from ${JSON.stringify(dir)}\n`);
    expect(result.stdout).toBe("");
  });

  it("with --cluster-name removes that cluster's token only", async () => {
    populate();
    const result = await run({ action: "clear", clusterId: "alpha" });
    expect(result.stderr).toBe(`eks-token: removed 1 cache entry from ${JSON.stringify(dir)}\n`);
    const left = readdirSync(dir);
    expect(left).not.toContain(`${KEY_A}.json`);
    expect(left).toEqual(expect.arrayContaining([`${KEY_B}.json`, `${KEY_R}.json`, ...FOREIGN]));
  });

  it("leaves a directory, a link or a FIFO that carries one of our names", async () => {
    mkdirSync(join(dir, `${KEY_A}.json`));
    execFileSync("mkfifo", [join(dir, `.${UNIQUE}.tmp`)]);
    symlinkSync(join(root, "elsewhere"), join(dir, `${KEY_B}.json`));
    writeFileSync(join(root, "target"), "x");
    symlinkSync(join(root, "target"), join(dir, `${KEY_R}.lock`));
    const result = await run({ action: "clear" });
    expect(result.stderr).toMatch(/removed 0 cache entries/);
    expect(readdirSync(dir).sort()).toEqual(
      [`.${UNIQUE}.tmp`, `${KEY_A}.json`, `${KEY_B}.json`, `${KEY_R}.lock`].sort(),
    );
  });

  it("never removes a lock a live process holds, and says it left it", async () => {
    populate();
    // This test's own process stands for an eks-token in the middle of a miss.
    writeFileSync(join(dir, `${KEY_B}.lock`), `${process.pid} 9-held`, { mode: 0o600 });
    const result = await run({ action: "clear" });
    expect(result.stderr).toBe(
      `eks-token: removed 4 cache entries from "${dir}"; left 1 lock that a running eks-token holds\n`,
    );
    expect(readdirSync(dir).sort()).toEqual([...FOREIGN, `${KEY_B}.lock`].sort());
  });

  it("on a folder that does not exist says 0 and creates nothing", async () => {
    rmSync(dir, { recursive: true });
    const result = await run({ action: "clear" });
    expect(result.stderr).toBe(`eks-token: removed 0 cache entries from ${JSON.stringify(dir)}\n`);
    expect(readdirSync(root)).toEqual([]);
  });
});

describe("cache list in a folder that holds other files", () => {
  it("shows only entries stored under their own key's name", async () => {
    populate();
    // a copy of an entry under another entry-shaped name is not one of ours
    entry("e".repeat(64), { kind: "token", key: KEY_A, clusterId: "copied", host: "h", token: "t" });
    const rows = JSON.parse((await run({ action: "list" })).stdout) as Array<{ clusterId?: string; kind: string }>;
    expect(rows.map((r) => r.clusterId ?? r.kind)).toEqual(["alpha", "beta", "role-credentials"]);
  });
});

describe("cache list and clear apply the token path's directory checks", () => {
  const refusals: Array<[string, () => string, RegExp]> = [
    [
      "a symbolic link",
      () => {
        const link = join(root, "link");
        symlinkSync(dir, link);
        return link;
      },
      /it is a symbolic link/,
    ],
    [
      "writable by others",
      () => {
        chmodSync(dir, 0o777);
        return dir;
      },
      /others can write to it \(mode 777\)/,
    ],
    [
      "not a directory",
      () => {
        const file = join(root, "file");
        writeFileSync(file, "x");
        return file;
      },
      /it is not a directory/,
    ],
  ];
  for (const action of ["clear", "list"] as const) {
    it.each(refusals)(`${action} refuses a cache directory that is %s and touches nothing`, async (_, make, reason) => {
      populate();
      const target = make();
      const before = readdirSync(dir).sort();
      const error = await run({ action, cacheDir: target }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isEksTokenError(error)).toBe(true);
      const line = isEksTokenError(error) ? error.reportLine : "";
      expect(line).toMatch(
        new RegExp(`^not (clearing|listing) the token cache "${target.replace(/[/.]/g, "\\$&")}": `),
      );
      expect(line).toMatch(reason);
      expect(readdirSync(dir).sort()).toEqual(before);
    });
  }

  it.skipIf(!IS_ROOT)("refuses a directory that belongs to another user (needs root to make one)", async () => {
    populate();
    chownSync(dir, 65534, 65534);
    const before = readdirSync(dir).sort();
    await expect(run({ action: "clear" })).rejects.toThrow(/belongs to uid 65534, not to you/);
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});

describe("~ in the cache directory", () => {
  it.each([
    ["--cache-dir", (d: string) => ({ input: { cacheDir: d }, env: {} })],
    ["EKS_TOKEN_CACHE_DIR", (d: string) => ({ input: { cacheDir: undefined }, env: { EKS_TOKEN_CACHE_DIR: d } })],
  ])("%s ~/project is the home directory's project folder", async (_, how) => {
    populate();
    const { input, env } = how("~/project");
    const result = await run({ action: "clear", ...input }, env);
    expect(result.stderr).toBe(`eks-token: removed 4 cache entries from ${JSON.stringify(dir)}\n`);
  });
});

describe("cache clear and the SSO sign-in's files", () => {
  const SESSION = "e".repeat(40);
  const OTHER_SESSION = "f".repeat(40);
  const REGISTRATION = `sso-registration-${"9".repeat(64)}.json`;

  it("keeps client registrations, attempt records and a sign-in lock a live process holds; a dead one's lock goes", async () => {
    populate();
    // This test's own process stands for an eks-token waiting on a person in the browser, for
    // longer than a token miss's lock may last.
    writeFileSync(join(dir, `sso-${SESSION}.lock`), `${process.pid} 9-held`, { mode: 0o600 });
    const old = new Date(NOW - 10 * 60_000);
    utimesSync(join(dir, `sso-${SESSION}.lock`), old, old);
    writeFileSync(join(dir, `sso-${OTHER_SESSION}.lock`), `${DEAD_PID} x`, { mode: 0o600 });
    writeFileSync(join(dir, `sso-${SESSION}.attempts`), JSON.stringify({ unfinished: [NOW - 60_000] }), {
      mode: 0o600,
    });
    writeFileSync(join(dir, REGISTRATION), JSON.stringify({ clientId: "c", clientSecret: "s", expiresAt: "x" }), {
      mode: 0o600,
    });
    const result = await run({ action: "clear" });
    expect(result.stderr).toBe(
      `eks-token: removed 4 cache entries from "${dir}"; left 1 lock that a running eks-token holds\n`,
    );
    expect(readdirSync(dir).sort()).toEqual(
      [...FOREIGN, `sso-${SESSION}.lock`, `sso-${SESSION}.attempts`, REGISTRATION].sort(),
    );
  });
});
