/**
 * The token command when the hit entry did not answer (./entry.ts tries it first): the request
 * resolved and the cache read as the whole CLI does, the token printed, and on a miss the token
 * use case run (it loads the token-miss module). Loaded lazily: a repeated call never loads it.
 */
import type { TokenInput } from "../usecases/token-request.js";
import { cachedTokenOutput, printToken } from "../usecases/token.js";
import type { Ports } from "../usecases/ports.js";
import { reportError } from "./fail.js";
import { callerProcess } from "./caller-process.js";
import { quietProcess, stdoutError, writeAll, writeStderr, writeStdout } from "./process-io.js";
import { processTerminal } from "./terminal.js";

/** Runs the call to its end: its exit code. */
export async function tokenCall(input: TokenInput, ports: Pick<Ports, "env" | "now">): Promise<number> {
  const hit = await cachedTokenOutput(input, ports).catch(() => undefined);
  if (hit !== undefined) return printHit(hit);
  quietProcess(input.debug);
  return runTokenCall(input, {
    ...ports,
    stdout: writeStdout,
    stderr: writeStderr,
    terminal: processTerminal,
    caller: callerProcess,
  });
}

/** A hit's output on stdout: its exit code, a failed write reported as every error is. */
export function printHit(output: string): number {
  try {
    writeAll(1, output);
    return 0;
  } catch (e) {
    return stdoutFailed(e);
  }
}

/** A write to stdout that failed, reported as every error is: the exit code. */
export function stdoutFailed(e: unknown): number {
  return reportError(stdoutError(e), writeStderr, false);
}

/** The token command, as the whole CLI runs it: its exit code, its error reported on stderr. */
export async function runTokenCall(input: TokenInput, ports: Ports): Promise<number> {
  try {
    await printToken(input, ports);
    return 0;
  } catch (e) {
    return reportError(e, ports.stderr, input.debug);
  }
}
