// resolveCredentials in-process, with the SDK's own providers against the STS emulator: the
// network deadline stops while a person types an MFA code, and credentials with less than a
// minute left are refused, naming their source.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resolveCredentials, type CredentialDeps } from "../../src/aws/credentials.js";
import { resolveTarget } from "../../src/aws/target.js";
import { isEksTokenError } from "../../src/errors.js";
import { ACCOUNT, ALICE, REGION } from "../support/cache-fixture.js";
import { startStsEmulator, type StsEmulator } from "../support/sts-emulator.js";

const MFA_ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-mfa`;
const MFA = { serial: `arn:aws:iam::${ACCOUNT}:mfa/alice`, code: "271828" };
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

let sts: StsEmulator;
let home: string;
const saved = { ...process.env };

beforeAll(async () => {
  sts = await startStsEmulator();
  const alice = sts.addUser({ name: "alice", accountId: ACCOUNT, ...ALICE, mfaDevices: [MFA] });
  sts.addRole({ arn: MFA_ROLE, trust: [alice.arn], requireMfa: true });
  home = mkdtempSync(join(tmpdir(), "eks-token-creds-"));
  mkdirSync(join(home, ".aws"));
  writeFileSync(
    join(home, ".aws", "credentials"),
    `[base]\naws_access_key_id = ${ALICE.accessKeyId}\naws_secret_access_key = ${ALICE.secretAccessKey}\n`,
  );
  writeFileSync(
    join(home, ".aws", "config"),
    `[profile mfa]\nrole_arn = ${MFA_ROLE}\nsource_profile = base\nmfa_serial = ${MFA.serial}\nregion = ${REGION}\n`,
  );
  // The SDK's providers read the process's environment (each test file runs in its own process).
  for (const k of Object.keys(process.env)) if (k.startsWith("AWS_")) delete process.env[k];
  Object.assign(process.env, {
    HOME: home,
    AWS_CONFIG_FILE: join(home, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_EC2_METADATA_DISABLED: "true",
  });
});
afterAll(async () => {
  process.env = saved;
  await sts?.close();
  rmSync(home, { recursive: true, force: true });
});
afterEach(() => sts.clearFaults());

async function resolveMfa(deps: Partial<CredentialDeps>) {
  const env = { ...process.env };
  const target = await resolveTarget({ clusterId: "alpha", profile: "mfa" }, env);
  return resolveCredentials(target, {
    env,
    logger: quiet,
    now: Date.now,
    mfaCodeProvider: async () => MFA.code,
    ...deps,
  });
}

const later = (ms: number, code: string) => new Promise<string>((r) => setTimeout(() => r(code), ms));

describe("the MFA prompt and the network deadline", () => {
  it("a code typed after the network deadline would have passed still gets through", async () => {
    let asked = 0;
    const credentials = await resolveMfa({
      timeoutMs: 400,
      mfaCodeProvider: (serial) => {
        asked += 1;
        expect(serial).toBe(MFA.serial);
        return later(1_200, MFA.code);
      },
    });
    expect(asked).toBe(1);
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    const call = sts.requests.find((r) => r.action === "AssumeRole" && r.params["TokenCode"] === MFA.code);
    expect(call?.status).toBe(200);
  });

  it("the network keeps its bound after the code: a hung STS still times out, blaming an endpoint", async () => {
    sts.setFault({ action: "AssumeRole", kind: "hang" });
    const error = await resolveMfa({ timeoutMs: 400, mfaCodeProvider: () => later(600, MFA.code) }).catch(
      (e: unknown) => e,
    );
    expect(isEksTokenError(error) && error.code).toBe("timeout");
    expect(isEksTokenError(error) && error.message).toBe("getting AWS credentials took longer than 0.4 s");
  });

  it("a prompt that fails says so, not that an endpoint timed out", async () => {
    const error = await resolveMfa({
      timeoutMs: 400,
      mfaCodeProvider: async () => {
        await later(600, "");
        throw new (await import("../../src/errors.js")).EksTokenError("mfa", "no MFA code entered within 0.6 s");
      },
    }).catch((e: unknown) => e);
    expect(isEksTokenError(error) && error.reportLine).toBe("no MFA code entered within 0.6 s");
  });
});

describe("credentials about to expire", () => {
  const given = (left: number | undefined) => ({
    accessKeyId: "ASIAGIVEN00000000001",
    secretAccessKey: "given/secret",
    sessionToken: "IQoJGIVEN+/==",
    ...(left === undefined ? {} : { expiration: new Date(NOW + left) }),
  });
  const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
  const run = async (left: number | undefined) => {
    const env = { HOME: home, AWS_REGION: REGION };
    const target = await resolveTarget({ clusterId: "alpha" }, env);
    return resolveCredentials(target, {
      env,
      logger: quiet,
      now: () => NOW,
      mfaCodeProvider: async () => "",
      credentials: given(left),
    });
  };

  it.each([
    [undefined, "ok"],
    [3_600_000, "ok"],
    [60_000, "ok"],
    [59_999, "expire at 2025-06-01T12:00:59Z, less than a minute from now"],
    [0, "expired at 2025-06-01T12:00:00Z"],
    [-86_400_000, "expired at 2025-05-31T12:00:00Z"],
  ])("%s ms left: %s", async (left, outcome) => {
    const result = await run(left).then(
      () => "ok",
      (e: unknown) => (isEksTokenError(e) ? e.message : String(e)),
    );
    expect(result).toBe(outcome === "ok" ? "ok" : `the credentials from the caller ${outcome}`);
  });
});
