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
      store.entry = { value, expiresAt: value.expiresAt };
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
const rule = { now: () => NOW, minRemainingMs: 5 * 60_000 };
const fresh = (id: string): Value => ({ id, expiresAt: NOW + 10 * 60_000 });

describe("cacheAside", () => {
  it("a hit takes no lock and produces nothing", async () => {
    const store = memoryStore();
    store.entry = { value: fresh("cached"), expiresAt: NOW + 10 * 60_000 };
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
        s.entry = { value: fresh("theirs"), expiresAt: NOW + 10 * 60_000 };
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
    store.entry = { value: fresh("x"), expiresAt: NOW + left };
    const got = cacheSlot(store, rule).get();
    expect(got === undefined ? "miss" : "served").toBe(what === "served" ? "served" : "miss");
    expect(store.removes).toBe(removes);
  });
});
