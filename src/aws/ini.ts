/**
 * A reader for the AWS shared config and credentials files, enough for the settings eks-token
 * reads itself (region, STS endpoint options, role_arn). The SDK's own loader is asynchronous and
 * would pull SDK code into the cache-hit path; its providers still read the files for credentials.
 *
 * Format as the AWS CLI and SDKs read it: `[section]` headers, `key = value` lines, `#` and `;`
 * comment lines, and indented continuation lines, which belong to the key above and are kept
 * out of the section's own settings.
 */
export type IniSections = Record<string, Record<string, string>>;

export function parseAwsIni(text: string): IniSections {
  const sections: IniSections = Object.create(null);
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) continue;
    const header = /^\[\s*([^\]]*?)\s*\]\s*(?:[#;].*)?$/.exec(trimmed);
    if (header) {
      const name = (header[1] ?? "").replace(/\s+/g, " ");
      current = sections[name] ??= Object.create(null);
      continue;
    }
    // Nested settings (`s3 =` then indented lines) are not ours to read.
    if (/^\s/.test(line) || !current) continue;
    const eq = trimmed.indexOf("=");
    if (eq <= 0) continue;
    const key = trimmed.slice(0, eq).trim().toLowerCase();
    current[key] = trimmed.slice(eq + 1).trim();
  }
  return sections;
}

/**
 * A profile's section: `[profile NAME]` in the config file (`[default]` too), `[NAME]` in the
 * credentials file.
 */
export function profileSection(
  sections: IniSections,
  name: string,
  file: "config" | "credentials",
): Record<string, string> | undefined {
  if (file === "credentials") return sections[name];
  return sections[`profile ${name}`] ?? (name === "default" ? sections["default"] : undefined);
}
