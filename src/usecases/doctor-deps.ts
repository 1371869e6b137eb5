/** The real side effects of `eks-token doctor`: files, the credential chain, STS, EKS and the API server. */
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { resolveCredentials } from "../aws/credentials.js";
import { createEksApi } from "../aws/eks-api.js";
import { terminalMfaCodeProvider } from "../aws/mfa-prompt.js";
import { fetchCallerIdentity } from "../aws/sts-client.js";
import type { DoctorDeps } from "./doctor.js";
import { createKubeApi } from "./doctor-kube-client.js";
import type { Ports } from "./ports.js";
import { NO_TERMINAL } from "../terminal.js";

const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function realDoctorDeps(ports: Pick<Ports, "env" | "now" | "stderr" | "terminal">, cwd: string): DoctorDeps {
  return {
    env: ports.env,
    now: ports.now,
    files: {
      cwd,
      readFile(path) {
        try {
          // Only regular files: a FIFO or a device would block or never end.
          if (!statSync(path).isFile()) return undefined;
          return readFileSync(path, "utf8");
        } catch {
          return undefined;
        }
      },
      findExecutable(command, path) {
        if (command.includes("/") || command.includes("\\")) return isExecutableFile(command);
        return (path ?? "").split(delimiter).some((dir) => dir !== "" && isExecutableFile(join(dir, command)));
      },
    },
    resolveCredentials: (target, env, timeoutMs) =>
      resolveCredentials(target, {
        env,
        logger: SILENT,
        mfaCodeProvider: terminalMfaCodeProvider({ terminal: ports.terminal ?? NO_TERMINAL }),
        timeoutMs,
        now: ports.now,
      }),
    callSts: fetchCallerIdentity,
    eks: createEksApi,
    kube: createKubeApi,
  };
}
