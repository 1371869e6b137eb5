/**
 * `eks-token doctor`: walks the path a token takes, from the kubeconfig entry to the API server's
 * verdict, and says at which step kubectl would be Unauthorized or Forbidden and what fixes it.
 * Every side effect comes in through DoctorDeps; the whole walk is bounded in time.
 */
import type { ResolvedCredentials } from "../../aws/credentials.js";
import type { EksApi, EksApiOptions } from "../../aws/eks-api.js";
import type { CallStsOptions, StsResponse } from "../../aws/sts-client.js";
import type { TokenTarget } from "../../aws/target.js";
import { startDeadline } from "../../deadline.js";
import type { Env } from "../../env.js";
import { isEksTokenError } from "../../errors.js";
import { secretsOf } from "../../verify/sts.js";
import { verifyTokenShape } from "../../verify/rules.js";
import {
  canIRequest,
  checkAccessEntry,
  checkAuthenticate,
  checkAuthorize,
  checkAwsAuth,
  checkCluster,
  type EntryOutcome,
  type Where,
} from "./access.js";
import { checkCredentials, checkIdentity, checkToken, fullUserId } from "./identity.js";
import type { KubeApi, KubeApiOptions } from "./kube-client.js";
import { readKubeconfig, type DoctorTarget, type KubeconfigFiles } from "./kubeconfig.js";
import { CHECK_IDS, fail, scrubReport, skip, type Check, type CheckId, type DoctorReport } from "./report.js";
import type { Ports } from "../ports.js";
import { resolveTokenRequest, type TokenRequest } from "../token-request.js";

export type DoctorSource =
  | { readonly kind: "kubeconfig"; readonly context?: string | undefined; readonly kubeconfig?: string | undefined }
  | {
      readonly kind: "flags";
      readonly clusterName: string;
      readonly region?: string | undefined;
      readonly profile?: string | undefined;
      readonly roleArn?: string | undefined;
      readonly endpoint?: string | undefined;
      readonly caData?: string | undefined;
    };

export interface DoctorInput {
  readonly source: DoctorSource;
  readonly canI?:
    | { readonly verb: string; readonly resource: string; readonly namespace?: string | undefined }
    | undefined;
}

export interface DoctorDeps extends Pick<Ports, "env" | "now"> {
  /** A monotonic clock in milliseconds for the walk's bound (default performance.now). */
  readonly monotonic?: (() => number) | undefined;
  readonly files: KubeconfigFiles;
  resolveCredentials(target: TokenTarget, env: Env, timeoutMs: number): Promise<ResolvedCredentials>;
  callSts(options: CallStsOptions): Promise<StsResponse>;
  eks(options: EksApiOptions): Promise<EksApi>;
  kube(options: KubeApiOptions): KubeApi;
}

/** The whole walk ends within this, dead endpoints and all. */
export const DOCTOR_BUDGET_MS = 25_000;
/** The most one call may take; each call gets at most what is left of the walk. */
const STEP_MS = 5_000;
const CREDENTIALS_MS = 12_000;
/** Kept from the EKS calls for the API server's steps (aws-auth, authenticate, authorize). */
export const API_SERVER_RESERVE_MS = 5_000;

export async function runDoctor(input: DoctorInput, deps: DoctorDeps): Promise<DoctorReport> {
  const walk = startDeadline(DOCTOR_BUDGET_MS, deps.monotonic ?? (() => performance.now()));
  const remainingMs = () => walk.remainingMs();
  const budget = (ms: number) => Math.max(1, Math.min(ms, walk.remainingMs()));
  const checks = new Map<CheckId, Check>();
  const secrets: string[] = [];
  const canI = input.canI ? canIRequest(input.canI.verb, input.canI.resource, input.canI.namespace) : undefined;
  let identity: DoctorReport["identity"];
  let kubernetes: DoctorReport["kubernetes"];
  let clusterFacts: Record<string, string | boolean | undefined> = {};

  const finish = (): DoctorReport => {
    const list = CHECK_IDS.map((id) => checks.get(id) ?? skip(id, "not reached: an earlier check failed"));
    const authn = checks.get("authenticate")?.status === "pass";
    const authz = !canI || checks.get("authorize")?.status === "pass";
    const firstFail = list.find((c) => c.status === "fail");
    // Exit 0 needs the server's yes and no failed check (a skewed clock passes now and fails soon).
    const ok = authn && authz && firstFail === undefined;
    const verdict = ok
      ? `verdict: ok: kubectl authenticates as ${kubernetes?.username ?? "?"}${canI ? ` and may ${canI.verb} ${canI.resource}` : ""}`
      : firstFail
        ? `verdict: kubectl would fail at ${firstFail.id}: ${firstFail.detail}`
        : "verdict: not confirmed: the API server could not be asked";
    return scrubReport({ ok, cluster: clusterFacts, identity, kubernetes, checks: list, verdict }, secrets);
  };

  try {
    await walkSteps();
  } catch (e) {
    // Whatever a step did not expect is that step's result, never a crash without a report.
    const id = CHECK_IDS.find((x) => !checks.has(x)) ?? "authorize";
    const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
    checks.set(id, fail(id, `doctor could not finish this check: ${message}`));
  }
  return finish();

  async function walkSteps(): Promise<void> {
    // 1. kubeconfig
    let target: DoctorTarget | undefined;
    if (input.source.kind === "kubeconfig") {
      let reading: ReturnType<typeof readKubeconfig>;
      try {
        reading = readKubeconfig(input.source, deps.env, deps.files);
      } catch (e) {
        // A file over the read cap (a kubeconfig, or the CA file it names).
        if (!isEksTokenError(e)) throw e;
        checks.set("kubeconfig", fail("kubeconfig", e.reportLine));
        return;
      }
      checks.set("kubeconfig", reading.check);
      target = reading.target;
    } else {
      const s = input.source;
      target = {
        clusterName: s.clusterName,
        region: s.region,
        profile: s.profile,
        roleArn: s.roleArn,
        server: s.endpoint,
        caData: s.caData,
        execEnv: {},
      };
      checks.set("kubeconfig", skip("kubeconfig", `not read: cluster ${s.clusterName} given by flags`));
    }
    if (!target) return;
    // kubectl runs the plugin with the entry's env over its own; where AWS calls go, which files
    // and commands the credential chain uses and the loader variables are taken from the caller's
    // environment only (isCallerOnlyKey), so a kubeconfig makes doctor run nothing and send nothing.
    const env: Env = { ...deps.env, ...target.execEnv };
    clusterFacts = { name: target.clusterName, region: target.region, server: target.server };

    // 2. credentials (and the token, made by the token pipeline with them)
    let request: TokenRequest;
    try {
      request = await resolveTokenRequest(
        {
          clusterId: target.clusterName,
          region: target.region,
          profile: target.profile,
          roleArn: target.roleArn,
          sessionName: target.sessionName,
          externalId: target.externalId,
          forwardSessionName: target.forwardSessionName,
          output: "token",
          apiVersion: undefined,
          cache: false,
          cacheDir: undefined,
          debug: false,
        },
        env,
      );
    } catch (e) {
      if (!isEksTokenError(e)) throw e;
      checks.set("credentials", fail("credentials", e.hint ? `${e.message}; ${e.hint}` : e.message));
      return;
    }
    const region = request.target.region;
    clusterFacts = { ...clusterFacts, region };
    const w: Where = { clusterName: request.target.clusterId, region };
    const ports = { ...deps, env };
    const creds = await checkCredentials(request, ports, budget(CREDENTIALS_MS));
    checks.set("credentials", creds.check);
    if (creds.credentials) {
      secrets.push(creds.credentials.secretAccessKey, creds.credentials.sessionToken ?? "");
    }
    if (creds.token) {
      secrets.push(creds.token, creds.token.slice("k8s-aws-v1.".length));
      const shape = verifyTokenShape(creds.token, { now: deps.now() });
      if (shape.ok) secrets.push(...secretsOf(shape.facts.url));
    }

    // 3. identity, 4. token
    let principal: string | undefined;
    if (creds.token) {
      const id = await checkIdentity(creds.token, request, target.clusterAccount, ports, budget(STEP_MS));
      checks.set("identity", id.check);
      if (id.identity) {
        principal = id.identity.canonicalArn;
        identity = {
          account: id.identity.account,
          arn: id.identity.arn,
          principalArn: principal,
          userId: fullUserId(id.identity),
        };
      }
      checks.set("token", checkToken(creds.token, request, deps.now()));
    }

    // 5. cluster
    let eks: EksApi | undefined;
    if (creds.credentials && region)
      eks = await deps.eks({
        region,
        credentials: creds.credentials,
        timeoutMs: STEP_MS,
        remainingMs: () => remainingMs() - API_SERVER_RESERVE_MS,
      });
    const cluster = await checkCluster(
      w,
      eks,
      target.server,
      (server, caData) => deps.kube({ server, caData, timeoutMs: STEP_MS, remainingMs }),
      target.caData,
    );
    checks.set("cluster", cluster.check);
    if (cluster.cluster) {
      const c = cluster.cluster;
      clusterFacts = {
        ...clusterFacts,
        arn: c.arn,
        status: c.status,
        version: c.version,
        endpoint: c.endpoint,
        endpointPublicAccess: c.endpointPublicAccess,
        endpointPrivateAccess: c.endpointPrivateAccess,
        authenticationMode: c.authenticationMode,
      };
    }
    if (cluster.eksDead) eks = undefined;
    const mode = cluster.cluster?.authenticationMode;
    const kube = cluster.reachable ? cluster.kube : undefined;

    // 6. access-entry, 7. aws-auth
    const entry: EntryOutcome = await checkAccessEntry(w, eks, mode, principal, canI);
    checks.set("access-entry", entry.check);
    checks.set("aws-auth", await checkAwsAuth(w, mode, kube, creds.token, principal, entry.state, canI));

    // 8. authenticate, 9. authorize
    const earlier = [...checks.values()];
    const authn = await checkAuthenticate(w, kube, creds.token, earlier);
    checks.set("authenticate", authn.check);
    if (authn.user) kubernetes = authn.user;
    checks.set(
      "authorize",
      await checkAuthorize(
        w,
        kube,
        creds.token,
        canI,
        authn.check.status === "pass",
        principal,
        entry,
        kubernetes?.username,
      ),
    );
  }
}
