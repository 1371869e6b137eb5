import { describe, expect, it } from "vitest";
import { runVerify } from "../../src/cli/verify-command.js";
import { SIGNED_AT, USER_CREDS, fakeIo, handQuery, handToken, makeToken, presignedUrl } from "./fixtures.js";

const SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN+/abc==";
const SESSION_CREDS = {
  accessKeyId: "ASIAVERIFYSESSION001",
  secretAccessKey: USER_CREDS.secretAccessKey,
  sessionToken: SESSION_TOKEN,
};
// 3m 28s after signing: 11m 32s of the server's 15-minute window remain.
const NOW = SIGNED_AT + 208_000;

function secretsOf(url: string): string[] {
  const params = new URL(url).searchParams;
  return [params.get("X-Amz-Signature")!, params.get("X-Amz-Security-Token") ?? "unused-placeholder"];
}

describe("eks-token verify (shape only)", () => {
  const url = presignedUrl({ credentials: SESSION_CREDS });
  const token = makeToken({ credentials: SESSION_CREDS });

  it("prints the token's facts and exits 0", async () => {
    const run = fakeIo({ now: NOW });
    expect(await runVerify([token], run.io)).toBe(0);
    expect(run.stderrText()).toBe("");
    const text = run.stdoutText();
    expect(text).toMatch(/^STS host:\s+sts\.us-west-2\.amazonaws\.com$/m);
    expect(text).toMatch(/^partition:\s+aws$/m);
    expect(text).toMatch(/^region:\s+us-west-2$/m);
    expect(text).toMatch(/^access key id:\s+ASIAVERIFYSESSION001$/m);
    expect(text).toMatch(/^signed at:\s+2025-01-15T12:00:00Z$/m);
    expect(text).toMatch(/^expires at:\s+2025-01-15T12:15:00Z \(11m 32s left\)$/m);
    expect(text).toMatch(/^session token:\s+present$/m);
    expect(text).toMatch(/^signed headers:\s+host;x-k8s-aws-id$/m);
    expect(text).toMatch(/^X-Amz-Expires:\s+60$/m);
  });

  it("never prints the token, its signature or the session token", async () => {
    for (const output of ["text", "json"]) {
      const run = fakeIo({ now: NOW });
      await runVerify([token, "--output", output], run.io);
      for (const secret of [token.slice(11, 60), ...secretsOf(url)]) {
        expect(run.stdoutText() + run.stderrText()).not.toContain(secret);
      }
    }
  });

  it("prints the same facts as JSON", async () => {
    const run = fakeIo({ now: NOW });
    expect(await runVerify([token, "--output", "json"], run.io)).toBe(0);
    expect(JSON.parse(run.stdoutText())).toEqual({
      valid: true,
      checkedWithSts: false,
      stsHost: "sts.us-west-2.amazonaws.com",
      partition: "aws",
      region: "us-west-2",
      accessKeyId: "ASIAVERIFYSESSION001",
      signedAt: "2025-01-15T12:00:00Z",
      expiresAt: "2025-01-15T12:15:00Z",
      secondsLeft: 692,
      sessionToken: true,
      signedHeaders: ["host", "x-k8s-aws-id"],
      xAmzExpires: 60,
    });
  });

  it.each([
    ["the token", (t: string) => t],
    ["the token with whitespace", (t: string) => `\n  ${t}  \n`],
    ["Bearer <token>", (t: string) => `Bearer ${t}\n`],
    [
      "an ExecCredential",
      (t: string) =>
        JSON.stringify({
          kind: "ExecCredential",
          apiVersion: "client.authentication.k8s.io/v1beta1",
          spec: {},
          status: { expirationTimestamp: "2025-01-15T12:14:00Z", token: t },
        }),
    ],
  ])("reads %s from stdin (no argument and -)", async (_name, wrap) => {
    for (const args of [[], ["-"]]) {
      const run = fakeIo({ now: NOW, stdin: wrap(token) });
      expect(await runVerify(args, run.io)).toBe(0);
      expect(run.stdoutText()).toContain("11m 32s left");
    }
  });

  it("accepts Bearer <token> as the argument", async () => {
    const run = fakeIo({ now: NOW });
    expect(await runVerify([`Bearer ${token}`], run.io)).toBe(0);
  });

  it("exits 3 on a malformed token with one stderr line and empty stdout", async () => {
    const run = fakeIo({ now: NOW });
    const bad = handToken(`https://evil.example.com/?${handQuery()}`);
    expect(await runVerify([bad], run.io)).toBe(3);
    expect(run.stdoutText()).toBe("");
    expect(run.err).toHaveLength(1);
    expect(run.stderrText()).toMatch(
      /^eks-token: token is signed for host "evil\.example\.com", which is not an STS endpoint of a known partition .*: sign against sts\.REGION\.amazonaws\.com.*\n$/,
    );
  });

  it("exits 4 on an expired token and says how long ago", async () => {
    const run = fakeIo({ now: SIGNED_AT + 18 * 60_000 });
    expect(await runVerify([token], run.io)).toBe(4);
    expect(run.stdoutText()).toBe("");
    expect(run.stderrText()).toMatch(
      /^eks-token: token expired 3m ago \(signed at 2025-01-15T12:00:00Z.*\): get a fresh token/,
    );
    expect(run.stderrText()).not.toContain(SESSION_TOKEN);
  });

  it("prints a failure object in JSON mode", async () => {
    const run = fakeIo({ now: NOW });
    expect(await runVerify(["k8s-aws-v2.abc", "-o", "json"], run.io)).toBe(3);
    expect(JSON.parse(run.stdoutText())).toMatchObject({ valid: false, code: "token-malformed", rule: "prefix" });
    expect(run.err).toHaveLength(1);
  });

  it.each([
    [["--sts"], "eks-token: --sts needs --cluster-name: STS checks the signature"],
    [["--bogus"], "eks-token: unknown option --bogus"],
    [["--output", "yaml", "tok"], 'eks-token: unknown output format "yaml": use --output text or --output json'],
    [["a", "b"], "eks-token: verify takes at most one token"],
  ])("exits 2 on usage error %j", async (args, message) => {
    const run = fakeIo({ now: NOW, stdin: makeToken() });
    expect(await runVerify(args, run.io)).toBe(2);
    expect(run.stdoutText()).toBe("");
    expect(run.stderrText()).toContain(message);
  });

  it("exits 2 on empty input and on JSON without status.token", async () => {
    for (const stdin of ["   \n", '{"kind":"ExecCredential"}', "{not json"]) {
      const run = fakeIo({ now: NOW, stdin });
      expect(await runVerify([], run.io)).toBe(2);
      expect(run.err).toHaveLength(1);
    }
  });

  it("prints usage with --help", async () => {
    const run = fakeIo();
    expect(await runVerify(["--help"], run.io)).toBe(0);
    expect(run.stdoutText()).toContain("usage: eks-token verify");
  });
});
