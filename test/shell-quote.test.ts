import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellCommand, shellWord } from "../src/shell-quote.js";

describe("shellWord", () => {
  it("leaves plain words alone and quotes the rest", () => {
    expect(shellWord("eks-token")).toBe("eks-token");
    expect(shellWord("https://x.awsapps.com/start")).toBe("https://x.awsapps.com/start");
    expect(shellWord("a b")).toBe("'a b'");
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(shellWord("")).toBe("''");
    expect(shellWord("$(reboot)")).toBe("'$(reboot)'");
    expect(shellWord("x\u001b[31m\n")).toBe("$'x\\x1b[31m\\x0a'");
    expect(shellWord("a\u202eb")).toBe("$'a\\u202eb'");
  });

  it("gives back each word exactly when a POSIX shell reads the line", () => {
    const words = ["eks-token", "login", "--sso-session", "a b", "it's", "$HOME", "`id`", "x\ty", "\\", "*", "~"];
    const out = execFileSync("bash", ["-c", `printf '%s\\0' ${shellCommand(words)}`], { encoding: "utf8" });
    expect(out.split("\0").slice(0, -1)).toEqual(words);
  });
});
