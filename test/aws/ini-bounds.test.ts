// Pathological AWS shared files: lines of 100,000 characters (and files of 20,000 lines) made of
// what a header pattern might backtrack on. Each is read as the SDK's loader reads it, and well
// within the test's time limit (reading them is linear; the CLI test in
// test/cli/shared-files-cli.test.ts runs the worst of them through the built CLI under a deadline).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAwsIni } from "../../src/aws/ini.js";
import { compareReads, filesIn, oursRead, sdkRead, writeFiles } from "./shared-files-reference.js";

const dir = mkdtempSync(join(tmpdir(), "eks-token-ini-bounds-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 100_000;
const LINES: Array<[string, string]> = [
  ["`[`, spaces and a letter", `[${" ".repeat(N)}x`],
  ["`[`, spaces, `]` and a letter", `[${" ".repeat(N)}]x`],
  ["`[` and spaces", `[${" ".repeat(N)}`],
  ["`[` and tabs, closed", `[${"\t".repeat(N)}]`],
  ["`[`", "[".repeat(N)],
  ["`]`", "]".repeat(N)],
  ["`=`", "=".repeat(N)],
  ["`#`", "#".repeat(N)],
  ["`;`", ";".repeat(N)],
  ["` #`", " #".repeat(N / 2)],
  ["` =`", `a${" =".repeat(N / 2)}`],
  ["`[ =#`", "[ =#".repeat(N / 4)],
  ["a long profile name", `[profile ${"a".repeat(N)}]`],
  ["a long name and a space before `]`", `[profile ${"a".repeat(N)} ]`],
  ["a long quoted name, quotes mismatched", `[profile "${"a".repeat(N)}']`],
  ["words and spaces in a header", `[${"a ".repeat(N / 2)}]`],
  ["a long type and a long name", `[${"a".repeat(N)} ${"b".repeat(N)}]`],
  ["dashes", `[profile ${"-".repeat(N)}]`],
  ["indentation before a setting", `${" ".repeat(N)}output = json`],
  ["a long value with comment characters", `output = ${"x#;".repeat(N / 3)}`],
  ["20,000 lines of `[`", "[\n".repeat(N / 5)],
  ["20,000 sub-sections", "s =\n  k = v\n".repeat(N / 10)],
];

describe("pathological lines are read as the SDK reads them", () => {
  const files = filesIn(join(dir, "files"));
  it.each(LINES)("%s", async (_label, line) => {
    const config = `[profile dev]\nregion = eu-west-1\n${line}\n[profile after]\nregion = us-east-2\n`;
    const credentials = `[dev]\n${line}\n[after]\nuse_fips_endpoint = true\n`;
    writeFiles(files, config, credentials);
    for (const profile of ["dev", "after"]) {
      const sdk = await sdkRead(files, { flag: profile });
      const ours = oursRead(files, { flag: profile });
      compareReads(sdk, ours, profile);
    }
    const after = oursRead(files, { flag: "after" });
    expect([after.region, after.fips]).toEqual(["us-east-2", true]);
  });

  it("a header of `[`, 100,000 spaces and `]` names a section of spaces", () => {
    expect(Object.keys(parseAwsIni(`[${" ".repeat(N)}]\nk = v\n`))).toEqual([" ".repeat(N)]);
  });

  it("a line of `[`, 100,000 spaces and a letter is no header", () => {
    expect(parseAwsIni(`[profile dev]\n[${" ".repeat(N)}x\nregion = eu-west-1\n`)).toEqual({
      "profile.dev": { region: "eu-west-1" },
    });
  });

  it("a 4 MB file of settings", () => {
    const text = `[default]\n${Array.from({ length: N * 2 }, (_, i) => `key${i} = value ${i} # note`).join("\n")}\n`;
    const sections = parseAwsIni(text);
    expect(Object.keys(sections["default"]!)).toHaveLength(N * 2);
    expect(sections["default"]!["key199999"]).toBe("value 199999");
  });
});
