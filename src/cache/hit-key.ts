/**
 * The hit key: one token call's inputs exactly as given (the parsed command line, the variables,
 * the AWS shared files' stamps), hashed. Equal inputs resolve to the same target and the same
 * token key (./cache-key.ts), so a call whose hit key has a hit entry (./token-entry.ts) is
 * answered without parsing the AWS files or resolving the target again. Anything that could
 * change what the inputs resolve to changes the hit key: every AWS_ variable (the SDK's and
 * ours), the home directory and the cache directory's variable, and each shared file's stamp
 * (src/file-stamp.ts), taken before the files are read for the target, so a file edited after
 * its stamp was taken can only leave a hit entry no later call matches.
 *
 * It is a finer key than the token key, never a coarser one: calls that differ only in ways the
 * target does not depend on (AWS_PAGER, a flag written another way) get their own hit entries,
 * pointing to the same token entry.
 */
import { sharedFilePaths } from "../aws/shared-file-paths.js";
import type { Env } from "../env.js";
import { fileStamp } from "../file-stamp.js";
import { sha256Hex } from "../hash.js";
import { CACHE_FORMAT_VERSION } from "./cache-key.js";

/** Besides every AWS_ variable, those the target or the cache's place is read from. */
const OTHER_VARIABLES = ["HOME", "USERPROFILE", "EKS_TOKEN_CACHE_DIR"] as const;

/**
 * What eks-token sets in its own environment before the SDK loads (src/cli/process-io.ts): left
 * out, so a key taken before and one taken after agree. It says nothing about the target.
 */
const OWN_VARIABLES = ["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] as const;

/** Whether the hit key takes this variable in. */
export function inHitKey(name: string): boolean {
  if ((OWN_VARIABLES as readonly string[]).includes(name)) return false;
  return name.startsWith("AWS_") || (OTHER_VARIABLES as readonly string[]).includes(name);
}

/** How the token is printed, which the hit path applies itself: one hit entry serves every form. */
const PRESENTATION = ["output", "apiVersion"] as const;

/** `input`: the call's parsed options (the CLI's TokenInput); the order of its fields does not matter. */
export function hitCacheKey(input: object, env: Env): string {
  const { configPath, credentialsPath } = sharedFilePaths(env);
  const variables: Record<string, string | undefined> = {};
  for (const name of Object.keys(env).filter(inHitKey).sort()) variables[name] = env[name];
  const given = input as Readonly<Record<string, unknown>>;
  const options: Record<string, unknown> = {};
  for (const name of Object.keys(given).sort()) {
    if (!(PRESENTATION as readonly string[]).includes(name)) options[name] = given[name];
  }
  return sha256Hex(
    JSON.stringify({
      kind: "hit",
      v: CACHE_FORMAT_VERSION,
      options,
      // Secrets among them enter the material as they are: only its SHA-256 is written anywhere.
      variables,
      files: [configPath, fileStamp(configPath), credentialsPath, fileStamp(credentialsPath)],
    }),
  );
}
