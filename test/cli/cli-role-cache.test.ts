// Assumed-role credentials in the cache, through the built CLI against the local STS emulator
// (AWS_ENDPOINT_URL_STS): --role-arn, role profiles with and without MFA, the 32-process cold
// start, and `eks-token cache list / clear`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startStsEmulator, type StsEmulator } from "../support/sts-emulator.js";
import {
  ACCOUNT,
  ALICE,
  CLI_COMMAND,
  REGION,
  ROOT,
  editEntry,
  ensureBuilt,
  expectCredential,
  keyEnv,
  listDir,
  makeSandbox,
  readEntries,
  roleEntries,
  secretLookup,
  tokenAccessKey,
  tokenEntries,
  verifyToken,
  type ChildEnv,
  type CliResult,
  type Sandbox,
} from "../support/cache-fixture.js";

const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-admin`;
const VIEW_ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-view`;
const MFA_ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-mfa`;
const MFA = { serial: `arn:aws:iam::${ACCOUNT}:mfa/alice`, code: "314159" };
const MINUTE = 60_000;

let sts: StsEmulator;
const sandboxes: Sandbox[] = [];

beforeAll(async () => {
  await ensureBuilt();
  sts = await startStsEmulator();
  const alice = sts.addUser({ name: "alice", accountId: ACCOUNT, ...ALICE, mfaDevices: [MFA] });
  sts.addRole({ arn: ADMIN_ROLE, trust: [alice.arn] });
  sts.addRole({ arn: VIEW_ROLE, trust: [alice.arn] });
  sts.addRole({ arn: MFA_ROLE, trust: [alice.arn], requireMfa: true });
}, 240_000);
afterAll(async () => {
  await sts?.close();
});
beforeEach(() => sts.resetCalls());
afterEach(() => {
  for (const s of sandboxes.splice(0)) s.cleanup();
});

function sandbox(): Sandbox {
  const s = makeSandbox();
  sandboxes.push(s);
  return s;
}

/** Alice's keys in the environment, STS pointed at the emulator. */
function roleEnv(s: Sandbox, extra: Record<string, string | undefined> = {}): ChildEnv {
  return s.env({ ...keyEnv(ALICE), AWS_REGION: REGION, AWS_ENDPOINT_URL_STS: sts.url, ...extra });
}

/** Alice's keys in ~/.aws/credentials, and role profiles in ~/.aws/config. */
function writeProfiles(s: Sandbox): void {
  s.writeCredentials(
    `[base]\naws_access_key_id = ${ALICE.accessKeyId}\naws_secret_access_key = ${ALICE.secretAccessKey}\n`,
  );
  s.writeConfig(
    `[profile base]\nregion = ${REGION}\n` +
      `[profile admin]\nrole_arn = ${ADMIN_ROLE}\nsource_profile = base\nregion = ${REGION}\n` +
      `[profile mfa]\nrole_arn = ${MFA_ROLE}\nsource_profile = base\nmfa_serial = ${MFA.serial}\nregion = ${REGION}\n`,
  );
}

const assumeRoles = () => sts.calls["AssumeRole"] ?? 0;

/** The token was signed with the session the emulator issued for this role. */
function expectSignedByRole(token: string, cluster: string, roleArn: string): void {
  const key = tokenAccessKey(token);
  const session = sts.sessions.find((x) => x.accessKeyId === key);
  expect(session, `token signed by ${key}`).toBeDefined();
  expect(session?.roleArn).toBe(roleArn);
  verifyToken(token, cluster, secretLookup([], sts));
}

const token = (cluster: string, ...more: string[]) => ["--cluster-name", cluster, ...more];

describe("--role-arn", () => {
  it("assumes the role once; another cluster with the same role makes no AssumeRole", async () => {
    const s = sandbox();
    const env = roleEnv(s);
    const alpha = expectCredential(await s.run(token("alpha", "--role-arn", ADMIN_ROLE), { env }));
    expect(assumeRoles()).toBe(1);
    expectSignedByRole(alpha.token, "alpha", ADMIN_ROLE);

    const roles = roleEntries(s.cacheDir);
    expect(roles).toHaveLength(1);
    const session = sts.sessions.at(-1)!;
    expect(roles[0]!.json).toMatchObject({
      kind: "role-credentials",
      roleArn: ADMIN_ROLE,
      accessKeyId: session.accessKeyId,
    });
    expect(Date.parse(roles[0]!.json["expiration"] as string)).toBe(session.expiresAt);
    expect(roles[0]!.mode).toBe(0o600);

    const beta = expectCredential(await s.run(token("beta", "--role-arn", ADMIN_ROLE), { env }));
    const gamma = expectCredential(
      await s.run(token("gamma", "--role-arn", ADMIN_ROLE, "--region", "eu-west-1"), { env }),
    );
    expect(assumeRoles()).toBe(1);
    expectSignedByRole(beta.token, "beta", ADMIN_ROLE);
    expect(tokenAccessKey(beta.token)).toBe(session.accessKeyId);
    expect(tokenAccessKey(gamma.token)).toBe(session.accessKeyId);

    // and alpha again is a plain token hit
    expect(expectCredential(await s.run(token("alpha", "--role-arn", ADMIN_ROLE), { env }))).toEqual(alpha);
    expect(sts.calls["AssumeRole"]).toBe(1);
    expect(tokenEntries(s.cacheDir)).toHaveLength(3);
    expect(roleEntries(s.cacheDir)).toHaveLength(1);
  });

  it("works the same through aws-iam-authenticator's and the AWS CLI's argument shapes", async () => {
    const s = sandbox();
    const env = roleEnv(s);
    expectCredential(await s.run(["token", "-i", "alpha", "-r", ADMIN_ROLE], { env }));
    expectCredential(
      await s.run(
        ["--region", REGION, "eks", "get-token", "--cluster-name", "beta", "--role", ADMIN_ROLE, "--output", "json"],
        { env },
      ),
    );
    expect(assumeRoles()).toBe(1);
  });

  it("assumes again once the cached credentials have 5 minutes or less left, not before", async () => {
    const s = sandbox();
    const env = roleEnv(s);
    expectCredential(await s.run(token("alpha", "--role-arn", ADMIN_ROLE), { env }));
    const [role] = roleEntries(s.cacheDir);

    // 6 minutes left: still used, and the token reports no later than the credentials allow
    const six = Math.floor((Date.now() + 6 * MINUTE) / 1000) * 1000;
    editEntry(role!.path, { expiration: new Date(six).toISOString() });
    const beta = expectCredential(await s.run(token("beta", "--role-arn", ADMIN_ROLE), { env }));
    expect(assumeRoles()).toBe(1);
    expect(beta.expiresAt).toBeLessThanOrEqual(six - MINUTE);

    // 4 minutes left: assumed again, and the entry replaced with the new session
    editEntry(role!.path, { expiration: new Date(Date.now() + 4 * MINUTE).toISOString() });
    const gamma = expectCredential(await s.run(token("gamma", "--role-arn", ADMIN_ROLE), { env }));
    expect(assumeRoles()).toBe(2);
    expectSignedByRole(gamma.token, "gamma", ADMIN_ROLE);
    const [renewed] = roleEntries(s.cacheDir);
    expect(renewed!.json["accessKeyId"]).toBe(sts.sessions.at(-1)!.accessKeyId);
    expect(Date.parse(renewed!.json["expiration"] as string)).toBe(sts.sessions.at(-1)!.expiresAt);
  });

  it("keeps roles, session names and external ids apart (each its own AssumeRole and entry)", async () => {
    const s = sandbox();
    const env = roleEnv(s);
    const variants = [
      ["--role-arn", ADMIN_ROLE],
      ["--role-arn", VIEW_ROLE],
      ["--role-arn", ADMIN_ROLE, "--session-name", "alice-laptop"],
      ["--role-arn", ADMIN_ROLE, "--external-id", "ext-one"],
      ["--role-arn", ADMIN_ROLE, "--external-id", "ext-two"],
    ];
    for (const [i, v] of variants.entries()) {
      const credential = expectCredential(await s.run(token("alpha", ...v), { env }));
      expect(assumeRoles(), v.join(" ")).toBe(i + 1);
      expectSignedByRole(credential.token, "alpha", v[1]!);
      expect(roleEntries(s.cacheDir)).toHaveLength(i + 1);
      expect(tokenEntries(s.cacheDir)).toHaveLength(i + 1);
    }
    const sent = sts.requests
      .filter((r) => r.action === "AssumeRole")
      .map((r) => [r.params["RoleSessionName"], r.params["ExternalId"]]);
    expect(sent).toEqual([
      ["EKSGetTokenAuth", undefined],
      ["EKSGetTokenAuth", undefined],
      ["alice-laptop", undefined],
      ["EKSGetTokenAuth", "ext-one"],
      ["EKSGetTokenAuth", "ext-two"],
    ]);
    // every variant is now cached: a second round makes no call
    for (const v of variants) expectCredential(await s.run(token("beta", ...v), { env }));
    expect(assumeRoles()).toBe(variants.length);
    // no file names a secret, and no secret of one session sits in another session's entry
    const entries = readEntries(s.cacheDir);
    for (const e of entries) {
      expect(e.name).toMatch(/^[0-9a-f]{64}\.json$/);
      expect(e.text).not.toContain(ALICE.secretAccessKey);
      expect(e.text).not.toContain("ext-one");
      expect(e.text).not.toContain("ext-two");
    }
    for (const e of roleEntries(s.cacheDir)) {
      const own = e.json["accessKeyId"];
      for (const other of sts.sessions.filter((x) => x.accessKeyId !== own)) {
        expect(e.text).not.toContain(other.secretAccessKey);
        expect(e.text).not.toContain(other.sessionToken);
      }
    }
  });

  it("--no-cache assumes the role on every call and writes nothing", async () => {
    const s = sandbox();
    const env = roleEnv(s);
    for (const cluster of ["alpha", "beta"])
      expectCredential(await s.run(token(cluster, "--role-arn", ADMIN_ROLE, "--no-cache"), { env }));
    expect(assumeRoles()).toBe(2);
    expect(existsSync(join(s.home, ".kube"))).toBe(false);
  });
});

describe("role profiles", () => {
  it("role_arn + source_profile: one AssumeRole for every cluster", async () => {
    const s = sandbox();
    writeProfiles(s);
    const env = s.env({ AWS_ENDPOINT_URL_STS: sts.url });
    const clusters = ["alpha", "beta", "gamma"];
    for (const cluster of clusters) {
      const c = expectCredential(await s.run(token(cluster, "--profile", "admin"), { env }));
      expectSignedByRole(c.token, cluster, ADMIN_ROLE);
    }
    expect(assumeRoles()).toBe(1);
    expect(roleEntries(s.cacheDir)).toHaveLength(1);
    expect(roleEntries(s.cacheDir)[0]!.json).toMatchObject({ roleArn: ADMIN_ROLE, profile: "admin" });

    // AWS_PROFILE (what update-kubeconfig writes) the same way: one AssumeRole for all its clusters.
    // (It may or may not share the --profile entry; it must never be served a wrong one.)
    const viaEnv = { ...env, AWS_PROFILE: "admin" };
    for (const cluster of ["delta", "epsilon", "alpha"]) {
      const c = expectCredential(await s.run(token(cluster), { env: viaEnv }));
      expectSignedByRole(c.token, cluster, ADMIN_ROLE);
    }
    expect(assumeRoles()).toBeLessThanOrEqual(2);
    for (const e of roleEntries(s.cacheDir)) expect(e.json).toMatchObject({ roleArn: ADMIN_ROLE, profile: "admin" });
  });

  const hasScript = ["/usr/bin/script", "/bin/script"].some((p) => existsSync(p));

  it.skipIf(!hasScript)(
    "with MFA: prompts once on a terminal; later calls for other clusters need no code and no AssumeRole",
    async () => {
      const s = sandbox();
      writeProfiles(s);
      const env = s.env({ AWS_ENDPOINT_URL_STS: sts.url });
      // Without a terminal, a cold call cannot ask for the code: it fails and says so.
      const noTty = await s.run(token("alpha", "--profile", "mfa"), { env: { ...env } });
      expect(noTty.code).not.toBe(0);
      expect(noTty.stdout).toBe("");
      expect(assumeRoles()).toBe(0);

      const first = await runOnTerminal(s, token("alpha", "--profile", "mfa"), env, `${MFA.code}\n`);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).toContain(`Enter MFA code for ${MFA.serial}`);
      const alpha = expectCredential({ ...first, stderr: "" });
      expect(assumeRoles()).toBe(1);
      expect(sts.requests.find((r) => r.action === "AssumeRole")?.params).toMatchObject({
        SerialNumber: MFA.serial,
        TokenCode: MFA.code,
      });
      expectSignedByRole(alpha.token, "alpha", MFA_ROLE);

      // no terminal now: cached credentials make the prompt unnecessary
      for (const cluster of ["beta", "gamma"]) {
        const later = expectCredential(await s.run(token(cluster, "--profile", "mfa"), { env }));
        expectSignedByRole(later.token, cluster, MFA_ROLE);
      }
      expect(assumeRoles()).toBe(1);
    },
  );
});

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), so /dev/tty exists and an MFA code can
 * be typed; stdout goes to a file, the terminal carries the prompt.
 */
async function runOnTerminal(s: Sandbox, args: string[], env: ChildEnv, typed: string): Promise<CliResult> {
  const out = join(s.home, "tty-stdout.json");
  const quote = (x: string) => `'${x.replace(/'/g, "'\\''")}'`;
  const command = `${[...CLI_COMMAND, ...args].map(quote).join(" ")} > ${quote(out)}`;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      cwd: ROOT,
      env: { ...env, SHELL: "/bin/sh" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let terminal = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      terminal += d;
      if (terminal.includes("Enter MFA code") && typed) {
        child.stdin.write(typed);
        typed = "";
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => (terminal += d));
    child.stdin.on("error", () => {});
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({
        code,
        signal,
        stdout: existsSync(out) ? readFileSync(out, "utf8") : "",
        stderr: terminal,
        durationMs: Date.now() - started,
      });
    });
  });
}

describe("a cold start of 32 processes at once", () => {
  it("makes exactly one AssumeRole, and every process prints a valid ExecCredential", async () => {
    const s = sandbox();
    const env = roleEnv(s);
    const sessionsBefore = sts.sessions.length;
    const results = await Promise.all(
      Array.from({ length: 32 }, () => s.run(token("alpha", "--role-arn", ADMIN_ROLE), { env, timeoutMs: 50_000 })),
    );
    const credentials = results.map((r) => expectCredential(r));
    expect(sts.calls["AssumeRole"]).toBe(1);
    expect(sts.sessions).toHaveLength(sessionsBefore + 1);
    for (const c of credentials) expectSignedByRole(c.token, "alpha", ADMIN_ROLE);
    // all from the one session; one token between them (made once, then served)
    expect(new Set(credentials.map((c) => tokenAccessKey(c.token))).size).toBe(1);
    expect(new Set(credentials.map((c) => c.token)).size).toBe(1);
    expect(listDir(s.cacheDir).every((n) => /^[0-9a-f]{64}\.(json|hit)$/.test(n))).toBe(true);
    expect(readEntries(s.cacheDir)).toHaveLength(2);
  }, 60_000);
});

describe("a cold start for two clusters with the same role at once", () => {
  it("makes one AssumeRole between them: the role's credentials have a lock of their own", async () => {
    const s = sandbox();
    const env = roleEnv(s);
    const runs = Array.from({ length: 12 }, (_, i) => {
      const cluster = i % 2 === 0 ? "alpha" : "beta";
      return s.run(token(cluster, "--role-arn", ADMIN_ROLE), { env, timeoutMs: 50_000 }).then((r) => ({ cluster, r }));
    });
    const results = await Promise.all(runs);
    for (const { cluster, r } of results) expectSignedByRole(expectCredential(r).token, cluster, ADMIN_ROLE);
    expect(sts.calls["AssumeRole"]).toBe(1);
    expect(roleEntries(s.cacheDir)).toHaveLength(1);
    expect(tokenEntries(s.cacheDir)).toHaveLength(2);
  }, 60_000);
});

describe("eks-token cache list / clear", () => {
  async function populate(s: Sandbox): Promise<ChildEnv> {
    writeProfiles(s);
    const env = roleEnv(s);
    expectCredential(await s.run(token("alpha", "--role-arn", ADMIN_ROLE), { env }));
    expectCredential(await s.run(token("beta", "--role-arn", ADMIN_ROLE), { env }));
    expectCredential(
      await s.run(token("alpha", "--profile", "admin"), { env: s.env({ AWS_ENDPOINT_URL_STS: sts.url }) }),
    );
    expectCredential(await s.run(token("gamma", "--region", "eu-west-1"), { env }));
    expect(tokenEntries(s.cacheDir)).toHaveLength(4);
    expect(roleEntries(s.cacheDir)).toHaveLength(2);
    return env;
  }

  /** Everything that must never be printed: tokens, keys, session tokens. */
  function secretsIn(s: Sandbox): string[] {
    const out = [ALICE.secretAccessKey];
    for (const e of readEntries(s.cacheDir)) {
      for (const field of ["token", "secretAccessKey", "sessionToken"]) {
        const v = e.json[field];
        if (typeof v === "string") out.push(v, v.slice(11, 80));
      }
    }
    for (const x of sts.sessions) out.push(x.secretAccessKey, x.sessionToken);
    return out;
  }

  it("lists cluster, region, role, profile and expiration, and never a token or a secret", async () => {
    const s = sandbox();
    const env = await populate(s);
    const secrets = secretsIn(s);
    const result = await s.run(["cache", "list"], { env });
    expect(result.code, result.stderr).toBe(0);
    const text = result.stdout;
    expect(text).not.toContain("k8s-aws-v1.");
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).toMatch(/CLUSTER/);
    for (const cluster of ["alpha", "beta", "gamma"]) expect(text).toContain(cluster);
    for (const region of [REGION, "eu-west-1"]) expect(text).toContain(region);
    expect(text).toContain(ADMIN_ROLE);
    expect(text).toContain("admin");
    for (const e of readEntries(s.cacheDir)) {
      expect(text).toContain((e.json["expiration"] as string).replace(/\.\d{3}Z$/, "Z"));
    }
    const lines = text.trim().split("\n");
    expect(lines).toHaveLength(1 + 6);
  });

  it("lists as JSON with --output json, still without tokens or secrets", async () => {
    const s = sandbox();
    const env = await populate(s);
    const secrets = secretsIn(s);
    const result = await s.run(["cache", "list", "--output", "json"], { env });
    expect(result.code, result.stderr).toBe(0);
    for (const secret of secrets) expect(result.stdout).not.toContain(secret);
    expect(result.stdout).not.toContain("k8s-aws-v1.");
    const rows = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      for (const field of ["token", "accessKeyId", "secretAccessKey", "sessionToken", "key"])
        expect(row).not.toHaveProperty(field);
      expect(typeof row["expiration"]).toBe("string");
    }
    const tokens = rows.filter((r) => r["kind"] === "token");
    expect(tokens.map((r) => [r["clusterId"], r["region"], r["roleArn"], r["profile"]]).sort()).toEqual(
      [
        ["alpha", REGION, ADMIN_ROLE, "admin"],
        ["alpha", REGION, ADMIN_ROLE, null],
        ["beta", REGION, ADMIN_ROLE, null],
        ["gamma", "eu-west-1", null, null],
      ].sort(),
    );
    const roles = rows.filter((r) => r["kind"] === "role-credentials");
    expect(roles.map((r) => [r["roleArn"], r["profile"]]).sort()).toEqual(
      [
        [ADMIN_ROLE, "admin"],
        [ADMIN_ROLE, null],
      ].sort(),
    );
  });

  it("honours --cache-dir and EKS_TOKEN_CACHE_DIR", async () => {
    const s = sandbox();
    const dir = join(s.home, "elsewhere");
    const env = roleEnv(s, { EKS_TOKEN_CACHE_DIR: dir });
    expectCredential(await s.run(token("alpha"), { env }));
    const viaEnv = await s.run(["cache", "list", "--output", "json"], { env });
    expect(JSON.parse(viaEnv.stdout)).toHaveLength(1);
    const viaFlag = await s.run(["cache", "list", "--output", "json", "--cache-dir", dir], { env: roleEnv(s) });
    expect(JSON.parse(viaFlag.stdout)).toHaveLength(1);
    const defaultDir = await s.run(["cache", "list", "--output", "json"], { env: roleEnv(s) });
    expect(JSON.parse(defaultDir.stdout)).toEqual([]);
  });

  it("clear --cluster-name N removes N's tokens only, keeping other clusters and role credentials", async () => {
    const s = sandbox();
    const env = await populate(s);
    const result = await s.run(["cache", "clear", "--cluster-name", "alpha"], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("");
    expect(
      tokenEntries(s.cacheDir)
        .map((e) => e.json["clusterId"])
        .sort(),
    ).toEqual(["beta", "gamma"]);
    expect(roleEntries(s.cacheDir)).toHaveLength(2);
    // The hit entries that led to alpha's tokens went with them; the others' stay.
    const hitClusters = readdirSync(s.cacheDir)
      .filter((n) => n.endsWith(".hit"))
      .map((n) => (JSON.parse(readFileSync(join(s.cacheDir, n), "utf8")) as { clusterId: string }).clusterId);
    expect(hitClusters).not.toContain("alpha");
    expect(new Set(hitClusters)).toEqual(new Set(["beta", "gamma"]));

    // the role credentials kept still serve: alpha again needs no AssumeRole
    const callsBefore = assumeRoles();
    expectCredential(await s.run(token("alpha", "--role-arn", ADMIN_ROLE), { env }));
    expect(assumeRoles()).toBe(callsBefore);
  });

  it("clear removes every entry and leftover", async () => {
    const s = sandbox();
    const env = await populate(s);
    writeFileSync(join(s.cacheDir, ".4242-m0a1b2c3-7-abcdef12.tmp"), "x", { mode: 0o600 });
    // a lock left by a process that has ended (a live holder's lock stays: see test/usecases/cache.test.ts)
    writeFileSync(join(s.cacheDir, `${"b".repeat(64)}.lock`), `${spawnSync("true").pid} x`, { mode: 0o600 });
    const result = await s.run(["cache", "clear"], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/removed 6 cache entries/);
    expect(listDir(s.cacheDir)).toEqual([]);
    const list = await s.run(["cache", "list", "--output", "json"], { env });
    expect(JSON.parse(list.stdout)).toEqual([]);
    // and the next call assumes the role again
    const callsBefore = assumeRoles();
    expectCredential(await s.run(token("alpha", "--role-arn", ADMIN_ROLE), { env }));
    expect(assumeRoles()).toBe(callsBefore + 1);
  });
});
