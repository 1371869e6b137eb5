/**
 * Which IAM Identity Center sign-in a profile uses, read from the shared files as the SDK for
 * JavaScript reads them (its credential-provider-ini and credential-provider-sso):
 * - the profile's own settings decide first as in the SDK's resolveProfileData: a role profile
 *   (role_arn with source_profile) follows its source_profile, and the chain ends at the first
 *   profile with static keys (after the first step), web identity, credential_process, SSO
 *   settings or `login_session`, in that order;
 * - an SSO profile with `sso_session` uses the `[sso-session NAME]` section's sso_start_url and
 *   sso_region (the session's win over the profile's), the token file keyed by the session name;
 * - an SSO profile without it is a legacy profile: its own sso_start_url and sso_region, the token
 *   file keyed by the start URL exactly as written.
 * `sso_registration_scopes` (comma-separated, as the AWS CLI reads it) comes from the session.
 */
import { EksTokenError } from "../errors.js";
import { quote } from "../quote.js";
import { displayUrl } from "../redact.js";
import { isRegionName } from "../validate.js";
import type { IniSections } from "./ini.js";
import { profileSettings, readSharedConfig, type Env } from "./shared-config.js";

/** The scope a registration asks for when none is configured, so a refresh token is issued. */
export const DEFAULT_SSO_SCOPES: readonly string[] = ["sso:account:access"];

interface SsoCommon {
  readonly startUrl: string;
  /** sso_region: where the OIDC calls go and what the token file records. */
  readonly region: string;
  /** The token file's key: the session name, or the start URL for legacy profiles. */
  readonly cacheKey: string;
  /** The profile that was asked for (undefined for --sso-session). */
  readonly profileName: string | undefined;
  /** The profiles walked from the one asked for to the one with the SSO settings. */
  readonly chain: readonly string[];
}

export interface SsoSessionConfig extends SsoCommon {
  readonly kind: "sso-session";
  readonly sessionName: string;
  /** sso_registration_scopes, or undefined when not configured. */
  readonly registrationScopes: readonly string[] | undefined;
}

export interface LegacySsoConfig extends SsoCommon {
  readonly kind: "legacy";
}

export type SsoConfig = SsoSessionConfig | LegacySsoConfig;

export type SsoResolution =
  | SsoConfig
  /** A profile signed in with `aws login` (console credentials), not Identity Center. */
  | { readonly kind: "login-session"; readonly profileName: string; readonly chain: readonly string[] }
  /** The chain ends at something other than SSO; `reason` says what. */
  | { readonly kind: "none"; readonly profileName: string; readonly chain: readonly string[]; readonly reason: string };

export interface SharedFiles {
  /** The config file keyed as configFileProfiles keys it (profiles by name, `sso-session.NAME`). */
  readonly configFile: IniSections;
  readonly credentialsFile: IniSections;
}

export type SsoSelection = { readonly profile: string } | { readonly ssoSession: string };

/**
 * The IAM Identity Center settings behind a token target's profile (its own, or those at the end
 * of its source_profile chain); undefined when its credentials do not come from there. Throws a
 * config error for settings that cannot work.
 */
export function targetSsoConfig(
  target: {
    readonly profileName: string;
    readonly profileExplicit: boolean;
    /** An account and role named by --sso-session (or --sso-start-url and --sso-region): no profile. */
    readonly sso?:
      | { readonly session: string | undefined; readonly startUrl: string; readonly region: string }
      | undefined;
  },
  env: Env,
): SsoConfig | undefined {
  const sso = target.sso;
  if (sso?.session === undefined && sso !== undefined)
    return {
      kind: "legacy",
      startUrl: sso.startUrl,
      region: sso.region,
      cacheKey: sso.startUrl,
      profileName: undefined,
      chain: [],
    };
  const shared = readSharedConfig(env, target.profileExplicit ? target.profileName : undefined);
  const resolved =
    sso?.session !== undefined
      ? resolveSsoConfig(shared, { ssoSession: sso.session })
      : resolveSsoConfig(shared, { profile: target.profileName });
  return resolved.kind === "sso-session" || resolved.kind === "legacy" ? resolved : undefined;
}

/** The sign-in a profile (or a named sso-session) uses. Throws a config error for SSO settings that cannot work. */
export function resolveSsoConfig(files: SharedFiles, selection: SsoSelection): SsoResolution {
  if ("ssoSession" in selection) return sessionConfig(files, selection.ssoSession, undefined, []);
  const asked = selection.profile;
  const chain: string[] = [];
  let name = asked;
  for (;;) {
    chain.push(name);
    const data = profileSettings(files.configFile, files.credentialsFile, name);
    if (!data) {
      return {
        kind: "none",
        profileName: asked,
        chain,
        reason:
          chain.length === 1
            ? `profile ${quote(name)} is not in the AWS config or credentials file`
            : `its source_profile ${quote(name)} is not in the AWS config or credentials file`,
      };
    }
    if (chain.length > 1 && isStatic(data)) return none(asked, chain, `profile ${quote(name)} has access keys`);
    // A source profile with credential_source and no role_arn is followed as a role profile (the SDK's isAssumeRoleRecursiveCall).
    if (chain.length > 1 && typeof data["credential_source"] === "string" && !data["role_arn"])
      return none(asked, chain, `profile ${quote(name)} uses credential_source`);
    if (isAssumeRole(data)) {
      const source = data["source_profile"];
      if (source === undefined) return none(asked, chain, `profile ${quote(name)} uses credential_source`);
      if (chain.includes(source)) {
        throw new EksTokenError(
          "config",
          `the source_profile chain of profile ${quote(asked)} goes round in a circle (${chain.map((p) => quote(p)).join(" → ")} → ${quote(source)})`,
          "end the chain at a profile with credentials",
        );
      }
      name = source;
      continue;
    }
    if (isStatic(data)) return none(asked, chain, `profile ${quote(name)} has access keys`);
    if (typeof data["web_identity_token_file"] === "string" && typeof data["role_arn"] === "string")
      return none(asked, chain, `profile ${quote(name)} uses a web identity token`);
    if (typeof data["credential_process"] === "string")
      return none(asked, chain, `profile ${quote(name)} uses credential_process`);
    if (isSso(data)) return ssoProfile(files, asked, chain, name, data);
    if (data["login_session"]) return { kind: "login-session", profileName: asked, chain };
    return none(asked, chain, `profile ${quote(name)} has no credentials configured`);
  }
}

function none(profileName: string, chain: readonly string[], reason: string): SsoResolution {
  return { kind: "none", profileName, chain, reason };
}

type Section = Readonly<Record<string, string | undefined>>;

// The SDK's predicates (credential-provider-ini): present means "a string", empty included.
function isStatic(d: Section): boolean {
  return typeof d["aws_access_key_id"] === "string" && typeof d["aws_secret_access_key"] === "string";
}

function isAssumeRole(d: Section): boolean {
  if (typeof d["role_arn"] !== "string") return false;
  const source = typeof d["source_profile"] === "string";
  const credentialSource = typeof d["credential_source"] === "string";
  return source !== credentialSource;
}

function isSso(d: Section): boolean {
  return ["sso_start_url", "sso_account_id", "sso_session", "sso_region", "sso_role_name"].some(
    (k) => typeof d[k] === "string",
  );
}

function ssoProfile(
  files: SharedFiles,
  asked: string,
  chain: readonly string[],
  name: string,
  data: Section,
): SsoConfig {
  const session = data["sso_session"];
  if (session !== undefined && session !== "") return sessionConfig(files, session, asked, chain);
  const startUrl = data["sso_start_url"];
  const region = data["sso_region"];
  const missing = [startUrl ? undefined : "sso_start_url", region ? undefined : "sso_region"].filter(Boolean);
  if (missing.length > 0 || !startUrl || !region) {
    throw new EksTokenError(
      "config",
      `profile ${quote(name)} has SSO settings but no ${missing.join(" or ")}`,
      "run `aws configure sso` to complete it",
    );
  }
  return {
    kind: "legacy",
    startUrl: checkStartUrl(startUrl, `profile ${quote(name)}`),
    region: checkRegion(region, `profile ${quote(name)}`),
    cacheKey: startUrl,
    profileName: asked,
    chain,
  };
}

function sessionConfig(
  files: SharedFiles,
  sessionName: string,
  profileName: string | undefined,
  chain: readonly string[],
): SsoSessionConfig {
  const section = files.configFile[`sso-session.${sessionName}`];
  const where = `sso-session ${quote(sessionName)}`;
  if (!section) {
    throw new EksTokenError(
      "config",
      `${where}${profileName ? ` (named by profile ${quote(chain[chain.length - 1] ?? profileName)})` : ""} is not in the AWS config file`,
      "add an [sso-session NAME] section (aws configure sso-session) or fix the name",
    );
  }
  const startUrl = section["sso_start_url"];
  const region = section["sso_region"];
  if (!startUrl || !region) {
    const missing = [startUrl ? undefined : "sso_start_url", region ? undefined : "sso_region"].filter(Boolean);
    throw new EksTokenError(
      "config",
      `${where} has no ${missing.join(" or ")}`,
      "run `aws configure sso-session` to complete it",
    );
  }
  return {
    kind: "sso-session",
    sessionName,
    startUrl: checkStartUrl(startUrl, where),
    region: checkRegion(region, where),
    registrationScopes: parseScopes(section["sso_registration_scopes"]),
    cacheKey: sessionName,
    profileName,
    chain,
  };
}

/** `a, b,c` → ["a","b","c"]; none configured (or only commas) → undefined. */
export function parseScopes(value: string | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const scopes = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return scopes.length > 0 ? scopes : undefined;
}

function checkRegion(region: string, where: string): string {
  if (!isRegionName(region)) {
    throw new EksTokenError(
      "config",
      `${where} has an invalid sso_region ${quote(region)}`,
      "a region is one DNS label such as us-east-1",
    );
  }
  return region;
}

/** The start URL is sent to AWS and opened in a browser: an https URL without a password. */
function checkStartUrl(value: string, where: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== "https:" || url.username !== "" || url.password !== "") {
    throw new EksTokenError(
      "config",
      `${where} has an sso_start_url that is not an https URL: ${displayUrl(value)}`,
      "use the AWS access portal URL, such as https://d-1234567890.awsapps.com/start",
    );
  }
  return value;
}
