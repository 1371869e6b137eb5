// `eks-token kubeconfig sync` end to end: the built CLI asks the emulated SSO portal, EKS and
// Account API (one loopback endpoint each, every account and region behind it) and writes its
// file; kubectl then uses a synced context as a person would, running `eks-token` from PATH (a
// shim for the built CLI), and the emulated API server maps the SSO role's token to its user.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CLI_COMMAND, ensureBuilt, makeTempHome, runCli, type TempHome } from "../support/cli.js";
import { ClusterState } from "../support/cluster-state.js";
import { ssoRoleArn, startFleet, type Fleet } from "../support/fleet.js";
import { startK8sEmulator, type K8sEmulator } from "../support/k8s-emulator.js";
import { kubectlCannot, runKubectl } from "../support/kubeconfig-fixture.js";
import { writeSsoTokenCache } from "../support/sso-emulator.js";
import { e2eEnv, expectFailure, pluginLines } from "./helpers.js";

const TOKEN = "aoaKubeconfigSyncE2eAccessToken00000000000000";
const START_URL = "https://e2e-fleet.awsapps.com/start";
const SSO_REGION = "eu-central-1";
const A = "310000000001";
const B = "310000000002";
const C = "310000000003";
const PODS = ["web-7d9f8b6c5-x2x8k", "api-5c6b7d8f9-q4r7t"];
const OPS = {
  name: "ops",
  accountId: C,
  accessKeyId: "AKIAE2EFLEETOPS00001",
  secretAccessKey: "e2e/fleet/ops/secret/00000000000000000",
};

let fleet: Fleet;
let k8s: K8sEmulator;
let h: TempHome;
let binDir: string;
let fleetFile: string;

beforeAll(async () => {
  await ensureBuilt();
  fleet = await startFleet({
    accessToken: TOKEN,
    accounts: [
      {
        id: A,
        name: "Payments Prod",
        roles: ["ReadOnly", "Admin"],
        clusters: [
          { name: "batch", region: "eu-west-1" },
          { name: "edge", region: "us-east-1" },
          { name: "new", region: "us-east-1", status: "CREATING" },
        ],
      },
      { id: B, name: "Sandbox", roles: ["ReadOnly"], clusters: [{ name: "dev", region: "eu-west-1" }] },
      { id: C, name: "Ops", roles: [], clusters: [{ name: "tools", region: "eu-west-1" }] },
    ],
  });
  fleet.sts.addUser(OPS);
  const state = new ClusterState({
    name: "api",
    accountId: A,
    region: "eu-west-1",
    accessEntries: [
      { principalArn: ssoRoleArn(A, "ReadOnly"), username: "readonly:{{SessionName}}", kubernetesGroups: ["viewers"] },
      { principalArn: ssoRoleArn(A, "Admin"), username: "admin:{{SessionName}}", kubernetesGroups: ["viewers"] },
    ],
    rbac: [{ group: "viewers", namespace: "default", verbs: ["get", "list"], resources: ["pods"] }],
  });
  k8s = await startK8sEmulator({ state, stsUrl: fleet.sts.url, pods: { default: PODS } });
  fleet.clusters.push(state);
  h = makeTempHome("eks-token-e2e-sync-");
  h.writeConfig(`[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = ${SSO_REGION}\n`);
  h.writeCredentials(`[ops]\naws_access_key_id = ${OPS.accessKeyId}\naws_secret_access_key = ${OPS.secretAccessKey}\n`);
  writeSsoTokenCache(h.home, "corp", {
    accessToken: TOKEN,
    expiresAt: new Date(Date.now() + 3_600_000),
    region: SSO_REGION,
    startUrl: START_URL,
  });
  binDir = join(h.home, "bin");
  mkdirSync(binDir);
  writeFileSync(join(binDir, "eks-token"), `#!/bin/sh\nexec ${CLI_COMMAND.map((a) => `'${a}'`).join(" ")} "$@"\n`);
  chmodSync(join(binDir, "eks-token"), 0o755);
  fleetFile = join(h.home, ".kube", "eks-token", "fleet.yaml");
}, 240_000);

afterAll(async () => {
  await k8s?.close();
  await fleet?.close();
  h?.cleanup();
});

const env = (extra: Record<string, string | undefined> = {}) =>
  e2eEnv(h.home, { ...fleet.env, PATH: `${binDir}${delimiter}${process.env["PATH"] ?? "/usr/bin:/bin"}`, ...extra });
const sync = (...args: string[]) => runCli(["kubeconfig", "sync", ...args], { env: env(), timeoutMs: 60_000 });

interface Kubeconfig {
  contexts?: Array<{ name: string; context: { user: string; namespace?: string } }>;
  users?: Array<{ name: string; user: { exec: { args: string[] } } }>;
  "current-context"?: string;
}
const read = (path = fleetFile) => parse(readFileSync(path, "utf8")) as Kubeconfig;
const names = (path = fleetFile) => (read(path).contexts ?? []).map((c) => c.name).sort();

async function kubectl(args: string[], kubeconfig = fleetFile) {
  const result = await runKubectl(args, { env: env({ KUBECONFIG: kubeconfig }), timeoutMs: 30_000 });
  expect(pluginLines(result.stderr), result.stderr).toEqual([]);
  return result;
}

describe("kubeconfig sync, then kubectl", () => {
  it("writes a context per cluster, 0600, and kubectl lists pods through one as the SSO role", async () => {
    const result = await sync();
    expect(result.code, result.stderr).toBe(0);
    expect(names()).toEqual([
      "Payments-Prod/eu-west-1/api",
      "Payments-Prod/eu-west-1/batch",
      "Payments-Prod/us-east-1/edge",
      "Sandbox/eu-west-1/dev",
    ]);
    expect(readFileSync(fleetFile, "utf8")).not.toContain("current-context");
    expect((await import("node:fs")).statSync(fleetFile).mode & 0o777).toBe(0o600);
    // Not in KUBECONFIG (unset: ~/.kube/config), so the one line says how to add it.
    expect(result.stderr).toMatch(
      /^eks-token: add it to KUBECONFIG: export KUBECONFIG=.*"\$HOME\/\.kube\/eks-token\/fleet\.yaml"$/m,
    );
    const pods = await kubectl(["--context", "Payments-Prod/eu-west-1/api", "get", "pods", "-o", "name"]);
    expect(pods.code, pods.stderr).toBe(0);
    expect(pods.stdout.trim().split("\n")).toEqual(PODS.map((p) => `pod/${p}`));
    if (!kubectlCannot("auth-whoami")) {
      const who = await kubectl([
        "--context",
        "Payments-Prod/eu-west-1/api",
        "auth",
        "whoami",
        "-o",
        "jsonpath={.status.userInfo.username}",
      ]);
      // No --role: the roles are tried by name, Admin first.
      expect(who.stdout).toBe("admin:person@example.com");
    }
  });

  it("a second sync leaves the file byte for byte as it was", async () => {
    const before = readFileSync(fleetFile, "utf8");
    const result = await sync();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/0 added, 0 updated, 0 removed, 4 unchanged/);
    expect(readFileSync(fleetFile, "utf8")).toBe(before);
  });

  it("a deleted cluster is pruned; a throttled region keeps its entries as stale, exit 3", async () => {
    fleet.removeCluster(A, "us-east-1", "edge");
    fleet.removeCluster(B, "eu-west-1", "dev");
    fleet.eks.setFault({ kind: "throttle", operation: "ListClusters", accountId: B, region: "eu-west-1" });
    try {
      const result = await sync();
      expect(result.code, result.stderr).toBe(3);
      expect(result.stdout).toMatch(/^- Payments-Prod\/us-east-1\/edge$/m);
      expect(result.stdout).toMatch(/1 stale \(kept: throttled in eu-west-1 for 310000000002\)/);
      expect(names()).toContain("Sandbox/eu-west-1/dev");
      expect(names()).not.toContain("Payments-Prod/us-east-1/edge");
    } finally {
      fleet.eks.clearFaults();
    }
    const again = await sync();
    expect(again.code, again.stderr).toBe(0);
    expect(names()).not.toContain("Sandbox/eu-west-1/dev");
  });

  it("a region that never answers ends at the run's bound: what finished is written, the rest kept as stale", async () => {
    const path = join(h.home, "hung.yaml");
    expect((await sync("--kubeconfig", path, "--account", A)).code).toBe(0);
    fleet.eks.setFault({ kind: "hang", operation: "ListClusters", accountId: A, region: "eu-west-1" });
    try {
      const result = await sync("--kubeconfig", path, "--account", A, "--timeout", "3");
      expect(result.code, result.stderr).toBe(3);
      expect(result.stdout).toMatch(/stale \(kept: timeout in eu-west-1 for 310000000001\)/);
      expect(names(path)).toContain("Payments-Prod/eu-west-1/api");
    } finally {
      fleet.eks.clearFaults();
    }
  });

  it("leaves the person's entries, a same-named unmarked context and current-context as they are", async () => {
    const path = join(h.home, "mixed.yaml");
    const own = [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: mine",
      "  cluster:",
      "    server: https://mine.example",
      "contexts:",
      "- name: mine",
      "  context:",
      "    cluster: mine",
      "    user: me",
      "- name: Payments-Prod/eu-west-1/batch",
      "  context:",
      "    cluster: mine",
      "    user: me",
      "users:",
      "- name: me",
      "  user:",
      "    token: my-own-token-0000",
      "current-context: mine",
      "",
    ].join("\n");
    writeFileSync(path, own);
    const result = await sync("--kubeconfig", path);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `eks-token: warning: context "Payments-Prod/eu-west-1/batch" in ${path} is not one this sync wrote: left as it is`,
    );
    const doc = read(path);
    expect(doc["current-context"]).toBe("mine");
    expect(doc.contexts?.find((c) => c.name === "Payments-Prod/eu-west-1/batch")?.context.user).toBe("me");
    expect(names(path)).toContain("Payments-Prod/eu-west-1/api");
    expect(readFileSync(path, "utf8").startsWith(own.split("contexts:")[0]!)).toBe(true);
  });

  it("--dry-run writes nothing and says what it would add", async () => {
    const path = join(h.home, "dry.yaml");
    const result = await sync("--kubeconfig", path, "--dry-run");
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(path)).toBe(false);
    expect(result.stdout).toMatch(/^\+ Payments-Prod\/eu-west-1\/api \(would be added\)$/m);
    expect(result.stdout).toMatch(/dry run: nothing was written/);
  });

  it("--all-roles: one context per role, and each signs as its role", async () => {
    const path = join(h.home, "roles.yaml");
    const result = await sync("--kubeconfig", path, "--all-roles", "--account", A, "--region", "eu-west-1");
    expect(result.code, result.stderr).toBe(0);
    expect(names(path)).toEqual([
      "Payments-Prod/eu-west-1/api:Admin",
      "Payments-Prod/eu-west-1/api:ReadOnly",
      "Payments-Prod/eu-west-1/batch:Admin",
      "Payments-Prod/eu-west-1/batch:ReadOnly",
    ]);
    const cannot = kubectlCannot("auth-whoami");
    if (cannot) return;
    const who = await kubectl(
      [
        "--context",
        "Payments-Prod/eu-west-1/api:ReadOnly",
        "auth",
        "whoami",
        "-o",
        "jsonpath={.status.userInfo.username}",
      ],
      path,
    );
    expect(who.stdout).toBe("readonly:person@example.com");
  });

  it("a profile source: the profile's identity lists, and its users run eks-token with --profile", async () => {
    const path = join(h.home, "profiles.yaml");
    const result = await sync("--kubeconfig", path, "--profile", "ops", "--region", "eu-west-1");
    expect(result.code, result.stderr).toBe(0);
    expect(names(path)).toEqual(["ops/eu-west-1/tools"]);
    expect(read(path).users?.[0]?.user.exec.args).toEqual([
      "token",
      "--cluster-name",
      "tools",
      "--region",
      "eu-west-1",
      "--profile",
      "ops",
    ]);
  });

  it("--output json: one document on stdout, nothing else", async () => {
    const result = await sync("--output", "json", "--dry-run", "--kubeconfig", join(h.home, "json.yaml"));
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as {
      contexts: Array<{ context: string; change: string; accountName?: string }>;
      calls: Record<string, number>;
      complete: boolean;
      sources: unknown[];
    };
    expect(doc.complete).toBe(true);
    expect(doc.sources).toEqual([{ kind: "sso", ssoSession: "corp", startUrl: START_URL, ssoRegion: SSO_REGION }]);
    expect(doc.contexts).toContainEqual(
      expect.objectContaining({
        context: "Payments-Prod/eu-west-1/api",
        change: "added",
        accountName: "Payments Prod",
      }),
    );
    expect(doc.calls["ssoPortal"]).toBeGreaterThan(0);
    expect(doc.calls["eks"]).toBeGreaterThan(0);
  });

  it("an expired SSO session, not at a terminal, fails at once with the command that signs in", async () => {
    const home = makeTempHome("eks-token-e2e-sync-expired-");
    try {
      home.writeConfig(`[sso-session corp]\nsso_start_url = ${START_URL}\nsso_region = ${SSO_REGION}\n`);
      writeSsoTokenCache(home.home, "corp", {
        accessToken: TOKEN,
        expiresAt: new Date(Date.now() - 60_000),
        region: SSO_REGION,
        startUrl: START_URL,
      });
      const before = fleet.sso.requests.length;
      const result = await runCli(["kubeconfig", "sync"], { env: e2eEnv(home.home, fleet.env) });
      expectFailure(
        result,
        /the SSO session "corp" has expired or is invalid .*no browser was opened: .*run `eks-token login --sso-session corp`/,
      );
      expect(fleet.sso.requests.length).toBe(before);
      expect(existsSync(join(home.home, ".kube", "eks-token", "fleet.yaml"))).toBe(false);
    } finally {
      home.cleanup();
    }
  });
});
