// tokenCacheKey and roleCredentialsCacheKey over targets resolved exactly as the CLI resolves
// them: every input that selects another identity or another token gives another key, the same
// inputs give the same key, and no key carries a secret.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roleCredentialsCacheKey, tokenCacheKey } from "../../src/cache/cache-key.js";
import type { Env } from "../../src/env.js";
import { resolveTarget, type TargetOptions } from "../../src/aws/target.js";
import { ALICE, BOB, keyEnv } from "../support/cache-fixture.js";

let home: string;
let baseEnv: Env;
const ROLE = "arn:aws:iam::111122223333:role/eks-admin";
const SESSION_TOKEN_1 = "IQoJb3JpZ2luX2VjEKEYSESSION1+/abc==";
const SESSION_TOKEN_2 = "IQoJb3JpZ2luX2VjEKEYSESSION2+/def==";

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "eks-token-key-"));
  mkdirSync(join(home, ".aws"));
  writeFileSync(
    join(home, ".aws", "credentials"),
    `[default]\naws_access_key_id = ${ALICE.accessKeyId}\naws_secret_access_key = ${ALICE.secretAccessKey}\n` +
      `[p1]\naws_access_key_id = ${ALICE.accessKeyId}\naws_secret_access_key = ${ALICE.secretAccessKey}\n` +
      `[p2]\naws_access_key_id = ${BOB.accessKeyId}\naws_secret_access_key = ${BOB.secretAccessKey}\n`,
  );
  writeFileSync(
    join(home, ".aws", "config"),
    `[default]\nregion = us-west-2\n[profile p1]\nregion = us-west-2\n[profile p2]\nregion = us-west-2\n`,
  );
  baseEnv = {
    HOME: home,
    AWS_CONFIG_FILE: join(home, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
  };
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function keys(options: Partial<TargetOptions> = {}, env: Env = {}): Promise<{ token: string; role: string }> {
  const e = { ...baseEnv, ...env };
  const target = await resolveTarget({ clusterId: "alpha", region: "us-west-2", ...options }, e);
  return { token: tokenCacheKey(target, e), role: roleCredentialsCacheKey(target, e) };
}

describe("cache keys", () => {
  it("are 64 hex digits and the same for the same inputs", async () => {
    const a = await keys({}, keyEnv(ALICE));
    const b = await keys({}, keyEnv(ALICE));
    expect(a.token).toMatch(/^[0-9a-f]{64}$/);
    expect(a.role).toMatch(/^[0-9a-f]{64}$/);
    expect(a).toEqual(b);
    expect(a.token).not.toBe(a.role);
  });

  it("do not change with variables that pick nothing (PATH, KUBECONFIG, the SDK's warning switch)", async () => {
    const a = await keys({}, keyEnv(ALICE));
    const b = await keys(
      {},
      { ...keyEnv(ALICE), PATH: "/x", KUBECONFIG: "/k", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    );
    expect(b).toEqual(a);
  });

  it("differ for every input that selects another identity or another token", async () => {
    const variants: Record<string, Promise<{ token: string; role: string }>> = {
      base: keys({}, keyEnv(ALICE)),
      otherAccessKey: keys({}, keyEnv(BOB)),
      otherSecretSameKeyId: keys({}, keyEnv({ ...ALICE, secretAccessKey: "rotated/secret" })),
      sessionToken1: keys({}, keyEnv({ ...ALICE, sessionToken: SESSION_TOKEN_1 })),
      sessionToken2: keys({}, keyEnv({ ...ALICE, sessionToken: SESSION_TOKEN_2 })),
      profileFlagP1: keys({ profile: "p1" }),
      profileFlagP2: keys({ profile: "p2" }),
      defaultProfile: keys({}),
      role: keys({ roleArn: ROLE }, keyEnv(ALICE)),
      otherRole: keys({ roleArn: "arn:aws:iam::111122223333:role/readonly" }, keyEnv(ALICE)),
      roleSessionName: keys({ roleArn: ROLE, sessionName: "alice-laptop" }, keyEnv(ALICE)),
      roleExternalId1: keys({ roleArn: ROLE, externalId: "ext-1" }, keyEnv(ALICE)),
      roleExternalId2: keys({ roleArn: ROLE, externalId: "ext-2" }, keyEnv(ALICE)),
      forwardSessionName: keys({ roleArn: ROLE, forwardSessionName: true }, keyEnv(ALICE)),
      stsEndpoint: keys({ roleArn: ROLE }, { ...keyEnv(ALICE), AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1" }),
      webIdentity: keys({}, { AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/token" }),
      otherCredentialsFile: keys({}, { AWS_SHARED_CREDENTIALS_FILE: join(home, "elsewhere") }),
    };
    const resolved = Object.fromEntries(
      await Promise.all(Object.entries(variants).map(async ([k, v]) => [k, await v] as const)),
    );
    const tokenKeys = Object.values(resolved).map((k) => k.token);
    expect(new Set(tokenKeys).size).toBe(tokenKeys.length);
    const roleKeys = Object.values(resolved).map((k) => k.role);
    expect(new Set(roleKeys).size).toBe(roleKeys.length);
  });

  it("are the same for a profile named by --profile or by AWS_PROFILE: the same identity", async () => {
    const [flag, env, other] = await Promise.all([
      keys({ profile: "p2" }),
      keys({}, { AWS_PROFILE: "p2" }),
      keys({}, { AWS_PROFILE: "p1" }),
    ]);
    expect(env).toEqual(flag);
    expect(other.token).not.toBe(flag.token);
  });

  it("differ for every cluster, region and STS endpoint mode, while a role's credential key stays shared", async () => {
    const env = keyEnv(ALICE);
    const all = await Promise.all([
      keys({}, env),
      keys({ clusterId: "beta" }, env),
      keys({ region: "us-east-1" }, env),
      keys({ region: "eu-west-1" }, env),
      keys({ region: "aws-global" }, env),
      keys({}, { ...env, AWS_USE_FIPS_ENDPOINT: "true" }),
      keys({}, { ...env, AWS_STS_REGIONAL_ENDPOINTS: "legacy" }),
    ]);
    expect(new Set(all.map((k) => k.token)).size).toBe(all.length);
    const roles = await Promise.all([
      keys({ roleArn: ROLE }, env),
      keys({ roleArn: ROLE, clusterId: "beta" }, env),
      keys({ roleArn: ROLE, clusterId: "gamma", region: "eu-west-1" }, env),
    ]);
    expect(new Set(roles.map((k) => k.role)).size).toBe(1);
    expect(new Set(roles.map((k) => k.token)).size).toBe(3);
  });

  it("change when ~/.aws/credentials or ~/.aws/config is edited", async () => {
    const path = join(home, ".aws", "credentials");
    const configPath = join(home, ".aws", "config");
    const { readFileSync } = await import("node:fs");
    const original = readFileSync(path, "utf8");
    const originalConfig = readFileSync(configPath, "utf8");
    try {
      const before = await keys({ profile: "p1" });
      writeFileSync(path, original.replace(ALICE.secretAccessKey, "rotated/secret/value"));
      const afterCredentials = await keys({ profile: "p1" });
      writeFileSync(configPath, `${originalConfig}[profile p3]\nregion = eu-west-1\n`);
      const afterConfig = await keys({ profile: "p1" });
      expect(new Set([before.token, afterCredentials.token, afterConfig.token]).size).toBe(3);
      expect(new Set([before.role, afterCredentials.role, afterConfig.role]).size).toBe(3);
    } finally {
      writeFileSync(path, original);
      writeFileSync(configPath, originalConfig);
    }
  });

  it("never contain a secret", async () => {
    const secrets = [ALICE.secretAccessKey, SESSION_TOKEN_1, "ext-secret-id"];
    const k = await keys(
      { roleArn: ROLE, externalId: "ext-secret-id" },
      keyEnv({ ...ALICE, sessionToken: SESSION_TOKEN_1 }),
    );
    for (const key of [k.token, k.role]) for (const s of secrets) expect(key).not.toContain(s);
  });
});
