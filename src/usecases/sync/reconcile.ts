/**
 * From what was found to the file: the entries to have, the marked entries to update or remove,
 * and the ones to keep because the evidence that would remove them is incomplete. Nothing
 * unmarked is ever changed; a context name another entry already uses is skipped with a line.
 */
import type { Document } from "yaml";
import {
  type ExistingEntry,
  type FleetEntry,
  type FleetMarker,
  readEntries,
  removeEntry,
  upsertFleetEntry,
} from "../../kubeconfig/fleet-entries.js";
import { API_V1BETA1 } from "../../token/exec-credential.js";
import { EKS_TOKEN_COMMAND, tokenArgs } from "../../kubeconfig/exec-user.js";
import { escapeControls, quote } from "../../quote.js";
import { WRITABLE_STATUSES, type Discovery, type FoundCluster, type SkipReason, type Source } from "./discover.js";
import { unitKey } from "./discover.js";
import { clusterEntryName, contextName, userEntryName } from "./naming.js";

export type Change = "added" | "updated" | "unchanged" | "removed" | "stale";

export interface ContextReport {
  readonly context: string;
  readonly change: Change;
  readonly clusterArn: string;
  readonly accountId: string;
  readonly accountName?: string | undefined;
  readonly region: string;
  readonly role?: string | undefined;
  readonly profile?: string | undefined;
  readonly status?: string | undefined;
  readonly authenticationMode?: string | undefined;
  /** Why a stale entry was kept. */
  readonly reason?: SkipReason | "creating" | undefined;
}

export interface ReconcileOptions {
  readonly sources: readonly Source[];
  readonly template: string;
  readonly allRoles: boolean;
  readonly rolePatterns: readonly string[];
  readonly accountFilter: (id: string, name: string | undefined) => boolean;
  readonly regions: readonly string[];
  readonly prune: boolean;
  readonly roleMatches: (pattern: string, role: string) => boolean;
}

export interface OtherFile {
  readonly path: string;
  readonly contexts: readonly string[];
  readonly currentContext: string | undefined;
}

export interface Reconciled {
  readonly contexts: ContextReport[];
  /** Lines for stderr: collisions, a current context that is gone. */
  readonly warnings: string[];
  /** Entries that would have been removed but --no-prune kept. */
  readonly notPruned: number;
  readonly changed: boolean;
}

/** The entries this run's findings call for, by context name (first by name wins). */
export function desiredEntries(
  discovery: Discovery,
  options: Pick<ReconcileOptions, "template">,
): { entries: Map<string, { entry: FleetEntry; found: FoundCluster }>; duplicates: string[] } {
  const entries = new Map<string, { entry: FleetEntry; found: FoundCluster }>();
  const duplicates: string[] = [];
  const sorted = [...discovery.found].sort((a, b) =>
    `${a.cluster.arn}|${a.principal.role ?? a.principal.profile}`.localeCompare(
      `${b.cluster.arn}|${b.principal.role ?? b.principal.profile}`,
    ),
  );
  for (const found of sorted) {
    const { principal, region, cluster } = found;
    if (!WRITABLE_STATUSES.has(cluster.status) || !cluster.endpoint || !cluster.caData || cluster.connected) continue;
    const partition = cluster.arn.split(":")[1] ?? "aws";
    const name = contextName(options.template, {
      account_id: principal.accountId,
      account_name: principal.accountName,
      region,
      cluster: cluster.name,
      role: principal.role ?? principal.profile ?? "",
      profile: principal.profile ?? "",
      partition,
    });
    if (entries.has(name)) {
      duplicates.push(
        `context ${quote(name)} would name both ${escapeControls(entries.get(name)!.found.cluster.arn)} and ${escapeControls(cluster.arn)}; the second was not written (pass --name with {account_id} or {role})`,
      );
      continue;
    }
    const source = principal.source;
    const args = tokenArgs({
      clusterName: cluster.outpostId ?? cluster.name,
      region,
      ...(source.kind === "profile"
        ? { profile: source.profile }
        : {
            sso: {
              session: source.session,
              startUrl: source.startUrl,
              region: source.region,
              accountId: principal.accountId,
              roleName: principal.role ?? "",
            },
          }),
    });
    const principalName = principal.role ?? principal.profile ?? "";
    entries.set(name, {
      found,
      entry: {
        context: name,
        clusterEntry: clusterEntryName(cluster.arn),
        userEntry: userEntryName(cluster.arn, principalName),
        server: cluster.endpoint,
        caData: cluster.caData,
        exec: { apiVersion: API_V1BETA1, args, command: EKS_TOKEN_COMMAND },
        marker: {
          source: source.id,
          account: principal.accountId,
          region,
          ...(principal.role !== undefined ? { role: principal.role } : {}),
          ...(principal.profile !== undefined ? { profile: principal.profile } : {}),
          clusterArn: cluster.arn,
        },
      },
    });
  }
  return { entries, duplicates };
}

/** Applies the run to `doc` (changed in place) and reports every managed context. */
export function reconcile(
  doc: Document,
  path: string,
  discovery: Discovery,
  others: readonly OtherFile[],
  options: ReconcileOptions,
): Reconciled {
  const { entries: desired, duplicates } = desiredEntries(discovery, options);
  const warnings = [...duplicates];
  const shown = escapeControls(path);
  const reports: ContextReport[] = [];
  const sourceIds = new Set(options.sources.map((s) => s.id));
  const contexts = readEntries(doc, "contexts");
  const clusters = new Map(readEntries(doc, "clusters").map((e) => [e.name, e]));
  const users = new Map(readEntries(doc, "users").map((e) => [e.name, e]));
  const ours = (e: ExistingEntry | undefined, source: string) =>
    e?.marker !== undefined && e.marker.source === source && e.marker.managedName === e.name;
  const currentContexts = new Set(
    [rootString(doc, "current-context"), ...others.map((o) => o.currentContext)].filter(
      (c): c is string => c !== undefined && c !== "",
    ),
  );
  let changed = false;

  const names = [...desired.keys()].sort();
  for (const name of names) {
    const { entry, found } = desired.get(name)!;
    const base = reportOf(entry.marker, found);
    const existing = contexts.find((c) => c.name === name);
    const clash =
      (existing && !ours(existing, entry.marker.source) ? `context ${quote(name)} in ${shown}` : undefined) ??
      (clusters.has(entry.clusterEntry) && !ours(clusters.get(entry.clusterEntry), entry.marker.source)
        ? `cluster ${quote(entry.clusterEntry)} in ${shown}`
        : undefined) ??
      (users.has(entry.userEntry) && !ours(users.get(entry.userEntry), entry.marker.source)
        ? `user ${quote(entry.userEntry)} in ${shown}`
        : undefined) ??
      others
        .filter((o) => o.contexts.includes(name))
        .map((o) => `context ${quote(name)} in ${escapeControls(o.path)}`)[0];
    if (clash) {
      warnings.push(
        `${clash} is not one this sync wrote: left as it is, and ${escapeControls(found.cluster.arn)} was not written there`,
      );
      continue;
    }
    const change = upsertFleetEntry(doc, entry);
    if (change !== "unchanged") changed = true;
    reports.push({ context: name, change, ...base });
  }

  // Marked contexts of this run's sources that no finding asked for: remove, keep or leave.
  let notPruned = 0;
  for (const ctx of contexts) {
    const m = ctx.marker;
    if (!m || m.managedName !== ctx.name || !sourceIds.has(m.source) || desired.has(ctx.name)) continue;
    const verdict = judge(m, discovery, options);
    if (verdict === "out-of-scope") continue;
    const base = reportOfMarker(m);
    const context = ctx.name;
    if (verdict.kind === "keep") {
      reports.push({
        context,
        change: verdict.reason === "creating" ? "unchanged" : "stale",
        ...base,
        reason: verdict.reason,
      });
      continue;
    }
    if (currentContexts.has(ctx.name)) {
      warnings.push(
        `context ${quote(ctx.name)} is the current context and its cluster is gone (${escapeControls(m.clusterArn)}): left in place`,
      );
      reports.push({ context, change: "unchanged", ...base });
      continue;
    }
    if (!options.prune) {
      notPruned++;
      reports.push({ context, change: "unchanged", ...base });
      continue;
    }
    removeEntry(doc, "contexts", ctx.name);
    changed = true;
    reports.push({ context, change: "removed", ...base });
  }

  // Cluster and user entries of this run's sources that no context names any more.
  const referenced = readEntries(doc, "contexts").flatMap((c) => [`c:${c.cluster}`, `u:${c.user}`]);
  for (const [kind, map, prefix] of [
    ["clusters", clusters, "c:"],
    ["users", users, "u:"],
  ] as const) {
    for (const e of map.values()) {
      if (!e.marker || e.marker.managedName !== e.name || !sourceIds.has(e.marker.source)) continue;
      if (!options.prune || referenced.includes(`${prefix}${e.name}`)) continue;
      if (!options.accountFilter(e.marker.account, undefined)) continue;
      if (removeEntry(doc, kind, e.name)) changed = true;
    }
  }
  reports.sort((a, b) => a.context.localeCompare(b.context));
  return { contexts: reports, warnings, notPruned, changed };
}

type Verdict = "out-of-scope" | { kind: "remove" } | { kind: "keep"; reason: SkipReason | "creating" };

/** Whether this run may remove a marked entry it did not find again, and if not, why. */
function judge(m: FleetMarker, d: Discovery, o: ReconcileOptions): Verdict {
  const e = d.evidence;
  const accountKey = `${m.source}|${m.account}`;
  const listed = e.accounts.has(accountKey);
  const name = d.found.find((f) => f.principal.accountId === m.account)?.principal.accountName;
  if (!o.accountFilter(m.account, name)) return "out-of-scope";
  if (
    o.allRoles &&
    o.rolePatterns.length > 0 &&
    !o.rolePatterns.some((p) => o.roleMatches(p, m.role ?? m.profile ?? ""))
  ) {
    return "out-of-scope";
  }
  if (o.regions.length > 0 && !o.regions.includes(m.region)) return "out-of-scope";
  if (!e.sourcesComplete.has(m.source)) return { kind: "keep", reason: sourceReason(m.source, d) };
  if (!listed) return { kind: "remove" };
  if (
    o.allRoles &&
    m.role !== undefined &&
    e.rolesComplete.has(accountKey) &&
    !e.roles.has(`${accountKey}|${m.role}`)
  ) {
    return { kind: "remove" };
  }
  const regions = e.regionsScanned.get(accountKey);
  if (!regions) return { kind: "keep", reason: accountReason(m, d) };
  if (!regions.has(m.region)) return "out-of-scope";
  const notWritten = e.listedNotWritten.get(m.clusterArn);
  if (notWritten !== undefined) return { kind: "keep", reason: notWritten };
  const key = unitKey(m.source, m.account, o.allRoles ? (m.role ?? "*") : "*", m.region);
  if (e.unitsComplete.has(key)) return { kind: "remove" };
  return { kind: "keep", reason: e.unitsFailed.get(key) ?? accountReason(m, d) };
}

function sourceReason(source: string, d: Discovery): SkipReason {
  if (d.failedSources.some((f) => f.source.id === source)) return "sso-expired";
  return (
    d.skipped.find((s) => s.source === source && s.accountId === undefined)?.reason ??
    (d.deadlinePassed ? "timeout" : "error")
  );
}

function accountReason(m: FleetMarker, d: Discovery): SkipReason {
  return (
    d.skipped.find((s) => s.source === m.source && s.accountId === m.account)?.reason ??
    (d.deadlinePassed ? "timeout" : "error")
  );
}

function reportOf(marker: FleetEntry["marker"], found: FoundCluster): Omit<ContextReport, "context" | "change"> {
  return {
    clusterArn: found.cluster.arn,
    accountId: marker.account,
    accountName: found.principal.source.kind === "sso" ? found.principal.accountName : undefined,
    region: marker.region,
    role: marker.role,
    profile: marker.profile,
    status: found.cluster.status,
    authenticationMode: found.cluster.authenticationMode,
  };
}

function reportOfMarker(m: FleetMarker): Omit<ContextReport, "context" | "change"> {
  return { clusterArn: m.clusterArn, accountId: m.account, region: m.region, role: m.role, profile: m.profile };
}

function rootString(doc: Document, key: string): string | undefined {
  const v = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown> | null;
  const s = v?.[key];
  return typeof s === "string" ? s : undefined;
}
