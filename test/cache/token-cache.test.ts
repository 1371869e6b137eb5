// The TokenCache class on a fake clock: when a token or role credentials are served, what a bad
// entry does, how entries and the directory are protected. No process is spawned here.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tokenCacheKey, roleCredentialsCacheKey } from "../../src/cache/cache-key.js";
import { entryPath } from "../../src/cache/entry-file.js";
import { MIN_REMAINING_MS, TokenCache } from "../../src/cache/token-cache.js";
import type { Env } from "../../src/env.js";
import type { MintedToken } from "../../src/token/mint.js";
import { resolveTarget, type TargetOptions, type TokenTarget } from "../../src/aws/target.js";
import { ALICE, IS_ROOT, keyEnv, presignedToken } from "../support/cache-fixture.js";

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const TOKEN_LIFE = 14 * 60_000;

interface Harness {
  root: string;
  dir: string;
  env: Env;
  clock: { now: number };
  warnings: string[];
  debug: string[];
  open(dir?: string): TokenCache | undefined;
  cache(): TokenCache;
  target(options?: Partial<TargetOptions>): Promise<TokenTarget>;
}

let h: Harness;

function makeHarness(): Harness {
  const root = mkdtempSync(join(tmpdir(), "eks-token-tc-"));
  const env: Env = {
    HOME: root,
    AWS_CONFIG_FILE: join(root, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(root, ".aws", "credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_REGION: "us-west-2",
    ...keyEnv(ALICE),
  };
  const clock = { now: T0 };
  const warnings: string[] = [];
  const debug: string[] = [];
  const dir = join(root, "cache");
  const open = (d = dir) =>
    TokenCache.open({
      dir: d,
      env,
      now: () => clock.now,
      warn: (m) => warnings.push(m),
      debug: (m) => debug.push(m),
      lockWaitMs: () => 200,
    });
  return {
    root,
    dir,
    env,
    clock,
    warnings,
    debug,
    open,
    cache: () => {
      const c = open();
      if (!c) throw new Error(`cache did not open: ${warnings.join("; ")}`);
      return c;
    },
    target: (options = {}) => resolveTarget({ clusterId: "alpha", ...options }, env),
  };
}

beforeEach(() => {
  h = makeHarness();
});
afterEach(() => {
  rmSync(h.root, { recursive: true, force: true });
});

/** A real presigned token for the target, signed at `at` with expiration at + 14 min. */
function mint(
  target: TokenTarget,
  at = h.clock.now,
  overrides: { host?: string; region?: string; cluster?: string } = {},
): MintedToken {
  return presignedToken(target, at, TOKEN_LIFE, overrides);
}

function entryFile(target: TokenTarget): string {
  return entryPath(h.dir, tokenCacheKey(target, h.env));
}

function rewrite(path: string, mutate: (json: Record<string, unknown>) => unknown): void {
  const json = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  writeFileSync(path, JSON.stringify(mutate(json)));
  chmodSync(path, 0o600);
}

describe("serving a token", () => {
  it("serves a written token with its original expiration while more than 5 minutes remain", async () => {
    const cache = h.cache();
    const target = await h.target();
    expect(cache.readToken(target)).toBeUndefined();
    const minted = mint(target);
    cache.writeToken(target, minted);

    for (const later of [0, 60_000, TOKEN_LIFE - MIN_REMAINING_MS - 1]) {
      h.clock.now = T0 + later;
      const hit = cache.readToken(target);
      expect(hit?.token).toBe(minted.token);
      // the true expiration, not "now + 14 minutes"
      expect(hit?.expiration.getTime()).toBe(T0 + TOKEN_LIFE);
    }
  });

  it("stops serving at exactly 5 minutes left, keeps the entry until it expires, then removes it", async () => {
    const cache = h.cache();
    const target = await h.target();
    cache.writeToken(target, mint(target));
    const path = entryFile(target);

    h.clock.now = T0 + TOKEN_LIFE - MIN_REMAINING_MS;
    expect(cache.readToken(target)).toBeUndefined();
    expect(existsSync(path)).toBe(true);

    h.clock.now = T0 + TOKEN_LIFE - 1;
    expect(cache.readToken(target)).toBeUndefined();
    expect(existsSync(path)).toBe(true);

    h.clock.now = T0 + TOKEN_LIFE;
    expect(cache.readToken(target)).toBeUndefined();
    expect(existsSync(path)).toBe(false);
  });

  it("honours a short expiration (credentials expiring soon) rather than signing time + 14 min", async () => {
    const cache = h.cache();
    const target = await h.target();
    const minted = { ...mint(target), expiration: new Date(T0 + 7 * 60_000) };
    cache.writeToken(target, minted);
    h.clock.now = T0 + 2 * 60_000 - 1;
    expect(cache.readToken(target)?.expiration.getTime()).toBe(T0 + 7 * 60_000);
    h.clock.now = T0 + 2 * 60_000;
    expect(cache.readToken(target)).toBeUndefined();
  });

  it("keeps tokens for different clusters and regions apart", async () => {
    const cache = h.cache();
    const alpha = await h.target();
    const beta = await h.target({ clusterId: "beta" });
    const east = await h.target({ region: "us-east-1" });
    const a = mint(alpha);
    cache.writeToken(alpha, a);
    expect(cache.readToken(beta)).toBeUndefined();
    expect(cache.readToken(east)).toBeUndefined();
    const b = mint(beta);
    cache.writeToken(beta, b);
    expect(cache.readToken(alpha)?.token).toBe(a.token);
    expect(cache.readToken(beta)?.token).toBe(b.token);
    expect(readdirSync(h.dir).filter((n) => n.endsWith(".json"))).toHaveLength(2);
  });

  it("writes the entry 0600 with no secret in its name and no key material but the token", async () => {
    const cache = h.cache();
    const target = await h.target();
    cache.writeToken(target, mint(target));
    const names = readdirSync(h.dir);
    expect(names).toEqual([`${tokenCacheKey(target, h.env)}.json`]);
    expect(names[0]).toMatch(/^[0-9a-f]{64}\.json$/);
    const path = join(h.dir, names[0]!);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(h.dir).mode & 0o777).toBe(0o700);
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain(ALICE.secretAccessKey);
    expect(JSON.parse(text)).toMatchObject({
      v: 1,
      kind: "token",
      clusterId: "alpha",
      region: "us-west-2",
      host: "sts.us-west-2.amazonaws.com",
    });
  });
});

describe("entries that must not be served", () => {
  async function withEntry(): Promise<{ cache: TokenCache; target: TokenTarget; path: string; minted: MintedToken }> {
    const cache = h.cache();
    const target = await h.target();
    const minted = mint(target);
    cache.writeToken(target, minted);
    return { cache, target, path: entryFile(target), minted };
  }

  /** After a miss, a write replaces the entry and the new token is served. */
  function expectReplaced(cache: TokenCache, target: TokenTarget, path: string): void {
    const fresh = mint(target, h.clock.now + 1000);
    cache.writeToken(target, fresh);
    expect(lstatSync(path).isFile()).toBe(true);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    expect(cache.readToken(target)?.token).toBe(fresh.token);
  }

  const variants: Array<[string, (path: string, valid: string) => void]> = [
    ["corrupt JSON", (p) => writeFileSync(p, '{"v":1,"kind":"tok')],
    ["a truncated entry", (p, valid) => writeFileSync(p, valid.slice(0, Math.floor(valid.length / 2)))],
    ["an empty file", (p) => writeFileSync(p, "")],
    ["binary garbage", (p) => writeFileSync(p, Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13]))],
    ["JSON null", (p) => writeFileSync(p, "null")],
    ["a JSON array", (p) => writeFileSync(p, "[1,2,3]")],
    ["a JSON string", (p, valid) => writeFileSync(p, JSON.stringify(valid))],
    ["a foreign format version", (p, valid) => writeFileSync(p, JSON.stringify({ ...JSON.parse(valid), v: 2 }))],
    ["no version", (p, valid) => writeFileSync(p, JSON.stringify({ ...JSON.parse(valid), v: undefined }))],
    [
      "another entry's key",
      (p, valid) => writeFileSync(p, JSON.stringify({ ...JSON.parse(valid), key: "0".repeat(64) })),
    ],
    [
      "a role-credentials entry",
      (p, valid) => writeFileSync(p, JSON.stringify({ ...JSON.parse(valid), kind: "role-credentials" })),
    ],
    [
      "an unparsable expiration",
      (p, valid) => writeFileSync(p, JSON.stringify({ ...JSON.parse(valid), expiration: "soon" })),
    ],
    ["a missing token", (p, valid) => writeFileSync(p, JSON.stringify({ ...JSON.parse(valid), token: undefined }))],
    [
      "a token that is not one",
      (p, valid) => writeFileSync(p, JSON.stringify({ ...JSON.parse(valid), token: "k8s-aws-v1.!!!" })),
    ],
    [
      "an entry bigger than 64 kB",
      (p, valid) => writeFileSync(p, JSON.stringify({ ...JSON.parse(valid), pad: "x".repeat(70_000) })),
    ],
  ];

  it.each(variants)("treats %s as a miss and replaces it", async (_name, damage) => {
    const { cache, target, path } = await withEntry();
    const valid = readFileSync(path, "utf8");
    damage(path, valid);
    chmodSync(path, 0o600);
    expect(cache.readToken(target)).toBeUndefined();
    expectReplaced(cache, target, path);
  });

  it("never serves an entry whose clusterId differs, even under the right key", async () => {
    const { cache, target, path } = await withEntry();
    rewrite(path, (j) => ({ ...j, clusterId: "beta" }));
    expect(cache.readToken(target)).toBeUndefined();
  });

  it("never serves a token whose decoded host is not the target's STS host", async () => {
    const { cache, target, path } = await withEntry();
    const foreign = mint(target, T0, { host: "sts.us-east-1.amazonaws.com", region: "us-east-1" });
    rewrite(path, (j) => ({ ...j, token: foreign.token }));
    expect(cache.readToken(target)).toBeUndefined();
    // the host field alone agreeing is not enough: the token itself is decoded
    const evil = mint(target, T0, { host: "sts.us-west-2.amazonaws.com.evil.example" });
    rewrite(path, (j) => ({ ...j, token: evil.token }));
    expect(cache.readToken(target)).toBeUndefined();
  });

  it("never serves a token signed for another region on the right host", async () => {
    const { cache, target, path } = await withEntry();
    const wrongScope = mint(target, T0, { region: "eu-west-1" });
    rewrite(path, (j) => ({ ...j, token: wrongScope.token }));
    expect(cache.readToken(target)).toBeUndefined();
  });

  it("never serves an entry whose host field differs from the target", async () => {
    const { cache, target, path } = await withEntry();
    rewrite(path, (j) => ({ ...j, host: "sts.us-east-1.amazonaws.com" }));
    expect(cache.readToken(target)).toBeUndefined();
  });

  it("does not serve an entry that others can read (mode 0644), and rewrites it 0600", async () => {
    const { cache, target, path } = await withEntry();
    chmodSync(path, 0o644);
    expect(cache.readToken(target)).toBeUndefined();
    expectReplaced(cache, target, path);
  });

  it.skipIf(!IS_ROOT)("does not serve an entry owned by another user", async () => {
    const { cache, target, path } = await withEntry();
    chownSync(path, 4242, 4242);
    expect(cache.readToken(target)).toBeUndefined();
    expectReplaced(cache, target, path);
    expect(statSync(path).uid).toBe(0);
  });

  it.skipIf(IS_ROOT)("treats an unreadable entry (mode 0000) as a miss and replaces it", async () => {
    const { cache, target, path } = await withEntry();
    chmodSync(path, 0o000);
    expect(cache.readToken(target)).toBeUndefined();
    expectReplaced(cache, target, path);
  });

  it("never follows an entry that is a symbolic link, and replaces the link, not its target", async () => {
    const { cache, target, path } = await withEntry();
    const outside = join(h.root, "planted.json");
    writeFileSync(outside, readFileSync(path));
    chmodSync(outside, 0o600);
    const before = readFileSync(outside, "utf8");
    unlinkSync(path);
    symlinkSync(outside, path);
    expect(cache.readToken(target)).toBeUndefined();
    expectReplaced(cache, target, path);
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(readFileSync(outside, "utf8")).toBe(before);
  });

  it("treats a FIFO at the entry path as a miss without blocking, and replaces it", async () => {
    const { cache, target, path } = await withEntry();
    unlinkSync(path);
    execFileSync("mkfifo", ["-m", "600", path]);
    const started = Date.now();
    expect(cache.readToken(target)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
    expectReplaced(cache, target, path);
  });

  it("treats a directory at the entry path as a miss; the write then fails with one warning", async () => {
    const { cache, target, path } = await withEntry();
    unlinkSync(path);
    mkdirSync(path);
    expect(cache.readToken(target)).toBeUndefined();
    cache.writeToken(target, mint(target));
    expect(h.warnings).toHaveLength(1);
    expect(h.warnings[0]).toMatch(/could not write the token cache/);
    // the failed write leaves no temporary file behind
    expect(readdirSync(h.dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });
});

describe("role credentials", () => {
  const roleArn = "arn:aws:iam::111122223333:role/eks-admin";
  const creds = (expiresAt: number) => ({
    accessKeyId: "ASIAROLECACHE0000001",
    secretAccessKey: "role/secret/0000000000000000000000000000",
    sessionToken: "IQoJb3JpZ2luX2VjROLESESSION+/==",
    expiration: new Date(expiresAt),
  });

  it("are served until 5 minutes before they expire, then removed once expired", async () => {
    const cache = h.cache();
    const target = await h.target({ roleArn });
    const store = cache.roleSlot(target);
    const exp = T0 + 60 * 60_000;
    expect(await store.get()).toBeUndefined();
    await store.put(creds(exp));
    const path = entryPath(h.dir, roleCredentialsCacheKey(target, h.env));
    expect(statSync(path).mode & 0o777).toBe(0o600);

    h.clock.now = exp - MIN_REMAINING_MS - 1;
    expect(await store.get()).toEqual(creds(exp));
    h.clock.now = exp - MIN_REMAINING_MS;
    expect(await store.get()).toBeUndefined();
    expect(existsSync(path)).toBe(true);
    h.clock.now = exp;
    expect(await store.get()).toBeUndefined();
    expect(existsSync(path)).toBe(false);
  });

  it("are shared by every cluster and region of the same identity, but not by another role", async () => {
    const cache = h.cache();
    const store = cache.roleSlot(await h.target({ roleArn }));
    await store.put(creds(T0 + 3_600_000));
    expect(await cache.roleSlot(await h.target({ roleArn, clusterId: "beta" })).get()).toBeDefined();
    expect(
      await cache.roleSlot(await h.target({ roleArn, clusterId: "gamma", region: "eu-west-1" })).get(),
    ).toBeDefined();
    expect(
      await cache.roleSlot(await h.target({ roleArn: "arn:aws:iam::111122223333:role/other" })).get(),
    ).toBeUndefined();
    expect(await cache.roleSlot(await h.target({ roleArn, sessionName: "someone-else" })).get()).toBeUndefined();
    expect(await cache.roleSlot(await h.target({ roleArn, externalId: "ext-1" })).get()).toBeUndefined();
  });

  it("are not written when they do not expire (long-term keys stay where they are)", async () => {
    const cache = h.cache();
    const store = cache.roleSlot(await h.target({ roleArn }));
    await store.put({ accessKeyId: "AKIALONGTERM00000000", secretAccessKey: "long/term" });
    expect(readdirSync(h.dir)).toEqual([]);
  });

  it("ignore a damaged or foreign entry", async () => {
    const cache = h.cache();
    const target = await h.target({ roleArn });
    const store = cache.roleSlot(target);
    await store.put(creds(T0 + 3_600_000));
    const path = entryPath(h.dir, roleCredentialsCacheKey(target, h.env));
    rewrite(path, (j) => ({ ...j, v: 99 }));
    expect(await store.get()).toBeUndefined();
    rewrite(path, (j) => ({ ...j, v: 1, key: "f".repeat(64) }));
    expect(await store.get()).toBeUndefined();
    writeFileSync(path, "{");
    expect(await store.get()).toBeUndefined();
  });
});

describe("the cache directory", () => {
  it("is created 0700 with its parents", () => {
    const dir = join(h.root, "a", "b", "eks-token");
    expect(h.open(dir)).toBeDefined();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(h.root, "a")).mode & 0o077).toBe(0);
    expect(h.warnings).toEqual([]);
  });

  it("is used when it exists 0700 or 0755", () => {
    mkdirSync(h.dir);
    chmodSync(h.dir, 0o755);
    expect(h.open()).toBeDefined();
    expect(h.warnings).toEqual([]);
  });

  const unsafe: Array<[string, () => void, RegExp]> = [
    [
      "a symbolic link to a private directory",
      () => {
        const real = join(h.root, "real");
        mkdirSync(real, { mode: 0o700 });
        symlinkSync(real, h.dir);
      },
      /symbolic link/,
    ],
    [
      "group-writable",
      () => {
        mkdirSync(h.dir);
        chmodSync(h.dir, 0o770);
      },
      /others can write/,
    ],
    [
      "writable by others",
      () => {
        mkdirSync(h.dir);
        chmodSync(h.dir, 0o703);
      },
      /others can write/,
    ],
    ["a file", () => writeFileSync(h.dir, "not a directory"), /not a directory/],
    [
      "under a file",
      () => {
        writeFileSync(join(h.root, "file"), "");
      },
      /cannot create/,
    ],
  ];

  it.each(unsafe)("is not used when it is %s (one warning)", (name, setup, reason) => {
    setup();
    const dir = name === "under a file" ? join(h.root, "file", "eks-token") : h.dir;
    expect(h.open(dir)).toBeUndefined();
    expect(h.warnings).toHaveLength(1);
    expect(h.warnings[0]).toMatch(reason);
  });

  it.skipIf(!IS_ROOT)("is not used when another user owns it", () => {
    mkdirSync(h.dir, { mode: 0o700 });
    chownSync(h.dir, 4242, 4242);
    expect(h.open()).toBeUndefined();
    expect(h.warnings).toHaveLength(1);
    expect(h.warnings[0]).toMatch(/belongs to uid 4242/);
  });
});

describe("orphaned temporary files", () => {
  it("older than 60 s are removed on the next write; younger ones are left to their writer", async () => {
    const cache = h.cache();
    const target = await h.target();
    const old = join(h.dir, ".4242-mabc123-1-k3j4h5g6.tmp");
    const young = join(h.dir, ".4243-mabc124-2-a1b2c3d4.tmp");
    const notOurs = join(h.dir, "notes.tmp");
    // Dot files ending .tmp that eks-token did not name (an editor's, a build tool's) stay too.
    const hidden = join(h.dir, ".notes.tmp");
    for (const p of [old, young, notOurs, hidden]) writeFileSync(p, "partial", { mode: 0o600 });
    const realNow = Date.now();
    h.clock.now = realNow;
    utimesSync(old, (realNow - 61_000) / 1000, (realNow - 61_000) / 1000);
    utimesSync(notOurs, (realNow - 600_000) / 1000, (realNow - 600_000) / 1000);
    utimesSync(hidden, (realNow - 600_000) / 1000, (realNow - 600_000) / 1000);
    // reading (the hit path) cleans nothing
    cache.readToken(target);
    expect(existsSync(old)).toBe(true);
    cache.writeToken(target, mint(target));
    expect(existsSync(old)).toBe(false);
    expect(existsSync(young)).toBe(true);
    expect(existsSync(notOurs)).toBe(true);
    expect(existsSync(hidden)).toBe(true);
  });
});

describe("TokenCache.lock", () => {
  it("gives up after lockWaitMs when another live process holds the lock", async () => {
    // The lock's deadline runs on the cache's clock: let it tick for this test.
    Object.defineProperty(h.clock, "now", { get: () => Date.now() });
    const cache = h.cache();
    const target = await h.target();
    const first = await cache.lock(target);
    expect(first).toBeDefined();
    const started = Date.now();
    // Same pid: alive, so it is waited for, up to the bound (200 ms in this harness).
    const second = await h.open()!.lock(target);
    const waited = Date.now() - started;
    expect(second).toBeUndefined();
    expect(waited).toBeGreaterThanOrEqual(190);
    expect(waited).toBeLessThan(2_000);
    expect(h.debug.join("\n")).toMatch(/could not lock the cache \(timeout/);
    first?.release();
    const third = await cache.lock(target);
    expect(third).toBeDefined();
    third?.release();
    expect(readdirSync(h.dir)).toEqual([]);
  });
});

describe("a clock that moved back", () => {
  const DAY = 86_400_000;
  const roleArn = "arn:aws:iam::111122223333:role/eks-admin";
  const roleCreds = (expiresAt: number) => ({
    accessKeyId: "ASIAROLECACHE0000001",
    secretAccessKey: "role/secret/0000000000000000000000000000",
    expiration: new Date(expiresAt),
  });

  it.each([
    ["a day", DAY],
    ["an hour", 3_600_000],
    ["two minutes", 120_000],
  ])("a token made with the clock %s ahead is a miss once the clock is right", async (_, ahead) => {
    const cache = h.cache();
    const target = await h.target();
    h.clock.now = T0 + ahead;
    cache.writeToken(target, mint(target));
    expect(cache.readToken(target)).toBeDefined();
    h.clock.now = T0;
    expect(cache.readToken(target)).toBeUndefined();
    // the next token made replaces it, and is served
    cache.writeToken(target, mint(target));
    expect(cache.readToken(target)).toBeDefined();
  });

  it("a token signed now but whose entry claims to expire in an hour is a miss", async () => {
    const cache = h.cache();
    const target = await h.target();
    const minted = mint(target);
    cache.writeToken(target, { ...minted, expiration: new Date(T0 + 3_600_000) });
    expect(cache.readToken(target)).toBeUndefined();
  });

  it("a token signed 30 s ahead (a clock stepped back a little) is still served", async () => {
    const cache = h.cache();
    const target = await h.target();
    cache.writeToken(target, mint(target, T0 + 30_000));
    expect(cache.readToken(target)).toBeDefined();
  });

  it("role credentials written with the clock a day ahead are a miss; an hour-long session written now is served", async () => {
    const cache = h.cache();
    const store = cache.roleSlot(await h.target({ roleArn }));
    h.clock.now = T0 + DAY;
    store.put(roleCreds(T0 + DAY + 3_600_000));
    h.clock.now = T0;
    expect(store.get()).toBeUndefined();
    store.put(roleCreds(T0 + 3_600_000));
    expect(store.get()).toEqual(roleCreds(T0 + 3_600_000));
  });

  it("a role entry that does not say when it was written is a miss (it is replaced)", async () => {
    const cache = h.cache();
    const target = await h.target({ roleArn });
    const store = cache.roleSlot(target);
    store.put(roleCreds(T0 + 3_600_000));
    const path = entryPath(h.dir, roleCredentialsCacheKey(target, h.env));
    rewrite(path, ({ written: _, ...rest }) => rest);
    expect(store.get()).toBeUndefined();
  });
});
