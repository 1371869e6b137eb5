/**
 * `eks-token kubeconfig sync`: find every EKS cluster the sources reach and keep one context per
 * cluster (or per cluster and role) in a kubeconfig of its own, pruning only what this run has
 * complete evidence for. Returns the exit code: 0 complete, 3 written but partial, 1 nothing
 * usable (usage errors are thrown before any call).
 */
import { join } from "node:path";
import { EksTokenError, isEksTokenError } from "../../errors.js";
import { expandPath, kubeconfigPaths } from "../../kubeconfig/choose-file.js";
import { emptyKubeconfig, parseKubeconfig, stringifyKubeconfig } from "../../kubeconfig/document.js";
import { readEntries } from "../../kubeconfig/fleet-entries.js";
import { escapeControls, quote, shellJoin } from "../../quote.js";
import {
  validateAccountId,
  validateProfileName,
  validateRegion,
  validateSsoSessionName,
  validateSsoStartUrl,
} from "../../validate.js";
import { type Counters, discover, type Discovery, errorText, globMatch, type Source, TRANSIENT } from "./discover.js";
import { ALL_ROLES_TEMPLATE, DEFAULT_TEMPLATE, parseTemplate } from "./naming.js";
import type { AwsConfigView, SyncDeps } from "./ports.js";
import { type OtherFile, reconcile, type Reconciled } from "./reconcile.js";
import { formatJson, formatSummary } from "./report.js";

export interface SyncInput {
  readonly ssoSessions: readonly string[];
  readonly ssoStartUrl?: string | undefined;
  readonly ssoRegion?: string | undefined;
  readonly profiles: readonly string[];
  readonly allProfiles: boolean;
  readonly accounts: readonly string[];
  readonly excludeAccounts: readonly string[];
  readonly roles: readonly string[];
  readonly allRoles: boolean;
  readonly regions: readonly string[];
  readonly name?: string | undefined;
  readonly kubeconfig?: string | undefined;
  readonly prune: boolean;
  readonly dryRun: boolean;
  readonly output: "text" | "json";
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly ssoRate: number;
}

export const SYNC_DEFAULTS = { timeoutMs: 120_000, concurrency: 16, perAccountRegion: 2, ssoRate: 10 } as const;

/** Where the file goes unless --kubeconfig says otherwise. */
export function defaultFleetPath(home: string): string {
  return join(home, ".kube", "eks-token", "fleet.yaml");
}

/** The sources of this run: the flags' ones, else every SSO sign-in the config file knows. */
export function resolveSources(input: SyncInput, config: AwsConfigView): Source[] {
  const sources: Source[] = [];
  const sso = (session: string | undefined, startUrl: string, region: string): Source => ({
    kind: "sso",
    id: `sso:${startUrl}`,
    session,
    startUrl,
    region,
  });
  for (const name of input.ssoSessions) {
    validateSsoSessionName(name);
    const s = config.ssoSessions[name];
    if (!s) {
      throw new EksTokenError(
        "config",
        `no [sso-session ${name}] section in ${config.configPath}`,
        "add it with `aws configure sso-session`",
      );
    }
    if (!s.startUrl || !s.region) {
      throw new EksTokenError(
        "config",
        `sso-session ${quote(name)} in ${config.configPath} lacks sso_start_url or sso_region`,
        "complete the section",
      );
    }
    sources.push(
      sso(
        name,
        validateSsoStartUrl(s.startUrl, `sso_start_url of sso-session ${quote(name)}`),
        validateRegion(s.region),
      ),
    );
  }
  if (input.ssoStartUrl !== undefined || input.ssoRegion !== undefined) {
    if (input.ssoStartUrl === undefined || input.ssoRegion === undefined) {
      throw new EksTokenError("usage", "--sso-start-url and --sso-region go together", "pass both, or --sso-session S");
    }
    sources.push(sso(undefined, validateSsoStartUrl(input.ssoStartUrl), validateRegion(input.ssoRegion)));
  }
  const profiles = input.allProfiles ? config.profiles : input.profiles;
  for (const p of [...new Set(profiles)])
    sources.push({ kind: "profile", id: `profile:${validateProfileName(p)}`, profile: p });
  if (sources.length > 0 || input.allProfiles) return dedupe(sources);
  // The default: every sso-session, then legacy start URLs no session already covers.
  // Checked as the named ones are: what they hold goes into every entry's exec arguments.
  for (const [name, s] of Object.entries(config.ssoSessions).sort(([a], [b]) => a.localeCompare(b))) {
    if (!s.startUrl || !s.region) continue;
    validateSsoSessionName(name);
    sources.push(
      sso(
        name,
        validateSsoStartUrl(s.startUrl, `sso_start_url of sso-session ${quote(name)}`),
        validateRegion(s.region),
      ),
    );
  }
  for (const l of config.legacyStartUrls)
    sources.push(
      sso(undefined, validateSsoStartUrl(l.startUrl, "a profile's sso_start_url"), validateRegion(l.region)),
    );
  if (sources.length === 0) {
    throw new EksTokenError(
      "usage",
      `no source to sync from: ${config.configPath} has no sso-session and no profile with sso_start_url`,
      "pass --sso-session S, --profile P or --all-profiles",
    );
  }
  return dedupe(sources);
}

function dedupe(sources: Source[]): Source[] {
  const seen = new Set<string>();
  return sources.filter((s) => !seen.has(s.id) && seen.add(s.id));
}

/** --account and --exclude-account: ids exactly, names by glob. */
export function accountFilter(include: readonly string[], exclude: readonly string[]) {
  for (const v of [...include, ...exclude]) if (/^\d+$/.test(v)) validateAccountId(v, "--account");
  const matches = (pattern: string, id: string, name: string | undefined) =>
    /^\d{12}$/.test(pattern) ? pattern === id : name !== undefined && globMatch(pattern, name);
  return (id: string, name: string | undefined): boolean =>
    (include.length === 0 || include.some((p) => matches(p, id, name))) && !exclude.some((p) => matches(p, id, name));
}

export async function runSync(input: SyncInput, deps: SyncDeps): Promise<number> {
  const home = deps.env["HOME"] || deps.env["USERPROFILE"];
  const path =
    input.kubeconfig !== undefined
      ? expandPath(input.kubeconfig, home, deps.cwd)
      : home
        ? defaultFleetPath(home)
        : undefined;
  if (!path)
    throw new EksTokenError("kubeconfig", "cannot find the default file: HOME is not set", "pass --kubeconfig PATH");
  const template = parseTemplate(input.name ?? (input.allRoles ? ALL_ROLES_TEMPLATE : DEFAULT_TEMPLATE));
  for (const r of input.regions) validateRegion(r);
  const filter = accountFilter(input.accounts, input.excludeAccounts);
  const sources = resolveSources(input, deps.awsConfig());
  // The target must parse before anything is asked of AWS: a broken file fails fast.
  const before = await deps.files.read(path);
  if (before !== undefined) parseKubeconfig(before, path);

  const started = deps.clock.now();
  const progress = input.output === "text" ? deps.progress : undefined;
  let discovery: Discovery;
  try {
    discovery = await discover(
      {
        sources,
        accountFilter: (id, name) => filter(id, name),
        roles: input.roles,
        allRoles: input.allRoles,
        regions: input.regions,
        concurrency: input.concurrency,
        perAccountRegion: SYNC_DEFAULTS.perAccountRegion,
        ssoRate: input.ssoRate,
        timeoutMs: input.timeoutMs,
      },
      {
        aws: deps.aws,
        clock: deps.clock,
        ssoAccessToken: (s) => deps.ssoAccessToken(s),
        ...(progress ? { onProgress: (c: Counters) => progress.show(progressLine(c)) } : {}),
      },
    );
  } finally {
    progress?.clear();
  }

  // Every source failed (signed out, no credentials): nothing usable, and the first one's fix.
  if (discovery.failedSources.length === sources.length) {
    const first = discovery.failedSources[0]!.error;
    if (isEksTokenError(first)) throw first;
    throw new EksTokenError("no-credentials", errorText(first), "check the sources' credentials and try again");
  }

  const others = await otherFiles(path, deps);
  const roleMatches = (p: string, r: string) => globMatch(p, r);
  let result: Reconciled | undefined;
  let text: string | undefined;
  const apply = (current: string | undefined): string | undefined => {
    const parsed = current === undefined ? emptyKubeconfig() : parseKubeconfig(current, path);
    // A file of its own never names a current context, not even an empty one.
    if (current === undefined) parsed.doc.delete("current-context");
    result = reconcile(parsed.doc as never, path, discovery, others, {
      sources,
      template,
      allRoles: input.allRoles,
      rolePatterns: input.roles,
      accountFilter: filter,
      regions: input.regions,
      prune: input.prune,
      roleMatches,
    });
    if (!result.changed) return undefined;
    text = stringifyKubeconfig(parsed.doc, parsed.style);
    return text;
  };
  if (input.dryRun) apply(before);
  else await deps.files.update(path, apply);
  const reconciled = result!;
  for (const w of reconciled.warnings) deps.stderr(`eks-token: warning: ${w}\n`);
  for (const f of discovery.failedSources)
    deps.stderr(`eks-token: warning: ${sourceLabel(f.source)}: ${errorText(f.error)}\n`);

  const stale = reconciled.contexts.some((c) => c.change === "stale");
  const transient = discovery.skipped.some((s) => TRANSIENT.has(s.reason)) || discovery.failedSources.length > 0;
  const complete = !stale && !transient && !discovery.deadlinePassed;
  const durationMs = Math.round(deps.clock.now() - started);
  const report = { path, sources, discovery, reconciled, complete, durationMs, dryRun: input.dryRun };
  if (input.output === "json") deps.stdout(formatJson(report));
  else deps.stdout(formatSummary(report));
  if (input.output === "text" && !input.dryRun && reconciled.contexts.length > 0 && !inKubeconfig(path, deps)) {
    deps.stderr(`eks-token: add it to KUBECONFIG: ${exportLine(path, home)}\n`);
  }
  return complete ? 0 : 3;
}

function progressLine(c: Counters): string {
  return `${c.accountsDone}/${c.accountsTotal} accounts · ${c.unitsDone}/${c.unitsTotal} account-regions · ${c.clusters} clusters · ${c.throttled} throttled`;
}

export function sourceLabel(s: Source): string {
  if (s.kind === "profile") return `profile ${quote(s.profile)}`;
  return s.session !== undefined ? `sso-session ${quote(s.session)}` : `SSO start URL ${quote(s.startUrl)}`;
}

/** The files KUBECONFIG lists besides the target: their contexts (for collisions) and current-context. */
async function otherFiles(path: string, deps: SyncDeps): Promise<OtherFile[]> {
  let paths: string[];
  try {
    paths = kubeconfigPaths({ env: deps.env, cwd: deps.cwd });
  } catch {
    return [];
  }
  const out: OtherFile[] = [];
  for (const p of paths) {
    if (p === path) continue;
    try {
      const text = await deps.files.read(p);
      if (text === undefined) continue;
      const { doc } = parseKubeconfig(text, p);
      const current = (doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown> | null)?.["current-context"];
      out.push({
        path: p,
        contexts: readEntries(doc, "contexts").map((c) => c.name),
        currentContext: typeof current === "string" ? current : undefined,
      });
    } catch (e) {
      deps.stderr(`eks-token: warning: ${escapeControls(p)} was not read for name clashes: ${errorText(e)}\n`);
    }
  }
  return out;
}

function inKubeconfig(path: string, deps: SyncDeps): boolean {
  try {
    return kubeconfigPaths({ env: deps.env, cwd: deps.cwd }).includes(path);
  } catch {
    return false;
  }
}

/** `export KUBECONFIG=...` with the file last, so the person's own file keeps current-context. */
function exportLine(path: string, home: string | undefined): string {
  // Shell syntax, not a template: the shell expands it when the line is pasted.
  const current = ["$", "{KUBECONFIG:-$HOME/.kube/config}"].join("");
  const shown = home && path.startsWith(`${home}/`) ? `$HOME/${path.slice(home.length + 1)}` : path;
  // The variable parts stay expandable; the path itself is quoted when it needs to be.
  const rest = shown.slice("$HOME/".length);
  const quoted = !shown.startsWith("$HOME/")
    ? shellJoin([shown])
    : shellJoin([rest]) === rest
      ? `"$HOME/${rest}"`
      : `"$HOME/"${shellJoin([rest])}`;
  return `export KUBECONFIG="${current}":${quoted}`;
}
