// One emulated EKS cluster end to end: the Kubernetes API server and the EKS API, both reading the
// same ClusterState, both trusting the given STS emulator. DescribeCluster reports the Kubernetes
// emulator's URL and CA, so a client can go from the EKS API to kubectl as with a real cluster.
import { ClusterState, type ClusterStateOptions } from "./cluster-state.js";
import { startEksEmulator, type EksEmulator } from "./eks-emulator.js";
import { startK8sEmulator, type K8sEmulator } from "./k8s-emulator.js";
import type { StsEmulator } from "./sts-emulator.js";

export interface EksControlPlaneOptions {
  readonly sts: StsEmulator;
  /** An existing state to share, or the options to make one. */
  readonly cluster: ClusterState | ClusterStateOptions;
  readonly pods?: Readonly<Record<string, readonly string[]>>;
  readonly stsTimeoutMs?: number;
}

export interface EksControlPlane {
  readonly state: ClusterState;
  readonly k8s: K8sEmulator;
  readonly eks: EksEmulator;
  /** Environment that points the AWS SDK's EKS client (and the AWS CLI) at the EKS emulator. */
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

export async function startEksControlPlane(options: EksControlPlaneOptions): Promise<EksControlPlane> {
  const state =
    options.cluster instanceof ClusterState
      ? options.cluster
      : new ClusterState({ now: () => options.sts.now(), ...options.cluster });
  const k8s = await startK8sEmulator({
    state,
    stsUrl: options.sts.url,
    now: () => options.sts.now(),
    ...(options.pods ? { pods: options.pods } : {}),
    ...(options.stsTimeoutMs !== undefined ? { stsTimeoutMs: options.stsTimeoutMs } : {}),
  });
  let eks: EksEmulator;
  try {
    eks = await startEksEmulator({ sts: options.sts, clusters: state, now: () => options.sts.now() });
  } catch (error) {
    await k8s.close();
    throw error;
  }
  return {
    state,
    k8s,
    eks,
    env: { AWS_ENDPOINT_URL_EKS: eks.url },
    close: async () => {
      await Promise.all([k8s.close(), eks.close()]);
    },
  };
}
