// Reads a pair of AWS shared files two ways: with the AWS SDK's own loader (@smithy/core/config:
// loadSharedConfigFiles, loadConfig with the SDK's region and endpoint selectors, parseKnownFiles as
// the credential providers call it) and with eks-token's reader (readSharedConfig), and puts what
// each resolved for one profile side by side.
//
// Where eks-token deliberately differs, the comparison says how (compareReads):
// - use_fips_endpoint / use_dualstack_endpoint: the SDK takes exactly "true" or "false" and treats any
//   other value as unset (its loader falls through to the default, false); eks-token also accepts
//   them in any case and refuses other values with an error.
// - sts_regional_endpoints: the SDK for JavaScript does not read it; the reference is the SDK's
//   loader asked for it like any other setting (config file first), which is how eks-token reads it.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  loadConfig,
  loadSharedConfigFiles,
  NODE_REGION_CONFIG_FILE_OPTIONS,
  NODE_REGION_CONFIG_OPTIONS,
  NODE_USE_DUALSTACK_ENDPOINT_CONFIG_OPTIONS,
  NODE_USE_FIPS_ENDPOINT_CONFIG_OPTIONS,
  parseKnownFiles,
} from "@smithy/core/config";
import { expect } from "vitest";
import { resolveEndpointSettings } from "../../src/aws/endpoint-settings.js";
import { resolveRegion } from "../../src/aws/region.js";
import { readSharedConfig } from "../../src/aws/shared-config.js";

type Sections = Record<string, Record<string, string | undefined>>;
/** A boolean option's outcome: its value, or "error" when reading it failed. */
export type BoolOutcome = boolean | "error";

export interface Read {
  /** Both files' sections as sorted [name, sorted [key, value] pairs] lists. */
  readonly configFile: Array<[string, Array<[string, string | undefined]>]>;
  readonly credentialsFile: Array<[string, Array<[string, string | undefined]>]>;
  readonly exists: boolean;
  readonly region: string | undefined;
  readonly roleArn: string | undefined;
  /** The raw values of the endpoint options, and the booleans resolved from them. */
  readonly raw: { fips: string | undefined; dualStack: string | undefined; sts: string | undefined };
  readonly fips: BoolOutcome;
  readonly dualStack: BoolOutcome;
}

export interface Files {
  readonly dir: string;
  readonly configPath: string;
  readonly credentialsPath: string;
}

export function filesIn(dir: string): Files {
  mkdirSync(dir, { recursive: true });
  return { dir, configPath: join(dir, "config"), credentialsPath: join(dir, "credentials") };
}

export function writeFiles(files: Files, config: string, credentials: string): void {
  writeFileSync(files.configPath, config);
  writeFileSync(files.credentialsPath, credentials);
}

/** How the profile is chosen: by name (the SDK's `profile` option, eks-token's --profile), by AWS_PROFILE, or not at all. */
export type Selection = { readonly flag: string } | { readonly awsProfile: string } | { readonly none: true };

export function profileOf(selection: Selection): string {
  return "flag" in selection ? selection.flag : "awsProfile" in selection ? selection.awsProfile : "default";
}

function sorted(sections: Sections): Array<[string, Array<[string, string | undefined]>]> {
  return Object.keys(sections)
    .sort()
    .map((name) => [name, Object.entries(sections[name]!).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

const noEnv = () => undefined;

export async function sdkRead(files: Files, selection: Selection): Promise<Read> {
  const saved = process.env["AWS_PROFILE"];
  if ("awsProfile" in selection) process.env["AWS_PROFILE"] = selection.awsProfile;
  else delete process.env["AWS_PROFILE"];
  try {
    const init = {
      ...("flag" in selection ? { profile: selection.flag } : {}),
      filepath: files.credentialsPath,
      configFilepath: files.configPath,
      ignoreCache: true,
    };
    const name = profileOf(selection);
    const setting = (key: string, fileOptions: object = {}) =>
      loadConfig<string | undefined>(
        { environmentVariableSelector: noEnv, configFileSelector: (p) => p[key], default: undefined },
        { ...fileOptions, ...init },
      )();
    const bool = (selector: (p: Record<string, string | undefined>) => boolean | undefined) =>
      loadConfig<boolean>(
        { environmentVariableSelector: noEnv, configFileSelector: selector, default: false },
        init,
      )().catch(() => "error" as const);
    const loaded = await loadSharedConfigFiles(init);
    const known = await parseKnownFiles(init);
    return {
      configFile: sorted(loaded.configFile),
      credentialsFile: sorted(loaded.credentialsFile),
      exists: Object.hasOwn(known, name),
      region: await loadConfig<string | undefined>(
        {
          environmentVariableSelector: noEnv,
          configFileSelector: NODE_REGION_CONFIG_OPTIONS.configFileSelector,
          default: undefined,
        },
        { ...NODE_REGION_CONFIG_FILE_OPTIONS, ...init },
      )(),
      roleArn: known[name]?.["role_arn"],
      raw: {
        fips: await setting("use_fips_endpoint"),
        dualStack: await setting("use_dualstack_endpoint"),
        sts: await setting("sts_regional_endpoints"),
      },
      fips: await bool(NODE_USE_FIPS_ENDPOINT_CONFIG_OPTIONS.configFileSelector),
      dualStack: await bool(NODE_USE_DUALSTACK_ENDPOINT_CONFIG_OPTIONS.configFileSelector),
    };
  } finally {
    if (saved === undefined) delete process.env["AWS_PROFILE"];
    else process.env["AWS_PROFILE"] = saved;
  }
}

export function oursRead(files: Files, selection: Selection): Read {
  const env = {
    HOME: files.dir,
    AWS_CONFIG_FILE: files.configPath,
    AWS_SHARED_CREDENTIALS_FILE: files.credentialsPath,
    ...("awsProfile" in selection ? { AWS_PROFILE: selection.awsProfile } : {}),
  };
  const shared = readSharedConfig(env, "flag" in selection ? selection.flag : undefined);
  const p = shared.profile;
  const bool = (
    pick: (s: ReturnType<typeof resolveEndpointSettings>) => boolean,
    profile: Record<string, string | undefined>,
  ): BoolOutcome => {
    try {
      return pick(resolveEndpointSettings({}, profile));
    } catch {
      return "error";
    }
  };
  return {
    configFile: sorted(shared.configFile),
    credentialsFile: sorted(shared.credentialsFile),
    exists: shared.profileExists,
    region: resolveRegion(undefined, {}, p).region,
    roleArn: p["role_arn"],
    raw: { fips: p.use_fips_endpoint, dualStack: p.use_dualstack_endpoint, sts: p.sts_regional_endpoints },
    fips: bool((s) => s.fips, { use_fips_endpoint: p.use_fips_endpoint }),
    dualStack: bool((s) => s.dualStack, { use_dualstack_endpoint: p.use_dualstack_endpoint }),
  };
}

/**
 * What eks-token makes of a boolean option's raw value, given what the SDK made of it: the same
 * for "true" and "false"; for other spellings of those (TRUE, False) what they say, where the SDK
 * falls back to false; an error for anything else, where the SDK falls back to false.
 */
export function expectedBool(raw: string | undefined, sdk: BoolOutcome): BoolOutcome {
  if (raw === undefined || raw === "true" || raw === "false") return sdk;
  const lower = raw.toLowerCase();
  return lower === "true" ? true : lower === "false" ? false : "error";
}

/** Asserts that eks-token read what the SDK read, but for the differences documented above. */
export function compareReads(sdk: Read, ours: Read, context: string): void {
  expect(ours.configFile, `${context}: config file sections`).toEqual(sdk.configFile);
  expect(ours.credentialsFile, `${context}: credentials file sections`).toEqual(sdk.credentialsFile);
  expect(ours.exists, `${context}: profile exists`).toBe(sdk.exists);
  expect(ours.region, `${context}: region`).toBe(sdk.region);
  expect(ours.roleArn, `${context}: role_arn`).toBe(sdk.roleArn);
  expect(ours.raw, `${context}: endpoint options`).toEqual(sdk.raw);
  // The SDK's own reading of the booleans: exactly "true" is true, everything else false.
  expect(sdk.fips, `${context}: SDK use_fips_endpoint`).toBe(sdk.raw.fips === "true");
  expect(sdk.dualStack, `${context}: SDK use_dualstack_endpoint`).toBe(sdk.raw.dualStack === "true");
  expect(ours.fips, `${context}: use_fips_endpoint`).toBe(expectedBool(sdk.raw.fips, sdk.fips));
  expect(ours.dualStack, `${context}: use_dualstack_endpoint`).toBe(expectedBool(sdk.raw.dualStack, sdk.dualStack));
}
