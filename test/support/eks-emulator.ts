// A local Amazon EKS control-plane API for tests, speaking REST JSON as @aws-sdk/client-eks does:
// ListClusters (paged, scoped like the rest), DescribeCluster, the access-entry reads (with nextToken/maxResults paging) and the writes that
// fix access (CreateAccessEntry, AssociateAccessPolicy, DeleteAccessEntry). Requests are
// SigV4-verified by the independent test signer against the STS emulator's keys; the caller's
// account and the credential scope's region select the cluster, as in AWS. The clusters are
// ClusterState objects shared with the Kubernetes emulator. Listens on 127.0.0.1 only.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { ACCESS_POLICY_ARN_PREFIX, ACCESS_POLICIES } from "./access-policies.js";
import type { AccessEntryRecord, AccessEntryType, AssociatedPolicy, ClusterState } from "./cluster-state.js";
import { sendEndlessBody } from "./endless-body.js";
import { listenOnLoopback } from "./loopback-server.js";
import { verifyAuthorizationHeader, type VerifyErrorCode } from "./sigv4.js";
import type { KnownAccessKey } from "./sts-emulator.js";

export const EKS_OPERATIONS = [
  "ListClusters",
  "DescribeCluster",
  "ListAccessEntries",
  "DescribeAccessEntry",
  "ListAssociatedAccessPolicies",
  "CreateAccessEntry",
  "AssociateAccessPolicy",
  "DeleteAccessEntry",
] as const;
export type EksOperation = (typeof EKS_OPERATIONS)[number];

export interface EksEmulatorOptions {
  /** Where caller keys come from: the STS emulator that issued or was given them. */
  readonly sts: { lookupAccessKey(accessKeyId: string): KnownAccessKey | undefined };
  readonly clusters: ClusterState | readonly ClusterState[];
  /** Clock for signature dates and the Date header (epoch ms). */
  readonly now?: () => number;
}

export interface EksRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly operation: EksOperation | undefined;
  /** The signer's ARN as GetCallerIdentity reports it, once the signature checked out. */
  callerArn?: string;
  region?: string;
  status?: number;
  errorType?: string;
}

export interface DenyOptions {
  /** Only this caller (its GetCallerIdentity ARN) is denied; everyone when absent. */
  readonly callerArn?: string;
  /** Denies this many requests, then allows again; until cleared when absent. */
  readonly times?: number;
}

/**
/**
 * What a broken or hostile endpoint does, applied on arrival to matching requests (every operation,
 * account and region when absent): never answer; answer a raw status and body (a throttle, a 5xx,
 * a 404 that is not JSON); 429 TooManyRequestsException, as EKS answers under load; drop the
 * connection; answer 200 with a body that never ends; answer late; or (for the listings) page forever.
 */
export type EksFault = {
  readonly operation?: EksOperation;
  readonly region?: string;
  readonly accountId?: string;
} & (
  | { readonly kind: "hang" }
  | { readonly kind: "reply"; readonly status: number; readonly errorType?: string; readonly body: string }
  | { readonly kind: "throttle" }
  | { readonly kind: "reset" }
  | { readonly kind: "endless" }
  | { readonly kind: "delay"; readonly ms: number }
  | { readonly kind: "endless-pages"; readonly delayMs?: number }
);

export interface EksEmulator {
  readonly url: string;
  readonly port: number;
  readonly requests: EksRequestRecord[];
  /** Requests per operation, counted on arrival. */
  readonly calls: Record<EksOperation, number>;
  /** Answers the operation with AccessDeniedException (HTTP 403), as a missing IAM permission does. */
  denyAccess(operation: EksOperation, options?: DenyOptions): void;
  clearDenials(): void;
  /** Applies to matching requests until used `times` times (default: until cleared). */
  setFault(fault: EksFault, times?: number): void;
  clearFaults(): void;
  /**
   * The region is not enabled for the account (an opt-in region): every request signed for it
   * gets 403 UnrecognizedClientException, as AWS answers there.
   */
  disableRegion(accountId: string, region: string): void;
  /** Most requests in flight at once, overall and for any one account and region. */
  readonly inFlight: { readonly max: number; readonly maxPerAccountRegion: number };
  /** Each answer waits this long (ms) first, like a far region; 0 by default. */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

/** An error as EKS sends it: the type in x-amzn-errortype, a JSON body with message (and context). */
class EksError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

// The codes the test verifier gives, as REST JSON services name them.
const AUTH_ERRORS: Record<VerifyErrorCode, string> = {
  SignatureDoesNotMatch: "InvalidSignatureException",
  InvalidClientTokenId: "UnrecognizedClientException",
  ExpiredToken: "ExpiredTokenException",
  IncompleteSignature: "IncompleteSignatureException",
  AccessDenied: "AccessDeniedException",
  MissingAuthenticationToken: "MissingAuthenticationTokenException",
  AuthorizationQueryParametersError: "IncompleteSignatureException",
};

const MAX_RESULTS = 100;
const STS_SESSION_ARN = /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\//;
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]+$/;

interface Route {
  readonly operation: EksOperation;
  readonly clusterName: string;
  readonly principalArn?: string;
}

/** Matches the SDK's URI templates; labels arrive percent-encoded ('/' in an ARN as %2F). */
function route(method: string, path: string): Route | undefined {
  const raw = path.split("/").slice(1);
  if (raw[0] === "clusters" && raw.length === 1 && method === "GET")
    return { operation: "ListClusters", clusterName: "" };
  if (raw[0] !== "clusters" || raw.length < 2) return undefined;
  let segments: string[];
  try {
    segments = raw.map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  const [, clusterName, collection, principalArn, policies] = segments as [string, string, string?, string?, string?];
  if (clusterName === "") return undefined;
  if (segments.length === 2 && method === "GET") return { operation: "DescribeCluster", clusterName };
  if (collection !== "access-entries") return undefined;
  if (segments.length === 3) {
    if (method === "GET") return { operation: "ListAccessEntries", clusterName };
    if (method === "POST") return { operation: "CreateAccessEntry", clusterName };
    return undefined;
  }
  if (principalArn === undefined || principalArn === "") return undefined;
  if (segments.length === 4) {
    if (method === "GET") return { operation: "DescribeAccessEntry", clusterName, principalArn };
    if (method === "DELETE") return { operation: "DeleteAccessEntry", clusterName, principalArn };
    return undefined;
  }
  if (segments.length === 5 && policies === "access-policies") {
    if (method === "GET") return { operation: "ListAssociatedAccessPolicies", clusterName, principalArn };
    if (method === "POST") return { operation: "AssociateAccessPolicy", clusterName, principalArn };
  }
  return undefined;
}

/** restJson1 timestamps: epoch seconds. */
const epochSeconds = (ms: number) => ms / 1000;

function clusterDocument(state: ClusterState): object {
  return {
    name: state.name,
    arn: state.arn,
    createdAt: epochSeconds(state.createdAt),
    version: state.version,
    ...(state.endpoint && state.status !== "CREATING" ? { endpoint: state.endpoint } : {}),
    roleArn: `arn:aws:iam::${state.accountId}:role/eks-cluster-role`,
    resourcesVpcConfig: {
      subnetIds: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
      securityGroupIds: [],
      clusterSecurityGroupId: "sg-0a1b2c3d4e5f60003",
      vpcId: "vpc-0a1b2c3d4e5f60004",
      endpointPublicAccess: state.endpointPublicAccess,
      endpointPrivateAccess: state.endpointPrivateAccess,
      publicAccessCidrs: [...state.publicAccessCidrs],
    },
    kubernetesNetworkConfig: { serviceIpv4Cidr: "10.100.0.0/16", ipFamily: "ipv4" },
    logging: {
      clusterLogging: [{ types: ["api", "audit", "authenticator", "controllerManager", "scheduler"], enabled: false }],
    },
    identity: {
      oidc: { issuer: `https://oidc.eks.${state.region}.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF` },
    },
    status: state.status,
    // Neither the endpoint nor the CA exist before the cluster is ACTIVE.
    ...(state.status === "CREATING" ? {} : { certificateAuthority: { data: state.certificateAuthorityData } }),
    platformVersion: state.platformVersion,
    tags: {},
    health: { issues: [] },
    accessConfig: { authenticationMode: state.authenticationMode },
    upgradePolicy: { supportType: "STANDARD" },
  };
}

function entryDocument(state: ClusterState, entry: AccessEntryRecord): object {
  return {
    clusterName: state.name,
    principalArn: entry.principalArn,
    kubernetesGroups: [...entry.kubernetesGroups],
    accessEntryArn: entry.accessEntryArn,
    createdAt: epochSeconds(entry.createdAt),
    modifiedAt: epochSeconds(entry.modifiedAt),
    tags: { ...entry.tags },
    username: entry.username,
    type: entry.type,
  };
}

function policyDocument(policy: AssociatedPolicy): object {
  return {
    policyArn: policy.policyArn,
    accessScope:
      policy.accessScope.type === "cluster"
        ? { type: "cluster", namespaces: [] }
        : { type: "namespace", namespaces: [...policy.accessScope.namespaces] },
    associatedAt: epochSeconds(policy.associatedAt),
    modifiedAt: epochSeconds(policy.modifiedAt),
  };
}

function invalid(message: string, fields: Record<string, string> = {}): EksError {
  return new EksError(400, "InvalidParameterException", message, fields);
}

/** One page of items: nextToken is opaque to clients and bound to the listing it came from. */
function page<T>(items: readonly T[], query: URLSearchParams, listing: string): { items: T[]; nextToken?: string } {
  const rawMax = query.get("maxResults");
  const max = rawMax === null ? MAX_RESULTS : Number(rawMax);
  if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
    throw invalid(`maxResults must be between 1 and ${MAX_RESULTS}`);
  }
  let start = 0;
  const token = query.get("nextToken");
  if (token !== null) {
    let decoded: { l?: unknown; o?: unknown } | undefined;
    try {
      decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    } catch {
      decoded = undefined;
    }
    if (decoded?.l !== listing || typeof decoded.o !== "number" || !Number.isInteger(decoded.o) || decoded.o < 0) {
      throw invalid("The nextToken provided is not valid.");
    }
    start = decoded.o;
  }
  const end = start + max;
  return {
    items: items.slice(start, end),
    ...(end < items.length
      ? { nextToken: Buffer.from(JSON.stringify({ l: listing, o: end })).toString("base64url") }
      : {}),
  };
}

function parseBody(body: string): Record<string, unknown> {
  if (body === "") return {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new EksError(400, "BadRequestException", "The request body is not a JSON object.");
}

const stringList = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined;

function checkPrincipalArn(arn: unknown, clusterName: string): string {
  if (typeof arn !== "string" || !PRINCIPAL_ARN.test(arn)) {
    // EKS refuses STS session ARNs: an entry names the IAM role itself.
    const why =
      typeof arn === "string" && STS_SESSION_ARN.test(arn)
        ? " An access entry takes the IAM role ARN, not an STS assumed-role session ARN."
        : "";
    throw invalid(`The principalArn parameter format is not valid.${why}`, { clusterName });
  }
  return arn;
}

interface Context {
  readonly state: ClusterState;
  readonly route: Route;
  readonly query: URLSearchParams;
  readonly body: string;
}

function requireEntry(ctx: Context): AccessEntryRecord {
  const entry = ctx.state.accessEntry(ctx.route.principalArn!);
  if (!entry) {
    throw new EksError(
      404,
      "ResourceNotFoundException",
      "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.",
      {
        clusterName: ctx.state.name,
      },
    );
  }
  return entry;
}

const OPERATIONS: Record<Exclude<EksOperation, "ListClusters">, (ctx: Context) => { status: number; body: object }> = {
  DescribeCluster: ({ state }) => ({ status: 200, body: { cluster: clusterDocument(state) } }),

  ListAccessEntries: ({ state, query }) => {
    const filter = query.get("associatedPolicyArn");
    if (
      filter !== null &&
      !(
        filter.startsWith(ACCESS_POLICY_ARN_PREFIX) &&
        Object.hasOwn(ACCESS_POLICIES, filter.slice(ACCESS_POLICY_ARN_PREFIX.length))
      )
    ) {
      throw invalid(`The associatedPolicyArn ${filter} is not a valid access policy ARN.`, { clusterName: state.name });
    }
    const arns = state
      .accessEntries()
      .filter((e) => filter === null || e.policies.some((p) => p.policyArn === filter))
      .map((e) => e.principalArn);
    const { items, nextToken } = page(arns, query, `entries:${state.arn}:${filter ?? ""}`);
    return { status: 200, body: { accessEntries: items, ...(nextToken ? { nextToken } : {}) } };
  },

  DescribeAccessEntry: (ctx) => ({ status: 200, body: { accessEntry: entryDocument(ctx.state, requireEntry(ctx)) } }),

  ListAssociatedAccessPolicies: (ctx) => {
    const entry = requireEntry(ctx);
    const { items, nextToken } = page(entry.policies, ctx.query, `policies:${entry.accessEntryArn}`);
    return {
      status: 200,
      body: {
        clusterName: ctx.state.name,
        principalArn: entry.principalArn,
        ...(nextToken ? { nextToken } : {}),
        associatedAccessPolicies: items.map(policyDocument),
      },
    };
  },

  CreateAccessEntry: ({ state, body }) => {
    const input = parseBody(body);
    const principalArn = checkPrincipalArn(input.principalArn, state.name);
    if (state.accessEntry(principalArn)) {
      throw new EksError(
        409,
        "ResourceInUseException",
        `The specified access entry resource is already in use on this cluster.`,
        { clusterName: state.name },
      );
    }
    const groups = input.kubernetesGroups === undefined ? [] : stringList(input.kubernetesGroups);
    if (!groups) throw invalid("kubernetesGroups must be a list of strings.", { clusterName: state.name });
    const entry = state.putAccessEntry({
      principalArn,
      kubernetesGroups: groups,
      ...(typeof input.username === "string" ? { username: input.username } : {}),
      ...(typeof input.type === "string" ? { type: input.type as AccessEntryType } : {}),
      ...(typeof input.tags === "object" && input.tags !== null ? { tags: input.tags as Record<string, string> } : {}),
    });
    return { status: 200, body: { accessEntry: entryDocument(state, entry) } };
  },

  AssociateAccessPolicy: (ctx) => {
    const entry = requireEntry(ctx);
    const input = parseBody(ctx.body);
    const policyArn = input.policyArn;
    if (
      typeof policyArn !== "string" ||
      !policyArn.startsWith(ACCESS_POLICY_ARN_PREFIX) ||
      !Object.hasOwn(ACCESS_POLICIES, policyArn.slice(ACCESS_POLICY_ARN_PREFIX.length))
    ) {
      throw new EksError(404, "ResourceNotFoundException", `The specified policyArn could not be found.`, {
        clusterName: ctx.state.name,
      });
    }
    const scope = input.accessScope as { type?: unknown; namespaces?: unknown } | undefined;
    const namespaces = stringList(scope?.namespaces ?? []);
    if (
      (scope?.type !== "cluster" && scope?.type !== "namespace") ||
      !namespaces ||
      (scope.type === "namespace" && namespaces.length === 0)
    ) {
      throw invalid("accessScope must have type cluster, or type namespace with at least one namespace.", {
        clusterName: ctx.state.name,
      });
    }
    ctx.state.associateAccessPolicy(entry.principalArn, policyArn, scope.type === "cluster" ? undefined : namespaces);
    const associated = ctx.state.accessEntry(entry.principalArn)!.policies.find((p) => p.policyArn === policyArn)!;
    return {
      status: 200,
      body: {
        clusterName: ctx.state.name,
        principalArn: entry.principalArn,
        associatedAccessPolicy: policyDocument(associated),
      },
    };
  },

  DeleteAccessEntry: (ctx) => {
    ctx.state.deleteAccessEntry(requireEntry(ctx).principalArn);
    return { status: 200, body: {} };
  },
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startEksEmulator(options: EksEmulatorOptions): Promise<EksEmulator> {
  const clusters: readonly ClusterState[] = Array.isArray(options.clusters)
    ? options.clusters
    : [options.clusters as ClusterState];
  const now = options.now ?? Date.now;
  const requests: EksRequestRecord[] = [];
  const calls = Object.fromEntries(EKS_OPERATIONS.map((op) => [op, 0])) as Record<EksOperation, number>;
  const denials: Array<{ operation: EksOperation; callerArn?: string; remaining: number }> = [];
  const faults: Array<{ fault: EksFault; remaining: number }> = [];
  const disabled = new Set<string>();
  const inFlight = { now: 0, max: 0, per: new Map<string, number>(), maxPerAccountRegion: 0 };
  let latencyMs = 0;

  /** The first fault that matches the request (and uses it up), else undefined. */
  function takeFault(operation: EksOperation | undefined, accountId?: string, region?: string): EksFault | undefined {
    const index = faults.findIndex(
      (f) =>
        f.remaining > 0 &&
        (f.fault.operation === undefined || f.fault.operation === operation) &&
        (f.fault.region === undefined || f.fault.region === region) &&
        (f.fault.accountId === undefined || f.fault.accountId === accountId),
    );
    if (index < 0) return undefined;
    const { fault } = faults[index]!;
    if (--faults[index]!.remaining <= 0) faults.splice(index, 1);
    return fault;
  }
  let pageCount = 0;

  /** Clusters of the caller's account in the signed region, in creation order. */
  function listClusters(caller: KnownAccessKey, region: string, query: URLSearchParams): object {
    const include = query.get("include");
    const names = clusters
      .filter((c) => c.accountId === caller.accountId && c.region === region)
      .filter((c) => include === "all" || c.status !== "PENDING")
      .map((c) => c.name);
    const { items, nextToken } = page(names, query, `clusters:${caller.accountId}:${region}:${include ?? ""}`);
    return { clusters: items, ...(nextToken ? { nextToken } : {}) };
  }

  function authenticate(
    req: IncomingMessage,
    body: string,
    record: EksRequestRecord,
  ): { caller: KnownAccessKey; region: string } {
    const result = verifyAuthorizationHeader({
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers: req.headers,
      body,
      secretForAccessKey: (id) => options.sts.lookupAccessKey(id)?.key,
      now: now(),
    });
    if (!result.ok) {
      const message =
        result.code === "InvalidClientTokenId"
          ? "The security token included in the request is invalid."
          : result.message;
      throw new EksError(403, AUTH_ERRORS[result.code], message);
    }
    if (result.service !== "eks")
      throw new EksError(403, "InvalidSignatureException", "Credential should be scoped to correct service: 'eks'. ");
    const caller = options.sts.lookupAccessKey(result.accessKeyId)!;
    record.callerArn = caller.arn;
    record.region = result.region;
    return { caller, region: result.region };
  }

  function checkDenied(operation: EksOperation, caller: KnownAccessKey, resource: string): void {
    const index = denials.findIndex(
      (d) => d.operation === operation && d.remaining > 0 && (d.callerArn === undefined || d.callerArn === caller.arn),
    );
    if (index < 0) return;
    const denial = denials[index]!;
    if (--denial.remaining <= 0) denials.splice(index, 1);
    throw new EksError(
      403,
      "AccessDeniedException",
      `User: ${caller.arn} is not authorized to perform: eks:${operation} on resource: ${resource}`,
    );
  }

  function send(res: ServerResponse, record: EksRequestRecord, status: number, body: object, errorType?: string): void {
    const text = JSON.stringify(body);
    record.status = status;
    if (errorType) record.errorType = errorType;
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      "x-amzn-requestid": randomUUID(),
      date: new Date(now()).toUTCString(),
      ...(errorType ? { "x-amzn-errortype": errorType } : {}),
    });
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const [rawPath = "/", rawQuery = ""] = (req.url ?? "/").split("?", 2);
    const method = req.method ?? "GET";
    const matched = route(method, rawPath);
    const record: EksRequestRecord = { method, path: rawPath, operation: matched?.operation };
    requests.push(record);
    // Faults without a scope apply before the signature is read (a hang holds the request whole).
    const early = faults.some((f) => f.fault.region === undefined && f.fault.accountId === undefined);
    const earlyFault = early ? takeFault(matched?.operation) : undefined;
    if (earlyFault?.kind === "hang") return;
    if (earlyFault?.kind === "endless") return sendEndlessBody(res);
    if (earlyFault?.kind === "reset") return void req.socket.destroy();
    if (earlyFault?.kind === "delay" || (earlyFault?.kind === "endless-pages" && earlyFault.delayMs))
      await new Promise((r) => setTimeout(r, earlyFault.kind === "delay" ? earlyFault.ms : (earlyFault.delayMs ?? 0)));
    if (earlyFault?.kind === "reply") {
      record.status = earlyFault.status;
      res.writeHead(earlyFault.status, {
        "content-type": "application/json",
        ...(earlyFault.errorType ? { "x-amzn-errortype": earlyFault.errorType } : {}),
      });
      return void res.end(earlyFault.body);
    }
    let key: string | undefined;
    try {
      const { caller, region } = authenticate(req, body, record);
      if (!matched) throw new EksError(404, "UnknownOperationException", "");
      calls[matched.operation]++;
      key = `${caller.accountId}/${region}`;
      inFlight.now++;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      const per = (inFlight.per.get(key) ?? 0) + 1;
      inFlight.per.set(key, per);
      inFlight.maxPerAccountRegion = Math.max(inFlight.maxPerAccountRegion, per);
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
      const fault = earlyFault ?? takeFault(matched.operation, caller.accountId, region);
      if (fault?.kind === "hang") return;
      if (fault?.kind === "endless") return sendEndlessBody(res);
      if (fault?.kind === "throttle") throw new EksError(429, "TooManyRequestsException", "Rate exceeded");
      if (fault?.kind === "reset") return void req.socket.destroy();
      if (fault?.kind === "delay" && fault !== earlyFault) await new Promise((r) => setTimeout(r, fault.ms));
      if (fault?.kind === "reply") {
        record.status = fault.status;
        res.writeHead(fault.status, {
          "content-type": "application/json",
          ...(fault.errorType ? { "x-amzn-errortype": fault.errorType } : {}),
        });
        return void res.end(fault.body);
      }
      if (fault?.kind === "endless-pages") {
        const arn = `arn:aws:iam::${caller.accountId}:role/paged-${++pageCount}`;
        const items =
          matched?.operation === "ListAssociatedAccessPolicies"
            ? {
                associatedAccessPolicies: [
                  {
                    policyArn: `arn:aws:eks::aws:cluster-access-policy/P${pageCount}`,
                    accessScope: { type: "cluster" },
                  },
                ],
              }
            : { accessEntries: [arn] };
        return send(res, record, 200, { ...items, nextToken: randomUUID() });
      }
      if (disabled.has(`${caller.accountId}/${region}`)) {
        throw new EksError(
          403,
          "UnrecognizedClientException",
          "The security token included in the request is invalid.",
        );
      }
      if (matched.operation === "ListClusters") {
        checkDenied(matched.operation, caller, `arn:aws:eks:${region}:${caller.accountId}:cluster/*`);
        send(res, record, 200, listClusters(caller, region, new URLSearchParams(rawQuery)));
        return;
      }
      const arnInScope = `arn:aws:eks:${region}:${caller.accountId}:cluster/${matched.clusterName}`;
      checkDenied(matched.operation, caller, arnInScope);
      // A cluster is found only in the caller's own account and the region signed for.
      const state = clusters.find(
        (c) => c.name === matched.clusterName && c.accountId === caller.accountId && c.region === region,
      );
      if (!state) {
        throw new EksError(404, "ResourceNotFoundException", `No cluster found for name: ${matched.clusterName}.`, {
          clusterName: matched.clusterName,
        });
      }
      const answer = OPERATIONS[matched.operation]({
        state,
        route: matched,
        query: new URLSearchParams(rawQuery),
        body,
      });
      send(res, record, answer.status, answer.body);
    } catch (error) {
      if (!(error instanceof EksError)) throw error;
      send(res, record, error.status, { ...error.fields, message: error.message }, error.type);
    } finally {
      if (key !== undefined) {
        inFlight.now--;
        inFlight.per.set(key, (inFlight.per.get(key) ?? 1) - 1);
      }
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json", "x-amzn-errortype": "ServerException" });
        res.end(JSON.stringify({ message: "internal error" }));
      } else {
        res.destroy();
      }
    });
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    calls,
    denyAccess: (operation, deny = {}) => {
      denials.push({
        operation,
        ...(deny.callerArn !== undefined ? { callerArn: deny.callerArn } : {}),
        remaining: deny.times ?? Number.POSITIVE_INFINITY,
      });
    },
    clearDenials: () => {
      denials.length = 0;
    },
    setFault: (fault, times = Number.POSITIVE_INFINITY) => {
      faults.push({ fault, remaining: times });
    },
    clearFaults: () => {
      faults.length = 0;
    },
    disableRegion: (accountId, region) => {
      disabled.add(`${accountId}/${region}`);
    },
    get inFlight() {
      return { max: inFlight.max, maxPerAccountRegion: inFlight.maxPerAccountRegion };
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    close,
  };
}
