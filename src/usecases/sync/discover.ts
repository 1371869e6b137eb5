/**
 * Finding every cluster the sources reach: for SSO, the portal's accounts and roles, then each
 * account's enabled regions and each region's clusters; for profiles, one identity each. What
 * was seen completely (every page, no error) is recorded as evidence, because only complete
 * evidence may remove an entry later.
 */
import { setMaxListeners } from "node:events";
import { EksTokenError } from "../../errors.js";
import { checkDescribedCluster } from "../../kubeconfig/validate.js";
import { partitionOf } from "../../token/sts-host.js";
import {
  boundedSignal,
  CallTimeout,
  type Clock,
  KeyedSemaphores,
  RateLimiter,
  RunDeadline,
  Semaphore,
  withBackoff,
} from "./pacing.js";
import type { AwsCredentials, DescribedEksCluster, EksPort, Page, PortalPort, SyncAwsPorts } from "./ports.js";

/** The 17 regions enabled by default in every commercial account, used when ListRegions is denied. */
export const DEFAULT_REGIONS = [
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ca-central-1",
  "eu-central-1",
  "eu-north-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
] as const;

export const MAX_ACCOUNTS = 2_000;
export const MAX_CLUSTERS = 5_000;
export const CALL_TIMEOUT_MS = 10_000;

export type SkipReason =
  | "throttled"
  | "timeout"
  /** The connection was reset or refused: no answer at all, and not for want of time. */
  | "connection-closed"
  | "access-denied"
  | "region-unavailable"
  | "sso-expired"
  | "no-credentials"
  | "duplicate-identity"
  | "error";

/** Transient reasons leave a run partial (exit 3); the others are how the account is set up. */
/** The states of a cluster that get an entry; CREATING waits, DELETING and FAILED are removed. */
export const WRITABLE_STATUSES: ReadonlySet<string> = new Set(["ACTIVE", "UPDATING"]);

export const TRANSIENT: ReadonlySet<SkipReason> = new Set(["throttled", "timeout", "connection-closed", "error"]);

export type Source =
  | {
      readonly kind: "sso";
      readonly id: string;
      readonly session: string | undefined;
      readonly startUrl: string;
      readonly region: string;
    }
  | { readonly kind: "profile"; readonly id: string; readonly profile: string };

/** Who lists: an SSO account and role, or a profile's identity. */
export interface Principal {
  readonly source: Source;
  readonly accountId: string;
  readonly accountName: string;
  readonly role?: string | undefined;
  readonly profile?: string | undefined;
}

export interface FoundCluster {
  readonly principal: Principal;
  readonly region: string;
  readonly cluster: DescribedEksCluster;
}

export interface Skip {
  readonly source: string;
  readonly accountId?: string | undefined;
  readonly role?: string | undefined;
  readonly profile?: string | undefined;
  readonly region?: string | undefined;
  readonly reason: SkipReason;
  readonly error: string;
}

/** What this run saw completely. Keys: source | account | roleKey | region. */
export interface Evidence {
  /** Sources whose account list is complete (for profiles: the identity was resolved). */
  readonly sourcesComplete: Set<string>;
  /** source|account of every account listed. */
  readonly accounts: Set<string>;
  /** source|account whose role list is complete, and the roles listed (source|account|role). */
  readonly rolesComplete: Set<string>;
  readonly roles: Set<string>;
  /** source|account -> the regions scanned. */
  readonly regionsScanned: Map<string, Set<string>>;
  /** source|account|roleKey|region whose ListClusters finished over every page. */
  readonly unitsComplete: Set<string>;
  /** source|account|roleKey|region -> why it did not finish. */
  readonly unitsFailed: Map<string, SkipReason>;
  /** Clusters listed but not written this run (still creating, or not described): their entries stay. */
  readonly listedNotWritten: Map<string, "creating" | SkipReason>;
}

export interface DiscoverOptions {
  readonly sources: readonly Source[];
  readonly accountFilter: (id: string, name: string) => boolean;
  /** Ordered role patterns (globs); empty: every role, by name. */
  readonly roles: readonly string[];
  readonly allRoles: boolean;
  /** Regions to scan instead of each account's enabled regions. */
  readonly regions: readonly string[];
  readonly concurrency: number;
  readonly perAccountRegion: number;
  readonly ssoRate: number;
  readonly timeoutMs: number;
}

export interface Counters {
  ssoPortal: number;
  eks: number;
  regions: number;
  sts: number;
  throttled: number;
  accountsDone: number;
  accountsTotal: number;
  unitsDone: number;
  unitsTotal: number;
  clusters: number;
}

export interface DiscoverDeps {
  readonly aws: SyncAwsPorts;
  readonly clock: Clock;
  readonly ssoAccessToken: (source: Extract<Source, { kind: "sso" }>) => string | Promise<string>;
  /** Called whenever a counter moves, for the progress line. */
  readonly onProgress?: (c: Counters) => void;
}

export interface Discovery {
  readonly found: FoundCluster[];
  readonly skipped: Skip[];
  readonly evidence: Evidence;
  readonly counters: Counters;
  /** Sources that gave nothing at all (e.g. signed out), with the error to show. */
  readonly failedSources: Array<{ source: Source; error: unknown }>;
  readonly deadlinePassed: boolean;
}

export const unitKey = (source: string, account: string, roleKey: string, region: string) =>
  `${source}|${account}|${roleKey}|${region}`;

/** A glob of * and ? against the whole value. */
export function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  return re.test(value);
}

/** Roles in preference order: those matching the first pattern, then the second... (each by name). */
export function orderRoles(roles: readonly string[], patterns: readonly string[]): string[] {
  const sorted = [...roles].sort();
  if (patterns.length === 0) return sorted;
  const out: string[] = [];
  for (const p of patterns) for (const r of sorted) if (!out.includes(r) && globMatch(p, r)) out.push(r);
  return out;
}

export function classify(e: unknown): SkipReason {
  if (e instanceof CallTimeout || e instanceof RunDeadline) return "timeout";
  const name = (e as { name?: string } | null)?.name ?? "";
  const status = (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  if (/Throttl|TooManyRequests|RequestLimitExceeded|SlowDown/i.test(name) || status === 429) return "throttled";
  if (name === "UnauthorizedException") return "sso-expired";
  if (/AccessDenied|Forbidden|UnauthorizedOperation/i.test(name)) return "access-denied";
  if (
    /UnrecognizedClient|InvalidClientTokenId|AuthFailure|OptInRequired|ENOTFOUND|EAI_AGAIN/i.test(
      name + String((e as { code?: string }).code ?? ""),
    )
  )
    return "region-unavailable";
  // Before the name: the SDK's HTTP handler calls a reset connection a TimeoutError too.
  if (/^(ECONNRESET|EPIPE|ECONNREFUSED)$/.test(String((e as { code?: string } | null)?.code ?? "")))
    return "connection-closed";
  if (name === "AbortError" || name === "TimeoutError") return "timeout";
  return "error";
}

export function errorText(e: unknown): string {
  if (e instanceof EksTokenError) return e.reportLine;
  const name = (e as { name?: string } | null)?.name;
  const message = e instanceof Error ? e.message : String(e);
  return name && name !== "Error" && !message.startsWith(name) ? `${name}: ${message}` : message;
}

export async function discover(options: DiscoverOptions, deps: DiscoverDeps): Promise<Discovery> {
  const counters: Counters = {
    ssoPortal: 0,
    eks: 0,
    regions: 0,
    sts: 0,
    throttled: 0,
    accountsDone: 0,
    accountsTotal: 0,
    unitsDone: 0,
    unitsTotal: 0,
    clusters: 0,
  };
  const evidence: Evidence = {
    sourcesComplete: new Set(),
    accounts: new Set(),
    rolesComplete: new Set(),
    roles: new Set(),
    regionsScanned: new Map(),
    unitsComplete: new Set(),
    unitsFailed: new Map(),
    listedNotWritten: new Map(),
  };
  const found: FoundCluster[] = [];
  const skipped: Skip[] = [];
  const failedSources: Discovery["failedSources"] = [];
  const run = new AbortController();
  // Every call in flight listens to the run's signal.
  setMaxListeners(0, run.signal);
  const deadline = setTimeout(() => run.abort(new RunDeadline(options.timeoutMs)), options.timeoutMs);
  (deadline as { unref?: () => void }).unref?.();
  const progress = () => deps.onProgress?.(counters);
  const portalLimiter = new RateLimiter(options.ssoRate, deps.clock);
  const eksAll = new Semaphore(options.concurrency);
  const eksPer = new KeyedSemaphores(options.perAccountRegion);
  const clients = new Map<string, EksPort>();

  /** One call, bounded by 10 s and the run's deadline. */
  async function bounded<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (run.signal.aborted) throw run.signal.reason;
    const b = boundedSignal(run.signal, Math.min(CALL_TIMEOUT_MS, options.timeoutMs));
    try {
      return await raceAbort(call(b.signal), b.signal);
    } finally {
      b.dispose();
    }
  }

  async function portalCall<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withBackoff(
      async () => {
        await portalLimiter.take(run.signal);
        counters.ssoPortal++;
        return bounded(call);
      },
      {
        attempts: 8,
        baseMs: 500,
        maxMs: 8_000,
        clock: deps.clock,
        signal: run.signal,
        isThrottle: (e) => classify(e) === "throttled",
        onThrottle: () => {
          counters.throttled++;
          progress();
        },
      },
    );
  }

  async function eksCall<T>(key: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return eksPer.for(key).run(() =>
      eksAll.run(async () => {
        counters.eks++;
        try {
          return await bounded(call);
        } catch (e) {
          if (classify(e) === "throttled") counters.throttled++;
          throw e;
        }
      }),
    );
  }

  function eksClient(principal: Principal, roleKey: string, credentials: AwsCredentials, region: string): EksPort {
    // One client per account, role and region: another role's credentials get a client of their own.
    const key = `${principal.accountId}|${principal.role ?? principal.profile ?? roleKey}|${region}`;
    let client = clients.get(key);
    if (!client) {
      client = deps.aws.eks(credentials, region);
      clients.set(key, client);
    }
    return client;
  }

  /** Every cluster of one principal in one region; records the unit's evidence. */
  async function scanUnit(
    principal: Principal,
    roleKey: string,
    credentials: AwsCredentials,
    region: string,
  ): Promise<{ ok: true } | { ok: false; reason: SkipReason; error: unknown }> {
    const key = unitKey(principal.source.id, principal.accountId, roleKey, region);
    const eksKey = `${principal.accountId}|${region}`;
    const client = eksClient(principal, roleKey, credentials, region);
    const names: string[] = [];
    try {
      await allPages(names, (next) => eksCall(eksKey, (signal) => client.listClusters(next, signal)), "ListClusters", {
        max: MAX_CLUSTERS - counters.clusters,
        what: `more than ${MAX_CLUSTERS} clusters`,
      });
    } catch (e) {
      if (e instanceof CapExceeded) {
        run.abort(e);
        return { ok: false, reason: "error", error: run.signal.reason };
      }
      return { ok: false, reason: classify(e), error: e };
    }
    counters.clusters += names.length;
    if (counters.clusters > MAX_CLUSTERS) {
      run.abort(new CapExceeded(`more than ${MAX_CLUSTERS} clusters`));
      return { ok: false, reason: "error", error: run.signal.reason };
    }
    evidence.unitsComplete.add(key);
    evidence.unitsFailed.delete(key);
    await Promise.all(
      names.map(async (name) => {
        const arn = `arn:${partitionOf(region).name}:eks:${region}:${principal.accountId}:cluster/${name}`;
        try {
          const cluster = await eksCall(eksKey, (signal) => client.describeCluster(name, signal));
          if (cluster.status === "CREATING") evidence.listedNotWritten.set(cluster.arn, "creating");
          // What would be written is checked as `eks-token kubeconfig` checks it: a refused answer
          // is a failed describe, and the entry already there is kept as stale.
          if (WRITABLE_STATUSES.has(cluster.status) && !cluster.connected) {
            checkDescribedCluster(
              {
                arn: cluster.arn,
                endpoint: cluster.endpoint ?? "",
                caData: cluster.caData ?? "",
                outpostClusterId: cluster.outpostId,
              },
              { name, region, account: principal.accountId },
            );
          }
          found.push({ principal, region, cluster });
        } catch (e) {
          const reason = classify(e);
          evidence.listedNotWritten.set(arn, reason);
          skipped.push({ ...skipOf(principal, region), reason, error: `DescribeCluster ${name}: ${errorText(e)}` });
        }
      }),
    );
    counters.unitsDone++;
    progress();
    return { ok: true };
  }

  /** The account's regions: --region, else ListRegions, else the default-enabled set. */
  async function regionsOf(credentials: AwsCredentials): Promise<string[]> {
    if (options.regions.length > 0) return [...options.regions];
    try {
      counters.regions++;
      return await bounded((signal) => deps.aws.listRegions(credentials, signal));
    } catch (e) {
      if (run.signal.aborted) throw e;
      return [...DEFAULT_REGIONS];
    }
  }

  function skipOf(principal: Principal, region?: string) {
    return {
      source: principal.source.id,
      accountId: principal.accountId,
      ...(principal.role !== undefined ? { role: principal.role } : {}),
      ...(principal.profile !== undefined ? { profile: principal.profile } : {}),
      ...(region !== undefined ? { region } : {}),
    };
  }

  /**
   * One account: its candidates (role and credentials, in preference order, or one profile),
   * its regions, then every region: with --all-roles every candidate lists; otherwise the first
   * candidate that may list does.
   */
  async function scanAccount(
    candidates: ReadonlyArray<{ principal: Principal; credentials: () => Promise<AwsCredentials> }>,
  ): Promise<void> {
    const first = candidates[0];
    if (!first) return;
    const accountKey = `${first.principal.source.id}|${first.principal.accountId}`;
    const usable: Array<{ principal: Principal; credentials: AwsCredentials }> = [];
    for (const c of candidates) {
      try {
        usable.push({ principal: c.principal, credentials: await c.credentials() });
        if (!options.allRoles) break;
      } catch (e) {
        const reason = classify(e);
        skipped.push({ ...skipOf(c.principal), reason, error: `GetRoleCredentials: ${errorText(e)}` });
        if (reason === "sso-expired" || run.signal.aborted) break;
      }
    }
    if (usable.length === 0) return;
    let regions: string[];
    try {
      regions = await regionsOf(usable[0]!.credentials);
    } catch {
      return;
    }
    evidence.regionsScanned.set(accountKey, new Set(regions));
    const units = options.allRoles
      ? usable.map((u) => ({ ...u, roleKey: u.principal.role ?? "*" }))
      : [{ ...usable[0]!, roleKey: "*" }];
    counters.unitsTotal += regions.length * units.length;
    progress();
    await Promise.all(
      units.flatMap((unit) =>
        regions.map(async (region) => {
          let result = await scanUnit(unit.principal, unit.roleKey, unit.credentials, region);
          // Without --all-roles, a role that may not list hands over to the next one.
          if (!options.allRoles && !result.ok && result.reason === "access-denied") {
            const used = candidates.findIndex((c) => c.principal === unit.principal);
            for (const next of candidates.slice(used + 1)) {
              let credentials: AwsCredentials;
              try {
                credentials = await next.credentials();
              } catch {
                continue;
              }
              result = await scanUnit(next.principal, "*", credentials, region);
              if (result.ok || result.reason !== "access-denied") break;
            }
          }
          if (!result.ok) {
            evidence.unitsFailed.set(
              unitKey(unit.principal.source.id, unit.principal.accountId, unit.roleKey, region),
              result.reason,
            );
            skipped.push({ ...skipOf(unit.principal, region), reason: result.reason, error: errorText(result.error) });
            counters.unitsDone++;
            progress();
          }
        }),
      ),
    );
  }

  async function scanSso(source: Extract<Source, { kind: "sso" }>): Promise<void> {
    let token: string;
    try {
      token = await deps.ssoAccessToken(source);
    } catch (e) {
      failedSources.push({ source, error: e });
      return;
    }
    const portal: PortalPort = deps.aws.portal(source.region);
    const accounts: Array<{ accountId: string; accountName: string }> = [];
    try {
      await allPages(
        accounts,
        (next) => portalCall((signal) => portal.listAccounts(token, next, signal)),
        "ListAccounts",
        { max: MAX_ACCOUNTS, what: `more than ${MAX_ACCOUNTS} accounts` },
      );
      evidence.sourcesComplete.add(source.id);
    } catch (e) {
      if (e instanceof CapExceeded) throw e;
      if (classify(e) === "sso-expired") failedSources.push({ source, error: e });
      else skipped.push({ source: source.id, reason: classify(e), error: `ListAccounts: ${errorText(e)}` });
      if (accounts.length === 0 || classify(e) === "sso-expired") return;
    }
    for (const a of accounts) evidence.accounts.add(`${source.id}|${a.accountId}`);
    const wanted = accounts.filter((a) => options.accountFilter(a.accountId, a.accountName));
    counters.accountsTotal += wanted.length;
    progress();
    await Promise.all(
      wanted.map(async (account) => {
        const principalBase = { source, accountId: account.accountId, accountName: account.accountName };
        const roles: string[] = [];
        try {
          await allPages(
            roles,
            (next) => portalCall((signal) => portal.listAccountRoles(token, account.accountId, next, signal)),
            "ListAccountRoles",
          );
          evidence.rolesComplete.add(`${source.id}|${account.accountId}`);
          for (const r of roles) evidence.roles.add(`${source.id}|${account.accountId}|${r}`);
        } catch (e) {
          skipped.push({
            source: source.id,
            accountId: account.accountId,
            reason: classify(e),
            error: `ListAccountRoles: ${errorText(e)}`,
          });
          counters.accountsDone++;
          progress();
          return;
        }
        const ordered = orderRoles(roles, options.roles);
        const credentialsOf = new Map<string, Promise<AwsCredentials>>();
        const candidates = ordered.map((role) => ({
          principal: { ...principalBase, role },
          credentials: () => {
            let c = credentialsOf.get(role);
            if (!c) {
              c = portalCall((signal) => portal.getRoleCredentials(token, account.accountId, role, signal));
              credentialsOf.set(role, c);
            }
            return c;
          },
        }));
        await scanAccount(candidates);
        counters.accountsDone++;
        progress();
      }),
    );
  }

  const identities = new Map<string, string>();

  async function scanProfile(source: Extract<Source, { kind: "profile" }>): Promise<void> {
    let credentials: AwsCredentials;
    let identity: { account: string; arn: string };
    try {
      credentials = await bounded((signal) => deps.aws.profileCredentials(source.profile, signal));
      counters.sts++;
      identity = await bounded((signal) => deps.aws.callerIdentity(credentials, signal));
    } catch (e) {
      failedSources.push({ source, error: e });
      return;
    }
    // Two profiles that are one identity would write every cluster twice: the first by name wins.
    const same = identities.get(identity.arn);
    if (same !== undefined) {
      skipped.push({
        source: source.id,
        profile: source.profile,
        accountId: identity.account,
        reason: "duplicate-identity",
        error: `same identity as profile ${same} (${identity.arn})`,
      });
      return;
    }
    identities.set(identity.arn, source.profile);
    evidence.sourcesComplete.add(source.id);
    evidence.accounts.add(`${source.id}|${identity.account}`);
    if (!options.accountFilter(identity.account, source.profile)) return;
    counters.accountsTotal++;
    const principal: Principal = {
      source,
      accountId: identity.account,
      accountName: source.profile,
      profile: source.profile,
    };
    await scanAccount([{ principal, credentials: async () => credentials }]);
    counters.accountsDone++;
    progress();
  }

  try {
    const sso = options.sources.filter((s): s is Extract<Source, { kind: "sso" }> => s.kind === "sso");
    const profiles = options.sources
      .filter((s): s is Extract<Source, { kind: "profile" }> => s.kind === "profile")
      .sort((a, b) => a.profile.localeCompare(b.profile));
    // Profiles resolve one by one, in name order, so the identity check picks the same one each run.
    const profileRun = (async () => {
      for (const p of profiles) await scanProfile(p);
    })();
    await Promise.all([...sso.map(scanSso), profileRun]);
  } catch (e) {
    if (e instanceof CapExceeded) throw capError(e);
    throw e;
  } finally {
    clearTimeout(deadline);
  }
  if (run.signal.reason instanceof CapExceeded) throw capError(run.signal.reason);
  return {
    found,
    skipped,
    evidence,
    counters,
    failedSources,
    deadlinePassed: run.signal.reason instanceof RunDeadline,
  };
}

class CapExceeded extends Error {}

/**
 * Every page of a listing into `items`, or a failure with the pages read so far in it: a listing
 * is evidence only whole. More than `cap.max` items ends the run (CapExceeded); a page token given
 * twice is a listing that would never end.
 */
async function allPages<T>(
  items: T[],
  page: (next: string | undefined) => Promise<Page<T>>,
  operation: string,
  cap?: { readonly max: number; readonly what: string },
): Promise<void> {
  const seen = new Set<string>();
  let next: string | undefined;
  do {
    const p = await page(next);
    items.push(...p.items);
    if (cap !== undefined && items.length > cap.max) throw new CapExceeded(cap.what);
    next = p.nextToken;
    if (next !== undefined && seen.has(next)) throw new Error(`${operation} gave the same page token twice`);
    if (next !== undefined) seen.add(next);
  } while (next !== undefined);
}

function capError(e: CapExceeded): EksTokenError {
  return new EksTokenError(
    "invalid-input",
    `the sources reach ${e.message}, more than one kubeconfig should hold`,
    "narrow the run with --account, --exclude-account, --role or --region; nothing was written",
  );
}

/** Rejects when the signal aborts, even if the call ignores it. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
