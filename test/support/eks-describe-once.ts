// Run by Bun (the native executable's runtime) from test/aws/eks-api.test.ts: one DescribeCluster
// through the project's EKS client, printing the outcome as JSON, so the bounded handler is shown
// to cap bodies under Bun's node:http as well as Node's.
//
//   bun test/support/eks-describe-once.ts REGION ACCESS_KEY_ID SECRET_ACCESS_KEY   (AWS_ENDPOINT_URL_EKS set)
import { createEksApi } from "../../src/aws/eks-api.js";

const [region = "us-west-2", accessKeyId = "", secretAccessKey = ""] = process.argv.slice(2);
const api = await createEksApi({ region, credentials: { accessKeyId, secretAccessKey }, timeoutMs: 10_000 });
try {
  const cluster = await api.describeCluster("alpha");
  process.stdout.write(JSON.stringify({ ok: true, name: cluster.name }));
} catch (e) {
  process.stdout.write(JSON.stringify({ ok: false, name: (e as Error).name, message: (e as Error).message }));
}
