// The one capped reader: files that claim size 0 and never end (/proc/self/pagemap), sparse files
// far over the cap, and files exactly at it; and its users, the AWS shared files and doctor's files.
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isOverCap, readFileCapped } from "../src/byte-cap.js";
import { MAX_SHARED_FILE_BYTES, readSharedConfig } from "../src/aws/shared-config.js";
import { isEksTokenError } from "../src/errors.js";
import { realDoctorDeps } from "../src/usecases/doctor/real-deps.js";
import { runDoctor } from "../src/usecases/doctor/doctor.js";

const dir = mkdtempSync(join(tmpdir(), "eks-token-cap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A sparse file of this many bytes: no disk used, every byte readable as 0. */
function sparse(name: string, bytes: number): string {
  const path = join(dir, name);
  closeSync(openSync(path, "w"));
  truncateSync(path, bytes);
  return path;
}

const PAGEMAP = "/proc/self/pagemap";
const hasPagemap = (() => {
  try {
    closeSync(openSync(PAGEMAP, "r"));
    return true;
  } catch {
    return false;
  }
})();

describe("readFileCapped", () => {
  it("reads a file exactly at the cap, and refuses one byte more", () => {
    const at = join(dir, "at");
    writeFileSync(at, "x".repeat(1000));
    const file = readFileCapped(at, 1000);
    expect(file.kind === "file" && file.bytes.length).toBe(1000);
    writeFileSync(at, "x".repeat(1001));
    expect(() => readFileCapped(at, 1000)).toThrow(expect.objectContaining({ name: "OverCapError" }));
  });

  it.skipIf(!hasPagemap)("stops a file whose size says 0 and that never ends at the cap", () => {
    const error = (() => {
      try {
        readFileCapped(PAGEMAP, 1024 * 1024);
      } catch (e) {
        return e;
      }
    })();
    expect(isOverCap(error)).toBe(true);
  });

  it("reports a directory or a missing file without reading", () => {
    expect(readFileCapped(dir, 10).kind).toBe("not-regular");
    expect(readFileCapped(join(dir, "missing"), 10)).toEqual({ kind: "missing", code: "ENOENT" });
  });
});

describe("the AWS shared files", () => {
  it.skipIf(!hasPagemap)("AWS_CONFIG_FILE=/proc/self/pagemap is refused with a clear line", () => {
    let error: unknown;
    try {
      readSharedConfig({ HOME: dir, AWS_CONFIG_FILE: PAGEMAP }, undefined);
    } catch (e) {
      error = e;
    }
    expect(isEksTokenError(error) && error.code).toBe("too-large");
    expect((error as Error).message).toBe(
      `the AWS config file "${PAGEMAP}" (from AWS_CONFIG_FILE) was larger than ${MAX_SHARED_FILE_BYTES / 1024 / 1024} MB`,
    );
  });

  it("a credentials file over the cap is refused, one at the cap is read", () => {
    const big = sparse("credentials", MAX_SHARED_FILE_BYTES + 1);
    expect(() => readSharedConfig({ HOME: dir, AWS_SHARED_CREDENTIALS_FILE: big }, undefined)).toThrow(
      /the AWS credentials file ".*" \(from AWS_SHARED_CREDENTIALS_FILE\) was larger than 8 MB/,
    );
    truncateSync(big, MAX_SHARED_FILE_BYTES);
    expect(readSharedConfig({ HOME: dir, AWS_SHARED_CREDENTIALS_FILE: big }, undefined).profileExists).toBe(false);
  });
});

describe("doctor's files", () => {
  const deps = realDoctorDeps({ env: { HOME: dir }, now: Date.now, stderr: () => {} }, dir);

  it("a 450 MB CA file is refused at the cap, not read", () => {
    const ca = sparse("ca.pem", 450 * 1024 * 1024);
    expect(() => deps.files.readFile(ca)).toThrow(/^the file ".*ca\.pem" was larger than 8 MB$/);
  });

  it.skipIf(!hasPagemap)("a kubeconfig that never ends fails the kubeconfig check, saying why", async () => {
    const report = await runDoctor({ source: { kind: "kubeconfig", kubeconfig: PAGEMAP } }, deps);
    const check = report.checks.find((c) => c.id === "kubeconfig");
    expect(check?.status).toBe("fail");
    expect(check?.detail).toMatch(/^the file "\/proc\/self\/pagemap" was larger than 8 MB: /);
    expect(report.ok).toBe(false);
  });

  it("a kubeconfig naming a 450 MB CA file fails the kubeconfig check", async () => {
    const ca = sparse("ca2.pem", 450 * 1024 * 1024);
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: c",
        "contexts: [{name: c, context: {cluster: k, user: u}}]",
        `clusters: [{name: k, cluster: {server: "https://example.invalid", certificate-authority: ${JSON.stringify(ca)}}}]`,
        "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: eks-token, args: [token, --cluster-name, k, --region, us-west-2]}}}]",
        "",
      ].join("\n"),
    );
    const report = await runDoctor({ source: { kind: "kubeconfig", kubeconfig } }, deps);
    const check = report.checks.find((c) => c.id === "kubeconfig");
    expect(check?.status).toBe("fail");
    expect(check?.detail).toMatch(/^the file ".*ca2\.pem" was larger than 8 MB: /);
  });
});
