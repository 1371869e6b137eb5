/** The real side effects of `eks-token doctor`: files, the credential chain, STS, EKS and the API server. */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { resolveCredentials } from "../../aws/credentials.js";
import { createEksApi } from "../../aws/eks-api.js";
import { terminalMfaCodeProvider } from "../../aws/mfa-prompt.js";
import { fetchCallerIdentity } from "../../aws/sts-client.js";
import type { DoctorDeps } from "./doctor.js";
import type { ExecutableFile } from "./kubeconfig.js";
import { createKubeApi } from "./kube-client.js";
import type { Ports } from "../ports.js";
import { isOverCap, readFileCapped, tooLargeError } from "../../byte-cap.js";
import { MAX_KUBECONFIG_BYTES } from "../../kubeconfig/document.js";
import { quote } from "../../quote.js";
import { NO_TERMINAL } from "../../terminal.js";

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

/** Whether a user other than this one and root may write the file, or rename it away in its folder. */
function replaceableByOthers(path: string): boolean {
  const me = process.getuid?.() ?? 0;
  const owned = (uid: number) => uid === me || uid === 0;
  try {
    const file = statSync(path);
    const dir = statSync(dirname(path));
    const sticky = (dir.mode & 0o1000) !== 0;
    return (
      !owned(file.uid) ||
      (file.mode & 0o022) !== 0 ||
      !owned(dir.uid) ||
      ((dir.mode & 0o022) !== 0 && !(sticky && owned(file.uid)))
    );
  } catch {
    return false;
  }
}

function executable(path: string): ExecutableFile | undefined {
  return isExecutableFile(path) ? { path, replaceableByOthers: replaceableByOthers(path) } : undefined;
}

export function realDoctorDeps(ports: Pick<Ports, "env" | "now" | "stderr" | "terminal">, cwd: string): DoctorDeps {
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
        if (command.includes("/") || command.includes("\\")) return executable(resolve(cwd, command));
        for (const dir of (path ?? "").split(delimiter)) {
          const found = dir === "" ? undefined : executable(join(dir, command));
          if (found) return found;
        }
        return undefined;
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
