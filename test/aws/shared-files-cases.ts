// Hand-made AWS config and credentials files, one per way of writing them that readers disagree
// on, with what the AWS SDK's own loader makes of each (checked by shared-config.test.ts).
import type { Read, Selection } from "./shared-files-reference.js";

export interface Case {
  readonly name: string;
  readonly config?: string;
  readonly credentials?: string;
  /** The profile: by name (default: "dev"), `{ awsProfile }` for AWS_PROFILE, or `{ none: true }` for the default profile. */
  readonly select?: Selection;
  /** What the SDK reads for the profile (only the fields given are checked). */
  readonly sdk: Partial<Pick<Read, "exists" | "region" | "roleArn" | "fips" | "dualStack">> & {
    readonly sts?: string | undefined;
  };
}

export const CASES: Case[] = [
  // Indentation: an indented setting is a setting (unless a sub-section is open).
  {
    name: "indented region under [default]",
    config: "[default]\n  region = cn-north-1\n",
    select: { none: true },
    sdk: { region: "cn-north-1" },
  },
  { name: "tab-indented region", config: "[profile dev]\n\tregion = eu-west-2\n", sdk: { region: "eu-west-2" } },
  {
    name: "no-break-space indentation",
    config: "[profile dev]\n\u00a0region = eu-west-3\n",
    sdk: { region: "eu-west-3" },
  },
  { name: "indented header", config: "  [profile dev]\nregion = eu-north-1\n", sdk: { region: "eu-north-1" } },
  // Comments: `#` and `;` start one at the line's start or after white space, not elsewhere.
  {
    name: "comment after a value",
    config: "[profile dev]\nregion = eu-west-1 # ireland\n",
    sdk: { region: "eu-west-1" },
  },
  {
    name: "`;` comment after a tab",
    config: "[profile dev]\nregion = eu-west-1\t; ireland\n",
    sdk: { region: "eu-west-1" },
  },
  {
    name: "`#` without white space is part of the value",
    config: "[profile dev]\nregion = eu-west-1#x\n",
    sdk: { region: "eu-west-1#x" },
  },
  {
    name: "`;` without white space is part of the value",
    config: "[profile dev]\nregion = eu-west-1;x\n",
    sdk: { region: "eu-west-1;x" },
  },
  {
    name: "indented comment line",
    config: "[profile dev]\n  # region = us-east-2\nregion = us-west-1\n",
    sdk: { region: "us-west-1" },
  },
  { name: "comment right after `=`", config: "[profile dev]\nregion =# x\n", sdk: { region: "# x" } },
  {
    name: "comment after `=` and a space leaves an empty value",
    config: "[profile dev]\nregion = # x\n",
    sdk: { exists: false, region: undefined },
  },
  // Empty values: no setting, but the start of a sub-section for the indented lines after it.
  {
    name: "empty region in the credentials file does not hide the config file's",
    config: "[profile dev]\nregion = us-west-2\n",
    credentials: "[dev]\nregion =\n",
    sdk: { region: "us-west-2" },
  },
  {
    name: "indented lines after an empty value are a sub-section",
    config: "[profile dev]\ns3 =\n  region = us-east-1\n",
    sdk: { exists: true, region: undefined },
  },
  {
    name: "an unindented line ends the sub-section",
    config: "[profile dev]\ns3 =\n  region = us-east-1\nregion = eu-central-1\n",
    sdk: { region: "eu-central-1" },
  },
  {
    name: "an empty region opens a sub-section",
    config: "[profile dev]\nregion =\n  use_fips_endpoint = true\n",
    sdk: { exists: true, region: undefined, fips: false },
  },
  {
    name: "a sub-section outlives comment and blank lines",
    config: "[profile dev]\ns3 =\n# note\n\n  region = us-east-1\n",
    sdk: { region: undefined },
  },
  {
    name: "a profile with only an empty value does not exist",
    config: "[profile dev]\nregion =\n",
    sdk: { exists: false },
  },
  { name: "an empty section does not exist", config: "[profile dev]\n", sdk: { exists: false } },
  // Quoted and dotted headers name the profile too.
  { name: '[profile "dev"]', config: '[profile "dev"]\nregion = ap-east-1\n', sdk: { region: "ap-east-1" } },
  { name: "[profile 'dev']", config: "[profile 'dev']\nregion = ap-east-1\n", sdk: { region: "ap-east-1" } },
  { name: "[profile.dev]", config: "[profile.dev]\nregion = ap-east-1\n", sdk: { region: "ap-east-1" } },
  {
    name: "[profile\\tdev]: one tab is the one white-space character",
    config: "[profile\tdev]\nregion = ap-east-1\n",
    sdk: { region: "ap-east-1" },
  },
  {
    name: "[profile dev.prod]",
    config: "[profile dev.prod]\nregion = me-south-1\n",
    select: { flag: "dev.prod" },
    sdk: { region: "me-south-1" },
  },
  {
    name: "[profile \"dev']: mismatched quotes",
    config: "[profile \"dev']\nregion = ap-east-1\n",
    sdk: { exists: false },
  },
  // Headers the SDK does not read as the profile.
  { name: "[ profile dev ]", config: "[ profile dev ]\nregion = sa-east-1\n", sdk: { exists: false } },
  { name: "[profile  dev] (two spaces)", config: "[profile  dev]\nregion = sa-east-1\n", sdk: { exists: false } },
  {
    name: "[profile dev\\t] (a tab before `]`)",
    config: "[profile dev\t]\nregion = sa-east-1\n",
    sdk: { exists: false },
  },
  {
    name: "[profile my profile] (a name with a space)",
    config: "[profile my profile]\nregion = sa-east-1\n",
    select: { flag: "my profile" },
    sdk: { exists: false },
  },
  {
    name: "[my profile] in the credentials file",
    credentials: "[my profile]\nregion = sa-east-1\n",
    select: { flag: "my profile" },
    sdk: { exists: false },
  },
  { name: "[Profile dev] (capital P)", config: "[Profile dev]\nregion = sa-east-1\n", sdk: { exists: false } },
  {
    name: "[profile dév] (a non-ASCII name)",
    config: "[profile dév]\nregion = sa-east-1\n",
    select: { flag: "dév" },
    sdk: { exists: false },
  },
  {
    name: "[dév] in the credentials file",
    credentials: "[dév]\nregion = sa-east-1\n",
    select: { flag: "dév" },
    sdk: { region: "sa-east-1" },
  },
  { name: "[ default ]", config: "[ default ]\nregion = sa-east-1\n", select: { none: true }, sdk: { exists: false } },
  // Text after a header's `]`: a comment after white space is fine; anything else unmakes the header.
  {
    name: "[profile dev] # note",
    config: "[profile dev] # note\nregion = af-south-1\n",
    sdk: { region: "af-south-1" },
  },
  {
    name: "[profile dev]#note is no header: its lines stay in the section before",
    config: "[default]\nregion = us-east-1\n[profile dev]#note\nregion = af-south-1\n",
    select: { none: true },
    sdk: { region: "af-south-1" },
  },
  { name: "[profile dev #x] is no header", config: "[profile dev #x]\nregion = af-south-1\n", sdk: { exists: false } },
  {
    name: "[profile dev#x] is another section",
    config: "[profile dev#x]\nregion = af-south-1\n",
    sdk: { exists: false },
  },
  // Keys keep their case.
  { name: "Region = ...", config: "[profile dev]\nRegion = eu-south-1\n", sdk: { exists: true, region: undefined } },
  {
    name: "USE_FIPS_ENDPOINT = true",
    config: "[profile dev]\nregion = us-east-1\nUSE_FIPS_ENDPOINT = true\n",
    sdk: { fips: false },
  },
  // Repeated sections and keys merge, the later value winning; the header forms of one profile merge too.
  {
    name: "a repeated section merges",
    config:
      "[profile dev]\nregion = eu-west-1\nuse_fips_endpoint = true\n[profile other]\nregion = us-east-2\n[profile dev]\nregion = us-west-1\n",
    sdk: { region: "us-west-1", fips: true },
  },
  {
    name: "a repeated key: the last wins",
    config: "[profile dev]\nregion = eu-west-1\nregion = eu-west-2\n",
    sdk: { region: "eu-west-2" },
  },
  {
    name: '[profile dev], [profile "dev"] and [profile.dev] are one section',
    config:
      '[profile dev]\nregion = eu-west-1\n[profile "dev"]\nuse_fips_endpoint = true\n[profile.dev]\nuse_dualstack_endpoint = true\n',
    sdk: { region: "eu-west-1", fips: true, dualStack: true },
  },
  {
    name: "[profile default] replaces [default] in the config file",
    config: "[profile default]\nuse_fips_endpoint = true\n[default]\nregion = us-west-2\n",
    select: { none: true },
    sdk: { region: undefined, fips: true },
  },
  {
    name: "[default] alone",
    config: "[default]\nregion = us-west-2\n",
    select: { none: true },
    sdk: { region: "us-west-2" },
  },
  // Which file wins: the credentials file for region and role_arn, the config file for the endpoint options.
  {
    name: "region: the credentials file wins",
    config: "[profile dev]\nregion = us-west-2\n",
    credentials: "[dev]\nregion = eu-west-1\n",
    sdk: { region: "eu-west-1" },
  },
  {
    name: "use_fips_endpoint: the config file wins",
    config: "[profile dev]\nuse_fips_endpoint = false\n",
    credentials: "[dev]\nuse_fips_endpoint = true\n",
    sdk: { fips: false },
  },
  {
    name: "use_dualstack_endpoint: the config file wins",
    config: "[profile dev]\nuse_dualstack_endpoint = true\n",
    credentials: "[dev]\nuse_dualstack_endpoint = false\n",
    sdk: { dualStack: true },
  },
  {
    name: "use_fips_endpoint from the credentials file alone",
    credentials: "[dev]\nuse_fips_endpoint = true\n",
    sdk: { fips: true },
  },
  {
    name: "sts_regional_endpoints: the config file first",
    config: "[profile dev]\nsts_regional_endpoints = legacy\n",
    credentials: "[dev]\nsts_regional_endpoints = regional\n",
    sdk: { sts: "legacy" },
  },
  {
    name: "role_arn: the credentials file wins",
    config: "[profile dev]\nrole_arn = arn:aws:iam::111111111111:role/a\n",
    credentials: "[dev]\nrole_arn = arn:aws:iam::222222222222:role/b\n",
    sdk: { roleArn: "arn:aws:iam::222222222222:role/b" },
  },
  // Sections of one file only: [NAME] is a profile in the credentials file; in the config file only [default] is.
  { name: "[dev] in the config file", config: "[dev]\nregion = eu-west-1\n", sdk: { exists: false } },
  {
    name: "[profile dev] in the credentials file",
    credentials: "[profile dev]\nregion = eu-west-1\n",
    sdk: { exists: false },
  },
  {
    name: "[default] in the credentials file",
    credentials: "[default]\nregion = eu-west-1\n",
    select: { none: true },
    sdk: { region: "eu-west-1" },
  },
  {
    name: "[profile default] in the credentials file",
    credentials: "[profile default]\nregion = eu-west-1\n",
    select: { none: true },
    sdk: { exists: false },
  },
  // Typed sections that are not profiles, and unknown types.
  {
    name: "[sso-session dev] is not profile dev",
    config: "[sso-session dev]\nregion = eu-west-1\n",
    sdk: { exists: false },
  },
  { name: "[services dev] is not profile dev", config: "[services dev]\nregion = eu-west-1\n", sdk: { exists: false } },
  {
    name: "the lines under [foo dev] belong to no section",
    config: "[profile dev]\nregion = eu-west-1\n[foo dev]\nregion = us-east-1\n",
    sdk: { region: "eu-west-1" },
  },
  {
    name: "an [sso-session] section ends the profile",
    config: "[profile dev]\n[sso-session s]\nregion = eu-west-1\n",
    sdk: { exists: false },
  },
  {
    name: "[] ends the profile",
    config: "[profile dev]\nregion = eu-west-1\n[]\nuse_fips_endpoint = true\n",
    sdk: { region: "eu-west-1", fips: false },
  },
  // Whole-file failures: the SDK's loader refuses these names, and the file reads as empty.
  {
    name: "[__proto__] empties the config file",
    config: "[profile dev]\nregion = eu-west-1\n[__proto__]\n",
    sdk: { exists: false },
  },
  {
    name: "[profile __proto__] empties the config file only",
    config: "[profile dev]\nregion = eu-west-1\n[profile __proto__]\n",
    credentials: "[dev]\nuse_fips_endpoint = true\n",
    sdk: { exists: true, region: undefined, fips: true },
  },
  {
    name: "a __proto__ key is dropped",
    config: "[profile dev]\n__proto__ = x\nregion = eu-west-1\n",
    sdk: { region: "eu-west-1" },
  },
  // Line ends, byte-order mark, lines before any header, values with `=`.
  { name: "CRLF line ends", config: "[profile dev]\r\nregion = eu-west-1\r\n", sdk: { region: "eu-west-1" } },
  { name: "a lone CR does not end a line", config: "[profile dev]\rregion = eu-west-1\n", sdk: { exists: false } },
  { name: "a byte-order mark", config: "\uFEFF[profile dev]\nregion = eu-west-1\n", sdk: { region: "eu-west-1" } },
  {
    name: "settings before any header are ignored",
    config: "region = eu-west-1\n[profile dev]\noutput = json\n",
    sdk: { exists: true, region: undefined },
  },
  { name: "a value with `=`", config: "[profile dev]\nrole_arn = a=b\n", sdk: { roleArn: "a=b" } },
  { name: "`= value` sets nothing", config: "[profile dev]\n= eu-west-1\n", sdk: { exists: false } },
  // Profile selection.
  {
    name: "AWS_PROFILE selects",
    config: "[profile dev]\nregion = eu-west-1\n",
    select: { awsProfile: "dev" },
    sdk: { region: "eu-west-1" },
  },
  {
    name: "the flag over AWS_PROFILE",
    config: "[profile dev]\nregion = eu-west-1\n[profile prod]\nregion = us-east-1\n",
    select: { flag: "prod" },
    sdk: { region: "us-east-1" },
  },
  // Boolean values: exactly "true" and "false" (the differences are in shared-files-reference.ts).
  {
    name: "use_fips_endpoint = TRUE (the SDK: unset)",
    config: "[profile dev]\nuse_fips_endpoint = TRUE\n",
    sdk: { fips: false },
  },
  {
    name: "use_fips_endpoint = yes (the SDK: unset)",
    config: "[profile dev]\nuse_fips_endpoint = yes\n",
    sdk: { fips: false },
  },
];
