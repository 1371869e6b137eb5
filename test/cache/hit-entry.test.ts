// The hit entry (src/cache/token-entry.ts readHitToken): a pointer from one call's inputs to the
// token entry that answers them, read with the token entry's own rules on a fake clock. Every
// case where it must not answer gives undefined, and the full path then decides.
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveTarget, type TokenTarget } from "../../src/aws/target.js";
import { tokenCacheKey } from "../../src/cache/cache-key.js";
import { entryPath, hitPath } from "../../src/cache/entry-file.js";
import { TokenCache } from "../../src/cache/token-cache.js";
import { MIN_REMAINING_MS, readHitToken } from "../../src/cache/token-entry.js";
import type { Env } from "../../src/env.js";
import { encodeToken } from "../../src/token/encode.js";
import type { MintedToken } from "../../src/token/mint.js";
import { ALICE, keyEnv, presignedToken } from "../support/cache-fixture.js";
import { toAmzDate } from "../support/sigv4.js";

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const LIFE = 14 * 60_000;
const HIT = "a".repeat(64);

let root: string;
let dir: string;
let env: Env;
const clock = { now: T0 };

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "eks-token-hit-"));
  dir = join(root, "cache");
  env = {
    HOME: root,
    AWS_CONFIG_FILE: join(root, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(root, "credentials"),
    AWS_REGION: "us-west-2",
    ...keyEnv(ALICE),
  };
  clock.now = T0;
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function open(): TokenCache {
  const cache = TokenCache.open({ dir, env, now: () => clock.now, warn: () => undefined, debug: () => undefined });
  if (!cache) throw new Error("cache did not open");
  return cache;
}

const mint = (target: TokenTarget, over: { host?: string; region?: string; cluster?: string } = {}): MintedToken =>
  presignedToken(target, clock.now, LIFE, over);

/** A token entry for `cluster` and the hit entry HIT pointing to it. */
async function written(cluster = "alpha", token?: (t: TokenTarget) => MintedToken) {
  const target = await resolveTarget({ clusterId: cluster }, env);
  const cache = open();
  const minted = (token ?? mint)(target);
  cache.writeToken(target, minted);
  cache.writeHit(HIT, target);
  return { target, minted, entry: entryPath(dir, tokenCacheKey(target, env)), hit: hitPath(dir, HIT) };
}

function rewrite(path: string, change: (json: Record<string, unknown>) => unknown): void {
  writeFileSync(path, JSON.stringify(change(JSON.parse(readFileSync(path, "utf8")))));
  chmodSync(path, 0o600);
}

const read = (cluster = "alpha") => readHitToken(dir, HIT, cluster, () => clock.now);

describe("a hit entry", () => {
  it("answers with its token entry's token and expiration; it holds no token itself", async () => {
    const { minted, hit, entry } = await written();
    expect(read()).toEqual(minted);
    const pointer = JSON.parse(readFileSync(hit, "utf8")) as Record<string, unknown>;
    expect(pointer).toEqual({
      v: 1,
      kind: "hit",
      key: HIT,
      tokenKey: entry.slice(entry.lastIndexOf("/") + 1, -".json".length),
      clusterId: "alpha",
      host: "sts.us-west-2.amazonaws.com",
      signingRegion: "us-west-2",
    });
    expect(readFileSync(hit, "utf8")).not.toContain(minted.token.slice(11, 40));
  });

  it("is not followed for a call to another cluster, even when it and its token entry agree", async () => {
    await written("beta");
    expect(read("beta")).toBeDefined();
    expect(read("alpha")).toBeUndefined();
  });

  it("follows the token entry's freshness rules", async () => {
    const { minted } = await written();
    clock.now = minted.expiration.getTime() - MIN_REMAINING_MS - 1;
    expect(read()).toEqual(minted);
    clock.now = minted.expiration.getTime() - MIN_REMAINING_MS;
    expect(read()).toBeUndefined();
    // A clock moved back: the token was signed more than a minute in this clock's future.
    clock.now = T0 - 2 * 60_000;
    expect(read()).toBeUndefined();
  });

  const refusals: [string, (f: { entry: string; hit: string }) => void][] = [
    ["no hit entry", (f) => unlinkSync(f.hit)],
    ["no token entry", (f) => unlinkSync(f.entry)],
    ["a hit entry under another key", (f) => rewrite(f.hit, (j) => ({ ...j, key: "b".repeat(64) }))],
    ["a hit entry of another format version", (f) => rewrite(f.hit, (j) => ({ ...j, v: 2 }))],
    ["a hit entry naming a key that is no SHA-256", (f) => rewrite(f.hit, (j) => ({ ...j, tokenKey: "../x" }))],
    ["a hit entry for another cluster", (f) => rewrite(f.hit, (j) => ({ ...j, clusterId: "beta" }))],
    ["a hit entry for another STS host", (f) => rewrite(f.hit, (j) => ({ ...j, host: "sts.amazonaws.com" }))],
    ["a hit entry for another signing region", (f) => rewrite(f.hit, (j) => ({ ...j, signingRegion: "us-east-1" }))],
    ["a token entry under another key", (f) => rewrite(f.entry, (j) => ({ ...j, key: "c".repeat(64) }))],
    ["a hit entry that is not JSON", (f) => writeFileSync(f.hit, "{")],
    ["a hit entry others can read", (f) => chmodSync(f.hit, 0o644)],
    [
      "a hit entry that is a symbolic link to a valid one",
      (f) => {
        const real = join(root, "elsewhere.hit");
        writeFileSync(real, readFileSync(f.hit), { mode: 0o600 });
        unlinkSync(f.hit);
        symlinkSync(real, f.hit);
      },
    ],
    [
      "a FIFO at the hit entry's path (read without waiting)",
      (f) => {
        unlinkSync(f.hit);
        execFileSync("mkfifo", [f.hit]);
      },
    ],
  ];
  for (const [name, spoil] of refusals) {
    it(`does not answer: ${name}`, async () => {
      const files = await written();
      expect(read()).toBeDefined();
      spoil(files);
      expect(read()).toBeUndefined();
    });
  }

  it("does not answer with a token signed for another STS host or region, even when both entries name this one", async () => {
    await written("alpha", (t) => mint(t, { host: "sts.amazonaws.com" }));
    expect(read()).toBeUndefined();
    await written("alpha", (t) => mint(t, { region: "us-east-1" }));
    expect(read()).toBeUndefined();
  });

  it("reads the signing scope and date from the token's own query, strictly", async () => {
    const date = toAmzDate(T0);
    const day = date.slice(0, 8);
    const url = (query: string) => ({
      token: encodeToken(`https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&${query}`),
      expiration: new Date(T0 + LIFE),
    });
    const scope = (s: string) => `X-Amz-Credential=${s}&X-Amz-Date=${date}`;
    const cases: [string, MintedToken, boolean][] = [
      ["the scope and date as signed", url(scope(`AKIDEXAMPLE%2F${day}%2Fus-west-2%2Fsts%2Faws4_request`)), true],
      [
        "the date first",
        url(`X-Amz-Date=${date}&X-Amz-Credential=AKID%2F${day}%2Fus-west-2%2Fsts%2Faws4_request`),
        true,
      ],
      ["another service", url(scope(`AKID%2F${day}%2Fus-west-2%2Fiam%2Faws4_request`)), false],
      ["a scope with a part more", url(scope(`AKID%2Fx%2F${day}%2Fus-west-2%2Fsts%2Faws4_request`)), false],
      ["a key with a percent sign", url(scope(`AK%41D%2F${day}%2Fus-west-2%2Fsts%2Faws4_request`)), false],
      ["no key", url(scope(`%2F${day}%2Fus-west-2%2Fsts%2Faws4_request`)), false],
      ["a short day", url(scope(`AKID%2F${day.slice(1)}%2Fus-west-2%2Fsts%2Faws4_request`)), false],
      ["an uppercase region", url(scope(`AKID%2F${day}%2FUS-WEST-2%2Fsts%2Faws4_request`)), false],
      ["no date", url(`X-Amz-Credential=AKID%2F${day}%2Fus-west-2%2Fsts%2Faws4_request`), false],
      [
        "a date with more",
        url(scope(`AKID%2F${day}%2Fus-west-2%2Fsts%2Faws4_request`).replace(date, `${date}0`)),
        false,
      ],
      ["no credential", url(`X-Amz-Date=${date}`), false],
    ];
    for (const [name, token, served] of cases) {
      await written("alpha", () => token);
      expect(read() !== undefined, name).toBe(served);
    }
  });

  it("is not written when the cache could not take the token", async () => {
    const target = await resolveTarget({ clusterId: "alpha" }, env);
    const cache = open();
    mkdirSync(entryPath(dir, tokenCacheKey(target, env)));
    cache.writeToken(target, mint(target));
    cache.writeHit(HIT, target);
    expect(read()).toBeUndefined();
    expect(() => readFileSync(hitPath(dir, HIT))).toThrow(/ENOENT/);
  });
});
