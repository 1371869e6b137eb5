import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ACCESS_POLICY_ARN_PREFIX, accessPolicyArn, policyAllows } from "./access-policies.js";
import { ClusterState, parseAwsAuth, renderAwsAuth } from "./cluster-state.js";
import type { Access, Caller } from "./k8s-emulator-identity.js";

const ACCOUNT = "111122223333";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/Dev`;
const ROLE_WITH_PATH = `arn:aws:iam::${ACCOUNT}:role/teams/platform/Dev`;
const USER = `arn:aws:iam::${ACCOUNT}:user/alice`;

const roleCaller: Caller = {
  account: ACCOUNT,
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Dev/carol`,
  canonicalArn: ROLE,
  userId: "AROAEXAMPLEEXAMPLE1:carol",
  sessionName: "carol",
  accessKeyId: "ASIAEXAMPLEEXAMPLE01",
};
const userCaller: Caller = {
  account: ACCOUNT,
  arn: USER,
  canonicalArn: USER,
  userId: "AIDAEXAMPLEEXAMPLE01",
  accessKeyId: "AKIAEXAMPLEEXAMPLE01",
};

const state = (options: Partial<ConstructorParameters<typeof ClusterState>[0]> = {}) =>
  new ClusterState({ name: "prod", accountId: ACCOUNT, now: () => Date.UTC(2026, 0, 2, 3, 4, 5), ...options });

const pods = (namespace: string | undefined, verb = "list"): Access => ({ verb, resource: "pods", namespace });

describe("EKS authentication modes", () => {
  const entry = { principalArn: ROLE, username: "entry:{{SessionName}}", kubernetesGroups: ["from-entry"] };
  const awsAuth = { mapRoles: [{ rolearn: ROLE, username: "aws-auth", groups: ["from-aws-auth"] }] };

  it("API_AND_CONFIG_MAP: the access entry wins, aws-auth maps the rest", () => {
    const s = state({ authenticationMode: "API_AND_CONFIG_MAP", accessEntries: [entry], awsAuth });
    expect(s.mapCaller(roleCaller)).toMatchObject({
      username: "entry:carol",
      groups: ["from-entry", "system:authenticated"],
      accessEntry: ROLE,
    });
    s.deleteAccessEntry(ROLE);
    expect(s.mapCaller(roleCaller)).toMatchObject({
      username: "aws-auth",
      groups: ["from-aws-auth", "system:authenticated"],
      via: `aws-auth mapRoles ${ROLE}`,
    });
    expect(s.mapCaller(roleCaller)?.accessEntry).toBeUndefined();
  });

  it("API: aws-auth is ignored", () => {
    const s = state({ authenticationMode: "API", awsAuth });
    expect(s.mapCaller(roleCaller)).toBeUndefined();
    s.putAccessEntry(entry);
    expect(s.mapCaller(roleCaller)?.username).toBe("entry:carol");
  });

  it("CONFIG_MAP: access entries are ignored, and so are their policies", () => {
    const s = state({
      authenticationMode: "CONFIG_MAP",
      accessEntries: [{ ...entry, policies: [{ policy: "AmazonEKSClusterAdminPolicy" }] }],
    });
    expect(s.mapCaller(roleCaller)).toBeUndefined();
    s.setAwsAuth(awsAuth);
    const user = s.mapCaller(roleCaller)!;
    expect(user.username).toBe("aws-auth");
    expect(s.isAllowed({ ...user, accessEntry: ROLE }, pods("default"))).toBe(false);
  });

  it("changes mode at run time", () => {
    const s = state({ authenticationMode: "CONFIG_MAP", accessEntries: [entry] });
    expect(s.mapCaller(roleCaller)).toBeUndefined();
    s.setAuthenticationMode("API");
    expect(s.authenticationMode).toBe("API");
    expect(s.mapCaller(roleCaller)?.username).toBe("entry:carol");
  });
});

describe("matching principals as EKS does", () => {
  it("an access entry for a role with a path matches the session (the assumed-role ARN shows no path)", () => {
    const s = state({
      authenticationMode: "API",
      accessEntries: [{ principalArn: ROLE_WITH_PATH, username: "pathed" }],
    });
    expect(s.findAccessEntry(roleCaller)?.principalArn).toBe(ROLE_WITH_PATH);
    expect(s.mapCaller(roleCaller)).toMatchObject({ username: "pathed", accessEntry: ROLE_WITH_PATH });
  });

  it("a role entry in another account or of another name does not match", () => {
    const s = state({
      accessEntries: [
        { principalArn: `arn:aws:iam::999988887777:role/Dev` },
        { principalArn: `arn:aws:iam::${ACCOUNT}:role/teams/Dev2` },
      ],
    });
    expect(s.mapCaller(roleCaller)).toBeUndefined();
  });

  it("aws-auth: a role ARN with a path never matches, nor does an assumed-role ARN", () => {
    for (const rolearn of [ROLE_WITH_PATH, roleCaller.arn]) {
      const s = state({
        authenticationMode: "CONFIG_MAP",
        awsAuth: { mapRoles: [{ rolearn, username: "x", groups: ["system:masters"] }] },
      });
      expect(s.mapCaller(roleCaller), rolearn).toBeUndefined();
    }
    const s = state({
      authenticationMode: "CONFIG_MAP",
      awsAuth: { mapUsers: [{ userarn: roleCaller.arn, username: "x" }] },
    });
    expect(s.mapCaller(roleCaller)).toBeUndefined();
  });

  it("aws-auth mapUsers matches a user ARN", () => {
    const s = state({
      authenticationMode: "CONFIG_MAP",
      awsAuth: { mapUsers: [{ userarn: USER, username: "alice", groups: ["devs"] }] },
    });
    expect(s.mapCaller(userCaller)).toMatchObject({
      username: "alice",
      groups: ["devs", "system:authenticated"],
      via: `aws-auth mapUsers ${USER}`,
    });
  });

  it("gives access entries EKS's default usernames", () => {
    const s = state({ accessEntries: [{ principalArn: ROLE_WITH_PATH }, { principalArn: USER }] });
    expect(s.accessEntry(ROLE_WITH_PATH)?.username).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Dev/{{SessionName}}`);
    expect(s.accessEntry(USER)?.username).toBe(USER);
    expect(s.mapCaller(roleCaller)?.username).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Dev/carol`);
  });

  it("refuses an STS session ARN as an access entry principal", () => {
    expect(() => state().putAccessEntry({ principalArn: roleCaller.arn })).toThrow(/IAM role or user ARN/);
  });

  it("makes an access entry ARN as EKS does", () => {
    expect(state({ accessEntries: [{ principalArn: ROLE }] }).accessEntry(ROLE)?.accessEntryArn).toMatch(
      new RegExp(
        `^arn:aws:eks:eu-west-1:${ACCOUNT}:access-entry/prod/role/${ACCOUNT}/Dev/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`,
      ),
    );
  });
});

describe("EKS access policies", () => {
  const withPolicy = (policy: string, namespaces?: readonly string[]) => {
    const s = state({
      authenticationMode: "API",
      accessEntries: [
        { principalArn: ROLE, username: "dev", policies: [{ policy, ...(namespaces ? { namespaces } : {}) }] },
      ],
    });
    return { s, user: s.mapCaller(roleCaller)! };
  };

  it("knows the five policies by name and ARN, and no others", () => {
    for (const name of [
      "AmazonEKSClusterAdminPolicy",
      "AmazonEKSAdminPolicy",
      "AmazonEKSEditPolicy",
      "AmazonEKSViewPolicy",
      "AmazonEKSAdminViewPolicy",
    ]) {
      expect(accessPolicyArn(name)).toBe(ACCESS_POLICY_ARN_PREFIX + name);
      expect(accessPolicyArn(ACCESS_POLICY_ARN_PREFIX + name)).toBe(ACCESS_POLICY_ARN_PREFIX + name);
    }
    expect(() => accessPolicyArn("AmazonEKSSuperPolicy")).toThrow(/not an EKS access policy/);
  });

  it.each([
    // policy, request, allowed
    ["AmazonEKSClusterAdminPolicy", { verb: "delete", resource: "nodes", apiGroup: "" }, true],
    [
      "AmazonEKSClusterAdminPolicy",
      { verb: "create", resource: "clusterroles", apiGroup: "rbac.authorization.k8s.io" },
      true,
    ],
    ["AmazonEKSAdminPolicy", { verb: "create", resource: "rolebindings", apiGroup: "rbac.authorization.k8s.io" }, true],
    [
      "AmazonEKSAdminPolicy",
      { verb: "create", resource: "clusterroles", apiGroup: "rbac.authorization.k8s.io" },
      false,
    ],
    ["AmazonEKSEditPolicy", { verb: "create", resource: "deployments", apiGroup: "apps" }, true],
    ["AmazonEKSEditPolicy", { verb: "get", resource: "secrets", apiGroup: "" }, true],
    ["AmazonEKSEditPolicy", { verb: "create", resource: "rolebindings", apiGroup: "rbac.authorization.k8s.io" }, false],
    ["AmazonEKSViewPolicy", { verb: "list", resource: "pods", apiGroup: "" }, true],
    ["AmazonEKSViewPolicy", { verb: "get", resource: "configmaps", apiGroup: "" }, true],
    ["AmazonEKSViewPolicy", { verb: "get", resource: "secrets", apiGroup: "" }, false],
    ["AmazonEKSViewPolicy", { verb: "delete", resource: "pods", apiGroup: "" }, false],
    ["AmazonEKSAdminViewPolicy", { verb: "get", resource: "secrets", apiGroup: "" }, true],
    [
      "AmazonEKSAdminViewPolicy",
      { verb: "list", resource: "clusterroles", apiGroup: "rbac.authorization.k8s.io" },
      true,
    ],
    ["AmazonEKSAdminViewPolicy", { verb: "create", resource: "pods", apiGroup: "" }, false],
  ] as const)("%s: %j -> %s", (policy, request, allowed) => {
    expect(policyAllows(policy, request)).toBe(allowed);
  });

  it("cluster scope reaches every namespace and cluster-scoped resources", () => {
    const { s, user } = withPolicy("AmazonEKSViewPolicy");
    expect(s.isAllowed(user, pods("team-a"))).toBe(true);
    expect(s.isAllowed(user, pods("kube-system"))).toBe(true);
    expect(s.isAllowed(user, { verb: "list", resource: "namespaces", namespace: undefined })).toBe(true);
  });

  it("namespace scope reaches only its namespaces (a trailing * as a prefix), never cluster-scoped resources", () => {
    const { s, user } = withPolicy("AmazonEKSClusterAdminPolicy", ["team-a", "dev-*"]);
    expect(s.isAllowed(user, pods("team-a", "delete"))).toBe(true);
    expect(s.isAllowed(user, pods("dev-42"))).toBe(true);
    expect(s.isAllowed(user, pods("team-b"))).toBe(false);
    expect(s.isAllowed(user, pods("dev"))).toBe(false);
    expect(s.isAllowed(user, { verb: "list", resource: "namespaces", namespace: undefined })).toBe(false);
  });

  it("re-scoping and disassociating take effect at once", () => {
    const { s, user } = withPolicy("AmazonEKSViewPolicy", ["team-a"]);
    expect(s.isAllowed(user, pods("team-b"))).toBe(false);
    s.associateAccessPolicy(ROLE, "AmazonEKSViewPolicy", ["team-a", "team-b"]);
    expect(s.accessEntry(ROLE)?.policies).toHaveLength(1);
    expect(s.isAllowed(user, pods("team-b"))).toBe(true);
    s.disassociateAccessPolicy(ROLE, `${ACCESS_POLICY_ARN_PREFIX}AmazonEKSViewPolicy`);
    expect(s.isAllowed(user, pods("team-a"))).toBe(false);
  });

  it("kubernetesGroups authorize through RBAC, and system:masters through anything", () => {
    const s = state({
      accessEntries: [{ principalArn: ROLE, username: "dev", kubernetesGroups: ["readers"] }],
      rbac: [{ group: "readers", namespace: "team-a", verbs: ["list"], resources: ["pods"] }],
    });
    const user = s.mapCaller(roleCaller)!;
    expect(s.isAllowed(user, pods("team-a"))).toBe(true);
    expect(s.isAllowed(user, pods("team-b"))).toBe(false);
    s.putAccessEntry({ principalArn: ROLE, username: "dev", kubernetesGroups: ["system:masters"] });
    expect(s.isAllowed(s.mapCaller(roleCaller)!, { verb: "delete", resource: "nodes", namespace: undefined })).toBe(
      true,
    );
  });
});

describe("aws-auth as EKS stores it", () => {
  it("renders mapRoles/mapUsers as YAML strings in eksctl's layout, which parse back", () => {
    const data = renderAwsAuth({
      mapRoles: [
        {
          rolearn: ROLE,
          username: "system:node:{{EC2PrivateDNSName}}",
          groups: ["system:bootstrappers", "system:nodes"],
        },
      ],
      mapUsers: [{ userarn: USER, username: "alice" }],
    });
    expect(data.mapRoles).toBe(
      `- groups:\n  - system:bootstrappers\n  - system:nodes\n  rolearn: ${ROLE}\n  username: system:node:{{EC2PrivateDNSName}}\n`,
    );
    expect(parseYaml(data.mapUsers!)).toEqual([{ userarn: USER, username: "alice" }]);
    expect(parseAwsAuth(data).mapUsers).toEqual([{ arn: USER, username: "alice", groups: [] }]);
  });

  it("keeps raw data as given; YAML that does not parse maps no one", () => {
    const s = state({
      authenticationMode: "CONFIG_MAP",
      awsAuth: { mapUsers: `- userarn: ${USER}\n  username: alice\n   groups: [oops` },
    });
    expect(s.awsAuthData()?.mapUsers).toContain("[oops");
    expect(s.mapCaller(userCaller)).toBeUndefined();
    s.setAwsAuth({ mapUsers: `- userarn: ${USER}\n  username: alice\n` });
    expect(s.mapCaller(userCaller)?.username).toBe("alice");
    s.setAwsAuth(undefined);
    expect(s.awsAuthData()).toBeUndefined();
  });
});
