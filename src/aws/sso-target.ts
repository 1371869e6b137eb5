/**
 * An IAM Identity Center account and role named on the command line (`--sso-session S` or
 * `--sso-start-url U --sso-region R`, with `--sso-account-id A --sso-role-name R`), resolved
 * against the config file's `[sso-session S]` section. Credentials then come from the portal's
 * GetRoleCredentials with the signed-in session's access token; no profile is read or needed.
 */
import { EksTokenError } from "../errors.js";
import { quote } from "../quote.js";
import {
  validateAccountId,
  validateRegion,
  validateSsoRoleName,
  validateSsoSessionName,
  validateSsoStartUrl,
} from "../validate.js";
import type { SharedConfig } from "./shared-config.js";

export interface SsoOptions {
  readonly ssoSession?: string | undefined;
  readonly ssoStartUrl?: string | undefined;
  readonly ssoRegion?: string | undefined;
  readonly ssoAccountId?: string | undefined;
  readonly ssoRoleName?: string | undefined;
}

export interface SsoTarget {
  /** The sso-session's name; undefined for the legacy form (start URL and region only). */
  readonly session: string | undefined;
  readonly startUrl: string;
  readonly region: string;
  readonly accountId: string;
  readonly roleName: string;
}

const HINT = "pass --sso-account-id A --sso-role-name R with --sso-session S (or --sso-start-url U --sso-region R)";

/** undefined when no SSO flag was given; otherwise a complete, checked target or a usage error. */
export function resolveSsoTarget(
  options: SsoOptions & { readonly profile?: string | undefined; readonly roleArn?: string | undefined },
  shared: Pick<SharedConfig, "configFile" | "configPath">,
): SsoTarget | undefined {
  const { ssoSession, ssoStartUrl, ssoRegion, ssoAccountId, ssoRoleName } = options;
  if ([ssoSession, ssoStartUrl, ssoRegion, ssoAccountId, ssoRoleName].every((v) => v === undefined)) return undefined;
  if (options.profile !== undefined) {
    throw new EksTokenError("usage", "--profile and the --sso-* flags name credentials two ways", "pass one of them");
  }
  if (ssoAccountId === undefined || ssoRoleName === undefined) {
    throw new EksTokenError("usage", "--sso-account-id and --sso-role-name go together", HINT);
  }
  const accountId = validateAccountId(ssoAccountId);
  const roleName = validateSsoRoleName(ssoRoleName);
  if (ssoStartUrl !== undefined) validateSsoStartUrl(ssoStartUrl);
  if (ssoRegion !== undefined) validateRegion(ssoRegion);
  if (ssoSession === undefined) {
    if (ssoStartUrl === undefined || ssoRegion === undefined) {
      throw new EksTokenError(
        "usage",
        "an SSO account and role need --sso-session, or --sso-start-url and --sso-region",
        HINT,
      );
    }
    return { session: undefined, startUrl: ssoStartUrl, region: ssoRegion, accountId, roleName };
  }
  const session = validateSsoSessionName(ssoSession);
  const section = shared.configFile[`sso-session.${session}`];
  const startUrl = pick("sso_start_url", ssoStartUrl, section, session, shared.configPath, "--sso-start-url");
  const region = pick("sso_region", ssoRegion, section, session, shared.configPath, "--sso-region");
  validateSsoStartUrl(startUrl, `sso_start_url of sso-session ${quote(session)}`);
  validateRegion(region);
  return { session, startUrl, region, accountId, roleName };
}

/** The flag's value, else the section's; both given must agree (they name where the token is from). */
function pick(
  key: string,
  flag: string | undefined,
  section: Record<string, string> | undefined,
  session: string,
  configPath: string,
  flagName: string,
): string {
  const fromFile = section?.[key]?.trim() || undefined;
  if (flag !== undefined && fromFile !== undefined && flag !== fromFile) {
    throw new EksTokenError(
      "invalid-input",
      `${flagName} ${quote(flag)} differs from ${key} ${quote(fromFile)} of sso-session ${quote(session)} in ${configPath}`,
      `drop ${flagName}, or fix the section`,
    );
  }
  const value = flag ?? fromFile;
  if (value === undefined) {
    throw new EksTokenError(
      "config",
      section
        ? `sso-session ${quote(session)} in ${configPath} has no ${key}`
        : `no [sso-session ${session}] section in ${configPath}`,
      `add it (\`aws configure sso-session\`), or pass ${flagName}`,
    );
  }
  return value;
}
