// runDoctor over fakes: the kubeconfig as text, credentials handed in, STS, EKS and the API server
// as small objects that answer what each case needs. The real token pipeline makes the token.
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  EksApiError,
  type EksAccessEntry,
  type EksApi,
  type EksAssociatedPolicy,
  type EksCluster,
} from "../../../src/aws/eks-api.js";
import type { CallStsOptions, StsResponse } from "../../../src/aws/sts-client.js";
import { EksTokenError } from "../../../src/errors.js";
import { runDoctor, type DoctorDeps, type DoctorInput } from "../../../src/usecases/doctor/doctor.js";
import type { KubeApi, KubeResponse, ProbeResult } from "../../../src/usecases/doctor/kube-client.js";
import {
  formatText,
  toJson,
  type Check,
  type CheckId,
  type DoctorReport,
} from "../../../src/usecases/doctor/report.js";

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const ACCOUNT = "111122223333";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/developer`;
const SESSION_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/developer/alice-session`;
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYDOCTORSECRET";
const SESSION_TOKEN = "IQoJb3JpZ2luX2VjEDoctorSessionToken0123456789abcdefghij";
const SERVER = "https://127.0.0.1:6443";
const VIEW = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";

interface World {
  mode?: string;
  entries: Record<string, { entry: EksAccessEntry; policies: EksAssociatedPolicy[] }>;
  deny?: Set<string>;
  eksHang?: boolean;
  cluster?: Partial<EksCluster>;
  probe?: ProbeResult;
  awsAuth?: { status: number; data?: Record<string, string> };
  authn?: { status: number; username?: string; groups?: string[] };
  allowed?: boolean;
  stsDateOffsetMs?: number;
  stsStatus?: number;
  callerArn?: string;
  credentialsError?: EksTokenError;
  kubeconfig?: string;
}

function kubeconfig(exec: Record<string, unknown>, server = SERVER, clusterEntry = "prod"): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    "current-context": "prod",
    contexts: [{ name: "prod", context: { cluster: clusterEntry, user: "prod-user" } }],
    clusters: [{ name: clusterEntry, cluster: { server, "certificate-authority-data": "Q0EK" } }],
    users: [{ name: "prod-user", user: { exec } }],
  });
}

const EKS_TOKEN_EXEC = {
  apiVersion: "client.authentication.k8s.io/v1beta1",
  command: "eks-token",
  args: ["token", "--cluster-name", "prod", "--region", "eu-west-1"],
};

function world(overrides: Partial<World> = {}): World {
  return {
    mode: "API",
    entries: {
      [ROLE]: {
        entry: { principalArn: ROLE, type: "STANDARD", username: "dev", kubernetesGroups: ["devs"] },
        policies: [{ policyArn: VIEW, namespaces: ["team-a"] }],
      },
    },
    ...overrides,
  };
}

function deps(w: World, calls: string[] = []): DoctorDeps {
  const eksCall = async <T>(op: string, answer: () => T): Promise<T> => {
    calls.push(op);
    if (w.eksHang) throw new EksApiError("timeout", op, `EKS ${op} did not answer within 5 s`);
    if (w.deny?.has(op))
      throw new EksApiError("access-denied", op, `User: ${SESSION_ARN} is not authorized to perform: eks:${op}`);
    return answer();
  };
  const eks: EksApi = {
    describeCluster: (name) =>
      eksCall("DescribeCluster", () => ({
        name,
        arn: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/${name}`,
        status: "ACTIVE",
        version: "1.32",
        endpoint: SERVER,
        caData: "Q0EK",
        endpointPublicAccess: true,
        endpointPrivateAccess: false,
        authenticationMode: w.mode,
        ...w.cluster,
      })),
    listAccessEntries: () => eksCall("ListAccessEntries", () => ({ items: Object.keys(w.entries) })),
    describeAccessEntry: (_c, arn) =>
      eksCall("DescribeAccessEntry", () => {
        const e = w.entries[arn];
        if (!e) throw new EksApiError("not-found", "DescribeAccessEntry", "no entry");
        return e.entry;
      }),
    listAssociatedAccessPolicies: (_c, arn) =>
      eksCall("ListAssociatedAccessPolicies", () => ({ items: w.entries[arn]?.policies ?? [] })),
  };
  const kube: KubeApi = {
    probe: async () => w.probe ?? { ok: true },
    request: async (method, path, token, body): Promise<KubeResponse> => {
      calls.push(`${method} ${path}`);
      expect(token).toMatch(/^k8s-aws-v1\./);
      if (path.endsWith("/configmaps/aws-auth")) {
        const a = w.awsAuth ?? { status: 403 };
        return { status: a.status, json: a.data ? { data: a.data } : {} };
      }
      const authn = w.authn ?? { status: 201, username: "dev", groups: ["devs", "system:authenticated"] };
      if (authn.status !== 201) return { status: authn.status, json: { kind: "Status" } };
      if (path.endsWith("selfsubjectreviews"))
        return { status: 201, json: { status: { userInfo: { username: authn.username, groups: authn.groups } } } };
      calls.push(JSON.stringify((body as { spec: unknown }).spec));
      return { status: 201, json: { status: { allowed: w.allowed ?? false } } };
    },
  };
  return {
    env: {
      PATH: "/usr/bin",
      HOME: "/nonexistent-home",
      AWS_CONFIG_FILE: "/nonexistent/config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials",
    },
    now: () => NOW,
    files: {
      cwd: "/",
      readFile: (path) => (path === "/home/kube/config" ? (w.kubeconfig ?? kubeconfig(EKS_TOKEN_EXEC)) : undefined),
      findExecutable: (command) =>
        command === "eks-token" || command === "aws"
          ? { path: `/usr/bin/${command}`, replaceableByOthers: false }
          : undefined,
    },
    resolveCredentials: async () => {
      if (w.credentialsError) throw w.credentialsError;
      return { accessKeyId: "ASIADOCTORTEST000001", secretAccessKey: SECRET, sessionToken: SESSION_TOKEN };
    },
    callSts: async (options: CallStsOptions): Promise<StsResponse> => {
      calls.push("GetCallerIdentity");
      expect(options.url).toContain("X-Amz-Signature=");
      const date = new Date(NOW + (w.stsDateOffsetMs ?? 0)).toUTCString();
      if (w.stsStatus && w.stsStatus !== 200)
        return {
          status: w.stsStatus,
          contentType: "application/json",
          date,
          body: JSON.stringify({ Error: { Code: "SignatureDoesNotMatch", Message: "Signature expired" } }),
        };
      const arn = w.callerArn ?? SESSION_ARN;
      const body = {
        GetCallerIdentityResponse: {
          GetCallerIdentityResult: {
            Account: /::(\d{12}):/.exec(arn)?.[1],
            Arn: arn,
            UserId: "AROADOCTOR:alice-session",
          },
        },
      };
      return { status: 200, contentType: "application/json", date, body: JSON.stringify(body) };
    },
    eks: async () => eks,
    kube: () => kube,
  };
}

const FROM_KUBECONFIG: DoctorInput = { source: { kind: "kubeconfig", kubeconfig: "/home/kube/config" } };

async function run(w: World, input: DoctorInput = FROM_KUBECONFIG, calls: string[] = []): Promise<DoctorReport> {
  return runDoctor(input, deps(w, calls));
}

function check(report: DoctorReport, id: CheckId): Check {
  const c = report.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return c;
}

describe("runDoctor", () => {
  it("a healthy setup: every check in its fixed order, identity, user and groups, ok", async () => {
    const report = await run(world());
    expect(report.checks.map((c) => c.id)).toEqual([
      "kubeconfig",
      "credentials",
      "identity",
      "token",
      "cluster",
      "access-entry",
      "aws-auth",
      "authenticate",
      "authorize",
    ]);
    expect(report.checks.map((c) => c.status)).toEqual([
      "pass",
      "pass",
      "pass",
      "pass",
      "pass",
      "pass",
      "skip",
      "pass",
      "skip",
    ]);
    expect(report.ok).toBe(true);
    expect(report.identity).toEqual({
      account: ACCOUNT,
      arn: SESSION_ARN,
      principalArn: ROLE,
      userId: "AROADOCTOR:alice-session",
    });
    expect(report.kubernetes).toEqual({ username: "dev", groups: ["devs", "system:authenticated"] });
    expect(check(report, "access-entry").detail).toContain("policies AmazonEKSViewPolicy (namespaces team-a)");
    expect(report.verdict).toBe("verdict: ok: kubectl authenticates as dev");
    expect(report.checks.filter((c) => c.fix)).toEqual([]);
  });

  it("no secret and no token in the text or the JSON", async () => {
    const report = await run(world({ stsStatus: 403, authn: { status: 401 } }));
    for (const out of [formatText(report), JSON.stringify(toJson(report))]) {
      expect(out).not.toContain(SECRET);
      expect(out).not.toContain(SESSION_TOKEN);
      expect(out).not.toMatch(/k8s-aws-v1\.[A-Za-z0-9_-]{20}/);
      expect(out).not.toMatch(/X-Amz-Signature=[0-9a-f]{8}/i);
    }
  });

  it("credentials that do not resolve: fail with the login command, and the walk stops short of the network", async () => {
    const calls: string[] = [];
    const report = await run(
      world({
        credentialsError: new EksTokenError(
          "sso-expired",
          'the SSO session for profile "dev" has expired or is invalid',
        ),
      }),
      FROM_KUBECONFIG,
      calls,
    );
    const c = check(report, "credentials");
    expect(c.status).toBe("fail");
    expect(c.detail).toContain("SSO session");
    expect(c.fix).toBe("aws sso login --profile default");
    expect(calls).toEqual([]);
    expect(report.ok).toBe(false);
    expect(report.verdict).toMatch(/^verdict: kubectl would fail at credentials: /);
  });

  it("an assumed-role ARN maps to its IAM role; a role entry with a path matches by account and role name", async () => {
    const pathRole = `arn:aws:iam::${ACCOUNT}:role/teams/platform/developer`;
    const report = await run(
      world({
        entries: {
          [`arn:aws:iam::999999999999:role/developer`]: {
            entry: { principalArn: "x", type: "STANDARD", username: "other", kubernetesGroups: [] },
            policies: [],
          },
          [pathRole]: {
            entry: { principalArn: pathRole, type: "STANDARD", username: "dev", kubernetesGroups: [] },
            policies: [{ policyArn: VIEW, namespaces: undefined }],
          },
        },
      }),
    );
    const c = check(report, "access-entry");
    expect(c.status).toBe("pass");
    expect(c.detail).toContain(`entry ${pathRole} (same account and role name`);
    expect(c.detail).toContain("AmazonEKSViewPolicy (cluster)");
  });

  it("no access entry in mode API: fail naming the IAM role (never the session ARN) in create-access-entry", async () => {
    const report = await run(world({ entries: {}, authn: { status: 401 } }));
    const c = check(report, "access-entry");
    expect(c.status).toBe("fail");
    expect(c.detail).toBe(
      `no access entry for ${ROLE} (0 entries on the cluster); mode API ignores aws-auth, so only an access entry lets it in`,
    );
    expect(c.fix).toBe(
      `aws eks create-access-entry --cluster-name prod --region eu-west-1 --principal-arn ${ROLE} && ` +
        `aws eks associate-access-policy --cluster-name prod --region eu-west-1 --principal-arn ${ROLE} --policy-arn ${VIEW} --access-scope type=cluster`,
    );
    expect(c.fix).not.toContain("assumed-role");
    expect(check(report, "aws-auth")).toMatchObject({
      status: "skip",
      detail: expect.stringContaining("mode API ignores aws-auth"),
    });
    const authn = check(report, "authenticate");
    expect(authn.status).toBe("fail");
    expect(authn.detail).toMatch(/^401 Unauthorized: access-entry: no access entry/);
    expect(authn.fix).toBe(c.fix);
  });

  it("AccessDenied on ListAccessEntries: skip naming eks:ListAccessEntries, and the walk goes on", async () => {
    const calls: string[] = [];
    const report = await run(world({ deny: new Set(["ListAccessEntries"]) }), FROM_KUBECONFIG, calls);
    const c = check(report, "access-entry");
    expect(c.status).toBe("skip");
    expect(c.detail).toMatch(/^not allowed to call eks:ListAccessEntries \(User: .* is not authorized/);
    expect(check(report, "authenticate").status).toBe("pass");
    expect(calls).toContain("POST /apis/authentication.k8s.io/v1/selfsubjectreviews");
    expect(report.ok).toBe(true);
  });

  it("AccessDenied on DescribeCluster: cluster skip with the action, the kubeconfig's server is probed", async () => {
    const report = await run(world({ deny: new Set(["DescribeCluster"]) }));
    const c = check(report, "cluster");
    expect(c.status).toBe("skip");
    expect(c.detail).toMatch(
      /^not allowed to call eks:DescribeCluster .*; https:\/\/127\.0\.0\.1:6443 answers TCP and TLS/,
    );
    expect(check(report, "authenticate").status).toBe("pass");
  });

  it("an EKS API that times out is asked once, then left alone", async () => {
    const calls: string[] = [];
    const report = await run(world({ eksHang: true }), FROM_KUBECONFIG, calls);
    expect(check(report, "cluster")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("did not answer"),
    });
    expect(calls.filter((c) => /^[A-Z]/.test(c) && c !== "GetCallerIdentity")).toEqual(["DescribeCluster"]);
    expect(check(report, "access-entry").status).toBe("skip");
  });

  it("the clock: within a minute passes, over one warns, over five fails, with the offset in the detail", async () => {
    expect(check(await run(world({ stsDateOffsetMs: 20_000 })), "identity").status).toBe("pass");
    const warned = check(await run(world({ stsDateOffsetMs: -2 * 60_000 })), "identity");
    expect(warned).toMatchObject({ status: "warn", fix: expect.stringContaining("timedatectl set-ntp true") });
    expect(warned.detail).toContain("this machine's clock is 2.0 min ahead of STS");
    const failed = check(await run(world({ stsDateOffsetMs: 10 * 60_000 })), "identity");
    expect(failed.status).toBe("fail");
    expect(failed.detail).toContain("this machine's clock is 10 min behind STS");
    const rejected = check(await run(world({ stsDateOffsetMs: 10 * 60_000, stsStatus: 403 })), "identity");
    expect(rejected.detail).toMatch(/^this machine's clock is 10 min behind STS; STS rejected/);
    expect(rejected.fix).toContain("timedatectl");
  });

  it("credentials of another account than the cluster ARN's: identity fails", async () => {
    const w = world({
      callerArn: "arn:aws:iam::444455556666:user/alice",
      kubeconfig: kubeconfig(EKS_TOKEN_EXEC, SERVER, `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/prod`),
    });
    const c = check(await run(w), "identity");
    expect(c.status).toBe("fail");
    expect(c.detail).toContain(`but the cluster is in account ${ACCOUNT}: these are credentials of another account`);
  });

  it("the kubeconfig server is not the cluster's endpoint: cluster fails with the rewrite", async () => {
    const w = world({ kubeconfig: kubeconfig(EKS_TOKEN_EXEC, "https://127.0.0.2:443") });
    const c = check(await run(w), "cluster");
    expect(c).toEqual({
      id: "cluster",
      status: "fail",
      detail: `the kubeconfig's server https://127.0.0.2:443 is not the cluster's endpoint ${SERVER}`,
      fix: "eks-token kubeconfig --cluster-name prod --region eu-west-1",
    });
  });

  it("an endpoint that does not connect: cluster fails, and the API server steps are skipped", async () => {
    const report = await run(
      world({ probe: { ok: false, stage: "tcp", message: "cannot connect to 127.0.0.1:6443: ECONNREFUSED" } }),
    );
    expect(check(report, "cluster")).toMatchObject({ status: "fail", detail: expect.stringContaining("ECONNREFUSED") });
    expect(check(report, "authenticate").status).toBe("skip");
    expect(report.ok).toBe(false);
  });

  it("a private-only endpoint that does not connect: the fix opens public access or says to use the VPC", async () => {
    const report = await run(
      world({
        cluster: { endpointPublicAccess: false, endpointPrivateAccess: true },
        probe: { ok: false, stage: "tcp", message: "no TCP connection" },
      }),
    );
    expect(check(report, "cluster").fix).toContain("--resources-vpc-config endpointPublicAccess=true");
  });

  it("--can-i denied by a namespace-scoped policy: names the policy and re-scopes it", async () => {
    const calls: string[] = [];
    const report = await run(
      world({ allowed: false }),
      { ...FROM_KUBECONFIG, canI: { verb: "list", resource: "pods", namespace: "team-b" } },
      calls,
    );
    const c = check(report, "authorize");
    expect(c.status).toBe("fail");
    expect(c.detail).toBe(
      "denied: list pods in namespace team-b; AmazonEKSViewPolicy (namespaces team-a) would allow it, but its scope does not reach team-b; no RBAC binding of groups [devs] allows it",
    );
    expect(c.fix).toBe(
      `aws eks associate-access-policy --cluster-name prod --region eu-west-1 --principal-arn ${ROLE} --policy-arn ${VIEW} --access-scope type=namespace,namespaces=team-a,team-b`,
    );
    expect(calls).toContain(
      JSON.stringify({ resourceAttributes: { verb: "list", resource: "pods", group: "", namespace: "team-b" } }),
    );
    expect(report.ok).toBe(false);
  });

  it("--can-i a write the policy does not allow: suggests the Edit policy in that namespace", async () => {
    const report = await run(world({ allowed: false }), {
      ...FROM_KUBECONFIG,
      canI: { verb: "delete", resource: "deployments.apps", namespace: "team-a" },
    });
    const c = check(report, "authorize");
    expect(c.detail).toContain("AmazonEKSViewPolicy (namespaces team-a) does not allow it");
    expect(c.fix).toContain("AmazonEKSEditPolicy --access-scope type=namespace,namespaces=team-a");
  });

  it("--can-i allowed: pass and ok", async () => {
    const report = await run(world({ allowed: true }), {
      ...FROM_KUBECONFIG,
      canI: { verb: "list", resource: "pods", namespace: "team-a" },
    });
    expect(check(report, "authorize")).toEqual({
      id: "authorize",
      status: "pass",
      detail: "allowed to list pods in namespace team-a",
    });
    expect(report.ok).toBe(true);
  });

  describe("aws-auth (mode API_AND_CONFIG_MAP, readable)", () => {
    const withAwsAuth = (mapRoles: string, entries: World["entries"] = {}) =>
      world({ mode: "API_AND_CONFIG_MAP", entries, awsAuth: { status: 200, data: { mapRoles } } });

    it("the right mapping passes with username and groups", async () => {
      const c = check(await run(withAwsAuth(`- rolearn: ${ROLE}\n  username: dev\n  groups: [devs]\n`)), "aws-auth");
      expect(c).toEqual({
        id: "aws-auth",
        status: "pass",
        detail: `mapRoles maps ${ROLE} to username dev, groups [devs]`,
      });
    });

    it("a role ARN with a path is named, with the edit to make", async () => {
      const c = check(
        await run(withAwsAuth(`- rolearn: arn:aws:iam::${ACCOUNT}:role/teams/developer\n  username: dev\n`)),
        "aws-auth",
      );
      expect(c.status).toBe("fail");
      expect(c.detail).toContain("with the path /teams/; aws-auth entries cannot include one");
      expect(c.detail).toContain(`; write rolearn: ${ROLE} instead of arn:aws:iam::${ACCOUNT}:role/teams/developer`);
      expect(c.fix).toBe("kubectl -n kube-system edit configmap aws-auth");
    });

    it("an assumed-role ARN instead of the role", async () => {
      const c = check(await run(withAwsAuth(`- rolearn: ${SESSION_ARN}\n  username: dev\n`)), "aws-auth");
      expect(c.detail).toBe(
        `aws-auth maps the STS session ARN ${SESSION_ARN}; the server matches the IAM role ARN; write rolearn: ${ROLE} instead of ${SESSION_ARN}`,
      );
      expect(c.fix).toBe("kubectl -n kube-system edit configmap aws-auth");
    });

    it("a user ARN of another account", async () => {
      const w = withAwsAuth("[]");
      const report = await run({
        ...w,
        callerArn: `arn:aws:iam::${ACCOUNT}:user/alice`,
        awsAuth: {
          status: 200,
          data: { mapUsers: "- userarn: arn:aws:iam::444455556666:user/alice\n  username: alice\n" },
        },
      });
      expect(check(report, "aws-auth").detail).toBe(
        `aws-auth maps arn:aws:iam::444455556666:user/alice of account 444455556666; these credentials are of account ${ACCOUNT}; write userarn: arn:aws:iam::${ACCOUNT}:user/alice instead of arn:aws:iam::444455556666:user/alice`,
      );
    });

    it("YAML that does not parse", async () => {
      const c = check(await run(withAwsAuth("- rolearn: [unclosed\n")), "aws-auth");
      expect(c.status).toBe("fail");
      expect(c.detail).toMatch(/^mapRoles in kube-system\/aws-auth is not valid YAML \(.+\): it maps nobody$/);
    });

    it("not readable: skip, saying an admin can run the same check", async () => {
      const c = check(await run(world({ mode: "API_AND_CONFIG_MAP", awsAuth: { status: 403 } })), "aws-auth");
      expect(c).toMatchObject({
        status: "skip",
        detail: expect.stringContaining(
          "an admin can run the same check: kubectl -n kube-system get configmap aws-auth -o yaml",
        ),
      });
    });
  });

  it("kubeconfig: a v1alpha1 entry, a v1 entry without interactiveMode, a command not on PATH", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { ...EKS_TOKEN_EXEC, apiVersion: "client.authentication.k8s.io/v1alpha1" },
        /v1alpha1 was removed in kubectl 1\.24/,
      ],
      [{ ...EKS_TOKEN_EXEC, apiVersion: "client.authentication.k8s.io/v1" }, /needs interactiveMode/],
      [
        { ...EKS_TOKEN_EXEC, command: "/opt/nowhere/eks-token" },
        /the exec command \/opt\/nowhere\/eks-token is not found on PATH/,
      ],
    ];
    for (const [exec, detail] of cases) {
      const c = check(await run(world({ kubeconfig: kubeconfig(exec) })), "kubeconfig");
      expect(c.status).toBe("fail");
      expect(c.detail).toMatch(detail);
      expect(c.fix).toBeTruthy();
    }
  });

  it("kubeconfig: an entry running aws eks get-token warns, and its profile, role and region are what is checked", async () => {
    const aws = {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["--region", "eu-west-1", "eks", "get-token", "--cluster-name", "prod", "--output", "json"],
      env: [{ name: "AWS_PROFILE", value: "dev" }],
    };
    const d = deps(world({ kubeconfig: kubeconfig(aws) }));
    let seenProfile: string | undefined;
    const report = await runDoctor(FROM_KUBECONFIG, {
      ...d,
      resolveCredentials: async (target, env, ms) => {
        seenProfile = `${target.profileName} ${env.AWS_PROFILE}`;
        return d.resolveCredentials(target, env, ms);
      },
    });
    const c = check(report, "kubeconfig");
    expect(c).toEqual({
      id: "kubeconfig",
      status: "warn",
      detail: "context prod: user prod-user still runs aws eks get-token; doctor checks what it asks for",
      fix: "eks-token kubeconfig migrate --kubeconfig /home/kube/config",
    });
    expect(seenProfile).toBe("dev dev");
    expect(report.cluster.region).toBe("eu-west-1");
  });

  it("kubeconfig: a server that is not a URL stops the walk before any connection", async () => {
    const calls: string[] = [];
    const report = await run(world({ kubeconfig: kubeconfig(EKS_TOKEN_EXEC, "not a url") }), FROM_KUBECONFIG, calls);
    expect(check(report, "kubeconfig")).toMatchObject({
      status: "fail",
      detail:
        'cluster prod: server "not a url" is not an https URL; write an entry with: eks-token kubeconfig --cluster-name NAME --region REGION',
    });
    expect(check(report, "kubeconfig").fix).toBeUndefined();
    expect(calls).toEqual([]);
    const withPassword = await run(
      world({ kubeconfig: kubeconfig(EKS_TOKEN_EXEC, "https://admin:hunter2pass@127.0.0.1:6443") }),
    );
    expect(check(withPassword, "kubeconfig").detail).toMatch(
      /^cluster prod: the server URL carries a user name or password; write an entry with/,
    );
    expect(JSON.stringify(toJson(withPassword))).not.toContain("hunter2pass");
  });

  it("kubeconfig: a context that is not there, and no kubeconfig at all", async () => {
    const missing = await run(world(), {
      source: { kind: "kubeconfig", kubeconfig: "/home/kube/config", context: "staging" },
    });
    expect(check(missing, "kubeconfig")).toMatchObject({
      status: "fail",
      detail: "context staging is not in /home/kube/config",
      fix: "kubectl config get-contexts --kubeconfig /home/kube/config",
    });
    expect(missing.checks.slice(1).every((c) => c.status === "skip")).toBe(true);
    const none = await run(world(), { source: { kind: "kubeconfig", kubeconfig: "/elsewhere" } });
    expect(check(none, "kubeconfig")).toMatchObject({
      status: "fail",
      detail: "no kubeconfig at /elsewhere; write an entry with: eks-token kubeconfig --cluster-name NAME --region REGION",
    });
  });

  it("flags instead of a kubeconfig: kubeconfig is skipped, DescribeCluster's endpoint is used", async () => {
    const report = await run(world(), { source: { kind: "flags", clusterName: "prod", region: "eu-west-1" } });
    expect(check(report, "kubeconfig").status).toBe("skip");
    expect(check(report, "cluster")).toMatchObject({
      status: "pass",
      detail: expect.stringContaining("authentication mode API"),
    });
    expect(report.ok).toBe(true);
  });

  it("401 although every check passed: says what to look at, and the authenticator's logs", async () => {
    const c = check(await run(world({ authn: { status: 401 } })), "authenticate");
    expect(c.detail).toMatch(
      /^401 Unauthorized although the checks above passed: .*the cluster name signed into the token \(prod\), the region \(eu-west-1\), an IAM role recreated/,
    );
    expect(c.fix).toBe(
      "aws logs tail /aws/eks/prod/cluster --log-stream-name-prefix authenticator --since 1h --region eu-west-1",
    );
  });
});
