// The checks every test makes of a finished eks-token process: one ExecCredential on stdout
// and nothing else, or a failure as a person should see it.
import { expect } from "vitest";
import type { ProcessResult } from "./child.js";

/** What the checks read of a process: any runner's result will do. */
export type ProcessOutput = Pick<ProcessResult, "code" | "stdout" | "stderr"> & {
  readonly signal?: NodeJS.Signals | null;
};

export interface ExecCredentialOut {
  kind: string;
  apiVersion: string;
  spec: Record<string, unknown>;
  status: { expirationTimestamp: string; token: string };
}

/** The ExecCredential, with its token and expiry at hand. */
export interface Credential extends ExecCredentialOut {
  token: string;
  expirationTimestamp: string;
  /** Epoch ms of expirationTimestamp. */
  expiresAt: number;
}

export interface CredentialExpectations {
  /** The apiVersion the answer must carry (default v1beta1, what a caller without exec info gets). */
  readonly apiVersion?: string;
  /** "empty" (the default): a successful call prints nothing on stderr. */
  readonly stderr?: "empty" | "any";
}

/** Exit 0, stdout exactly one line of ExecCredential JSON with nothing more in it; returns it. */
export function expectCredential(result: ProcessOutput, expected: CredentialExpectations = {}): Credential {
  const context = `exit ${result.code} ${result.signal ?? ""}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
  expect(result.signal ?? null, context).toBeNull();
  expect(result.code, context).toBe(0);
  if ((expected.stderr ?? "empty") === "empty") expect(result.stderr, context).toBe("");
  expect(result.stdout.endsWith("\n"), context).toBe(true);
  expect(result.stdout.slice(0, -1), context).not.toContain("\n");
  const cred = JSON.parse(result.stdout) as ExecCredentialOut;
  expect(Object.keys(cred)).toEqual(["kind", "apiVersion", "spec", "status"]);
  expect(cred.kind).toBe("ExecCredential");
  expect(cred.apiVersion).toBe(expected.apiVersion ?? "client.authentication.k8s.io/v1beta1");
  expect(cred.spec).toEqual({});
  expect(Object.keys(cred.status).sort()).toEqual(["expirationTimestamp", "token"]);
  const { token, expirationTimestamp } = cred.status;
  expect(expirationTimestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
  return { ...cred, token, expirationTimestamp, expiresAt: Date.parse(expirationTimestamp) };
}

/** A failure as a person should see it: non-zero, nothing on stdout, one `eks-token: ` line, no stack. */
export function expectFailure(result: ProcessOutput, pattern: RegExp): string {
  expect(result.signal ?? null, "killed by the test's timeout: it hung").toBeNull();
  expect(result.stdout).toBe("");
  expect(result.code).not.toBe(0);
  expect(result.code).not.toBeNull();
  expect(result.stderr.endsWith("\n"), JSON.stringify(result.stderr)).toBe(true);
  const lines = result.stderr.slice(0, -1).split("\n");
  expect(lines, result.stderr).toHaveLength(1);
  const line = lines[0]!;
  expect(line.startsWith("eks-token: "), line).toBe(true);
  expect(line).toMatch(pattern);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toMatch(/node:internal|\.m?js:\d+|unexpected error/);
  return line;
}
