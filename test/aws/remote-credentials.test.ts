// The chain's remote links, run by eks-token through the bounded handler: IMDSv2 as the SDK asks
// it (token, role, credentials), a role name that would change the path refused, and container
// credentials with the environment's token, marked with their source.
import { afterEach, describe, expect, it } from "vitest";
import { fromContainerEndpoint, fromInstanceMetadataEndpoint } from "../../src/aws/remote-credentials.js";
import { startContainerCredentialsEmulator } from "../support/container-credentials-emulator.js";
import { startImdsEmulator } from "../support/imds-emulator.js";

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const CREDENTIALS = {
  accessKeyId: "ASIAREMOTETEST000001",
  secretAccessKey: "remote/secret/0000000000000000000000000",
  sessionToken: "remote-session-token",
  expiration: new Date(Date.UTC(2030, 0, 1)),
};
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe("instance metadata", () => {
  it("asks for a session token, then the role, then its credentials, each with the token", async () => {
    const imds = await startImdsEmulator({ roleName: "node-role", credentials: CREDENTIALS });
    closers.push(() => imds.close());
    const got = await fromInstanceMetadataEndpoint({
      env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url },
      profile: {},
      logger: quiet,
    })();
    expect(got).toEqual(CREDENTIALS);
    expect((got as { $source?: object }).$source).toEqual({ CREDENTIALS_IMDS: "z" });
    expect(imds.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "PUT /latest/api/token 200",
      "GET /latest/meta-data/iam/security-credentials/ 200",
      "GET /latest/meta-data/iam/security-credentials/node-role 200",
    ]);
    expect(imds.requests[0]?.ttlHeader).toBe("21600");
    expect(imds.requests.slice(1).every((r) => r.tokenHeader === imds.issuedTokens[0])).toBe(true);
  });

  it("the profile's ec2_metadata_service_endpoint is used when the environment names none", async () => {
    const imds = await startImdsEmulator({ roleName: "node-role", credentials: CREDENTIALS });
    closers.push(() => imds.close());
    const got = await fromInstanceMetadataEndpoint({
      env: {},
      profile: { ec2_metadata_service_endpoint: imds.url },
      logger: quiet,
    })();
    expect(got.accessKeyId).toBe(CREDENTIALS.accessKeyId);
  });

  it("a role name that is not an IAM role name is refused, not put in the next path", async () => {
    const imds = await startImdsEmulator({ roleName: "../../latest/user-data", credentials: CREDENTIALS });
    closers.push(() => imds.close());
    await expect(
      fromInstanceMetadataEndpoint({
        env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url },
        profile: {},
        logger: quiet,
      })(),
    ).rejects.toThrow("the instance metadata service named no usable role");
    expect(imds.requests).toHaveLength(2);
  });
});

describe("container credentials", () => {
  it("sends the environment's token and marks the source", async () => {
    const container = await startContainerCredentialsEmulator({ authorizationToken: "tok", credentials: CREDENTIALS });
    closers.push(() => container.close());
    const got = await fromContainerEndpoint({
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: "tok" },
      profile: {},
      logger: quiet,
    })();
    expect(got).toEqual(CREDENTIALS);
    expect((got as { $source?: object }).$source).toEqual({ CREDENTIALS_HTTP: "z" });
  });

  it("a wrong token: the endpoint's status, as the SDK says it", async () => {
    const container = await startContainerCredentialsEmulator({ authorizationToken: "tok", credentials: CREDENTIALS });
    closers.push(() => container.close());
    await expect(
      fromContainerEndpoint({
        env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: container.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: "nope" },
        profile: {},
        logger: quiet,
      })(),
    ).rejects.toThrow("Server responded with status: 401");
  });

  it("plain HTTP to a host that is not loopback or a container agent is refused before any request", async () => {
    await expect(
      fromContainerEndpoint({
        env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://example.invalid/creds" },
        profile: {},
        logger: quiet,
      })(),
    ).rejects.toThrow(/^URL not accepted/);
  });
});
