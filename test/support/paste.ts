// A printed command line pasted into a shell, as a person would: parsed by `sh -n` and by
// `bash -n`, then run by each with a PATH of stand-ins for the commands doctor names (aws,
// kubectl, eks-token, sudo, npm), which record their arguments and do nothing else.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const STAND_INS = ["aws", "kubectl", "eks-token", "sudo", "npm"] as const;

export interface Pasted {
  /** The shells that parse the line (`-n`): both, or it is no command. */
  readonly parses: { readonly sh: boolean; readonly bash: boolean };
  /** Each stand-in run under bash: its name and arguments, exactly as received. */
  readonly bashCalls: readonly (readonly string[])[];
  /** Each stand-in run under sh. */
  readonly shCalls: readonly (readonly string[])[];
}

/** A folder to point hostile values at: whatever appears in it was created by a pasted command. */
export function markerDir(): { readonly dir: string; readonly touched: () => string[]; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "eks-token-paste-"));
  return {
    dir,
    touched: () =>
      (existsSync(dir) ? spawnSync("ls", ["-A", dir], { encoding: "utf8" }).stdout.split("\n") : []).filter(Boolean),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function run(shell: string, line: string, bin: string, log: string): (readonly string[])[] {
  writeFileSync(log, "");
  spawnSync(shell, ["-c", line], {
    env: { PATH: `${bin}:/usr/bin:/bin`, LOG: log, HOME: bin },
    encoding: "utf8",
    timeout: 10_000,
    input: "",
  });
  return readFileSync(log, "utf8")
    .split("\u0001\u0000")
    .filter((x) => x !== "")
    .map((call) => call.split("\u0000").slice(0, -1));
}

export function paste(line: string): Pasted {
  const bin = mkdtempSync(join(tmpdir(), "eks-token-paste-bin-"));
  try {
    for (const name of STAND_INS) {
      const file = join(bin, name);
      // Records its name and each argument, NUL-terminated, then a record separator.
      writeFileSync(
        file,
        `#!/bin/sh\n{ printf '%s\\0' ${name}; for a in "$@"; do printf '%s\\0' "$a"; done; printf '\\001\\0'; } >> "$LOG"\n`,
      );
      chmodSync(file, 0o755);
    }
    const parses = {
      sh: spawnSync("sh", ["-n", "-c", line]).status === 0,
      bash: spawnSync("bash", ["-n", "-c", line]).status === 0,
    };
    const log = join(bin, "calls.log");
    return { parses, bashCalls: run("bash", line, bin, log), shCalls: run("sh", line, bin, log) };
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}
