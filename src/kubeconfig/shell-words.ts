/** Words of a command shown for pasting into a POSIX shell: each quoted when it needs to be, escapes shown as escapes. */
import { escapeControls } from "../quote.js";

const PLAIN = /^[\w@%+=:,./-]+$/;

export function shellWord(word: string): string {
  return PLAIN.test(word) ? word : `'${escapeControls(word).replace(/'/g, `'\\''`)}'`;
}

export function shellJoin(words: readonly string[]): string {
  return words.map(shellWord).join(" ");
}
