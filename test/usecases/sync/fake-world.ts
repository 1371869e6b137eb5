// An in-memory AWS for the sync use case: SSO accounts and roles, EKS clusters per account and
// region, enabled regions, profiles; faults on demand; a virtual clock that never waits; and
// in-memory kubeconfig files. Everything a sync touches, so its rules can be checked exactly.
import { EksTokenError } from "../../../src/errors.js";
import type { Clock } from "../../../src/usecases/sync/pacing.js";
import type {
  AwsConfigView,
  AwsCredentials,
  DescribedEksCluster,
  SyncAwsPorts,
  SyncDeps,
} from "../../../src/usecases/sync/ports.js";
import { type SyncInput, SYNC_DEFAULTS } from "../../../src/usecases/sync/sync.js";

export interface WorldCluster {
  name: string;
  status?: string;
  connected?: boolean;
  /** What DescribeCluster answers as the endpoint, when not the usual https one. */
  endpoint?: string;
}

export interface WorldAccount {
  id: string;
  name: string;
  roles: string[];
  /** region -> clusters */
  clusters: Record<string, WorldCluster[]>;
  /** Enabled regions (ListRegions); default-enabled set when absent. */
  regions?: string[];
}

export type Fault = "throttle" | "deny" | "disabled" | "hang" | "error";

export const error = (name: string, status = 400) =>
  Object.assign(new Error(`${name} from the fake`), { name, $metadata: { httpStatusCode: status } });

export class FakeWorld {
  accounts: WorldAccount[] = [];
  profiles: Record<string, { account: string; arn: string }> = {};
  /** Faults by key: `eks:ACCOUNT:ROLE:REGION` (ROLE or REGION may be *), `portal:Route`, `regions:ACCOUNT`. */
  faults = new Map<string, { fault: Fault; times: number }>();
  expiredToken = false;
  calls = {
    ListAccounts: 0,
    ListAccountRoles: 0,
    GetRoleCredentials: 0,
    ListClusters: 0,
    DescribeCluster: 0,
    ListRegions: 0,
    GetCallerIdentity: 0,
  };
  portalTimes: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  perKey = new Map<string, number>();
  maxPerKey = 0;
  eksClients = 0;
  files = new Map<string, string>();
  t = 0;
  pageSize = 2;
  /** ListClusters answers every page with the same next token, as a broken endpoint could. */
  endlessClusterPages = false;

  private timers: Array<{ at: number; resolve: () => void }> = [];
  private ticking = false;

  /** Virtual time: a sleep ends at now + ms; pending sleeps end in order of their end time. */
  readonly clock: Clock = {
    now: () => this.t,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        this.timers.push({ at: this.t + ms, resolve });
        this.tick();
      }),
  };

  private tick(): void {
    if (this.ticking) return;
    this.ticking = true;
    setImmediate(() => {
      this.ticking = false;
      this.timers.sort((a, b) => a.at - b.at);
      const first = this.timers.shift();
      if (!first) return;
      this.t = Math.max(this.t, first.at);
      first.resolve();
      if (this.timers.length > 0) this.tick();
    });
  }

  fault(key: string, fault: Fault, times = Number.POSITIVE_INFINITY): void {
    this.faults.set(key, { fault, times });
  }

  private take(...keys: string[]): Fault | undefined {
    for (const key of keys) {
      const f = this.faults.get(key);
      if (f && f.times > 0) {
        f.times--;
        return f.fault;
      }
    }
    return undefined;
  }

  private raise(f: Fault | undefined, signal: AbortSignal): Promise<void> {
    if (f === "throttle") throw error("TooManyRequestsException", 429);
    if (f === "deny") throw error("AccessDeniedException", 403);
    if (f === "disabled") throw error("UnrecognizedClientException", 403);
    if (f === "error") throw error("ServiceUnavailableException", 503);
    if (f === "hang") return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    return Promise.resolve();
  }

  private page<T>(items: T[], next: string | undefined) {
    const start = next === undefined ? 0 : Number(next);
    const end = start + this.pageSize;
    return { items: items.slice(start, end), nextToken: end < items.length ? String(end) : undefined };
  }

  private account(id: string): WorldAccount {
    const a = this.accounts.find((x) => x.id === id);
    if (!a) throw error("ForbiddenException", 403);
    return a;
  }

  readonly aws: SyncAwsPorts = {
    portal: () => ({
      listAccounts: async (_token, next, signal) => {
        this.portalCall("ListAccounts");
        await this.raise(this.take("portal:ListAccounts"), signal);
        return this.page(
          this.accounts.map((a) => ({ accountId: a.id, accountName: a.name })),
          next,
        );
      },
      listAccountRoles: async (_token, accountId, next, signal) => {
        this.portalCall("ListAccountRoles");
        await this.raise(this.take(`portal:ListAccountRoles:${accountId}`, "portal:ListAccountRoles"), signal);
        return this.page(this.account(accountId).roles, next);
      },
      getRoleCredentials: async (_token, accountId, roleName, signal) => {
        this.portalCall("GetRoleCredentials");
        await this.raise(this.take("portal:GetRoleCredentials"), signal);
        if (!this.account(accountId).roles.includes(roleName)) throw error("ForbiddenException", 403);
        return { accessKeyId: `AKIA:${accountId}:${roleName}`, secretAccessKey: "s", sessionToken: "t" };
      },
    }),
    eks: (credentials, region) => {
      this.eksClients++;
      const [, account, role] = credentials.accessKeyId.split(":") as [string, string, string];
      const key = `${account}:${region}`;
      const enter = async <T>(op: () => T, signal: AbortSignal, kind: string): Promise<T> => {
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        const n = (this.perKey.get(key) ?? 0) + 1;
        this.perKey.set(key, n);
        this.maxPerKey = Math.max(this.maxPerKey, n);
        try {
          await new Promise((r) => setImmediate(r));
          await this.raise(
            this.take(
              `eks:${kind}:${account}:${role}:${region}`,
              `eks:${account}:${role}:${region}`,
              `eks:${account}:*:${region}`,
              `eks:${account}:${role}:*`,
              `eks:${account}:*:*`,
            ),
            signal,
          );
          return op();
        } finally {
          this.inFlight--;
          this.perKey.set(key, (this.perKey.get(key) ?? 1) - 1);
        }
      };
      return {
        listClusters: (next, signal) =>
          enter(
            () => {
              this.calls.ListClusters++;
              const names = (this.account(account).clusters[region] ?? []).map((c) => c.name);
              if (this.endlessClusterPages) return { items: names.slice(0, 1), nextToken: "again" };
              return this.page(names, next);
            },
            signal,
            "list",
          ),
        describeCluster: (name, signal) =>
          enter(
            () => {
              this.calls.DescribeCluster++;
              const c = (this.account(account).clusters[region] ?? []).find((x) => x.name === name);
              if (!c) throw error("ResourceNotFoundException", 404);
              const status = c.status ?? "ACTIVE";
              const d: DescribedEksCluster = {
                name,
                arn: `arn:aws:eks:${region}:${account}:cluster/${name}`,
                status,
                endpoint:
                  status === "CREATING" ? undefined : (c.endpoint ?? `https://${name}.${region}.${account}.example`),
                caData:
                  status === "CREATING"
                    ? undefined
                    : Buffer.from(`-----BEGIN CERTIFICATE-----\nca ${name}\n-----END CERTIFICATE-----\n`).toString(
                        "base64",
                      ),
                connected: c.connected ?? false,
                authenticationMode: "API",
              };
              return d;
            },
            signal,
            `describe:${name}`,
          ),
      };
    },
    listRegions: async (credentials: AwsCredentials, signal) => {
      this.calls.ListRegions++;
      const account = credentials.accessKeyId.split(":")[1]!;
      await this.raise(this.take(`regions:${account}`), signal);
      const a = this.account(account);
      if (!a.regions) throw error("AccessDeniedException", 403);
      return a.regions;
    },
    profileCredentials: async (profile) => {
      const p = this.profiles[profile];
      if (!p) throw new EksTokenError("no-credentials", `profile ${profile} has no credentials`);
      const role = p.arn.split("/")[1] ?? "user";
      return { accessKeyId: `AKIA:${p.account}:${role}`, secretAccessKey: "s" };
    },
    callerIdentity: async (credentials) => {
      this.calls.GetCallerIdentity++;
      const [, account, role] = credentials.accessKeyId.split(":") as [string, string, string];
      const p = Object.values(this.profiles).find(
        (x) => x.account === account && (x.arn.split("/")[1] ?? "user") === role,
      );
      return { account, arn: p?.arn ?? `arn:aws:iam::${account}:user/x` };
    },
  };

  private portalCall(route: keyof FakeWorld["calls"]): void {
    this.calls[route]++;
    this.portalTimes.push(this.t);
  }

  config: AwsConfigView = {
    configPath: "/home/u/.aws/config",
    ssoSessions: { corp: { startUrl: "https://corp.awsapps.com/start", region: "eu-west-1" } },
    legacyStartUrls: [],
    profiles: [],
  };

  out = { stdout: "", stderr: "" };

  deps(env: Record<string, string> = {}): SyncDeps {
    return {
      env: { HOME: "/home/u", KUBECONFIG: "/home/u/.kube/config", ...env },
      cwd: "/work",
      aws: this.aws,
      awsConfig: () => this.config,
      ssoAccessToken: (ref) => {
        if (this.expiredToken) {
          throw new EksTokenError(
            "sso-expired",
            `the SSO session "${ref.session}" expired`,
            "run `eks-token login --sso-session corp`",
          );
        }
        return "token";
      },
      files: {
        read: async (path) => this.files.get(path),
        update: async (path, change) => {
          const next = change(this.files.get(path));
          if (next !== undefined) this.files.set(path, next);
        },
      },
      clock: this.clock,
      stdout: (t) => {
        this.out.stdout += t;
      },
      stderr: (t) => {
        this.out.stderr += t;
      },
    };
  }
}

export const FILE = "/home/u/.kube/eks-token/fleet.yaml";

export function input(over: Partial<SyncInput> = {}): SyncInput {
  return {
    ssoSessions: [],
    profiles: [],
    allProfiles: false,
    accounts: [],
    excludeAccounts: [],
    roles: [],
    allRoles: false,
    regions: [],
    prune: true,
    dryRun: false,
    output: "text",
    timeoutMs: SYNC_DEFAULTS.timeoutMs,
    concurrency: SYNC_DEFAULTS.concurrency,
    ssoRate: SYNC_DEFAULTS.ssoRate,
    ...over,
  };
}
