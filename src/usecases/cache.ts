/**
 * `eks-token cache list` and `eks-token cache clear [--cluster-name N]`: what is cached (never a
 * token or a secret), and a way to drop it.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { checkCacheDir, resolveCacheDir } from "../cache/cache-dir.js";
import { isOwnName, OWN_NAMES, readEntry, removeOwnFile } from "../cache/entry-file.js";
import { isLockHeld } from "../cache/lock.js";
import { SIGN_IN_LOCK_STALE_MS } from "../cache/sign-in-state.js";
import { EksTokenError } from "../errors.js";
import type { EntrySummary } from "../cache/token-cache.js";
import { formatTimestamp } from "../token/expiration.js";
import type { Ports } from "./ports.js";
import { escapeControls, escapeJsonControls, quote } from "../quote.js";

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
  const entries = usableDir(dir, input.action) ? listEntries(dir) : [];
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
  const doomed =
    cluster === undefined
      ? ownNames(dir)
      : [...entries.filter((e) => e.summary.clusterId === cluster).map((e) => e.name), ...hitNames(dir, cluster)];
  let removed = 0;
  let held = 0;
  for (const name of doomed) {
    // The record of unfinished sign-ins is the budget that keeps background calls from opening
    // browser tabs: a sign-in clears it, not clearing the cache.
    if (OWN_NAMES.signIn.test(name) && name.endsWith(".attempts")) continue;
    // A lock a running eks-token holds stays: removing it would let a second process make the
    // same token (and AssumeRole) at once, or open a second sign-in. Its holder removes it when done.
    if (lockStillHeld(dir, name, ports.now())) {
      held += 1;
      continue;
    }
    // Locks, temporary and stale files go too, but only entries are counted.
    if (removeOwnFile(dir, name) && OWN_NAMES.entry.test(name)) removed += 1;
  }
  const kept = held === 0 ? "" : `; left ${held} ${held === 1 ? "lock" : "locks"} that a running eks-token holds`;
  ports.stderr(
    `eks-token: removed ${removed} cache ${removed === 1 ? "entry" : "entries"} from ${quote(dir)}${kept}\n`,
  );
}

/** A sign-in lock lasts as long as a person may take in the browser: while its holder lives, it is held. */
function lockStillHeld(dir: string, name: string, now: number): boolean {
  if (OWN_NAMES.lock.test(name)) return isLockHeld(join(dir, name), now);
  if (OWN_NAMES.signIn.test(name)) return isLockHeld(join(dir, name), now, SIGN_IN_LOCK_STALE_MS);
  return false;
}

/**
 * False when there is nothing to list or clear. A directory the token path would refuse (a
 * link, another user's, writable by others) is refused here too, with one line.
 */
function usableDir(dir: string, action: CacheInput["action"]): boolean {
  const check = checkCacheDir(dir);
  if (check.ok) return true;
  if (/\(ENOENT\)$/.test(check.reason)) return false;
  throw new EksTokenError(
    "cache",
    `not ${action === "list" ? "listing" : "clearing"} the token cache ${quote(dir)}: ${check.reason}`,
    "point --cache-dir or EKS_TOKEN_CACHE_DIR at a directory of your own",
  );
}

/** Every name in the directory that eks-token writes (entries, locks, temporary files). */
function ownNames(dir: string): string[] {
  try {
    return readdirSync(dir).filter(isOwnName);
  } catch {
    return [];
  }
}

/** The hit entries (pointers, no token) that lead to this cluster's tokens. */
function hitNames(dir: string, cluster: string): string[] {
  return ownNames(dir).filter((name) => {
    if (!OWN_NAMES.hit.test(name)) return false;
    const e = readEntry(join(dir, name)) as { kind?: unknown; clusterId?: unknown } | undefined;
    return e?.kind === "hit" && e.clusterId === cluster;
  });
}

interface ListedEntry {
  readonly name: string;
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
  for (const name of names.filter((n) => OWN_NAMES.entry.test(n)).sort()) {
    const e = readEntry(join(dir, name)) as (Partial<EntrySummary> & { key?: unknown }) | undefined;
    if (!e || (e.kind !== "token" && e.kind !== "role-credentials") || typeof e.expiration !== "string") continue;
    // An entry names its own key: a file copied or renamed here is not one of ours.
    if (`${e.key}.json` !== name) continue;
    // Copy field by field: the summary must never carry the token or the keys.
    out.push({
      name,
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
