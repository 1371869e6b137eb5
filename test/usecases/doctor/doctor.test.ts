// runDoctor over fakes: the kubeconfig as text, credentials handed in, STS, EKS and the API server
// as small objects that answer what each case needs. The real token pipeline makes the token.
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import {
  EksApiError,
  type EksAccessEntry,
  type EksApi,
  type EksAssociatedPolicy,
  type EksCluster,
} from "../../../src/aws/eks-api.js";
import type { CallStsOptions, StsResponse } from "../../../src/aws/sts-client.js";
import { EksTokenError } from "../../../src/errors.js";
import type { Env } from "../../../src/env.js";
import { runDoctor, type DoctorDeps, type DoctorInput } from "../../../src/usecases/doctor/doctor.js";
import type { KubeApi, KubeResponse, ProbeResult } from "../../../src/usecases/doctor/kube-client.js";
import {
  formatJson,
  formatText,
  toJson,
  type Check,
  type CheckId,
  type DoctorReport,
} from "../../../src/usecases/doctor/report.js";
import { markerDir, paste } from "../../support/paste.js";

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
  /** Thrown by that EKS operation: an EksApiError as the client makes them, or anything else. */
  eksErrors?: Record<string, unknown>;
  /** ListAccessEntries stopped before its end, for this reason. */
  entriesCut?: string;
  /** The SelfSubjectReview's answer as the server sends it (undefined: not JSON). */
  reviewJson?: { value: unknown };
  /** Whether the exec command's file can be replaced by another user. */
  replaceable?: boolean;
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
    if (w.eksErrors && op in w.eksErrors) throw w.eksErrors[op];
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
    listAccessEntries: () => eksCall("ListAccessEntries", () => ({ items: Object.keys(w.entries), cut: w.entriesCut })),
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
      if (path.endsWith("selfsubjectreviews") && w.reviewJson) return { status: 201, json: w.reviewJson.value };
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
      readFile: (path) =>
        path === "/home/kube/config" || path.startsWith("/home/kube/odd")
          ? (w.kubeconfig ?? kubeconfig(EKS_TOKEN_EXEC))
          : undefined,
      findExecutable: (command) =>
        command === "eks-token" || command === "aws"
          ? { path: `/usr/bin/${command}`, replaceableByOthers: w.replaceable ?? false }
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
      detail:
        "no kubeconfig at /elsewhere; write an entry with: eks-token kubeconfig --cluster-name NAME --region REGION",
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

describe("runDoctor: output safe to read and to paste", () => {
  // Values a kubeconfig, STS, EKS or the API server may hold: each would run a command if pasted unquoted.
  const marker = markerDir();
  afterAll(() => marker.cleanup());
  const hostile = (n: number) => [
    `$(touch\${IFS}${marker.dir}/sub${n})`,
    `\`touch\${IFS}${marker.dir}/tick${n}\``,
    `x';touch\${IFS}${marker.dir}/quote${n};'`,
  ];

  /** Every fix of the report, with the hostile value it must carry as one argument. */
  async function fixesOf(w: World, input: DoctorInput): Promise<string[]> {
    const report = await run(w, input);
    return report.checks.flatMap((c) => (c.fix ? [c.fix] : []));
  }

  function expectSafePaste(fix: string, value: string): void {
    expect(fix).not.toMatch(/[\n\r\u001b]/);
    const pasted = paste(fix);
    expect(pasted.parses, fix).toEqual({ sh: true, bash: true });
    expect(marker.touched(), fix).toEqual([]);
    // bash reads the line back into exactly the words doctor meant, the hostile value among them.
    expect(pasted.bashCalls.flat(), fix).toContain(value);
    expect(pasted.bashCalls.length).toBeGreaterThan(0);
  }

  it("a cluster name from the exec args: every fix keeps it one argument, and pasting runs nothing", async () => {
    for (const [i, name] of hostile(1).entries()) {
      const exec = { ...EKS_TOKEN_EXEC, args: ["token", "--cluster-name", name, "--region", "eu-west-1"] };
      const fixes = await fixesOf(world({ entries: {}, kubeconfig: kubeconfig(exec) }), FROM_KUBECONFIG);
      expect(fixes.length, name).toBeGreaterThan(0);
      for (const fix of fixes) expectSafePaste(fix, fix.includes("aws logs") ? `/aws/eks/${name}/cluster` : name);
      expect(i).toBeLessThan(3);
    }
  });

  it("an STS ARN, a namespace from EKS and a Kubernetes username: quoted in the fixes they reach", async () => {
    for (const value of hostile(2)) {
      const role = `arn:aws:iam::${ACCOUNT}:role/dev${value}`;
      const noEntry = await fixesOf(
        world({ entries: {}, callerArn: `arn:aws:sts::${ACCOUNT}:assumed-role/dev${value}/s` }),
        FROM_KUBECONFIG,
      );
      expect(noEntry.some((f) => f.includes("create-access-entry"))).toBe(true);
      for (const fix of noEntry) expectSafePaste(fix, role);

      const scoped = await fixesOf(
        world({
          entries: {
            [ROLE]: {
              entry: { principalArn: ROLE, type: "STANDARD", username: "dev", kubernetesGroups: [] },
              policies: [{ policyArn: VIEW, namespaces: [value] }],
            },
          },
        }),
        { ...FROM_KUBECONFIG, canI: { verb: "list", resource: "pods", namespace: "team-b" } },
      );
      expect(scoped).toHaveLength(1);
      expectSafePaste(scoped[0]!, `type=namespace,namespaces=${value},team-b`);

      const user = await fixesOf(
        world({ mode: "CONFIG_MAP", entries: {}, authn: { status: 201, username: value, groups: [] } }),
        { ...FROM_KUBECONFIG, canI: { verb: "list", resource: "pods", namespace: "team-b" } },
      );
      const binding = user.find((f) => f.includes("rolebinding"));
      expect(binding).toBeDefined();
      expectSafePaste(binding!, `--user=${value}`);
    }
  });

  it("a context name with a newline, a kubeconfig path and a profile: one line each, run as written", async () => {
    const context = `prod\ntouch ${marker.dir}/newline`;
    const withEnv = kubeconfig({ ...EKS_TOKEN_EXEC, env: [{ name: "LD_PRELOAD", value: "/tmp/x.so" }] }).replaceAll(
      "prod-user",
      "u",
    );
    const doc = parseYaml(withEnv) as { "current-context": string; contexts: { name: string }[] };
    doc["current-context"] = context;
    doc.contexts[0]!.name = context;
    const [view] = await fixesOf(
      { ...world(), kubeconfig: stringify(doc) },
      { source: { kind: "kubeconfig", kubeconfig: "/home/kube/config" } },
    ).then((f) => f.filter((x) => x.includes("config view")));
    // The entry's env sets a loader variable: kubeconfig warns with the command that shows the entry.
    expect(view).toBeDefined();
    expect(view).toContain("$'prod\\ntouch ");
    expectSafePaste(view!, context);

    const path = `/home/kube/odd ${hostile(3)[0]}`;
    const aws = kubeconfig({
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["--region", "eu-west-1", "eks", "get-token", "--cluster-name", "prod"],
    });
    const [migrate] = await fixesOf(
      { ...world(), kubeconfig: aws },
      { source: { kind: "kubeconfig", kubeconfig: path } },
    );
    expectSafePaste(migrate!, path);

    const profile = hostile(4)[0]!;
    const sso = kubeconfig({ ...EKS_TOKEN_EXEC, args: [...EKS_TOKEN_EXEC.args, "--profile", profile] });
    const [login] = await fixesOf(
      {
        ...world(),
        kubeconfig: sso,
        credentialsError: new EksTokenError("sso-expired", "the SSO session has expired", "sign in again"),
      },
      FROM_KUBECONFIG,
    );
    expect(login).toMatch(/^aws sso login --profile '/);
    expectSafePaste(login!, profile);
  });

  it("every fix is a command: no comment, no placeholder a shell would run as text", async () => {
    const cases: World[] = [
      world({ probe: { ok: false, stage: "tcp", message: "cannot connect to 127.0.0.1:6443: ECONNREFUSED" } }),
      world({
        cluster: { endpointPublicAccess: false, endpointPrivateAccess: true },
        probe: { ok: false, stage: "tcp", message: "no TCP connection" },
      }),
      world({ stsDateOffsetMs: 10 * 60_000 }),
      world({ credentialsError: new EksTokenError("no-credentials", "no AWS credentials found", "configure some") }),
      world({ mode: "CONFIG_MAP", entries: {}, awsAuth: { status: 404 } }),
      world({
        mode: "API_AND_CONFIG_MAP",
        awsAuth: { status: 200, data: { mapRoles: `- rolearn: ${SESSION_ARN}\n` } },
      }),
    ];
    for (const w of cases) {
      const report = await run(w);
      for (const c of report.checks.filter((x) => x.fix)) {
        expect(c.fix, c.id).not.toMatch(/#|\bNAME\b|\bUSER\b|\bREGION\b/);
        expect(paste(c.fix!).parses, c.fix).toEqual({ sh: true, bash: true });
      }
    }
  });

  it("escape sequences, C1 and bidi characters in names and answers: escaped in the text, \\u-escaped in the JSON", async () => {
    const username = "dev\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007\u202e\u009b2J";
    const group = "devs\u2066\u0085";
    const report = await run(
      world({
        callerArn: `arn:aws:sts::${ACCOUNT}:assumed-role/developer/alice\u202esession`,
        authn: { status: 201, username, groups: [group] },
      }),
    );
    const text = formatText({ ...report, cluster: { ...report.cluster, name: "prod\u001b[2J\u009b" } });
    const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
    expect(text).not.toMatch(UNSAFE);
    expect(text).toContain("eks-token doctor: cluster prod\\u001b[2J\\u009b in eu-west-1\n");
    expect(text).toContain("authenticates the token as dev\\u001b]8;;https://evil.example\\u0007click");
    const json = formatJson(report);
    expect(json).not.toMatch(UNSAFE);
    const parsed = JSON.parse(json) as ReturnType<typeof toJson> & {
      kubernetes: { username: string; groups: string[] };
    };
    expect(parsed.kubernetes).toEqual({ username, groups: [group] });
    expect(json).toContain("\\u202e\\u009b2J");
  });

  const OPERATIONS = ["DescribeCluster", "ListAccessEntries", "DescribeAccessEntry", "ListAssociatedAccessPolicies"];
  const FAILURES: [string, (op: string) => unknown][] = [
    ["throttle", (op) => new EksApiError("error", op, "ThrottlingException: Rate exceeded")],
    ["5xx", (op) => new EksApiError("error", op, "InternalFailure: We encountered an internal error")],
    ["404", (op) => new EksApiError("not-found", op, "UnknownError")],
    ["timeout", (op) => new EksApiError("timeout", op, `EKS ${op} did not answer within 5 s`)],
    ["reset", (op) => new EksApiError("unreachable", op, "cannot reach EKS: ECONNRESET")],
    ["an unexpected error", () => new TypeError("Cannot read properties of undefined (reading 'accessEntry')")],
  ];

  it("every failure of every EKS call is a check result naming it; the JSON stays valid", async () => {
    for (const op of OPERATIONS)
      for (const [what, make] of FAILURES) {
        const error = make(op) as Error;
        const report = await run(world({ eksErrors: { [op]: error } }));
        const named = report.checks.find((c) => c.detail.includes(error.message));
        expect(named, `${op} ${what}: ${formatText(report)}`).toBeDefined();
        expect(["fail", "warn", "skip"]).toContain(named!.status);
        expect(JSON.parse(formatJson(report)).checks).toHaveLength(9);
      }
  });

  it("STS, the credential chain and the API server failing unexpectedly: a report, never a throw", async () => {
    const base = deps(world());
    const boom = new TypeError("socket hang up");
    for (const broken of [
      { ...base, callSts: async () => Promise.reject(boom) },
      { ...base, resolveCredentials: async () => Promise.reject(boom) },
      { ...base, eks: async () => Promise.reject(boom) },
      { ...base, kube: () => ({ probe: async () => Promise.reject(boom), request: async () => Promise.reject(boom) }) },
    ] satisfies DoctorDeps[]) {
      const report = await runDoctor(FROM_KUBECONFIG, broken);
      expect(report.ok).toBe(false);
      expect(report.checks.some((c) => c.status === "fail" && c.detail.includes("socket hang up"))).toBe(true);
    }
  });

  it("a listing cut short: the check says so, and aws-auth never claims there is no access entry", async () => {
    const cut = "ListAccessEntries stopped after 20 pages";
    const report = await run(
      world({ mode: "API_AND_CONFIG_MAP", entries: {}, entriesCut: cut, awsAuth: { status: 404 } }),
    );
    const entry = check(report, "access-entry");
    expect(entry.status).toBe("warn");
    expect(entry.detail).toContain(`the list was cut (${cut}): whether it has one is not known`);
    expect(entry.fix).toBe("aws eks list-access-entries --cluster-name prod --region eu-west-1");
    const awsAuth = check(report, "aws-auth");
    expect(awsAuth.status).toBe("warn");
    expect(awsAuth.detail).not.toContain("no access entry");
    expect(awsAuth.detail).toContain("is not known");
  });

  it("aws-auth after ListAccessEntries failed: not known, never 'no access entry'", async () => {
    const report = await run(
      world({
        mode: "API_AND_CONFIG_MAP",
        eksErrors: {
          ListAccessEntries: new EksApiError("error", "ListAccessEntries", "ThrottlingException: Rate exceeded"),
        },
        awsAuth: { status: 200, data: { mapRoles: "[]" } },
      }),
    );
    expect(check(report, "access-entry")).toMatchObject({ status: "fail" });
    const awsAuth = check(report, "aws-auth");
    expect(awsAuth.status).toBe("warn");
    expect(awsAuth.detail).toBe(
      `no mapRoles/mapUsers entry; whether an access entry lets ${ROLE} in is not known (see access-entry)`,
    );
  });

  it("each call's time comes from what is left of the walk", async () => {
    let clock = 0;
    const seen: number[] = [];
    const base = deps(world());
    const report = await runDoctor(FROM_KUBECONFIG, {
      ...base,
      monotonic: () => clock,
      callSts: async (o) => {
        seen.push(o.timeoutMs ?? -1);
        clock += 12_000; // STS took about half the walk
        return base.callSts(o);
      },
      eks: async (o) => {
        expect(o.timeoutMs).toBe(5_000);
        seen.push(o.remainingMs!());
        return base.eks(o);
      },
      kube: (o) => {
        seen.push(o.remainingMs!());
        clock += 2_500;
        seen.push(o.remainingMs!());
        return base.kube(o);
      },
    });
    // EKS keeps API_SERVER_RESERVE_MS (5 s) of what is left for the API server's steps.
    expect(seen).toEqual([5_000, 8_000, 13_000, 10_500]);
    expect(report.checks).toHaveLength(9);
  });

  it("an endpoint override in the entry's env is shown, and no token goes there", async () => {
    const exec = {
      ...EKS_TOKEN_EXEC,
      env: [
        { name: "AWS_ENDPOINT_URL_STS", value: "https://sts.attacker.example" },
        { name: "AWS_ENDPOINT_URL", value: "https://all.attacker.example" },
      ],
    };
    const sent: CallStsOptions[] = [];
    const base = deps(world({ kubeconfig: kubeconfig(exec) }));
    const report = await runDoctor(FROM_KUBECONFIG, {
      ...base,
      callSts: async (o) => {
        sent.push(o);
        return base.callSts(o);
      },
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.env?.AWS_ENDPOINT_URL_STS).toBeUndefined();
    expect(sent[0]!.env?.AWS_ENDPOINT_URL).toBeUndefined();
    expect(sent[0]!.url).toMatch(/^https:\/\/sts\.eu-west-1\.amazonaws\.com\//);
    const c = check(report, "kubeconfig");
    expect(c.status).toBe("warn");
    expect(c.detail).toContain(
      "the entry's env points AWS_ENDPOINT_URL_STS at https://sts.attacker.example, AWS_ENDPOINT_URL at https://all.attacker.example",
    );
    expect(c.detail).toContain("doctor sends tokens only where your own environment points");

    // The same endpoint as the caller's own is no override: nothing to warn about.
    const same = deps(world({ kubeconfig: kubeconfig({ ...EKS_TOKEN_EXEC, env: [exec.env[0]!] }) }));
    const agreed = await runDoctor(FROM_KUBECONFIG, {
      ...same,
      env: { ...same.env, AWS_ENDPOINT_URL_STS: "https://sts.attacker.example" },
    });
    expect(check(agreed, "kubeconfig")).toMatchObject({ status: "pass" });
  });

  it("files, commands and credential endpoints the entry's env names are shown, and the chain gets the caller's", async () => {
    const named = {
      AWS_CONFIG_FILE: "kubeconfig-as-aws-config",
      AWS_SHARED_CREDENTIALS_FILE: "/tmp/planted/credentials",
      HOME: ".",
      PATH: "./bin",
      AWS_CONTAINER_CREDENTIALS_FULL_URI: "https://user:pw@creds.attacker.example/x?t=1",
      AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://imds.attacker.example",
      LD_PRELOAD: "./x.so",
      BASH_ENV: "kubeconfig",
    };
    const exec = {
      ...EKS_TOKEN_EXEC,
      env: [...Object.entries(named).map(([name, value]) => ({ name, value })), { name: "AWS_PROFILE", value: "dev" }],
    };
    const base = deps(world({ kubeconfig: kubeconfig(exec) }));
    const seen: Env[] = [];
    const report = await runDoctor(FROM_KUBECONFIG, {
      ...base,
      resolveCredentials: (target, env, ms) => {
        seen.push(env);
        return base.resolveCredentials(target, env, ms);
      },
    });
    expect(seen).toHaveLength(1);
    for (const name of Object.keys(named)) expect(seen[0]![name], name).toBe(base.env[name]);
    // What only names a profile is the entry's, as kubectl would pass it.
    expect(seen[0]!.AWS_PROFILE).toBe("dev");
    const c = check(report, "kubeconfig");
    expect(c.status).toBe("warn");
    expect(c.detail).toContain(
      "the entry's env sets AWS_CONFIG_FILE=kubeconfig-as-aws-config, AWS_SHARED_CREDENTIALS_FILE=/tmp/planted/credentials, HOME=., PATH=./bin, AWS_CONTAINER_CREDENTIALS_FULL_URI=https://creds.attacker.example/x, AWS_EC2_METADATA_SERVICE_ENDPOINT=http://imds.attacker.example",
    );
    expect(c.detail).toContain("doctor takes these from your own environment only");
    expect(c.detail).not.toContain("pw");
  });

  it("corners: no status from DescribeCluster, a 201 that is not a review, loader variables, a replaceable command", async () => {
    const noStatus = await run(world({ cluster: { status: undefined } }));
    expect(check(noStatus, "cluster").status).toBe("warn");
    expect(check(noStatus, "cluster").detail).toContain("DescribeCluster gave no status");
    expect(check(noStatus, "authenticate").status).toBe("pass");

    for (const value of [undefined, "not json", { status: {} }, { status: { userInfo: { username: 7 } } }]) {
      const r = await run(world({ reviewJson: { value } }));
      expect(check(r, "authenticate").status, JSON.stringify(value)).toBe("warn");
      expect(check(r, "authenticate").detail).toMatch(/^SelfSubjectReview answered HTTP 201 without a user in it/);
      expect(r.kubernetes).toBeUndefined();
      expect(r.verdict).not.toContain("authenticates as ''");
    }

    for (const name of [
      "NODE_OPTIONS",
      "BUN_OPTIONS",
      "LD_PRELOAD",
      "DYLD_INSERT_LIBRARIES",
      "BUN_BE_BUN",
      "BUN_INSPECT_PRELOAD",
      "SHELLOPTS",
      "PS4",
      "BASH_FUNC_aws%%",
    ]) {
      const exec = { ...EKS_TOKEN_EXEC, env: [{ name, value: "--require /tmp/x.js" }] };
      const c = check(await run(world({ kubeconfig: kubeconfig(exec) })), "kubeconfig");
      expect(c.status, name).toBe("warn");
      expect(c.detail).toContain(`the entry's env sets ${name}, which can make the command run other code`);
    }

    const replaced = check(await run(world({ replaceable: true })), "kubeconfig");
    expect(replaced.status).toBe("warn");
    expect(replaced.detail).toContain("/usr/bin/eks-token (or its folder) can be replaced by another user");
  });

  it("a 401 is explained by the failed check before a warning, and by a warning without a fix", async () => {
    const both = await run(world({ cluster: { status: undefined }, entries: {}, authn: { status: 401 } }));
    expect(check(both, "authenticate").detail).toMatch(/^401 Unauthorized: access-entry: no access entry for /);
    expect(check(both, "authenticate").fix).toBe(check(both, "access-entry").fix);
    const cut = await run(
      world({ entries: {}, entriesCut: "ListAccessEntries stopped after 20 pages", authn: { status: 401 } }),
    );
    expect(check(cut, "authenticate").detail).toMatch(
      /^401 Unauthorized: access-entry: no access entry for .* the list was cut/,
    );
  });

  it("exec args, env or a server of a type kubectl refuses: the kubeconfig check fails", async () => {
    const cases: [string, string][] = [
      [kubeconfig({ ...EKS_TOKEN_EXEC, args: ["token", "--cluster-name", 7] }), "exec args must be a list of strings"],
      [kubeconfig({ ...EKS_TOKEN_EXEC, args: "token --cluster-name prod" }), "exec args must be a list of strings"],
      [kubeconfig({ ...EKS_TOKEN_EXEC, env: [{ name: "AWS_PROFILE", value: 1 }] }), "exec env must be a list"],
      [kubeconfig({ ...EKS_TOKEN_EXEC, command: ["eks-token"] }), "the exec command is not a string"],
      [kubeconfig(EKS_TOKEN_EXEC, 6443 as unknown as string), "server is not a string"],
    ];
    for (const [text, why] of cases) {
      const calls: string[] = [];
      const report = await run(world({ kubeconfig: text }), FROM_KUBECONFIG, calls);
      expect(check(report, "kubeconfig"), why).toMatchObject({ status: "fail", detail: expect.stringContaining(why) });
      expect(calls).toEqual([]);
    }
  });
});
