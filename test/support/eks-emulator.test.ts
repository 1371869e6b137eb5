import {
  AccessDeniedException,
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  DeleteAccessEntryCommand,
  DescribeAccessEntryCommand,
  DescribeClusterCommand,
  EKSClient,
  InvalidParameterException,
  ListAccessEntriesCommand,
  ListAssociatedAccessPoliciesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  paginateListAccessEntries,
} from "@aws-sdk/client-eks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ACCESS_POLICY_ARN_PREFIX } from "./access-policies.js";
import { startEksControlPlane, type EksControlPlane } from "./eks-control-plane.js";
import { signHeaders, toAmzDate, type SigningCredentials } from "./sigv4.js";
import { startStsEmulator, type StsEmulator } from "./sts-emulator.js";
import { assumeRole, type StsSessionCredentials } from "./sts-session.js";

const ACCOUNT = "111122223333";
const OTHER_ACCOUNT = "444455556666";
const REGION = "eu-west-1";
const CLUSTER = "prod";
const ALICE: SigningCredentials = {
  accessKeyId: "AKIAEKSEMULATORALICE",
  secretAccessKey: "alice/eks/secret/000000000000000000000000",
};
const MALLORY: SigningCredentials = {
  accessKeyId: "AKIAEKSEMULATORMALLO",
  secretAccessKey: "mallory/eks/secret/0000000000000000000000",
};
const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/teams/platform/Admin`;
const ALICE_ARN = `arn:aws:iam::${ACCOUNT}:user/alice`;
const policy = (name: string) => ACCESS_POLICY_ARN_PREFIX + name;
// Seven entries: three pages of three.
const DEV_ROLES = Array.from({ length: 5 }, (_, i) => `arn:aws:iam::${ACCOUNT}:role/dev-${i}`);

describe("EKS API emulator through @aws-sdk/client-eks", () => {
  let sts: StsEmulator;
  let plane: EksControlPlane;
  let session: StsSessionCredentials;
  const savedEnv = { ...process.env };

  /** A client configured only by the environment: endpoint, credentials and region. */
  function envClient(): EKSClient {
    return new EKSClient({ maxAttempts: 1 });
  }
  function clientFor(credentials: SigningCredentials, region = REGION): EKSClient {
    return new EKSClient({ region, credentials, maxAttempts: 1 });
  }

  beforeAll(async () => {
    sts = await startStsEmulator();
    sts.addUser({ name: "alice", accountId: ACCOUNT, ...ALICE });
    sts.addUser({ name: "mallory", accountId: OTHER_ACCOUNT, ...MALLORY });
    sts.addRole({ arn: ADMIN_ROLE, trust: [ALICE_ARN] });
    session = await assumeRole(sts.url, ALICE, ADMIN_ROLE, "alice-admin");
    plane = await startEksControlPlane({
      sts,
      cluster: {
        name: CLUSTER,
        accountId: ACCOUNT,
        region: REGION,
        authenticationMode: "API_AND_CONFIG_MAP",
        endpointPrivateAccess: true,
        publicAccessCidrs: ["203.0.113.0/24"],
        accessEntries: [
          {
            principalArn: ADMIN_ROLE,
            kubernetesGroups: ["platform"],
            policies: [
              { policy: "AmazonEKSClusterAdminPolicy" },
              { policy: "AmazonEKSAdminPolicy", namespaces: ["team-a", "team-b"] },
              { policy: "AmazonEKSEditPolicy", namespaces: ["dev-*"] },
              { policy: "AmazonEKSViewPolicy" },
              { policy: "AmazonEKSAdminViewPolicy", namespaces: ["kube-system"] },
            ],
          },
          {
            principalArn: ALICE_ARN,
            username: "alice",
            policies: [{ policy: "AmazonEKSViewPolicy", namespaces: ["team-a"] }],
          },
          ...DEV_ROLES.map((principalArn) => ({ principalArn })),
        ],
      },
    });
    // Only the endpoint variable points the SDK here; no profile or config file is read.
    for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) delete process.env[name];
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_EKS: plane.eks.url,
      AWS_ACCESS_KEY_ID: ALICE.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ALICE.secretAccessKey,
      AWS_REGION: REGION,
      AWS_CONFIG_FILE: "/nonexistent/aws-config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    });
  });
  afterAll(async () => {
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    await plane?.close();
    await sts?.close();
  });
  afterEach(() => plane.eks.clearDenials());

  it("DescribeCluster: the cluster as EKS reports it, with the Kubernetes emulator's endpoint and CA", async () => {
    const { cluster } = await envClient().send(new DescribeClusterCommand({ name: CLUSTER }));
    expect(cluster).toMatchObject({
      name: CLUSTER,
      arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`,
      status: "ACTIVE",
      version: "1.32",
      platformVersion: "eks.8",
      endpoint: plane.k8s.url,
      certificateAuthority: { data: plane.k8s.caData },
      resourcesVpcConfig: {
        endpointPublicAccess: true,
        endpointPrivateAccess: true,
        publicAccessCidrs: ["203.0.113.0/24"],
      },
      accessConfig: { authenticationMode: "API_AND_CONFIG_MAP" },
    });
    // Epoch seconds on the wire, a Date in the SDK.
    expect(cluster?.createdAt).toBeInstanceOf(Date);
    expect(cluster?.createdAt?.getTime()).toBe(plane.state.createdAt);
    expect(plane.eks.requests.at(-1)).toMatchObject({
      method: "GET",
      path: `/clusters/${CLUSTER}`,
      operation: "DescribeCluster",
      callerArn: ALICE_ARN,
      region: REGION,
      status: 200,
    });
  });

  it("ListAccessEntries pages with nextToken/maxResults: three pages for seven entries", async () => {
    const client = envClient();
    const pages: string[][] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListAccessEntriesCommand({ clusterName: CLUSTER, maxResults: 3, ...(nextToken ? { nextToken } : {}) }),
      );
      pages.push(page.accessEntries ?? []);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual([ADMIN_ROLE, ALICE_ARN, ...DEV_ROLES]);
    expect(plane.eks.requests.slice(-3).map((r) => r.path)).toEqual(
      Array(3).fill(`/clusters/${CLUSTER}/access-entries`),
    );

    const paged: string[] = [];
    for await (const page of paginateListAccessEntries({ client, pageSize: 2 }, { clusterName: CLUSTER }))
      paged.push(...(page.accessEntries ?? []));
    expect(paged).toEqual(pages.flat());

    const viewers = await client.send(
      new ListAccessEntriesCommand({ clusterName: CLUSTER, associatedPolicyArn: policy("AmazonEKSViewPolicy") }),
    );
    expect(viewers).toMatchObject({ accessEntries: [ADMIN_ROLE, ALICE_ARN] });
    expect(viewers.nextToken).toBeUndefined();
  });

  it("DescribeAccessEntry takes the principal ARN URL-encoded in the path", async () => {
    const { accessEntry } = await envClient().send(
      new DescribeAccessEntryCommand({ clusterName: CLUSTER, principalArn: ADMIN_ROLE }),
    );
    const record = plane.state.accessEntry(ADMIN_ROLE)!;
    expect(accessEntry).toEqual({
      clusterName: CLUSTER,
      principalArn: ADMIN_ROLE,
      kubernetesGroups: ["platform"],
      accessEntryArn: record.accessEntryArn,
      createdAt: new Date(record.createdAt),
      modifiedAt: new Date(record.modifiedAt),
      tags: {},
      username: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/{{SessionName}}`,
      type: "STANDARD",
    });
    expect(plane.eks.requests.at(-1)?.path).toBe(
      `/clusters/${CLUSTER}/access-entries/${encodeURIComponent(ADMIN_ROLE)}`,
    );
    expect(plane.eks.requests.at(-1)?.path).toContain("%3Arole%2Fteams%2Fplatform%2FAdmin");
  });

  it("ListAssociatedAccessPolicies pages the policies with their cluster and namespace scopes", async () => {
    const client = envClient();
    const policies = [];
    const sizes: number[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListAssociatedAccessPoliciesCommand({
          clusterName: CLUSTER,
          principalArn: ADMIN_ROLE,
          maxResults: 2,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      expect(page).toMatchObject({ clusterName: CLUSTER, principalArn: ADMIN_ROLE });
      sizes.push(page.associatedAccessPolicies?.length ?? 0);
      policies.push(...(page.associatedAccessPolicies ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(sizes).toEqual([2, 2, 1]);
    expect(policies.map((p) => [p.policyArn, p.accessScope])).toEqual([
      [policy("AmazonEKSClusterAdminPolicy"), { type: "cluster", namespaces: [] }],
      [policy("AmazonEKSAdminPolicy"), { type: "namespace", namespaces: ["team-a", "team-b"] }],
      [policy("AmazonEKSEditPolicy"), { type: "namespace", namespaces: ["dev-*"] }],
      [policy("AmazonEKSViewPolicy"), { type: "cluster", namespaces: [] }],
      [policy("AmazonEKSAdminViewPolicy"), { type: "namespace", namespaces: ["kube-system"] }],
    ]);
    expect(policies[0]?.associatedAt).toBeInstanceOf(Date);
  });

  it("ResourceNotFoundException (404) for an unknown cluster or entry, another region, another account", async () => {
    const notFound = { name: "ResourceNotFoundException", $metadata: { httpStatusCode: 404 } };
    const client = envClient();
    await expect(client.send(new DescribeClusterCommand({ name: "staging" }))).rejects.toMatchObject({
      ...notFound,
      message: "No cluster found for name: staging.",
      clusterName: "staging",
    });
    const missing = client.send(
      new DescribeAccessEntryCommand({ clusterName: CLUSTER, principalArn: `arn:aws:iam::${ACCOUNT}:role/Nobody` }),
    );
    await expect(missing).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(missing).rejects.toMatchObject({
      message: expect.stringMatching(/^The specified principalArn could not be found/),
    });
    await expect(
      client.send(
        new ListAssociatedAccessPoliciesCommand({
          clusterName: CLUSTER,
          principalArn: `arn:aws:iam::${ACCOUNT}:role/Nobody`,
        }),
      ),
    ).rejects.toMatchObject(notFound);
    await expect(
      clientFor(ALICE, "us-east-1").send(new DescribeClusterCommand({ name: CLUSTER })),
    ).rejects.toMatchObject(notFound);
    await expect(clientFor(MALLORY).send(new ListAccessEntriesCommand({ clusterName: CLUSTER }))).rejects.toMatchObject(
      notFound,
    );
  });

  it("AccessDenied on demand, per operation, as a missing IAM permission answers", async () => {
    plane.eks.denyAccess("ListAccessEntries");
    const client = envClient();
    const denied = client.send(new ListAccessEntriesCommand({ clusterName: CLUSTER }));
    await expect(denied).rejects.toBeInstanceOf(AccessDeniedException);
    await expect(denied).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
      message: `User: ${ALICE_ARN} is not authorized to perform: eks:ListAccessEntries on resource: arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`,
    });
    expect(plane.eks.requests.at(-1)).toMatchObject({ status: 403, errorType: "AccessDeniedException" });
    // Other operations still answer.
    expect((await client.send(new DescribeClusterCommand({ name: CLUSTER }))).cluster?.name).toBe(CLUSTER);
    expect(
      (await client.send(new DescribeAccessEntryCommand({ clusterName: CLUSTER, principalArn: ALICE_ARN }))).accessEntry
        ?.username,
    ).toBe("alice");
    plane.eks.clearDenials();
    expect((await client.send(new ListAccessEntriesCommand({ clusterName: CLUSTER }))).accessEntries).toHaveLength(7);
  });

  it("AccessDenied for one caller, or a number of times", async () => {
    plane.eks.denyAccess("DescribeCluster", { callerArn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice-admin` });
    await expect(clientFor(session).send(new DescribeClusterCommand({ name: CLUSTER }))).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: expect.stringContaining(
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice-admin is not authorized to perform: eks:DescribeCluster`,
      ),
    });
    expect((await envClient().send(new DescribeClusterCommand({ name: CLUSTER }))).cluster?.name).toBe(CLUSTER);

    plane.eks.denyAccess("ListAssociatedAccessPolicies", { times: 1 });
    const list = () =>
      envClient().send(new ListAssociatedAccessPoliciesCommand({ clusterName: CLUSTER, principalArn: ALICE_ARN }));
    await expect(list()).rejects.toBeInstanceOf(AccessDeniedException);
    expect((await list()).associatedAccessPolicies).toHaveLength(1);
  });

  it("verifies SigV4: session credentials work; a wrong secret or an unknown key is refused", async () => {
    const { cluster } = await clientFor(session).send(new DescribeClusterCommand({ name: CLUSTER }));
    expect(cluster?.name).toBe(CLUSTER);
    expect(plane.eks.requests.at(-1)?.callerArn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice-admin`);
    await expect(
      clientFor({ ...ALICE, secretAccessKey: "wrong/secret/0000000000000000000000000000" }).send(
        new DescribeClusterCommand({ name: CLUSTER }),
      ),
    ).rejects.toMatchObject({
      name: "InvalidSignatureException",
      $metadata: { httpStatusCode: 403 },
    });
    await expect(
      clientFor({ accessKeyId: "AKIAUNKNOWNUNKNOWN00", secretAccessKey: "x" }).send(
        new DescribeClusterCommand({ name: CLUSTER }),
      ),
    ).rejects.toMatchObject({
      name: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    });
    await expect(
      clientFor({ ...session, sessionToken: "not-the-token" }).send(new DescribeClusterCommand({ name: CLUSTER })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });

  it("CreateAccessEntry / AssociateAccessPolicy / DeleteAccessEntry change the shared state; an STS session ARN is refused", async () => {
    const client = envClient();
    const principalArn = `arn:aws:iam::${ACCOUNT}:role/newcomer`;
    const created = await client.send(
      new CreateAccessEntryCommand({ clusterName: CLUSTER, principalArn, kubernetesGroups: ["newbies"] }),
    );
    expect(created.accessEntry).toMatchObject({
      principalArn,
      kubernetesGroups: ["newbies"],
      username: `arn:aws:sts::${ACCOUNT}:assumed-role/newcomer/{{SessionName}}`,
      type: "STANDARD",
    });
    await expect(
      client.send(new CreateAccessEntryCommand({ clusterName: CLUSTER, principalArn })),
    ).rejects.toBeInstanceOf(ResourceInUseException);
    const associated = await client.send(
      new AssociateAccessPolicyCommand({
        clusterName: CLUSTER,
        principalArn,
        policyArn: policy("AmazonEKSEditPolicy"),
        accessScope: { type: "namespace", namespaces: ["team-a"] },
      }),
    );
    expect(associated.associatedAccessPolicy).toMatchObject({
      policyArn: policy("AmazonEKSEditPolicy"),
      accessScope: { type: "namespace", namespaces: ["team-a"] },
    });
    expect(plane.state.accessEntry(principalArn)?.policies.map((p) => p.accessScope)).toEqual([
      { type: "namespace", namespaces: ["team-a"] },
    ]);
    await client.send(new DeleteAccessEntryCommand({ clusterName: CLUSTER, principalArn }));
    expect(plane.state.accessEntry(principalArn)).toBeUndefined();

    const sessionArn = `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice-admin`;
    await expect(
      client.send(new CreateAccessEntryCommand({ clusterName: CLUSTER, principalArn: sessionArn })),
    ).rejects.toMatchObject({
      name: "InvalidParameterException",
      message: expect.stringContaining("not an STS assumed-role session ARN"),
    });
    await expect(
      client.send(new ListAccessEntriesCommand({ clusterName: CLUSTER, maxResults: 101 })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      client.send(new ListAccessEntriesCommand({ clusterName: CLUSTER, nextToken: "bm90LWEtdG9rZW4" })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it("hangs on demand (close() drops the connection), so a client's bound can be tested", async () => {
    plane.eks.setFault({ operation: "ListAccessEntries", kind: "hang" }, 1);
    const client = envClient();
    await expect(
      client.send(new ListAccessEntriesCommand({ clusterName: CLUSTER }), { abortSignal: AbortSignal.timeout(300) }),
    ).rejects.toMatchObject({ name: expect.stringMatching(/Abort|Timeout/) });
    expect(plane.eks.requests.at(-1)).toMatchObject({ operation: "ListAccessEntries" });
    expect(plane.eks.requests.at(-1)?.status).toBeUndefined();
    // Used up: the next call answers.
    expect((await client.send(new ListAccessEntriesCommand({ clusterName: CLUSTER }))).accessEntries).toHaveLength(7);
  });

  describe("on the wire (signed by the test signer, read without the SDK)", () => {
    async function raw(path: string, credentials: SigningCredentials = ALICE) {
      const url = `${plane.eks.url}${path}`;
      const headers = signHeaders({
        url,
        method: "GET",
        credentials,
        region: REGION,
        service: "eks",
        amzDate: toAmzDate(Date.now()),
      });
      const { host: _host, ...sendable } = headers;
      const res = await fetch(url, { headers: sendable });
      // biome-ignore lint/suspicious/noExplicitAny: raw EKS JSON, read field by field
      return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, any> };
    }

    it("timestamps are epoch seconds; the body is plain JSON", async () => {
      const reply = await raw(`/clusters/${CLUSTER}`);
      expect(reply.status).toBe(200);
      expect(reply.headers.get("content-type")).toBe("application/json");
      expect(reply.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
      expect(reply.json.cluster.createdAt).toBe(plane.state.createdAt / 1000);
      const entry = await raw(`/clusters/${CLUSTER}/access-entries/${encodeURIComponent(ALICE_ARN)}`);
      expect(typeof entry.json.accessEntry.createdAt).toBe("number");
    });

    it("AccessDenied is HTTP 403 with x-amzn-errortype: AccessDeniedException and a JSON message", async () => {
      plane.eks.denyAccess("DescribeAccessEntry");
      const reply = await raw(`/clusters/${CLUSTER}/access-entries/${encodeURIComponent(ALICE_ARN)}`);
      expect(reply.status).toBe(403);
      expect(reply.headers.get("x-amzn-errortype")).toBe("AccessDeniedException");
      expect(reply.json).toEqual({
        message: `User: ${ALICE_ARN} is not authorized to perform: eks:DescribeAccessEntry on resource: arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`,
      });
    });

    it("refuses an unsigned request and one signed for another service", async () => {
      const unsigned = await fetch(`${plane.eks.url}/clusters/${CLUSTER}`);
      expect([unsigned.status, unsigned.headers.get("x-amzn-errortype")]).toEqual([
        403,
        "MissingAuthenticationTokenException",
      ]);
      const url = `${plane.eks.url}/clusters/${CLUSTER}`;
      const { host: _host, ...headers } = signHeaders({
        url,
        method: "GET",
        credentials: ALICE,
        region: REGION,
        service: "sts",
        amzDate: toAmzDate(Date.now()),
      });
      const wrongService = await fetch(url, { headers });
      expect([wrongService.status, wrongService.headers.get("x-amzn-errortype")]).toEqual([
        403,
        "InvalidSignatureException",
      ]);
    });
  });
});
