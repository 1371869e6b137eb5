/** DescribeCluster against a loopback server playing EKS, through the real SDK client. */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { parse } from "yaml";
import { runKubeconfig } from "../../src/cli/kubeconfig-command.js";
import { describeCluster, usableCluster } from "../../src/kubeconfig/describe-cluster.js";
import { EksTokenError } from "../../src/errors.js";
import { fakeIo } from "../support/fake-io.js";
import { arnOf, CA, tempHome } from "./helpers.js";

interface Seen {
  method?: string;
  url?: string;
  authorization?: string;
}

let server: Server;
let port: number;
const seen: Seen[] = [];
const statusOf: Record<string, string> = { demo: "ACTIVE", busy: "UPDATING", young: "CREATING" };

/** Answers no one should write into a kubeconfig: the field each one spoils. */
const HOSTILE: Record<string, Record<string, unknown>> = {
  "plain-http": { endpoint: "http://plain-http.example.com" },
  "file-url": { endpoint: "file:///etc/passwd" },
  userinfo: { endpoint: "https://admin:hunter2@userinfo.example.com" },
  "ca-not-base64": { certificateAuthority: { data: "not base64 at all!" } },
  "ca-not-pem": { certificateAuthority: { data: Buffer.from("just some bytes").toString("base64") } },
  "other-name": { arn: arnOf("someone-else") },
  "other-region": { arn: arnOf("other-region", "eu-west-1") },
  "not-an-arn": { arn: "arn:aws:iam::123456789012:role/x" },
  "outpost-id": { id: "id with spaces", outpostConfig: {} },
};

function answer(req: IncomingMessage): { status: number; body: unknown } {
  const name = decodeURIComponent(/^\/clusters\/([^/?]+)$/.exec(req.url ?? "")?.[1] ?? "");
  if (name === "slow") return { status: -1, body: undefined };
  if (name === "reset") return { status: -2, body: undefined };
  if (HOSTILE[name]) {
    const cluster = {
      name,
      arn: arnOf(name),
      endpoint: `https://${name}.example.com`,
      certificateAuthority: { data: CA },
      status: "ACTIVE",
    };
    return { status: 200, body: { cluster: { ...cluster, ...HOSTILE[name] } } };
  }
  const status = statusOf[name];
  if (req.method !== "GET" || !status) {
    return { status: 404, body: { message: `No cluster found for name: ${name}.` } };
  }
  return {
    status: 200,
    body: {
      cluster: {
        name,
        arn: arnOf(name),
        endpoint: `https://${name}.gr7.us-west-2.eks.amazonaws.com`,
        certificateAuthority: { data: CA },
        status,
      },
    },
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    const { status, body } = answer(req);
    if (status === -1) return; // never answers
    if (status === -2) return void req.socket.destroy(); // drops the connection unanswered
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (status === 404) headers["x-amzn-errortype"] = "ResourceNotFoundException";
    res.writeHead(status, headers).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let home: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ home, cleanup } = await tempHome());
  seen.length = 0;
  // The SDK reads process.env itself: endpoint override and static credentials, nothing from the real HOME.
  const env: Record<string, string | undefined> = {
    AWS_ENDPOINT_URL_EKS: `http://127.0.0.1:${port}`,
    AWS_ENDPOINT_URL: undefined,
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_DEFAULT_PROFILE: undefined,
    AWS_CONFIG_FILE: join(home, "aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "aws-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    HOME: home,
  };
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await cleanup();
});

const ioEnv = () => ({ HOME: home, AWS_REGION: "us-west-2" });

describe("kubeconfig with DescribeCluster", () => {
  test("asks EKS at AWS_ENDPOINT_URL_EKS and names everything by the ARN", async () => {
    const io = fakeIo({ env: ioEnv() });
    expect(await runKubeconfig(["--cluster-name", "demo"], io)).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: "GET", url: "/clusters/demo" });
    expect(seen[0]!.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-west-2\/eks\/aws4_request/,
    );
    const config = parse(await readFile(join(home, ".kube", "config"), "utf8"));
    expect(config.clusters[0]).toEqual({
      cluster: { "certificate-authority-data": CA, server: "https://demo.gr7.us-west-2.eks.amazonaws.com" },
      name: arnOf("demo"),
    });
    expect(config.users[0].name).toBe(arnOf("demo"));
    expect(config.users[0].user.exec.args).toEqual(["token", "--cluster-name", "demo", "--region", "us-west-2"]);
    expect(config["current-context"]).toBe(arnOf("demo"));
    expect(io.stderrText()).toBe(`Added new context ${arnOf("demo")} to ${join(home, ".kube", "config")}\n`);
  });

  test.each([
    [
      "plain-http",
      /returned an endpoint that is not usable: http:\/\/plain-http\.example\.com \(expected an https:\/\/ URL\)$/,
    ],
    ["file-url", /returned an endpoint that is not usable: file:\/\/\/etc\/passwd \(expected an https:\/\/ URL\)$/],
    [
      "userinfo",
      /returned an endpoint that is not usable: https:\/\/userinfo\.example\.com \(expected an https:\/\/ URL without a user name or password\)$/,
    ],
    [
      "ca-not-base64",
      /returned a certificate authority that is not the base64 of a PEM certificate: "not base64 at all!"$/,
    ],
    ["ca-not-pem", /returned a certificate authority that is not the base64 of a PEM certificate/],
    ["other-name", /returned the ARN of another cluster: "arn:aws:eks:us-west-2:123456789012:cluster\/someone-else"$/],
    ["other-region", /returned the ARN of a cluster in another region: "arn:aws:eks:eu-west-1:/],
    ["not-an-arn", /returned an ARN that is not a cluster's: "arn:aws:iam::123456789012:role\/x"$/],
    ["outpost-id", /returned an Outposts cluster id that cannot be passed on: "id with spaces"$/],
  ])("a DescribeCluster answer with a bad field (%s) is refused and nothing is written", async (name, says) => {
    const io = fakeIo({ env: ioEnv() });
    const e = await runKubeconfig(["--cluster-name", name], io).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EksTokenError);
    expect((e as EksTokenError).code).toBe("kubeconfig");
    expect((e as EksTokenError).message).toMatch(new RegExp(`^DescribeCluster for ${name} in us-west-2 `));
    expect((e as EksTokenError).message).toMatch(says);
    expect((e as EksTokenError).message).not.toContain("hunter2");
    await expect(readFile(join(home, ".kube", "config"))).rejects.toThrow(/ENOENT/);
  });

  test("UPDATING is accepted", async () => {
    const io = fakeIo({ env: ioEnv() });
    await runKubeconfig(["--name", "busy", "--dry-run"], io);
    expect(parse(io.stdoutText()).clusters[0].name).toBe(arnOf("busy"));
  });

  test("a CREATING cluster is refused with its status", async () => {
    const e = await runKubeconfig(["--cluster-name", "young"], fakeIo({ env: ioEnv() })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EksTokenError);
    expect((e as EksTokenError).code).toBe("kubeconfig");
    expect((e as EksTokenError).message).toBe("cluster young in us-west-2 is CREATING");
    expect((e as EksTokenError).hint).toMatch(/ACTIVE or UPDATING/);
  });

  test("an unknown cluster is reported as not found", async () => {
    const e = await runKubeconfig(["--cluster-name", "ghost"], fakeIo({ env: ioEnv() })).catch((x: unknown) => x);
    expect((e as EksTokenError).message).toBe("cluster ghost in us-west-2 not found");
  });

  test("the call is bounded in time", async () => {
    const started = Date.now();
    const e = await describeCluster({ name: "slow", region: "us-west-2", timeoutMs: 400 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EksTokenError);
    expect((e as EksTokenError).code).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  test("a connection dropped unanswered is said to be closed, not timed out", async () => {
    const started = Date.now();
    const e = await describeCluster({ name: "reset", region: "us-west-2", timeoutMs: 10_000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EksTokenError);
    expect((e as EksTokenError).code).toBe("network");
    expect((e as EksTokenError).message).toMatch(
      /^the connection to EKS closed before DescribeCluster on cluster reset in us-west-2 was answered \((ECONNRESET|EPIPE)\)$/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test("no credentials is its own error", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", undefined);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", undefined);
    const e = await runKubeconfig(["--cluster-name", "demo"], fakeIo({ env: ioEnv() })).catch((x: unknown) => x);
    expect((e as EksTokenError).code).toBe("no-credentials");
    expect(seen).toHaveLength(0);
  });

  test("the SDK's Node version warning is switched off", async () => {
    vi.stubEnv("AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED", undefined);
    await describeCluster({ name: "demo", region: "us-west-2" });
    expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe("true");
  });
});

describe("usableCluster", () => {
  test("an Outposts local cluster is bound to its id", () => {
    const c = usableCluster(
      { name: "op", region: "us-west-2" },
      {
        name: "op",
        arn: arnOf("op"),
        endpoint: "https://10.0.0.1",
        status: "ACTIVE",
        id: "c0ffee",
        certificateAuthority: { data: CA },
        outpostConfig: {},
      },
    );
    expect(c.outpostClusterId).toBe("c0ffee");
  });

  test.each(["CREATING", "DELETING", "FAILED", "PENDING"])("%s is refused", (status) => {
    expect(() => usableCluster({ name: "x", region: "r" }, { status })).toThrow(`is ${status}`);
  });

  test("a missing answer is not found", () => {
    expect(() => usableCluster({ name: "x", region: "r" }, undefined)).toThrow("not found");
  });
});
