// Faults on the way to credentials, through the built CLI: STS slow, throttling, down, hanging
// during AssumeRole (both through --role-arn and through a role profile), answering 503; instance
// metadata and container endpoints down or hanging. A slow or briefly throttled STS still gives a
// token; everything else ends in one `eks-token:` line, a non-zero exit, nothing on stdout, no
// stack trace, and within the plugin's own time bound (the test allows 16 s; the plugin promises
// under 15). Each case has its own emulators, so the cases run at once. Last, a check that the
// network guard preloaded into every CLI child does refuse non-loopback addresses.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, makeTempHome, runCli, type TempHome } from "../support/cli.js";
import { startContainerCredentialsEmulator } from "../support/container-credentials-emulator.js";
import { startImdsEmulator } from "../support/imds-emulator.js";
import { startStsEmulator, type StsEmulator, type StsFault } from "../support/sts-emulator.js";
import { ACCOUNT, REGION, closedPort, e2eEnv, expectCredential, expectFailure, stsCallerIdentity } from "./helpers.js";

const CLUSTER = "e2e-faults";
const USER = {
  name: "dave",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2EFAULTSDAVE001",
  secretAccessKey: "e2e/faults/dave/secret/0000000000000000000",
};
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/e2e-faults-role`;
const BOUND_MS = 16_000;
const FAST_MS = 5_000;
const SESSION = {
  accessKeyId: "ASIAE2EFAULTSSESSION",
  secretAccessKey: "e2e/faults/session/secret/0000000000000",
  sessionToken: "e2e-faults-session-token",
  expiration: new Date(Date.now() + 3600_000),
};

const homes: TempHome[] = [];
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  await ensureBuilt();
}, 240_000);

afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
  for (const h of homes) h.cleanup();
});

function newHome(): TempHome {
  const h = makeTempHome("eks-token-e2e-faults-");
  homes.push(h);
  return h;
}

async function newSts(fault?: StsFault, times?: number): Promise<StsEmulator> {
  const sts = await startStsEmulator();
  closers.push(() => sts.close());
  const user = sts.addUser(USER);
  sts.addRole({ arn: ROLE_ARN, trust: [user.arn] });
  if (fault) sts.setFault(fault, times);
  return sts;
}

const KEYS = { AWS_ACCESS_KEY_ID: USER.accessKeyId, AWS_SECRET_ACCESS_KEY: USER.secretAccessKey };
const ROLE_ARGS = ["token", "--cluster-name", CLUSTER, "--region", REGION, "--role-arn", ROLE_ARN];

/** --role-arn with environment keys, AssumeRole at `stsUrl`. */
function assumeWithRoleArn(stsUrl: string) {
  return runCli(ROLE_ARGS, {
    env: e2eEnv(newHome().home, { ...KEYS, AWS_ENDPOINT_URL_STS: stsUrl }),
    timeoutMs: 30_000,
  });
}

/** A role profile (role_arn + source_profile): the SDK's own AssumeRole at `stsUrl`. */
function assumeWithRoleProfile(stsUrl: string) {
  const h = newHome();
  h.writeCredentials(
    `[base]\naws_access_key_id = ${USER.accessKeyId}\naws_secret_access_key = ${USER.secretAccessKey}\n`,
  );
  h.writeConfig(`[profile deploy]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nregion = ${REGION}\n`);
  return runCli(["token", "--cluster-name", CLUSTER, "--profile", "deploy"], {
    env: e2eEnv(h.home, { AWS_ENDPOINT_URL_STS: stsUrl }),
    timeoutMs: 30_000,
  });
}

async function expectAssumedRoleToken(sts: StsEmulator, stdout: string): Promise<void> {
  const token = (JSON.parse(stdout) as { status: { token: string } }).status.token;
  const identity = await stsCallerIdentity(sts.url, token, CLUSTER);
  expect(identity.status, identity.body).toBe(200);
  expect(identity.arn).toMatch(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/e2e-faults-role/`));
}

describe.concurrent("STS faults", () => {
  it("STS slow (2 s per AssumeRole): still a token", async () => {
    const sts = await newSts({ kind: "latency", ms: 2_000, action: "AssumeRole" });
    const result = await assumeWithRoleArn(sts.url);
    expectCredential(result);
    expect(result.durationMs).toBeGreaterThanOrEqual(2_000);
    await expectAssumedRoleToken(sts, result.stdout);
  });

  it("STS throttles once: the SDK retries and the token comes", async () => {
    const sts = await newSts({ kind: "throttle", action: "AssumeRole" }, 1);
    const result = await assumeWithRoleArn(sts.url);
    expectCredential(result);
    expect(sts.calls["AssumeRole"]).toBe(2);
    await expectAssumedRoleToken(sts, result.stdout);
  });

  it("STS throttles every call: a clear error, after a bounded number of tries", async () => {
    const sts = await newSts({ kind: "throttle", action: "AssumeRole" });
    const result = await assumeWithRoleArn(sts.url);
    expectFailure(result, /throttl/i);
    expect(result.durationMs).toBeLessThan(BOUND_MS);
    expect(sts.calls["AssumeRole"]).toBeLessThanOrEqual(3);
  });

  it("STS answers 503 to every call: a clear error naming the failure", async () => {
    const sts = await newSts({ kind: "status", status: 503, action: "AssumeRole" });
    const result = await assumeWithRoleArn(sts.url);
    expectFailure(result, /ServiceUnavailable|503|unavailable/i);
    expect(result.durationMs).toBeLessThan(BOUND_MS);
  });

  it("STS down (nothing listening): fails fast, naming the unreachable endpoint", async () => {
    const port = await closedPort();
    const result = await assumeWithRoleArn(`http://127.0.0.1:${port}`);
    expectFailure(result, new RegExp(`could not reach .*(ECONNREFUSED|127\\.0\\.0\\.1:${port})`));
    expect(result.durationMs).toBeLessThan(FAST_MS);
  });

  it("STS down, through a role profile: fails fast, naming the unreachable endpoint", async () => {
    const port = await closedPort();
    const result = await assumeWithRoleProfile(`http://127.0.0.1:${port}`);
    expectFailure(result, new RegExp(`could not reach .*(ECONNREFUSED|127\\.0\\.0\\.1:${port})`));
    expect(result.durationMs).toBeLessThan(FAST_MS);
  });

  it("STS hangs during AssumeRole (--role-arn): an error within the plugin's bound", async () => {
    const sts = await newSts({ kind: "hang", action: "AssumeRole" });
    const result = await assumeWithRoleArn(sts.url);
    expectFailure(result, /took longer than|did not answer|timed? ?out|could not reach/i);
    expect(result.durationMs).toBeLessThan(BOUND_MS);
  });

  it("STS hangs during AssumeRole (role profile): an error within the plugin's bound", async () => {
    const sts = await newSts({ kind: "hang", action: "AssumeRole" });
    const result = await assumeWithRoleProfile(sts.url);
    expectFailure(result, /took longer than|did not answer|timed? ?out|could not reach/i);
    expect(result.durationMs).toBeLessThan(BOUND_MS);
  });
});

describe.concurrent("instance metadata and container endpoint faults", () => {
  it("IMDS down (nothing listening at AWS_EC2_METADATA_SERVICE_ENDPOINT): a clear error, fast", async () => {
    const port = await closedPort();
    const result = await runCli(["token", "--cluster-name", CLUSTER, "--region", REGION], {
      env: e2eEnv(newHome().home, {
        AWS_EC2_METADATA_DISABLED: undefined,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${port}`,
      }),
      timeoutMs: 30_000,
    });
    expectFailure(
      result,
      /the instance metadata endpoint at http:\/\/127\.0\.0\.1:\d+ gave no credentials \(.*ECONNREFUSED.*\): check that it is up/,
    );
    expect(result.durationMs).toBeLessThan(FAST_MS);
  });

  it("IMDS hangs: a clear error, within the bound", async () => {
    const imds = await startImdsEmulator({ roleName: "r", credentials: SESSION });
    closers.push(() => imds.close());
    imds.hang();
    const result = await runCli(["token", "--cluster-name", CLUSTER, "--region", REGION], {
      env: e2eEnv(newHome().home, {
        AWS_EC2_METADATA_DISABLED: undefined,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url,
      }),
      timeoutMs: 30_000,
    });
    expectFailure(
      result,
      /the instance metadata endpoint at http:\/\/127\.0\.0\.1:\d+ gave no credentials|took longer than/,
    );
    expect(result.durationMs).toBeLessThan(BOUND_MS);
    expect(imds.requests.length).toBeGreaterThan(0);
  });

  it("container endpoint down (nothing listening at AWS_CONTAINER_CREDENTIALS_FULL_URI): a clear error, fast", async () => {
    const port = await closedPort();
    const result = await runCli(["token", "--cluster-name", CLUSTER, "--region", REGION], {
      env: e2eEnv(newHome().home, {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/v1/credentials`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: "t",
      }),
      timeoutMs: 30_000,
    });
    expectFailure(
      result,
      /the container credentials endpoint at http:\/\/127\.0\.0\.1:\d+\/\S* gave no credentials \(.*ECONNREFUSED.*\): check that it is up/,
    );
    expect(result.durationMs).toBeLessThan(FAST_MS);
  });

  it("container endpoint hangs: a clear error, within the bound", async () => {
    const container = await startContainerCredentialsEmulator({ authorizationToken: "t", credentials: SESSION });
    closers.push(() => container.close());
    container.hang();
    const result = await runCli(["token", "--cluster-name", CLUSTER, "--region", REGION], {
      env: e2eEnv(newHome().home, {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: "t",
      }),
      timeoutMs: 30_000,
    });
    // The container link gives the endpoint 1 s, body included; the overall bound backs it up.
    expectFailure(
      result,
      /took longer than|the container credentials endpoint at http:\/\/127\.0\.0\.1:\d+\/\S* gave no credentials/,
    );
    expect(result.durationMs).toBeLessThan(BOUND_MS);
    expect(container.requests.length).toBeGreaterThan(0);
  });

  it("container endpoint refuses the authorization token (401): a clear error", async () => {
    const container = await startContainerCredentialsEmulator({ authorizationToken: "right", credentials: SESSION });
    closers.push(() => container.close());
    const result = await runCli(["token", "--cluster-name", CLUSTER, "--region", REGION], {
      env: e2eEnv(newHome().home, {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: "wrong",
      }),
      timeoutMs: 30_000,
    });
    expectFailure(
      result,
      /the container credentials endpoint at http:\/\/127\.0\.0\.1:\d+\/\S* gave no credentials.*AWS_CONTAINER_AUTHORIZATION_TOKEN/,
    );
    expect(container.requests.map((r) => r.status)).toContain(401);
  });
});

describe("the tests' own network guard (preloaded into every CLI child)", () => {
  it("refuses connections to anything but loopback, so no test can reach the network or 169.254.169.254", async () => {
    const probe = [
      "const http = require('node:http');",
      "const tryGet = (url) => new Promise((r) => http.get(url, () => r('connected')).on('error', (e) => r(e.code)));",
      "(async () => { console.log(JSON.stringify([await tryGet('http://169.254.169.254/latest/'), await tryGet('http://sts.amazonaws.com/'), await tryGet('http://127.0.0.1:1/')])); })();",
    ].join("\n");
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["-e", probe], {
        env: e2eEnv(newHome().home),
        stdio: ["ignore", "pipe", "inherit"],
      });
      let text = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (text += d));
      child.on("error", reject);
      child.on("close", () => resolve(text));
    });
    expect(JSON.parse(out)).toEqual(["EHOSTUNREACH", "EHOSTUNREACH", "ECONNREFUSED"]);
  });
});
