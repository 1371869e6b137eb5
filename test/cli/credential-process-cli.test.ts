// credential_process failures as the user sees them, through the built CLI: one line naming
// credential_process and the profile, with the command's first stderr line or what is wrong with
// its output; nothing on stdout; the command run exactly once (each script appends a line to a
// counter file when it starts); a hung command stopped at its own limit, not blamed on an endpoint.
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, hermeticEnv, makeTempHome, runCli, type TempHome } from "../support/cli.js";
import { expectCredential, expectFailure } from "../support/expect.js";

const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const GOOD = { Version: 1, AccessKeyId: "AKIDPROCESSEXAMPLE01", SecretAccessKey: SECRET };

let h: TempHome;
let counter: string;

beforeAll(async () => {
  await ensureBuilt();
  h = makeTempHome();
  counter = join(h.home, "runs");
});
afterAll(() => h.cleanup());

/** A script that counts its runs, then does `body`; the profile "proc" runs it. */
function processProfile(body: string, options: { mode?: number; path?: string } = {}): void {
  const path = options.path ?? join(h.home, "helper.sh");
  rmSync(counter, { force: true });
  if (!options.path) {
    writeFileSync(path, `#!/bin/sh\necho run >> '${counter}'\n${body}\n`);
    chmodSync(path, options.mode ?? 0o755);
  }
  h.writeConfig(`[profile proc]\ncredential_process = ${path} --flag\nregion = us-west-2\n`);
}

function runs(): number {
  try {
    return readFileSync(counter, "utf8").split("\n").filter(Boolean).length;
  } catch {
    return 0;
  }
}

const token = (extra: string[] = [], timeoutMs?: number) =>
  runCli(["--cluster-name", "c", "--profile", "proc", ...extra], {
    env: hermeticEnv(h.home),
    ...(timeoutMs ? { timeoutMs } : {}),
  });

describe("credential_process through the CLI", () => {
  it("works, and runs the command once", async () => {
    processProfile(`echo '${JSON.stringify(GOOD)}'`);
    expectCredential(await token());
    expect(runs()).toBe(1);
  });

  it.each([
    [
      "exit 3 with a message on stderr",
      `echo "no session for alice: aws_secret_access_key=${SECRET}" >&2; exit 3`,
      /^eks-token: credential_process of profile "proc" failed \(exit 3\): no session for alice: aws_secret_access_key=<redacted>: run the command in a shell/,
    ],
    [
      "junk output",
      "echo 'Password: hunter2'",
      /^eks-token: credential_process of profile "proc" printed 18 bytes that are not JSON: it must print one JSON object/,
    ],
    ["JSON cut short", `printf '{"Version": 1, "AccessKeyId": "A'`, /printed \d+ bytes that are not JSON/],
    ["JSON that is not an object", "echo '[1,2]'", /printed JSON that is not an object/],
    [
      "the wrong Version",
      `echo '${JSON.stringify({ ...GOOD, Version: 2 })}'`,
      /credential_process of profile "proc" printed Version "2", not 1/,
    ],
    [
      "no AccessKeyId",
      `echo '{"Version":1,"SecretAccessKey":"x"}'`,
      /credential_process of profile "proc" printed no AccessKeyId/,
    ],
    [
      "no SecretAccessKey",
      `echo '{"Version":1,"AccessKeyId":"A"}'`,
      /credential_process of profile "proc" printed no SecretAccessKey/,
    ],
    [
      "a bad Expiration",
      `echo '${JSON.stringify({ ...GOOD, Expiration: "tomorrow" })}'`,
      /printed an Expiration that is not a date/,
    ],
    ["too much output", "exec yes", /credential_process of profile "proc" printed more than 256 kB and was stopped/],
  ])("%s: one line naming it, run once", async (_label, body, pattern) => {
    processProfile(body);
    const result = await token();
    const line = expectFailure(result, pattern);
    expect(result.code).toBe(1);
    expect(line).not.toMatch(/no AWS credentials found|aws configure|endpoint/);
    expect(result.stderr).not.toContain("wJalrX");
    expect(runs()).toBe(1);
  });

  it("a file that is not executable", async () => {
    processProfile("exit 0", { mode: 0o644 });
    const line = expectFailure(
      await token(),
      /credential_process of profile "proc" failed \(exit 126\): .*helper\.sh: Permission denied/,
    );
    expect(line).toMatch(/chmod \+x/);
    expect(runs()).toBe(0);
  });

  it("a path that does not exist", async () => {
    processProfile("", { path: join(h.home, "no", "such", "helper") });
    expectFailure(
      await token(),
      /credential_process of profile "proc" failed \(exit 127\): .*helper: not found: the command was not found/,
    );
  });

  it("the default profile's credential_process names the default profile", async () => {
    processProfile("echo broken >&2; exit 1");
    h.writeConfig(`[default]\ncredential_process = ${join(h.home, "helper.sh")}\n`);
    const result = await runCli(["--cluster-name", "c"], { env: hermeticEnv(h.home) });
    expectFailure(result, /^eks-token: credential_process of profile "default" failed \(exit 1\): broken/);
    expect(runs()).toBe(1);
  });

  it("a role profile whose source_profile runs a failing command: named, run once", async () => {
    processProfile("echo 'login required' >&2; exit 4");
    h.writeConfig(
      `[profile base]\ncredential_process = ${join(h.home, "helper.sh")}\n` +
        "[profile proc]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\nregion = us-west-2\n",
    );
    const line = expectFailure(
      await token(),
      /credential_process of a source profile of "proc" failed: login required/,
    );
    expect(line).not.toMatch(/no AWS credentials found/);
    expect(runs()).toBe(1);
  });

  it("the command's failure is no cache entry and no retry: a second call runs it once more", async () => {
    processProfile("exit 5");
    const env = hermeticEnv(h.home, { EKS_TOKEN_NO_CACHE: undefined, EKS_TOKEN_CACHE_DIR: join(h.home, "cache") });
    const first = await runCli(["--cluster-name", "c", "--profile", "proc"], { env });
    expectFailure(first, /failed \(exit 5\)/);
    const second = await runCli(["--cluster-name", "c", "--profile", "proc"], { env });
    expectFailure(second, /failed \(exit 5\)/);
    expect(runs()).toBe(2);
  });

  it("a hung command is stopped at credential_process's own limit, not blamed on an endpoint", async () => {
    processProfile("exec sleep 60");
    const result = await token([], 25_000);
    const line = expectFailure(
      result,
      /^eks-token: credential_process of profile "proc" did not finish within 10 s and was stopped/,
    );
    expect(line).not.toMatch(/endpoint did not answer|STS, SSO/);
    expect(result.durationMs).toBeLessThan(20_000);
    expect(runs()).toBe(1);
  });
});
