// A Kubernetes API server stand-in that authenticates `k8s-aws-v1.` tokens the way EKS does:
// the shape rules of src/verify/rules.ts, a GetCallerIdentity call at an STS emulator, then
// access entries / aws-auth and a tiny RBAC. HTTPS with its own CA, on an ephemeral port.
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isEksTokenError } from "../../src/errors.js";
import { verifyTokenShape } from "../../src/verify/rules.js";
import { callSts } from "../../src/verify/sts.js";
import { ClusterState } from "./cluster-state.js";
import {
  forbiddenMessage,
  type AccessEntry,
  type Access,
  type AwsAuth,
  type KubeUser,
  type RbacRule,
} from "./k8s-emulator-identity.js";
import {
  UNAUTHORIZED,
  apiGroupList,
  awsAuthConfigMap,
  apiVersions,
  authenticationResources,
  authorizationResources,
  coreResources,
  namespaceList,
  podList,
  podTable,
  selfSubjectAccessReview,
  selfSubjectReview,
  status,
  versionInfo,
  wantedTable,
  type PodSeed,
} from "./k8s-emulator-objects.js";
import { parseAccessReview } from "./k8s-emulator-review.js";
import { makeServerTls } from "./k8s-emulator-tls.js";
import { listenOnLoopback } from "./loopback-server.js";

export type { AccessEntry, AwsAuth, RbacRule, KubeUser } from "./k8s-emulator-identity.js";

export interface K8sEmulatorOptions {
  /** The cluster name/id the server signs into x-k8s-aws-id when it calls STS; state.name by default. */
  readonly clusterId?: string;
  /**
   * The cluster's access configuration, shared with the EKS API emulator: mode, access entries
   * and policies, aws-auth, RBAC. Read on every request, so changes apply at once. When given,
   * accessEntries/awsAuth/rbac are ignored and the server's URL and CA are written into it.
   */
  readonly state?: ClusterState;
  /** Base URL of the STS emulator; requests keep the token's Host header. */
  readonly stsUrl: string;
  readonly accessEntries?: readonly AccessEntry[];
  readonly awsAuth?: AwsAuth;
  readonly rbac?: readonly RbacRule[];
  readonly pods?: Readonly<Record<string, readonly string[]>>;
  /** Clock for the token-age rule (epoch ms); the real clock by default. */
  readonly now?: number | (() => number);
  /** The server gives STS 10 s; tests may shorten it. */
  readonly stsTimeoutMs?: number;
}

export interface K8sEmulator {
  readonly url: string;
  readonly caPem: string;
  /** base64 of caPem, for a kubeconfig's certificate-authority-data. */
  readonly caData: string;
  /** One line per authentication (and authorization) decision, with the reason. */
  readonly log: string[];
  readonly requests: number;
  /** The access configuration this server enforces (the one passed in, or one built from the options). */
  readonly state: ClusterState;
  /**
   * Answers requests for this path (after authentication) with a raw reply instead: a status and a
   * body as given (not JSON, or `bytes` long), as a broken or hostile server would. undefined clears it.
   */
  setReply(path: string, reply: RawReply | undefined): void;
  close(): Promise<void>;
}

export interface RawReply {
  readonly status: number;
  /** The body as written; or `{ bytes }`: that many bytes of a JSON-looking string, sent in chunks. */
  readonly body: string | { readonly bytes: number };
}

type Authn = { ok: true; user: KubeUser } | { ok: false; reason: string };

// Reachable without credentials, as with kube-apiserver's system:public-info-viewer.
const PUBLIC_PATHS: ReadonlySet<string> = new Set(["/version", "/healthz", "/livez", "/readyz"]);

export async function startK8sEmulator(options: K8sEmulatorOptions): Promise<K8sEmulator> {
  const named = options.clusterId ?? options.state?.name;
  if (named === undefined) throw new Error("startK8sEmulator needs clusterId or state");
  const clusterId: string = named;
  const state = options.state ?? ClusterState.fromLegacy(clusterId, options);
  const tls = await makeServerTls();
  const log: string[] = [];
  let requests = 0;
  const replies = new Map<string, RawReply>();
  const clock = (): number => (typeof options.now === "function" ? options.now() : (options.now ?? Date.now()));
  const startedAt = new Date(clock() - 5 * 60_000);
  const pods: PodSeed[] = Object.entries(options.pods ?? {}).flatMap(([namespace, names]) =>
    names.map((name) => ({ name, namespace, createdAt: startedAt })),
  );

  async function authenticate(header: string | undefined): Promise<Authn> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
    if (!m) return { ok: false, reason: "no bearer token" };
    const shape = verifyTokenShape(m[1]!, { now: clock() });
    if (!shape.ok) return { ok: false, reason: `${shape.rule}: ${shape.message}` };
    let identity: Awaited<ReturnType<typeof callSts>>;
    try {
      identity = await callSts({
        url: shape.facts.url,
        clusterId,
        env: { AWS_ENDPOINT_URL_STS: options.stsUrl },
        ...(options.stsTimeoutMs !== undefined ? { timeoutMs: options.stsTimeoutMs } : {}),
      });
    } catch (err) {
      if (!isEksTokenError(err)) throw err;
      return { ok: false, reason: `sts: ${err.message}` };
    }
    const caller = { ...identity, accessKeyId: shape.facts.accessKeyId };
    const user = state.mapCaller(caller);
    if (!user)
      return {
        ok: false,
        reason: `unmapped: ${identity.arn} (canonical ${identity.canonicalArn}) ${unmappedWhy(state)}`,
      };
    return { ok: true, user };
  }

  function send(res: ServerResponse, code: number, body: object): void {
    const text = JSON.stringify(body);
    res.writeHead(code, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      "cache-control": "no-cache, private",
    });
    res.end(text);
  }

  function authorize(res: ServerResponse, user: KubeUser, access: Access, name?: string): boolean {
    if (state.isAllowed(user, access)) return true;
    const message = forbiddenMessage(user, access, name);
    log.push(`forbid: ${message}`);
    send(res, 403, status(403, "Forbidden", message, { ...(name ? { name } : {}), kind: access.resource }));
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requests++;
    const url = new URL(req.url ?? "/", "https://emulator.invalid");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const method = req.method ?? "GET";
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);

    let user: KubeUser | undefined;
    if (req.headers.authorization !== undefined || !PUBLIC_PATHS.has(path)) {
      const authn = await authenticate(req.headers.authorization);
      if (!authn.ok) {
        log.push(`deny ${method} ${path}: ${authn.reason}`);
        send(res, 401, UNAUTHORIZED);
        return;
      }
      user = authn.user;
      log.push(`allow ${method} ${path}: user "${user.username}" groups [${user.groups.join(", ")}] via ${user.via}`);
    }
    const raw = replies.get(path);
    if (raw) {
      res.writeHead(raw.status, { "content-type": "application/json" });
      if (typeof raw.body === "string") return void res.end(raw.body);
      const chunk = Buffer.alloc(64 * 1024, "a");
      res.write('{"kind":"SelfSubjectReview","pad":"');
      for (let sent = 0; sent < raw.body.bytes && !res.destroyed; sent += chunk.length)
        if (!res.write(chunk)) await new Promise((r) => res.once("drain", r).once("close", r));
      return void res.end('"}');
    }

    if (method === "GET" && path === "/version") return send(res, 200, versionInfo());
    if (method === "GET" && (path === "/healthz" || path === "/livez" || path === "/readyz")) {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
      return;
    }
    if (!user) return send(res, 401, UNAUTHORIZED);
    if (method === "GET" && path === "/api") return send(res, 200, apiVersions(`127.0.0.1:${port}`));
    if (method === "GET" && path === "/apis") return send(res, 200, apiGroupList());
    if (method === "GET" && path === "/api/v1") return send(res, 200, coreResources());
    if (method === "GET" && path === "/apis/authentication.k8s.io/v1") return send(res, 200, authenticationResources());
    if (method === "POST" && path === "/apis/authentication.k8s.io/v1/selfsubjectreviews")
      return send(res, 201, selfSubjectReview(user));
    if (method === "GET" && path === "/apis/authorization.k8s.io/v1") return send(res, 200, authorizationResources());
    if (method === "POST" && path === "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") {
      const spec = parseAccessReview(body, req.headers["content-type"]);
      if (!spec)
        return send(
          res,
          400,
          status(400, "BadRequest", "the body is not a SelfSubjectAccessReview with resourceAttributes"),
        );
      const attrs = spec.resourceAttributes;
      const allowed = state.isAllowed(user, {
        verb: attrs.verb ?? "",
        resource: attrs.resource ?? "",
        namespace: attrs.namespace || undefined,
        apiGroup: attrs.group ?? "",
      });
      return send(res, 201, selfSubjectAccessReview(spec, allowed));
    }
    if (method === "GET" && path === "/api/v1/namespaces") {
      if (!authorize(res, user, { verb: "list", resource: "namespaces", namespace: undefined })) return;
      return send(res, 200, namespaceList(Object.keys(options.pods ?? {}), startedAt));
    }
    const podsPath = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?$/.exec(path);
    if (method === "GET" && podsPath) {
      const namespace = decodeURIComponent(podsPath[1]!);
      const name = podsPath[2] === undefined ? undefined : decodeURIComponent(podsPath[2]);
      if (!authorize(res, user, { verb: name === undefined ? "list" : "get", resource: "pods", namespace }, name))
        return;
      const selected = pods.filter((p) => p.namespace === namespace && (name === undefined || p.name === name));
      if (name !== undefined && selected.length === 0) {
        return send(res, 404, status(404, "NotFound", `pods "${name}" not found`, { name, kind: "pods" }));
      }
      const table = wantedTable(req.headers.accept);
      if (table) return send(res, 200, podTable(selected, new Date(clock()), table));
      if (name !== undefined) return send(res, 200, (podList(selected) as { items: object[] }).items[0]!);
      return send(res, 200, podList(selected));
    }
    const configMapPath = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps\/([^/]+)$/.exec(path);
    if (method === "GET" && configMapPath) {
      const namespace = decodeURIComponent(configMapPath[1]!);
      const name = decodeURIComponent(configMapPath[2]!);
      if (!authorize(res, user, { verb: "get", resource: "configmaps", namespace }, name)) return;
      const data = namespace === "kube-system" && name === "aws-auth" ? state.awsAuthData() : undefined;
      if (!data)
        return send(res, 404, status(404, "NotFound", `configmaps "${name}" not found`, { name, kind: "configmaps" }));
      return send(res, 200, awsAuthConfigMap({ ...data }, startedAt));
    }
    send(res, 404, status(404, "NotFound", "the server could not find the requested resource"));
  }

  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.push(`error ${req.method} ${req.url}: ${(err as Error).message}`);
      if (!res.headersSent) send(res, 500, status(500, "InternalError", "internal error"));
      else res.destroy();
    });
  });
  const { port, close } = await listenOnLoopback(server);
  const url = `https://127.0.0.1:${port}`;
  const caData = Buffer.from(tls.caPem).toString("base64");
  if (options.state) {
    options.state.endpoint = url;
    options.state.certificateAuthorityData = caData;
  }

  return {
    url,
    caPem: tls.caPem,
    caData,
    log,
    state,
    setReply: (path, reply) => {
      if (reply) replies.set(path, reply);
      else replies.delete(path);
    },
    get requests() {
      return requests;
    },
    close,
  };
}

function unmappedWhy(state: ClusterState): string {
  switch (state.authenticationMode) {
    case "API":
      return "has no access entry (mode API ignores aws-auth)";
    case "CONFIG_MAP":
      return "is not in aws-auth (mode CONFIG_MAP ignores access entries)";
    default:
      return "is in no access entry and not in aws-auth";
  }
}
