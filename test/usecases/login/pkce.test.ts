import { describe, expect, it } from "vitest";
import { newPkce, newState, s256, sameState } from "../../../src/usecases/login/pkce.js";

describe("PKCE", () => {
  it("gives the S256 challenge of RFC 7636's example", () => {
    expect(s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  it("makes 64-character verifiers of unreserved characters, different each time", () => {
    const a = newPkce();
    const b = newPkce();
    expect(a.verifier).toMatch(/^[A-Za-z0-9\-._~]{64}$/);
    expect(a.verifier).not.toBe(b.verifier);
    expect(a.challenge).toBe(s256(a.verifier));
    expect(newState()).not.toBe(newState());
  });

  it("compares states exactly, whatever their lengths", () => {
    const state = newState();
    expect(sameState(state, state)).toBe(true);
    expect(sameState(`${state}x`, state)).toBe(false);
    expect(sameState(state.slice(0, -1), state)).toBe(false);
    expect(sameState("", state)).toBe(false);
  });
});
