/**
 * A reader for the AWS shared config and credentials files that reads what the AWS SDK for
 * JavaScript's own loader reads (its parseIni and loadSharedConfigFiles, which the credential
 * providers use), so the region and endpoint options eks-token signs for come from the same
 * profile the credentials do. That loader is asynchronous and would pull SDK code into the
 * cache-hit path, hence this small synchronous one. test/aws/ini-differential.test.ts compares
 * the two on generated files.
 *
 * The format as that loader reads it, line by line (lines end at `\n` or `\r\n`):
 * - A comment starts at `#` or `;` at the start of a line or after white space; `a=b#c` keeps `#c`.
 *   What is left is trimmed.
 * - `[...]` (after that) is a header. `[TYPE NAME]`, `[TYPE "NAME"]` or `[TYPE 'NAME']`, with one
 *   white-space character between and NAME of letters, digits and `_-@+.%:/`, is a typed section:
 *   TYPE `profile`, `sso-session` or `services` makes section `TYPE.NAME`; any other TYPE makes a
 *   section whose lines are ignored. Any other header is a section named by its text verbatim
 *   (`[default]`, `[profile.dev]`, `[ profile dev ]`). Repeated sections merge, the later key winning.
 * - `key = value` (both trimmed; an `=` first on the line or no `=` makes no setting) sets a key of
 *   the current section. An empty value opens a sub-section: the indented `key = value` lines after
 *   it set `SUB.key`; the first unindented one closes it. Keys keep their case.
 * - Lines before any header, and any other lines, are ignored; a header line that has text after
 *   its `]` is not a header.
 * - A `[__proto__]` or `[profile __proto__]` header makes the loader fail on the file, which then
 *   reads as empty; a key named `__proto__` is dropped (its section still exists).
 *
 * Every step is a single pass over the line, so time grows linearly with the file.
 */
export type IniSections = Record<string, Record<string, string>>;

const SECTION_TYPES = new Set(["profile", "sso-session", "services"]);
const BLOCKED_HEADERS = new Set(["__proto__", "profile __proto__"]);
/** A comment's start: `#` or `;` first on the line or after white space (JavaScript's `\s`). */
const COMMENT = /(?:^|\s)[#;]/;
const SPACE = /\s/;
const WORD = /[\w-]/;
const NAME = /[\w\-@+.%:/]/;

export function parseAwsIni(text: string): IniSections {
  const sections: IniSections = Object.create(null);
  let section: string | undefined;
  let sub: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const comment = line.search(COMMENT);
    const trimmed = (comment === -1 ? line : line.slice(0, comment)).trim();
    if (trimmed.startsWith("[") && trimmed.endsWith("]") && trimmed.length > 1) {
      const header = trimmed.slice(1, -1);
      if (BLOCKED_HEADERS.has(header)) return Object.create(null);
      section = sectionName(header) || undefined;
      sub = undefined;
      continue;
    }
    if (section === undefined) continue;
    const eq = trimmed.indexOf("=");
    if (eq <= 0) continue;
    const key = trimmed.slice(0, eq).trim();
    const value = trimmed.slice(eq + 1).trim();
    if (value === "") {
      sub = key;
      continue;
    }
    if (sub !== undefined && line.trimStart() === line) sub = undefined;
    const name = sub === undefined ? key : `${sub}.${key}`;
    sections[section] ??= Object.create(null);
    if (name !== "__proto__") (sections[section] as Record<string, string>)[name] = value;
  }
  return sections;
}

/** The section a header's text names; "" for a typed header of an unknown type (its lines are ignored). */
function sectionName(header: string): string {
  let i = 0;
  while (i < header.length && WORD.test(header[i]!)) i++;
  if (i === 0 || i === header.length || !SPACE.test(header[i]!)) return header;
  const name = typedName(header.slice(i + 1));
  if (name === undefined) return header;
  const type = header.slice(0, i);
  return SECTION_TYPES.has(type) ? `${type}.${name}` : "";
}

/** NAME, `"NAME"` or `'NAME'`; undefined when the text is none of these. */
function typedName(text: string): string | undefined {
  const quote = text[0];
  const quoted = (quote === '"' || quote === "'") && text.length > 2 && text.endsWith(quote);
  const name = quoted ? text.slice(1, -1) : text;
  if (name === "") return undefined;
  for (const c of name) if (!NAME.test(c)) return undefined;
  return name;
}

/**
 * The config file's profiles, keyed by profile name, as the SDK's loader keys them: `[default]`,
 * then every `profile.NAME` section under NAME (so `[profile default]` replaces `[default]`);
 * `sso-session.NAME` and `services.NAME` sections keep their keys; all other sections are dropped.
 */
export function configFileProfiles(sections: IniSections): IniSections {
  const profiles: IniSections = Object.create(null);
  if (sections["default"]) profiles["default"] = sections["default"];
  for (const [key, value] of Object.entries(sections)) {
    const dot = key.indexOf(".");
    if (dot === -1 || !SECTION_TYPES.has(key.slice(0, dot))) continue;
    profiles[key.startsWith("profile.") ? key.slice(dot + 1) : key] = value;
  }
  return profiles;
}

/**
 * A profile's section: in the config file as configFileProfiles keys it, in the credentials file
 * the section named NAME (`[profile NAME]` there is another section).
 */
export function profileSection(
  sections: IniSections,
  name: string,
  file: "config" | "credentials",
): Record<string, string> | undefined {
  return file === "credentials" ? sections[name] : configFileProfiles(sections)[name];
}
