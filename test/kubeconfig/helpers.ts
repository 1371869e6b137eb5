/** Shared helpers of the kubeconfig tests: throw-away HOME directories and offline flags. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temporary directory used as HOME; removed by the returned cleanup. */
export async function tempHome(): Promise<{ home: string; cleanup: () => Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), "eks-token-kubeconfig-"));
  return { home, cleanup: () => rm(home, { recursive: true, force: true }) };
}

/** Base env for offline runs: a region so no profile lookup happens, no KUBECONFIG. */
export function baseEnv(home: string): Record<string, string | undefined> {
  return { HOME: home, AWS_REGION: "us-west-2", AWS_CONFIG_FILE: join(home, "no-aws-config") };
}

export const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");

/** Flags for an offline update of cluster `name`. */
export function offlineArgs(name: string, ...extra: string[]): string[] {
  return ["--cluster-name", name, "--endpoint", `https://${name}.example.com`, "--ca-data", CA, ...extra];
}

export const arnOf = (name: string, region = "us-west-2") => `arn:aws:eks:${region}:123456789012:cluster/${name}`;
