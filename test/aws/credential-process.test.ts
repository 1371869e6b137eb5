// A profile's credential_process: which profiles run one (as the SDK decides), what its output must
// be, and how each failure reads. The runner is tested with real commands, each of which appends
// a line to a counter file when it starts, so "run once" is counted, not assumed.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  credentialProcessOf,
  parseProcessOutput,
  runCredentialProcess,
  type CredentialProcessOptions,
} from "../../src/aws/credential-process.js";
import { EksTokenError } from "../../src/errors.js";

const GOOD = { Version: 1, AccessKeyId: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };

describe("credentialProcessOf (the SDK's order: role, static keys, web identity, then credential_process)", () => {
  it.each([
    ["credential_process alone", { credential_process: "cmd" }, "cmd"],
    ["with a region", { credential_process: "cmd", region: "us-west-2" }, "cmd"],
    ["an empty command", { credential_process: "" }, ""],
    ["with static keys", { credential_process: "cmd", aws_access_key_id: "A", aws_secret_access_key: "S" }, undefined],
    ["with a key id only", { credential_process: "cmd", aws_access_key_id: "A" }, "cmd"],
    ["a role with source_profile", { credential_process: "cmd", role_arn: "r", source_profile: "b" }, undefined],
    [
      "a role with credential_source",
      { credential_process: "cmd", role_arn: "r", credential_source: "Environment" },
      undefined,
    ],
    [
      "a role with both sources (not a role to the SDK)",
      { credential_process: "cmd", role_arn: "r", source_profile: "b", credential_source: "Environment" },
      "cmd",
    ],
    ["a role_arn without a source", { credential_process: "cmd", role_arn: "r" }, "cmd"],
    ["web identity", { credential_process: "cmd", role_arn: "r", web_identity_token_file: "/t" }, undefined],
    ["none", { region: "us-west-2" }, undefined],
  ])("%s", (_label, profile, expected) => {
    expect(credentialProcessOf(profile)).toBe(expected);
  });
});

function refusal(fn: () => unknown): EksTokenError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EksTokenError);
    return e as EksTokenError;
  }
  throw new Error("expected a refusal");
}

describe("parseProcessOutput", () => {
  it("reads Version 1 with a session token and an expiry", () => {
    const out = parseProcessOutput(
      "dev",
      `${JSON.stringify({ ...GOOD, SessionToken: "tok", Expiration: "2030-01-01T01:00:00Z" })}\n`,
    );
    expect(out).toEqual({
      accessKeyId: GOOD.AccessKeyId,
      secretAccessKey: GOOD.SecretAccessKey,
      sessionToken: "tok",
      expiration: new Date("2030-01-01T01:00:00Z"),
    });
    expect(parseProcessOutput("dev", JSON.stringify(GOOD))).toEqual({
      accessKeyId: GOOD.AccessKeyId,
      secretAccessKey: GOOD.SecretAccessKey,
    });
  });

  it.each([
    ["nothing", "", /printed nothing on stdout/],
    ["blank lines", "\n \n", /printed nothing on stdout/],
    ["junk", "hello world", /printed 11 bytes that are not JSON/],
    ["half a JSON object", '{"Version": 1,', /that are not JSON/],
    ["an array", "[1]", /JSON that is not an object/],
    ["null", "null", /JSON that is not an object/],
    ["a string", '"x"', /JSON that is not an object/],
    ["no Version", JSON.stringify({ AccessKeyId: "A", SecretAccessKey: "S" }), /printed no Version/],
    ["Version 2", JSON.stringify({ ...GOOD, Version: 2 }), /printed Version "2", not 1/],
    ['Version "1"', JSON.stringify({ ...GOOD, Version: "1" }), /printed Version "1", not 1/],
    ["no AccessKeyId", JSON.stringify({ Version: 1, SecretAccessKey: "S" }), /printed no AccessKeyId/],
    ["an empty AccessKeyId", JSON.stringify({ ...GOOD, AccessKeyId: "" }), /printed no AccessKeyId/],
    ["a numeric AccessKeyId", JSON.stringify({ ...GOOD, AccessKeyId: 5 }), /printed no AccessKeyId/],
    ["no SecretAccessKey", JSON.stringify({ Version: 1, AccessKeyId: "A" }), /printed no SecretAccessKey/],
    [
      "a SessionToken that is a number",
      JSON.stringify({ ...GOOD, SessionToken: 7 }),
      /SessionToken that is not a string/,
    ],
    [
      "an Expiration that is not a date",
      JSON.stringify({ ...GOOD, Expiration: "soon" }),
      /Expiration that is not a date/,
    ],
    ["an Expiration that is a number", JSON.stringify({ ...GOOD, Expiration: 5 }), /Expiration that is not a date/],
  ])("refuses %s", (_label, stdout, message) => {
    const e = refusal(() => parseProcessOutput("dev", stdout));
    expect(e.code).toBe("no-credentials");
    expect(e.message).toMatch(/^credential_process of profile "dev" /);
    expect(e.message).toMatch(message);
    expect(e.hint).toMatch(/Version 1, AccessKeyId and SecretAccessKey/);
  });

  it("never shows what the command printed (it may be a secret)", () => {
    const e = refusal(() => parseProcessOutput("dev", `not json ${GOOD.SecretAccessKey}`));
    expect(e.reportLine).not.toContain("wJalrX");
  });
});

describe("runCredentialProcess", () => {
  let dir: string;
  let counter: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "eks-token-process-"));
    counter = join(dir, "runs");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A shell script that counts its runs, then does `body`. */
  function script(name: string, body: string, mode = 0o755): string {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\necho run >> '${counter}'\n${body}\n`);
    chmodSync(path, mode);
    return path;
  }
  function runs(): number {
    try {
      return readFileSync(counter, "utf8").split("\n").filter(Boolean).length;
    } catch {
      return 0;
    }
  }
  async function failure(options: Partial<CredentialProcessOptions> & { command: string }): Promise<EksTokenError> {
    rmSync(counter, { force: true });
    const e = await runCredentialProcess({ profileName: "dev", env: { PATH: process.env["PATH"] }, ...options }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(EksTokenError);
    return e as EksTokenError;
  }

  it("returns the credentials a command prints, and runs it once", async () => {
    rmSync(counter, { force: true });
    const command = script("good.sh", `echo '${JSON.stringify(GOOD)}'`);
    const creds = await runCredentialProcess({ profileName: "dev", command, env: {} });
    expect(creds).toEqual({ accessKeyId: GOOD.AccessKeyId, secretAccessKey: GOOD.SecretAccessKey });
    expect(runs()).toBe(1);
  });

  it("passes the environment it is given, and closes stdin", async () => {
    const command = script(
      "env.sh",
      `read line; echo "{\\"Version\\":1,\\"AccessKeyId\\":\\"$MY_KEY\\",\\"SecretAccessKey\\":\\"s-$line\\"}"`,
    );
    const creds = await runCredentialProcess({ profileName: "dev", command, env: { MY_KEY: "AKIDFROMENV" } });
    expect(creds).toEqual({ accessKeyId: "AKIDFROMENV", secretAccessKey: "s-" });
  });

  it("a failing command: its exit code and the first line of its stderr, redacted", async () => {
    const e = await failure({
      command: script(
        "fail.sh",
        `echo >&2; echo "  token expired for aws_secret_access_key=${GOOD.SecretAccessKey}" >&2; echo second >&2; exit 3`,
      ),
    });
    expect(e.code).toBe("no-credentials");
    expect(e.message).toBe(
      'credential_process of profile "dev" failed (exit 3): token expired for aws_secret_access_key=<redacted>',
    );
    expect(e.hint).toMatch(/run the command in a shell/);
    expect(runs()).toBe(1);
  });

  it("a failing command with nothing on stderr", async () => {
    const e = await failure({ command: script("quiet.sh", "exit 9") });
    expect(e.message).toBe('credential_process of profile "dev" failed (exit 9)');
  });

  it("a long or hostile stderr line is bounded and escaped", async () => {
    const e = await failure({
      command: script(
        "loud.sh",
        `printf 'a\\033[2Jb\\342\\200\\256%s\\n' "$(head -c 5000 /dev/zero | tr '\\0' x)" >&2; exit 1`,
      ),
    });
    expect(e.message.length).toBeLessThan(260);
    expect(e.message).toContain("a\\u001b[2Jb\\u202e");
    expect(e.message).not.toMatch(/[\u001b\u202e]/);
  });

  it("a command killed by a signal", async () => {
    const e = await failure({ command: "kill -TERM $$" });
    expect(e.message).toBe('credential_process of profile "dev" was killed by SIGTERM');
  });

  it("a file that is not executable", async () => {
    const e = await failure({ command: script("noexec.sh", "exit 0", 0o644) });
    expect(e.message).toMatch(
      /^credential_process of profile "dev" failed \(exit 126\): .*noexec\.sh: Permission denied$/,
    );
    expect(e.hint).toMatch(/not executable/);
  });

  it("a path that does not exist", async () => {
    const e = await failure({ command: join(dir, "missing", "helper") });
    expect(e.message).toMatch(/^credential_process of profile "dev" failed \(exit 127\): .*helper: not found$/);
    expect(e.hint).toMatch(/not found/);
  });

  it("an empty command", async () => {
    const e = await failure({ command: "  " });
    expect(e.code).toBe("config");
    expect(e.message).toBe('credential_process of profile "dev" is empty');
  });

  it("too much output: stopped, not read to the end", async () => {
    const e = await failure({ command: script("flood.sh", "exec yes"), maxOutputBytes: 64 * 1024 });
    expect(e.message).toBe('credential_process of profile "dev" printed more than 64 kB and was stopped');
    expect(runs()).toBe(1);
  });

  it("a hung command: stopped at its own time limit, which the message names", async () => {
    const started = Date.now();
    const e = await failure({ command: script("hang.sh", "exec sleep 30"), timeoutMs: 500 });
    expect(e.code).toBe("timeout");
    expect(e.message).toBe('credential_process of profile "dev" did not finish within 0.5 s and was stopped');
    expect(e.reportLine).not.toMatch(/endpoint/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(runs()).toBe(1);
  });
});
