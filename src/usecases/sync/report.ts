/** What a sync says when it is done: a short text summary, or one JSON document (--output json). */
import { escapeControls, escapeJsonControls, quote } from "../../quote.js";
import type { Discovery, Skip, Source } from "./discover.js";
import type { Reconciled } from "./reconcile.js";

export interface SyncReport {
  readonly path: string;
  readonly sources: readonly Source[];
  readonly discovery: Discovery;
  readonly reconciled: Reconciled;
  readonly complete: boolean;
  readonly durationMs: number;
  readonly dryRun: boolean;
}

const ACTION: Record<string, string> = {
  "access-denied": "eks:ListClusters",
  "region-unavailable": "(region not enabled)",
};

export function formatSummary(r: SyncReport): string {
  const count = (change: string) => r.reconciled.contexts.filter((c) => c.change === change).length;
  const lines: string[] = [];
  const verb = r.dryRun ? "would be " : "";
  for (const c of r.reconciled.contexts) {
    if (c.change === "added" || c.change === "updated" || c.change === "removed") {
      lines.push(
        `${{ added: "+", updated: "~", removed: "-" }[c.change]} ${escapeControls(c.context)}${r.dryRun ? ` (${verb}${c.change})` : ""}`,
      );
    }
  }
  const stale = r.reconciled.contexts.filter((c) => c.change === "stale");
  let head = `${escapeControls(r.path)}: ${count("added")} ${verb}added, ${count("updated")} ${verb}updated, ${count("removed")} ${verb}removed, ${count("unchanged")} unchanged`;
  if (stale.length > 0) {
    // Region and account of a kept entry come from its marker in the file: shown escaped.
    const why = [
      ...new Set(
        stale.map((c) => `${c.reason ?? "error"} in ${escapeControls(c.region)} for ${escapeControls(c.accountId)}`),
      ),
    ].slice(0, 3);
    head += `; ${stale.length} stale (kept: ${why.join(", ")}${stale.length > 3 ? ", ..." : ""})`;
  }
  if (r.reconciled.notPruned > 0) head += `; ${r.reconciled.notPruned} not removed (--no-prune)`;
  lines.push(head);
  for (const line of skipLines(r.discovery.skipped)) lines.push(`  ${line}`);
  if (r.dryRun) lines.push("dry run: nothing was written");
  return `${lines.join("\n")}\n`;
}

/** Skips grouped by reason and role: "4 account-regions without eks:ListClusters (role ReadOnly): 1111..., ...". */
function skipLines(skipped: readonly Skip[]): string[] {
  const groups = new Map<string, Skip[]>();
  for (const s of skipped) {
    const key = `${s.reason}|${s.role ?? s.profile ?? ""}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()].map((g) => {
    const s = g[0]!;
    const who =
      s.role !== undefined
        ? ` (role ${quote(s.role)})`
        : s.profile !== undefined
          ? ` (profile ${quote(s.profile)})`
          : "";
    const where = [
      ...new Set(g.map((x) => escapeControls([x.accountId, x.region].filter(Boolean).join("/") || x.source))),
    ];
    const action = ACTION[s.reason] ? ` ${ACTION[s.reason]}` : "";
    return `${g.length} skipped, ${s.reason}${action}${who}: ${where.slice(0, 5).join(", ")}${where.length > 5 ? ", ..." : ""}; ${quote(s.error, 160)}`;
  });
}

export function formatJson(r: SyncReport): string {
  const c = r.discovery.counters;
  const doc = {
    file: r.path,
    dryRun: r.dryRun,
    sources: r.sources.map((s) =>
      s.kind === "sso"
        ? {
            kind: "sso",
            ...(s.session !== undefined ? { ssoSession: s.session } : {}),
            startUrl: s.startUrl,
            ssoRegion: s.region,
          }
        : { kind: "profile", profile: s.profile },
    ),
    contexts: r.reconciled.contexts,
    skipped: r.discovery.skipped.map((s) => ({ ...s })),
    failedSources: r.discovery.failedSources.map((f) => ({
      source: f.source.id,
      error: f.error instanceof Error ? f.error.message : String(f.error),
    })),
    warnings: r.reconciled.warnings,
    calls: { ssoPortal: c.ssoPortal, eks: c.eks, regions: c.regions, sts: c.sts, throttled: c.throttled },
    durationMs: r.durationMs,
    complete: r.complete,
  };
  return `${escapeJsonControls(JSON.stringify(doc, null, 2))}\n`;
}
