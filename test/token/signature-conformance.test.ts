// Tokens from createToken checked by an independent SigV4 implementation (node:crypto only, in
// test/support/sigv4.ts and again inline below), by the public vector of docs/contract.md, "Token format", and
// byte for byte against the token `aws eks get-token` makes (botocore) for the same inputs.
import { REGIONAL_HOSTS } from "../support/partition-hosts.js";
import { spawn, spawnSync } from "node:child_process";
import { createHash, createHmac } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../src/index.js";
import { hermeticEnv, makeTempHome, ROOT, type TempHome } from "../support/cli.js";
import { EMPTY_PAYLOAD_HASH, presignUrl, verifyPresignedUrl } from "../support/sigv4.js";

// 2023-04-28T00:00:00Z, the signing time of the public vector.
const EPOCH = 1682640000;
const SIGNED = new Date(EPOCH * 1000);
const AMZ_DATE = "20230428T000000Z";

const VECTOR = {
  accessKeyId: "ASIAR2TG44V6AS3ZZE7C",
  secretAccessKey: "4KD5cntGcVmLWRdF5wvNRuzNL5Qxmp6OKVY6Fz/Q",
};
const KEYS = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
// Needs escaping in the query: + / = all appear.
const SESSION_TOKEN = "FwoGZXIvYXdzEBYaDH+qa0AP1B2eWc2Lq4yKHAYMB/zXhM5Nm4pD0VXJVW7T==";

const QUERY_ORDER = [
  "Action",
  "Version",
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-Expires",
  "X-Amz-SignedHeaders",
  "X-Amz-Security-Token",
  "X-Amz-Signature",
];

let home: TempHome;
beforeAll(() => {
  home = makeTempHome("eks-token-sig-");
});
afterAll(() => home.cleanup());

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

async function mint(
  clusterId: string,
  region: string | undefined,
  credentials: Creds,
  extraEnv: Record<string, string> = {},
) {
  return createToken({
    clusterId,
    ...(region === undefined ? {} : { region }),
    credentials,
    signingDate: SIGNED,
    env: hermeticEnv(home.home, extraEnv),
  });
}

/** The presigned URL inside a token, decoded strictly. */
function urlOf(token: string): string {
  expect(token.startsWith("k8s-aws-v1.")).toBe(true);
  const body = token.slice("k8s-aws-v1.".length);
  expect(body).toMatch(/^[A-Za-z0-9_-]+$/); // URL-safe alphabet, no padding
  const url = Buffer.from(body, "base64url").toString("utf8");
  // Re-encoding gives the same bytes: nothing was lost or padded.
  expect(Buffer.from(url, "utf8").toString("base64url")).toBe(body);
  return url;
}

/** Raw query pairs in order, decoded. */
function queryPairs(url: string): Array<[string, string]> {
  const raw = url.slice(url.indexOf("?") + 1);
  return raw.split("&").map((part) => {
    const eq = part.indexOf("=");
    return [decodeURIComponent(part.slice(0, eq)), decodeURIComponent(part.slice(eq + 1))];
  });
}

/** RFC 3986 percent-encoding, written here again on purpose (no shared code with the signer). */
function rfc3986(s: string): string {
  return [...Buffer.from(s, "utf8")]
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/** The signature a GetCallerIdentity presign for this host, region and cluster must carry. */
function expectedSignature(
  host: string,
  region: string,
  cluster: string,
  creds: Creds,
): { signature: string; canonicalRequest: string } {
  const scope = `${AMZ_DATE.slice(0, 8)}/${region}/sts/aws4_request`;
  const params: Array<[string, string]> = [
    ["Action", "GetCallerIdentity"],
    ["Version", "2011-06-15"],
    ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
    ["X-Amz-Credential", `${creds.accessKeyId}/${scope}`],
    ["X-Amz-Date", AMZ_DATE],
    ["X-Amz-Expires", "60"],
    ["X-Amz-SignedHeaders", "host;x-k8s-aws-id"],
  ];
  if (creds.sessionToken) params.push(["X-Amz-Security-Token", creds.sessionToken]);
  const canonicalQuery = params
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .sort()
    .join("&");
  const canonicalRequest = [
    "GET",
    "/",
    canonicalQuery,
    `host:${host}`,
    `x-k8s-aws-id:${cluster}`,
    "",
    "host;x-k8s-aws-id",
    EMPTY_PAYLOAD_HASH,
  ].join("\n");
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    AMZ_DATE,
    scope,
    createHash("sha256").update(canonicalRequest).digest("hex"),
  ].join("\n");
  const key = hmac(
    hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, AMZ_DATE.slice(0, 8)), region), "sts"),
    "aws4_request",
  );
  return { signature: createHmac("sha256", key).update(stringToSign).digest("hex"), canonicalRequest };
}

describe("the public vector (aws-iam-authenticator TestGetWithSTS)", () => {
  const EXPECTED_URL =
    "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256" +
    "&X-Amz-Credential=ASIAR2TG44V6AS3ZZE7C%2F20230428%2Fus-west-2%2Fsts%2Faws4_request&X-Amz-Date=20230428T000000Z" +
    "&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id" +
    "&X-Amz-Signature=e211dba77aba9dc44b0b6be38b8eaad092599c5157f6314444c5b9d85747f5ce";

  it("is reproduced exactly: signature e211dba7...", async () => {
    const { token, expiration } = await mint("test-cluster", "us-west-2", VECTOR);
    const url = urlOf(token);
    expect(new URL(url).searchParams.get("X-Amz-Signature")).toBe(
      "e211dba77aba9dc44b0b6be38b8eaad092599c5157f6314444c5b9d85747f5ce",
    );
    expect(url).toBe(EXPECTED_URL);
    // The whole token `aws eks get-token` printed for these inputs (awscli 1.45, botocore 1.43).
    expect(token).toBe(`k8s-aws-v1.${Buffer.from(EXPECTED_URL).toString("base64url")}`);
    expect(expiration.toISOString()).toBe("2023-04-28T00:14:00.000Z");
  });

  it("the inline recomputation and test/support/sigv4.ts agree on the vector", () => {
    expect(expectedSignature("sts.us-west-2.amazonaws.com", "us-west-2", "test-cluster", VECTOR).signature).toBe(
      "e211dba77aba9dc44b0b6be38b8eaad092599c5157f6314444c5b9d85747f5ce",
    );
    const url = presignUrl({
      url: "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
      headers: { "x-k8s-aws-id": "test-cluster" },
      credentials: VECTOR,
      region: "us-west-2",
      service: "sts",
      amzDate: AMZ_DATE,
      expiresSeconds: 60,
    });
    expect(new URL(url).searchParams.get("X-Amz-Signature")).toBe(
      "e211dba77aba9dc44b0b6be38b8eaad092599c5157f6314444c5b9d85747f5ce",
    );
  });
});

interface EndpointCase {
  readonly name: string;
  readonly region: string | undefined;
  readonly env?: Record<string, string>;
  readonly host: string;
  readonly signingRegion: string;
}

const ENDPOINTS: readonly EndpointCase[] = [
  ...REGIONAL_HOSTS.map(({ region, host, partition }) => ({
    name: `${partition} ${region}`,
    region,
    host,
    signingRegion: region,
  })),
  { name: "no region: global", region: undefined, host: "sts.amazonaws.com", signingRegion: "us-east-1" },
  {
    name: "legacy, a legacy region",
    region: "eu-west-2",
    env: { AWS_STS_REGIONAL_ENDPOINTS: "legacy" },
    host: "sts.amazonaws.com",
    signingRegion: "us-east-1",
  },
  {
    name: "legacy, a regional one",
    region: "me-south-1",
    env: { AWS_STS_REGIONAL_ENDPOINTS: "legacy" },
    host: "sts.me-south-1.amazonaws.com",
    signingRegion: "me-south-1",
  },
  {
    name: "FIPS",
    region: "us-east-1",
    env: { AWS_USE_FIPS_ENDPOINT: "true" },
    host: "sts-fips.us-east-1.amazonaws.com",
    signingRegion: "us-east-1",
  },
  {
    name: "dual-stack",
    region: "us-east-1",
    env: { AWS_USE_DUALSTACK_ENDPOINT: "true" },
    host: "sts.us-east-1.api.aws",
    signingRegion: "us-east-1",
  },
  {
    name: "dual-stack aws-cn",
    region: "cn-north-1",
    env: { AWS_USE_DUALSTACK_ENDPOINT: "true" },
    host: "sts.cn-north-1.api.amazonwebservices.com.cn",
    signingRegion: "cn-north-1",
  },
  {
    name: "FIPS + dual-stack",
    region: "us-west-2",
    env: { AWS_USE_FIPS_ENDPOINT: "true", AWS_USE_DUALSTACK_ENDPOINT: "true" },
    host: "sts-fips.us-west-2.api.aws",
    signingRegion: "us-west-2",
  },
];

const CLUSTERS = ["test-cluster", "my.cluster.example.com", "under_score-and-dash_1"];
const CREDENTIAL_SETS: ReadonlyArray<readonly [string, Creds]> = [
  ["long-term keys", KEYS],
  ["a session token with + / =", { ...KEYS, accessKeyId: "ASIAIOSFODNN7EXAMPLE", sessionToken: SESSION_TOKEN }],
];

const matrix = ENDPOINTS.flatMap((endpoint) =>
  CREDENTIAL_SETS.flatMap(([credName, creds]) => CLUSTERS.map((cluster) => ({ endpoint, credName, creds, cluster }))),
);

describe("every token verifies under an independent SigV4 implementation", () => {
  it.each(matrix.map((m) => [`${m.endpoint.name}, ${m.credName}, ${m.cluster}`, m] as const))(
    "%s",
    async (_name, { endpoint, creds, cluster }) => {
      const { token } = await mint(cluster, endpoint.region, creds, endpoint.env);
      expect(token.length).toBeLessThanOrEqual(4096);
      const url = urlOf(token);
      const parsed = new URL(url);
      expect(parsed.protocol).toBe("https:");
      expect(parsed.host).toBe(endpoint.host);
      expect(parsed.pathname).toBe("/");

      // The AWS CLI's parameter order, and nothing else in the query.
      const pairs = queryPairs(url);
      const expectedKeys = QUERY_ORDER.filter((k) => creds.sessionToken || k !== "X-Amz-Security-Token");
      expect(pairs.map(([k]) => k)).toEqual(expectedKeys);
      const params = Object.fromEntries(pairs);
      expect(params).toMatchObject({
        Action: "GetCallerIdentity",
        Version: "2011-06-15",
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": `${creds.accessKeyId}/20230428/${endpoint.signingRegion}/sts/aws4_request`,
        "X-Amz-Date": AMZ_DATE,
        "X-Amz-Expires": "60",
        "X-Amz-SignedHeaders": "host;x-k8s-aws-id",
      });
      if (creds.sessionToken) {
        expect(params["X-Amz-Security-Token"]).toBe(creds.sessionToken);
        // Escaped as SigV4 wants on the wire: no raw + / = in the value.
        expect(url).toContain(`X-Amz-Security-Token=${rfc3986(creds.sessionToken)}&`);
      }
      // The cluster travels only in the signed header, never in the URL.
      expect(pairs.some(([k]) => k.toLowerCase() === "x-k8s-aws-id")).toBe(false);
      expect(url).not.toContain(cluster);

      // Inline recomputation.
      const expected = expectedSignature(endpoint.host, endpoint.signingRegion, cluster, creds);
      expect(params["X-Amz-Signature"]).toBe(expected.signature);

      // test/support/sigv4.ts, as a server would check it.
      const keyRecord = {
        secretAccessKey: creds.secretAccessKey,
        ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
      };
      const verify = (headerCluster: string, host = endpoint.host) =>
        verifyPresignedUrl({
          url,
          headers: { host, "x-k8s-aws-id": headerCluster },
          secretForAccessKey: (id) => (id === creds.accessKeyId ? keyRecord : undefined),
          now: SIGNED.getTime() + 60_000,
          validitySeconds: 900,
          requiredSignedHeaders: ["x-k8s-aws-id"],
        });
      expect(verify(cluster)).toMatchObject({
        ok: true,
        region: endpoint.signingRegion,
        service: "sts",
        signedHeaders: ["host", "x-k8s-aws-id"],
      });
      // Bound to the cluster and the host.
      expect(verify(`${cluster}-other`)).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
      expect(verify(cluster, "sts.elsewhere.amazonaws.com")).toMatchObject({
        ok: false,
        code: "SignatureDoesNotMatch",
      });
    },
  );

  it("a different secret gives a different signature (the secret is really used)", async () => {
    const a = urlOf((await mint("c", "us-west-2", KEYS)).token);
    const b = urlOf(
      (await mint("c", "us-west-2", { ...KEYS, secretAccessKey: `${KEYS.secretAccessKey.slice(0, -1)}X` })).token,
    );
    expect(new URL(a).searchParams.get("X-Amz-Signature")).not.toBe(new URL(b).searchParams.get("X-Amz-Signature"));
  });

  it("the signing date is the one given, and tokens are deterministic", async () => {
    const one = await mint("c", "eu-west-1", KEYS);
    const two = await mint("c", "eu-west-1", KEYS);
    expect(one.token).toBe(two.token);
    const later = await createToken({
      clusterId: "c",
      region: "eu-west-1",
      credentials: KEYS,
      signingDate: new Date(SIGNED.getTime() + 86_400_000),
      env: hermeticEnv(home.home),
    });
    expect(new URL(urlOf(later.token)).searchParams.get("X-Amz-Date")).toBe("20230429T000000Z");
    expect(new URL(urlOf(later.token)).searchParams.get("X-Amz-Credential")).toContain("/20230429/eu-west-1/");
  });

  it("a long session token still gives a token within the server's 4096 characters", async () => {
    const sessionToken = `IQoJb3JpZ2luX2Vj${"A+b/C=d".repeat(150)}`;
    const { token } = await mint("a-cluster", "ap-southeast-2", { ...KEYS, sessionToken });
    expect(token.length).toBeLessThanOrEqual(4096);
    expect(new URL(urlOf(token)).searchParams.get("X-Amz-Security-Token")).toBe(sessionToken);
  });

  it("credentials that expire within 15 minutes cap the expiration", async () => {
    const { expiration } = await createToken({
      clusterId: "c",
      region: "us-west-2",
      credentials: { ...KEYS, sessionToken: SESSION_TOKEN, expiration: new Date(SIGNED.getTime() + 5 * 60_000) },
      signingDate: SIGNED,
      env: hermeticEnv(home.home),
    });
    expect(expiration.toISOString()).toBe("2023-04-28T00:04:00.000Z");
  });

  it("a credentials provider function is called and used", async () => {
    let calls = 0;
    const { token } = await createToken({
      clusterId: "c",
      region: "us-west-2",
      credentials: async () => {
        calls++;
        return KEYS;
      },
      signingDate: SIGNED,
      env: hermeticEnv(home.home),
    });
    expect(calls).toBe(1);
    expect(new URL(urlOf(token)).searchParams.get("X-Amz-Signature")).toBe(
      expectedSignature("sts.us-west-2.amazonaws.com", "us-west-2", "c", KEYS).signature,
    );
  });

  it("the region of the profile in the given env's AWS_CONFIG_FILE is used", async () => {
    home.writeConfig("[profile cn]\nregion = cn-northwest-1\n");
    const { token } = await createToken({
      clusterId: "c",
      profile: "cn",
      credentials: KEYS,
      signingDate: SIGNED,
      env: hermeticEnv(home.home),
    });
    expect(new URL(urlOf(token)).host).toBe("sts.cn-northwest-1.amazonaws.com.cn");
  });
});

// ---------------------------------------------------------------------------------------------
// Byte-for-byte equality with `aws eks get-token` (botocore), when python3 and awscli are present.

const BOTOCORE_SCRIPT = join(ROOT, "test", "support", "botocore_token.py");

function pythonEnv(extra: Record<string, string>): Record<string, string> {
  const base = hermeticEnv(home.home, extra);
  // pyenv shims find their interpreter through these when set.
  for (const name of ["PYENV_ROOT", "PYENV_VERSION"]) {
    const value = process.env[name];
    if (value) base[name] = value;
  }
  return base;
}

interface Probe {
  /** Why the comparison is skipped, when it is. */
  readonly skip?: string;
  /** The interpreter behind `python3` (calling it directly skips the pyenv shim's start-up). */
  readonly python: string;
  /** The public vector's token, which the probe computes anyway. */
  readonly vectorToken?: string;
  readonly vectorError?: string;
}

function probeBotocore(): Probe {
  const probeHome = makeTempHome("eks-token-probe-");
  try {
    const env = {
      ...hermeticEnv(probeHome.home, {
        AWS_ACCESS_KEY_ID: VECTOR.accessKeyId,
        AWS_SECRET_ACCESS_KEY: VECTOR.secretAccessKey,
      }),
      ...pickPyenv(),
    };
    const which = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], {
      env,
      encoding: "utf8",
      timeout: 30_000,
    });
    if (which.error)
      return {
        skip: `python3 could not be run (${(which.error as NodeJS.ErrnoException).code ?? which.error.message})`,
        python: "python3",
      };
    const python = which.status === 0 && which.stdout.trim() ? which.stdout.trim() : "python3";
    const result = spawnSync(python, [BOTOCORE_SCRIPT, "test-cluster", "us-west-2", String(EPOCH)], {
      env,
      encoding: "utf8",
      timeout: 30_000,
    });
    if (result.error) return { skip: `python3 could not be run (${result.error.message})`, python };
    if (result.status === 3)
      return { skip: "awscli/botocore are not importable by python3 (botocore_token.py exit 3)", python };
    if (result.status !== 0)
      return { python, vectorError: `botocore_token.py exited ${result.status}: ${result.stderr}` };
    return { python, vectorToken: result.stdout.trim() };
  } finally {
    probeHome.cleanup();
  }
}

function pickPyenv(): Record<string, string> {
  return Object.fromEntries(
    ["PYENV_ROOT", "PYENV_VERSION"].flatMap((n) => (process.env[n] ? [[n, process.env[n] as string]] : [])),
  );
}

function botocoreToken(
  cluster: string,
  region: string | undefined,
  creds: Creds,
  env: Record<string, string>,
): Promise<string> {
  const childEnv = pythonEnv({
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    ...(creds.sessionToken ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}),
    ...env,
  });
  return new Promise((resolve, reject) => {
    const child = spawn(probe.python, [BOTOCORE_SCRIPT, cluster, region ?? "-", String(EPOCH)], { env: childEnv });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`botocore_token.py exited ${code}: ${err}`)),
    );
  });
}

const probe = probeBotocore();
const skipReason = probe.skip;

interface BotocoreCase {
  readonly name: string;
  readonly cluster: string;
  readonly region: string | undefined;
  readonly creds: Creds;
  readonly env: Record<string, string>;
}

const WITH_SESSION: Creds = {
  accessKeyId: "ASIAIOSFODNN7EXAMPLE",
  secretAccessKey: KEYS.secretAccessKey,
  sessionToken: SESSION_TOKEN,
};
const BOTOCORE_CASES: readonly BotocoreCase[] = [
  { name: "no region (global host)", cluster: "test-cluster", region: undefined, creds: KEYS, env: {} },
  { name: "no region, with a session token", cluster: "prod.example", region: undefined, creds: WITH_SESSION, env: {} },
  {
    name: "eu-west-1 with a session token",
    cluster: "my.cluster_name-1",
    region: "eu-west-1",
    creds: WITH_SESSION,
    env: {},
  },
  { name: "aws-cn with a session token", cluster: "cn_cluster", region: "cn-north-1", creds: WITH_SESSION, env: {} },
  {
    name: "legacy mode, us-west-2 (global host)",
    cluster: "legacy",
    region: "us-west-2",
    creds: KEYS,
    env: { AWS_STS_REGIONAL_ENDPOINTS: "legacy" },
  },
  {
    name: "FIPS in GovCloud",
    cluster: "fips.gov",
    region: "us-gov-west-1",
    creds: WITH_SESSION,
    env: { AWS_USE_FIPS_ENDPOINT: "true" },
  },
  {
    name: "dual-stack aws-cn",
    cluster: "ds",
    region: "cn-north-1",
    creds: KEYS,
    env: { AWS_USE_DUALSTACK_ENDPOINT: "true" },
  },
  { name: "aws-eusc", cluster: "eu.cluster", region: "eusc-de-east-1", creds: KEYS, env: {} },
];

describe.skipIf(skipReason !== undefined)(
  `byte-for-byte equality with aws eks get-token${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    const expected = new Map<string, string>();

    beforeAll(async () => {
      // Two at a time (CI machines have two cores); each python3 start costs about half a second.
      const queue = [...BOTOCORE_CASES];
      const worker = async () => {
        for (let c = queue.shift(); c; c = queue.shift())
          expected.set(c.name, await botocoreToken(c.cluster, c.region, c.creds, c.env));
      };
      await Promise.all([worker(), worker()]);
    }, 120_000);

    it("the public vector (us-west-2, test-cluster)", async () => {
      expect(probe.vectorError).toBeUndefined();
      const { token } = await mint("test-cluster", "us-west-2", VECTOR);
      expect(token).toBe(probe.vectorToken);
    });

    it.each(BOTOCORE_CASES.map((c) => [c.name, c] as const))("%s", async (name, c) => {
      const { token } = await mint(c.cluster, c.region, c.creds, c.env);
      const theirs = expected.get(name);
      expect(theirs).toMatch(/^k8s-aws-v1\./);
      if (token !== theirs) {
        // Show the URLs, which say more than two base64 strings.
        expect(urlOf(token)).toBe(urlOf(theirs as string));
      }
      expect(token).toBe(theirs);
    });
  },
);
