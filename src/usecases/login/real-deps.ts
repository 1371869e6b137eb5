/** The real ports of a sign-in: the SDK's OIDC client, the loopback listener, the browser, files, clocks. */
import { createSsoOidc } from "../../aws/sso-oidc.js";
import { ssoTokenFilePath, writeSsoTokenFile } from "../../aws/sso-token-file.js";
import { openCacheDir } from "../../cache/cache-dir.js";
import type { Env } from "../../env.js";
import { sayOrElse, type Terminal } from "../../terminal.js";
import { localBrowserReachable, openBrowser } from "./browser.js";
import { listenForCallback } from "./callback-listener.js";
import { fileRegistrationStore } from "./registration-cache.js";
import type { SignInDeps } from "./sign-in.js";

export interface RealSignInOptions {
  readonly env: Env;
  readonly platform: NodeJS.Platform;
  readonly now: () => number;
  /** The person's terminal; lines go to `fallback` when there is none. */
  readonly terminal: Pick<Terminal, "say">;
  readonly fallback: (text: string) => void;
  /** eks-token's cache folder (resolveCacheDir's answer), for the registration cache. */
  readonly cacheDir: string;
  readonly signal?: AbortSignal;
  readonly debug: (line: string) => void;
}

export function realSignInDeps(options: RealSignInOptions): SignInDeps {
  const { env } = options;
  const dir = openCacheDir(options.cacheDir);
  if (!dir.ok)
    options.debug(`sign-in: registrations are not kept: the cache folder ${dir.dir} is unusable (${dir.reason})`);
  return {
    env,
    now: options.now,
    monotonic: () => performance.now(),
    // Cut short when the sign-in is stopped, so no timer outlives it.
    sleep: (ms) =>
      new Promise((resolve) => {
        const onAbort = () => {
          clearTimeout(timer);
          resolve();
        };
        // Each poll's listener goes with its timer: a sign-in polls hundreds of times.
        const timer = setTimeout(() => {
          options.signal?.removeEventListener("abort", onAbort);
          resolve();
        }, ms);
        options.signal?.addEventListener("abort", onAbort, { once: true });
      }),
    async say(line) {
      const text = `${line}\n`;
      await sayOrElse(options.terminal, options.fallback, text);
    },
    createOidc: (oidcOptions) => createSsoOidc({ ...oidcOptions, debug: options.debug }),
    listen: listenForCallback,
    openBrowser: (url) => openBrowser(url, env),
    browserReachable: () => localBrowserReachable(env, options.platform),
    registrations: fileRegistrationStore(dir.ok ? dir.dir : undefined),
    tokenFilePath: (key) => ssoTokenFilePath(env, key),
    writeTokenFile: writeSsoTokenFile,
    ...(options.signal ? { signal: options.signal } : {}),
    debug: options.debug,
  };
}
