/**
 * The settings eks-token itself reads from the AWS shared files: the profile's region and STS
 * endpoint options. Credentials are left to the SDK's providers, which read the same files.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "../hash.js";
import { parseAwsIni, profileSection } from "./ini.js";

export type Env = Readonly<Record<string, string | undefined>>;

export interface ProfileSettings {
  readonly region?: string;
  readonly sts_regional_endpoints?: string;
  readonly use_fips_endpoint?: string;
  readonly use_dualstack_endpoint?: string;
  readonly [key: string]: string | undefined;
}

export interface SharedConfig {
  readonly configPath: string;
  readonly credentialsPath: string;
  /** The selected profile's name: --profile, else AWS_PROFILE, else `default`. */
  readonly profileName: string;
  /** True when a profile was named explicitly (flag or AWS_PROFILE). */
  readonly profileExplicit: boolean;
  /** Whether either file has a section for the selected profile. */
  readonly profileExists: boolean;
  /** The selected profile's settings; the credentials file wins over the config file, as in the SDKs. */
  readonly profile: ProfileSettings;
  /** A hash of everything both files say: any edit to them selects new cache entries. */
  readonly fingerprint: string;
}

export function homeDir(env: Env): string {
  return env["HOME"] || env["USERPROFILE"] || homedir();
}

function expandHome(path: string, env: Env): string {
  return path === "~" || path.startsWith("~/") ? join(homeDir(env), path.slice(1)) : path;
}

export function sharedFilePaths(env: Env): { configPath: string; credentialsPath: string } {
  return {
    configPath: expandHome(env["AWS_CONFIG_FILE"] || join(homeDir(env), ".aws", "config"), env),
    credentialsPath: expandHome(env["AWS_SHARED_CREDENTIALS_FILE"] || join(homeDir(env), ".aws", "credentials"), env),
  };
}

export function readSharedConfig(env: Env, profileFlag: string | undefined): SharedConfig {
  const { configPath, credentialsPath } = sharedFilePaths(env);
  const explicit = profileFlag || env["AWS_PROFILE"];
  const profileName = explicit || "default";
  const configText = readIfPresent(configPath);
  const credentialsText = readIfPresent(credentialsPath);
  const fromConfig = profileSection(parseAwsIni(configText), profileName, "config");
  const fromCredentials = profileSection(parseAwsIni(credentialsText), profileName, "credentials");
  return {
    configPath,
    credentialsPath,
    profileName,
    profileExplicit: Boolean(explicit),
    profileExists: fromConfig !== undefined || fromCredentials !== undefined,
    profile: { ...fromConfig, ...fromCredentials },
    fingerprint: sha256Hex(`${configText}\0${credentialsText}`),
  };
}

/** Missing or unreadable files read as empty, as the SDK treats them. */
function readIfPresent(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
