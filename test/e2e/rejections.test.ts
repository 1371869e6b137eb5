import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../src/index.js";
import { runCli, type TempHome } from "../support/cli.js";
import { credentialsFile, startCluster, type Cluster } from "../support/cluster.js";
import type { K8sEmulator } from "../support/k8s-emulator.js";
import {
  EXEC_V1BETA1,
  execUser,
  kubectlCannot,
  runKubectl,
  writeKubeconfig,
  type ExecUser,
  type TokenUser,
} from "../support/kubeconfig-fixture.js";
import { ACCOUNT, REGION, e2eEnv, expectCredential, k8sWhoAmI, pluginLines, tokenUrl } from "./helpers.js";

const CLUSTER = "e2e-rejections";
const MAPPED = {
  name: "carol",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2EREJECTCAROL01",
  secretAccessKey: "e2e/rejections/carol/secret/000000000000",
};
const UNMAPPED = {
  name: "mallory",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2EREJECTMALLORY",
  secretAccessKey: "e2e/rejections/mallory/secret/0000000000",
};

let cluster: Cluster;
let k8s: K8sEmulator;
let home: TempHome;
let dir: string;

beforeAll(async () => {
  cluster = await startCluster({
    name: "rejections",
    setup: (sts) => {
      const carol = sts.addUser(MAPPED);
      sts.addUser(UNMAPPED);
      return {
        clusterId: CLUSTER,
        accessEntries: [{ principalArn: carol.arn, username: "carol", groups: ["developers"] }],
        rbac: [{ group: "developers", namespace: "*", verbs: ["list", "get"], resources: ["pods"] }],
        pods: { default: ["web-0"] },
        // Keep a rejected STS call from slowing the suite.
        stsTimeoutMs: 5_000,
      };
    },
  });
  ({ k8s, home, dir } = cluster);
  home.writeCredentials(credentialsFile({ carol: MAPPED, mallory: UNMAPPED }));
}, 240_000);

afterAll(() => cluster?.close());

/** A token made in this process with carol's keys, as of `signingDate`. */
async function carolToken(clusterId: string, signingDate = new Date()): Promise<string> {
  const minted = await createToken({
    clusterId,
    region: REGION,
    credentials: { accessKeyId: MAPPED.accessKeyId, secretAccessKey: MAPPED.secretAccessKey },
    signingDate,
    // Nothing from this process's environment or HOME.
    env: {
      HOME: home.home,
      AWS_CONFIG_FILE: join(home.home, "absent-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(home.home, "absent-credentials"),
    },
  });
  return minted.token;
}

let n = 0;
function kubeconfigFor(user: ExecUser | TokenUser): Record<string, string> {
  const path = writeKubeconfig(join(dir, `kubeconfig-${++n}`), { server: k8s.url, caData: k8s.caData, user });
  return e2eEnv(home.home, { KUBECONFIG: path });
}

/**
 * kubectl get pods fails with 401 and nothing from the plugin on stderr. Returns the server's
 * denials logged meanwhile (other cases run at the same time: the caller picks its own reason).
 */
async function expectUnauthorized(env: Record<string, string>, token?: string): Promise<string[]> {
  const logBefore = k8s.log.length;
  // -v=6 logs each response's status line, so the 401 is seen, not inferred.
  const result = await runKubectl(["get", "pods", "-n", "default", "-v=6"], { env, timeoutMs: 30_000 });
  expect(result.code).not.toBe(0);
  expect(result.stdout).toBe("");
  // kubectl up to 1.2x says "(Unauthorized)"; later ones quote client-go's text for a 401.
  expect(result.stderr).toMatch(
    /error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)/,
  );
  expect(result.stderr).toMatch(/ 401 Unauthorized /);
  expect(result.stderr).not.toMatch(/ 200 OK /);
  expect(pluginLines(result.stderr), result.stderr).toEqual([]);
  if (token !== undefined) expect((await k8sWhoAmI(k8s, token)).status).toBe(401);
  return k8s.log.slice(logBefore).filter((l) => l.startsWith("deny "));
}

describe.concurrent("the server refuses, kubectl reports 401, the plugin is not blamed", () => {
  it("control: the same setup with the right cluster and a mapped identity works", async (ctx) => {
    const cannot = kubectlCannot("any");
    if (cannot) return ctx.skip(cannot);
    const env = kubeconfigFor(
      execUser(["token", "-i", CLUSTER, "--region", REGION], {
        apiVersion: EXEC_V1BETA1,
        env: { AWS_PROFILE: "carol" },
      }),
    );
    const result = await runKubectl(["get", "pods", "-n", "default", "-o", "name"], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe("pod/web-0");
    expect(result.stderr).toBe("");
  });

  it("a token made for another cluster (x-k8s-aws-id signed for the wrong name): STS says the signature does not match", async (ctx) => {
    const cannot = kubectlCannot("any");
    if (cannot) return ctx.skip(cannot);
    const args = ["token", "-i", "some-other-cluster", "--region", REGION];
    const env = kubeconfigFor(execUser(args, { apiVersion: EXEC_V1BETA1, env: { AWS_PROFILE: "carol" } }));
    const denials = await expectUnauthorized(env);
    expect(
      denials.some((d) => /sts: .*(SignatureDoesNotMatch|403)/.test(d)),
      denials.join("\n"),
    ).toBe(true);
    // The same plugin call on its own: success, silence.
    expectCredential(await runCli(args, { env: e2eEnv(home.home, { AWS_PROFILE: "carol" }) }));
  });

  it("a token older than 15 minutes (signed 20 minutes ago, given as a static token)", async (ctx) => {
    const cannot = kubectlCannot("any");
    if (cannot) return ctx.skip(cannot);
    const token = await carolToken(CLUSTER, new Date(Date.now() - 20 * 60_000));
    // The identical token made now is accepted: only its age differs.
    expect((await k8sWhoAmI(k8s, await carolToken(CLUSTER))).status).toBe(201);
    const denials = await expectUnauthorized(kubeconfigFor({ kind: "token", token }), token);
    expect(
      denials.some((d) => /expired|too old|older than|15 min/i.test(d)),
      denials.join("\n"),
    ).toBe(true);
  });

  it("a tampered token (one character of the signature changed)", async (ctx) => {
    const cannot = kubectlCannot("any");
    if (cannot) return ctx.skip(cannot);
    const good = await carolToken(CLUSTER);
    const url = tokenUrl(good);
    const signature = url.searchParams.get("X-Amz-Signature")!;
    const flipped = `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`;
    const tampered = `k8s-aws-v1.${Buffer.from(url.toString().replace(signature, flipped)).toString("base64url")}`;
    expect(tampered).not.toBe(good);
    const denials = await expectUnauthorized(kubeconfigFor({ kind: "token", token: tampered }), tampered);
    expect(
      denials.some((d) => /sts: .*(SignatureDoesNotMatch|403)/.test(d)),
      denials.join("\n"),
    ).toBe(true);
  });

  it("an identity that no access entry or aws-auth maps", async (ctx) => {
    const cannot = kubectlCannot("any");
    if (cannot) return ctx.skip(cannot);
    const env = kubeconfigFor(
      execUser(["token", "-i", CLUSTER, "--region", REGION], {
        apiVersion: EXEC_V1BETA1,
        env: { AWS_ACCESS_KEY_ID: UNMAPPED.accessKeyId, AWS_SECRET_ACCESS_KEY: UNMAPPED.secretAccessKey },
      }),
    );
    const denials = await expectUnauthorized(env);
    expect(
      denials.some((d) => d.includes("unmapped: arn:aws:iam::111122223333:user/mallory")),
      denials.join("\n"),
    ).toBe(true);
  });
});
