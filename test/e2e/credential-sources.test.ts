// Every credential source the AWS SDK's providers support, through the built CLI and the real
// providers inside it, each ending in a token the emulated EKS API server accepts (it checks the
// token at the STS emulator, then maps the identity): environment keys (with and without a session
// token), a credentials-file profile, a role profile (AssumeRole at the STS emulator), a role
// profile with mfa_serial (the code typed at a pseudo-terminal; no terminal -> a fast, clear error
// that never reads stdin), credential_process, web identity, container credentials, IMDSv2 and
// SSO (plus an expired SSO session). Every endpoint is on 127.0.0.1; the network guard preloaded
// into the CLI turns any other connection into an error.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_COMMAND, ROOT, makeTempHome, runCli, type TempHome } from "../support/cli.js";
import { startCluster, type Cluster } from "../support/cluster.js";
import {
  startContainerCredentialsEmulator,
  type ContainerCredentialsEmulator,
} from "../support/container-credentials-emulator.js";
import { startImdsEmulator, type EmulatedCredentials, type ImdsEmulator } from "../support/imds-emulator.js";
import type { K8sEmulator } from "../support/k8s-emulator.js";
import { findPython, runWithoutTerminal, spawnInPty } from "../support/pty.js";
import { startSsoEmulator, writeSsoTokenCache, type SsoEmulator } from "../support/sso-emulator.js";
import { makeTestJwt, type StsEmulator } from "../support/sts-emulator.js";
import { assumeRole } from "../support/sts-session.js";
import { ACCOUNT, REGION, e2eEnv, expectCredential, expectFailure, k8sWhoAmI, stsCallerIdentity } from "./helpers.js";

const CLUSTER = "e2e-sources";
const OTHER_CLUSTER = "e2e-sources-other";
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

const ENV_USER = {
  name: "env-user",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2EENVUSER000001",
  secretAccessKey: "e2e/env-user/secret/000000000000000000000",
};
const FILE_USER = {
  name: "file-user",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2EFILEUSER00001",
  secretAccessKey: "e2e/file-user/secret/00000000000000000000",
};
const MFA_SERIAL = `arn:aws:iam::${ACCOUNT}:mfa/source-user`;
const MFA_CODE = "246810";
const SOURCE_USER = {
  name: "source-user",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2ESOURCEUSER001",
  secretAccessKey: "e2e/source-user/secret/000000000000000000",
  mfaDevices: [{ serial: MFA_SERIAL, code: MFA_CODE }],
};
// The identity the test itself uses to get session credentials for the servers it emulates.
const ISSUER = {
  name: "issuer",
  accountId: ACCOUNT,
  accessKeyId: "AKIAE2EISSUER0000001",
  secretAccessKey: "e2e/issuer/secret/0000000000000000000000",
};

const ROLES = {
  profile: role("e2e-profile-role"),
  mfa: role("e2e-mfa-role"),
  envSession: role("e2e-env-session-role"),
  process: role("e2e-process-role"),
  web: role("e2e-web-role"),
  container: role("e2e-container-role"),
  imds: role("e2e-imds-role"),
  sso: role("AWSReservedSSO_E2EDeveloper_0123456789abcdef"),
};

const SSO_SESSION = "e2e-sso";
const SSO_START_URL = "https://e2e-sso.awsapps.com/start";
const SSO_REGION = "eu-central-1";
const SSO_ACCESS_TOKEN = "aoaAAAAAGe2eSsoAccessToken0000000000000000000000";
const SSO_ROLE_NAME = "E2EDeveloper";
const CONTAINER_TOKEN = "Bearer e2e-container-authorization-token";

let sts: StsEmulator;
let k8s: K8sEmulator;
let cluster: Cluster;
let imds: ImdsEmulator;
let container: ContainerCredentialsEmulator;
let sso: SsoEmulator;
let processCredentials: EmulatedCredentials;
let envSession: EmulatedCredentials;
const homes: TempHome[] = [];

beforeAll(async () => {
  // The sessions the container, instance metadata and SSO emulators hand out.
  let containerS!: EmulatedCredentials;
  let imdsS!: EmulatedCredentials;
  let ssoS!: EmulatedCredentials;
  cluster = await startCluster({
    name: "sources",
    setup: async (sts) => {
      const envUser = sts.addUser(ENV_USER);
      const fileUser = sts.addUser(FILE_USER);
      const sourceUser = sts.addUser(SOURCE_USER);
      const issuer = sts.addUser(ISSUER);
      sts.addRole({ arn: ROLES.profile, trust: [sourceUser.arn] });
      sts.addRole({ arn: ROLES.mfa, trust: [sourceUser.arn], requireMfa: true });
      for (const arn of [ROLES.envSession, ROLES.process, ROLES.container, ROLES.imds, ROLES.sso])
        sts.addRole({ arn, trust: [issuer.arn] });
      sts.addWebIdentityRole({
        arn: ROLES.web,
        audiences: ["sts.amazonaws.com"],
        subjects: ["system:serviceaccount:apps:*"],
      });

      const session = (arn: string, name: string) => assumeRole(sts.url, ISSUER, arn, name);
      [envSession, processCredentials, containerS, imdsS, ssoS] = await Promise.all([
        session(ROLES.envSession, "env-session"),
        session(ROLES.process, "credential-process"),
        session(ROLES.container, "container"),
        session(ROLES.imds, "i-0123456789abcdef0"),
        session(ROLES.sso, "e2e-person@example.com"),
      ]);
      return {
        clusterId: CLUSTER,
        accessEntries: [
          { principalArn: envUser.arn, username: "env-user" },
          { principalArn: fileUser.arn, username: "file-user" },
          { principalArn: ROLES.profile, username: "profile-role:{{SessionName}}" },
          { principalArn: ROLES.mfa, username: "mfa-role:{{SessionName}}" },
          { principalArn: ROLES.envSession, username: "env-session:{{SessionName}}" },
          { principalArn: ROLES.process, username: "process:{{SessionName}}" },
          { principalArn: ROLES.web, username: "web:{{SessionName}}" },
          { principalArn: ROLES.container, username: "container:{{SessionName}}" },
          { principalArn: ROLES.imds, username: "imds:{{SessionName}}" },
          { principalArn: ROLES.sso, username: "sso:{{SessionName}}" },
        ],
      };
    },
  });
  ({ sts, k8s } = cluster);
  imds = await startImdsEmulator({ roleName: "e2e-imds-role", credentials: imdsS });
  container = await startContainerCredentialsEmulator({
    authorizationToken: CONTAINER_TOKEN,
    credentials: containerS,
    path: "/v2/credentials/e2e-task",
  });
  sso = await startSsoEmulator({
    accessTokens: [SSO_ACCESS_TOKEN],
    assignments: [{ accountId: ACCOUNT, roleName: SSO_ROLE_NAME, credentials: ssoS }],
  });
}, 240_000);

afterAll(async () => {
  await Promise.all([cluster?.close(), imds?.close(), container?.close(), sso?.close()]);
  for (const h of homes) h.cleanup();
});

function newHome(): TempHome {
  const h = makeTempHome("eks-token-e2e-sources-");
  homes.push(h);
  return h;
}

const TOKEN_ARGS = ["token", "--cluster-name", CLUSTER, "--region", REGION] as const;

/** The token printed by a successful run, checked by the emulated EKS: returns the mapped username. */
async function acceptedAs(stdout: string): Promise<string> {
  const cred = JSON.parse(stdout) as { status: { token: string } };
  const verdict = await k8sWhoAmI(k8s, cred.status.token);
  expect(verdict.status, `${verdict.body}\nserver log: ${k8s.log.slice(-3).join("\n")}`).toBe(201);
  return verdict.username ?? "";
}

describe.concurrent("credential sources, through the SDK's providers, to a token EKS accepts", () => {
  it("environment keys", async () => {
    const h = newHome();
    const result = await runCli(TOKEN_ARGS, {
      env: e2eEnv(h.home, { AWS_ACCESS_KEY_ID: ENV_USER.accessKeyId, AWS_SECRET_ACCESS_KEY: ENV_USER.secretAccessKey }),
    });
    expectCredential(result);
    expect(await acceptedAs(result.stdout)).toBe("env-user");
  });

  it("environment keys with a session token", async () => {
    const h = newHome();
    const result = await runCli(TOKEN_ARGS, {
      env: e2eEnv(h.home, {
        AWS_ACCESS_KEY_ID: envSession.accessKeyId,
        AWS_SECRET_ACCESS_KEY: envSession.secretAccessKey,
        AWS_SESSION_TOKEN: envSession.sessionToken,
      }),
    });
    expectCredential(result);
    expect(await acceptedAs(result.stdout)).toBe("env-session:env-session");
  });

  it("a shared credentials file profile (--profile)", async () => {
    const h = newHome();
    h.writeCredentials(
      `[default]\naws_access_key_id = AKIANOTTHISONE000001\naws_secret_access_key = not/this/one\n\n[files]\naws_access_key_id = ${FILE_USER.accessKeyId}\naws_secret_access_key = ${FILE_USER.secretAccessKey}\n`,
    );
    const result = await runCli([...TOKEN_ARGS, "--profile", "files"], { env: e2eEnv(h.home) });
    expectCredential(result);
    expect(await acceptedAs(result.stdout)).toBe("file-user");
  });

  it("a role profile (role_arn + source_profile): AssumeRole at the STS emulator via AWS_ENDPOINT_URL_STS", async () => {
    const h = newHome();
    h.writeCredentials(
      `[base]\naws_access_key_id = ${SOURCE_USER.accessKeyId}\naws_secret_access_key = ${SOURCE_USER.secretAccessKey}\n`,
    );
    h.writeConfig(
      `[profile deploy]\nrole_arn = ${ROLES.profile}\nsource_profile = base\nrole_session_name = e2e-deployer\nregion = ${REGION}\n`,
    );
    const result = await runCli(["token", "--cluster-name", CLUSTER, "--profile", "deploy"], {
      env: e2eEnv(h.home, { AWS_ENDPOINT_URL_STS: sts.url }),
    });
    expectCredential(result);
    expect(await acceptedAs(result.stdout)).toBe("profile-role:e2e-deployer");
    const assume = sts.requests.find((r) => r.action === "AssumeRole" && r.params["RoleArn"] === ROLES.profile);
    expect(assume).toMatchObject({ status: 200, accessKeyId: SOURCE_USER.accessKeyId });
    expect(assume?.params["RoleSessionName"]).toBe("e2e-deployer");
  });

  it("credential_process (Version 1 JSON from a node script)", async () => {
    const h = newHome();
    const script = join(h.home, "credential-process.mjs");
    const c = processCredentials;
    writeFileSync(
      script,
      `process.stdout.write(JSON.stringify(${JSON.stringify({ Version: 1, AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, SessionToken: c.sessionToken, Expiration: c.expiration.toISOString() })}));\n`,
    );
    h.writeConfig(`[profile proc]\ncredential_process = "${process.execPath}" "${script}"\nregion = ${REGION}\n`);
    const result = await runCli(["token", "--cluster-name", CLUSTER, "--profile", "proc"], { env: e2eEnv(h.home) });
    expectCredential(result);
    expect(await acceptedAs(result.stdout)).toBe("process:credential-process");
  });

  it("web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN): AssumeRoleWithWebIdentity at the STS emulator", async () => {
    const h = newHome();
    const jwt = makeTestJwt({
      iss: "https://oidc.eks.us-west-2.amazonaws.com/id/E2E0123456789",
      sub: "system:serviceaccount:apps:web",
      aud: "sts.amazonaws.com",
      exp: Math.floor(Date.now() / 1000) + 3600,
      iat: Math.floor(Date.now() / 1000),
    });
    const tokenFile = join(h.home, "web-identity-token");
    writeFileSync(tokenFile, jwt);
    const result = await runCli(TOKEN_ARGS, {
      env: e2eEnv(h.home, {
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: ROLES.web,
        AWS_ROLE_SESSION_NAME: "e2e-web-pod",
        AWS_ENDPOINT_URL_STS: sts.url,
      }),
    });
    expectCredential(result);
    expect(await acceptedAs(result.stdout)).toBe("web:e2e-web-pod");
    const call = sts.requests.find(
      (r) => r.action === "AssumeRoleWithWebIdentity" && r.params["RoleArn"] === ROLES.web,
    );
    expect(call).toMatchObject({ status: 200 });
    expect(call?.params["WebIdentityToken"]).toBe(jwt);
  });

  it("container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)", async () => {
    const h = newHome();
    const tokenFile = join(h.home, "container-token");
    writeFileSync(tokenFile, CONTAINER_TOKEN);
    const result = await runCli(TOKEN_ARGS, {
      env: e2eEnv(h.home, {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
      }),
    });
    expectCredential(result);
    expect(await acceptedAs(result.stdout)).toBe("container:container");
    expect(container.requests.length).toBeGreaterThan(0);
    expect(container.requests.every((r) => r.authorization === CONTAINER_TOKEN && r.status === 200)).toBe(true);
  });

  it("EC2 instance metadata, IMDSv2 (AWS_EC2_METADATA_SERVICE_ENDPOINT): a session token first, then the role and its credentials", async () => {
    const h = newHome();
    const result = await runCli(TOKEN_ARGS, {
      env: e2eEnv(h.home, { AWS_EC2_METADATA_DISABLED: undefined, AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url }),
    });
    expectCredential(result);
    expect(await acceptedAs(result.stdout)).toBe("imds:i-0123456789abcdef0");
    const seen = imds.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(seen).toEqual([
      "PUT /latest/api/token 200",
      "GET /latest/meta-data/iam/security-credentials/ 200",
      "GET /latest/meta-data/iam/security-credentials/e2e-imds-role 200",
    ]);
    expect(imds.requests[0]?.ttlHeader).toMatch(/^\d+$/);
    const issued = imds.issuedTokens;
    expect(imds.requests.slice(1).every((r) => r.tokenHeader !== undefined && issued.includes(r.tokenHeader))).toBe(
      true,
    );
  });

  it("SSO (sso_session profile, cached token, portal at AWS_ENDPOINT_URL_SSO)", async () => {
    const h = newHome();
    h.writeConfig(ssoConfig());
    writeSsoTokenCache(h.home, SSO_SESSION, {
      accessToken: SSO_ACCESS_TOKEN,
      expiresAt: new Date(Date.now() + 3600_000),
      region: SSO_REGION,
      startUrl: SSO_START_URL,
    });
    const result = await runCli(["token", "--cluster-name", CLUSTER, "--profile", "sso-dev"], {
      env: e2eEnv(h.home, { AWS_ENDPOINT_URL_SSO: sso.url }),
    });
    expectCredential(result);
    expect(await acceptedAs(result.stdout)).toBe("sso:e2e-person@example.com");
    // The SDK's SSO client honoured AWS_ENDPOINT_URL_SSO: the portal emulator was asked.
    const asked = sso.requests.filter((r) => r.bearer === SSO_ACCESS_TOKEN);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      path: "/federation/credentials",
      query: { role_name: SSO_ROLE_NAME, account_id: ACCOUNT },
      bearer: SSO_ACCESS_TOKEN,
      status: 200,
    });
  });

  it("SSO with an expired session: says why no browser opened, names `eks-token login --profile P`, and asks no portal", async () => {
    const h = newHome();
    h.writeConfig(ssoConfig());
    const expiredToken = "aoaAAAAAGe2eExpiredSsoAccessToken000000000000000";
    writeSsoTokenCache(h.home, SSO_SESSION, {
      accessToken: expiredToken,
      expiresAt: new Date(Date.now() - 3600_000),
      region: SSO_REGION,
      startUrl: SSO_START_URL,
    });
    const result = await runCli(["token", "--cluster-name", CLUSTER, "--profile", "sso-dev"], {
      env: e2eEnv(h.home, { AWS_ENDPOINT_URL_SSO: sso.url }),
    });
    // No terminal and no exec info: no automatic sign-in.
    expectFailure(
      result,
      /has expired or is invalid \(it has expired\); no browser was opened: .*: run `eks-token login --profile sso-dev` \(or `aws sso login --profile sso-dev`\)$/,
    );
    expect(sso.requests.filter((r) => r.bearer === expiredToken)).toEqual([]);
  });

  it("SSO: the portal is asked in the sso-session's sso_region, not the cluster's region", async () => {
    // No AWS_ENDPOINT_URL_SSO: the SDK goes for the real portal host, which the network guard
    // refuses and logs. sso_region is eu-central-1, --region us-west-2; the access token is only
    // good in its own region, so asking us-west-2's portal would fail against real AWS.
    const h = newHome();
    h.writeConfig(ssoConfig());
    writeSsoTokenCache(h.home, SSO_SESSION, {
      accessToken: SSO_ACCESS_TOKEN,
      expiresAt: new Date(Date.now() + 3600_000),
      region: SSO_REGION,
      startUrl: SSO_START_URL,
    });
    const guardLog = join(h.home, "blocked-connections.log");
    writeFileSync(guardLog, "");
    const result = await runCli(["token", "--cluster-name", CLUSTER, "--region", REGION, "--profile", "sso-dev"], {
      env: e2eEnv(h.home, { EKS_TOKEN_E2E_GUARD_LOG: guardLog }),
    });
    // As when offline: a network error naming the host, not a generic one.
    expectFailure(
      result,
      new RegExp(`could not reach an AWS endpoint .*EHOSTUNREACH portal\\.sso\\.${SSO_REGION}\\.amazonaws\\.com`),
    );
    const blocked = readFileSync(guardLog, "utf8").trim().split("\n").filter(Boolean);
    expect(blocked.length, result.stderr).toBeGreaterThan(0);
    expect(
      blocked.every((b) => b.startsWith(`portal.sso.${SSO_REGION}.amazonaws.com:`)),
      `blocked: ${blocked.join(", ")}; stderr: ${result.stderr}`,
    ).toBe(true);
  });
});

function ssoConfig(): string {
  return [
    "[profile sso-dev]",
    `sso_session = ${SSO_SESSION}`,
    `sso_account_id = ${ACCOUNT}`,
    `sso_role_name = ${SSO_ROLE_NAME}`,
    `region = ${REGION}`,
    "",
    `[sso-session ${SSO_SESSION}]`,
    `sso_start_url = ${SSO_START_URL}`,
    `sso_region = ${SSO_REGION}`,
    "sso_registration_scopes = sso:account:access",
    "",
  ].join("\n");
}

describe.concurrent("a role profile with mfa_serial", () => {
  function mfaHome(sessionName: string): TempHome {
    const h = newHome();
    h.writeCredentials(
      `[mfa-source]\naws_access_key_id = ${SOURCE_USER.accessKeyId}\naws_secret_access_key = ${SOURCE_USER.secretAccessKey}\n`,
    );
    h.writeConfig(
      `[profile mfa]\nrole_arn = ${ROLES.mfa}\nsource_profile = mfa-source\nmfa_serial = ${MFA_SERIAL}\nrole_session_name = ${sessionName}\nregion = ${REGION}\n`,
    );
    return h;
  }
  // The two cases run at once; each counts only its own session's calls.
  const mfaAssumes = (sessionName: string) =>
    sts.requests.filter(
      (r) =>
        r.action === "AssumeRole" && r.params["RoleArn"] === ROLES.mfa && r.params["RoleSessionName"] === sessionName,
    );

  it("at a terminal: the prompt appears, the typed code reaches AssumeRole, the token is printed; later calls without a terminal use the cached role credentials", async (ctx) => {
    if (!findPython()) return ctx.skip("python3 with the pty module is not available to make a pseudo-terminal");
    const h = mfaHome("e2e-mfa");
    // The token cache on (in the temp HOME), so the role's credentials are kept for the next call.
    const env = e2eEnv(h.home, { AWS_ENDPOINT_URL_STS: sts.url, EKS_TOKEN_NO_CACHE: undefined });
    const pty = spawnInPty([...CLI_COMMAND, "token", "--cluster-name", CLUSTER, "--profile", "mfa"], {
      env,
      cwd: ROOT,
      timeoutMs: 30_000,
    });
    try {
      await pty.waitForTerminal(new RegExp(`Enter MFA code for ${MFA_SERIAL.replace(/[/]/g, "\\/")}: $`));
      pty.write(`${MFA_CODE}\n`);
      const result = await pty.done;
      expect(result.code, result.terminal).toBe(0);
      // The terminal showed the prompt, not the code, and no complaint.
      expect(result.terminal).not.toMatch(/eks-token:/);
      expect(result.terminal).not.toContain(MFA_CODE);
      expectCredential({ code: result.code, stdout: result.stdout, stderr: "" });
      expect(await acceptedAs(result.stdout)).toBe("mfa-role:e2e-mfa");
    } finally {
      pty.kill();
    }
    const assumed = mfaAssumes("e2e-mfa");
    expect(assumed).toHaveLength(1);
    expect(assumed[0]?.params).toMatchObject({ SerialNumber: MFA_SERIAL, TokenCode: MFA_CODE });
    expect(assumed[0]?.status).toBe(200);

    // Another cluster, no terminal at all: no prompt, no AssumeRole, the cached role credentials sign.
    const again = await runWithoutTerminal(
      [...CLI_COMMAND, "token", "--cluster-name", OTHER_CLUSTER, "--profile", "mfa"],
      { env, cwd: ROOT, timeoutMs: 20_000 },
    );
    const cred = expectCredential(again);
    expect(mfaAssumes("e2e-mfa")).toHaveLength(1);
    const identity = await stsCallerIdentity(sts.url, cred.status.token, OTHER_CLUSTER);
    expect(identity.status, identity.body).toBe(200);
    expect(identity.arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/e2e-mfa-role/e2e-mfa`);
  });

  it("at a terminal, many times over: the prompt's terminal is closed once, by its reader, never under a read (Bun crashed with EBADF)", async (ctx) => {
    if (!findPython()) return ctx.skip("python3 with the pty module is not available to make a pseudo-terminal");
    const h = mfaHome("e2e-mfa-again");
    const env = e2eEnv(h.home, { AWS_ENDPOINT_URL_STS: sts.url });
    for (let i = 0; i < 16; i++) {
      const pty = spawnInPty([...CLI_COMMAND, "token", "--cluster-name", CLUSTER, "--profile", "mfa"], {
        env,
        cwd: ROOT,
        timeoutMs: 30_000,
      });
      try {
        await pty.waitForTerminal(/Enter MFA code for .*: $/);
        pty.write(`${MFA_CODE}\n`);
        const result = await pty.done;
        expect(result.terminal, `run ${i + 1}`).not.toMatch(/eks-token:|EBADF/);
        expect(result.code, `run ${i + 1}: ${result.terminal}`).toBe(0);
        expectCredential({ code: result.code, stdout: result.stdout, stderr: "" });
      } finally {
        pty.kill();
      }
    }
    expect(mfaAssumes("e2e-mfa-again")).toHaveLength(16);
  }, 120_000);

  it("without a terminal: fails fast saying there is no terminal, and never reads the code from stdin", async () => {
    const h = mfaHome("e2e-mfa-no-tty");
    // The right code waits on stdin (left open): using it would be a bug, as would waiting on it.
    const result = await runWithoutTerminal([...CLI_COMMAND, "token", "--cluster-name", CLUSTER, "--profile", "mfa"], {
      env: e2eEnv(h.home, { AWS_ENDPOINT_URL_STS: sts.url }),
      cwd: ROOT,
      input: `${MFA_CODE}\n`,
      timeoutMs: 20_000,
    });
    expectFailure(result, /MFA code is needed for .*mfa\/source-user.*no terminal/);
    expect(result.durationMs).toBeLessThan(5_000);
    expect(mfaAssumes("e2e-mfa-no-tty")).toEqual([]);
  });
});
