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
  ])("refuses %s (%j)", (_, raw) => {
    expect(parseAmzDate(raw)).toBeUndefined();
  });
});
