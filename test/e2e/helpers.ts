// Shared pieces of the end-to-end tests: hermetic environments with a network guard, checks of
// the CLI's output, and calls that ask the emulators whether a token is good.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer, type AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { hermeticEnv, type ChildEnv } from "../support/cli.js";
import {
  expectCredential as expectCredentialWith,
  expectFailure,
  type Credential,
  type ExecCredentialOut,
  type ProcessOutput,
} from "../support/expect.js";
import type { K8sEmulator } from "../support/k8s-emulator.js";

export { expectFailure, type ExecCredentialOut, type ProcessOutput };

/** The shared check, with the apiVersion the e2e tests name as the second argument. */
export function expectCredential(result: ProcessOutput, apiVersion?: string): Credential {
  return expectCredentialWith(result, apiVersion === undefined ? {} : { apiVersion });
}

export const E2E_DIR = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(E2E_DIR, "fixtures");
/** Preloaded into CLI children (Node and Bun): any connection to a non-loopback address fails at once. */
export const NETWORK_GUARD = join(FIXTURES, "network-guard.cjs");

export const ACCOUNT = "111122223333";
export const REGION = "us-west-2";

/**
 * hermeticEnv() (temp HOME, IMDS off, no inherited AWS_*, cache off) plus the network guard.
 * kubectl passes its environment on to the plugin, so this is also kubectl's environment.
 */
export function e2eEnv(home: string, extra: Record<string, string | undefined> = {}): ChildEnv {
  return hermeticEnv(home, { ...networkGuardEnv(), ...extra });
}

/**
 * The variable that preloads the network guard into Node. The native executable ignores
 * BUN_OPTIONS; the tests run a build of it with the guard preloaded (test/support/cli.ts).
 */
export function networkGuardEnv(): Record<string, string> {
  return { NODE_OPTIONS: `--require ${NETWORK_GUARD}` };
}

export function tokenUrl(token: string): URL {
  return new URL(Buffer.from(token.replace(/^k8s-aws-v1\./, ""), "base64url").toString("utf8"));
}

export interface WhoAmI {
  readonly status: number;
  readonly username?: string;
  readonly groups?: string[];
  readonly body: string;
}

/** POSTs a SelfSubjectReview with the token as the bearer: the server's verdict and the mapped user. */
export function k8sWhoAmI(k8s: K8sEmulator, token: string): Promise<WhoAmI> {
  const url = new URL("/apis/authentication.k8s.io/v1/selfsubjectreviews", k8s.url);
  const body = JSON.stringify({ kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1" });
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: "POST",
        ca: k8s.caPem,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
        timeout: 15_000,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d: string) => (text += d));
        res.on("end", () => {
          let user: { username?: string; groups?: string[] } | undefined;
          try {
            user = (JSON.parse(text) as { status?: { userInfo?: { username?: string; groups?: string[] } } }).status
              ?.userInfo;
          } catch {
            // not JSON: reported through body
          }
          resolve({
            status: res.statusCode ?? 0,
            ...(user?.username ? { username: user.username } : {}),
            ...(user?.groups ? { groups: user.groups } : {}),
            body: text,
          });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("the K8s emulator did not answer in 15 s")));
    req.on("error", reject);
    req.end(body);
  });
}

/** What EKS does with the token, minus the mapping: GET it at the STS emulator with x-k8s-aws-id. */
export function stsCallerIdentity(
  stsUrl: string,
  token: string,
  clusterId: string,
): Promise<{ status: number; arn?: string; body: string }> {
  const presigned = tokenUrl(token);
  const target = new URL(presigned.pathname + presigned.search, stsUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      target,
      {
        method: "GET",
        headers: { host: presigned.host, "x-k8s-aws-id": clusterId, accept: "application/json" },
        timeout: 10_000,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d: string) => (text += d));
        res.on("end", () => {
          let arn: string | undefined;
          try {
            arn = (JSON.parse(text) as { GetCallerIdentityResponse?: { GetCallerIdentityResult?: { Arn?: string } } })
              .GetCallerIdentityResponse?.GetCallerIdentityResult?.Arn;
          } catch {
            // an error body
          }
          resolve({ status: res.statusCode ?? 0, ...(arn ? { arn } : {}), body: text });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("the STS emulator did not answer in 10 s")));
    req.on("error", reject);
    req.end();
  });
}

/** A loopback port with nothing listening on it (bound, then released). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** kubectl's stderr lines that came from the plugin (it passes the plugin's stderr through). */
export function pluginLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => /^eks-token: |\b(at .*eks-token\.c?m?js|@smithy\/|@aws-sdk\/)/.test(l));
}

/** `eks-token kubeconfig` arguments that write the emulated cluster's entries into `path`, offline. */
export function kubeconfigArgs(k8s: K8sEmulator, cluster: string, path: string, ...extra: string[]): string[] {
  const server = ["--endpoint", k8s.url, "--ca-data", k8s.caData];
  return ["kubeconfig", "--cluster-name", cluster, "--region", REGION, ...server, "--kubeconfig", path, ...extra];
}
