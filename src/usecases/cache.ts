/**
 * `eks-token cache list` and `eks-token cache clear [--cluster-name N]`: what is cached (never a
 * token or a secret), and a way to drop it.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { resolveCacheDir } from "../cache/cache-dir.js";
import { readEntry, removeQuietly } from "../cache/entry-file.js";
import type { EntrySummary } from "../cache/token-cache.js";
import { formatTimestamp } from "../token/expiration.js";
import type { Ports } from "./ports.js";
import { escapeControls, escapeJsonControls } from "../quote.js";

export interface CacheInput {
  readonly action: "list" | "clear";
  /** --cache-dir (EKS_TOKEN_CACHE_DIR and the default are resolved here). */
  readonly cacheDir: string | undefined;
  /** clear: only this cluster's tokens. */
  readonly clusterId: string | undefined;
  readonly output: "json" | "table";
}

export async function runCacheCommand(input: CacheInput, ports: Ports): Promise<void> {
  const dir = resolveCacheDir(input.cacheDir, ports.env);
  const cluster = input.clusterId;
  const entries = listEntries(dir);
  if (input.action === "list") {
    // Entries are files anyone with access to the directory may have written: what they hold is
    // shown escaped, never as terminal controls.
    if (input.output === "json")
      ports.stdout(
        `${escapeJsonControls(
          JSON.stringify(
            entries.map((e) => e.summary),
            null,
            2,
          ),
        )}\n`,
      );
    else
      ports.stdout(
        formatTable(
          entries.map((e) => e.summary),
          ports.now(),
        ),
      );
    return;
  }
  // A role's credentials serve every cluster, so clearing one cluster keeps them.
  const doomed = cluster === undefined ? entries : entries.filter((e) => e.summary.clusterId === cluster);
  for (const e of doomed) removeQuietly(e.path);
  if (cluster === undefined) removeLeftovers(dir);
  ports.stderr(`eks-token: removed ${doomed.length} cache ${doomed.length === 1 ? "entry" : "entries"} from ${dir}\n`);
}

const ENTRY_NAME = /^[0-9a-f]{64}\.json$/;

interface ListedEntry {
  readonly path: string;
  readonly summary: EntrySummary;
}

function listEntries(dir: string): ListedEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: ListedEntry[] = [];
  for (const name of names.filter((n) => ENTRY_NAME.test(n)).sort()) {
    const path = join(dir, name);
    const e = readEntry(path) as Partial<EntrySummary> | undefined;
    if (!e || (e.kind !== "token" && e.kind !== "role-credentials") || typeof e.expiration !== "string") continue;
    // Copy field by field: the summary must never carry the token or the keys.
    out.push({
      path,
      summary: {
        kind: e.kind,
        ...(e.clusterId !== undefined ? { clusterId: e.clusterId } : {}),
        ...(e.region !== undefined ? { region: e.region } : {}),
        ...(e.host !== undefined ? { host: e.host } : {}),
        roleArn: e.roleArn ?? null,
        profile: e.profile ?? null,
        expiration: e.expiration,
      },
    });
  }
  return out;
}

function removeLeftovers(dir: string): void {
  try {
    for (const name of readdirSync(dir)) {
      // Entries too damaged to list (not JSON, unreadable) go too: the name says they are ours.
      if (name.endsWith(".lock") || name.endsWith(".tmp") || name.endsWith(".stale") || ENTRY_NAME.test(name)) {
        removeQuietly(join(dir, name));
      }
    }
  } catch {
    // nothing there
  }
}

function formatTable(rows: readonly EntrySummary[], now: number): string {
  if (rows.length === 0) return "no cached tokens or credentials\n";
  const header = ["KIND", "CLUSTER", "REGION", "ROLE", "PROFILE", "EXPIRES", "LEFT"];
  const body = rows.map((r) =>
    [
      r.kind === "token" ? "token" : "role-creds",
      r.clusterId ?? "-",
      r.region ?? (r.kind === "token" ? "(global)" : "-"),
      r.roleArn ?? "-",
      r.profile ?? "-",
      shownTime(r.expiration),
      timeLeft(Date.parse(r.expiration) - now),
    ].map(escapeControls),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? "").length)));
  return `${[header, ...body]
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}

/** An entry's own time, as the token path writes it, without milliseconds; anything else as it is. */
function shownTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : formatTimestamp(date);
}

function timeLeft(ms: number): string {
  if (ms <= 0) return "expired";
  const m = Math.floor(ms / 60_000);
  return m >= 60
    ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`
    : `${m}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, "0")}s`;
}
