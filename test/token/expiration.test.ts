// expirationTimestamp (docs/contract.md, "Token format"): signing + 14 minutes, never later than the signing
// credentials' own expiry minus a minute (aws-iam-authenticator #590, #724), whole seconds down.
import { describe, expect, it } from "vitest";
import {
  CREDENTIAL_EXPIRY_MARGIN_MS,
  TOKEN_LIFETIME_MS,
  formatTimestamp,
  tokenExpiration,
} from "../../src/token/expiration.js";

const SIGNED = new Date(Date.UTC(2023, 3, 28, 0, 0, 0)); // 1682640000
const at = (iso: string) => new Date(iso);

describe("tokenExpiration", () => {
  it("constants: 14 minutes and a 60 s margin", () => {
    expect(TOKEN_LIFETIME_MS).toBe(14 * 60 * 1000);
    expect(CREDENTIAL_EXPIRY_MARGIN_MS).toBe(60 * 1000);
  });

  it("without credential expiry: signing time + 14 min", () => {
    expect(tokenExpiration(SIGNED).toISOString()).toBe("2023-04-28T00:14:00.000Z");
  });

  it("credentials that outlive the token do not change it", () => {
    expect(tokenExpiration(SIGNED, at("2023-04-28T01:00:00Z")).toISOString()).toBe("2023-04-28T00:14:00.000Z");
    // Exactly at the boundary: expiry - 60 s == signing + 14 min.
    expect(tokenExpiration(SIGNED, at("2023-04-28T00:15:00Z")).toISOString()).toBe("2023-04-28T00:14:00.000Z");
  });

  it("credentials expiring sooner cap it at their expiration minus 60 s", () => {
    expect(tokenExpiration(SIGNED, at("2023-04-28T00:10:00Z")).toISOString()).toBe("2023-04-28T00:09:00.000Z");
    expect(tokenExpiration(SIGNED, at("2023-04-28T00:14:59Z")).toISOString()).toBe("2023-04-28T00:13:59.000Z");
    expect(tokenExpiration(SIGNED, at("2023-04-28T00:01:30Z")).toISOString()).toBe("2023-04-28T00:00:30.000Z");
  });

  it("credentials already (nearly) expired give an expiration in the past, never a later one", () => {
    expect(tokenExpiration(SIGNED, at("2023-04-28T00:00:30Z")).getTime()).toBeLessThan(SIGNED.getTime());
  });

  it("fractional seconds are rounded down", () => {
    expect(tokenExpiration(new Date(SIGNED.getTime() + 999)).toISOString()).toBe("2023-04-28T00:14:00.000Z");
    expect(tokenExpiration(new Date(SIGNED.getTime() + 1_500)).toISOString()).toBe("2023-04-28T00:14:01.000Z");
    expect(tokenExpiration(SIGNED, at("2023-04-28T00:10:00.999Z")).toISOString()).toBe("2023-04-28T00:09:00.000Z");
    expect(tokenExpiration(SIGNED, at("2023-04-28T00:10:00.001Z")).toISOString()).toBe("2023-04-28T00:09:00.000Z");
  });

  it("is never later than signing + 14 min nor than credential expiry - 60 s (sweep)", () => {
    for (let offset = 0; offset < 20 * 60_000; offset += 7_777) {
      const credExp = new Date(SIGNED.getTime() + offset);
      const end = tokenExpiration(SIGNED, credExp).getTime();
      expect(end).toBeLessThanOrEqual(SIGNED.getTime() + TOKEN_LIFETIME_MS);
      expect(end).toBeLessThanOrEqual(credExp.getTime() - CREDENTIAL_EXPIRY_MARGIN_MS);
      expect(end % 1000).toBe(0);
      expect(end).toBeGreaterThan(
        Math.min(SIGNED.getTime() + TOKEN_LIFETIME_MS, credExp.getTime() - CREDENTIAL_EXPIRY_MARGIN_MS) - 1000,
      );
    }
  });
});

describe("formatTimestamp", () => {
  it("is YYYY-MM-DDTHH:MM:SSZ", () => {
    expect(formatTimestamp(tokenExpiration(SIGNED))).toBe("2023-04-28T00:14:00Z");
    expect(formatTimestamp(new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678)))).toBe("2030-01-02T03:04:05Z");
  });
});
