// EksTokenError and the reporter that turns it into the user's line, on both engines. JavaScriptCore
// (Bun's engine) gives every Error object own `line`, `column` and `sourceURL` properties, and
// SpiderMonkey `fileName`, `lineNumber` and `columnNumber`: a member of that name on the class is
// hidden by them, so the reporter would read a number where it expects the message.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EksTokenError } from "../src/errors.js";
import { reportError } from "../src/cli/fail.js";
import { ROOT } from "./support/cli.js";

const ENGINE_ERROR_PROPERTIES = [
  "line",
  "column",
  "sourceURL",
  "originalLine",
  "originalColumn",
  "fileName",
  "lineNumber",
  "columnNumber",
];
const BUN = join(ROOT, "node_modules", ".bin", "bun");

function membersOf(proto: object): string[] {
  const names: string[] = [];
  for (let p: object | null = proto; p && p !== Error.prototype; p = Object.getPrototypeOf(p))
    names.push(...Object.getOwnPropertyNames(p));
  return names;
}

describe("EksTokenError", () => {
  it("names no member after a property an engine puts on Error objects", () => {
    const own = Object.getOwnPropertyNames(new EksTokenError("sts", "m", "h"));
    for (const name of ENGINE_ERROR_PROPERTIES) {
      expect(membersOf(EksTokenError.prototype), name).not.toContain(name);
      expect(own, name).not.toContain(name);
    }
  });

  it("reports its message and hint as one line", () => {
    const lines: string[] = [];
    const code = reportError(new EksTokenError("sts", "STS said no", "check the role"), (t) => lines.push(t), false);
    expect(code).toBe(1);
    expect(lines).toEqual(["eks-token: STS said no: check the role\n"]);
  });

  it("writes any control, C1 or bidi character a message let through as an escape, in both kinds of error", () => {
    const lines: string[] = [];
    const raw = "/tmp/d\u001b]8;;http://x\u0007\u009b\u202e\tf";
    reportError(new EksTokenError("config", `cannot read ${raw}`, "check it"), (t) => lines.push(t), false);
    reportError(new Error(`cannot read ${raw}`), (t) => lines.push(t), false);
    for (const line of lines) {
      expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      expect(line).toContain("/tmp/d\\u001b]8;;http://x\\u0007\\u009b\\u202e\\tf");
    }
  });

  it.skipIf(!existsSync(BUN))(
    "reports the same line under Bun (skipped without node_modules/.bin/bun: run npm ci)",
    () => {
      const script = [
        `import { EksTokenError } from ${JSON.stringify(join(ROOT, "src/errors.ts"))};`,
        `import { reportError } from ${JSON.stringify(join(ROOT, "src/cli/fail.ts"))};`,
        `const code = reportError(new EksTokenError("sts", "STS said no", "check the role"), (t) => process.stderr.write(t), false);`,
        `process.exitCode = code;`,
      ].join("\n");
      const result = spawnSync(BUN, ["--no-env-file", "-e", script], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 20_000,
        env: { PATH: process.env["PATH"] ?? "" },
      });
      expect(result.stderr).toBe("eks-token: STS said no: check the role\n");
      expect(result.status).toBe(1);
    },
  );
});
