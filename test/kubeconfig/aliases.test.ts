// YAML anchors and aliases in a kubeconfig that `kubeconfig` or `kubeconfig migrate` edits: an
// alias to a node that changes keeps showing what it showed (no dangling alias, no exit 70), an
// exec block shared through an alias is migrated for each user and each is reported, and an exec
// block reached through a `<<` merge key is named rather than changed behind the user's back.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { runKubeconfig } from "../../src/cli/kubeconfig-command.js";
import { detachAliases } from "../../src/kubeconfig/aliases.js";
import { parseKubeconfig, stringifyKubeconfig } from "../../src/kubeconfig/document.js";
import { fakeIo } from "../support/fake-io.js";
import { baseEnv, CA, offlineArgs, tempHome } from "./helpers.js";

let home: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ home, cleanup } = await tempHome()));
afterEach(async () => cleanup());

const AWS_ARGS = "[--region, us-west-2, eks, get-token, --cluster-name, demo]";
const EKS_TOKEN_ARGS = ["token", "--cluster-name", "demo", "--region", "us-west-2"];

/** Anchors on the demo entries, aliases to them from the others. */
const SHARED = `apiVersion: v1
kind: Config
clusters:
- name: demo
  cluster: &c
    server: https://old.example.com
- name: other
  cluster: *c
contexts:
- name: other
  context: {cluster: other, user: second}
current-context: &cur other
users:
- name: demo
  user:
    exec: &e
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: &a ${AWS_ARGS}
- name: second
  user:
    exec: *e
- name: third
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: *a
preferences: {last: *cur}
`;

interface Doc {
  clusters: { name: string; cluster: { server: string } }[];
  users: { name: string; user: { exec: { command: string; args: string[] } } }[];
  preferences: Record<string, string>;
}

async function run(args: string[], text: string) {
  const path = join(home, "config");
  await writeFile(path, text);
  const io = fakeIo({ env: baseEnv(home) });
  const code = await runKubeconfig([...args, "--kubeconfig", path], io);
  return { code, io, path, doc: parse(await readFile(path, "utf8")) as Doc, text: await readFile(path, "utf8") };
}

const user = (doc: Doc, name: string) => doc.users.find((u) => u.name === name)!.user.exec;

describe("eks-token kubeconfig over anchors shared with the entries it replaces", () => {
  test("the entries are replaced; aliases elsewhere keep what they showed; exit 0", async () => {
    const { code, io, doc } = await run(offlineArgs("demo"), SHARED);
    expect(code, io.stderrText()).toBe(0);
    expect(doc.clusters.find((c) => c.name === "demo")!.cluster).toEqual({
      "certificate-authority-data": CA,
      server: "https://demo.example.com",
    });
    expect(doc.clusters.find((c) => c.name === "other")!.cluster).toEqual({ server: "https://old.example.com" });
    expect(user(doc, "demo").command).toBe("eks-token");
    // The users that shared demo's exec block are not changed with it.
    expect(user(doc, "second")).toMatchObject({ command: "aws", args: parse(AWS_ARGS) });
    expect(user(doc, "third")).toMatchObject({ command: "aws", args: parse(AWS_ARGS) });
    // current-context is replaced; the alias to the old value still reads the old value.
    expect(doc.preferences).toEqual({ last: "other" });
    expect(io.stderrText()).toBe(`Updated context demo in ${join(home, "config")}\n`);
  });

  test("a list written as an alias of another is copied before it grows", async () => {
    const text = `apiVersion: v1\nkind: Config\nx-clusters: &l\n- name: a\n  cluster: {server: https://a.example.com}\nclusters: *l\n`;
    const { code, text: after } = await run(offlineArgs("demo"), text);
    expect(code).toBe(0);
    const doc = parse(after) as { "x-clusters": { name: string }[]; clusters: { name: string }[] };
    expect(doc["x-clusters"].map((c) => c.name)).toEqual(["a"]);
    expect(doc.clusters.map((c) => c.name)).toEqual(["a", "demo"]);
  });
});

describe("eks-token kubeconfig migrate over shared exec blocks", () => {
  test("every user that ran aws through the shared block is migrated and reported; nothing else changes", async () => {
    const { code, io, doc } = await run(["migrate"], SHARED);
    expect(code, io.stderrText()).toBe(0);
    for (const name of ["demo", "second", "third"]) {
      expect(user(doc, name), name).toMatchObject({ command: "eks-token", args: EKS_TOKEN_ARGS });
    }
    const stderr = io.stderrText();
    expect(stderr).toMatch(/^user demo$/m);
    expect(stderr).toMatch(/^user second$/m);
    expect(stderr).toMatch(/^user third$/m);
    expect(stderr).toContain(`Changed 3 users in ${join(home, "config")}`);
    expect(doc.clusters.find((c) => c.name === "other")!.cluster).toEqual({ server: "https://old.example.com" });
  });

  test("a user entry written as an alias of another is migrated and reported as its own", async () => {
    const text = `apiVersion: v1
kind: Config
x-users:
- &u
  name: shared
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, args: ${AWS_ARGS}}
users:
- *u
`;
    const { code, io, text: after } = await run(["migrate"], text);
    expect(code, io.stderrText()).toBe(0);
    const doc = parse(after) as Doc & { "x-users": Doc["users"] };
    expect(user(doc, "shared").command).toBe("eks-token");
    expect(doc["x-users"][0]!.user.exec.command).toBe("aws");
    expect(io.stderrText()).toContain("Changed 1 user in");
  });

  test("an alias outside the users to a changed block keeps the old content", async () => {
    const text = `${SHARED}x-keep: {tool: *e}\n`;
    const { code, text: after } = await run(["migrate"], text);
    expect(code).toBe(0);
    expect((parse(after) as { "x-keep": { tool: { command: string } } })["x-keep"].tool.command).toBe("aws");
  });

  test("an exec block that comes through a << merge key is named, and left as it is", async () => {
    const text = `apiVersion: v1
kind: Config
users:
- name: base
  user: &base
    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, args: ${AWS_ARGS}}
- name: merged
  user:
    <<: *base
`;
    const { code, io, doc } = await run(["migrate"], text);
    expect(code).toBe(0);
    expect(user(doc, "base").command).toBe("eks-token");
    const merged = parse(await readFile(join(home, "config"), "utf8"), { merge: true }) as Doc;
    expect(user(merged, "merged").command).toBe("aws");
    expect(io.stderrText()).toContain(
      "user merged left as it is: its exec block comes through a YAML merge key (<<); write it out in full",
    );
    expect(io.stderrText()).toContain("Changed 1 user in");
  });
});

describe("detachAliases", () => {
  test("copies only the aliases a change reaches; untouched aliases and their formatting stay", () => {
    const { doc, style } = parseKubeconfig("a: &x {k: v}\nb: *x\nlist: &l [1, 2]\nc: *l\nd: &y [3]\ne: *y\n", "test");
    const root = doc.contents as unknown as { get(k: string, keep: true): never };
    const copied = detachAliases(doc, { replaced: [root.get("a", true)], extended: [root.get("list", true)] });
    expect(copied).toBe(2);
    expect(stringifyKubeconfig(doc, style)).toBe(
      "a: &x { k: v }\nb: { k: v }\nlist: &l [ 1, 2 ]\nc: [ 1, 2 ]\nd: &y [ 3 ]\ne: *y\n",
    );
  });
});
