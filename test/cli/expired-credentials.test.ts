// Credentials that arrive expired, or with less than a minute left, through the built CLI: an
// AssumeRole answer (--role-arn and a role profile, from the STS emulator), container credentials
// (the container emulator), AWS_CREDENTIAL_EXPIRATION and credential_process output. Each gives
// one `eks-token:` line naming the source and its expiry, and nothing is cached.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ACCOUNT,
  ALICE,
  REGION,
  ensureBuilt,
  keyEnv,
  listDir,
  makeSandbox,
  type ChildEnv,
  type Sandbox,
} from "../support/cache-fixture.js";
import {
  startContainerCredentialsEmulator,
  type ContainerCredentialsEmulator,
} from "../support/container-credentials-emulator.js";
import { expectFailure } from "../support/expect.js";
import { startStsEmulator, type StsEmulator } from "../support/sts-emulator.js";

const ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-admin`;
const CONTAINER_TOKEN = "container-auth-token-0123";
const ARGS = ["--cluster-name", "alpha", "--region", REGION];
const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`;

/** Two STS emulators: one whose sessions have already expired, one whose sessions have 30 s left. */
const sts: Record<"expired" | "short", StsEmulator | undefined> = { expired: undefined, short: undefined };
const containers: Record<"expired" | "short", ContainerCredentialsEmulator | undefined> = {
  expired: undefined,
  short: undefined,
};
const LEFT = { expired: -120, short: 30 } as const;
const sandboxes: Sandbox[] = [];

beforeAll(async () => {
  await ensureBuilt();
  for (const kind of ["expired", "short"] as const) {
    const emulator = await startStsEmulator({ sessionSeconds: LEFT[kind] });
    const alice = emulator.addUser({ name: "alice", accountId: ACCOUNT, ...ALICE });
    emulator.addRole({ arn: ROLE, trust: [alice.arn] });
    sts[kind] = emulator;
    containers[kind] = await startContainerCredentialsEmulator({
      authorizationToken: CONTAINER_TOKEN,
      credentials: {
        accessKeyId: "ASIACONTAINER0000001",
        secretAccessKey: "container/secret/000000000000000000000000",
        sessionToken: "IQoJb3JpZ2luX2VjCONTAINER+/==",
        expiration: new Date(Date.now() + LEFT[kind] * 1000),
      },
    });
  }
}, 240_000);
afterAll(async () => {
  await Promise.all([...Object.values(sts), ...Object.values(containers)].map((e) => e?.close()));
});
afterEach(() => {
  for (const s of sandboxes.splice(0)) s.cleanup();
});

function sandbox(): Sandbox {
  const s = makeSandbox();
  sandboxes.push(s);
  return s;
}

const expiresAt = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

interface Case {
  readonly name: string;
  /** The environment and arguments of the run, given which emulators and how much time is left. */
  readonly setup: (s: Sandbox, kind: "expired" | "short") => { env: ChildEnv; args: readonly string[] };
  /** What the line names as the source. */
  readonly source: RegExp;
}

const CASES: Case[] = [
  {
    name: "an AssumeRole answer (--role-arn)",
    setup: (s, kind) => ({
      env: s.env({ ...keyEnv(ALICE), AWS_REGION: REGION, AWS_ENDPOINT_URL_STS: sts[kind]!.url }),
      args: [...ARGS, "--role-arn", ROLE],
    }),
    source: new RegExp(`AssumeRole of ${ROLE.replace(/[/.]/g, "\\$&")}`),
  },
  {
    name: "an AssumeRole answer (a role profile)",
    setup: (s, kind) => {
      s.writeCredentials(
        `[base]\naws_access_key_id = ${ALICE.accessKeyId}\naws_secret_access_key = ${ALICE.secretAccessKey}\n`,
      );
      s.writeConfig(`[profile admin]\nrole_arn = ${ROLE}\nsource_profile = base\nregion = ${REGION}\n`);
      return {
        env: s.env({ AWS_ENDPOINT_URL_STS: sts[kind]!.url }),
        args: [...ARGS, "--profile", "admin"],
      };
    },
    source: new RegExp(`AssumeRole of ${ROLE.replace(/[/.]/g, "\\$&")}`),
  },
  {
    name: "container credentials",
    setup: (s, kind) => ({
      env: s.env({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: containers[kind]!.url,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: CONTAINER_TOKEN,
      }),
      args: ARGS,
    }),
    source: /the container credentials endpoint/,
  },
  {
    name: "AWS_CREDENTIAL_EXPIRATION",
    setup: (s, kind) => ({
      env: s.env({
        ...keyEnv({ ...ALICE, sessionToken: "IQoJb3JpZ2luX2VjENVSESSION+/==" }),
        AWS_CREDENTIAL_EXPIRATION: expiresAt(LEFT[kind]),
      }),
      args: ARGS,
    }),
    source: /the environment \(AWS_CREDENTIAL_EXPIRATION\)/,
  },
  {
    name: "credential_process output",
    setup: (s, kind) => {
      const script = join(s.home, "creds.mjs");
      writeFileSync(
        script,
        `process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: "ASIAPROCESS000000001", SecretAccessKey: "process/secret/0000", SessionToken: "IQoJPROCESS+/==", Expiration: new Date(Date.now() + ${LEFT[kind]} * 1000).toISOString() }));\n`,
      );
      s.writeConfig(`[profile proc]\ncredential_process = "${process.execPath}" "${script}"\nregion = ${REGION}\n`);
      return { env: s.env(), args: [...ARGS, "--profile", "proc"] };
    },
    source: /credential_process/,
  },
];

describe.each(CASES)("$name", ({ setup, source }) => {
  it.each([
    ["already expired", "expired" as const, new RegExp(`expired at ${ISO}`)],
    ["with less than a minute left", "short" as const, new RegExp(`expire at ${ISO}, less than a minute from now`)],
  ])("%s: one line naming the source and its expiry, exit 1, nothing cached", async (_, kind, when) => {
    const s = sandbox();
    const { env, args } = setup(s, kind);
    const result = await s.run(args, { env });
    const line = expectFailure(result, source);
    expect(line).toMatch(source);
    expect(line).toMatch(when);
    // neither a token nor role credentials were written
    expect(listDir(s.cacheDir).filter((n) => n.endsWith(".json"))).toEqual([]);
  });
});
