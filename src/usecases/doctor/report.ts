/** What `eks-token doctor` reports: the checks in their fixed order, the verdict, text and JSON. */
import { escapeControls, escapeJsonControls, shellJoin } from "../../quote.js";
import { redact } from "../../redact.js";

export const CHECK_IDS = [
  "kubeconfig",
  "credentials",
  "identity",
  "token",
  "cluster",
  "access-entry",
  "aws-auth",
  "authenticate",
  "authorize",
] as const;

export type CheckId = (typeof CHECK_IDS)[number];
export type CheckStatus = "pass" | "fail" | "warn" | "skip";

export interface Check {
  readonly id: CheckId;
  readonly status: CheckStatus;
  readonly detail: string;
  /** A command to paste, every word shell-quoted (made by command()); hints go in the detail. */
  readonly fix?: Fix | undefined;
}

/** A command line made of quoted words: what a `fix:` line holds, and nothing else. */
export type Fix = string & { readonly __fix: true };

/** One command from its words (undefined and false words are left out), each quoted for the shell. */
export function command(...words: readonly (string | undefined | false)[]): Fix {
  return shellJoin(words.filter((w): w is string => typeof w === "string")) as Fix;
}

/** Commands run one after the other, each only when the one before succeeded. */
export function andThen(...commands: readonly Fix[]): Fix {
  return commands.join(" && ") as Fix;
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly cluster: Readonly<Record<string, string | boolean | undefined>>;
  readonly identity:
    | { readonly account: string; readonly arn: string; readonly principalArn: string; readonly userId: string }
    | undefined;
  readonly kubernetes: { readonly username: string; readonly groups: readonly string[] } | undefined;
  readonly checks: readonly Check[];
  readonly verdict: string;
}

export function pass(id: CheckId, detail: string): Check {
  return { id, status: "pass", detail };
}
export function skip(id: CheckId, detail: string): Check {
  return { id, status: "skip", detail };
}
export function fail(id: CheckId, detail: string, fix?: Fix): Check {
  return { id, status: "fail", detail, ...(fix ? { fix } : {}) };
}
export function warn(id: CheckId, detail: string, fix?: Fix): Check {
  return { id, status: "warn", detail, ...(fix ? { fix } : {}) };
}

/** Removes every secret: the known values of this run first, then the generic patterns. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join("<redacted>");
  return redact(out);
}

export function scrubReport(report: DoctorReport, secrets: readonly string[]): DoctorReport {
  const s = (t: string) => scrub(t, secrets);
  return {
    ...report,
    cluster: Object.fromEntries(Object.entries(report.cluster).map(([k, v]) => [k, typeof v === "string" ? s(v) : v])),
    checks: report.checks.map((c) => ({ ...c, detail: s(c.detail), ...(c.fix ? { fix: s(c.fix) as Fix } : {}) })),
    verdict: s(report.verdict),
  };
}

/** The text report; every line goes through the escaping helper, so no value can act on the terminal. */
export function formatText(report: DoctorReport): string {
  const lines: string[] = [];
  const name = report.cluster.name ?? "(unknown cluster)";
  lines.push(`eks-token doctor: cluster ${name}${report.cluster.region ? ` in ${report.cluster.region}` : ""}`);
  for (const c of report.checks) {
    lines.push(`  ${c.status.padEnd(4)}  ${c.id.padEnd(12)}  ${c.detail}`);
    if (c.fix) lines.push(`${" ".repeat(22)}fix: ${c.fix}`);
  }
  lines.push(report.verdict);
  return `${lines.map((l) => escapeControls(String(l))).join("\n")}\n`;
}

/** The JSON report as text: valid JSON, with bidi, C1 and other invisible characters written as \uXXXX. */
export function formatJson(report: DoctorReport): string {
  return `${escapeJsonControls(JSON.stringify(toJson(report), null, 2))}\n`;
}

export function toJson(report: DoctorReport): object {
  return {
    ok: report.ok,
    cluster: report.cluster,
    identity: report.identity ?? null,
    kubernetes: report.kubernetes ?? null,
    checks: report.checks.map((c) => ({ id: c.id, status: c.status, detail: c.detail, fix: c.fix ?? null })),
    verdict: report.verdict,
  };
}
