// The built CLI with odd AWS shared files: what the SDK's loader reads is what gets signed for, a
// FIFO or a device named as a shared file is refused at once with one `eks-token:` line (never a
// hang or an endless read), and a pathological line costs no more than an ordinary one.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, hermeticEnv, makeTempHome, runCli, type CliResult, type TempHome } from "../support/cli.js";
import { verifyPresignedUrl } from "../support/sigv4.js";

const KEYS = {
  AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
/** The same keys as settings of a profile (with a profile named, the SDK takes its keys from it). */
const PROFILE_KEYS = `aws_access_key_id = ${KEYS.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${KEYS.AWS_SECRET_ACCESS_KEY}\n`;

let home: TempHome;
let fifo: string;
beforeAll(async () => {
  home = makeTempHome("eks-token-shared-files-");
  home.writeConfig("");
  fifo = join(home.home, "fifo");
  const made = spawnSync("mkfifo", [fifo]);
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
  await ensureBuilt();
}, 240_000);
afterAll(() => home?.cleanup());

const run = (extra: Record<string, string | undefined>) =>
  runCli(["token", "--cluster-name", "prod"], {
    env: hermeticEnv(home.home, { ...KEYS, ...extra }),
    timeoutMs: 15_000,
  });

/** The token's presigned URL, checked with the independent SigV4 verifier for the keys above. */
function signedUrl(result: CliResult): URL {
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  const token = (JSON.parse(result.stdout) as { status: { token: string } }).status.token;
  const url = new URL(Buffer.from(token.slice("k8s-aws-v1.".length), "base64url").toString("utf8"));
  const verified = verifyPresignedUrl({
    url: url.toString(),
    headers: { host: url.host, "x-k8s-aws-id": "prod" },
    secretForAccessKey: (id) =>
      id === KEYS.AWS_ACCESS_KEY_ID ? { secretAccessKey: KEYS.AWS_SECRET_ACCESS_KEY } : undefined,
    validitySeconds: 900,
    requiredSignedHeaders: ["x-k8s-aws-id"],
  });
  expect(verified).toMatchObject({ ok: true });
  return url;
}

function refusal(result: CliResult): string {
  expect(result.signal).toBeNull();
  expect(result.code).toBe(1);
  expect(result.stdout).toBe("");
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^eks-token: /);
  return lines[0]!;
}

describe("what the SDK's loader reads is signed for", () => {
  it("an indented region (the China partition's host)", async () => {
    home.writeConfig("[default]\n  region = cn-north-1\n");
    expect(signedUrl(await run({})).host).toBe("sts.cn-north-1.amazonaws.com.cn");
  });

  it("a region with a comment after it", async () => {
    home.writeConfig("[default]\nregion = eu-west-1 # ireland\n");
    expect(signedUrl(await run({})).host).toBe("sts.eu-west-1.amazonaws.com");
  });

  it("an empty region in the credentials file leaves the config file's", async () => {
    home.writeConfig("[profile dev]\nregion = ap-southeast-2\n");
    home.writeCredentials(`[dev]\n${PROFILE_KEYS}region =\n`);
    expect(signedUrl(await run({ AWS_PROFILE: "dev" })).host).toBe("sts.ap-southeast-2.amazonaws.com");
  });

  it("use_fips_endpoint from the config file over the credentials file", async () => {
    home.writeConfig('[profile "dev"]\nregion = us-east-1\nuse_fips_endpoint = false\n');
    home.writeCredentials(`[dev]\n${PROFILE_KEYS}use_fips_endpoint = true\n`);
    expect(signedUrl(await run({ AWS_PROFILE: "dev" })).host).toBe("sts.us-east-1.amazonaws.com");
  });
});

describe("a shared file that is not a regular file", () => {
  it("a FIFO as AWS_CONFIG_FILE is refused at once (no writer: opening it would block)", async () => {
    const line = refusal(await run({ AWS_CONFIG_FILE: fifo }));
    expect(line).toBe(
      `eks-token: the AWS config file ${JSON.stringify(fifo)} (from AWS_CONFIG_FILE) is a FIFO, not a regular file: point AWS_CONFIG_FILE at a regular file (or /dev/null for none)`,
    );
  });

  it("a FIFO as AWS_SHARED_CREDENTIALS_FILE is refused", async () => {
    expect(refusal(await run({ AWS_SHARED_CREDENTIALS_FILE: fifo }))).toContain(
      `the AWS credentials file ${JSON.stringify(fifo)} (from AWS_SHARED_CREDENTIALS_FILE) is a FIFO`,
    );
  });

  it("/dev/zero as AWS_SHARED_CREDENTIALS_FILE is refused, not read without end", async () => {
    expect(refusal(await run({ AWS_SHARED_CREDENTIALS_FILE: "/dev/zero" }))).toContain(
      'the AWS credentials file "/dev/zero" (from AWS_SHARED_CREDENTIALS_FILE) is a character device',
    );
  });

  it("/dev/zero as AWS_CONFIG_FILE is refused", async () => {
    expect(refusal(await run({ AWS_CONFIG_FILE: "/dev/zero" }))).toContain("is a character device, not a regular file");
  });

  it("~/.aws/config as a FIFO (no AWS_CONFIG_FILE) is refused, with what to do", async () => {
    const { rmSync, renameSync } = await import("node:fs");
    rmSync(home.configPath, { force: true });
    renameSync(fifo, home.configPath);
    try {
      const line = refusal(await run({ AWS_CONFIG_FILE: undefined }));
      expect(line).toBe(
        `eks-token: the AWS config file ${JSON.stringify(home.configPath)} is a FIFO, not a regular file: replace it with a regular file`,
      );
    } finally {
      renameSync(home.configPath, fifo);
    }
  });

  it("/dev/null reads as an empty file", async () => {
    home.writeCredentials("");
    expect(
      signedUrl(
        await run({ AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null", AWS_REGION: "eu-north-1" }),
      ).host,
    ).toBe("sts.eu-north-1.amazonaws.com");
  });
});

describe("pathological lines", () => {
  it("a line of `[`, 100,000 spaces and a letter before the profile", async () => {
    home.writeConfig(`[${" ".repeat(100_000)}x\n[default]\nregion = eu-west-1\n`);
    expect(signedUrl(await run({})).host).toBe("sts.eu-west-1.amazonaws.com");
  });

  it("100,000 characters of `[`, `=`, `#` and spaces in both files", async () => {
    home.writeConfig(
      `[default]\nregion = eu-central-1\n${"[ =#".repeat(25_000)}\n${"[".repeat(100_000)}\n[${" ".repeat(100_000)}]x\n`,
    );
    home.writeCredentials(`${"= #[".repeat(25_000)}\n[default]\n[${"\t".repeat(100_000)}=\n`);
    expect(signedUrl(await run({})).host).toBe("sts.eu-central-1.amazonaws.com");
  });
});
