// The built CLI as kubectl runs it: stdout is exactly one ExecCredential line, stderr is empty on
// success, and every failure is one `eks-token: ` line with an exit code and no stack trace.
// Each child gets a hermetic environment (test/support/cli.ts): temp HOME, IMDS off, no
// inherited AWS_* variables, token cache off; its stdin is a pipe that is never closed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ROOT,
  RUNTIME_LABEL,
  ensureBuilt,
  hermeticEnv,
  makeTempHome,
  runCli,
  type CliResult,
  type TempHome,
} from "../support/cli.js";
import { expectCredential, type ExecCredentialOut } from "../support/expect.js";
import { parseAmzDate, verifyPresignedUrl } from "../support/sigv4.js";

const KEYS = {
  AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const SESSION_TOKEN = "FwoGZXIvYXdzEBYaDH+qa0AP1B2eWc2Lq4yKHAYMB/zXhM5Nm4pD0VXJVW7TvsYg4lKGbGmkxR8yLHAzSN==";
const SESSION = {
  AWS_ACCESS_KEY_ID: "ASIAIOSFODNN7EXAMPLE",
  AWS_SECRET_ACCESS_KEY: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
  AWS_SESSION_TOKEN: SESSION_TOKEN,
};
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

let home: TempHome;
beforeAll(async () => {
  home = makeTempHome("eks-token-cli-");
  await ensureBuilt();
}, 240_000);
afterAll(() => home?.cleanup());

const run = (args: readonly string[], extra: Record<string, string | undefined> = {}) =>
  runCli(args, { env: hermeticEnv(home.home, extra) });

function urlOf(token: string): URL {
  return new URL(Buffer.from(token.slice("k8s-aws-v1.".length), "base64url").toString("utf8"));
}

/** The token verifies for this cluster and these keys, and its expiration is X-Amz-Date + 14 min. */
function expectValidToken(cred: ExecCredentialOut, cluster: string, keys: Record<string, string>, host: string): URL {
  const url = urlOf(cred.status.token);
  expect(url.host).toBe(host);
  const signedAt = parseAmzDate(url.searchParams.get("X-Amz-Date") ?? "");
  expect(signedAt).toBeDefined();
  expect(Math.abs((signedAt as number) - Date.now())).toBeLessThan(60_000);
  expect(Date.parse(cred.status.expirationTimestamp)).toBe((signedAt as number) + 14 * 60_000);
  const result = verifyPresignedUrl({
    url: url.toString(),
    headers: { host, "x-k8s-aws-id": cluster },
    secretForAccessKey: (id) =>
      id === keys["AWS_ACCESS_KEY_ID"]
        ? {
            secretAccessKey: keys["AWS_SECRET_ACCESS_KEY"] as string,
            ...(keys["AWS_SESSION_TOKEN"] ? { sessionToken: keys["AWS_SESSION_TOKEN"] } : {}),
          }
        : undefined,
    now: signedAt,
    validitySeconds: 900,
    requiredSignedHeaders: ["x-k8s-aws-id"],
  });
  expect(result).toMatchObject({ ok: true });
  return url;
}

/** A failure: the exit code, nothing on stdout, one `eks-token: ` line on stderr, no stack. */
function expectFailure(result: CliResult, code: number, pattern: RegExp): string {
  expect(result.stdout).toBe("");
  expect(result.code).toBe(code);
  expect(result.stderr.endsWith("\n")).toBe(true);
  const lines = result.stderr.slice(0, -1).split("\n");
  expect(lines, result.stderr).toHaveLength(1);
  const line = lines[0] as string;
  expect(line.startsWith("eks-token: ")).toBe(true);
  expect(line).toMatch(pattern);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toMatch(/node:internal|\.mjs:\d+/);
  return line;
}

describe("success", () => {
  it("env credentials: one line of ExecCredential JSON, nothing on stderr", async () => {
    const result = await run(["--cluster-name", "prod", "--region", "us-west-2"], KEYS);
    const cred = expectCredential(result);
    expect(cred.apiVersion).toBe("client.authentication.k8s.io/v1beta1");
    const url = expectValidToken(cred, "prod", KEYS, "sts.us-west-2.amazonaws.com");
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(
      /^AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-west-2\/sts\/aws4_request$/,
    );
    expect(url.searchParams.get("X-Amz-Expires")).toBe("60");
  });

  it("the argument list `aws eks update-kubeconfig` writes", async () => {
    const result = await run(
      ["--region", "eu-west-1", "eks", "get-token", "--cluster-name", "prod", "--output", "json"],
      SESSION,
    );
    const url = expectValidToken(expectCredential(result), "prod", SESSION, "sts.eu-west-1.amazonaws.com");
    expect(url.searchParams.get("X-Amz-Security-Token")).toBe(SESSION_TOKEN);
  });

  it("the argument list eksctl writes (aws-iam-authenticator token -i)", async () => {
    const result = await run(["token", "-i", "prod.example_1"], { ...KEYS, AWS_REGION: "ap-east-1" });
    expectValidToken(expectCredential(result), "prod.example_1", KEYS, "sts.ap-east-1.amazonaws.com");
  });

  it("no region anywhere: the global host", async () => {
    const result = await run(["--cluster-name", "prod"], KEYS);
    const url = expectValidToken(expectCredential(result), "prod", KEYS, "sts.amazonaws.com");
    expect(url.searchParams.get("X-Amz-Credential")).toContain("/us-east-1/sts/");
  });

  it("AWS_PROFILE with keys in the credentials file: the profile's keys and region, not the env keys", async () => {
    const profileHome = makeTempHome("eks-token-cli-profile-");
    try {
      profileHome.writeConfig("[profile dev]\nregion = cn-north-1\n");
      profileHome.writeCredentials(
        "[dev]\naws_access_key_id = AKIDPROFILEDEV000001\naws_secret_access_key = profile/dev/secret/key/000000000000000000\n",
      );
      const result = await runCli(["--cluster-name", "prod"], {
        env: hermeticEnv(profileHome.home, { ...KEYS, AWS_PROFILE: "dev" }),
      });
      expectValidToken(
        expectCredential(result),
        "prod",
        {
          AWS_ACCESS_KEY_ID: "AKIDPROFILEDEV000001",
          AWS_SECRET_ACCESS_KEY: "profile/dev/secret/key/000000000000000000",
        },
        "sts.cn-north-1.amazonaws.com.cn",
      );
    } finally {
      profileHome.cleanup();
    }
  });

  it("--output token prints the bare token and a newline", async () => {
    const result = await run(["--cluster-name", "prod", "--region", "us-west-2", "--output", "token"], KEYS);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+\n$/);
    expect(urlOf(result.stdout.trim()).host).toBe("sts.us-west-2.amazonaws.com");
  });

  it("--token-only is --output token", async () => {
    const result = await run(["token", "-i", "prod", "--token-only"], KEYS);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+\n$/);
  });

  it("KUBERNETES_EXEC_INFO v1 is echoed", async () => {
    const execInfo = JSON.stringify({
      kind: "ExecCredential",
      apiVersion: "client.authentication.k8s.io/v1",
      spec: { interactive: false },
    });
    const cred = expectCredential(
      await run(["--cluster-name", "prod", "--region", "us-west-2"], { ...KEYS, KUBERNETES_EXEC_INFO: execInfo }),
      { apiVersion: "client.authentication.k8s.io/v1" },
    );
    expect(cred.apiVersion).toBe("client.authentication.k8s.io/v1");
  });

  it("--api-version v1 without KUBERNETES_EXEC_INFO", async () => {
    const cred = expectCredential(await run(["--cluster-name", "prod", "--api-version", "v1"], KEYS), {
      apiVersion: "client.authentication.k8s.io/v1",
    });
    expect(cred.apiVersion).toBe("client.authentication.k8s.io/v1");
  });

  it("KUBERNETES_EXEC_INFO v1alpha1: echoed, one warning line on stderr, exit 0", async () => {
    const execInfo = JSON.stringify({
      kind: "ExecCredential",
      apiVersion: "client.authentication.k8s.io/v1alpha1",
      spec: {},
    });
    const result = await run(["--cluster-name", "prod"], { ...KEYS, KUBERNETES_EXEC_INFO: execInfo });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).apiVersion).toBe("client.authentication.k8s.io/v1alpha1");
    expect(result.stderr).toMatch(/^eks-token: warning: .*deprecated.*\n$/);
  });

  it("KUBERNETES_EXEC_INFO that is not JSON: v1beta1, one warning line, exit 0", async () => {
    const result = await run(["--cluster-name", "prod"], { ...KEYS, KUBERNETES_EXEC_INFO: "{oops" });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).apiVersion).toBe("client.authentication.k8s.io/v1beta1");
    expect(result.stderr).toMatch(/^eks-token: warning: KUBERNETES_EXEC_INFO is not valid JSON[^\n]*\n$/);
  });

  it("KUBERNETES_EXEC_INFO `null` (valid JSON, not an object) does not crash it, unlike the AWS CLI", async () => {
    const result = await run(["--cluster-name", "prod"], { ...KEYS, KUBERNETES_EXEC_INFO: "null" });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).apiVersion).toBe("client.authentication.k8s.io/v1beta1");
    expect(result.stderr.split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("stdin is a pipe that is never closed (as @kubernetes/client-node leaves it): the plugin does not wait on it", async () => {
    const result = await runCli(["--cluster-name", "prod"], { env: hermeticEnv(home.home, KEYS), timeoutMs: 10_000 });
    expect(result.signal).toBeNull();
    expectCredential(result);
  });
});

describe("failures: one line, an exit code, nothing on stdout", () => {
  const CASES: ReadonlyArray<readonly [string, readonly string[], Record<string, string>, number, RegExp]> = [
    ["missing cluster name", [], KEYS, 2, /^eks-token: missing cluster name: pass --cluster-name NAME/],
    [
      "missing cluster name (aws eks form)",
      ["--region", "us-west-2", "eks", "get-token", "--output", "json"],
      KEYS,
      2,
      /missing cluster name/,
    ],
    [
      "a cluster name with a space",
      ["--cluster-name", "my cluster"],
      KEYS,
      2,
      /invalid cluster name "my cluster": it contains whitespace or control characters/,
    ],
    [
      "a cluster name with a newline",
      ["--cluster-name", "prod\nx-evil: 1"],
      KEYS,
      2,
      /invalid cluster name "prod\\nx-evil: 1"/,
    ],
    [
      "a cluster name of 256 characters",
      ["--cluster-name", "a".repeat(256)],
      KEYS,
      2,
      /invalid cluster name: 256 characters/,
    ],
    [
      "an invalid region",
      ["--cluster-name", "prod", "--region", "us-west-2.evil.com"],
      KEYS,
      2,
      /invalid region "us-west-2\.evil\.com": a region is one DNS label/,
    ],
    [
      "an invalid AWS_REGION",
      ["--cluster-name", "prod"],
      { ...KEYS, AWS_REGION: "us-west-2.evil.com" },
      2,
      /invalid region "us-west-2\.evil\.com"/,
    ],
    [
      "a malformed role ARN",
      ["--cluster-name", "prod", "--role-arn", "arn:aws:iam::123:role/x"],
      KEYS,
      2,
      /malformed role ARN "arn:aws:iam::123:role\/x"/,
    ],
    [
      "an unknown profile",
      ["--cluster-name", "prod", "--profile", "nope"],
      {},
      1,
      /profile "nope" is not in .*: check the name with `aws configure list-profiles`/,
    ],
    ["an unknown AWS_PROFILE", ["--cluster-name", "prod"], { AWS_PROFILE: "nope" }, 1, /profile "nope" is not in/],
    ["--output yaml", ["--cluster-name", "prod", "--output", "yaml"], KEYS, 2, /--output "yaml" is not supported/],
    ["an unknown flag", ["--cluster-name", "prod", "--bogus"], KEYS, 2, /unknown option --bogus.*eks-token --help/],
    ["a stray positional", ["eks", "foo", "--cluster-name", "prod"], KEYS, 2, /unexpected argument "eks foo"/],
    [
      "an invalid AWS_USE_FIPS_ENDPOINT",
      ["--cluster-name", "prod", "--region", "us-east-1"],
      { ...KEYS, AWS_USE_FIPS_ENDPOINT: "maybe" },
      1,
      /invalid value "maybe" for AWS_USE_FIPS_ENDPOINT/,
    ],
  ];

  it.each(CASES)("%s", async (_label, args, extra, code, pattern) => {
    expectFailure(await run(args, extra), code, pattern);
  });

  it("no credentials at all: says which sources were tried and suggests `aws configure`", async () => {
    const line = expectFailure(
      await run(["--cluster-name", "prod", "--region", "us-west-2"]),
      1,
      /^eks-token: no AWS credentials found \(tried /,
    );
    for (const source of [
      "environment variables",
      `profile "default" in ${home.configPath} and ${home.credentialsPath}`,
      "SSO",
      "credential_process",
      "web identity",
      "container credentials",
      "instance metadata",
    ]) {
      expect(line).toContain(source);
    }
    expect(line).toContain("`aws configure`");
  });

  it("no credentials with --debug: still no stack trace and the same last line", async () => {
    const result = await run(["--cluster-name", "prod", "--debug"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).not.toMatch(/^\s+at /m);
    const lines = result.stderr.trim().split("\n");
    expect(lines.every((l) => l.startsWith("eks-token: "))).toBe(true);
    expect(lines.filter((l) => !l.startsWith("eks-token: debug: "))).toEqual([
      expect.stringMatching(/^eks-token: no AWS credentials found/),
    ]);
  });
});

describe("--debug", () => {
  it("goes to stderr only, and never shows the secret key, session token or the token's signature", async () => {
    const result = await run(["--cluster-name", "prod", "--region", "us-west-2", "--debug"], SESSION);
    const cred = expectCredential(result, { stderr: "any" });
    const url = urlOf(cred.status.token);
    const signature = url.searchParams.get("X-Amz-Signature") as string;
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(result.stderr).toContain("eks-token: debug: ");
    // It did say something useful.
    expect(result.stderr).toContain("sts.us-west-2.amazonaws.com");
    expect(result.stderr).toContain(SESSION.AWS_ACCESS_KEY_ID);
    for (const secret of [
      SESSION.AWS_SECRET_ACCESS_KEY,
      SESSION_TOKEN,
      encodeURIComponent(SESSION_TOKEN),
      SESSION_TOKEN.slice(0, 24),
      signature,
      signature.slice(0, 16),
      cred.status.token.slice(11, 60),
    ]) {
      expect(result.stderr).not.toContain(secret);
    }
    expect(
      result.stderr
        .split("\n")
        .filter(Boolean)
        .every((l) => l.startsWith("eks-token: ")),
    ).toBe(true);
  });

  it("EKS_TOKEN_DEBUG=1 is --debug", async () => {
    const result = await run(["--cluster-name", "prod"], { ...KEYS, EKS_TOKEN_DEBUG: "1" });
    expectCredential(result, { stderr: "any" });
    expect(result.stderr).toContain("eks-token: debug: ");
    expect(result.stderr).not.toContain(KEYS.AWS_SECRET_ACCESS_KEY);
  });
});

describe("--help and --version", () => {
  it("--help: usage on stdout, exit 0", async () => {
    const result = await run(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("Usage:");
    expect(result.stdout).toContain("--cluster-name");
  });

  it("-h is --help", async () => {
    const result = await run(["-h"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage:");
  });

  it("--version: the package's version and the runtime, exit 0", async () => {
    const result = await run(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(`eks-token ${VERSION} (${RUNTIME_LABEL})\n`);
  });
});
