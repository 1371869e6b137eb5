// Values from flags and the environment that reach a message, through the built CLI: each is
// quoted and escaped (a value holding a terminal escape, a C1 control or a bidi override cannot
// clear the screen, hide text or reorder the line), and `verify` of a URL with a user name and
// password says so without showing the password.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, hermeticEnv, makeTempHome, runCli, type TempHome } from "../support/cli.js";
import { expectFailure } from "../support/expect.js";

/** Clears the screen, starts a C1 control sequence, reverses the line. */
const HOSTILE = "x\u001b[2J\u009by\u202ez";
const SHOWN = '"x\\u001b[2J\\u009by\\u202ez"';
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const KEYS = {
  AWS_ACCESS_KEY_ID: "AKIDEXAMPLEFLAGVALS1",
  AWS_SECRET_ACCESS_KEY: "flagValuesSecret/EXAMPLEKEY0123456789ab",
};
const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");
const PASSWORD = "s3cretpw0rd";

let h: TempHome;
beforeAll(async () => {
  await ensureBuilt();
  h = makeTempHome();
});
afterAll(() => h.cleanup());

const run = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args, { env: hermeticEnv(h.home, env) });

/** stderr shows no control, C1 or bidi character raw (line ends aside). */
function expectEscaped(stderr: string): void {
  expect(stderr.match(RAW), JSON.stringify(stderr)).toBeNull();
}

/** A token whose URL is `url` with a well-formed query. */
function tokenFor(url: string): string {
  const query =
    "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256" +
    "&X-Amz-Credential=AKIDEXAMPLEFLAGVALS1%2F20260101%2Fus-east-1%2Fsts%2Faws4_request" +
    "&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id" +
    `&X-Amz-Signature=${"a".repeat(64)}`;
  return `k8s-aws-v1.${Buffer.from(`${url}?${query}`).toString("base64url")}`;
}

describe("flag and environment values in messages", () => {
  it("kubeconfig --cluster-arn naming another cluster: the ARN's name escaped", async () => {
    const result = await run([
      "kubeconfig",
      "--cluster-name",
      "c",
      "--region",
      "us-west-2",
      "--endpoint",
      "https://a.example",
      "--ca-data",
      CA,
      "--kubeconfig",
      join(h.home, "kubeconfig"),
      "--cluster-arn",
      `arn:aws:eks:us-west-2:111122223333:cluster/${HOSTILE}`,
    ]);
    const line = expectFailure(result, /--cluster-arn names cluster /);
    expect(line).toContain(`--cluster-arn names cluster ${SHOWN}, not "c"`);
    expectEscaped(result.stderr);
  });

  it("cache clear --cache-dir: the directory escaped in the summary", async () => {
    const dir = join(h.home, HOSTILE);
    mkdirSync(dir, { mode: 0o700 });
    const result = await run(["cache", "clear", "--cache-dir", dir]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`removed 0 cache entries from "${h.home}/x\\u001b[2J\\u009by\\u202ez"`);
    expectEscaped(result.stderr);
  });

  it("AWS_CONFIG_FILE naming a directory: the path escaped", async () => {
    const dir = join(h.home, `config-${HOSTILE}`);
    mkdirSync(dir);
    const result = await run(["--cluster-name", "c", "--region", "us-west-2"], { ...KEYS, AWS_CONFIG_FILE: dir });
    expectFailure(
      result,
      /the AWS config file ".*config-x\\u001b\[2J\\u009by\\u202ez" \(from AWS_CONFIG_FILE\) is a directory/,
    );
    expectEscaped(result.stderr);
  });

  it("--debug with EKS_TOKEN_CACHE_DIR: the cache directory escaped in the debug lines", async () => {
    const dir = join(h.home, `cache-${HOSTILE}`);
    const env = { ...KEYS, EKS_TOKEN_NO_CACHE: undefined, EKS_TOKEN_CACHE_DIR: dir };
    const args = ["--cluster-name", "c", "--region", "us-west-2", "--debug"];
    expect((await run(args, env)).code).toBe(0);
    const hit = await run(args, env);
    expect(hit.code).toBe(0);
    expect(hit.stderr).toMatch(/cache hit in ".*cache-x\\u001b\[2J\\u009by\\u202ez"/);
    expectEscaped(hit.stderr);
  });
});

describe("verify of a URL with a user name and password", () => {
  it("fails as a malformed token, saying why, without the password", async () => {
    const result = await run(["verify", tokenFor(`https://user:${PASSWORD}@sts.amazonaws.com/`)]);
    expect(result.code).toBe(3);
    const line = expectFailure(result, /token URL has a user name or password before its host/);
    expect(line).not.toContain(PASSWORD);
    expect(result.stdout).toBe("");
  });

  it.each([
    [`https://user:${PASSWORD}@sts.amazonaws.com/`, /user name or password before its host/],
    [`https://user:${PASSWORD}/x@sts.amazonaws.com/`, /its host has a port that is not a number/],
    [`https://us er:${PASSWORD}@sts.amazonaws.com/`, /invalid user name or password before its host/],
  ])("--output json for %s: the reason, and no password anywhere", async (url, reason) => {
    const result = await run(["verify", "--output", "json", tokenFor(url)]);
    expect(result.code).toBe(3);
    expect(`${result.stdout}${result.stderr}`).not.toContain(PASSWORD);
    expect(`${result.stdout}${result.stderr}`).toMatch(reason);
  });
});
