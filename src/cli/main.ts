/** The CLI: dispatch to a command, turn errors into one stderr line and an exit code. */
import { printToken } from "../usecases/token.js";
import { parseTokenArgs } from "./args.js";
import { debugRequested } from "./debug.js";
import { reportError } from "./fail.js";
import { HELP } from "./help.js";
import type { CliIo, Command } from "./io.js";
import { runtimeName } from "./runtime-name.js";

declare const __EKS_TOKEN_VERSION__: string | undefined;
export const VERSION = typeof __EKS_TOKEN_VERSION__ === "string" ? __EKS_TOKEN_VERSION__ : "0.0.0-dev";

// Subcommands load their code only when asked for.
const SUBCOMMANDS: Record<string, () => Promise<Command>> = {
  verify: async () => (await import("./verify-command.js")).runVerify,
  cache: async () => (await import("./cache-command.js")).runCache,
  kubeconfig: async () => (await import("./kubeconfig-command.js")).runKubeconfig,
  doctor: async () => (await import("./doctor-command.js")).runDoctorCommand,
  login: async () => (await import("./login-command.js")).runLogin,
};

export async function main(io: CliIo): Promise<number> {
  const debug = debugRequested(io.argv, io.env);
  try {
    const [first, ...rest] = io.argv;
    const sub = first === undefined ? undefined : SUBCOMMANDS[first];
    if (sub) return await (await sub())(rest, io);
    const parsed = parseTokenArgs(io.argv, io.env);
    if (parsed.kind === "help") {
      io.stdout(HELP);
      return 0;
    }
    if (parsed.kind === "version") {
      io.stdout(`eks-token ${VERSION} (${runtimeName()})\n`);
      return 0;
    }
    await printToken(parsed.request, io);
    return 0;
  } catch (e) {
    return reportError(e, io.stderr, debug);
  }
}
