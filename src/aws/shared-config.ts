/**
 * The settings eks-token itself reads from the AWS shared files: the profile's region and STS
 * endpoint options. Credentials are left to the SDK's providers, which read the same files.
 */
import { closeSync, fstatSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { homeDir, type Env } from "../env.js";
import { parseAwsIni, profileSection } from "./ini.js";

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
  /** Identity and modification time of both files: any edit to them selects new cache entries. */
  readonly fingerprint: string;
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
  const config = readIfPresent(configPath);
  const credentials = readIfPresent(credentialsPath);
  const fromConfig = profileSection(parseAwsIni(config.text), profileName, "config");
  const fromCredentials = profileSection(parseAwsIni(credentials.text), profileName, "credentials");
  return {
    configPath,
    credentialsPath,
    profileName,
    profileExplicit: Boolean(explicit),
    profileExists: fromConfig !== undefined || fromCredentials !== undefined,
    profile: { ...fromConfig, ...fromCredentials },
    fingerprint: `${config.stamp};${credentials.stamp}`,
  };
}

/** Missing or unreadable files read as empty, as the SDK treats them. */
function readIfPresent(path: string): { text: string; stamp: string } {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    return { text: "", stamp: (e as NodeJS.ErrnoException).code ?? "unreadable" };
  }
  try {
    // Hashing the contents would cost the hit path more than reading them; a stat tells an edit.
    const stat = fstatSync(fd);
    return { text: readFileSync(fd, "utf8"), stamp: `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}` };
  } catch {
    return { text: "", stamp: "unreadable" };
  } finally {
    closeSync(fd);
  }
}
