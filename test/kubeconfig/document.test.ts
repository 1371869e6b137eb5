import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { parseKubeconfig, stringifyKubeconfig } from "../../src/kubeconfig/document.js";
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

describe("document round trip", () => {
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
