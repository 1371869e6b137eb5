import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import {
  MAX_ALIAS_COUNT,
  MAX_KUBECONFIG_BYTES,
  MAX_NESTING,
  parseKubeconfig,
  stringifyKubeconfig,
} from "../../src/kubeconfig/document.js";
import { buildEntries } from "../../src/kubeconfig/entries.js";
import { mergeEntries } from "../../src/kubeconfig/merge.js";
import { API_VERSIONS } from "../../src/kubeconfig/exec-user.js";

const KUBECTL_STYLE = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: QUJD
    server: https://a.example.com
  name: a
contexts:
- context:
    cluster: a
    user: a
  name: a
current-context: a
kind: Config
preferences: {}
users:
- name: a
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - --region
      - us-west-2
      - eks
      - get-token
      - --cluster-name
      - a
      command: aws
      env: null
      provideClusterInfo: false
`;

const INDENTED_STYLE = `# hand-edited
apiVersion: v1
kind: Config
clusters:
  - name: "a"   # quoted on purpose
    cluster:
      server: 'https://a.example.com'
      insecure-skip-tls-verify: true

users: []
`;

const entries = (name: string, extra: Partial<Parameters<typeof buildEntries>[0]> = {}) =>
  buildEntries({
    entryName: name,
    tokenClusterName: name,
    region: "us-west-2",
    server: "https://s.example.com",
    caData: "QUJD",
    apiVersion: API_VERSIONS.v1beta1,
    ...extra,
  });

/** Written by hand: comments, blank lines, flow lists and maps, all three quotings, a literal block. */
const HAND_WRITTEN = `# Team kubeconfig, edited by hand
apiVersion: v1
kind: Config
preferences: {}

clusters:
  # production first
  - name: prod # the big one
    cluster:
      server: 'https://prod.example.com'
      certificate-authority-data: "QUJD"
      extensions: [{name: a, extension: {k: v}}]

  - {name: staging, cluster: {server: https://staging.example.com, insecure-skip-tls-verify: true}}

contexts:
  - name: prod
    context: {cluster: prod, user: prod, namespace: "default"}

users:
  - name: prod
    user:
      token: "abc" # not real
      username: 'o''neil'
  - name: staging
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1beta1
        command: aws
        args: ["--region", "us-west-2", eks, get-token, --cluster-name, staging]
        env:
          - {name: AWS_PROFILE, value: "dev"}
      password: |
        multi
        line
current-context: prod # keep me
`;

/** The lines of `before` all appear in `after`, in the same order. */
function keptInOrder(before: string, after: string): string[] {
  const lines = after.split("\n");
  let at = 0;
  const lost: string[] = [];
  for (const line of before.split("\n")) {
    const found = lines.indexOf(line, at);
    if (found === -1) lost.push(line);
    else at = found + 1;
  }
  return lost;
}

describe("document round trip", () => {
  test("a hand-written file keeps every line of the entries not touched: comments, flow style, quoting, blank lines", () => {
    const p = parseKubeconfig(HAND_WRITTEN, "f");
    expect(stringifyKubeconfig(p.doc, p.style)).toBe(HAND_WRITTEN);
    const out = stringifyKubeconfig(mergeEntries(p.doc, entries("demo")).doc, p.style);
    // Only the current-context line changes (to the new context, keeping its comment).
    expect(keptInOrder(HAND_WRITTEN, out)).toEqual(["current-context: prod # keep me"]);
    expect(out).toContain("current-context: demo # keep me\n");
    expect(parse(out).clusters.map((c: { name: string }) => c.name)).toEqual(["prod", "staging", "demo"]);
  });

  test("flow collections written padded stay padded", () => {
    const padded = "apiVersion: v1\nclusters:\n- { name: a, cluster: { server: https://a.example.com } }\n";
    const p = parseKubeconfig(padded, "f");
    expect(p.style.flowPadding).toBe(true);
    const out = stringifyKubeconfig(mergeEntries(p.doc, entries("b")).doc, p.style);
    expect(out.startsWith(padded)).toBe(true);
  });

  test("a file indented four spaces stays indented four spaces", () => {
    const four = "apiVersion: v1\nclusters:\n    - name: a\n      cluster:\n          server: https://a.example.com\n";
    const p = parseKubeconfig(four, "f");
    expect(stringifyKubeconfig(p.doc, p.style)).toBe(four);
    const out = stringifyKubeconfig(mergeEntries(p.doc, entries("b")).doc, p.style);
    expect(out.startsWith(four)).toBe(true);
    expect(out).toContain("    - cluster:\n          certificate-authority-data: QUJD\n");
  });

  test("a kubectl-written file is reproduced byte-for-byte", () => {
    const p = parseKubeconfig(KUBECTL_STYLE, "f");
    expect(stringifyKubeconfig(p.doc, p.style)).toBe(KUBECTL_STYLE);
  });

  test("an indented, commented file keeps its style after a merge", () => {
    const p = parseKubeconfig(INDENTED_STYLE, "f");
    const out = stringifyKubeconfig(mergeEntries(p.doc, entries("b")).doc, p.style);
    expect(
      out.startsWith(`# hand-edited
apiVersion: v1
kind: Config
clusters:
  - name: "a" # quoted on purpose
    cluster:
      server: 'https://a.example.com'
      insecure-skip-tls-verify: true
  - cluster:
`),
    ).toBe(true);
    expect(out).toContain("users:\n  - name: b\n");
    expect(parse(out).clusters[0].cluster["insecure-skip-tls-verify"]).toBe(true);
    expect(out).toContain("      insecure-skip-tls-verify: true\n  - cluster:");
    expect(out).toContain("\n\nusers:\n");
  });

  test("merging does not change the input document", () => {
    const p = parseKubeconfig(KUBECTL_STYLE, "f");
    mergeEntries(p.doc, entries("b"));
    expect(stringifyKubeconfig(p.doc, p.style)).toBe(KUBECTL_STYLE);
  });

  test("CRLF files stay CRLF", () => {
    const p = parseKubeconfig(KUBECTL_STYLE.replace(/\n/g, "\r\n"), "f");
    const out = stringifyKubeconfig(mergeEntries(p.doc, entries("b")).doc, p.style);
    expect(out.split("\n").every((line, i, all) => i === all.length - 1 || line.endsWith("\r"))).toBe(true);
  });

  test("comment-only and empty files get the standard skeleton", () => {
    for (const text of ["", "# just a comment\n", "---\n"]) {
      const p = parseKubeconfig(text, "f");
      const out = stringifyKubeconfig(mergeEntries(p.doc, entries("b")).doc, p.style);
      const config = parse(out);
      expect(config).toMatchObject({ apiVersion: "v1", kind: "Config", "current-context": "b", preferences: {} });
      if (text.startsWith("#")) expect(out.startsWith("# just a comment\n")).toBe(true);
    }
  });

  test("strings YAML 1.1 would read as booleans or numbers are quoted", () => {
    const p = parseKubeconfig("", "f");
    const out = stringifyKubeconfig(mergeEntries(p.doc, entries("on", { tokenClusterName: "0755" })).doc, p.style);
    expect(out).toContain('name: "on"');
    expect(out).toContain('- "0755"');
    expect(out).toContain('current-context: "on"');
    expect(parse(out, { version: "1.1" }).users[0].name).toBe("on");
  });

  test("null lists are replaced; existing current-context comments survive", () => {
    const p = parseKubeconfig("clusters:\ncontexts: null\ncurrent-context: old # keep me\n", "f");
    const out = stringifyKubeconfig(mergeEntries(p.doc, entries("b")).doc, p.style);
    expect(parse(out).clusters).toHaveLength(1);
    expect(out).toContain("current-context: b # keep me");
  });
});

describe("parse errors", () => {
  test.each([
    ["bad YAML", "a: [\n", /^f:\d+: not valid YAML/],
    ["duplicate keys", "users: []\nusers: []\n", /^f:2: not valid YAML/],
    ["two documents", "a: 1\n---\nb: 2\n", /not valid YAML/],
    ["a list at the top", "- a\n", /top level is not a mapping/],
    ["users is a map", "users: {}\n", /users is not a list/],
    ["an entry is a string", "contexts: [x]\n", /contexts\[0\] is not a mapping/],
    ["preferences is a list", "preferences: []\n", /preferences is not a mapping/],
    ["current-context is a map", "current-context: {a: 1}\n", /current-context is not a plain value/],
  ])("%s", (_name, text, message) => {
    expect(() => parseKubeconfig(text, "f")).toThrow(message);
  });
});

describe("bounds on the parser's work", () => {
  const nested = (n: number, open: string, close: string) => `a: ${open.repeat(n)}${close.repeat(n)}\n`;
  test.each([
    ["flow sequences", "[", "]"],
    ["flow mappings", "{b: ", "}"],
  ])("%s: MAX_NESTING levels in all are read, one more is refused with the line", (_name, open, close) => {
    // The top-level mapping is one of the MAX_NESTING levels.
    expect(() => parseKubeconfig(nested(MAX_NESTING - 1, open, close), "f")).not.toThrow();
    expect(() => parseKubeconfig(`x: 1\n${nested(MAX_NESTING, open, close)}`, "f")).toThrow(
      /^f:2: collections nested more than 128 deep$/,
    );
  });

  test("block collections count as flow ones do", () => {
    const block = (n: number) => `${"- ".repeat(n)}x\n`;
    // A list at the top is refused for its shape, which is checked after the bound.
    expect(() => parseKubeconfig(block(MAX_NESTING), "f")).toThrow(/top level is not a mapping/);
    expect(() => parseKubeconfig(block(MAX_NESTING + 1), "f")).toThrow(/^f:1: collections nested more than 128 deep$/);
  });

  test("aliases: a few are fine, an expansion past maxAliasCount is refused", () => {
    const few = parseKubeconfig("x: &u {token: abc}\nusers:\n- name: a\n  user: *u\n- name: b\n  user: *u\n", "f");
    expect(few.doc.toJS().users[1].user).toEqual({ token: "abc" });
    const uses = (n: number) => `x: &x [a]\nusers: [${Array(n).fill("*x").join(", ")}]\n`;
    // The yaml package weighs each use by the anchored node's own aliases; the shape check comes after.
    expect(() => parseKubeconfig(uses(10), "f")).toThrow(/users\[0\] is not a mapping/);
    expect(() => parseKubeconfig(uses(MAX_ALIAS_COUNT * 10), "f")).toThrow(/^f: aliases expand beyond 100 nodes/);
  });

  test("text longer than the byte bound is refused before parsing", () => {
    expect(() => parseKubeconfig(`# ${"x".repeat(MAX_KUBECONFIG_BYTES)}\n`, "f")).toThrow(/is larger than 8 MiB/);
  });
});

describe("byte-order mark", () => {
  test("kept in front of the rewritten text, once; none added to files without one", () => {
    const p = parseKubeconfig(`\uFEFF${KUBECTL_STYLE}`, "f");
    expect(p.style.bom).toBe(true);
    const out = stringifyKubeconfig(mergeEntries(p.doc, entries("b")).doc, p.style);
    expect(out.startsWith(`\uFEFF${KUBECTL_STYLE.split("\n")[0]}\n`)).toBe(true);
    expect(out.lastIndexOf("\uFEFF")).toBe(0);
    const plain = parseKubeconfig(KUBECTL_STYLE, "f");
    expect(stringifyKubeconfig(plain.doc, plain.style)).toBe(KUBECTL_STYLE);
  });
});
