// The library (src/index.ts): every error is an EksTokenError with a code (options of the wrong
// type, a signing date SigV4 cannot carry, a provider's malformed result), the `env` option is
// what the credential chain reads (files, profile, STS endpoint, container endpoint), and on
// Node < 22 the AWS SDK's version warning never reaches the calling program's stderr.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isEksTokenError } from "../src/errors.js";
import { createToken, getExecCredential } from "../src/index.js";
import { ACCOUNT, ALICE, REGION, ensureBuilt, tokenAccessKey, startStsWithRole } from "./support/cache-fixture.js";
import { runChild } from "./support/child.js";
import { ROOT } from "./support/cli.js";
import { startContainerCredentialsEmulator } from "./support/container-credentials-emulator.js";
import type { StsEmulator } from "./support/sts-emulator.js";

const ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-library`;
let sts: StsEmulator;
let home: string;

beforeAll(async () => {
  sts = await startStsWithRole(ROLE);
  home = mkdtempSync(join(tmpdir(), "eks-token-library-"));
  // The process's own environment names nothing: only the `env` option may point anywhere.
  for (const k of Object.keys(process.env)) if (k.startsWith("AWS_")) delete process.env[k];
  process.env.HOME = join(home, "not-this-home");
  process.env.AWS_EC2_METADATA_DISABLED = "true";
});
afterAll(async () => {
  await sts?.close();
  rmSync(home, { recursive: true, force: true });
});

async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(isEksTokenError(e), String(e)).toBe(true);
  return e as { code: string; message: string };
}

const base = { clusterId: "alpha", region: REGION };
const quietEnv = () => ({ HOME: home, AWS_EC2_METADATA_DISABLED: "true" });

describe("options of the wrong type or out of range", () => {
  const cases: [string, unknown, string, RegExp][] = [
    ["no options", undefined, "usage", /createToken needs an options object, not a undefined/],
    ["clusterId a number", { clusterId: 5 }, "usage", /createToken needs options\.clusterId/],
    ["region a number", { ...base, region: 5 }, "usage", /^option region must be a string, not a number$/],
    ["env a string", { ...base, env: "x" }, "usage", /^option env must be an object of strings, not a string$/],
    ["env holding a number", { ...base, env: { AWS_REGION: 1 } }, "usage", /^option env\.AWS_REGION must be a string/],
    ["credentials a string", { ...base, credentials: "AKIA" }, "usage", /^option credentials must be credentials/],
    ["logger without methods", { ...base, logger: {} }, "usage", /^option logger\.debug must be a function/],
    ["signingDate a string", { ...base, signingDate: "2026-01-01" }, "usage", /^option signingDate must be a Date/],
    ["signingDate invalid", { ...base, signingDate: new Date("nope") }, "invalid-input", /is an invalid Date/],
    [
      "signingDate before 1970",
      { ...base, signingDate: new Date(-1) },
      "invalid-input",
      /outside the years 1970 to 9999/,
    ],
    [
      "signingDate after 9999",
      { ...base, signingDate: new Date(Date.UTC(10000, 0, 1)) },
      "invalid-input",
      /outside the years 1970 to 9999/,
    ],
    ["mfaCodeProvider a string", { ...base, mfaCodeProvider: "123456" }, "usage", /must be a function/],
  ];
  it.each(cases)("%s: an EksTokenError with a code", async (_, options, code, message) => {
    const e = await errorOf(createToken(options as never));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    const e2 = await errorOf(getExecCredential(options as never));
    expect(e2.code).toBe(code);
  });
});

describe("a provider's malformed result", () => {
  const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  const cases: [string, unknown, RegExp][] = [
    ["null", null, /malformed: not an object but null/],
    ["a number for accessKeyId", { accessKeyId: 5, secretAccessKey: SECRET }, /accessKeyId must be a non-empty string/],
    ["no secret key", { accessKeyId: "AKIAEXAMPLE" }, /secretAccessKey must be a non-empty string/],
    [
      "an expiration that is not a Date",
      { accessKeyId: "AKIAEXAMPLE", secretAccessKey: SECRET, expiration: "tomorrow" },
      /expiration must be a valid Date/,
    ],
  ];
  it.each(cases)("%s: a no-credentials error naming the field, not the value", async (_, value, message) => {
    const e = await errorOf(createToken({ ...base, env: quietEnv(), credentials: async () => value as never }));
    expect(e.code).toBe("no-credentials");
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain(SECRET);
  });

  it("a provider that throws: an EksTokenError, its message redacted", async () => {
    const e = await errorOf(
      createToken({
        ...base,
        env: quietEnv(),
        credentials: async () => {
          throw new Error(`vault said aws_secret_access_key=${SECRET}`);
        },
      }),
    );
    expect(e.message).not.toContain(SECRET);
  });
});

describe("the env option is what the credential chain reads", () => {
  it("a role profile in the files env names, AssumeRole at env's STS endpoint", async () => {
    const config = join(home, "config");
    const credentials = join(home, "credentials");
    writeFileSync(
      credentials,
      `[base]\naws_access_key_id = ${ALICE.accessKeyId}\naws_secret_access_key = ${ALICE.secretAccessKey}\n`,
    );
    writeFileSync(config, `[profile lib]\nrole_arn = ${ROLE}\nsource_profile = base\nregion = ${REGION}\n`);
    sts.resetCalls();
    const result = await createToken({
      clusterId: "alpha",
      env: {
        HOME: home,
        AWS_PROFILE: "lib",
        AWS_CONFIG_FILE: config,
        AWS_SHARED_CREDENTIALS_FILE: credentials,
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_EC2_METADATA_DISABLED: "true",
      },
    });
    expect(sts.calls["AssumeRole"]).toBe(1);
    expect(tokenAccessKey(result.token)).toBe(sts.sessions.at(-1)?.accessKeyId);
  });

  it("roleArn: AssumeRole at env's STS endpoint, not the real one", async () => {
    sts.resetCalls();
    const result = await createToken({
      ...base,
      roleArn: ROLE,
      env: {
        ...quietEnv(),
        AWS_ACCESS_KEY_ID: ALICE.accessKeyId,
        AWS_SECRET_ACCESS_KEY: ALICE.secretAccessKey,
        AWS_ENDPOINT_URL_STS: sts.url,
      },
    });
    expect(sts.calls["AssumeRole"]).toBe(1);
    expect(tokenAccessKey(result.token)).toBe(sts.sessions.at(-1)?.accessKeyId);
  });

  it("container credentials env names", async () => {
    const container = await startContainerCredentialsEmulator({
      authorizationToken: "lib-token",
      credentials: {
        accessKeyId: "ASIALIBRARYCONTAINER",
        secretAccessKey: "container/secret/00000000000000000000000",
        sessionToken: "container-session",
        expiration: new Date(Date.now() + 3_600_000),
      },
    });
    try {
      const result = await createToken({
        ...base,
        env: {
          ...quietEnv(),
          AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url,
          AWS_CONTAINER_AUTHORIZATION_TOKEN: "lib-token",
        },
      });
      expect(tokenAccessKey(result.token)).toBe("ASIALIBRARYCONTAINER");
      expect(container.requests).toHaveLength(1);
    } finally {
      await container.close();
    }
  });
});

describe("the AWS SDK's Node-version warning", () => {
  it(`never reaches the calling program's stderr, and the caller's environment is left as it was (node ${process.version})`, async () => {
    await ensureBuilt();
    const script = `
      const { createToken } = require(${JSON.stringify(join(ROOT, "dist", "index.cjs"))});
      createToken(JSON.parse(process.argv[1])).then((r) => {
        process.stdout.write(JSON.stringify({
          ok: r.token.startsWith("k8s-aws-v1."),
          switch: process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? null,
        }));
      }, (e) => { process.stdout.write(String(e)); process.exitCode = 1; });`;
    const options = {
      ...base,
      roleArn: ROLE,
      env: {
        ...quietEnv(),
        AWS_ACCESS_KEY_ID: ALICE.accessKeyId,
        AWS_SECRET_ACCESS_KEY: ALICE.secretAccessKey,
        AWS_ENDPOINT_URL_STS: sts.url,
      },
    };
    const result = await runChild(process.execPath, ["-e", script, JSON.stringify(options)], {
      env: { PATH: process.env.PATH, HOME: home },
      timeoutMs: 30_000,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ok: true, switch: null });
    expect(result.stderr).toBe("");
  });
});

describe("an SSO profile's token file the SDK must not read", () => {
  // The SDK reads ~/.aws/sso/cache/<sha1>.json whole and without a bound; a FIFO there would
  // block it for good. The library reads it first, capped, and refuses what is not a token file.
  const ssoHome = () => {
    const dir = mkdtempSync(join(home, "sso-"));
    const config = join(dir, "config");
    writeFileSync(
      config,
      "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\nregion = us-west-2\n\n" +
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    );
    const cache = join(dir, ".aws", "sso", "cache");
    mkdirSync(cache, { recursive: true, mode: 0o700 });
    const tokenFile = join(cache, `${createHash("sha1").update("corp").digest("hex")}.json`);
    const env = {
      HOME: dir,
      AWS_PROFILE: "dev",
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
      // Nothing listens there: were the portal asked, the answer would be a connection error.
      AWS_ENDPOINT_URL_SSO: "http://127.0.0.1:9",
      AWS_EC2_METADATA_DISABLED: "true",
    };
    return { tokenFile, env };
  };

  it("a huge token file: one line naming the file and the cap, before the SDK reads it", async () => {
    const { tokenFile, env } = ssoHome();
    // Sparse: 200 MB long, nothing on disk.
    const fd = openSync(tokenFile, "w", 0o600);
    ftruncateSync(fd, 200 * 1024 * 1024);
    closeSync(fd);
    const e = await errorOf(createToken({ clusterId: "alpha", env }));
    expect(e.code).toBe("config");
    expect(e.message).toContain(`the SSO token file "${tokenFile}" cannot be used: it is larger than 64 KiB`);
  });

  it("a FIFO at the token file's path: refused at once, never waited on", async () => {
    const { tokenFile, env } = ssoHome();
    execFileSync("mkfifo", [tokenFile]);
    const e = await errorOf(createToken({ clusterId: "alpha", env }));
    expect(e.code).toBe("config");
    expect(e.message).toContain(`the SSO token file "${tokenFile}" cannot be used: it is a FIFO`);
  });
});
