/**
 * The CLI's terminal (src/tty-terminal.ts), loaded on first use: a cache hit never asks anyone
 * anything, so it does not load the code that would.
 */
import type { Terminal } from "../terminal.js";

let loaded: Promise<Terminal> | undefined;
const load = (): Promise<Terminal> => {
  loaded ??= import("../tty-terminal.js").then((m) => m.ttyTerminal());
  return loaded;
};

export const processTerminal: Terminal = {
  say: async (text) => (await load()).say(text),
  readHidden: async (prompt, options) => (await load()).readHidden(prompt, options),
};
