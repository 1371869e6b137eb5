// The one cache-aside helper: look up, lock, look up again, produce, write; without a lock or a
// slot the value is made without the cache, and stale entries are misses.
import { describe, expect, it } from "vitest";
import { cacheAside, cacheSlot, type EntryStore, type StoredEntry } from "../../src/cache/cache-aside.js";

function memoryStore(options: { lockable?: boolean; onLock?: (store: MemoryStore) => void } = {}) {
  const store: MemoryStore = {
    entry: undefined,
    writes: 0,
    removes: 0,
    locks: 0,
    released: 0,
    read: () => store.entry,
    remove: () => {
      store.removes += 1;
      store.entry = undefined;
    },
    write: (value) => {
      store.writes += 1;
      store.entry = { value, expiresAt: value.expiresAt, issuedAt: NOW };
    },
    lock: async () => {
      store.locks += 1;
      options.onLock?.(store);
      if (options.lockable === false) return undefined;
      return {
        release: () => {
          store.released += 1;
        },
      };
    },
  };
  return store;
}

interface Value {
  readonly id: string;
  readonly expiresAt: number;
}
interface MemoryStore extends EntryStore<Value> {
  entry: StoredEntry<Value> | undefined;
  writes: number;
  removes: number;
  locks: number;
  released: number;
}

const NOW = 1_000_000_000;
const rule = { now: () => NOW, minRemainingMs: 5 * 60_000, maxLifetimeMs: 15 * 60_000, futureSlackMs: 60_000 };
const fresh = (id: string): Value => ({ id, expiresAt: NOW + 10 * 60_000 });

describe("cacheAside", () => {
  it("a hit takes no lock and produces nothing", async () => {
    const store = memoryStore();
    store.entry = { value: fresh("cached"), expiresAt: NOW + 10 * 60_000, issuedAt: NOW };
    const result = await cacheAside(cacheSlot(store, rule), async () => fresh("made"));
    expect(result).toEqual({ value: fresh("cached"), source: "cache" });
    expect([store.locks, store.writes]).toEqual([0, 0]);
  });

  it("a miss locks, produces under the lock, writes and releases", async () => {
    const store = memoryStore();
    let underLock: boolean | undefined;
    const result = await cacheAside(cacheSlot(store, rule), async (locked) => {
      underLock = locked;
      return fresh("made");
    });
    expect(result.source).toBe("made");
    expect(underLock).toBe(true);
    expect([store.locks, store.writes, store.released]).toEqual([1, 1, 1]);
  });

  it("serves what another process wrote while we waited for the lock", async () => {
    const store = memoryStore({
      onLock: (s) => {
        s.entry = { value: fresh("theirs"), expiresAt: NOW + 10 * 60_000, issuedAt: NOW };
      },
    });
    const result = await cacheAside(cacheSlot(store, rule), async () => fresh("mine"));
    expect(result).toEqual({ value: fresh("theirs"), source: "other-process" });
    expect([store.writes, store.released]).toEqual([0, 1]);
  });

  it("without the lock it goes on without the cache: produced, not written", async () => {
    const store = memoryStore({ lockable: false });
    let underLock: boolean | undefined;
    const result = await cacheAside(cacheSlot(store, rule), async (locked) => {
      underLock = locked;
      return fresh("made");
    });
    expect(result.source).toBe("made-without-cache");
    expect(underLock).toBe(false);
    expect(store.writes).toBe(0);
  });

  it("releases the lock when producing fails", async () => {
    const store = memoryStore();
    await expect(cacheAside(cacheSlot(store, rule), async () => Promise.reject(new Error("sts down")))).rejects.toThrow(
      "sts down",
    );
    expect([store.released, store.writes]).toEqual([1, 0]);
  });

  it("with no slot, simply produces", async () => {
    expect(await cacheAside(undefined, async () => fresh("made"))).toEqual({
      value: fresh("made"),
      source: "made-without-cache",
    });
  });
});

describe("cacheSlot expiry", () => {
  it.each([
    [10 * 60_000, "served", 0],
    [5 * 60_000 + 1, "served", 0],
    [5 * 60_000, "a miss, kept", 0],
    [1, "a miss, kept", 0],
    [0, "a miss, removed", 1],
    [-60_000, "a miss, removed", 1],
  ])("%d ms left: %s", (left, what, removes) => {
    const store = memoryStore();
    store.entry = { value: fresh("x"), expiresAt: NOW + left, issuedAt: NOW };
    const got = cacheSlot(store, rule).get();
    expect(got === undefined ? "miss" : "served").toBe(what === "served" ? "served" : "miss");
    expect(store.removes).toBe(removes);
  });
});

describe("cacheSlot and a clock that moved", () => {
  // An entry made while the clock ran ahead (a day, an hour, two minutes) and read after it was
  // set back: the server's clock would reject it, so it is a miss, whatever its expiry says.
  it.each([
    ["signed now, 10 min left", 0, 10 * 60_000, "served"],
    ["signed 60 s ahead (within the slack)", 60_000, 10 * 60_000, "served"],
    ["signed 61 s ahead", 61_000, 10 * 60_000, "miss"],
    ["signed an hour ahead", 3_600_000, 10 * 60_000, "miss"],
    ["signed a day ahead, expiring a day and 14 min from now", 86_400_000, 86_400_000 + 14 * 60_000, "miss"],
    ["signed now but expiring 15 min + 1 ms from now", 0, 15 * 60_000 + 1, "miss"],
    ["signed now, expiring exactly 15 min from now", 0, 15 * 60_000, "served"],
    ["no signing time recorded", undefined, 10 * 60_000, "miss"],
  ])("%s: %s", (_, ahead, left, what) => {
    const store = memoryStore();
    store.entry = {
      value: fresh("x"),
      expiresAt: NOW + (left as number),
      issuedAt: ahead === undefined ? undefined : NOW + ahead,
    };
    const got = cacheSlot(store, rule).get();
    expect(got === undefined ? "miss" : "served").toBe(what);
    // not expired: left for the next write to replace
    expect(store.removes).toBe(0);
  });

  it("a role's hour-long credentials written now are served; written ahead of the clock they are not", () => {
    const roleRule = { ...rule, maxLifetimeMs: 12 * 3_600_000 };
    const store = memoryStore();
    store.entry = { value: fresh("x"), expiresAt: NOW + 3_600_000, issuedAt: NOW - 1_000 };
    expect(cacheSlot(store, roleRule).get()).toBeDefined();
    store.entry = { value: fresh("x"), expiresAt: NOW + 3_600_000, issuedAt: NOW + 86_400_000 };
    expect(cacheSlot(store, roleRule).get()).toBeUndefined();
  });

  it("a miss because of the clock makes and writes a new value over the old one", async () => {
    const store = memoryStore();
    store.entry = { value: fresh("ahead"), expiresAt: NOW + 86_400_000, issuedAt: NOW + 86_400_000 };
    const result = await cacheAside(cacheSlot(store, rule), async () => fresh("made"));
    expect(result).toEqual({ value: fresh("made"), source: "made" });
    expect(store.entry?.value.id).toBe("made");
  });
});
