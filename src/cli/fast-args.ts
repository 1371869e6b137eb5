/**
 * The token command's arguments scanned without node:util, for the cache-hit path
 * (./cache-hit.ts). Driven by the same option table as the full parser (./args.ts's OPTIONS), it
 * reads only the plain forms, and gives the same values and positional words as node:util's
 * parseArgs would for them:
 *
 *   --NAME VALUE   --NAME=VALUE   -X VALUE   (a string option; VALUE does not start with `-`)
 *   --NAME         -X             (a boolean option)
 *   WORD           (a positional word: anything not starting with `-`)
 *
 * with the last of a repeated option winning. Anything else (an unknown flag, `--`, grouped or
 * attached short flags, a value that looks like a flag, a value given to a boolean, a missing
 * value) throws NotScanned: the caller hands the call to the full CLI, which parses it again and
 * reports what is wrong. test/cli/fast-args.test.ts compares the two on generated argument lists.
 */
import { OPTIONS, type TokenFlags } from "./args.js";

/** Arguments this scanner leaves to the full parser. */
export class NotScanned extends Error {}

type Option = { readonly type: "string" | "boolean"; readonly short?: string };

const LONG = new Map<string, Option>(Object.entries(OPTIONS));
const SHORT = new Map<string, string>(
  Object.entries(OPTIONS as Record<string, Option>).flatMap(([name, o]) =>
    o.short === undefined ? [] : [[o.short, name] as const],
  ),
);

export function fastScanTokenFlags(argv: readonly string[]): TokenFlags {
  const values: Record<string, string | boolean> = Object.create(null);
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg[0] !== "-") {
      positionals.push(arg);
      continue;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg[1] === "-") {
      const eq = arg.indexOf("=");
      name = arg.slice(2, eq === -1 ? undefined : eq);
      if (eq !== -1) inline = arg.slice(eq + 1);
    } else if (arg.length === 2) {
      name = SHORT.get(arg[1] as string);
    }
    const option = name === undefined || name === "" ? undefined : LONG.get(name);
    if (name === undefined || option === undefined) throw new NotScanned();
    if (option.type === "boolean") {
      if (inline !== undefined) throw new NotScanned();
      values[name] = true;
      continue;
    }
    if (inline !== undefined) {
      values[name] = inline;
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || next[0] === "-") throw new NotScanned();
    values[name] = next;
    i++;
  }
  return { values, positionals } as unknown as TokenFlags;
}
