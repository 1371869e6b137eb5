/**
 * How a value the user gave (an argument, a variable, a file's content) appears in a message:
 * quoted, at most about 80 characters, with control, format and bidi characters escaped so a
 * value cannot rewrite the terminal line it is shown on.
 */

/** Unicode Cc: C0, DEL and C1. Spelled out: a \p{...} class costs the cache-hit path a tenth of a millisecond. */
export const CONTROLS = "\\x00-\\x1f\\x7f-\\x9f";
/** The invisible format characters (Cf) a value could hide behind, the bidi controls among them. */
export const FORMATS =
  "\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb";
/** Format characters beyond the BMP, as UTF-16 surrogate pairs (tag characters among them). */
export const ASTRAL_FORMATS =
  "\\uD804[\\uDCBD\\uDCCD]|\\uD80D[\\uDC30-\\uDC3F]|\\uD82F[\\uDCA0-\\uDCA3]|\\uD834[\\uDD73-\\uDD7A]|\\uDB40[\\uDC01\\uDC20-\\uDC7F]";

/** About this many characters of a value are shown; the rest is counted. */
export const QUOTE_LIMIT = 80;

// Line and paragraph separators break lines too; a lone surrogate is not text.
const UNSAFE = new RegExp(
  `${ASTRAL_FORMATS}|[${CONTROLS}${FORMATS}\\u2028\\u2029]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]`,
  "g",
);
const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** The text with every control, format and bidi character written as an escape (\n, \u202e, \u{e0041}). */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => NAMED[c] ?? escapeCodePoint(c));
}

function escapeCodePoint(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, "0")}`;
}

/** At most `limit` characters of the text (never half a surrogate pair), and whether it was cut. */
function cut(text: string, limit: number): { shown: string; cut: boolean } {
  if (text.length <= limit) return { shown: text, cut: false };
  let end = limit;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return { shown: text.slice(0, end), cut: true };
}

/** A value for a message: `"us-west-2"`, or `"aaaa…"... (100000 characters)` when long, escaped. */
export function quote(value: string, limit = QUOTE_LIMIT): string {
  const { shown, cut: long } = cut(value, limit);
  const body = escapeControls(shown.replace(/["\\]/g, "\\$&"));
  return long ? `"${body}"... (${value.length} characters)` : `"${body}"`;
}

/** Text that is not a value but may carry one (a line from another program, a host name): escaped and bounded, unquoted. */
export function shorten(text: string, limit = QUOTE_LIMIT): string {
  const { shown, cut: long } = cut(text, limit);
  return long ? `${escapeControls(shown)}... (${text.length} characters)` : escapeControls(shown);
}

// What JSON.stringify leaves raw but a terminal acts on: DEL, C1, format and bidi characters, separators.
const JSON_UNSAFE = new RegExp(`${ASTRAL_FORMATS}|[\\x7f-\\x9f${FORMATS}\\u2028\\u2029]`, "g");

/** JSON text with those characters written as \uXXXX escapes: the same value to a parser, inert on a terminal. */
export function escapeJsonControls(json: string): string {
  return json.replace(JSON_UNSAFE, (c) =>
    Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`).join(""),
  );
}

const SHELL_PLAIN = /^[\w@%+=:,./-]+$/;
const SHELL_UNSAFE = new RegExp(UNSAFE.source);

/**
 * A word for a command line a person pastes: bare when it holds only safe characters, else in
 * single quotes; a word with control, format or bidi characters is written $'...' with those
 * characters escaped, so the line stays one line, shows every character, and runs nothing.
 */
export function shellWord(word: string): string {
  if (word !== "" && SHELL_PLAIN.test(word)) return word;
  if (!SHELL_UNSAFE.test(word)) return `'${word.replace(/'/g, `'\\''`)}'`;
  const body = word.replace(/[\\']/g, "\\$&").replace(UNSAFE, (c) => {
    const cp = c.codePointAt(0) ?? 0;
    return NAMED[c] ?? (cp > 0xffff ? `\\U${cp.toString(16).padStart(8, "0")}` : escapeCodePoint(c));
  });
  return `$'${body}'`;
}

/** Words joined into one command line, each quoted by shellWord. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellWord).join(" ");
}
