/**
 * The one wrapper around node:util's parseArgs for every command: strict, and its errors turned
 * into one usage line that names the flag (node's own messages explain `--` tricks meant for
 * scripts) plus the command's hint.
 *
 * node:util is fetched when a parse runs, not imported: the native executable's runtime loads it
 * on import (about 2.5 ms), and the cache-hit path (./cache-hit.ts) scans its arguments without it.
 */
import type { ParseArgsConfig } from "node:util";
import { EksTokenError } from "../errors.js";
import { shorten } from "../quote.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface FlagsConfig {
  /** Whether words other than flags are accepted (they are returned as positionals). */
  readonly positionals: boolean;
  /** What to do about a mistake, e.g. "run `eks-token --help` for the options". */
  readonly hint: string;
}

export function parseFlags<O extends Options>(args: readonly string[], options: O, config: FlagsConfig) {
  const { parseArgs } = process.getBuiltinModule("node:util");
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: config.positionals });
  } catch (e) {
    throw usageError(e, config.hint);
  }
}

function usageError(e: unknown, hint: string): EksTokenError {
  const code = (e as { code?: string }).code;
  const message = e instanceof Error ? e.message : String(e);
  const found = /'([^']+)'/.exec(message)?.[1];
  const quoted = found === undefined ? undefined : shorten(found);
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new EksTokenError("usage", `unknown option ${quoted ?? shorten(message)}`, hint);
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new EksTokenError("usage", `unexpected argument ${quoted ?? shorten(message)}`, hint);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return new EksTokenError("usage", `missing or ambiguous value: ${shorten(firstSentence(message), 200)}`, hint);
    default:
      return new EksTokenError("usage", shorten(firstSentence(message), 200), hint);
  }
}

function firstSentence(message: string): string {
  const line = message.split("\n")[0] ?? message;
  const end = line.indexOf(". ");
  return end === -1 ? line : line.slice(0, end);
}
