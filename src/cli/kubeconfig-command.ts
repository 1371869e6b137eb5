/** `eks-token kubeconfig`, `kubeconfig migrate` and (loaded on demand) `kubeconfig sync`: flags in, exit code out. */
import {
  migrateKubeconfig,
  realKubeconfigDeps,
  updateKubeconfig,
  type KubeconfigDeps,
} from "../usecases/kubeconfig.js";
import type { Command } from "./io.js";
import { parseKubeconfigArgs } from "./kubeconfig-args.js";
import { KUBECONFIG_HELP } from "./kubeconfig-help.js";

export function createKubeconfigCommand(deps: KubeconfigDeps = realKubeconfigDeps(() => process.cwd())): Command {
  return async (args, io) => {
    // sync has its own module: only a sync loads it and the SDK clients it uses.
    if (args[0] === "sync") return (await import("./kubeconfig-sync-command.js")).runKubeconfigSync(args.slice(1), io);
    const parsed = parseKubeconfigArgs(args);
    if (parsed.flags.help) {
      io.stdout(KUBECONFIG_HELP);
      return 0;
    }
    if (parsed.kind === "migrate") await migrateKubeconfig(parsed.flags, io, deps);
    else await updateKubeconfig(parsed.flags, io, deps);
    return 0;
  };
}

export const runKubeconfig: Command = createKubeconfigCommand();
