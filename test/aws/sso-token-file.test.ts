import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  classifySsoToken,
  readSsoTokenFile,
  serializeSsoToken,
  ssoCacheKey,
  ssoTokenFilePath,
  writeSsoTokenFile,
  type SsoTokenFile,
} from "../../src/aws/sso-token-file.js";
import { formatTimestamp } from "../../src/token/expiration.js";
import { isEksTokenError } from "../../src/errors.js";

const NOW = Date.parse("2026-12-06T12:00:00Z");
let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "eks-token-sso-file-"));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const FULL: SsoTokenFile = {
  startUrl: "https://d-1234567890.awsapps.com/start",
  region: "eu-west-1",
  accessToken: "access-token-value-0123456789",
  expiresAt: new Date(NOW + 3600_000 + 123),
  clientId: "client-id-1",
  clientSecret: "client-secret-value",
  registrationExpiresAt: new Date(NOW + 90 * 86400_000),
  refreshToken: "refresh-token-value",
};

describe("the file's name", () => {
  it("is the SHA-1 of the session name or start URL, under ~/.aws/sso/cache", () => {
    // The example the AWS CLI's tests and docs use: sha1("my-sso").
    expect(ssoCacheKey("my-sso")).toBe(
      execFileSync("sh", ["-c", "printf %s my-sso | sha1sum | cut -c1-40"], { encoding: "utf8" }).trim(),
    );
    expect(ssoTokenFilePath({ HOME: home }, "s")).toBe(join(home, ".aws", "sso", "cache", `${ssoCacheKey("s")}.json`));
  });
});

describe("writing", () => {
  it("writes the eight fields in the CLI's order and time format, 0600, folders 0700, no temp left", () => {
    const path = ssoTokenFilePath({ HOME: home }, "my-sso");
    writeSsoTokenFile(path, FULL);
    const json = JSON.parse(readFileSync(path, "utf8"));
    expect(Object.keys(json)).toEqual([
      "startUrl",
      "region",
      "accessToken",
      "expiresAt",
      "clientId",
      "clientSecret",
      "registrationExpiresAt",
      "refreshToken",
    ]);
    expect(json.expiresAt).toBe("2026-12-06T13:00:00Z");
    expect(json.registrationExpiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, ".aws")).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, ".aws", "sso", "cache")).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(home, ".aws", "sso", "cache"))).toEqual([`${ssoCacheKey("my-sso")}.json`]);
  });

  it("leaves an existing folder's mode alone and replaces an existing file", () => {
    const dir = join(home, ".aws", "sso", "cache");
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    const path = join(dir, "x.json");
    writeFileSync(path, "old", { mode: 0o644 });
    writeSsoTokenFile(path, FULL);
    expect(statSync(dir).mode & 0o777).toBe(0o755);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readSsoTokenFile(path, NOW).state).toBe("valid");
  });

  it("never writes through a symlink planted at the file's path", () => {
    const dir = join(home, ".aws", "sso", "cache");
    mkdirSync(dir, { recursive: true });
    const victim = join(home, "victim");
    writeFileSync(victim, "keep");
    const path = join(dir, "x.json");
    symlinkSync(victim, path);
    let error: unknown;
    try {
      writeSsoTokenFile(path, FULL);
    } catch (e) {
      error = e;
    }
    expect(isEksTokenError(error) && error.message).toMatch(/is a symlink, not a regular file/);
    expect(readFileSync(victim, "utf8")).toBe("keep");
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir)).toEqual(["x.json"]);
  });

  it("leaves out what it does not have (no refresh token for a legacy sign-in)", () => {
    const { refreshToken: _r, clientId: _c, clientSecret: _s, registrationExpiresAt: _e, ...legacy } = FULL;
    expect(Object.keys(JSON.parse(serializeSsoToken(legacy)))).toEqual([
      "startUrl",
      "region",
      "accessToken",
      "expiresAt",
    ]);
  });
});

describe("reading", () => {
  const write = (text: string) => {
    const path = join(home, "t.json");
    writeFileSync(path, text);
    return path;
  };

  it("classifies missing, empty, half-written and non-token files", () => {
    expect(readSsoTokenFile(join(home, "none.json"), NOW).state).toBe("missing");
    expect(readSsoTokenFile(write(""), NOW)).toMatchObject({ state: "unparseable", reason: "it is empty" });
    expect(readSsoTokenFile(write(serializeSsoToken(FULL).slice(0, 40)), NOW)).toMatchObject({
      state: "unparseable",
      reason: "it is not JSON",
    });
    expect(readSsoTokenFile(write('{"expiresAt":"2027-01-01T00:00:00Z"}'), NOW)).toMatchObject({
      state: "unparseable",
    });
    expect(readSsoTokenFile(write('{"accessToken":"a","expiresAt":"tomorrow"}'), NOW)).toMatchObject({
      state: "unparseable",
    });
    expect(readSsoTokenFile(write("[1]"), NOW)).toMatchObject({ state: "unparseable" });
  });

  it("does not follow a symlink, open a FIFO or read a huge file", () => {
    const target = write(serializeSsoToken(FULL));
    const link = join(home, "link.json");
    symlinkSync(target, link);
    expect(readSsoTokenFile(link, NOW)).toMatchObject({ state: "unusable", reason: "it is a symlink" });
    const fifo = join(home, "fifo.json");
    execFileSync("mkfifo", [fifo]);
    expect(readSsoTokenFile(fifo, NOW)).toMatchObject({ state: "unusable", reason: "it is a FIFO" });
    expect(readSsoTokenFile(home, NOW)).toMatchObject({ state: "unusable", reason: "it is a directory" });
    expect(readSsoTokenFile(write(" ".repeat(70_000)), NOW)).toMatchObject({ state: "unusable" });
  });

  it("reads the CLI's and the SDK's time formats", () => {
    const sdkForm = JSON.stringify({ accessToken: "a", expiresAt: "2026-12-06T13:00:00.000Z" });
    expect(readSsoTokenFile(write(sdkForm), NOW)).toMatchObject({ state: "valid", refreshable: false });
    const offset = JSON.stringify({ accessToken: "a", expiresAt: "2026-12-06T14:00:00+01:00" });
    const status = readSsoTokenFile(write(offset), NOW);
    expect(status.state === "valid" && status.expiresAt.toISOString()).toBe("2026-12-06T13:00:00.000Z");
  });

  it("says valid until, refreshable within five minutes of the end, expired when nothing can refresh it", () => {
    const at = (ms: number, token: Partial<SsoTokenFile> = {}) =>
      classifySsoToken("p", { ...FULL, ...token, expiresAt: new Date(NOW + ms) }, NOW);
    expect(at(301_000)).toMatchObject({ state: "valid", refreshable: true });
    expect(at(299_000).state).toBe("refreshable");
    expect(at(-3600_000).state).toBe("refreshable");
    expect(at(299_000, { refreshToken: undefined }).state).toBe("expired");
    expect(at(299_000, { clientSecret: undefined }).state).toBe("expired");
    expect(at(299_000, { registrationExpiresAt: new Date(NOW - 1) }).state).toBe("expired");
    expect(at(299_000, { registrationExpiresAt: undefined }).state).toBe("refreshable");
    expect(at(301_000, { refreshToken: undefined })).toMatchObject({ state: "valid", refreshable: false });
  });

  it("round-trips what it writes", () => {
    const path = ssoTokenFilePath({ HOME: home }, "rt");
    writeSsoTokenFile(path, FULL);
    const status = readSsoTokenFile(path, NOW);
    expect(status.state).toBe("valid");
    if (status.state !== "valid") return;
    expect(status.token).toEqual({ ...FULL, expiresAt: new Date(formatTimestamp(FULL.expiresAt)) });
  });
});

describe("reading under the cap", () => {
  it("a file over 64 KiB, or a FIFO, is unusable and never read whole or waited on", () => {
    const big = join(home, "big.json");
    // Valid JSON past the cap: refused for its size, not parsed.
    writeFileSync(big, JSON.stringify({ ...JSON.parse(serializeSsoToken(FULL)), pad: "x".repeat(64 * 1024) }), {
      mode: 0o600,
    });
    expect(readSsoTokenFile(big, NOW)).toMatchObject({ state: "unusable", reason: "it is larger than 64 KiB" });
    const justUnder = join(home, "under.json");
    const body = serializeSsoToken(FULL);
    writeFileSync(justUnder, `${body}${" ".repeat(64 * 1024 - Buffer.byteLength(body))}`, { mode: 0o600 });
    expect(readSsoTokenFile(justUnder, NOW).state).toBe("valid");
    const fifo = join(home, "fifo.json");
    execFileSync("mkfifo", [fifo]);
    expect(readSsoTokenFile(fifo, NOW)).toMatchObject({ state: "unusable", reason: "it is a FIFO" });
  });
});
