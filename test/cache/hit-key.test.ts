// The hit key (src/cache/hit-key.ts): equal inputs give one key, and any input the target or
// the token key could depend on gives another. The coverage test runs the full path (the
// request resolved, both cache keys, the cache opened and read) with an environment that records
// every variable read, and checks that the hit key takes in each of them: a variable added to
// that path without the hit key knowing would let one hit entry answer two different targets.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { roleCredentialsCacheKey, tokenCacheKey } from "../../src/cache/cache-key.js";
import { hitCacheKey, inHitKey } from "../../src/cache/hit-key.js";
import { TokenCache } from "../../src/cache/token-cache.js";
import type { Env } from "../../src/env.js";
import { resolveTokenRequest, type TokenInput } from "../../src/usecases/token-request.js";
import { ALICE, keyEnv } from "../support/cache-fixture.js";

let root: string;
let env: Record<string, string>;

const INPUT: TokenInput = {
  clusterId: "alpha",
  output: "json",
  apiVersion: undefined,
  cache: true,
  cacheDir: undefined,
  debug: false,
  forwardSessionName: false,
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "eks-token-hitkey-"));
  mkdirSync(join(root, ".aws"));
  env = {
    HOME: root,
    AWS_CONFIG_FILE: join(root, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(root, ".aws", "credentials"),
    AWS_REGION: "us-west-2",
    PATH: "/usr/bin:/bin",
    ...keyEnv(ALICE),
  };
  writeFileSync(env["AWS_CONFIG_FILE"] as string, "[profile dev]\nregion = eu-west-1\n");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const key = (input: Partial<TokenInput> = {}, e: Env = env) => hitCacheKey({ ...INPUT, ...input }, e);

describe("the hit key", () => {
  it("is one key for equal inputs, whatever the order of the options", () => {
    const reversed = Object.fromEntries(Object.entries(INPUT).reverse());
    expect(hitCacheKey(reversed, env)).toBe(key());
    expect(key()).toMatch(/^[0-9a-f]{64}$/);
  });

  it("changes with every option that selects the token", () => {
    const changes: Partial<TokenInput>[] = [
      { clusterId: "beta" },
      { region: "eu-west-1" },
      { profile: "dev" },
      { roleArn: "arn:aws:iam::111122223333:role/admin" },
      { sessionName: "me" },
      { externalId: "x" },
      { forwardSessionName: true },
      { ssoSession: "corp", ssoAccountId: "111122223333", ssoRoleName: "Admin" },
      { ssoStartUrl: "https://example.awsapps.com/start", ssoRegion: "us-east-1" },
      { cacheDir: join(root, "elsewhere") },
      { cache: false },
      { debug: true },
      { ssoLogin: "never" },
    ];
    const keys = changes.map((c) => key(c));
    expect(new Set([key(), ...keys]).size).toBe(changes.length + 1);
  });

  it("is the same for every way of printing the token: one hit entry serves them all", () => {
    expect(key({ output: "token" })).toBe(key());
    expect(key({ apiVersion: "client.authentication.k8s.io/v1" })).toBe(key());
  });

  it("changes with every AWS_ variable, the home directory and the cache directory's variable", () => {
    const before = key();
    for (const [name, value] of [
      ["AWS_PROFILE", "dev"],
      ["AWS_DEFAULT_REGION", "eu-west-1"],
      ["AWS_STS_REGIONAL_ENDPOINTS", "legacy"],
      ["AWS_USE_FIPS_ENDPOINT", "true"],
      ["AWS_ENDPOINT_URL_STS", "https://sts.example.test"],
      ["AWS_SESSION_TOKEN", "session"],
      ["AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/web"],
      ["AWS_SOMETHING_NEW", "1"],
      ["HOME", join(root, "other")],
      ["USERPROFILE", join(root, "other")],
      ["EKS_TOKEN_CACHE_DIR", join(root, "c")],
    ] as const) {
      expect(key({}, { ...env, [name]: value }), name).not.toBe(before);
    }
    expect(key({}, { ...env, AWS_SECRET_ACCESS_KEY: "another" })).not.toBe(before);
    expect(key({}, { ...env, AWS_REGION: undefined })).not.toBe(before);
  });

  it("does not change with variables that cannot change the target", () => {
    const before = key();
    for (const [name, value] of [
      ["PATH", "/bin"],
      ["KUBERNETES_EXEC_INFO", '{"apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":true}}'],
      ["TERM", "xterm"],
      // Set by eks-token itself before the SDK loads: a key taken before and after agree.
      ["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED", "true"],
    ] as const) {
      expect(key({}, { ...env, [name]: value }), name).toBe(before);
    }
  });

  it("changes with any change to either AWS file: an edit of the same size, a touch, a new file, a link retargeted", () => {
    const config = env["AWS_CONFIG_FILE"] as string;
    const credentials = env["AWS_SHARED_CREDENTIALS_FILE"] as string;
    const seen = new Set([key()]);
    const expectNew = (what: string) => {
      const k = key();
      expect(seen.has(k), what).toBe(false);
      seen.add(k);
    };
    writeFileSync(config, "[profile dev]\nregion = eu-west-2\n");
    expectNew("same size, new content");
    const t = new Date(T_PAST);
    utimesSync(config, t, t);
    expectNew("mtime set back (ctime moves)");
    writeFileSync(credentials, "[default]\n");
    expectNew("the credentials file created");
    const other = join(root, "other-config");
    writeFileSync(other, "[profile dev]\nregion = eu-west-2\n");
    unlinkSync(config);
    expectNew("the config file removed");
    symlinkSync(other, config);
    expectNew("a link there");
    const third = join(root, "third-config");
    writeFileSync(third, "[profile dev]\nregion = eu-west-2\n");
    unlinkSync(config);
    symlinkSync(third, config);
    expectNew("the link retargeted to a file of the same content");
  });

  it("takes in every variable the full path reads to resolve the target, key the cache and read it", async () => {
    writeFileSync(
      env["AWS_CONFIG_FILE"] as string,
      [
        "[profile dev]",
        "region = eu-west-1",
        "sts_regional_endpoints = regional",
        "[profile role]",
        "role_arn = arn:aws:iam::111122223333:role/admin",
        "source_profile = dev",
        "[profile sso]",
        "sso_session = corp",
        "sso_account_id = 111122223333",
        "sso_role_name = Admin",
        "[sso-session corp]",
        "sso_start_url = https://example.awsapps.com/start",
        "sso_region = us-east-1",
        "",
      ].join("\n"),
    );
    const inputs: Partial<TokenInput>[] = [
      {},
      { profile: "dev" },
      { profile: "role" },
      { profile: "sso" },
      { roleArn: "arn:aws:iam::111122223333:role/admin", sessionName: "session-1", externalId: "external-1" },
      { ssoSession: "corp", ssoAccountId: "111122223333", ssoRoleName: "Admin" },
      { cacheDir: "~/cache" },
    ];
    const read = new Set<string>();
    for (const input of inputs) {
      const recording = new Proxy(env as Env, {
        get(target, name) {
          if (typeof name === "string") read.add(name);
          return Reflect.get(target, name);
        },
        has(target, name) {
          if (typeof name === "string") read.add(name);
          return Reflect.has(target, name);
        },
      });
      const request = await resolveTokenRequest({ ...INPUT, ...input }, recording);
      tokenCacheKey(request.target, recording);
      roleCredentialsCacheKey(request.target, recording);
      const cache = TokenCache.open({
        dir: request.cacheDir as string,
        env: recording,
        now: () => T_PAST,
        warn: () => undefined,
        debug: () => undefined,
      });
      cache?.readToken(request.target);
    }
    // The hit path reads KUBERNETES_EXEC_INFO itself (the apiVersion and its warnings).
    const outside = [...read].filter((name) => !inHitKey(name) && name !== "KUBERNETES_EXEC_INFO");
    expect(outside).toEqual([]);
    // The recording saw the path's reads (so the check above can fail).
    expect(read).toContain("AWS_PROFILE");
    expect(read).toContain("EKS_TOKEN_CACHE_DIR");
    expect(read).toContain("AWS_SECRET_ACCESS_KEY");
  });
});

const T_PAST = Date.UTC(2020, 0, 1);
