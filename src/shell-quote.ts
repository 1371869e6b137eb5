/**
 * A command line to paste into a POSIX shell: each word as it is when it is plain, else in single
 * quotes, else (with control characters, which a terminal would act on) in $'...' with escapes.
 */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;
// Anything a terminal or a shell line would act on: C0/C1 controls, DEL, bidi and other format characters.
const NEEDS_ESCAPES = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/;

export function shellWord(word: string): string {
  if (PLAIN.test(word)) return word;
  if (!NEEDS_ESCAPES.test(word)) return `'${word.replace(/'/g, `'\\''`)}'`;
  let out = "";
  for (const c of word) {
    const cp = c.codePointAt(0) ?? 0;
    if (c === "\\" || c === "'") out += `\\${c}`;
    else if (NEEDS_ESCAPES.test(c))
      out += cp > 0xff ? `\\u${cp.toString(16).padStart(4, "0")}` : `\\x${cp.toString(16).padStart(2, "0")}`;
    else out += c;
  }
  return `$'${out}'`;
}

/** The words of a command, quoted each and joined by spaces. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellWord).join(" ");
}
