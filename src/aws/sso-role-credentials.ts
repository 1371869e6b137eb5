/**
 * Credentials for an IAM Identity Center account and role: GetRoleCredentials at the portal of
 * the session's region, with the signed-in session's access token. Loaded only when the token
 * path is given --sso-account-id and --sso-role-name (a module of its own in the builds).
 */
import { GetRoleCredentialsCommand, SSOClient } from "@aws-sdk/client-sso";
import type { Env } from "../env.js";
import { EksTokenError } from "../errors.js";
import { quote } from "../quote.js";
import type { SsoTarget } from "./sso-target.js";
import { readSsoAccessToken, ssoExpiredError } from "./sso-token-cache.js";

export interface SsoRoleDeps {
  readonly env: Env;
  readonly now: () => number;
  /** The bounded handler, attempts and logger every credential client gets. */
  readonly clientConfig: Record<string, unknown>;
}

export interface RoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export async function ssoRoleCredentials(target: SsoTarget, deps: SsoRoleDeps): Promise<RoleCredentials> {
  const { accessToken } = readSsoAccessToken(target, deps.env, deps.now());
  const client = new SSOClient({ ...deps.clientConfig, region: target.region });
  try {
    const out = await client.send(
      new GetRoleCredentialsCommand({ accessToken, accountId: target.accountId, roleName: target.roleName }),
    );
    const c = out.roleCredentials;
    if (!c?.accessKeyId || !c.secretAccessKey || !c.sessionToken || c.expiration === undefined) {
      throw new EksTokenError("no-credentials", "the SSO portal returned incomplete role credentials", "try again");
    }
    return {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      expiration: new Date(c.expiration),
    };
  } catch (e) {
    const name = (e as { name?: string }).name;
    // The cause keeps the portal's UnauthorizedException, for a sign-in and one more try.
    if (name === "UnauthorizedException") {
      throw ssoExpiredError(target, "was refused by the portal (signed out or expired)", e);
    }
    if (name === "ForbiddenException") {
      throw new EksTokenError(
        "no-credentials",
        `the SSO portal gives no role ${quote(target.roleName)} in account ${target.accountId} to this session`,
        "check the account and permission set names in the AWS access portal",
        { cause: e },
      );
    }
    throw e;
  } finally {
    client.destroy();
  }
}
