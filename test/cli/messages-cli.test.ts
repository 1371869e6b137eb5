// What the user reads when something is wrong, through the built CLI: values quoted short and
// escaped, URLs without their passwords and queries, STS redirects named, help on stdout, cache
// output checked and escaped, a closed stdout named. Every failure leaves stdout empty.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_PATH, ROOT, ensureBuilt, hermeticEnv, makeTempHome, runCli, type TempHome } from "../support/cli.js";
import { expectFailure } from "../support/expect.js";
import { listenOnLoopback, type LoopbackListener } from "../support/loopback-server.js";

// Dashes, so that no redaction of long base64 runs could hide a value shown whole.
const LONG = "a-".repeat(50_000);
const KEYS = {
  AWS_ACCESS_KEY_ID: "AKIDEXAMPLEMESSAGES1",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const ROLE = "arn:aws:iam::123456789012:role/r";
const PASSWORD = "s3cretpw0rd";
const QUERY_SECRET = "q5ecretvalue";
const KUBECONFIG_PATH = "<kubeconfig in the temporary home>";
const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");

let h: TempHome;
let closedPort: number;
let redirect: LoopbackListener;
let redirectStatus = 302;

beforeAll(async () => {
  await ensureBuilt();
  h = makeTempHome();
  const probe = await listenOnLoopback(createServer());
  closedPort = probe.port;
  await probe.close();
  redirect = await listenOnLoopback(
    createServer((_req, res) => {
      res.writeHead(redirectStatus, {
        location: `http://user:${PASSWORD}@sts.evil.example.com/x?X-Amz-Signature=${QUERY_SECRET}`,
      });
      res.end();
    }),
  );
});
afterAll(async () => {
  await redirect.close();
  h.cleanup();
});

const run = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args, { env: hermeticEnv(h.home, env) });

/** A failure whose line is short and shows no control character raw. */
function expectShortFailure(result: Awaited<ReturnType<typeof run>>, pattern: RegExp = /./): string {
  const line = expectFailure(result, pattern);
  expect(line.length, line.slice(0, 400)).toBeLessThan(400);
  expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  return line;
}

describe("a 100 kB value is quoted short, in every command", () => {
  const kubeconfig = (flag: string, value: string, more: string[] = []) => [
    "kubeconfig",
    "--cluster-name",
    "c",
    "--region",
    "us-west-2",
    "--endpoint",
    "https://127.0.0.1:6443",
    "--ca-data",
    CA,
    "--kubeconfig",
    KUBECONFIG_PATH,
    ...more,
    flag,
    value,
  ];
  it.each([
    ["--cluster-name", ["--cluster-name", LONG]],
    ["--cluster-id", ["-i", LONG]],
    ["--region", ["--cluster-name", "c", "--region", LONG]],
    ["--profile", ["--cluster-name", "c", "--profile", LONG]],
    ["--role-arn", ["--cluster-name", "c", "--role-arn", LONG]],
    ["--role", ["--cluster-name", "c", "--role", LONG]],
    ["--session-name", ["--cluster-name", "c", "--role-arn", ROLE, "--session-name", LONG]],
    ["--external-id", ["--cluster-name", "c", "--role-arn", ROLE, "--external-id", LONG]],
    ["--output", ["--cluster-name", "c", "--output", LONG]],
    ["--api-version", ["--cluster-name", "c", "--api-version", LONG]],
    ["an unknown option", ["--cluster-name", "c", `--${LONG}`]],
    ["an unexpected argument", [LONG, "--cluster-name", "c"]],
    ["verify --output", ["verify", "x", "--output", LONG]],
    ["verify TOKEN", ["verify", `k8s-aws-v1.${LONG}`]],
    ["verify, two tokens", ["verify", LONG, LONG]],
    ["kubeconfig --cluster-name", kubeconfig("--cluster-name", LONG)],
    ["kubeconfig --region", kubeconfig("--region", LONG)],
    ["kubeconfig --profile", kubeconfig("--profile", ` ${LONG}`)],
    ["kubeconfig --role-arn", kubeconfig("--role-arn", LONG)],
    ["kubeconfig --alias", kubeconfig("--alias", `\n${LONG}`)],
    ["kubeconfig --user-alias", kubeconfig("--user-alias", `\n${LONG}`)],
    ["kubeconfig --endpoint", kubeconfig("--endpoint", `https://${LONG}:x`)],
    ["kubeconfig --ca-data", kubeconfig("--ca-data", `!${LONG}`)],
    ["kubeconfig --cluster-arn", kubeconfig("--cluster-arn", LONG)],
    ["kubeconfig --api-version", kubeconfig("--api-version", LONG)],
    ["cache --output", ["cache", "list", "--output", LONG]],
    ["cache, an unknown command", ["cache", LONG]],
  ])("%s", async (_label, args) => {
    const argv = args.map((a) => (a === KUBECONFIG_PATH ? join(h.home, "kubeconfig") : a));
    expectShortFailure(await run(argv, KEYS));
  });

  it.each([
    ["AWS_REGION", { AWS_REGION: LONG }],
    ["AWS_PROFILE", { AWS_PROFILE: LONG }],
    ["AWS_STS_REGIONAL_ENDPOINTS", { AWS_STS_REGIONAL_ENDPOINTS: LONG }],
    ["AWS_USE_FIPS_ENDPOINT", { AWS_USE_FIPS_ENDPOINT: LONG }],
  ])("the variable %s", async (_label, env) => {
    expectShortFailure(await run(["--cluster-name", "c"], { ...KEYS, ...env }));
  });

  it.each([
    ["an escape sequence", "us\u001b[2Jwest"],
    ["a right-to-left override", "us\u202etsew"],
    ["a C1 control", "us\u0085west"],
    ["a newline", "us\nwest"],
  ])("control characters in a value are escaped: %s", async (_label, region) => {
    const line = expectShortFailure(
      await run(["--cluster-name", "c", "--region", region], KEYS),
      /invalid region "us\\/,
    );
    expect(line).toMatch(/\\(u001b|u202e|u0085|n)/);
  });
});

describe("paths from the environment are escaped in credential errors", () => {
  // A folder name carrying a screen clear and a one-character CSI (U+009B).
  const folder = "d\u001b[2J\u009b";
  const configIn = (text: string) => {
    const dir = join(h.home, folder);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "config");
    writeFileSync(file, text);
    return file;
  };

  it.each([
    ["a profile that is not there", "[profile other]\nregion = us-west-2\n", /profile "p" is not in /],
    [
      "a profile with nothing to sign with",
      "[profile p]\nregion = us-west-2\n",
      /no AWS credentials found \(tried profile "p" in /,
    ],
  ])("AWS_CONFIG_FILE: %s", async (_label, text, pattern) => {
    const file = configIn(text);
    const line = expectShortFailure(
      await run(["--cluster-name", "c", "--region", "us-west-2", "--profile", "p"], {
        AWS_CONFIG_FILE: file,
        AWS_EC2_METADATA_DISABLED: "true",
      }),
      pattern,
    );
    expect(line).toContain("d\\u001b[2J\\u009b");
  });
});

describe("URLs in messages carry no password and no query", () => {
  const secretFree = (text: string) => {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(QUERY_SECRET);
  };

  it.each([
    [
      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
      () => ({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://user:${PASSWORD}@127.0.0.1:${closedPort}/creds?token=${QUERY_SECRET}`,
      }),
      /the container credentials endpoint at http:\/\/127\.0\.0\.1:\d+\/creds gave no credentials/,
    ],
    [
      "AWS_EC2_METADATA_SERVICE_ENDPOINT",
      () => ({
        AWS_EC2_METADATA_DISABLED: "false",
        AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://user:${PASSWORD}@127.0.0.1:${closedPort}/?x=${QUERY_SECRET}`,
      }),
      /the instance metadata endpoint at http:\/\/127\.0\.0\.1:\d+\/ gave no credentials/,
    ],
    [
      "AWS_ENDPOINT_URL_STS (AssumeRole)",
      () => ({ ...KEYS, AWS_ENDPOINT_URL_STS: `http://user:${PASSWORD}@127.0.0.1:${closedPort}/?x=${QUERY_SECRET}` }),
      /could not reach an AWS endpoint/,
      ["--role-arn", ROLE],
    ],
    [
      "AWS_ENDPOINT_URL (AssumeRole)",
      () => ({ ...KEYS, AWS_ENDPOINT_URL: `http://user:${PASSWORD}@127.0.0.1:${closedPort}/?x=${QUERY_SECRET}` }),
      /could not reach an AWS endpoint/,
      ["--role-arn", ROLE],
    ],
    [
      "AWS_ENDPOINT_URL_STS that is not a URL (--forward-session-name)",
      () => ({ ...KEYS, AWS_ENDPOINT_URL_STS: `http://user:${PASSWORD}@[bad/?x=${QUERY_SECRET}` }),
      /AWS_ENDPOINT_URL_STS\/AWS_ENDPOINT_URL http:\/\/\[bad\/ is not a URL/,
      ["--role-arn", ROLE, "--forward-session-name"],
    ],
  ])("%s, in the error and in --debug", async (_label, env, pattern, extra: string[] = []) => {
    const args = ["--cluster-name", "c", "--region", "us-west-2", ...extra];
    const result = await run(args, env());
    expectFailure(result, pattern);
    secretFree(result.stderr);
    const debug = await run([...args, "--debug"], env());
    expect(debug.code).not.toBe(0);
    expect(debug.stdout).toBe("");
    secretFree(debug.stderr);
  });

  it("kubeconfig --endpoint", async () => {
    const result = await run([
      "kubeconfig",
      "--cluster-name",
      "c",
      "--region",
      "us-west-2",
      "--ca-data",
      CA,
      "--kubeconfig",
      join(h.home, "kubeconfig"),
      "--endpoint",
      `http://admin:${PASSWORD}@127.0.0.1:6443/?token=${QUERY_SECRET}`,
    ]);
    expectFailure(result, /invalid --endpoint http:\/\/127\.0\.0\.1:6443\/: expected an https:\/\/ URL/);
    secretFree(result.stderr);
  });

  it("verify --sts with AWS_ENDPOINT_URL_STS", async () => {
    const minted = await run(["--cluster-name", "c", "--region", "us-west-2", "--output", "token"], KEYS);
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    for (const [endpoint, pattern] of [
      [`http://user:${PASSWORD}@127.0.0.1:${closedPort}/?x=${QUERY_SECRET}`, /cannot reach STS at 127\.0\.0\.1:\d+/],
      [`http://user:${PASSWORD}@[bad/?x=${QUERY_SECRET}`, /is not a URL/],
    ] as const) {
      const result = await run(["verify", token, "--sts", "--cluster-name", "c"], { AWS_ENDPOINT_URL_STS: endpoint });
      expectFailure(result, pattern);
      secretFree(result.stderr);
    }
  });
});

describe("an STS redirect is named, with where it points and what to check", () => {
  const expectRedirect = (line: string, status: number) => {
    expect(line).toMatch(
      new RegExp(`answered with a redirect \\(HTTP ${status}\\) to sts\\.evil\\.example\\.com, which is not followed`),
    );
    expect(line).toMatch(/check AWS_ENDPOINT_URL_STS/);
    expect(line).not.toMatch(/Unknown/);
    expect(line).not.toContain(PASSWORD);
    expect(line).not.toContain(QUERY_SECRET);
  };

  it.each([301, 302, 307])("AssumeRole answered %i", async (status) => {
    redirectStatus = status;
    const result = await run(["--cluster-name", "c", "--region", "us-west-2", "--role-arn", ROLE], {
      ...KEYS,
      AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${redirect.port}`,
    });
    expectRedirect(expectFailure(result, /^eks-token: STS \(AssumeRole\)/), status);
  });

  it("GetCallerIdentity for --forward-session-name", async () => {
    redirectStatus = 302;
    const result = await run(
      ["--cluster-name", "c", "--region", "us-west-2", "--role-arn", ROLE, "--forward-session-name"],
      { ...KEYS, AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${redirect.port}` },
    );
    expectRedirect(expectFailure(result, /GetCallerIdentity \(for --forward-session-name\)/), 302);
  });

  it("verify --sts", async () => {
    redirectStatus = 307;
    const minted = await run(["--cluster-name", "c", "--region", "us-west-2", "--output", "token"], KEYS);
    const result = await run(["verify", minted.stdout.trim(), "--sts", "--cluster-name", "c"], {
      AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${redirect.port}`,
    });
    expectRedirect(expectFailure(result, /^eks-token: STS answered/), 307);
  });
});

describe("help", () => {
  it.each([
    [["--help"], /^eks-token: a Kubernetes exec credential plugin/],
    [["token", "--help"], /^eks-token: a Kubernetes exec credential plugin/],
    [["eks", "get-token", "-h"], /^eks-token: a Kubernetes exec credential plugin/],
    [["verify", "--help"], /^usage: eks-token verify/],
    [["kubeconfig", "--help"], /kubeconfig/],
    [["kubeconfig", "migrate", "--help"], /migrate/],
    [["cache", "--help"], /^usage: eks-token cache list/],
    [["cache", "-h"], /^usage: eks-token cache list/],
    [["cache", "list", "--help"], /^usage: eks-token cache list/],
    [["cache", "clear", "--help"], /^usage: eks-token cache list/],
  ])("%j prints help on stdout and exits 0", async (args, pattern) => {
    const result = await run(args);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(pattern);
  });
});

describe("cache list", () => {
  const cacheDir = () => join(h.home, "cache");
  const key = "ab".repeat(32);
  const entry = {
    // An entry names its own key, as eks-token writes it: list shows only such files.
    key,
    kind: "token",
    clusterId: "prod\u202egnp.exe\u001b[2J",
    region: "us-west-2\u0085",
    host: "sts.us-west-2.amazonaws.com",
    roleArn: `arn:aws:iam::123456789012:role/r\u2066x`,
    profile: "p\u200bq",
    expiration: new Date(Date.now() + 10 * 60_000).toISOString(),
    token: "k8s-aws-v1.secret",
  };
  beforeAll(() => {
    mkdirSync(cacheDir(), { recursive: true, mode: 0o700 });
    chmodSync(cacheDir(), 0o700);
    const path = join(cacheDir(), `${key}.json`);
    writeFileSync(path, JSON.stringify(entry), { mode: 0o600 });
  });

  it.each([["yaml"], ["text"], ["JSON"], [""]])("--output %j is a usage error naming the formats", async (output) => {
    const result = await run(["cache", "list", "--cache-dir", cacheDir(), "--output", output]);
    const line = expectFailure(result, /unknown output format .*: use --output table or --output json/);
    expect(result.code).toBe(2);
    expect(line).not.toMatch(/CLUSTER/);
  });

  it("shows control and bidi characters from entries as escapes, in the table", async () => {
    const result = await run(["cache", "list", "--cache-dir", cacheDir()]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("prod\\u202egnp.exe\\u001b[2J");
    expect(result.stdout).toContain("us-west-2\\u0085");
    expect(result.stdout).toContain("p\\u200bq");
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b\u202a-\u202e\u2066-\u2069]/);
    expect(result.stdout).not.toContain("k8s-aws-v1");
  });

  it("and in JSON, where they read back as they were", async () => {
    const result = await run(["cache", "list", "--cache-dir", cacheDir(), "--output", "json"]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/[\u007f-\u009f\u200b\u202a-\u202e\u2066-\u2069]/);
    const [shown] = JSON.parse(result.stdout) as (typeof entry)[];
    expect(shown).toMatchObject({ clusterId: entry.clusterId, region: entry.region, profile: entry.profile });
  });
});

describe("a closed stdout", () => {
  /** Runs the CLI with its stdout pipe closed by the reader before anything is written. */
  function runWithClosedStdout(
    args: string[],
    env: Record<string, string>,
  ): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.destroy();
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });
  }

  it.each([
    ["a token", ["--cluster-name", "c", "--region", "us-west-2"]],
    ["the help", ["--help"]],
    ["cache list", ["cache", "list"]],
  ])("%s: one clear line, exit 1, not an unexpected error", async (_label, args) => {
    const result = await runWithClosedStdout(args, hermeticEnv(h.home, KEYS));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^eks-token: stdout was closed before the output was written \(the program reading it exited\)/,
    );
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).not.toMatch(/unexpected error|please report/);
  });
});
