/**
 * The CLI's process for an automatic SSO sign-in: whether stdin is a terminal, and Ctrl-C or a
 * client killing us turned into a handler call (the listener closes, the lock goes), after which
 * the process ends as the signal asked. node:tty is loaded only when asked.
 */
import type { CallerProcess } from "../usecases/ports.js";

const SIGNALS = process.platform === "win32" ? (["SIGINT"] as const) : (["SIGINT", "SIGTERM", "SIGHUP"] as const);
const EXIT_CODES: Record<(typeof SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as Record<
  (typeof SIGNALS)[number],
  number
>;
/** After the handler, the work it stopped has this long to report before the process ends. */
const GRACE_MS = 2_000;

export const callerProcess: CallerProcess = {
  platform: process.platform,
  async stdinIsTerminal() {
    const { isatty } = await import("node:tty");
    return isatty(0);
  },
  onInterrupt(handler) {
    let fired = false;
    const onSignal = (signal: (typeof SIGNALS)[number]): void => {
      if (fired) return;
      fired = true;
      handler();
      setTimeout(() => process.exit(EXIT_CODES[signal]), GRACE_MS).unref();
    };
    for (const s of SIGNALS) process.on(s, onSignal);
    return () => {
      for (const s of SIGNALS) process.removeListener(s, onSignal);
    };
  },
};
