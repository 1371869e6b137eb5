// The sync use case over an in-memory AWS and in-memory files: what is written, named, kept and
// removed, and how the calls are paced and bounded.
import { parse } from "yaml";
import { beforeEach, describe, expect, it } from "vitest";
import { EksTokenError } from "../../../src/errors.js";
import { runSync } from "../../../src/usecases/sync/sync.js";
import { FakeWorld, FILE, input } from "./fake-world.js";

interface Kubeconfig {
  clusters?: Array<{ name: string; cluster: Record<string, unknown> }>;
  contexts?: Array<{ name: string; context: { cluster: string; user: string; namespace?: string } }>;
  users?: Array<{ name: string; user: { exec: { args: string[] } } }>;
  "current-context"?: string;
}

const A = "111100000001";
const B = "111100000002";
const C = "111100000003";

let w: FakeWorld;

beforeEach(() => {
  w = new FakeWorld();
  w.accounts = [
    {
      id: A,
      name: "Payments Prod",
      roles: ["ReadOnly", "Admin"],
      clusters: {
        "eu-west-1": [{ name: "api" }, { name: "batch" }, { name: "new", status: "CREATING" }],
        "us-east-1": [{ name: "edge" }],
      },
      regions: ["eu-west-1", "us-east-1", "ap-east-1"],
    },
    {
      id: B,
      name: "sandbox",
      roles: ["ReadOnly"],
      clusters: { "eu-west-1": [{ name: "dev" }] },
      regions: ["eu-west-1"],
    },
    { id: C, name: "Shared Services", roles: ["ReadOnly"], clusters: { "us-west-2": [{ name: "tools" }] } },
  ];
});

const file = (): Kubeconfig => parse(w.files.get(FILE) ?? "{}") as Kubeconfig;
const contexts = () => (file().contexts ?? []).map((c) => c.name).sort();
const sync = (over: Parameters<typeof input>[0] = {}, env: Record<string, string> = {}) =>
  runSync(input(over), w.deps(env));

describe("kubeconfig sync", () => {
  it("writes one context per ACTIVE cluster, named {account_name}/{region}/{cluster}, with an SSO exec user", async () => {
    expect(await sync()).toBe(0);
    expect(contexts()).toEqual([
      "Payments-Prod/eu-west-1/api",
      "Payments-Prod/eu-west-1/batch",
      "Payments-Prod/us-east-1/edge",
      "Shared-Services/us-west-2/tools",
      "sandbox/eu-west-1/dev",
    ]);
    const doc = file();
    const ctx = doc.contexts!.find((c) => c.name === "Payments-Prod/eu-west-1/api")!;
    expect(ctx.context.cluster).toBe(`eks-token:arn:aws:eks:eu-west-1:${A}:cluster/api`);
    const user = doc.users!.find((u) => u.name === ctx.context.user)!;
    // Without --role the roles are tried by name: Admin before ReadOnly.
    expect(user.user.exec.args).toEqual([
      "token",
      "--cluster-name",
      "api",
      "--region",
      "eu-west-1",
      "--sso-session",
      "corp",
      "--sso-account-id",
      A,
      "--sso-role-name",
      "Admin",
    ]);
    expect(doc["current-context"]).toBeUndefined();
    expect(w.out.stdout).toMatch(/5 added, 0 updated, 0 removed, 0 unchanged\n/);
  });

  it("a second run changes nothing: the same bytes, and no write", async () => {
    await sync();
    const first = w.files.get(FILE);
    w.out.stdout = "";
    expect(await sync()).toBe(0);
    expect(w.files.get(FILE)).toBe(first);
    expect(w.out.stdout).toMatch(/0 added, 0 updated, 0 removed, 5 unchanged/);
  });

  it("scans the account's enabled regions, else the 17 default-enabled ones, and --region narrows", async () => {
    await sync();
    expect(w.calls.ListRegions).toBe(3);
    // A (3 regions) + B (1) + C (denied: the 17 defaults).
    expect(w.calls.ListClusters).toBeGreaterThanOrEqual(3 + 1 + 17);
    w = Object.assign(new FakeWorld(), { accounts: w.accounts });
    await sync({ regions: ["eu-west-1"] });
    expect(w.calls.ListRegions).toBe(0);
    expect(contexts()).toEqual([
      "Payments-Prod/eu-west-1/api",
      "Payments-Prod/eu-west-1/batch",
      "sandbox/eu-west-1/dev",
    ]);
  });

  it("--role picks the role in order of preference; a role that may not list hands over to the next", async () => {
    await sync({ roles: ["Read*", "Admin"] });
    const user = file().users!.find((u) => u.name.includes("cluster/api:"))!;
    expect(user.user.exec.args.at(-1)).toBe("ReadOnly");
    w = Object.assign(new FakeWorld(), { accounts: w.accounts });
    w.fault(`eks:${A}:ReadOnly:*`, "deny");
    await sync({ roles: ["ReadOnly", "Admin"] });
    expect(
      file()
        .users!.find((u) => u.name.includes("cluster/api:"))!
        .user.exec.args.at(-1),
    ).toBe("Admin");
  });

  it("--all-roles writes a context per cluster and role, suffixed :{role}", async () => {
    await sync({ allRoles: true, accounts: [A], regions: ["eu-west-1"] });
    expect(contexts()).toEqual([
      "Payments-Prod/eu-west-1/api:Admin",
      "Payments-Prod/eu-west-1/api:ReadOnly",
      "Payments-Prod/eu-west-1/batch:Admin",
      "Payments-Prod/eu-west-1/batch:ReadOnly",
    ]);
    // One cluster entry per cluster, one user per cluster and role.
    expect(file().clusters).toHaveLength(2);
    expect(file().users).toHaveLength(4);
  });

  it("--name templates the name; unsafe characters in account and role names become '-'", async () => {
    w.accounts[0]!.name = "Pay/ments ü\u202e";
    await sync({ name: "{account_id}.{account_name}.{cluster}@{role}", accounts: [A], regions: ["us-east-1"] });
    expect(contexts()).toEqual([`${A}.Pay-ments---.edge@Admin`]);
    await expect(sync({ name: "{nope}/{cluster}" })).rejects.toThrow(/unknown variable "\{nope\}"/);
    await expect(sync({ name: "{cluster} x" })).rejects.toThrow(/invalid --name/);
  });

  it("--account and --exclude-account filter by id or name glob", async () => {
    await sync({ accounts: ["Pay*", B], excludeAccounts: [B] });
    expect(contexts().every((c) => c.startsWith("Payments-Prod/"))).toBe(true);
    await expect(sync({ accounts: ["12345"] })).rejects.toThrow(/--account "12345"/);
  });

  it("removes a cluster that is gone, only after a complete listing", async () => {
    await sync();
    w.accounts[0]!.clusters["eu-west-1"] = [{ name: "api" }];
    w.out.stdout = "";
    expect(await sync()).toBe(0);
    expect(contexts()).not.toContain("Payments-Prod/eu-west-1/batch");
    expect(w.out.stdout).toMatch(/^- Payments-Prod\/eu-west-1\/batch$/m);
    // Its user and cluster entries went with it.
    expect(w.files.get(FILE)).not.toContain("cluster/batch");
  });

  it("keeps a region's entries as stale when its listing was throttled (exit 3), and removes nothing there", async () => {
    await sync();
    w.accounts[0]!.clusters["eu-west-1"] = [];
    w.fault(`eks:${A}:Admin:eu-west-1`, "throttle");
    w.out.stdout = "";
    expect(await sync()).toBe(3);
    expect(contexts()).toContain("Payments-Prod/eu-west-1/batch");
    expect(w.out.stdout).toMatch(/2 stale \(kept: throttled in eu-west-1 for 111100000001\)/);
  });

  it("checks a DescribeCluster answer before writing it: a plain-http endpoint is not written, and the entry there is kept as stale", async () => {
    await sync();
    const batch = w.accounts[0]!.clusters["eu-west-1"]![1]!;
    batch.endpoint = "http://batch.example";
    w.out.stdout = "";
    expect(await sync()).toBe(3);
    expect(contexts()).toContain("Payments-Prod/eu-west-1/batch");
    expect(w.files.get(FILE)).not.toContain("http://batch.example");
    expect(w.out.stdout).toMatch(/1 stale \(kept: error in eu-west-1 for 111100000001\)/);
    expect(w.out.stdout).toMatch(/DescribeCluster for batch in eu-west-1 returned an endpoint that is not usable/);

    // A first sync writes nothing for it.
    w = Object.assign(new FakeWorld(), { accounts: w.accounts });
    expect(await sync()).toBe(3);
    expect(contexts()).not.toContain("Payments-Prod/eu-west-1/batch");
    expect(contexts()).toContain("Payments-Prod/eu-west-1/api");
  });

  it("a listing that gives the same page token twice ends there: entries kept as stale, nothing removed", async () => {
    await sync({ accounts: [A], regions: ["eu-west-1"] });
    w.endlessClusterPages = true;
    w.calls.ListClusters = 0;
    w.out.stdout = "";
    expect(await sync({ accounts: [A], regions: ["eu-west-1"] })).toBe(3);
    expect(w.calls.ListClusters).toBe(2);
    expect(contexts()).toEqual(["Payments-Prod/eu-west-1/api", "Payments-Prod/eu-west-1/batch"]);
    expect(w.out.stdout).toMatch(/ListClusters gave the same page token twice/);
  });

  it("keeps entries when the listing breaks on a later page (evidence is every page or nothing)", async () => {
    w.pageSize = 1;
    await sync({ accounts: [A], regions: ["eu-west-1"] });
    w.accounts[0]!.clusters["eu-west-1"] = [{ name: "api" }, { name: "x" }];
    // The first page answers, the second fails.
    let listed = 0;
    const eks = w.aws.eks;
    w.aws.eks = (c, r) => {
      const client = eks(c, r);
      return {
        ...client,
        listClusters: async (next, s) => {
          if (++listed === 2) throw Object.assign(new Error("boom"), { name: "InternalFailure" });
          return client.listClusters(next, s);
        },
      };
    };
    expect(await sync({ accounts: [A], regions: ["eu-west-1"] })).toBe(3);
    expect(contexts()).toContain("Payments-Prod/eu-west-1/batch");
  });

  it("removes the entries of an account that left ListAccounts, but not of one filtered out", async () => {
    await sync();
    w.accounts = w.accounts.filter((a) => a.id !== B);
    await sync({ excludeAccounts: [C] });
    expect(contexts()).not.toContain("sandbox/eu-west-1/dev");
    expect(contexts()).toContain("Shared-Services/us-west-2/tools");
  });

  it("an access-denied or disabled region is reported, not partial, and does not stop the others", async () => {
    w.fault(`eks:${A}:*:ap-east-1`, "disabled");
    w.fault(`eks:${B}:*:*`, "deny");
    expect(await sync()).toBe(0);
    expect(w.out.stdout).toMatch(/skipped, region-unavailable/);
    expect(w.out.stdout).toMatch(
      /skipped, access-denied eks:ListClusters \(role "ReadOnly"\): 111100000002\/eu-west-1/,
    );
    expect(contexts()).toContain("Payments-Prod/eu-west-1/api");
  });

  it("never overwrites a same-named unmarked context, and never touches the user's own entries", async () => {
    const own = [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: mine",
      "  cluster: {server: 'https://mine.example'}",
      "contexts:",
      "- name: sandbox/eu-west-1/dev  # hand-made",
      "  context: {cluster: mine, user: me}",
      "users:",
      "- name: me",
      "  user: {token: abc}",
      "current-context: sandbox/eu-west-1/dev",
      "",
    ].join("\n");
    w.files.set(FILE, own);
    expect(await sync()).toBe(0);
    const text = w.files.get(FILE)!;
    const mine = parse(own) as Kubeconfig;
    expect(file().clusters!.filter((c) => c.name === "mine")).toEqual(mine.clusters);
    expect(file().users!.filter((u) => u.name === "me")).toEqual(mine.users);
    expect(text).toContain("- name: sandbox/eu-west-1/dev # hand-made");
    expect(text).toContain("current-context: sandbox/eu-west-1/dev");
    expect(file().contexts!.filter((c) => c.name === "sandbox/eu-west-1/dev")).toHaveLength(1);
    expect(w.out.stderr).toMatch(
      /warning: context "sandbox\/eu-west-1\/dev" in \/home\/u\/\.kube\/eks-token\/fleet\.yaml is not one this sync wrote: left as it is/,
    );
  });

  it("skips a name another KUBECONFIG file already uses, and never removes the current context", async () => {
    w.files.set(
      "/home/u/.kube/config",
      "contexts:\n- name: Payments-Prod/us-east-1/edge\n  context: {cluster: x, user: y}\ncurrent-context: Payments-Prod/eu-west-1/batch\n",
    );
    await sync({}, { KUBECONFIG: `/home/u/.kube/config:${FILE}` });
    expect(contexts()).not.toContain("Payments-Prod/us-east-1/edge");
    expect(w.out.stderr).toMatch(/context "Payments-Prod\/us-east-1\/edge" in \/home\/u\/\.kube\/config is not one/);
    w.accounts[0]!.clusters["eu-west-1"] = [{ name: "api" }];
    w.out.stderr = "";
    await sync({}, { KUBECONFIG: `/home/u/.kube/config:${FILE}` });
    expect(contexts()).toContain("Payments-Prod/eu-west-1/batch");
    expect(w.out.stderr).toMatch(
      /"Payments-Prod\/eu-west-1\/batch" is the current context and its cluster is gone .*left in place/,
    );
  });

  it("keeps a namespace (and other fields) the person added to a managed context", async () => {
    await sync();
    const text = w.files
      .get(FILE)!
      .replace(
        "    cluster: eks-token:arn:aws:eks:eu-west-1:111100000001:cluster/api\n",
        "    cluster: eks-token:arn:aws:eks:eu-west-1:111100000001:cluster/api\n    namespace: payments\n",
      );
    w.files.set(FILE, text);
    w.accounts[0]!.roles = ["ReadOnly"];
    await sync();
    const ctx = file().contexts!.find((c) => c.name === "Payments-Prod/eu-west-1/api")!;
    expect(ctx.context.namespace).toBe("payments");
    expect(ctx.context.user).toMatch(/:ReadOnly$/);
    // The Admin users nobody names any more are gone.
    expect(w.files.get(FILE)).not.toMatch(/cluster\/api:Admin/);
  });

  it("--no-prune keeps what is gone; --dry-run writes nothing and says what would change", async () => {
    await sync();
    const before = w.files.get(FILE);
    w.accounts[0]!.clusters["eu-west-1"] = [];
    w.out.stdout = "";
    expect(await sync({ prune: false })).toBe(0);
    expect(w.files.get(FILE)).toBe(before);
    expect(w.out.stdout).toMatch(/2 not removed \(--no-prune\)/);
    w.out.stdout = "";
    await sync({ dryRun: true });
    expect(w.files.get(FILE)).toBe(before);
    expect(w.out.stdout).toMatch(/^- Payments-Prod\/eu-west-1\/api \(would be removed\)$/m);
    expect(w.out.stdout).toMatch(/dry run: nothing was written/);
  });

  it("a DELETING or FAILED cluster is removed; a CREATING one is not written yet and its entry stays", async () => {
    await sync({ accounts: [A], regions: ["eu-west-1"] });
    expect(contexts()).not.toContain("Payments-Prod/eu-west-1/new");
    w.accounts[0]!.clusters["eu-west-1"] = [
      { name: "api", status: "DELETING" },
      { name: "batch", status: "FAILED" },
    ];
    await sync({ accounts: [A], regions: ["eu-west-1"] });
    expect(contexts()).toEqual([]);
  });

  it("a marked context renamed by hand, or with a marker edited to nonsense, is never removed", async () => {
    await sync({ accounts: [A], regions: ["eu-west-1"] });
    let text = w.files.get(FILE)!;
    text = text.replace("  name: Payments-Prod/eu-west-1/api\n", "  name: my-api\n");
    text = text.replace("managedName: Payments-Prod/eu-west-1/batch", "managedName: [not, a, string]");
    w.files.set(FILE, text);
    w.accounts[0]!.clusters["eu-west-1"] = [];
    await sync({ accounts: [A], regions: ["eu-west-1"] });
    expect(contexts()).toEqual(["Payments-Prod/eu-west-1/batch", "my-api"]);
  });

  it("the progress line goes to the progress port in text mode only, and is cleared", async () => {
    const lines: string[] = [];
    let cleared = 0;
    const progress = { show: (l: string) => lines.push(l), clear: () => cleared++ };
    await runSync(input(), { ...w.deps(), progress });
    expect(lines.at(-1)).toMatch(/^3\/3 accounts · \d+\/\d+ account-regions · \d+ clusters · 0 throttled$/);
    expect(cleared).toBe(1);
    lines.length = 0;
    await runSync(input({ output: "json" }), { ...w.deps(), progress });
    expect(lines).toEqual([]);
  });

  it("entries of another source or scope are left alone", async () => {
    await sync({ accounts: [A] });
    w.config = {
      ...w.config,
      ssoSessions: { other: { startUrl: "https://other.awsapps.com/start", region: "eu-west-1" } },
    };
    w.accounts = [];
    expect(await sync({ ssoSessions: ["other"] })).toBe(0);
    expect(contexts()).toHaveLength(3);
  });

  it("the default sources are checked as the named ones: a start URL with a password is refused, nothing written", async () => {
    w.config = {
      ...w.config,
      ssoSessions: { corp: { startUrl: "https://user:secret@corp.awsapps.com/start", region: "eu-west-1" } },
    };
    const err = await sync().catch((e: EksTokenError) => e);
    expect(err).toBeInstanceOf(EksTokenError);
    expect((err as EksTokenError).reportLine).toMatch(/sso_start_url of sso-session "corp"/);
    expect((err as EksTokenError).reportLine).not.toContain("secret");
    expect(w.calls.ListAccounts).toBe(0);
    expect(w.files.has(FILE)).toBe(false);
  });

  it("an expired SSO session fails at once with the sign-in command, asking nothing", async () => {
    w.expiredToken = true;
    const err = await sync().catch((e: EksTokenError) => e);
    expect(err).toBeInstanceOf(EksTokenError);
    expect((err as EksTokenError).reportLine).toMatch(/eks-token login --sso-session corp/);
    expect(w.calls.ListAccounts).toBe(0);
    expect(w.files.has(FILE)).toBe(false);
  });

  it("profiles: one source each, deduplicated by the identity GetCallerIdentity returns", async () => {
    w.profiles = {
      "a-admin": { account: A, arn: `arn:aws:sts::${A}:assumed-role/Admin/x` },
      "a-admin-again": { account: A, arn: `arn:aws:sts::${A}:assumed-role/Admin/x` },
      b: { account: B, arn: `arn:aws:sts::${B}:assumed-role/ReadOnly/x` },
    };
    w.config = { ...w.config, profiles: ["a-admin", "a-admin-again", "b"] };
    expect(await sync({ allProfiles: true, regions: ["eu-west-1"] })).toBe(0);
    expect(contexts()).toEqual(["a-admin/eu-west-1/api", "a-admin/eu-west-1/batch", "b/eu-west-1/dev"]);
    const user = file().users!.find((u) => u.name.endsWith(":a-admin"))!;
    expect(user.user.exec.args).toEqual([
      "token",
      "--cluster-name",
      "api",
      "--region",
      "eu-west-1",
      "--profile",
      "a-admin",
    ]);
    expect(w.out.stdout).toMatch(
      /1 skipped, duplicate-identity \(profile "a-admin-again"\).*same identity as profile a-admin/,
    );
  });

  it("--output json: one document with contexts, skips, calls and completeness", async () => {
    w.fault(`eks:${A}:*:ap-east-1`, "throttle");
    const code = await sync({ output: "json" });
    expect(code).toBe(3);
    const doc = JSON.parse(w.out.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      file: FILE,
      sources: [
        { kind: "sso", ssoSession: "corp", startUrl: "https://corp.awsapps.com/start", ssoRegion: "eu-west-1" },
      ],
      complete: false,
    });
    expect(doc["contexts"]).toContainEqual(
      expect.objectContaining({
        context: "Payments-Prod/eu-west-1/api",
        change: "added",
        accountName: "Payments Prod",
        status: "ACTIVE",
      }),
    );
    expect(doc["skipped"]).toContainEqual(
      expect.objectContaining({ accountId: A, region: "ap-east-1", reason: "throttled" }),
    );
    // Every answered call, plus the throttled one.
    expect((doc["calls"] as { eks: number }).eks).toBe(w.calls.ListClusters + w.calls.DescribeCluster + 1);
  });
});

describe("pacing and bounds", () => {
  it("the portal gets at most 10 calls a second, and a 429 is retried after a pause", async () => {
    w.fault("portal:ListAccountRoles", "throttle", 2);
    expect(await sync()).toBe(0);
    const gaps = w.portalTimes.slice(1).map((t, i) => t - w.portalTimes[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(100);
    expect(w.calls.ListAccountRoles).toBe(3 + 2);
    expect(contexts()).toHaveLength(5);
  });

  it("EKS: at most 2 calls at once per account and region, and --concurrency overall; one client per account, role and region", async () => {
    w.accounts[0]!.clusters["eu-west-1"] = Array.from({ length: 12 }, (_, i) => ({ name: `c${i}` }));
    await sync({ concurrency: 3 });
    expect(w.maxPerKey).toBeLessThanOrEqual(2);
    expect(w.maxInFlight).toBeLessThanOrEqual(3);
    expect(w.maxInFlight).toBeGreaterThan(1);
    expect(w.eksClients).toBe(3 + 1 + 17);
  });

  it("a hung call ends at the run's bound; what is unfinished is stale, what finished is written", async () => {
    await sync();
    w.fault(`eks:${A}:Admin:us-east-1`, "hang");
    w.accounts[1]!.clusters["eu-west-1"] = [];
    const code = await sync({ timeoutMs: 300 });
    expect(code).toBe(3);
    expect(contexts()).toContain("Payments-Prod/us-east-1/edge");
    expect(contexts()).not.toContain("sandbox/eu-west-1/dev");
  });

  it("refuses more than 5,000 clusters before writing anything", async () => {
    w.accounts = [
      {
        id: A,
        name: "big",
        roles: ["R"],
        clusters: { "eu-west-1": Array.from({ length: 5_001 }, (_, i) => ({ name: `c${i}` })) },
      },
    ];
    w.pageSize = 1000;
    const err = await sync({ regions: ["eu-west-1"] }).catch((e: EksTokenError) => e);
    expect((err as EksTokenError).message).toMatch(/more than 5000 clusters/);
    expect(w.calls.DescribeCluster).toBe(0);
    expect(w.files.size).toBe(0);
  });

  it("a file path with control characters is shown escaped", async () => {
    const path = "/home/u/odd\u001b[31m\nname.yaml";
    w.files.set(path, "contexts:\n- name: sandbox/eu-west-1/dev\n  context: {cluster: x, user: y}\n");
    await sync({ kubeconfig: path, accounts: [B] });
    expect(w.out.stdout).toContain("/home/u/odd\\u001b[31m\\nname.yaml: 0 added");
    expect(w.out.stderr).toContain('context "sandbox/eu-west-1/dev" in /home/u/odd\\u001b[31m\\nname.yaml is not one');
    expect(w.out.stdout + w.out.stderr).not.toContain("\u001b");
  });

  it("refuses more than 2,000 accounts before writing anything", async () => {
    w.accounts = Array.from({ length: 2_001 }, (_, i) => ({
      id: String(200000000000 + i),
      name: `a${i}`,
      roles: ["R"],
      clusters: {},
    }));
    w.pageSize = 1000;
    const err = await sync().catch((e: EksTokenError) => e);
    expect((err as EksTokenError).message).toMatch(/more than 2000 accounts/);
    expect(w.files.has(FILE)).toBe(false);
  });
});
