// The MFA prompt under clients that capture the plugin's stderr and show it only after the plugin
// exits (the Python kubernetes client, @kubernetes/client-node): the prompt must reach the
// person's terminal while the plugin waits, and the code typed there must not be shown. Each
// client runs on a pseudo-terminal, lists pods through a kubeconfig exec block, and the test
// types the code once the prompt is on the terminal.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TempHome } from "../support/cli.js";
import { startCluster, type Cluster } from "../support/cluster.js";
import type { K8sEmulator } from "../support/k8s-emulator.js";
import { EXEC_V1BETA1, execUser, writeKubeconfig } from "../support/kubeconfig-fixture.js";
import { findPython, spawnInPty } from "../support/pty.js";
import type { StsEmulator } from "../support/sts-emulator.js";
import { ACCOUNT, FIXTURES, REGION, e2eEnv, networkGuardEnv } from "./helpers.js";

const CLUSTER = "e2e-mfa-clients";
const MFA_SERIAL = `arn:aws:iam::${ACCOUNT}:mfa/frank`;
const CODE = "864209";
const FRANK = {
  name: "frank",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2EMFACLIENTSFRK",
  secretAccessKey: "e2e/mfa-clients/frank/secret/000000000000",
  mfaDevices: [{ serial: MFA_SERIAL, code: CODE }],
};
const MFA_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/e2e-mfa-viewers`;
const POD_NAMES = ["web-0", "web-1"];
/** The Debian python3 that python3-kubernetes installs into; a pyenv python3 on PATH lacks it. */
const SYSTEM_PYTHON = "/usr/bin/python3";
const NO_PYTHON_CLIENT = (() => {
  const probe = spawnSync(SYSTEM_PYTHON, ["-c", "import kubernetes.config"], { encoding: "utf8", timeout: 30_000 });
  return probe.status === 0 ? undefined : "no Python kubernetes client (Debian python3-kubernetes)";
})();

let cluster: Cluster;
let sts: StsEmulator;
let k8s: K8sEmulator;
let home: TempHome;
let dir: string;

beforeAll(async () => {
  cluster = await startCluster({
    name: "mfa-clients",
    setup: (sts) => {
      const frank = sts.addUser(FRANK);
      sts.addRole({ arn: MFA_ROLE_ARN, trust: [frank.arn], requireMfa: true });
      return {
        clusterId: CLUSTER,
        accessEntries: [{ principalArn: MFA_ROLE_ARN, username: "mfa-viewer:{{SessionName}}", groups: ["viewers"] }],
        rbac: [{ group: "viewers", namespace: "apps", verbs: ["list"], resources: ["pods"] }],
        pods: { apps: POD_NAMES },
      };
    },
  });
  ({ sts, k8s, home, dir } = cluster);
  home.writeCredentials(
    `[frank]\naws_access_key_id = ${FRANK.accessKeyId}\naws_secret_access_key = ${FRANK.secretAccessKey}\n`,
  );
}, 240_000);

afterAll(() => cluster?.close());

let n = 0;
/** A kubeconfig whose exec block asks for a role that needs MFA, under its own session name. */
function kubeconfig(session: string): string {
  home.writeConfig(
    `[profile frank]\nregion = ${REGION}\n\n` +
      `[profile ${session}]\nrole_arn = ${MFA_ROLE_ARN}\nsource_profile = frank\nmfa_serial = ${MFA_SERIAL}\nrole_session_name = ${session}\nregion = ${REGION}\n`,
  );
  return writeKubeconfig(join(dir, `kubeconfig-${++n}`), {
    server: k8s.url,
    caData: k8s.caData,
    user: execUser(["token", "--cluster-name", CLUSTER, "--profile", session], {
      apiVersion: EXEC_V1BETA1,
      // The client runs without the network guard; the plugin gets it here.
      env: { AWS_ENDPOINT_URL_STS: sts.url, ...networkGuardEnv() },
    }),
  });
}

/** Runs `client` at a terminal, types the code once the prompt shows there, and returns what happened. */
async function atTerminal(client: readonly string[], session: string) {
  const pty = spawnInPty(["sh", "-c", '"$@" >/dev/tty', "sh", ...client], {
    env: e2eEnv(home.home, { NODE_OPTIONS: undefined, BUN_OPTIONS: undefined }),
    cwd: dir,
    timeoutMs: 60_000,
  });
  try {
    // Before the prompt went to the terminal, it sat in the client's buffer: nothing showed here
    // until the prompt's own two minutes ran out.
    await pty.waitForTerminal(/Enter MFA code for arn:aws:iam::111122223333:mfa\/frank: $/, 20_000);
    pty.write(`${CODE}\r`);
    const result = await pty.done;
    const listing = /\[\{.*\}\]/.exec(result.terminal)?.[0];
    expect(listing, result.terminal).toBeDefined();
    const assumed = sts.requests.filter((r) => r.action === "AssumeRole" && r.params["RoleSessionName"] === session);
    expect(assumed.map((r) => [r.status, r.params["TokenCode"]])).toEqual([[200, CODE]]);
    return { result, listing: JSON.parse(listing ?? "[]") as Array<{ ok: boolean; pods?: string[] }> };
  } finally {
    pty.kill();
  }
}

describe("the MFA prompt under clients that capture stderr", () => {
  it.skipIf(NO_PYTHON_CLIENT)(
    `the Python kubernetes client: the prompt shows on the terminal, the code is not echoed, the pods are listed${NO_PYTHON_CLIENT ? ` (skipped: ${NO_PYTHON_CLIENT})` : ""}`,
    async (ctx) => {
      if (!findPython()) return ctx.skip("python3 with the pty module is needed for a pseudo-terminal");
      const path = kubeconfig("python-at-a-terminal");
      const { result, listing } = await atTerminal(
        [SYSTEM_PYTHON, join(FIXTURES, "python-kubernetes-list.py"), path, "apps"],
        "python-at-a-terminal",
      );
      expect(result.code, result.terminal).toBe(0);
      expect(listing).toMatchObject([{ ok: true, pods: POD_NAMES }]);
      expect(result.terminal).not.toContain(CODE);
    },
  );

  it("@kubernetes/client-node: the prompt shows on the terminal, the code is not echoed, the pods are listed", async (ctx) => {
    if (!findPython()) return ctx.skip("python3 with the pty module is needed for a pseudo-terminal");
    const path = kubeconfig("client-node-at-a-terminal");
    const { result, listing } = await atTerminal(
      [process.execPath, join(FIXTURES, "client-node-list.mjs"), path, "apps"],
      "client-node-at-a-terminal",
    );
    expect(result.code, result.terminal).toBe(0);
    expect(listing).toMatchObject([{ ok: true, pods: POD_NAMES }]);
    expect(result.terminal).not.toContain(CODE);
  });
});
