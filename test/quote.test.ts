// Every user value in a message goes through quote(): bounded, and unable to move the cursor,
// reorder the line or hide characters on the terminal that shows it.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { QUOTE_LIMIT, escapeControls, escapeJsonControls, quote, shellJoin, shellWord, shorten } from "../src/quote.js";

// What a terminal acts on: C0 (but for none), DEL, C1, the bidi controls and other format characters.
const TERMINAL_ACTIVE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/;

describe("quote", () => {
  it.each([
    ["a plain value", "us-west-2", '"us-west-2"'],
    ["an empty value", "", '""'],
    ["quotes and backslashes", 'a"b\\c', '"a\\"b\\\\c"'],
    ["a newline and a carriage return", "a\r\nb", '"a\\r\\nb"'],
    ["a tab", "a\tb", '"a\\tb"'],
    ["an escape sequence", "\u001b[31mred", '"\\u001b[31mred"'],
    ["DEL and a C1 control", "a\u007fb\u0085", '"a\\u007fb\\u0085"'],
    ["a right-to-left override", "abc\u202eexe.txt", '"abc\\u202eexe.txt"'],
    ["an isolate", "\u2066x\u2069", '"\\u2066x\\u2069"'],
    ["a zero-width space and a BOM", "\ufeffpro\u200bd", '"\\ufeffpro\\u200bd"'],
    ["a line separator", "a\u2028b", '"a\\u2028b"'],
    ["a tag character", "a\u{e0041}", '"a\\u{e0041}"'],
    ["a lone surrogate", "a\ud800b", '"a\\ud800b"'],
    ["an emoji, which stays", "ok \u{1f600}", '"ok \u{1f600}"'],
    ["accented letters, which stay", "café", '"café"'],
  ])("%s", (_label, value, expected) => {
    expect(quote(value)).toBe(expected);
  });

  it("shows about 80 characters of a long value and counts the rest", () => {
    const long = "a".repeat(100_000);
    const q = quote(long);
    expect(q).toBe(`"${"a".repeat(QUOTE_LIMIT)}"... (100000 characters)`);
    expect(q.length).toBeLessThan(120);
    expect(quote("b".repeat(QUOTE_LIMIT))).toBe(`"${"b".repeat(QUOTE_LIMIT)}"`);
  });

  it("never cuts a surrogate pair in half", () => {
    const q = quote(`${"a".repeat(QUOTE_LIMIT - 1)}\u{1f600}tail`);
    expect(q).not.toMatch(/[\ud800-\udbff]"/);
    expect(q).toContain("characters)");
  });

  it("escapes the controls of a long value too", () => {
    const q = quote("\u202e".repeat(100_000));
    expect(q).not.toMatch(TERMINAL_ACTIVE);
    expect(q.length).toBeLessThan(600);
  });
});

describe("shorten and escapeControls", () => {
  it("bounds and escapes without quoting", () => {
    expect(shorten("sh: 1: /bin/x: not found")).toBe("sh: 1: /bin/x: not found");
    expect(shorten("x".repeat(500), 100)).toBe(`${"x".repeat(100)}... (500 characters)`);
    expect(escapeControls("a\u001b]0;title\u0007b\u202ec")).toBe("a\\u001b]0;title\\u0007b\\u202ec");
  });
});

describe("escapeJsonControls", () => {
  it("writes bidi, C1 and format characters as escapes and keeps the value", () => {
    const value = { cluster: "prod\u202egnp.exe", region: "a\u0085b", note: "x\u{e0041}y\u2028z", fine: "café" };
    const json = escapeJsonControls(JSON.stringify(value, null, 2));
    expect(json).not.toMatch(/[\u202a-\u202e\u0085\u2028]|\udb40/);
    expect(JSON.parse(json)).toEqual(value);
    // The layout's own newlines stay.
    expect(json.split("\n")).toHaveLength(6);
  });
});

describe("shellWord", () => {
  it.each([
    ["a plain word", "us-west-2", "us-west-2"],
    ["an ARN", "arn:aws:iam::111122223333:role/dev", "arn:aws:iam::111122223333:role/dev"],
    ["an empty word", "", "''"],
    ["a command substitution", "$(touch$IFS/tmp/x)", "'$(touch$IFS/tmp/x)'"],
    ["a single quote", "it's", "'it'\\''s'"],
    ["a newline", "a\nb", "$'a\\nb'"],
    ["an escape sequence and a quote", "\u001b[2J'", "$'\\u001b[2J\\''"],
    ["bidi and C1", "a\u202eb\u009b", "$'a\\u202eb\\u009b'"],
    ["a tag character", "x\u{e0041}", "$'x\\U000e0041'"],
  ])("%s", (_what, word, quoted) => {
    expect(shellWord(word)).toBe(quoted);
    expect(shellWord(word)).not.toMatch(TERMINAL_ACTIVE);
  });

  it("bash reads every word back as it was, and runs nothing", () => {
    const words = [
      "$(id)",
      "`id`",
      "a b",
      "it's",
      "x\ny",
      "\\",
      "\u202e\u009b\u001b",
      "!x",
      "*",
      "~",
      "-n",
      "\u{e0041}",
    ];
    const out = spawnSync("bash", ["-c", `printf '%s\\0' ${shellJoin(words)}`], { encoding: "utf8" });
    expect(out.status).toBe(0);
    expect(out.stdout.split("\0").slice(0, -1)).toEqual(words);
  });
});
