import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  browserCommands,
  localBrowserReachable,
  openBrowser,
  splitCommandLine,
} from "../../../src/usecases/login/browser.js";

describe("localBrowserReachable", () => {
  it("says no over SSH and on Linux without a display, yes on WSL, macOS, Windows, or with BROWSER", () => {
    expect(localBrowserReachable({ DISPLAY: ":0", SSH_CONNECTION: "1 2 3 4" }, "linux")).toBe(false);
    expect(localBrowserReachable({ SSH_TTY: "/dev/pts/1" }, "darwin")).toBe(false);
    expect(localBrowserReachable({ BROWSER: "firefox", SSH_CLIENT: "x" }, "linux")).toBe(false);
    expect(localBrowserReachable({}, "linux")).toBe(false);
    expect(localBrowserReachable({ DISPLAY: ":0" }, "linux")).toBe(true);
    expect(localBrowserReachable({ WAYLAND_DISPLAY: "wayland-0" }, "linux")).toBe(true);
    expect(localBrowserReachable({ WSL_DISTRO_NAME: "Ubuntu" }, "linux")).toBe(true);
    expect(localBrowserReachable({ BROWSER: "/usr/bin/firefox" }, "linux")).toBe(true);
    expect(localBrowserReachable({}, "darwin")).toBe(true);
    expect(localBrowserReachable({}, "win32")).toBe(true);
  });
});

describe("BROWSER", () => {
  it("splits entries on the path delimiter, words as a shell would, and puts the address at %s or last", () => {
    expect(splitCommandLine(`open -a "Google Chrome" 'x y' a\\ b`)).toEqual([
      "open",
      "-a",
      "Google Chrome",
      "x y",
      "a b",
    ]);
    expect(browserCommands("firefox:chromium --new-window", "https://x/?a=1&b=2")).toEqual([
      ["firefox", "https://x/?a=1&b=2"],
      ["chromium", "--new-window", "https://x/?a=1&b=2"],
    ]);
    expect(browserCommands("my-open --url=%s --quiet", "U")).toEqual([["my-open", "--url=U", "--quiet"]]);
  });

  it("runs the first command that starts, with the address as one argument, and keeps nothing it prints", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eks-token-browser-"));
    try {
      const out = join(dir, "args");
      const script = join(dir, "browser.sh");
      writeFileSync(script, `#!/bin/sh\necho "printed to stdout"\nprintf '%s\\n' "$@" > ${out}\n`);
      chmodSync(script, 0o755);
      const url = "http://127.0.0.1:1/authorize?a=1&b=$(touch pwned)";
      expect(await openBrowser(url, { BROWSER: `${join(dir, "missing")}:${script}`, PATH: process.env["PATH"] })).toBe(
        true,
      );
      for (let i = 0; i < 100 && !existsSync(out); i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 50));
      expect(readFileSync(out, "utf8")).toBe(`${url}\n`);
      expect(existsSync(join(process.cwd(), "pwned"))).toBe(false);
      expect(await openBrowser(url, { BROWSER: join(dir, "missing") })).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
