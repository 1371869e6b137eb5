// The token path's SSO account and role flags in the cache key: each of the session, start URL,
// SSO region, account and role selects another identity and so another entry; an identity
// without them keeps the key it had.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveTarget, type TargetOptions } from "../../src/aws/target.js";
import { tokenCacheKey } from "../../src/cache/cache-key.js";
import type { Env } from "../../src/env.js";

let home: string;
let env: Env;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "eks-token-key-sso-"));
  mkdirSync(join(home, ".aws"));
  writeFileSync(
    join(home, ".aws", "config"),
    [
      "[sso-session corp]",
      "sso_start_url = https://corp.awsapps.com/start",
      "sso_region = eu-west-1",
      "[sso-session other]",
      "sso_start_url = https://other.awsapps.com/start",
      "sso_region = eu-west-1",
      "",
    ].join("\n"),
  );
  env = { HOME: home, AWS_CONFIG_FILE: join(home, ".aws", "config"), AWS_SHARED_CREDENTIALS_FILE: join(home, "none") };
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

const SSO = { ssoSession: "corp", ssoAccountId: "111122223333", ssoRoleName: "ReadOnly" };

async function key(options: Partial<TargetOptions>): Promise<string> {
  const target = await resolveTarget({ clusterId: "alpha", region: "us-west-2", ...options }, env);
  return tokenCacheKey(target, env);
}

describe("cache key with an SSO account and role", () => {
  it("differs for every field that selects another identity, and is stable otherwise", async () => {
    const variants = {
      none: await key({}),
      base: await key(SSO),
      otherAccount: await key({ ...SSO, ssoAccountId: "111122224444" }),
      otherRole: await key({ ...SSO, ssoRoleName: "Admin" }),
      otherSession: await key({ ...SSO, ssoSession: "other" }),
      legacy: await key({
        ssoStartUrl: "https://corp.awsapps.com/start",
        ssoRegion: "eu-west-1",
        ssoAccountId: "111122223333",
        ssoRoleName: "ReadOnly",
      }),
      legacyOtherUrl: await key({
        ssoStartUrl: "https://evil.awsapps.com/start",
        ssoRegion: "eu-west-1",
        ssoAccountId: "111122223333",
        ssoRoleName: "ReadOnly",
      }),
    };
    expect(new Set(Object.values(variants)).size).toBe(Object.keys(variants).length);
    expect(await key(SSO)).toBe(variants.base);
  });

  it("leaves the key of an identity without SSO flags as it was (no new field in its material)", async () => {
    const target = await resolveTarget({ clusterId: "alpha", region: "us-west-2" }, env);
    expect(target.sso).toBeUndefined();
    expect(JSON.stringify(target)).not.toContain('"sso"');
  });
});
