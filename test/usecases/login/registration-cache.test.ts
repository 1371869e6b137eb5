import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  fileRegistrationStore,
  registrationKey,
  usableRegistration,
} from "../../../src/usecases/login/registration-cache.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "eks-token-reg-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const parts = {
  startUrl: "https://d-1.awsapps.com/start",
  region: "eu-west-1",
  scopes: ["sso:account:access"],
  sessionName: "corp",
  flow: "authorization-code" as const,
  endpoint: "https://oidc.eu-west-1.amazonaws.com",
};

describe("the registration cache", () => {
  it("keys by every part of the registration", () => {
    const key = registrationKey(parts);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(registrationKey({ ...parts, flow: "device-code" })).not.toBe(key);
    expect(registrationKey({ ...parts, scopes: undefined })).not.toBe(key);
    expect(registrationKey({ ...parts, endpoint: "http://127.0.0.1:1" })).not.toBe(key);
  });

  it("keeps a registration 0600 and reuses it until 15 minutes before it ends", () => {
    const store = fileRegistrationStore(dir);
    const key = registrationKey(parts);
    const now = Date.parse("2026-12-06T12:00:00Z");
    const registration = { clientId: "c", clientSecret: "s", expiresAt: new Date(now + 16 * 60_000) };
    store.put(key, registration);
    expect(readdirSync(dir)).toEqual([`sso-registration-${key}.json`]);
    expect(statSync(join(dir, `sso-registration-${key}.json`)).mode & 0o777).toBe(0o600);
    expect(usableRegistration(store.get(key), now)).toEqual(registration);
    expect(usableRegistration(store.get(key), now + 2 * 60_000)).toBeUndefined();
    store.drop(key);
    expect(store.get(key)).toBeUndefined();
  });

  it("keeps nothing without a folder", () => {
    const store = fileRegistrationStore(undefined);
    store.put("k", { clientId: "c", clientSecret: "s", expiresAt: new Date() });
    expect(store.get("k")).toBeUndefined();
  });
});
