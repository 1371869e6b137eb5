// A token longer than the API server accepts (4096 characters, from a long session token) is
// refused with one line and exit 1, as `verify` refuses it, rather than printed with exit 0;
// nothing is cached. The longest session token that still fits gives a token.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ALICE,
  REGION,
  ensureBuilt,
  expectCredential,
  makeSandbox,
  tokenEntries,
  type Sandbox,
} from "../support/cache-fixture.js";
import { RUNTIME_LABEL } from "../support/cli.js";

const sandboxes: Sandbox[] = [];
beforeAll(() => ensureBuilt(), 240_000);
afterEach(() => {
  for (const s of sandboxes.splice(0)) s.cleanup();
});

function run(sessionTokenLength: number) {
  const s = makeSandbox();
  sandboxes.push(s);
  const env = s.env({
    AWS_ACCESS_KEY_ID: "ASIALONGTOKENTEST001",
    AWS_SECRET_ACCESS_KEY: ALICE.secretAccessKey,
    AWS_SESSION_TOKEN: "A".repeat(sessionTokenLength),
    AWS_REGION: REGION,
  });
  return { s, result: s.run(["token", "--cluster-id", "alpha"], { env }) };
}

describe(`token length (${RUNTIME_LABEL})`, () => {
  it("a session token that makes a token over 4096 characters: one line, exit 1, nothing cached", async () => {
    const { s, result } = run(3_500);
    const r = await result;
    expect(r.stdout).toBe("");
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /^eks-token: the token would be \d{4} characters, more than the 4096 the EKS API server accepts: a long session token makes a long token; use credentials with a shorter session token\n$/,
    );
    expect(r.stderr).not.toContain("AAAAAAAA");
    expect(tokenEntries(s.cacheDir)).toEqual([]);
  });

  it("a session token that keeps the token within 4096 characters: the token is printed", async () => {
    const { result } = run(2_500);
    const credential = expectCredential(await result);
    expect(credential.token.length).toBeLessThanOrEqual(4096);
  });
});
