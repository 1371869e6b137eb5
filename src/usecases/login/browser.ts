/**
 * Opening an address in the person's browser, and whether there is a browser to open.
 *
 * - BROWSER, when set, is the command (the convention of Python's webbrowser, and so of the AWS
 *   CLI): entries separated by the path delimiter, each a command line whose `%s` is the address
 *   (appended when there is none); the first that starts is used.
 * - Otherwise the platform's opener through the `open` package, loaded here only.
 * Nothing the opener prints reaches eks-token's stdout (or its stderr): its output is discarded,
 * and it is not waited for. The caller always prints the address too.
 */
import { spawn } from "node:child_process";
import { delimiter } from "node:path";
import type { Env } from "../../env.js";

/**
 * Whether a browser on this machine can be reached: not over SSH, and on Linux (WSL aside) only
 * with a display, unless BROWSER names one. Where none can, the device-code sign-in is used, since
 * the browser's callback to 127.0.0.1 could not come back.
 */
export function localBrowserReachable(env: Env, platform: NodeJS.Platform): boolean {
  if (env["SSH_CONNECTION"] || env["SSH_TTY"] || env["SSH_CLIENT"]) return false;
  if (env["BROWSER"]) return true;
  if (platform !== "linux" && platform !== "freebsd" && platform !== "openbsd") return true;
  if (env["WSL_DISTRO_NAME"] || env["WSL_INTEROP"]) return true;
  return Boolean(env["DISPLAY"] || env["WAYLAND_DISPLAY"]);
}

/** A command line split as a shell would for plain words and quotes (no expansions). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) word = (word ?? "") + line[++i];
      else word = (word ?? "") + c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= "";
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i];
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The argv each BROWSER entry runs for the address. */
export function browserCommands(browserVariable: string, url: string): string[][] {
  return browserVariable
    .split(delimiter)
    .map((entry) => splitCommandLine(entry))
    .filter((argv) => argv.length > 0)
    .map((argv) => (argv.some((a) => a.includes("%s")) ? argv.map((a) => a.replaceAll("%s", url)) : [...argv, url]));
}

/** Starts a command without waiting for it or keeping its output; true once it has started. */
function start(argv: readonly string[], env: Env): Promise<boolean> {
  const [file, ...args] = argv;
  if (!file) return Promise.resolve(false);
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, args, { stdio: "ignore", detached: true, env: { ...env } as NodeJS.ProcessEnv });
    } catch {
      resolve(false);
      return;
    }
    child.once("error", () => resolve(false));
    child.once("spawn", () => {
      child.unref();
      resolve(true);
    });
  });
}

/** Opens the address; resolves whether an opener was started (not whether a page appeared). */
export async function openBrowser(url: string, env: Env): Promise<boolean> {
  const variable = env["BROWSER"];
  if (variable) {
    for (const argv of browserCommands(variable, url)) if (await start(argv, env)) return true;
    return false;
  }
  try {
    const { default: open } = await import("open");
    const child = await open(url, { wait: false });
    child.on("error", () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}
