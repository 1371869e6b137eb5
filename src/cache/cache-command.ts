/**
 * `eks-token cache list` and `eks-token cache clear [--cluster-name N]`: what is cached (never a
 * token or a secret), and a way to drop it.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EksTokenError } from "../errors.js";
import type { CliIo } from "../cli/io.js";
import { defaultCacheDir } from "./cache-dir.js";
import { readEntry, removeQuietly } from "./entry-file.js";
import type { EntrySummary } from "./token-cache.js";

export async function runCache(args: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        "cluster-name": { type: "string" },
        "cluster-id": { type: "string", short: "i" },
        "cache-dir": { type: "string" },
        output: { type: "string", short: "o" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new EksTokenError("usage", (e as Error).message.split("\n")[0] ?? "invalid arguments", "usage: eks-token cache list | cache clear [--cluster-name N]");
  }
  const { values, positionals } = parsed;
  const dir = values["cache-dir"] || io.env["EKS_TOKEN_CACHE_DIR"] || defaultCacheDir(io.env);
  const cluster = values["cluster-id"] ?? values["cluster-name"];
  const entries = listEntries(dir);
  const action = positionals[0];
  if (positionals.length !== 1 || (action !== "list" && action !== "clear")) {
    throw new EksTokenError("usage", "unknown cache command", "usage: eks-token cache list | cache clear [--cluster-name N]");
  }
  if (action === "list") {
    if (values.output === "json") io.stdout(`${JSON.stringify(entries.map((e) => e.summary), null, 2)}\n`);
    else io.stdout(formatTable(entries.map((e) => e.summary), io.now()));
    return 0;
  }
  // A role's credentials serve every cluster, so clearing one cluster keeps them.
  const doomed = cluster === undefined ? entries : entries.filter((e) => e.summary.clusterId === cluster);
  for (const e of doomed) removeQuietly(e.path);
  if (cluster === undefined) removeLeftovers(dir);
  io.stderr(`eks-token: removed ${doomed.length} cache ${doomed.length === 1 ? "entry" : "entries"} from ${dir}\n`);
  return 0;
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
  const body = rows.map((r) => [
    r.kind === "token" ? "token" : "role-creds",
    r.clusterId ?? "-",
    r.region ?? (r.kind === "token" ? "(global)" : "-"),
    r.roleArn ?? "-",
    r.profile ?? "-",
    r.expiration.replace(/\.\d{3}Z$/, "Z"),
    timeLeft(Date.parse(r.expiration) - now),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? "").length)));
  return [header, ...body].map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n") + "\n";
}

function timeLeft(ms: number): string {
  if (ms <= 0) return "expired";
  const m = Math.floor(ms / 60_000);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m` : `${m}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, "0")}s`;
}
