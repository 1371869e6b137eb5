/**
 * One token request, resolved once: the target (cluster, region, STS host, profile, role), the
 * apiVersion to answer with, and where the cache lives. Nothing below reads settings again.
 */
import { resolveTarget, type TargetOptions, type TokenTarget } from "../aws/target.js";
import { resolveCacheDir } from "../cache/cache-dir.js";
import type { Env } from "../env.js";
import { chosenApiVersion, interactiveFromExecInfo } from "../token/exec-credential.js";

/** What the caller asked for, before anything is looked up: the CLI's flags or the library's options. */
export interface TokenInput extends TargetOptions {
  readonly output: "json" | "token";
  /** A full apiVersion; undefined lets KUBERNETES_EXEC_INFO decide. */
  readonly apiVersion: string | undefined;
  readonly cache: boolean;
  /** --cache-dir (EKS_TOKEN_CACHE_DIR and the default are resolved here). */
  readonly cacheDir: string | undefined;
  readonly debug: boolean;
  /** --sso-login: `never` turns automatic SSO sign-in off (as EKS_TOKEN_SSO_LOGIN=never does). */
  readonly ssoLogin?: "auto" | "never" | undefined;
}

export interface TokenRequest {
  readonly target: TokenTarget;
  readonly output: "json" | "token";
  readonly apiVersion: string;
  /** One line for stderr when KUBERNETES_EXEC_INFO was odd. */
  readonly apiWarning: string | undefined;
  /** undefined: no cache for this call. */
  readonly cacheDir: string | undefined;
  /** false when the client said no one can answer a prompt (KUBERNETES_EXEC_INFO spec.interactive). */
  readonly interactive: boolean;
  /** --sso-login as given; EKS_TOKEN_SSO_LOGIN is read on the miss path. */
  readonly ssoLogin: "auto" | "never" | undefined;
  /** Where a miss keeps SSO sign-in locks and records: the cache directory even with the cache off. */
  readonly stateDir: string;
  /** The CLI's call: its hit key (src/cache/hit-key.ts, set by prepareTokenRequest), for the hit entry written with the token. */
  readonly hitKey?: string | undefined;
}

export async function resolveTokenRequest(input: TokenInput, env: Env): Promise<TokenRequest> {
  const target = await resolveTarget(input, env);
  const api = chosenApiVersion(input.apiVersion, env["KUBERNETES_EXEC_INFO"]);
  return {
    target,
    output: input.output,
    apiVersion: api.apiVersion,
    apiWarning: api.warning,
    cacheDir: input.cache ? resolveCacheDir(input.cacheDir, env) : undefined,
    interactive: interactiveFromExecInfo(env["KUBERNETES_EXEC_INFO"]),
    ssoLogin: input.ssoLogin,
    stateDir: resolveCacheDir(input.cacheDir, env),
  };
}
