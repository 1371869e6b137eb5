import { describe, expect, it } from "vitest";
import { parseAmzDate } from "../../src/token/amz-date.js";

describe("parseAmzDate", () => {
  it("reads YYYYMMDDTHHMMSSZ as UTC", () => {
    expect(parseAmzDate("20261201T171502Z")?.toISOString()).toBe("2026-12-01T17:15:02.000Z");
    expect(parseAmzDate("20240229T235959Z")?.toISOString()).toBe("2024-02-29T23:59:59.000Z");
  });

  it.each([
    ["a day that does not exist", "20240230T000000Z"],
    ["February 29th of a common year", "20230229T000000Z"],
    ["hour 24", "20261201T240000Z"],
    ["second 60", "20261201T235960Z"],
    ["no Z", "20261201T171502"],
    ["dashes", "2026-12-01T17:15:02Z"],
    ["extra digits", "202612011T171502Z"],
    ["empty", ""],
    ["month 00", "20260001T171502Z"],
    ["a sign where a digit belongs", "2026+201T171502Z"],
    ["a space where a digit belongs", "2026 201T171502Z"],
    ["a digit other than ASCII (fullwidth)", "202612０1T171502Z"],
    ["a lowercase t", "20261201t171502Z"],
    ["a lowercase z", "20261201T171502z"],
    ["one character short", "20261201T17150Z"],
  ])("refuses %s (%j)", (_, raw) => {
    expect(parseAmzDate(raw)).toBeUndefined();
  });

  it("agrees with the form's regular expression and Date.UTC on generated strings", () => {
    // The reading by hand against the plain definition: the form, then a real instant.
    const form = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/;
    const alphabet = "0123456789TZ+- xt";
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const base = "20261201T171502Z";
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const chars = base.split("");
      for (let k = next() % 3; k >= 0; k--) chars[next() % chars.length] = alphabet[next() % alphabet.length] as string;
      const raw = chars.join("");
      const m = form.exec(raw);
      let expected: string | undefined;
      if (m) {
        const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
        const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
        const real =
          date.getUTCFullYear() === y &&
          date.getUTCMonth() === mo - 1 &&
          date.getUTCDate() === d &&
          date.getUTCHours() === h &&
          date.getUTCMinutes() === mi &&
          date.getUTCSeconds() === s;
        expected = real ? date.toISOString() : undefined;
      }
      if (expected) accepted++;
      expect(parseAmzDate(raw)?.toISOString(), raw).toBe(expected);
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
