/**
 * Context names for synced clusters: `{account_name}/{region}/{cluster}` by default, `:{role}`
 * added with --all-roles, or a --name template. Account and role names are made safe first
 * (anything outside [A-Za-z0-9._-] becomes `-`); the cluster and user entries get names no other
 * tool writes (`eks-token:` and the cluster ARN), so they never meet `aws eks update-kubeconfig`'s.
 */
import { EksTokenError } from "../../errors.js";
import { quote } from "../../quote.js";

export const TEMPLATE_VARIABLES = [
  "account_id",
  "account_name",
  "region",
  "cluster",
  "role",
  "profile",
  "partition",
] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type NameValues = Readonly<Record<TemplateVariable, string>>;

export const DEFAULT_TEMPLATE = "{account_name}/{region}/{cluster}";
export const ALL_ROLES_TEMPLATE = "{account_name}/{region}/{cluster}:{role}";

/** What a finished context name may hold: kubectx, shells and prompts cope with these. */
const NAME = /^[A-Za-z0-9._:/@-]{1,253}$/;

/** `-` for every character outside [A-Za-z0-9._-] (a space, a slash, an accent, a control). */
export function safeName(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, "-");
}

/** Checks a --name template: only known {variables}, and literal text from the name alphabet. */
export function parseTemplate(template: string): string {
  const literal = template.replace(/\{([^{}]*)\}/g, (_m, name: string) => {
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) {
      throw new EksTokenError(
        "usage",
        `unknown variable ${quote(`{${name}}`)} in --name`,
        `use ${TEMPLATE_VARIABLES.map((v) => `{${v}}`).join(" ")}`,
      );
    }
    return "x";
  });
  if (!NAME.test(literal) || !/\{[a-z_]+\}/.test(template)) {
    throw new EksTokenError(
      "usage",
      `invalid --name ${quote(template)}`,
      "a template of {variables} and the characters A-Z a-z 0-9 . _ : / @ -, such as {account_name}/{region}/{cluster}",
    );
  }
  return template;
}

/** The context name; every value is made safe, so the result is always a valid name. */
export function contextName(template: string, values: NameValues): string {
  const name = template.replace(/\{([a-z_]+)\}/g, (_m, key: TemplateVariable) => safeName(values[key] ?? ""));
  return name.slice(0, 253);
}

export function clusterEntryName(clusterArn: string): string {
  return `eks-token:${clusterArn}`;
}

export function userEntryName(clusterArn: string, principal: string): string {
  return `eks-token:${clusterArn}:${safeName(principal)}`;
}
