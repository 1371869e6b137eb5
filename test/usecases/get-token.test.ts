// The token use case in process, over fake ports: a fake clock, environment keys, a temp cache
// directory and recording streams. The same pipeline the CLI and the library run, without a spawn.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createToken, getExecCredential } from "../../src/index.js";
import type { Logger } from "../../src/logger.js";
import { getToken } from "../../src/usecases/get-token.js";
import { printToken } from "../../src/usecases/token.js";
import { resolveTokenRequest, type TokenInput } from "../../src/usecases/token-request.js";
import { ALICE, BOB, keyEnv, secretLookup, tokenUrl, verifyToken } from "../support/cache-fixture.js";
import { expectCredential } from "../support/expect.js";
import { fakeIo } from "../support/fake-io.js";

const CLUSTER = "in-process";

function input(overrides: Partial<TokenInput> = {}): TokenInput {
  return {
    clusterId: CLUSTER,
    region: "us-west-2",
    output: "json",
    apiVersion: undefined,
    cache: true,
    cacheDir: undefined,
    debug: false,
    ...overrides,
  };
}

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  return { lines, debug: push, info: push, warn: push, error: push };
}

let dir: string;
let clock: number;
let env: Record<string, string>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "eks-token-usecase-"));
  clock = Date.now();
  env = {
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, "none"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
    ...keyEnv(ALICE),
  };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(overrides: Partial<TokenInput> = {}, log = recordingLog()) {
  const request = await resolveTokenRequest(input({ cacheDir: join(dir, "cache"), ...overrides }), env);
  const minted = await getToken(request, { env, now: () => clock, stderr: () => undefined, log });
  return { minted, log };
}

describe("getToken", () => {
  it("mints a token the independent verifier accepts, signed at the injected clock", async () => {
    const { minted } = await run();
    verifyToken(minted.token, CLUSTER, secretLookup([ALICE]));
    const amzDate = tokenUrl(minted.token).searchParams.get("X-Amz-Date");
    expect(amzDate).toBe(new Date(Math.floor(clock / 1000) * 1000).toISOString().replace(/[-:]|\.\d{3}/g, ""));
    expect(minted.expiration.getTime()).toBe(Math.floor((clock + 14 * 60_000) / 1000) * 1000);
  });

  it("answers the second call from the cache, and says so in the debug log", async () => {
    const first = await run();
    expect(first.log.lines.join("\n")).not.toContain("cache hit");
    clock += 60_000;
    const second = await run();
    expect(second.minted.token).toBe(first.minted.token);
    expect(second.log.lines.join("\n")).toContain("cache hit in");
  });

  it("makes a new token once less than 5 minutes remain, and removes nothing it did not make", async () => {
    const first = await run();
    clock = first.minted.expiration.getTime() - 5 * 60_000;
    const second = await run();
    expect(second.minted.token).not.toBe(first.minted.token);
    expect(readdirSync(join(dir, "cache")).filter((n) => n.endsWith(".json"))).toHaveLength(1);
  });

  it("keeps identities apart: other keys get their own token", async () => {
    const alice = await run();
    env = { ...env, ...keyEnv(BOB) };
    const bob = await run();
    expect(bob.minted.token).not.toBe(alice.minted.token);
    verifyToken(bob.minted.token, CLUSTER, secretLookup([BOB]));
  });

  it("with the cache off, writes nothing and mints every time", async () => {
    const first = await run({ cache: false });
    clock += 1000;
    const second = await run({ cache: false });
    expect(second.minted.token).not.toBe(first.minted.token);
    expect(() => readdirSync(join(dir, "cache"))).toThrow(/ENOENT/);
  });
});

describe("printToken", () => {
  it("writes one ExecCredential line on stdout and only a warning on stderr", async () => {
    const io = fakeIo({ env: { ...env, KUBERNETES_EXEC_INFO: "{not json" }, now: clock });
    await printToken(input({ cache: false }), io);
    const cred = expectCredential({ code: 0, stdout: io.stdoutText(), stderr: "" });
    verifyToken(cred.token, CLUSTER, secretLookup([ALICE]));
    expect(io.err).toEqual([
      "eks-token: warning: KUBERNETES_EXEC_INFO is not valid JSON; answering with client.authentication.k8s.io/v1beta1\n",
    ]);
  });

  it("--output token prints the bare token; the exec info's apiVersion is echoed otherwise", async () => {
    const bare = fakeIo({ env, now: clock });
    await printToken(input({ cache: false, output: "token" }), bare);
    expect(bare.stdoutText()).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+\n$/);
    const v1 = fakeIo({
      env: { ...env, KUBERNETES_EXEC_INFO: '{"apiVersion":"client.authentication.k8s.io/v1"}' },
      now: clock,
    });
    await printToken(input({ cache: false }), v1);
    expectCredential(
      { code: 0, stdout: v1.stdoutText(), stderr: v1.stderrText() },
      { apiVersion: "client.authentication.k8s.io/v1" },
    );
  });
});

describe("the library runs the same pipeline", () => {
  it("createToken with given credentials and a signing date, no files touched", async () => {
    const signingDate = new Date(Math.floor(clock / 1000) * 1000);
    const result = await createToken({
      clusterId: CLUSTER,
      region: "eu-west-1",
      credentials: BOB,
      signingDate,
      env: { HOME: dir },
    });
    verifyToken(result.token, CLUSTER, secretLookup([BOB]));
    expect(tokenUrl(result.token).host).toBe("sts.eu-west-1.amazonaws.com");
    expect(result.expiration.getTime()).toBe(signingDate.getTime() + 14 * 60_000);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("getExecCredential names the asked apiVersion, and refuses an unknown one", async () => {
    const cred = await getExecCredential({
      clusterId: CLUSTER,
      credentials: ALICE,
      apiVersion: "v1",
      env: { HOME: dir },
    });
    expect(cred.apiVersion).toBe("client.authentication.k8s.io/v1");
    await expect(
      getExecCredential({ clusterId: CLUSTER, credentials: ALICE, apiVersion: "v2", env: {} }),
    ).rejects.toThrow(/unknown apiVersion/);
  });
});
