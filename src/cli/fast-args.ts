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
 * with the last of a repeated option winning (or all of them kept, for an option the table marks
 * `multiple`), and the table's defaults for options not given. Anything else (an unknown flag, `--`, grouped or
 * attached short flags, a value that looks like a flag, a value given to a boolean, a missing
 * value) throws NotScanned: the caller hands the call to the full CLI, which parses it again and
 * reports what is wrong. test/cli/fast-args.test.ts compares the two on generated argument lists.
 */
import { OPTIONS, type TokenFlags } from "./args.js";

/** Arguments this scanner leaves to the full parser. */
export class NotScanned extends Error {}

export type Option = {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  readonly default?: string | boolean | readonly (string | boolean)[];
};

interface Table {
  readonly long: ReadonlyMap<string, Option>;
  readonly short: ReadonlyMap<string, string>;
}

function table(options: Readonly<Record<string, Option>>): Table {
  return {
    long: new Map(Object.entries(options)),
    short: new Map(Object.entries(options).flatMap(([name, o]) => (o.short === undefined ? [] : [[o.short, name]]))),
  };
}

const TOKEN_TABLE = table(OPTIONS as Record<string, Option>);

export function fastScanTokenFlags(argv: readonly string[]): TokenFlags {
  return scanFlags(argv, TOKEN_TABLE) as unknown as TokenFlags;
}

/** The scanner over any option table of parseArgs's shape (the tests try tables the token command may grow into). */
export function scanFlagsWith(
  argv: readonly string[],
  options: Readonly<Record<string, Option>>,
): { values: Record<string, unknown>; positionals: string[] } {
  return scanFlags(argv, table(options));
}

function scanFlags(
  argv: readonly string[],
  { long: LONG, short: SHORT }: Table,
): { values: Record<string, unknown>; positionals: string[] } {
  const values: Record<string, unknown> = Object.create(null);
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
    let value: string | boolean;
    if (option.type === "boolean") {
      if (inline !== undefined) throw new NotScanned();
      value = true;
    } else if (inline !== undefined) {
      value = inline;
    } else {
      const next = argv[i + 1];
      if (next === undefined || next[0] === "-") throw new NotScanned();
      value = next;
      i++;
    }
    values[name] = option.multiple ? [...((values[name] as unknown[] | undefined) ?? []), value] : value;
  }
  // As parseArgs does: an option that was not given takes its default, when the table has one.
  for (const [name, option] of LONG)
    if (values[name] === undefined && option.default !== undefined) values[name] = option.default;
  return { values, positionals };
}
