/** The real side effects of `eks-token doctor`: files, the credential chain, STS, EKS and the API server. */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { resolveCredentials } from "../aws/credentials.js";
import { createEksApi } from "../aws/eks-api.js";
import { terminalMfaCodeProvider } from "../aws/mfa-prompt.js";
import { fetchCallerIdentity } from "../aws/sts-client.js";
import type { DoctorDeps } from "./doctor.js";
import { createKubeApi } from "./doctor-kube-client.js";
import { isOverCap, readFileCapped, tooLargeError } from "../byte-cap.js";
import { MAX_KUBECONFIG_BYTES } from "../kubeconfig/document.js";
import { quote } from "../quote.js";
import type { Ports } from "./ports.js";

/** A kubeconfig's cap, and so the cap of what doctor reads (kubeconfigs and the CA files they name). */
const DOCTOR_FILE_MAX_BYTES = MAX_KUBECONFIG_BYTES;

const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function realDoctorDeps(ports: Pick<Ports, "env" | "now" | "stderr">, cwd: string): DoctorDeps {
  return {
    env: ports.env,
    now: ports.now,
    files: {
      cwd,
      readFile(path) {
        // Only regular files (a FIFO or a device would block or never end), under a byte cap.
        let file: ReturnType<typeof readFileCapped>;
        try {
          file = readFileCapped(path, DOCTOR_FILE_MAX_BYTES);
        } catch (e) {
          if (isOverCap(e))
            throw tooLargeError(
              `the file ${quote(path)}`,
              DOCTOR_FILE_MAX_BYTES,
              "no kubeconfig or CA file is that large",
            );
          return undefined;
        }
        return file.kind === "file" ? file.bytes.toString("utf8") : undefined;
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
        mfaCodeProvider: terminalMfaCodeProvider({ writePrompt: ports.stderr }),
        timeoutMs,
        now: ports.now,
      }),
    callSts: fetchCallerIdentity,
    eks: createEksApi,
    kube: createKubeApi,
  };
}
