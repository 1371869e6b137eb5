/** `eks-token kubeconfig` and `eks-token kubeconfig migrate`: flags in, exit code out. */
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
