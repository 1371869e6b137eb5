// The EKS client doctor uses gets the bounded handler: an endless DescribeCluster answer ends at
// the 4 MB cap as one EKS failure naming the cap, and a hung one at the call's bound.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createEksApi, isEksApiError } from "../../src/aws/eks-api.js";
import { ACCOUNT, ALICE, REGION } from "../support/cache-fixture.js";
import { ClusterState } from "../support/cluster-state.js";
import { runChild } from "../support/child.js";
import { ROOT } from "../support/cli.js";
import { endlessStats } from "../support/endless-body.js";
import { startEksEmulator, type EksEmulator } from "../support/eks-emulator.js";
import { startStsEmulator, type StsEmulator } from "../support/sts-emulator.js";

let sts: StsEmulator;
let eks: EksEmulator;
const saved = process.env.AWS_ENDPOINT_URL_EKS;

beforeAll(async () => {
  sts = await startStsEmulator();
  sts.addUser({ name: "alice", accountId: ACCOUNT, ...ALICE });
  eks = await startEksEmulator({
    sts,
    clusters: new ClusterState({ name: "alpha", accountId: ACCOUNT, region: REGION }),
  });
  // The SDK's EKS client reads its endpoint from the process (each test file runs in its own).
  process.env.AWS_ENDPOINT_URL_EKS = eks.url;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_EKS;
  else process.env.AWS_ENDPOINT_URL_EKS = saved;
  await eks?.close();
  await sts?.close();
});

it("an endless DescribeCluster answer ends at the cap, asked once", async () => {
  eks.setFault({ operation: "DescribeCluster", kind: "endless" });
  const api = await createEksApi({ region: REGION, credentials: ALICE, timeoutMs: 10_000 });
  const error = await api.describeCluster("alpha").catch((e: unknown) => e);
  eks.clearFaults();
  expect(isEksApiError(error)).toBe(true);
  expect((error as Error).message).toBe(`the answer from 127.0.0.1:${eks.port} was larger than 4 MB`);
  expect(eks.requests.filter((r) => r.operation === "DescribeCluster")).toHaveLength(1);
  expect(endlessStats.bytesSent).toBeLessThan(32 * 1024 * 1024);
});

it("the cluster is described once the endpoint answers as EKS does", async () => {
  const api = await createEksApi({ region: REGION, credentials: ALICE, timeoutMs: 10_000 });
  expect((await api.describeCluster("alpha")).name).toBe("alpha");
});

const BUN = join(ROOT, "node_modules", ".bin", "bun");

// The native executable is Bun: its node:http differs from Node's, so the cap is checked there too.
it.skipIf(!existsSync(BUN))(
  "under Bun too: an endless DescribeCluster answer ends at the cap (needs the bun package)",
  async () => {
    eks.setFault({ operation: "DescribeCluster", kind: "endless" });
    endlessStats.bytesSent = 0;
    try {
      const result = await runChild(
        BUN,
        [join(ROOT, "test", "support", "eks-describe-once.ts"), REGION, ALICE.accessKeyId, ALICE.secretAccessKey],
        {
          env: { PATH: process.env.PATH, HOME: "/nonexistent", AWS_ENDPOINT_URL_EKS: eks.url },
          cwd: ROOT,
          timeoutMs: 30_000,
        },
      );
      expect(JSON.parse(result.stdout || "{}"), result.stderr).toEqual({
        ok: false,
        name: "EksApiError",
        message: `the answer from 127.0.0.1:${eks.port} was larger than 4 MB`,
      });
      expect(endlessStats.bytesSent).toBeLessThan(32 * 1024 * 1024);
    } finally {
      eks.clearFaults();
    }
  },
);
