// The one fixture of the end-to-end tests: an STS emulator, an EKS-like API server that checks
// tokens against it, a temp HOME and a scratch folder for kubeconfigs, started together and
// closed together. Each test file says who exists (users, roles) and who may do what.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBuilt, makeTempHome, type TempHome } from "./cli.js";
import { startK8sEmulator, type K8sEmulator, type K8sEmulatorOptions } from "./k8s-emulator.js";
import { startStsEmulator, type StsEmulator, type StsEmulatorOptions } from "./sts-emulator.js";

export interface ClusterOptions {
  /** Names the temp folders: eks-token-e2e-NAME-... */
  readonly name: string;
  /** Adds the users and roles to STS, and returns the API server's settings (cluster id, access entries, RBAC, pods). */
  readonly setup: (
    sts: StsEmulator,
  ) => Omit<K8sEmulatorOptions, "stsUrl"> | Promise<Omit<K8sEmulatorOptions, "stsUrl">>;
  readonly sts?: StsEmulatorOptions;
}

export interface Cluster {
  readonly sts: StsEmulator;
  readonly k8s: K8sEmulator;
  readonly home: TempHome;
  /** A scratch folder, for kubeconfigs and the like. */
  readonly dir: string;
  close(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  await ensureBuilt();
  const sts = await startStsEmulator(options.sts);
  let k8s: K8sEmulator;
  try {
    k8s = await startK8sEmulator({ ...(await options.setup(sts)), stsUrl: sts.url });
  } catch (e) {
    await sts.close();
    throw e;
  }
  const home = makeTempHome(`eks-token-e2e-${options.name}-`);
  const dir = mkdtempSync(join(tmpdir(), `eks-token-e2e-${options.name}-work-`));
  return {
    sts,
    k8s,
    home,
    dir,
    async close() {
      await k8s.close();
      await sts.close();
      home.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A shared credentials file with one `[name]` section of static keys per user. */
export function credentialsFile(profiles: Record<string, { accessKeyId: string; secretAccessKey: string }>): string {
  return Object.entries(profiles)
    .map(
      ([name, k]) => `[${name}]\naws_access_key_id = ${k.accessKeyId}\naws_secret_access_key = ${k.secretAccessKey}\n`,
    )
    .join("\n");
}
