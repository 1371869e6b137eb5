// The token cache through the built CLI, with environment or profile credentials (signing is
// local: these runs make no network call at all). Role credentials and `cache list/clear` are in
// cli-role-cache.test.ts; which modules a hit loads is in cli-hit-path.test.ts.
import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ALICE,
  BOB,
  CAN_TEST_PERMISSIONS,
  IS_ROOT,
  REGION,
  STS_HOST,
  editEntry,
  ensureBuilt,
  ensureDir,
  expectCredential,
  expectOneWarning,
  isoSeconds,
  keyEnv,
  keyFor,
  listDir,
  makeSandbox,
  readEntries,
  secretLookup,
  tokenAccessKey,
  tokenEntries,
  tokenUrl,
  verifyToken,
  type Keys,
  type Sandbox,
} from "../support/cache-fixture.js";
import { runChild } from "../support/child.js";
import { CLI_PATH } from "../support/cli.js";
import { CAN_MOUNT, mountReadOnly } from "../support/tmpfs.js";

const sandboxes: Sandbox[] = [];
function sandbox(options: Parameters<typeof makeSandbox>[0] = {}): Sandbox {
  const s = makeSandbox(options);
  sandboxes.push(s);
  return s;
}

beforeAll(async () => {
  await ensureBuilt();
}, 240_000);
afterEach(() => {
  for (const s of sandboxes.splice(0)) s.cleanup();
});

const verifyAlice = (token: string, cluster = "alpha") => verifyToken(token, cluster, secretLookup([ALICE, BOB]));
const aliceEnv = (s: Sandbox, extra: Record<string, string | undefined> = {}) =>
  s.env({ ...keyEnv(ALICE), AWS_REGION: REGION, ...extra });
const ARGS = ["--cluster-name", "alpha"];
const MINUTE = 60_000;

/** Runs once so that the one token entry exists; returns it with the printed credential. */
async function warm(s: Sandbox, args = ARGS, env = aliceEnv(s)) {
  const credential = expectCredential(await s.run(args, { env }));
  const entries = tokenEntries(s.cacheDir);
  expect(entries).toHaveLength(1);
  return { credential, entry: entries[0]! };
}

/** A token minted just now expires 14 minutes after signing (whole seconds). */
function expectFresh(expiresAt: number, before: number): void {
  expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 14 * MINUTE - 1000);
  expect(expiresAt).toBeLessThanOrEqual(Date.now() + 14 * MINUTE);
}

describe("where tokens are cached", () => {
  it("caches under ~/.kube/cache/eks-token by default and serves the same token from it", async () => {
    const s = sandbox();
    const before = Date.now();
    const { credential, entry } = await warm(s);
    verifyAlice(credential.token);
    expectFresh(credential.expiresAt, before);
    expect(entry.json).toMatchObject({
      kind: "token",
      clusterId: "alpha",
      region: REGION,
      host: STS_HOST,
      token: credential.token,
    });
    const ino = statSync(entry.path).ino;

    const second = expectCredential(await s.run(ARGS, { env: aliceEnv(s) }));
    expect(second).toEqual(credential);
    // a hit reads; it does not rewrite the entry
    expect(statSync(entry.path).ino).toBe(ino);
    expect(readFileSync(entry.path, "utf8")).toBe(entry.text);
  });

  it("honours --cache-dir and EKS_TOKEN_CACHE_DIR (the flag wins) and leaves the default alone", async () => {
    const s = sandbox();
    const fromEnv = join(s.home, "env-cache");
    const fromFlag = join(s.home, "flag-cache");
    expectCredential(await s.run(ARGS, { env: aliceEnv(s, { EKS_TOKEN_CACHE_DIR: fromEnv }) }));
    expect(tokenEntries(fromEnv)).toHaveLength(1);
    expect(statSync(fromEnv).mode & 0o777).toBe(0o700);

    expectCredential(
      await s.run([...ARGS, "--cache-dir", fromFlag], { env: aliceEnv(s, { EKS_TOKEN_CACHE_DIR: fromEnv }) }),
    );
    expect(tokenEntries(fromFlag)).toHaveLength(1);
    expect(tokenEntries(fromEnv)).toHaveLength(1);
    expect(existsSync(join(s.home, ".kube"))).toBe(false);
  });

  it.each([
    ["--no-cache", ["--no-cache"], {}],
    ["EKS_TOKEN_NO_CACHE=1", [], { EKS_TOKEN_NO_CACHE: "1" }],
  ] as const)("%s reads nothing and writes nothing", async (_name, flags, extraEnv) => {
    const s = sandbox();
    // cold: no directory is even created
    expectCredential(await s.run([...ARGS, ...flags], { env: aliceEnv(s, extraEnv) }));
    expect(existsSync(join(s.home, ".kube"))).toBe(false);

    // warm: an entry that would be served (with a tell-tale expiration) is neither read nor touched
    const { entry } = await warm(s);
    const planted = Date.now() + 10 * MINUTE;
    editEntry(entry.path, { expiration: new Date(planted).toISOString() });
    const snapshot = { names: listDir(s.cacheDir), text: readFileSync(entry.path, "utf8"), stat: statSync(entry.path) };
    const before = Date.now();
    const credential = expectCredential(await s.run([...ARGS, ...flags], { env: aliceEnv(s, extraEnv) }));
    expect(credential.expirationTimestamp).not.toBe(isoSeconds(planted));
    expectFresh(credential.expiresAt, before);
    expect(listDir(s.cacheDir)).toEqual(snapshot.names);
    expect(readFileSync(entry.path, "utf8")).toBe(snapshot.text);
    expect(statSync(entry.path).mtimeMs).toBe(snapshot.stat.mtimeMs);
    expect(statSync(entry.path).ino).toBe(snapshot.stat.ino);

    // the same call with the cache on is served the planted entry: the test above could fail
    const served = expectCredential(await s.run(ARGS, { env: aliceEnv(s) }));
    expect(served.expirationTimestamp).toBe(isoSeconds(planted));
  });
});

describe("when a cached token is served", () => {
  it("serves an entry with more than 5 minutes left, reporting its own (original) expiration", async () => {
    const s = sandbox();
    const { entry, credential } = await warm(s);
    const original = Date.parse(entry.json["expiration"] as string);
    expect(credential.expiresAt).toBe(original);
    const sixMinutes = Math.floor((Date.now() + 6 * MINUTE) / 1000) * 1000;
    editEntry(entry.path, { expiration: new Date(sixMinutes).toISOString() });
    const served = expectCredential(await s.run(ARGS, { env: aliceEnv(s) }));
    expect(served.token).toBe(credential.token);
    expect(served.expiresAt).toBe(sixMinutes);
  });

  it.each([
    ["4 minutes left", 4 * MINUTE],
    ["exactly 5 minutes left", 5 * MINUTE],
    ["expired", -MINUTE],
    ["long expired", -24 * 60 * MINUTE],
  ])("makes a new token when the entry has %s, and replaces the entry", async (_name, left) => {
    const s = sandbox();
    const { entry } = await warm(s);
    const planted = Date.now() + left;
    editEntry(entry.path, { expiration: new Date(planted).toISOString() });
    const before = Date.now();
    const credential = expectCredential(await s.run(ARGS, { env: aliceEnv(s) }));
    expect(credential.expirationTimestamp).not.toBe(isoSeconds(planted));
    expectFresh(credential.expiresAt, before);
    verifyAlice(credential.token);
    const after = tokenEntries(s.cacheDir);
    expect(after).toHaveLength(1);
    expect(after[0]!.name).toBe(entry.name);
    expect(Date.parse(after[0]!.json["expiration"] as string)).toBe(credential.expiresAt);
    expect(after[0]!.mode).toBe(0o600);
  });
});

describe("key separation", () => {
  it("gives every identity, region and cluster its own entry; names and other entries hold no secret", async () => {
    const s = sandbox();
    const T1 = "IQoJb3JpZ2luX2VjSESSIONONE+/aaaaaaaa==";
    const T2 = "IQoJb3JpZ2luX2VjSESSIONTWO+/bbbbbbbb==";
    const ALICE_T1: Keys = { ...ALICE, sessionToken: T1 };
    const ALICE_T2: Keys = { ...ALICE, sessionToken: T2 };
    const BOB_T: Keys = { ...BOB, sessionToken: "IQoJb3JpZ2luX2VjBOBSESSION+/cccccccc==" };
    const runs: Array<{ keys: Keys; args: string[]; region?: string; cluster: string }> = [
      { keys: ALICE, args: ARGS, cluster: "alpha" },
      { keys: ALICE_T1, args: ARGS, cluster: "alpha" },
      { keys: ALICE_T2, args: ARGS, cluster: "alpha" },
      { keys: BOB, args: ARGS, cluster: "alpha" },
      { keys: BOB_T, args: ARGS, cluster: "alpha" },
      { keys: ALICE, args: ARGS, region: "us-east-1", cluster: "alpha" },
      { keys: ALICE, args: ["--cluster-name", "beta"], cluster: "beta" },
    ];
    const all = [ALICE, ALICE_T1, ALICE_T2, BOB, BOB_T];
    const seen = new Map<string, Keys>(); // entry name -> identity that made it
    for (const [i, r] of runs.entries()) {
      const env = s.env({ ...keyEnv(r.keys), AWS_REGION: r.region ?? REGION });
      const credential = expectCredential(await s.run(r.args, { env }));
      // the token printed is signed by this identity, never served from another one's entry
      expect(tokenAccessKey(credential.token)).toBe(r.keys.accessKeyId);
      expect(tokenUrl(credential.token).searchParams.get("X-Amz-Security-Token") ?? undefined).toBe(
        r.keys.sessionToken,
      );
      verifyToken(credential.token, r.cluster, secretLookup([r.keys]));
      const entries = tokenEntries(s.cacheDir);
      expect(entries, `run ${i}`).toHaveLength(i + 1);
      const made = entries.filter((e) => !seen.has(e.name));
      expect(made).toHaveLength(1);
      seen.set(made[0]!.name, r.keys);
      // and a second call with the same identity is a hit on that same entry
      const again = expectCredential(await s.run(r.args, { env }));
      expect(again.token).toBe(credential.token);
    }
    for (const e of readEntries(s.cacheDir)) {
      expect(e.name).toMatch(/^[0-9a-f]{64}\.json$/);
      const owner = seen.get(e.name)!;
      const decoded = decodeURIComponent(tokenUrl(e.json["token"] as string).toString());
      for (const other of all) {
        // no secret key ever sits in a file, nor in a file name
        for (const secret of [other.secretAccessKey, other.sessionToken]) {
          if (!secret) continue;
          expect(e.name).not.toContain(secret);
          if (other === owner && secret === other.sessionToken) continue; // its own token carries it
          expect(e.text).not.toContain(secret);
          expect(decoded).not.toContain(secret);
        }
        expect(e.name).not.toContain(other.accessKeyId);
      }
    }
  });

  it("keeps profiles apart, and an edit of ~/.aws/credentials selects another entry", async () => {
    const s = sandbox();
    const credentials = (alice: Keys) =>
      `[p1]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\nregion = ${REGION}\n` +
      `[p2]\naws_access_key_id = ${BOB.accessKeyId}\naws_secret_access_key = ${BOB.secretAccessKey}\nregion = ${REGION}\n`;
    s.writeCredentials(credentials(ALICE));
    const p1 = expectCredential(await s.run([...ARGS, "--profile", "p1"], { env: s.env() }));
    expect(tokenAccessKey(p1.token)).toBe(ALICE.accessKeyId);
    const p2 = expectCredential(await s.run(ARGS, { env: s.env({ AWS_PROFILE: "p2" }) }));
    expect(tokenAccessKey(p2.token)).toBe(BOB.accessKeyId);
    expect(tokenEntries(s.cacheDir)).toHaveLength(2);
    expect(
      tokenEntries(s.cacheDir)
        .map((e) => e.json["profile"])
        .sort(),
    ).toEqual(["p1", "p2"]);

    // rotate p1's key in the file: the old entry must not be served for the new identity
    const ROTATED: Keys = {
      accessKeyId: "AKIACACHETESTROTATED",
      secretAccessKey: "rotated/secret/2222222222222222222222",
    };
    s.writeCredentials(credentials(ROTATED));
    const rotated = expectCredential(await s.run([...ARGS, "--profile", "p1"], { env: s.env() }));
    expect(tokenAccessKey(rotated.token)).toBe(ROTATED.accessKeyId);
    verifyToken(rotated.token, "alpha", secretLookup([ROTATED]));
    expect(tokenEntries(s.cacheDir)).toHaveLength(3);
    for (const e of readEntries(s.cacheDir)) {
      for (const secret of [ALICE.secretAccessKey, BOB.secretAccessKey, ROTATED.secretAccessKey]) {
        expect(e.text).not.toContain(secret);
        expect(e.name).not.toContain(secret);
      }
    }
  });
});

describe("the hit entry", () => {
  const hostOf = (token: string) =>
    new URL(Buffer.from(token.slice("k8s-aws-v1.".length), "base64url").toString("utf8")).host;

  it("a region edited in the profile (same size) between calls: the next token is for the new region's STS", async () => {
    const s = sandbox();
    s.writeCredentials(
      `[r]\naws_access_key_id = ${ALICE.accessKeyId}\naws_secret_access_key = ${ALICE.secretAccessKey}\n`,
    );
    s.writeConfig("[profile r]\nregion = us-west-2\nsts_regional_endpoints = regional\n");
    const env = s.env();
    const first = expectCredential(await s.run([...ARGS, "--profile", "r"], { env }));
    expect(hostOf(first.token)).toBe("sts.us-west-2.amazonaws.com");
    // Answered from the hit entry: the same token.
    expect(expectCredential(await s.run([...ARGS, "--profile", "r"], { env }))).toEqual(first);
    s.writeConfig("[profile r]\nregion = eu-west-1\nsts_regional_endpoints = regional\n");
    const edited = expectCredential(await s.run([...ARGS, "--profile", "r"], { env }));
    expect(hostOf(edited.token)).toBe("sts.eu-west-1.amazonaws.com");
    verifyToken(edited.token, "alpha", secretLookup([ALICE]));
  });

  it("a variable that changes the target (AWS_REGION) is a new hit key: never the other region's token", async () => {
    const s = sandbox();
    const west = expectCredential(await s.run(ARGS, { env: aliceEnv(s, { AWS_REGION: "us-west-2" }) }));
    const east = expectCredential(await s.run(ARGS, { env: aliceEnv(s, { AWS_REGION: "eu-central-1" }) }));
    expect(hostOf(west.token)).toBe("sts.us-west-2.amazonaws.com");
    expect(hostOf(east.token)).toBe("sts.eu-central-1.amazonaws.com");
    // Each again: each from its own hit entry.
    expect(expectCredential(await s.run(ARGS, { env: aliceEnv(s, { AWS_REGION: "us-west-2" }) }))).toEqual(west);
    expect(expectCredential(await s.run(ARGS, { env: aliceEnv(s, { AWS_REGION: "eu-central-1" }) }))).toEqual(east);
    expect(listDir(s.cacheDir).filter((n) => n.endsWith(".hit"))).toHaveLength(2);
  });

  it("a hit entry pointing to another cluster's entry is not followed: the call resolves anew and repairs it", async () => {
    const s = sandbox();
    const env = aliceEnv(s);
    expectCredential(await s.run(["--cluster-name", "beta"], { env }));
    const alpha = expectCredential(await s.run(ARGS, { env }));
    const hits = listDir(s.cacheDir).filter((n) => n.endsWith(".hit"));
    const read = (n: string) => JSON.parse(readFileSync(join(s.cacheDir, n), "utf8")) as Record<string, string>;
    const alphaHit = hits.find((n) => read(n)["clusterId"] === "alpha") as string;
    const betaHit = hits.find((n) => read(n)["clusterId"] === "beta") as string;
    // alpha's pointer now names beta's entry, with beta's cluster: the record and the token agree.
    const planted = { ...read(betaHit), key: alphaHit.slice(0, -".hit".length) };
    writeFileSync(join(s.cacheDir, alphaHit), JSON.stringify(planted), { mode: 0o600 });
    const again = expectCredential(await s.run(ARGS, { env }));
    expect(again).toEqual(alpha);
    verifyAlice(again.token, "alpha");
    expect(read(alphaHit)["clusterId"]).toBe("alpha");
  });
});

describe("permissions", () => {
  it.each([0o000, 0o022, 0o077])("creates the directory 0700 and entries 0600 under umask %s", async (umask) => {
    const s = sandbox();
    expectCredential(await s.run(ARGS, { env: aliceEnv(s), umask }));
    expect(statSync(s.cacheDir).mode & 0o777).toBe(0o700);
    for (const parent of [join(s.home, ".kube"), join(s.home, ".kube", "cache")]) {
      expect(statSync(parent).mode & 0o077, parent).toBe(0);
    }
    const entries = readEntries(s.cacheDir);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.mode).toBe(0o600);
    // a replaced entry is 0600 as well
    editEntry(entries[0]!.path, { expiration: new Date(Date.now() - MINUTE).toISOString() });
    expectCredential(await s.run(ARGS, { env: aliceEnv(s), umask }));
    expect(readEntries(s.cacheDir)[0]!.mode).toBe(0o600);
  });

  const unsafeDirs: Array<[string, (s: Sandbox, dir: string) => string | undefined, boolean]> = [
    [
      "a symbolic link",
      (s, dir) => {
        const real = join(s.home, "real-cache");
        mkdirSync(real, { mode: 0o700 });
        mkdirSync(join(dir, ".."), { recursive: true });
        symlinkSync(real, dir);
        return real;
      },
      true,
    ],
    [
      "group-writable",
      (_s, dir) => {
        ensureDir(dir);
        chmodSync(dir, 0o770);
        return dir;
      },
      true,
    ],
    [
      "world-writable",
      (_s, dir) => {
        ensureDir(dir);
        chmodSync(dir, 0o777);
        return dir;
      },
      true,
    ],
    [
      "owned by another user",
      (_s, dir) => {
        ensureDir(dir);
        chownSync(dir, 4242, 4242);
        return dir;
      },
      IS_ROOT,
    ],
    [
      "a regular file",
      (_s, dir) => {
        mkdirSync(join(dir, ".."), { recursive: true });
        writeFileSync(dir, "");
        return undefined;
      },
      true,
    ],
  ];

  // The owner check needs root to chown; as non-root that case is left out.
  it.each(unsafeDirs.filter(([, , runnable]) => runnable).map(([name, setup]) => [name, setup] as const))(
    "does not use a cache directory that is %s: token printed, exit 0, one warning",
    async (_name, setup) => {
      const s = sandbox();
      const dir = join(s.home, "cache");
      const real = setup(s, dir);
      for (let i = 0; i < 2; i++) {
        const result = await s.run([...ARGS, "--cache-dir", dir], { env: aliceEnv(s) });
        const credential = expectCredential(result, { stderr: "any" });
        verifyAlice(credential.token);
        expect(expectOneWarning(result)).toContain(dir);
      }
      if (real) expect(listDir(real)).toEqual([]);
    },
  );

  it("never follows an entry that is a symbolic link to a valid-looking entry", async () => {
    const s = sandbox();
    const { entry } = await warm(s);
    const planted = join(s.home, "planted.json");
    renameSync(entry.path, planted);
    const plantedExpiry = Date.now() + 10 * MINUTE;
    editEntry(planted, { expiration: new Date(plantedExpiry).toISOString() });
    const plantedText = readFileSync(planted, "utf8");
    symlinkSync(planted, entry.path);

    const before = Date.now();
    const credential = expectCredential(await s.run(ARGS, { env: aliceEnv(s) }));
    expect(credential.expirationTimestamp).not.toBe(isoSeconds(plantedExpiry));
    expectFresh(credential.expiresAt, before);
    expect(lstatSync(entry.path).isSymbolicLink()).toBe(false);
    expect(lstatSync(entry.path).isFile()).toBe(true);
    expect(readFileSync(planted, "utf8")).toBe(plantedText);
  });
});

describe("writing entries", () => {
  it("leaves no temporary or lock file after many calls, concurrent ones included", async () => {
    const s = sandbox();
    const env = aliceEnv(s);
    const clusters = ["c1", "c2", "c3", "c4"];
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => s.run(["--cluster-name", clusters[i % clusters.length]!], { env })),
    );
    results.forEach((r, i) => {
      verifyAlice(expectCredential(r).token, clusters[i % clusters.length]);
    });
    for (const c of clusters) expectCredential(await s.run(["--cluster-name", c], { env }));
    // misses that replace entries
    for (const e of tokenEntries(s.cacheDir))
      editEntry(e.path, { expiration: new Date(Date.now() - MINUTE).toISOString() });
    for (const c of clusters) expectCredential(await s.run(["--cluster-name", c], { env }));
    const names = listDir(s.cacheDir);
    // An entry per cluster, and the hit entry pointing to it from these calls' inputs.
    expect(names.filter((n) => /^[0-9a-f]{64}\.json$/.test(n))).toHaveLength(clusters.length);
    expect(names.filter((n) => /^[0-9a-f]{64}\.hit$/.test(n))).toHaveLength(clusters.length);
    expect(names).toHaveLength(2 * clusters.length);
  });

  it("removes a temporary file orphaned more than 60 s ago on the next miss, not a young one", async () => {
    const s = sandbox();
    await warm(s);
    const old = join(s.cacheDir, ".31337-m0a1b2c3-1-0a1b2c3d.tmp");
    const young = join(s.cacheDir, ".31338-m0a1b2c4-2-9z8y7x6w.tmp");
    writeFileSync(old, '{"partial":', { mode: 0o600 });
    writeFileSync(young, '{"partial":', { mode: 0o600 });
    const t = (Date.now() - 61_000) / 1000;
    utimesSync(old, t, t);
    // a hit does no housekeeping
    expectCredential(await s.run(ARGS, { env: aliceEnv(s) }));
    expect(existsSync(old)).toBe(true);
    // a miss (another cluster) does
    expectCredential(await s.run(["--cluster-name", "beta"], { env: aliceEnv(s) }));
    expect(existsSync(old)).toBe(false);
    expect(existsSync(young)).toBe(true);
  });

  it("still prints the token (exit 0) when the entry cannot be written (a directory sits at its path)", async () => {
    const s = sandbox();
    const env = aliceEnv(s);
    const key = await keyFor({ clusterId: "alpha" }, env);
    ensureDir(join(s.cacheDir, `${key}.json`));
    for (let i = 0; i < 2; i++) {
      const result = await s.run(ARGS, { env });
      verifyAlice(expectCredential(result, { stderr: "any" }).token);
      expect(expectOneWarning(result)).toMatch(/could not write the token cache/);
    }
    expect(listDir(s.cacheDir)).toEqual([`${key}.json`]);
  });

  it.skipIf(!CAN_TEST_PERMISSIONS)(
    "still prints the token (exit 0) when the cache directory is read-only (chmod 500)",
    async () => {
      const s = sandbox({ unprivileged: true });
      const env = aliceEnv(s);
      // existing directory with an entry that needs replacing
      const { entry } = await warm(s, ARGS, env);
      editEntry(entry.path, { expiration: new Date(Date.now() + 2 * MINUTE).toISOString() });
      const text = readFileSync(entry.path, "utf8");
      chmodSync(s.cacheDir, 0o500);
      try {
        for (const cluster of ["alpha", "beta"]) {
          const result = await s.run(["--cluster-name", cluster], { env });
          verifyAlice(expectCredential(result, { stderr: "any" }).token, cluster);
          expect(
            result.stderr
              .split("\n")
              .filter(Boolean)
              .every((l) => l.startsWith("eks-token: warning: ")),
          ).toBe(true);
        }
        expect(readFileSync(entry.path, "utf8")).toBe(text);
        // The entry and the hit entry the warm call wrote; nothing new.
        expect(listDir(s.cacheDir).filter((n) => !n.endsWith(".hit"))).toEqual([entry.name]);
        expect(listDir(s.cacheDir)).toHaveLength(2);
        // the permission really bit: the lock could not be created, and the call went on without it
        const debug = await s.run(["--cluster-name", "gamma", "--debug"], { env });
        expectCredential(debug, { stderr: "any" });
        expect(debug.stderr).toMatch(/could not lock the cache \(error: EACCES\); going on without it/);
      } finally {
        chmodSync(s.cacheDir, 0o700);
      }
    },
  );
});

describe("damaged entries", () => {
  const damage: Array<[string, (path: string, text: string) => void]> = [
    ["corrupt", (p) => writeFileSync(p, '{"v":1,"kind":')],
    ["truncated", (p, t) => writeFileSync(p, t.slice(0, t.length - 40))],
    ["not JSON", (p) => writeFileSync(p, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 10]))],
    ["of a foreign version", (p, t) => writeFileSync(p, JSON.stringify({ ...JSON.parse(t), v: 2 }))],
    ["under the wrong key", (p, t) => writeFileSync(p, JSON.stringify({ ...JSON.parse(t), key: "e".repeat(64) }))],
    ["for another clusterId", (p, t) => writeFileSync(p, JSON.stringify({ ...JSON.parse(t), clusterId: "beta" }))],
    [
      "holding a token for another host",
      (p, t) => {
        const j = JSON.parse(t) as { token: string };
        const url = tokenUrl(j.token).toString().replace(STS_HOST, "sts.eu-west-1.amazonaws.com");
        writeFileSync(p, JSON.stringify({ ...j, token: `k8s-aws-v1.${Buffer.from(url).toString("base64url")}` }));
      },
    ],
    ["readable by others", (p) => chmodSync(p, 0o644)],
  ];

  it.each(damage)("treats an entry that is %s as a miss and replaces it", async (_name, spoil) => {
    const s = sandbox();
    const { entry } = await warm(s);
    editEntry(entry.path, { expiration: new Date(Date.now() + 10 * MINUTE).toISOString() }); // would be served if intact
    spoil(entry.path, readFileSync(entry.path, "utf8"));
    const before = Date.now();
    const fresh = expectCredential(await s.run(ARGS, { env: aliceEnv(s) }));
    // served, it would report the planted +10 min; made anew, it reports +14 min
    expectFresh(fresh.expiresAt, before);
    verifyAlice(fresh.token);
    const [replaced] = tokenEntries(s.cacheDir);
    expect(replaced?.name).toBe(entry.name);
    expect(replaced?.json).toMatchObject({
      v: 1,
      key: entry.name.slice(0, 64),
      clusterId: "alpha",
      host: STS_HOST,
      token: fresh.token,
    });
    expect(replaced?.mode).toBe(0o600);
  });

  it("treats a FIFO at the entry path as a miss without hanging, and replaces it", async () => {
    const s = sandbox();
    const { entry } = await warm(s);
    unlinkSync(entry.path);
    execFileSync("mkfifo", ["-m", "600", entry.path]);
    const result = await s.run(ARGS, { env: aliceEnv(s), timeoutMs: 10_000 });
    expect(result.signal).toBeNull();
    verifyAlice(expectCredential(result).token);
    expect(lstatSync(entry.path).isFile()).toBe(true);
  });

  it.skipIf(!CAN_TEST_PERMISSIONS)("treats an unreadable entry (mode 0000) as a miss and replaces it", async () => {
    const s = sandbox({ unprivileged: true });
    const env = aliceEnv(s);
    const { entry } = await warm(s, ARGS, env);
    chmodSync(entry.path, 0o000);
    const result = await s.run(ARGS, { env });
    verifyAlice(expectCredential(result).token);
    expect(statSync(entry.path).mode & 0o777).toBe(0o600);
  });
});

describe("the cross-process lock", () => {
  it("takes over a lock left by a dead process quickly", async () => {
    const s = sandbox();
    const env = aliceEnv(s);
    const key = await keyFor({ clusterId: "alpha" }, env);
    const dead = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
    await new Promise((r) => dead.on("exit", r));
    ensureDir(s.cacheDir);
    writeFileSync(join(s.cacheDir, `${key}.lock`), `${dead.pid} 0a1b2c3d4e5f`, { mode: 0o600 });
    const result = await s.run(ARGS, { env });
    verifyAlice(expectCredential(result).token);
    expect(result.durationMs).toBeLessThan(5_000);
    // the entry went under the key the test computed (beside its hit entry), and the lock is gone
    expect(listDir(s.cacheDir).filter((n) => !/^[0-9a-f]{64}\.hit$/.test(n))).toEqual([`${key}.json`]);
    expect(listDir(s.cacheDir)).toHaveLength(2);
  });

  it("does not wait out the 20 s bound when something that is no lock file sits at the lock path", async () => {
    const s = sandbox();
    const env = aliceEnv(s);
    const key = await keyFor({ clusterId: "alpha" }, env);
    ensureDir(join(s.cacheDir, `${key}.lock`));
    const result = await s.run(ARGS, { env });
    verifyAlice(expectCredential(result).token);
    expect(result.durationMs).toBeLessThan(5_000);
  });
});

describe("eks-token cache clear", () => {
  it("removes damaged entries too, and nothing that is not the cache's", async () => {
    const s = sandbox();
    await warm(s);
    const damaged = join(s.cacheDir, `${"d".repeat(64)}.json`);
    writeFileSync(damaged, "{", { mode: 0o600 });
    const foreign = join(s.cacheDir, "README.txt");
    writeFileSync(foreign, "not ours", { mode: 0o600 });
    const result = await s.run(["cache", "clear"], { env: aliceEnv(s) });
    expect(result.code, result.stderr).toBe(0);
    expect(listDir(s.cacheDir)).toEqual(["README.txt"]);
  });
});

describe("where the cache lives", () => {
  it.each([
    ["--cache-dir", (env: Record<string, string>) => ({ args: [...ARGS, "--cache-dir", "~/tokens"], env })],
    [
      "EKS_TOKEN_CACHE_DIR",
      (env: Record<string, string>) => ({ args: ARGS, env: { ...env, EKS_TOKEN_CACHE_DIR: "~/tokens" } }),
    ],
  ])("%s ~/tokens is a folder in HOME, not ./~ in the working directory", async (_, how) => {
    const s = sandbox();
    const cwd = join(s.home, "work");
    mkdirSync(cwd);
    const { args, env } = how(aliceEnv(s));
    const result = await runChild(process.execPath, [CLI_PATH, ...args], { cwd, env, timeoutMs: 20_000 });
    verifyAlice(expectCredential(result).token);
    expect(existsSync(join(cwd, "~"))).toBe(false);
    expect(tokenEntries(join(s.home, "tokens"))).toHaveLength(1);
  });

  it.skipIf(!CAN_MOUNT)(
    "a read-only HOME: the token is printed, with one warning that says EROFS (needs root and mount)",
    async () => {
      const ro = mountReadOnly({ ".aws/config": "[default]\n" });
      try {
        const env = {
          ...aliceEnv(sandbox()),
          HOME: ro!.path,
          AWS_CONFIG_FILE: join(ro!.path, ".aws", "config"),
          AWS_SHARED_CREDENTIALS_FILE: join(ro!.path, ".aws", "credentials"),
        };
        const result = await runChild(process.execPath, [CLI_PATH, ...ARGS], { cwd: ro!.path, env, timeoutMs: 20_000 });
        verifyAlice(expectCredential(result, { stderr: "any" }).token);
        expect(expectOneWarning(result)).toBe(
          `eks-token: warning: not using the token cache ${JSON.stringify(join(ro!.path, ".kube", "cache", "eks-token"))}: cannot create it (EROFS)`,
        );
      } finally {
        ro?.cleanup();
      }
    },
  );
});
