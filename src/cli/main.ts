/** The CLI: dispatch to a command, turn errors into one stderr line and an exit code. */
import { parseTokenArgs, isTrue } from "./args.js";
import { reportError } from "./fail.js";
import { HELP } from "./help.js";
import type { CliIo, Command } from "./io.js";
import { runtimeName } from "./runtime-name.js";
import { runTokenCommand } from "./token-command.js";

declare const __EKS_TOKEN_VERSION__: string | undefined;
export const VERSION = typeof __EKS_TOKEN_VERSION__ === "string" ? __EKS_TOKEN_VERSION__ : "0.0.0-dev";

// Subcommands load their code only when asked for.
const SUBCOMMANDS: Record<string, () => Promise<Command>> = {
  verify: async () => (await import("../verify/command.js")).runVerify,
  cache: async () => (await import("../cache/cache-command.js")).runCache,
  kubeconfig: async () => (await import("../kubeconfig/command.js")).runKubeconfig,
};

export async function main(io: CliIo): Promise<number> {
  const debug = io.argv.includes("--debug") || isTrue(io.env["EKS_TOKEN_DEBUG"]);
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
    return await runTokenCommand(parsed.request, io);
  } catch (e) {
    return reportError(e, io.stderr, debug);
  }
}
