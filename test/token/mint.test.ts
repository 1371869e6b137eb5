// A token the API server would refuse (over 4096 characters, made by a long session token) is
// never handed out: minting fails with a clear error instead.
import { describe, expect, it } from "vitest";
import { isEksTokenError } from "../../src/errors.js";
import { MAX_TOKEN_LENGTH } from "../../src/token/encode.js";
import { mintToken } from "../../src/token/mint.js";
import { stsEndpoint } from "../../src/token/sts-host.js";

const target = { clusterId: "alpha", endpoint: stsEndpoint({ region: "us-west-2" }) };
const keys = { accessKeyId: "ASIAMINTTEST00000001", secretAccessKey: "mint/secret/0000000000000000000000000000" };
const at = new Date("2026-01-01T00:00:00Z");

describe("mintToken", () => {
  it("mints the longest token the server accepts and refuses one character more", async () => {
    // Grow the session token until the token passes the limit; the last one that fits is minted.
    let fits = 0;
    let size = 2500;
    for (; size < 4000; size++) {
      const sessionToken = "A".repeat(size);
      const result = await mintToken(target, { ...keys, sessionToken }, at).catch((e: unknown) => e);
      if (isEksTokenError(result)) {
        expect(result.code).toBe("too-large");
        const m = /^the token would be (\d+) characters, more than the 4096 the EKS API server accepts$/.exec(
          result.message,
        );
        expect(Number(m?.[1])).toBeGreaterThan(MAX_TOKEN_LENGTH);
        expect(Number(m?.[1])).toBeLessThan(MAX_TOKEN_LENGTH + 4);
        expect(result.message).not.toContain("AAAA");
        break;
      }
      fits = (result as { token: string }).token.length;
    }
    expect(size).toBeLessThan(4000);
    expect(fits).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
    expect(fits).toBeGreaterThan(MAX_TOKEN_LENGTH - 4);
  });
});
