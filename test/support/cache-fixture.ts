// Shared helpers for the token-cache tests: hermetic sandboxes, a spawn helper that can set the
// umask or drop root, ExecCredential parsing, token verification and cache-directory inspection.
import { chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { defaultCacheDir } from "../../src/cache/cache-dir.js";
import { tokenCacheKey } from "../../src/cache/cache-key.js";
import { decodeToken, encodeToken } from "../../src/token/encode.js";
import type { MintedToken } from "../../src/token/mint.js";
import { resolveTarget, type TargetOptions, type TokenTarget } from "../../src/aws/target.js";
import { runChild } from "./child.js";
import {
  CLI_COMMAND,
  CLI_PATH,
  ROOT,
  RUNTIME,
  ensureBuilt,
  hermeticEnv,
  makeTempHome,
  type ChildEnv,
  type CliResult,
  type TempHome,
} from "./cli.js";
import { expectCredential, type Credential } from "./expect.js";
import { presignUrl, toAmzDate, verifyPresignedUrl, type KeyRecord } from "./sigv4.js";
import { startStsEmulator, type StsEmulator } from "./sts-emulator.js";

export { CLI_COMMAND, CLI_PATH, ROOT, ensureBuilt, expectCredential, type ChildEnv, type CliResult, type Credential };

export const IS_ROOT = process.getuid?.() === 0;
/** The uid tests run children as when they need an unprivileged user and run as root. */
export const NOBODY = 65534;
export const CAN_DROP_ROOT = IS_ROOT && ["/usr/bin/setpriv", "/bin/setpriv"].some((p) => existsSync(p));
/** Tests that need permission checks to bite: non-root, or root able to run children as nobody. */
export const CAN_TEST_PERMISSIONS = !IS_ROOT || CAN_DROP_ROOT;

export const ACCOUNT = "111122223333";
export const REGION = "us-west-2";
export const STS_HOST = `sts.${REGION}.amazonaws.com`;

export interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const ALICE: Keys = {
  accessKeyId: "AKIACACHETESTALICE01",
  secretAccessKey: "alice/cache+secret/0000000000000000000000",
};
export const BOB: Keys = {
  accessKeyId: "AKIACACHETESTBOB0001",
  secretAccessKey: "bob/cache+secret/11111111111111111111111111",
};

/** The environment variables of a set of keys. */
export function keyEnv(keys: Keys): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    ...(keys.sessionToken ? { AWS_SESSION_TOKEN: keys.sessionToken } : {}),
  };
}

export interface Sandbox extends TempHome {
  /** ~/.kube/cache/eks-token */
  readonly cacheDir: string;
  /** Children run as this uid (nobody when running as root and asked to drop it). */
  readonly uid: number | undefined;
  /** A hermetic child environment with the cache ON (hermeticEnv turns it off by default). */
  env(extra?: Record<string, string | undefined>): ChildEnv;
  /** Runs the built CLI. */
  run(args: readonly string[], options?: RunOptions): Promise<CliResult>;
  /** Gives files the test made (as root) to the sandbox's user. */
  fixOwner(path?: string): void;
}

export interface RunOptions {
  env?: ChildEnv;
  /** e.g. 0o000 or 0o077: the child runs under `sh -c 'umask ...; exec node ...'`. */
  umask?: number;
  nodeArgs?: readonly string[];
  timeoutMs?: number;
}

export interface SandboxOptions {
  /** Run children as nobody when the tests run as root (so permission bits bite). */
  unprivileged?: boolean;
}

export function makeSandbox(options: SandboxOptions = {}): Sandbox {
  const home = makeTempHome("eks-token-cache-");
  const uid = options.unprivileged && CAN_DROP_ROOT ? NOBODY : undefined;
  const fixOwner = (path = home.home) => {
    if (uid === undefined) return;
    const walk = (p: string) => {
      chownSync(p, uid, uid);
      if (lstatSync(p).isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
    };
    walk(path);
  };
  fixOwner();
  const sandbox: Sandbox = {
    ...home,
    cacheDir: join(home.home, ".kube", "cache", "eks-token"),
    uid,
    env: (extra = {}) => hermeticEnv(home.home, { EKS_TOKEN_NO_CACHE: undefined, ...extra }),
    run: (args, runOptions = {}) =>
      spawnCli(args, { ...runOptions, env: runOptions.env ?? sandbox.env(), ...(uid !== undefined ? { uid } : {}) }),
    fixOwner,
    writeConfig(text) {
      home.writeConfig(text);
      fixOwner();
    },
    writeCredentials(text) {
      home.writeCredentials(text);
      fixOwner();
    },
  };
  return sandbox;
}

export interface SpawnOptions extends RunOptions {
  env: ChildEnv;
  uid?: number;
}

/** Spawns CLI_COMMAND (`node [nodeArgs] dist/eks-token.cjs`, or the native executable) with stdin left open, as client-node does. */
export function spawnCli(args: readonly string[], options: SpawnOptions): Promise<CliResult> {
  if (options.nodeArgs?.length && RUNTIME !== "node") throw new Error("spawnCli: nodeArgs need the node runtime");
  let command =
    RUNTIME === "node" ? [process.execPath, ...(options.nodeArgs ?? []), CLI_PATH, ...args] : [...CLI_COMMAND, ...args];
  if (options.uid !== undefined) {
    command = ["setpriv", `--reuid=${options.uid}`, `--regid=${options.uid}`, "--clear-groups", ...command];
  }
  if (options.umask !== undefined) {
    command = ["sh", "-c", `umask ${options.umask.toString(8).padStart(3, "0")}; exec "$@"`, "sh", ...command];
  }
  return runChild(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: options.env,
    detached: true,
    timeoutMs: options.timeoutMs ?? 20_000,
  });
}

// ---------------------------------------------------------------------------------------------
// Output

/** Asserts exactly one stderr line, a warning, and returns it. */
export function expectOneWarning(result: CliResult): string {
  const lines = result.stderr.split("\n").filter((l) => l !== "");
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^eks-token: warning: /);
  expect(result.stderr.endsWith("\n")).toBe(true);
  return lines[0]!;
}

/** The presigned URL inside a token. */
export function tokenUrl(token: string): URL {
  const url = decodeToken(token);
  if (!url) throw new Error(`not a token: ${token.slice(0, 40)}`);
  return new URL(url);
}

export function tokenAccessKey(token: string): string | undefined {
  return tokenUrl(token).searchParams.get("X-Amz-Credential")?.split("/")[0];
}

/** Checks a token's signature for a cluster with the independent SigV4 verifier. */
export function verifyToken(
  token: string,
  cluster: string,
  secretFor: (accessKeyId: string) => KeyRecord | undefined,
): void {
  const result = verifyPresignedUrl({
    url: tokenUrl(token).toString(),
    headers: { "x-k8s-aws-id": cluster },
    secretForAccessKey: secretFor,
    validitySeconds: 900,
    maxExpiresSeconds: 900,
    requiredSignedHeaders: ["x-k8s-aws-id"],
  });
  expect(result, `token for ${cluster}`).toMatchObject({ ok: true });
}

/** A lookup for verifyToken over fixed keys and the sessions an emulator issued. */
export function secretLookup(keys: readonly Keys[], sts?: StsEmulator): (id: string) => KeyRecord | undefined {
  return (id) => {
    const k = keys.find((x) => x.accessKeyId === id);
    if (k)
      return k.sessionToken ? { secretAccessKey: k.secretAccessKey, sessionToken: k.sessionToken } : k.secretAccessKey;
    const s = sts?.sessions.find((x) => x.accessKeyId === id);
    return s ? { secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken, expiresAt: s.expiresAt } : undefined;
  };
}

// ---------------------------------------------------------------------------------------------
// The cache directory

export interface EntryOnDisk {
  name: string;
  path: string;
  text: string;
  json: Record<string, unknown>;
  mode: number;
}

/** Every `<key>.json` in a cache directory, parsed. */
export function readEntries(dir: string): EntryOnDisk[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith(".json"))
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const text = readFileSync(path, "utf8");
      return {
        name,
        path,
        text,
        json: JSON.parse(text) as Record<string, unknown>,
        mode: lstatSync(path).mode & 0o777,
      };
    });
}

export function tokenEntries(dir: string): EntryOnDisk[] {
  return readEntries(dir).filter((e) => e.json["kind"] === "token");
}

export function roleEntries(dir: string): EntryOnDisk[] {
  return readEntries(dir).filter((e) => e.json["kind"] === "role-credentials");
}

export function listDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Rewrites fields of an entry in place (the file keeps its inode, owner and mode 0600). */
export function editEntry(path: string, changes: Record<string, unknown>): void {
  const json = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  writeFileSync(path, JSON.stringify({ ...json, ...changes }));
  expect(lstatSync(path).mode & 0o777).toBe(0o600);
}

/** The key the CLI computes for these options in this environment (same code, same inputs). */
export async function keyFor(options: TargetOptions, env: ChildEnv): Promise<string> {
  return tokenCacheKey(await resolveTarget(options, env), env);
}

export function ensureDir(path: string, mode = 0o700): void {
  mkdirSync(path, { recursive: true, mode });
}

/** ISO timestamp without milliseconds, as ExecCredential prints it. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export { defaultCacheDir };

/** An STS emulator on loopback where alice (ALICE's keys, in ACCOUNT) may assume roleArn. */
export async function startStsWithRole(roleArn: string): Promise<StsEmulator> {
  const sts = await startStsEmulator();
  const alice = sts.addUser({ name: "alice", accountId: ACCOUNT, ...ALICE });
  sts.addRole({ arn: roleArn, trust: [alice.arn] });
  return sts;
}

/**
 * A real token for the target, presigned by the tests' own SigV4 as ALICE, signed at `at` and
 * reported to expire `lifeMs` later; `overrides` sign it for another host, region or cluster.
 */
export function presignedToken(
  target: TokenTarget,
  at: number,
  lifeMs: number,
  overrides: { host?: string; region?: string; cluster?: string } = {},
): MintedToken {
  const host = overrides.host ?? target.endpoint.host;
  const url = presignUrl({
    url: `https://${host}/?Action=GetCallerIdentity&Version=2011-06-15`,
    headers: { "x-k8s-aws-id": overrides.cluster ?? target.clusterId },
    credentials: ALICE,
    region: overrides.region ?? target.endpoint.signingRegion,
    service: "sts",
    amzDate: toAmzDate(at),
    expiresSeconds: 60,
  });
  return { token: encodeToken(url), expiration: new Date(at + lifeMs) };
}
