// The SSO session line doctor shows (src/usecases/login/session-report.ts), from real files in a
// temporary HOME: valid until when, refreshable or not, legacy, and when a sign-in is needed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveTarget } from "../../../src/aws/target.js";
import { ssoSessionReport } from "../../../src/usecases/login/session-report.js";
import { ssoCacheFileName } from "../../support/sso-emulator.js";

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const MIN = 60_000;
const START = "https://corp.awsapps.com/start";
let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "eks-token-sso-report-"));
  mkdirSync(join(home, ".aws", "sso", "cache"), { recursive: true });
  writeFileSync(
    join(home, ".aws", "config"),
    "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n\n" +
      `[sso-session corp]\nsso_start_url = ${START}\nsso_region = eu-central-1\n\n` +
      `[profile old]\nsso_start_url = ${START}\nsso_region = eu-central-1\nsso_account_id = 111122223333\nsso_role_name = Dev\n\n` +
      "[profile keys]\naws_access_key_id = AKIAEXAMPLEKEY000001\naws_secret_access_key = x\n",
  );
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
function token(name: string, leftMs: number, refresh: boolean): void {
  writeFileSync(
    join(home, ".aws", "sso", "cache", ssoCacheFileName(name)),
    JSON.stringify({
      startUrl: START,
      region: "eu-central-1",
      accessToken: "aoaSecretAccessToken",
      expiresAt: iso(NOW + leftMs),
      ...(refresh
        ? { clientId: "c", clientSecret: "s", registrationExpiresAt: iso(NOW + 86_400_000), refreshToken: "r" }
        : {}),
    }),
  );
}
async function report(profile: string) {
  const env = { HOME: home };
  return ssoSessionReport(await resolveTarget({ clusterId: "c", region: "us-west-2", profile }, env), env, NOW);
}

describe("ssoSessionReport", () => {
  it("a valid, refreshable session", async () => {
    token("corp", 60 * MIN, true);
    expect(await report("dev")).toEqual({
      text: 'SSO session "corp" valid until 2026-12-06T13:00:00Z, refreshable',
      signInNeeded: false,
    });
  });
  it("expired but refreshable: no sign-in needed", async () => {
    token("corp", -MIN, true);
    expect(await report("dev")).toEqual({
      text: 'SSO session "corp" expired at 2026-12-06T11:59:00Z, refreshable',
      signInNeeded: false,
    });
  });
  it("expired and not refreshable: a sign-in", async () => {
    token("corp", -MIN, false);
    expect(await report("dev")).toMatchObject({ text: /expired at .*, not refreshable$/, signInNeeded: true });
  });
  it("not signed in", async () => {
    expect(await report("dev")).toEqual({
      text: 'SSO session "corp": not signed in (no cached token)',
      signInNeeded: true,
    });
  });
  it("a torn file", async () => {
    writeFileSync(join(home, ".aws", "sso", "cache", ssoCacheFileName("corp")), '{"accessToken":');
    expect(await report("dev")).toEqual({
      text: 'SSO session "corp": its cached token cannot be used (it is not JSON)',
      signInNeeded: true,
    });
  });
  it("a legacy profile says so, and is never refreshable", async () => {
    token(START, 30 * MIN, true);
    expect(await report("old")).toEqual({
      text: 'legacy SSO profile "old" (sso_start_url, no sso-session; never refreshed) valid until 2026-12-06T12:30:00Z',
      signInNeeded: false,
    });
  });
  it("an account and role named by --sso-session, without a profile: that session's state", async () => {
    token("corp", -MIN, false);
    const env = { HOME: home };
    const target = await resolveTarget(
      { clusterId: "c", region: "us-west-2", ssoSession: "corp", ssoAccountId: "111122223333", ssoRoleName: "Dev" },
      env,
    );
    expect(ssoSessionReport(target, env, NOW)).toMatchObject({
      text: /^SSO session "corp" expired at .*, not refreshable$/,
      signInNeeded: true,
    });
  });
  it("the legacy --sso-start-url form: the start URL's token file", async () => {
    token(START, 30 * MIN, true);
    const env = { HOME: home };
    const target = await resolveTarget(
      {
        clusterId: "c",
        region: "us-west-2",
        ssoStartUrl: START,
        ssoRegion: "eu-central-1",
        ssoAccountId: "111122223333",
        ssoRoleName: "Dev",
      },
      env,
    );
    expect(ssoSessionReport(target, env, NOW)).toEqual({
      text: `legacy SSO start URL "${START}" (no sso-session; never refreshed) valid until 2026-12-06T12:30:00Z`,
      signInNeeded: false,
    });
  });
  it("no SSO: no report, and the token never appears", async () => {
    expect(await report("keys")).toBeUndefined();
    token("corp", 60 * MIN, true);
    expect(JSON.stringify(await report("dev"))).not.toContain("aoaSecretAccessToken");
  });
});
