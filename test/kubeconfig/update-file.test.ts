// The one read-modify-write every kubeconfig writer goes through: lock, read under the lock, change,
// check, write, unlock; a change made from an earlier read cannot drop another writer's entry.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { listAt, createSafeNode } from "../../src/kubeconfig/document.js";
import {
  editKubeconfigs,
  realKubeconfigFiles,
  updateKubeconfigFile,
  type KubeconfigFilePorts,
} from "../../src/kubeconfig/update.js";
import { tempHome } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ home: dir, cleanup } = await tempHome()));
afterEach(async () => cleanup());

/** Real files, with every port call recorded in order. */
function recorded(log: string[], over: Partial<KubeconfigFilePorts> = {}): KubeconfigFilePorts {
  const real = { ...realKubeconfigFiles, ...over };
  return {
    lock: async (paths) => {
      log.push(`lock ${paths.length}`);
      const unlock = await real.lock(paths);
      return async () => {
        log.push("unlock");
        await unlock();
      };
    },
    readText: async (p) => {
      log.push("read");
      return real.readText(p);
    },
    checkWritable: async (p) => {
      log.push("check");
      await real.checkWritable(p);
    },
    writeText: async (p, t) => {
      log.push("write");
      await real.writeText(p, t);
    },
  };
}

const addCluster = (name: string) => adding(name);

/** An update of one file that adds cluster `name`. */
function adding(name: string, ports: KubeconfigFilePorts = realKubeconfigFiles) {
  return (path: string) =>
    updateKubeconfigFile(
      path,
      ({ parsed }) => {
        const doc = parsed.doc.clone();
        listAt(doc, "clusters").items.push(createSafeNode(doc, { name, cluster: { server: `https://${name}` } }));
        return { doc, result: name };
      },
      ports,
    );
}

describe("updateKubeconfigFile", () => {
  test("reads the file under the lock, writes it, then lets go", async () => {
    const log: string[] = [];
    const path = join(dir, "config");
    const outcome = await adding("a", recorded(log))(path);
    expect(log).toEqual(["lock 1", "read", "check", "write", "unlock"]);
    expect(outcome.result).toBe("a");
    expect(parse(await readFile(path, "utf8")).clusters).toEqual([{ name: "a", cluster: { server: "https://a" } }]);
  });

  test("forty concurrent changes of one file all land", async () => {
    const path = join(dir, "config");
    const names = Array.from({ length: 40 }, (_, i) => `c${i}`);
    await Promise.all(names.map((name) => addCluster(name)(path)));
    const clusters = parse(await readFile(path, "utf8")).clusters as { name: string }[];
    expect(clusters.map((c) => c.name).sort()).toEqual([...names].sort());
    expect(await readFile(`${path}.lock`).catch(() => "gone")).toBe("gone");
  });

  test("a change that returns no document writes nothing; a dry run takes no lock and writes nothing", async () => {
    const log: string[] = [];
    const path = join(dir, "config");
    await writeFile(path, "kind: Config\n");
    const none = await updateKubeconfigFile(path, () => ({ doc: undefined, result: 1 }), recorded(log));
    expect(none).toEqual({ result: 1, text: undefined });
    expect(log).toEqual(["lock 1", "read", "unlock"]);
    log.length = 0;
    const outcome = await updateKubeconfigFile(path, ({ parsed }) => ({ doc: parsed.doc, result: 2 }), recorded(log), {
      dryRun: true,
    });
    expect(outcome.text).toBe("kind: Config\n");
    expect(log).toEqual(["read"]);
    expect(await readFile(path, "utf8")).toBe("kind: Config\n");
  });
});

describe("editKubeconfigs", () => {
  test("when one file may not be written, none is: every check comes before the first write", async () => {
    const log: string[] = [];
    const a = join(dir, "a");
    const b = join(dir, "b");
    await writeFile(a, "A\n");
    await writeFile(b, "B\n");
    const ports = recorded(log, {
      checkWritable: async (p) => {
        if (p === b) throw new Error("b is read-only");
      },
    });
    await expect(
      editKubeconfigs(
        [a, b],
        (files) => ({ writes: files.map((f) => ({ path: f.path, text: `${f.text}changed\n` })), result: 0 }),
        ports,
      ),
    ).rejects.toThrow("b is read-only");
    expect(log).toEqual(["lock 2", "read", "read", "check", "check", "unlock"]);
    expect(await readFile(a, "utf8")).toBe("A\n");
  });

  test("an edit that throws writes nothing and still lets go of the lock", async () => {
    const path = join(dir, "config");
    await expect(
      editKubeconfigs(
        [path],
        () => {
          throw new Error("bad");
        },
        realKubeconfigFiles,
      ),
    ).rejects.toThrow("bad");
    await expect(readFile(`${path}.lock`)).rejects.toThrow(/ENOENT/);
  });
});
