// Differential property test: for generated config and credentials files, the SSO sign-in that
// resolveSsoConfig finds for a profile (which token file, which sso_region) is the one the AWS SDK
// for JavaScript's credential chain for that profile uses (fromIni: role chains, the order of
// credential kinds, sso-session and legacy profiles).
//
// The SDK runs in this process with its portal call caught by a request handler: the call's host
// names the region, its bearer token names the token file (every candidate file is written, each
// with its own token). Role assumptions are answered by a stub. When the SDK reaches the portal,
// resolveSsoConfig must name the same file and region; when it does not, resolveSsoConfig must
// find no sign-in, throw, or find one for a profile the SDK refused for lacking sso_account_id or
// sso_role_name (which a sign-in does not need).
//
// A fixed seed and FAST_CHECK_RUNS runs (150 by default); FAST_CHECK_SEED=N tries other files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fromIni } from "@aws-sdk/credential-provider-ini";
import { HttpResponse, type HttpRequest } from "@smithy/protocol-http";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { readSharedConfig } from "../../src/aws/shared-config.js";
import { resolveSsoConfig } from "../../src/aws/sso-config.js";
import { ssoCacheKey } from "../../src/aws/sso-token-file.js";

const RUNS = Number(process.env["FAST_CHECK_RUNS"] ?? "") || 150;
const SEED = Number(process.env["FAST_CHECK_SEED"] ?? "") || 20_261_206;

const dir = mkdtempSync(join(tmpdir(), "eks-token-sso-diff-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROFILES = ["p0", "p1", "p2", "p3"];
const SESSIONS = ["s0", "s1"];
const URLS = ["https://a.awsapps.com/start", "https://b.awsapps.com/start/"];
const REGIONS = ["us-east-1", "eu-west-1", "cn-north-1"];

/** The setting in `present` of 10 profiles (or sessions), else absent. */
const maybe = <T>(arb: fc.Arbitrary<T>, present = 5) =>
  fc.oneof({ arbitrary: arb, weight: present }, { arbitrary: fc.constant(undefined), weight: 10 - present });

const profileBody = fc.record({
  role_arn: maybe(fc.constant("arn:aws:iam::111122223333:role/r"), 4),
  source_profile: maybe(fc.constantFrom(...PROFILES, "missing"), 4),
  credential_source: maybe(fc.constant("Environment"), 1),
  aws_access_key_id: maybe(fc.constant("AKIAEXAMPLEEXAMPLE01"), 4),
  aws_secret_access_key: maybe(fc.constant("secret"), 4),
  sso_session: maybe(fc.constantFrom(...SESSIONS, "nowhere", ""), 5),
  sso_start_url: maybe(fc.constantFrom(...URLS), 5),
  sso_region: maybe(fc.constantFrom(...REGIONS), 5),
  sso_account_id: maybe(fc.constant("111122223333"), 9),
  sso_role_name: maybe(fc.constant("Admin"), 9),
  credential_process: maybe(fc.constant("/nonexistent/credential-process"), 1),
  login_session: maybe(fc.constant("arn:aws:iam::111122223333:user/me"), 1),
});
const sessionBody = fc.record({
  sso_start_url: maybe(fc.constantFrom(...URLS), 9),
  sso_region: maybe(fc.constantFrom(...REGIONS), 9),
  sso_registration_scopes: maybe(fc.constant("sso:account:access"), 3),
});
const world = fc.record({
  profiles: fc.tuple(...PROFILES.map(() => profileBody)),
  inCredentials: fc.tuple(...PROFILES.map(() => fc.boolean())),
  sessions: fc.tuple(...SESSIONS.map(() => sessionBody)),
});

type Body = Record<string, string | undefined>;

function section(header: string, body: Body): string {
  const lines = Object.entries(body)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} = ${v}`);
  return lines.length > 0 ? `[${header}]\n${lines.join("\n")}\n` : "";
}

const CREDENTIAL_KEYS = new Set(["aws_access_key_id", "aws_secret_access_key"]);

type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

function writeWorld(w: World): { configPath: string; credentialsPath: string; home: string } {
  const home = join(dir, "home");
  rmSync(home, { recursive: true, force: true });
  mkdirSync(join(home, ".aws", "sso", "cache"), { recursive: true });
  let config = "";
  let credentials = "";
  PROFILES.forEach((name, i) => {
    const body = w.profiles[i] as Body;
    if (w.inCredentials[i]) {
      // The keys in the credentials file, the rest in the config file.
      credentials += section(name, Object.fromEntries(Object.entries(body).filter(([k]) => CREDENTIAL_KEYS.has(k))));
      config += section(
        `profile ${name}`,
        Object.fromEntries(Object.entries(body).filter(([k]) => !CREDENTIAL_KEYS.has(k))),
      );
    } else {
      config += section(`profile ${name}`, body);
    }
  });
  SESSIONS.forEach((name, i) => {
    config += section(`sso-session ${name}`, w.sessions[i] as Body);
  });
  const configPath = join(home, ".aws", "config");
  const credentialsPath = join(home, ".aws", "credentials");
  writeFileSync(configPath, config);
  writeFileSync(credentialsPath, credentials);
  // A valid token in every file a profile could name, each its own.
  const expiresAt = new Date(Date.now() + 3600_000).toISOString();
  for (const key of [...SESSIONS, "nowhere", ...URLS]) {
    writeFileSync(
      join(home, ".aws", "sso", "cache", `${ssoCacheKey(key)}.json`),
      JSON.stringify({ accessToken: `token:${key}`, expiresAt, region: "us-east-1", startUrl: URLS[0] }),
    );
  }
  return { configPath, credentialsPath, home };
}

type SdkOutcome =
  | { readonly portal: { key: string; region: string } }
  | { readonly error: string }
  | { readonly ok: true };

async function sdkOutcome(
  profile: string,
  files: { configPath: string; credentialsPath: string },
): Promise<SdkOutcome> {
  let portal: { key: string; region: string } | undefined;
  const requestHandler = {
    handle: async (request: HttpRequest) => {
      const bearer = String(request.headers["x-amz-sso_bearer_token"] ?? "");
      const region = /^portal\.sso\.([^.]+)\./.exec(request.hostname)?.[1] ?? request.hostname;
      portal = { key: bearer.replace(/^token:/, ""), region };
      const body = JSON.stringify({
        roleCredentials: {
          accessKeyId: "AKIAPORTAL",
          secretAccessKey: "s",
          sessionToken: "t",
          expiration: Date.now() + 3600_000,
        },
      });
      return {
        response: new HttpResponse({
          statusCode: 200,
          headers: { "content-type": "application/json" },
          body: Readable.from([Buffer.from(body)]),
        }),
      };
    },
    updateHttpClientConfig: () => {},
    httpHandlerConfigs: () => ({}),
  };
  try {
    await fromIni({
      profile,
      filepath: files.credentialsPath,
      configFilepath: files.configPath,
      ignoreCache: true,
      roleAssumer: async (source) => ({ ...source, expiration: new Date(Date.now() + 3600_000) }),
      roleAssumerWithWebIdentity: async () => ({ accessKeyId: "AKIAWEB", secretAccessKey: "s" }),
      clientConfig: { requestHandler },
    })();
  } catch (e) {
    return portal ? { portal } : { error: (e as Error).message };
  }
  return portal ? { portal } : { ok: true };
}

function newSeen() {
  return { portal: 0, refused: 0, regions: new Set<string>(), keys: new Set<string>() };
}

/** Every profile of the files, both ways; `seen` counts what happened. */
async function compareAll(
  files: { configPath: string; credentialsPath: string; home: string },
  seen: ReturnType<typeof newSeen>,
): Promise<void> {
  process.env["HOME"] = files.home;
  delete process.env["AWS_PROFILE"];
  const shared = readSharedConfig(
    { HOME: files.home, AWS_CONFIG_FILE: files.configPath, AWS_SHARED_CREDENTIALS_FILE: files.credentialsPath },
    undefined,
  );
  for (const profile of [...PROFILES, "missing"]) {
    const sdk = await sdkOutcome(profile, files);
    let ours: ReturnType<typeof resolveSsoConfig> | { kind: "error"; message: string };
    try {
      ours = resolveSsoConfig(shared, { profile });
    } catch (e) {
      ours = { kind: "error", message: (e as Error).message };
    }
    const label = `${profile}: ours ${JSON.stringify(ours)} sdk ${JSON.stringify(sdk)}`;
    if ("portal" in sdk) {
      seen.portal++;
      seen.regions.add(sdk.portal.region);
      seen.keys.add(sdk.portal.key);
      expect(ours.kind === "sso-session" || ours.kind === "legacy", label).toBe(true);
      if (ours.kind === "sso-session" || ours.kind === "legacy")
        expect({ key: ours.cacheKey, region: ours.region }, label).toEqual(sdk.portal);
    } else if (ours.kind === "sso-session" || ours.kind === "legacy") {
      seen.refused++;
      // The SDK refused the profile for what only role credentials need.
      expect("error" in sdk && sdk.error, label).toMatch(/Required parameters "sso_account_id"|sso_account_id/);
    }
  }
}

describe("SSO settings as the SDK's credential chain finds them", () => {
  it(`generated files lead to the same token file and region (${RUNS} runs, seed ${SEED})`, async () => {
    const saved = { HOME: process.env["HOME"], AWS_PROFILE: process.env["AWS_PROFILE"] };
    const seen = newSeen();
    try {
      await fc.assert(
        fc.asyncProperty(world, async (w) => {
          const files = writeWorld(w);
          await compareAll(files, seen);
        }),
        { numRuns: RUNS, seed: SEED },
      );
      // The files reached every kind of outcome: sign-ins through sessions and start URLs, in every region.
      expect(seen.portal).toBeGreaterThan(RUNS / 10);
      expect(seen.refused).toBeGreaterThan(0);
      expect([...seen.regions].sort()).toEqual([...REGIONS].sort());
      expect([...seen.keys].sort()).toEqual([...SESSIONS, ...URLS].sort());
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }, 120_000);

  const none = {} as Body;
  const sso = (extra: Body = {}): Body => ({ sso_session: "s0", sso_account_id: "1", sso_role_name: "r", ...extra });
  const role = (source: string, extra: Body = {}): Body => ({
    role_arn: "arn:aws:iam::1:role/r",
    source_profile: source,
    ...extra,
  });
  const session = { sso_start_url: URLS[0], sso_region: "eu-west-1", sso_registration_scopes: undefined };
  // Profiles p0..p3, and how many of them reach the portal; both readers must agree on each.
  const cases: Array<[string, Body[], number]> = [
    ["a role chain ends at the session profile", [role("p1"), role("p2"), sso(), none], 3],
    [
      "a source profile with keys ends the chain, role_arn or not",
      [role("p1"), role("p2", { aws_access_key_id: "A", aws_secret_access_key: "s" }), sso(), none],
      2,
    ],
    [
      "keys on the first profile do not stop its role",
      [role("p1", { aws_access_key_id: "A", aws_secret_access_key: "s" }), sso(), none, none],
      2,
    ],
    [
      "credential_process comes before SSO settings",
      [{ ...sso(), credential_process: "/nonexistent" }, none, none, none],
      0,
    ],
    [
      "SSO settings come before login_session",
      [{ ...sso(), login_session: "arn:aws:iam::1:user/u" }, none, none, none],
      1,
    ],
    [
      "a legacy profile keys by its start URL",
      [{ sso_start_url: URLS[1], sso_region: "cn-north-1", sso_account_id: "1", sso_role_name: "r" }, none, none, none],
      1,
    ],
    [
      "the session's region wins over the profile's",
      [sso({ sso_region: "us-east-1", sso_start_url: URLS[1] }), none, none, none],
      1,
    ],
    [
      "a source profile with credential_source and no role_arn",
      [role("p1"), { ...sso(), credential_source: "Environment" }, none, none],
      1,
    ],
  ];
  it.each(cases)("%s", async (_name, profiles, portalHits) => {
    const saved = process.env["HOME"];
    try {
      const files = writeWorld({
        profiles: profiles as World["profiles"],
        inCredentials: [false, false, false, false],
        sessions: [session, session] as World["sessions"],
      });
      const seen = newSeen();
      await compareAll(files, seen);
      expect(seen.portal).toBe(portalHits);
    } finally {
      if (saved === undefined) delete process.env["HOME"];
      else process.env["HOME"] = saved;
    }
  });
});
