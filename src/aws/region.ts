/**
 * The region to sign in (docs/contract.md, "Region and credentials"): the SDK reads neither AWS_DEFAULT_REGION nor
 * the profile for us here, and we never ask instance metadata (a slow, surprising look-up).
 */
import type { Env } from "../env.js";
import type { ProfileSettings } from "./shared-config.js";

export type RegionSource = "flag" | "AWS_REGION" | "AWS_DEFAULT_REGION" | "profile" | "none";

export function resolveRegion(
  flag: string | undefined,
  env: Env,
  profile: ProfileSettings,
): { region: string | undefined; source: RegionSource } {
  if (flag) return { region: flag, source: "flag" };
  if (env["AWS_REGION"]) return { region: env["AWS_REGION"], source: "AWS_REGION" };
  if (env["AWS_DEFAULT_REGION"]) return { region: env["AWS_DEFAULT_REGION"], source: "AWS_DEFAULT_REGION" };
  if (profile.region) return { region: profile.region, source: "profile" };
  return { region: undefined, source: "none" };
}
