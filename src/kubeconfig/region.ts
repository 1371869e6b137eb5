/** Which region the kubeconfig entry is for: flag, AWS_REGION, AWS_DEFAULT_REGION, then the profile's `region`. */
import { EksTokenError } from "../errors.js";
import { checkRegion } from "./validate.js";

import type { Env } from "../env.js";

export interface RegionSources {
  readonly flag?: string;
  readonly env: Env;
  readonly profile?: string;
  /** Reads `region` of a profile in the shared config file; injected so tests need no files. */
  readonly profileRegion: (profile: string, env: Env) => Promise<string | undefined>;
}

export async function resolveRegion(sources: RegionSources): Promise<string> {
  const { flag, env } = sources;
  if (flag !== undefined) return checkRegion(flag);
  // The SDK ignores AWS_DEFAULT_REGION; the AWS CLI does not, and users carry that habit.
  const fromEnv = nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
  if (fromEnv !== undefined) return checkRegion(fromEnv, env.AWS_REGION ? "AWS_REGION" : "AWS_DEFAULT_REGION");
  const profile = sources.profile ?? nonEmpty(env.AWS_PROFILE) ?? "default";
  const fromProfile = nonEmpty(await sources.profileRegion(profile, env));
  if (fromProfile !== undefined) return checkRegion(fromProfile, `region of profile ${profile}`);
  throw new EksTokenError(
    "config",
    "no region configured",
    `pass --region, set AWS_REGION, or set region in profile ${profile} of ~/.aws/config`,
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** The real reader: the profile's settings as the token path reads them (the credentials file wins over the config file). */
export async function readProfileRegion(profile: string, env: Env): Promise<string | undefined> {
  const { readSharedConfig } = await import("../aws/shared-config.js");
  return readSharedConfig(env, profile).profile.region;
}
