// The refusal of Bun's debugger and preload variables (src/cli/bun-variables.ts): only under
// Bun, only for set and non-empty values, naming each variable set.
import { describe, expect, it } from "vitest";
import { bunVariablesRefusal } from "../../src/cli/bun-variables.js";

describe("bunVariablesRefusal", () => {
  it("says nothing under Node, whatever is set", () => {
    expect(bunVariablesRefusal({ BUN_INSPECT: "ws://127.0.0.1:9229/x", BUN_INSPECT_PRELOAD: "./x.js" }, false)).toBe(
      undefined,
    );
  });

  it("says nothing under Bun when none is set or each is empty", () => {
    expect(bunVariablesRefusal({ BUN_OPTIONS: "--preload ./x.js", BUN_BE_BUN: "0" }, true)).toBe(undefined);
    expect(bunVariablesRefusal({ BUN_INSPECT: "", BUN_INSPECT_CONNECT_TO: "" }, true)).toBe(undefined);
  });

  it("names the one set, and how to run without it", () => {
    expect(bunVariablesRefusal({ BUN_INSPECT_CONNECT_TO: "unix:///tmp/d.sock" }, true)).toBe(
      "eks-token: BUN_INSPECT_CONNECT_TO is set, which makes the native executable open a debugger or run a file before it starts: unset it for eks-token (env -u BUN_INSPECT_CONNECT_TO eks-token ...), or use the npm package under Node\n",
    );
  });

  it("names every one set", () => {
    expect(bunVariablesRefusal({ BUN_INSPECT: "1", BUN_INSPECT_PRELOAD: "./x.js" }, true)).toMatch(
      /^eks-token: BUN_INSPECT, BUN_INSPECT_PRELOAD are set, .*unset them for eks-token \(env -u BUN_INSPECT -u BUN_INSPECT_PRELOAD eks-token \.\.\.\)/,
    );
  });
});
