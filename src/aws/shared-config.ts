/**
 * The settings eks-token itself reads from the AWS shared files: the profile's region and STS
 * endpoint options. Credentials are left to the SDK's providers, which read the same files; the
 * files are read as those providers read them (see ./ini.ts).
 */
import { closeSync, constants, fstatSync, openSync, statSync, type Stats } from "node:fs";
import { EksTokenError } from "../errors.js";
import { isOverCap, readFdCapped, tooLargeError } from "../byte-cap.js";
import { quote } from "../quote.js";
import { configFileProfiles, parseAwsIni, type IniSections } from "./ini.js";

import type { Env } from "../env.js";
import { sharedFilePaths } from "./shared-file-paths.js";
import { describeFileKind } from "../file-kind.js";

export type { Env };
export { sharedFilePaths };

/**
 * A profile's settings, each from the file the SDK takes it from when both files set it: the
 * config file for the endpoint options (the SDK's loader prefers it), the credentials file for
 * `region` (the SDK's region loader prefers it) and everything else (its credential providers merge
 * the files so).
 */
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
  /** Whether either file has a setting for the selected profile (a section without any is none, as in the SDK). */
  readonly profileExists: boolean;
  /** The selected profile's settings. */
  readonly profile: ProfileSettings;
  /** Both files as the SDK's loader returns them: the config file keyed by profile name, the credentials file by section. */
  readonly configFile: IniSections;
  readonly credentialsFile: IniSections;
  /** Identity and modification time of both files: any edit to them selects new cache entries. */
  readonly fingerprint: string;
}

/** The settings the config file (over the credentials file) gives; for the others it is the other way round. */
const CONFIG_FILE_FIRST = ["sts_regional_endpoints", "use_fips_endpoint", "use_dualstack_endpoint"] as const;

export function profileSettings(
  configFile: IniSections,
  credentialsFile: IniSections,
  name: string,
): ProfileSettings | undefined {
  const fromConfig = configFile[name];
  const fromCredentials = credentialsFile[name];
  if (!fromConfig && !fromCredentials) return undefined;
  const profile: Record<string, string> = { ...fromConfig, ...fromCredentials };
  for (const key of CONFIG_FILE_FIRST) {
    const value = fromConfig?.[key] ?? fromCredentials?.[key];
    if (value === undefined) delete profile[key];
    else profile[key] = value;
  }
  return profile;
}

export function readSharedConfig(env: Env, profileFlag: string | undefined): SharedConfig {
  const { configPath, credentialsPath } = sharedFilePaths(env);
  const explicit = profileFlag || env["AWS_PROFILE"];
  const profileName = explicit || "default";
  const config = readIfPresent(configPath, env["AWS_CONFIG_FILE"] ? "AWS_CONFIG_FILE" : undefined, "config");
  const credentials = readIfPresent(
    credentialsPath,
    env["AWS_SHARED_CREDENTIALS_FILE"] ? "AWS_SHARED_CREDENTIALS_FILE" : undefined,
    "credentials",
  );
  const configFile = configFileProfiles(parseAwsIni(config.text));
  const credentialsFile = parseAwsIni(credentials.text);
  const profile = profileSettings(configFile, credentialsFile, profileName);
  return {
    configPath,
    credentialsPath,
    profileName,
    profileExplicit: Boolean(explicit),
    profileExists: profile !== undefined,
    profile: profile ?? {},
    configFile,
    credentialsFile,
    fingerprint: `${config.stamp};${credentials.stamp}`,
  };
}

/** Far more than any AWS config or credentials file holds (thousands of profiles). */
export const MAX_SHARED_FILE_BYTES = 8 * 1024 * 1024;

// Opening a FIFO without O_NONBLOCK waits for a writer; with it, opening returns at once.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Missing or unreadable files read as empty, as the SDK treats them, and so does the null device.
 * Anything else that is not a regular file (a FIFO would block, /dev/zero never ends) is refused.
 */
function readIfPresent(
  path: string,
  envName: string | undefined,
  kind: "config" | "credentials",
): { text: string; stamp: string } {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (e) {
    return { text: "", stamp: (e as NodeJS.ErrnoException).code ?? "unreadable" };
  }
  try {
    // Hashing the contents would cost the hit path more than reading them; a stat tells an edit.
    let stat: Stats;
    let text: string;
    try {
      stat = fstatSync(fd);
      // Read to the end under a cap, whatever the size says: /proc/self/pagemap says 0 and goes on for ever.
      text = stat.isFile() ? readFdCapped(fd, MAX_SHARED_FILE_BYTES).toString("utf8") : "";
    } catch (e) {
      if (isOverCap(e)) {
        throw tooLargeError(
          `the AWS ${kind} file ${quote(path)}${envName ? ` (from ${envName})` : ""}`,
          MAX_SHARED_FILE_BYTES,
          envName ? `point ${envName} at the AWS ${kind} file` : `check ${quote(path)}`,
        );
      }
      return { text: "", stamp: "unreadable" };
    }
    if (stat.isFile()) return { text, stamp: `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}` };
    if (isNullDevice(stat)) return { text: "", stamp: "null" };
    throw new EksTokenError(
      "config",
      `the AWS ${kind} file ${quote(path)}${envName ? ` (from ${envName})` : ""} is ${describeFileKind(stat)}, not a regular file`,
      envName ? `point ${envName} at a regular file (or /dev/null for none)` : "replace it with a regular file",
    );
  } finally {
    closeSync(fd);
  }
}

function isNullDevice(stat: Stats): boolean {
  if (!stat.isCharacterDevice()) return false;
  try {
    const nul = statSync("/dev/null");
    return nul.isCharacterDevice() && nul.rdev === stat.rdev;
  } catch {
    return false;
  }
}
