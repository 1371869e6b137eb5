// Endless answers from every endpoint the credential chain asks (AssumeRole, container
// credentials, instance metadata), through the built CLI on both runtimes: one clear line, an
// empty stdout, the request not sent again, and the endpoint stopped being read soon after the
// cap (so the process never held more than that).
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startContainerCredentialsEmulator } from "../support/container-credentials-emulator.js";
import { endlessStats, sendEndlessBody } from "../support/endless-body.js";
import { startImdsEmulator } from "../support/imds-emulator.js";
import type { StsEmulator } from "../support/sts-emulator.js";
import {
  ACCOUNT,
  ALICE,
  REGION,
  ensureBuilt,
  keyEnv,
  makeSandbox,
  type Sandbox,
  startStsWithRole,
} from "../support/cache-fixture.js";
import { CLI_COMMAND, ROOT, RUNTIME_LABEL } from "../support/cli.js";

const ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-bounded`;
// The cap is 256 kB; what the kernel's socket buffers hold on both sides comes on top.
const READ_AT_MOST = 16 * 1024 * 1024;
const CREDENTIALS = {
  accessKeyId: "ASIABOUNDEDTEST00001",
  secretAccessKey: "bounded/secret/000000000000000000000000",
  sessionToken: "bounded-session-token",
  expiration: new Date(Date.now() + 3_600_000),
};

let sts: StsEmulator;
const sandboxes: Sandbox[] = [];
beforeAll(async () => {
  await ensureBuilt();
  sts = await startStsWithRole(ROLE);
}, 240_000);
afterAll(async () => {
  await sts?.close();
});
beforeEach(() => {
  sts.resetCalls();
  endlessStats.answers = 0;
  endlessStats.bytesSent = 0;
});
afterEach(() => {
  sts.clearFaults();
  for (const s of sandboxes.splice(0)) s.cleanup();
});

function sandbox(): Sandbox {
  const s = makeSandbox();
  sandboxes.push(s);
  return s;
}

/** Exit 1, nothing on stdout, one `eks-token:` line naming the cap. */
function expectTooLarge(result: { code: number | null; stdout: string; stderr: string }, cap = "256 kB"): void {
  expect(result.stdout).toBe("");
  expect(result.code, result.stderr).toBe(1);
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^eks-token: the answer from 127\\.0\\.0\\.1:\\d+ was larger than ${cap}: `));
  expect(endlessStats.answers).toBeGreaterThan(0);
  expect(endlessStats.bytesSent).toBeLessThan(READ_AT_MOST);
}

describe(`endless answers (${RUNTIME_LABEL})`, () => {
  it("AssumeRole (--role-arn): refused at the cap, asked once", async () => {
    const s = sandbox();
    sts.setFault({ action: "AssumeRole", kind: "endless" });
    const result = await s.run(["token", "--cluster-id", "alpha", "--role-arn", ROLE], {
      env: s.env({ ...keyEnv(ALICE), AWS_REGION: REGION, AWS_ENDPOINT_URL_STS: sts.url }),
    });
    expectTooLarge(result);
    expect(sts.calls["AssumeRole"]).toBe(1);
  });

  it("AssumeRole of a role profile: refused at the cap, asked once", async () => {
    const s = sandbox();
    s.writeCredentials(
      `[base]\naws_access_key_id = ${ALICE.accessKeyId}\naws_secret_access_key = ${ALICE.secretAccessKey}\n`,
    );
    s.writeConfig(`[profile admin]\nrole_arn = ${ROLE}\nsource_profile = base\nregion = ${REGION}\n`);
    sts.setFault({ action: "AssumeRole", kind: "endless" });
    const result = await s.run(["token", "--cluster-id", "alpha", "--profile", "admin"], {
      env: s.env({ AWS_ENDPOINT_URL_STS: sts.url }),
    });
    expectTooLarge(result);
    expect(sts.calls["AssumeRole"]).toBe(1);
  });

  it("container credentials: refused at the cap", async () => {
    const container = await startContainerCredentialsEmulator({ authorizationToken: "t", credentials: CREDENTIALS });
    try {
      container.endless();
      const s = sandbox();
      const result = await s.run(["token", "--cluster-id", "alpha", "--region", REGION], {
        env: s.env({ AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: "t" }),
      });
      expectTooLarge(result);
      expect(container.requests).toHaveLength(1);
    } finally {
      await container.close();
    }
  });

  it("instance metadata: refused at the cap", async () => {
    const imds = await startImdsEmulator({ roleName: "r", credentials: CREDENTIALS });
    try {
      imds.endless();
      const s = sandbox();
      const result = await s.run(["token", "--cluster-id", "alpha", "--region", REGION], {
        env: s.env({ AWS_EC2_METADATA_DISABLED: undefined, AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url }),
      });
      expectTooLarge(result);
      expect(imds.requests).toHaveLength(1);
    } finally {
      await imds.close();
    }
  });
});

describe(`an endless DescribeCluster answer (${RUNTIME_LABEL})`, () => {
  it("eks-token kubeconfig: refused at the 4 MB cap, nothing written", async () => {
    const eks = createServer((_req, res) => sendEndlessBody(res));
    await new Promise<void>((r) => eks.listen(0, "127.0.0.1", r));
    try {
      const s = sandbox();
      const path = join(s.home, "kubeconfig");
      const result = await s.run(["kubeconfig", "--cluster-name", "alpha", "--region", REGION, "--kubeconfig", path], {
        env: s.env({
          ...keyEnv(ALICE),
          AWS_ENDPOINT_URL_EKS: `http://127.0.0.1:${(eks.address() as AddressInfo).port}`,
        }),
      });
      expectTooLarge(result, "4 MB");
      expect(existsSync(path)).toBe(false);
    } finally {
      eks.closeAllConnections();
      await new Promise((r) => eks.close(r));
    }
  });
});

describe(`stdin that never ends (${RUNTIME_LABEL})`, () => {
  it("verify -: refused at the 1 MB cap, stdin read no further", async () => {
    const s = sandbox();
    const child = spawn(CLI_COMMAND[0], [...CLI_COMMAND.slice(1), "verify", "-"], {
      cwd: ROOT,
      env: s.env() as NodeJS.ProcessEnv,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const chunk = Buffer.alloc(64 * 1024, "A");
    let written = 0;
    let closed = false;
    const pump = (): void => {
      while (!closed && child.stdin.writable) {
        written += chunk.length;
        if (!child.stdin.write(chunk)) {
          child.stdin.once("drain", pump);
          return;
        }
      }
    };
    child.stdin.on("error", () => {
      closed = true;
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    pump();
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    closed = true;
    clearTimeout(timer);
    expect(stdout).toBe("");
    expect(code, stderr).toBe(1);
    expect(stderr).toBe(
      "eks-token: the input on stdin was larger than 1 MB: pass the token, Bearer <token> or the plugin's ExecCredential JSON\n",
    );
    expect(written).toBeLessThan(READ_AT_MOST);
  });
});

describe(`files that never end (${RUNTIME_LABEL})`, () => {
  it.skipIf(process.platform !== "linux")("AWS_CONFIG_FILE=/proc/self/pagemap: one clear line, at once", async () => {
    const s = sandbox();
    const result = await s.run(["token", "--cluster-id", "alpha", "--region", REGION], {
      env: s.env({ ...keyEnv(ALICE), AWS_CONFIG_FILE: "/proc/self/pagemap" }),
    });
    expect(result.stdout).toBe("");
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toBe(
      'eks-token: the AWS config file "/proc/self/pagemap" (from AWS_CONFIG_FILE) was larger than 8 MB: point AWS_CONFIG_FILE at the AWS config file\n',
    );
  });
  it.skipIf(process.platform === "win32").each([
    ["AWS_WEB_IDENTITY_TOKEN_FILE", { AWS_ROLE_ARN: ROLE }],
    ["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", { AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://127.0.0.1:1/creds" }],
  ] as const)("%s naming a FIFO: its own line, at once, not no credentials found", async (variable, more) => {
    const s = sandbox();
    const fifo = join(s.home, "token-fifo");
    execFileSync("mkfifo", [fifo]);
    const result = await s.run(["token", "--cluster-id", "alpha", "--region", REGION], {
      env: s.env({ ...more, [variable]: fifo }),
    });
    expect(result.stdout).toBe("");
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toBe(
      `eks-token: ${variable} "${fifo}" is a FIFO, not a regular file: point ${variable} at the token file, or unset it\n`,
    );
  });
});
