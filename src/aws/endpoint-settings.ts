/** STS endpoint options from the environment, then the profile (environment wins, as in the SDKs). */
import { quote } from "../quote.js";
import { EksTokenError } from "../errors.js";
import type { RegionalMode } from "../token/sts-host.js";
import type { Env } from "../env.js";
import type { ProfileSettings } from "./shared-config.js";

export interface EndpointSettings {
  readonly mode: RegionalMode;
  readonly fips: boolean;
  readonly dualStack: boolean;
}

export function resolveEndpointSettings(env: Env, profile: ProfileSettings): EndpointSettings {
  const mode = pick(env["AWS_STS_REGIONAL_ENDPOINTS"], profile.sts_regional_endpoints);
  return { mode: mode === undefined ? "regional" : parseMode(mode), ...resolveFipsDualStack(env, profile) };
}

/** The FIPS and dual-stack settings alone (every service's endpoint takes them). */
export function resolveFipsDualStack(env: Env, profile: ProfileSettings): Omit<EndpointSettings, "mode"> {
  return {
    fips: parseBool(
      pick(env["AWS_USE_FIPS_ENDPOINT"], profile.use_fips_endpoint),
      "AWS_USE_FIPS_ENDPOINT / use_fips_endpoint",
    ),
    dualStack: parseBool(
      pick(env["AWS_USE_DUALSTACK_ENDPOINT"], profile.use_dualstack_endpoint),
      "AWS_USE_DUALSTACK_ENDPOINT / use_dualstack_endpoint",
    ),
  };
}

function pick(fromEnv: string | undefined, fromProfile: string | undefined): string | undefined {
  const v = fromEnv !== undefined && fromEnv !== "" ? fromEnv : fromProfile;
  return v === undefined || v === "" ? undefined : v.trim().toLowerCase();
}

function parseMode(value: string): RegionalMode {
  if (value === "regional" || value === "legacy") return value;
  throw new EksTokenError(
    "config",
    `invalid STS endpoint mode ${quote(value)} in AWS_STS_REGIONAL_ENDPOINTS or sts_regional_endpoints`,
    "use regional or legacy",
  );
}

function parseBool(value: string | undefined, name: string): boolean {
  if (value === undefined || value === "false") return false;
  if (value === "true") return true;
  throw new EksTokenError("config", `invalid value ${quote(value)} for ${name}`, "use true or false");
}
