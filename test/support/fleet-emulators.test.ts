// The fleet emulators through the real SDK clients (@aws-sdk/client-sso, client-eks,
// client-account), pointed at them by the endpoint variables as the CLI's clients are.
import { AccountClient, AccessDeniedException as AccountDenied, paginateListRegions } from "@aws-sdk/client-account";
import {
  DescribeClusterCommand,
  EKSClient,
  ListClustersCommand,
  paginateListClusters,
  type EKSServiceException,
} from "@aws-sdk/client-eks";
import {
  GetRoleCredentialsCommand,
  ListAccountRolesCommand,
  SSOClient,
  paginateListAccounts,
  type SSOServiceException,
} from "@aws-sdk/client-sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ENABLED_REGIONS } from "./account-emulator.js";
import { startFleet, type Fleet } from "./fleet.js";

const TOKEN = "aoaFleetEmulatorAccessToken000000000000000000";
const A = "111100000001";
const B = "111100000002";
const C = "111100000003";

let fleet: Fleet;
const saved = { ...process.env };

beforeAll(async () => {
  fleet = await startFleet({
    accessToken: TOKEN,
    ssoPageSize: 2,
    accounts: [
      {
        id: A,
        name: "Payments Prod",
        roles: ["ReadOnly", "Admin"],
        clusters: [
          { name: "api", region: "eu-west-1" },
          { name: "batch", region: "eu-west-1" },
          { name: "new", region: "eu-west-1", status: "CREATING" },
          { name: "edge", region: "us-east-1" },
        ],
        optedIn: ["af-south-1"],
      },
      { id: B, name: "Sandbox", roles: ["ReadOnly"] },
      { id: C, name: "Shared", roles: ["ReadOnly"] },
    ],
  });
  Object.assign(process.env, fleet.env);
  delete process.env["AWS_PROFILE"];
}, 60_000);

afterAll(async () => {
  process.env = saved;
  await fleet?.close();
});

const sso = () => new SSOClient({ region: "eu-central-1", maxAttempts: 1 });

async function roleCredentials(accountId: string, roleName: string) {
  const out = await sso().send(new GetRoleCredentialsCommand({ accessToken: TOKEN, accountId, roleName }));
  const c = out.roleCredentials!;
  return { accessKeyId: c.accessKeyId!, secretAccessKey: c.secretAccessKey!, sessionToken: c.sessionToken! };
}

describe("SSO portal", () => {
  it("lists accounts over pages of the size asked, and each account's roles", async () => {
    const before = fleet.sso.calls.ListAccounts;
    const accounts = [];
    for await (const page of paginateListAccounts({ client: sso(), pageSize: 2 }, { accessToken: TOKEN })) {
      accounts.push(...(page.accountList ?? []));
    }
    expect(accounts.map((a) => [a.accountId, a.accountName])).toEqual([
      [A, "Payments Prod"],
      [B, "Sandbox"],
      [C, "Shared"],
    ]);
    expect(fleet.sso.calls.ListAccounts - before).toBe(2);
    const roles = await sso().send(new ListAccountRolesCommand({ accessToken: TOKEN, accountId: A }));
    expect(roles.roleList?.map((r) => r.roleName)).toEqual(["ReadOnly", "Admin"]);
  });

  it("answers 429 TooManyRequestsException when told to, then serves again", async () => {
    fleet.sso.throttle("ListAccountRoles", 1);
    const err = await sso()
      .send(new ListAccountRolesCommand({ accessToken: TOKEN, accountId: B }))
      .catch((e: SSOServiceException) => e);
    expect((err as SSOServiceException).name).toBe("TooManyRequestsException");
    expect((err as SSOServiceException).$metadata.httpStatusCode).toBe(429);
    const ok = await sso().send(new ListAccountRolesCommand({ accessToken: TOKEN, accountId: B }));
    expect(ok.roleList).toHaveLength(1);
  });

  it("refuses an expired token with 401 UnauthorizedException", async () => {
    const other = "aoaFleetEmulatorOtherToken";
    const err = await sso()
      .send(new ListAccountRolesCommand({ accessToken: other, accountId: A }))
      .catch((e: SSOServiceException) => e);
    expect((err as SSOServiceException).name).toBe("UnauthorizedException");
  });
});

describe("EKS", () => {
  it("lists each account's clusters in the signed region only, over pages", async () => {
    const creds = await roleCredentials(A, "ReadOnly");
    const names: string[] = [];
    const client = new EKSClient({ region: "eu-west-1", credentials: creds, maxAttempts: 1 });
    for await (const page of paginateListClusters({ client, pageSize: 1 }, {})) names.push(...(page.clusters ?? []));
    expect(names).toEqual(["api", "batch", "new"]);
    const east = new EKSClient({ region: "us-east-1", credentials: creds, maxAttempts: 1 });
    expect((await east.send(new ListClustersCommand({}))).clusters).toEqual(["edge"]);
    const other = new EKSClient({
      region: "eu-west-1",
      credentials: await roleCredentials(B, "ReadOnly"),
      maxAttempts: 1,
    });
    expect((await other.send(new ListClustersCommand({}))).clusters).toEqual([]);
  });

  it("describes a CREATING cluster without endpoint or CA, an ACTIVE one with both", async () => {
    const client = new EKSClient({
      region: "eu-west-1",
      credentials: await roleCredentials(A, "Admin"),
      maxAttempts: 1,
    });
    const creating = (await client.send(new DescribeClusterCommand({ name: "new" }))).cluster!;
    expect(creating.status).toBe("CREATING");
    expect(creating.endpoint).toBeUndefined();
    expect(creating.certificateAuthority).toBeUndefined();
    const active = (await client.send(new DescribeClusterCommand({ name: "api" }))).cluster!;
    expect(active.arn).toBe(`arn:aws:eks:eu-west-1:${A}:cluster/api`);
    expect(active.endpoint).toBe("https://api.eu-west-1.eks.invalid");
    expect(active.certificateAuthority?.data).toMatch(/^[A-Za-z0-9+/=]+$/);
  });

  it("throttles, denies and disables on demand, scoped to an account and region", async () => {
    const creds = await roleCredentials(A, "ReadOnly");
    const client = (region: string) => new EKSClient({ region, credentials: creds, maxAttempts: 1 });
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: EKSServiceException) => e,
      );
    fleet.eks.setFault({ kind: "throttle", operation: "ListClusters", accountId: A, region: "us-east-1" }, 1);
    const throttled = await failure(client("us-east-1").send(new ListClustersCommand({})));
    expect(throttled?.name).toBe("TooManyRequestsException");
    expect(throttled?.$metadata.httpStatusCode).toBe(429);
    fleet.eks.disableRegion(A, "ap-east-1");
    const disabled = await failure(client("ap-east-1").send(new ListClustersCommand({})));
    expect(disabled?.name).toBe("UnrecognizedClientException");
    fleet.eks.denyAccess("ListClusters", {
      callerArn: `arn:aws:sts::${B}:assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/person@example.com`,
    });
    const b = new EKSClient({ region: "eu-west-1", credentials: await roleCredentials(B, "ReadOnly"), maxAttempts: 1 });
    expect((await failure(b.send(new ListClustersCommand({}))))?.name).toBe("AccessDeniedException");
    fleet.eks.clearDenials();
    // The throttle was used up; other regions were never affected.
    expect((await client("us-east-1").send(new ListClustersCommand({}))).clusters).toEqual(["edge"]);
  });

  it("counts requests in flight, overall and per account and region", async () => {
    const creds = await roleCredentials(A, "ReadOnly");
    fleet.eks.setLatency(50);
    try {
      const client = new EKSClient({ region: "eu-west-1", credentials: creds, maxAttempts: 1 });
      await Promise.all([1, 2, 3].map(() => client.send(new ListClustersCommand({}))));
    } finally {
      fleet.eks.setLatency(0);
    }
    expect(fleet.eks.inFlight.maxPerAccountRegion).toBe(3);
  });
});

describe("Account ListRegions", () => {
  it("lists the default-enabled regions and the account's opted-in ones, over pages", async () => {
    const client = new AccountClient({
      region: "us-east-1",
      credentials: await roleCredentials(A, "ReadOnly"),
      maxAttempts: 1,
    });
    const regions: string[] = [];
    for await (const page of paginateListRegions(
      { client, pageSize: 5 },
      { RegionOptStatusContains: ["ENABLED", "ENABLED_BY_DEFAULT"] },
    )) {
      regions.push(...(page.Regions ?? []).map((r) => r.RegionName!));
    }
    expect(regions.sort()).toEqual([...DEFAULT_ENABLED_REGIONS, "af-south-1"].sort());
  });

  it("answers AccessDeniedException for a denied account", async () => {
    fleet.account.denyAccount(C);
    const client = new AccountClient({
      region: "us-east-1",
      credentials: await roleCredentials(C, "ReadOnly"),
      maxAttempts: 1,
    });
    const err = await (async () => {
      for await (const _ of paginateListRegions({ client }, {})) return undefined;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccountDenied);
  });
});
