import { describe, expect, test } from "vitest";
import { chooseFile, expandPath, kubeconfigPaths } from "../../src/kubeconfig/choose-file.js";

const HAS_DEMO = "clusters:\n- name: demo\n  cluster: {server: https://x}\n";
const OTHER = "clusters:\n- name: other\n  cluster: {server: https://y}\n";

describe("kubeconfigPaths", () => {
  const env = { HOME: "/home/u" };
  test("--kubeconfig wins over KUBECONFIG", () => {
    expect(kubeconfigPaths({ flag: "kc", env: { ...env, KUBECONFIG: "/a:/b" }, cwd: "/work" })).toEqual(["/work/kc"]);
  });
  test("KUBECONFIG paths, blanks skipped, duplicates once, ~ expanded", () => {
    expect(kubeconfigPaths({ env: { ...env, KUBECONFIG: ":/a: ~/b ::/a:rel" }, cwd: "/work", separator: ":" })).toEqual(
      ["/a", "/home/u/b", "/work/rel"],
    );
  });
  test("default ~/.kube/config", () => {
    expect(kubeconfigPaths({ env: { ...env, KUBECONFIG: "" }, cwd: "/" })).toEqual(["/home/u/.kube/config"]);
  });
  test("no HOME and no path is an error", () => {
    expect(() => kubeconfigPaths({ env: {}, cwd: "/" })).toThrow(/HOME is not set/);
    expect(() => expandPath("~/x", undefined, "/")).toThrow(/HOME is not set/);
  });
});

describe("chooseFile", () => {
  test("the first file holding the cluster", () => {
    const c = chooseFile(
      [
        { path: "/a", text: OTHER },
        { path: "/b", text: undefined },
        { path: "/c", text: HAS_DEMO },
        { path: "/d", text: HAS_DEMO },
      ],
      "demo",
    );
    expect(c).toMatchObject({ path: "/c", exists: true, warnings: [] });
  });
  test("else the first path, created if missing", () => {
    expect(
      chooseFile(
        [
          { path: "/a", text: undefined },
          { path: "/b", text: OTHER },
        ],
        "demo",
      ),
    ).toMatchObject({ path: "/a", exists: false });
    expect(chooseFile([{ path: "/a", text: OTHER }], "demo")).toMatchObject({ path: "/a", exists: true });
  });
  test("unparsable files are skipped while searching, with a warning", () => {
    const c = chooseFile(
      [
        { path: "/a", text: OTHER },
        { path: "/b", text: "a: [" },
        { path: "/c", text: HAS_DEMO },
      ],
      "demo",
    );
    expect(c.path).toBe("/c");
    expect(c.warnings).toEqual([expect.stringMatching(/^skipping \/b: \/b:\d+: not valid YAML/)]);
  });
  test("an unparsable first file is skipped when a later file holds the cluster", () => {
    const c = chooseFile(
      [
        { path: "/a", text: "a: [" },
        { path: "/b", text: HAS_DEMO },
      ],
      "demo",
    );
    expect(c.path).toBe("/b");
    expect(c.warnings).toHaveLength(1);
  });
  test("but an unparsable first file that must be written is refused", () => {
    expect(() =>
      chooseFile(
        [
          { path: "/a", text: "a: [" },
          { path: "/b", text: OTHER },
        ],
        "demo",
      ),
    ).toThrow(/not valid YAML/);
  });
});
