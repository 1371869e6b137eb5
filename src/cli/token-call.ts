/**
 * The token command when the hit entry did not answer (./entry.ts tries it first): the request
 * resolved and the cache read as the whole CLI does, the token printed, and on a miss the token
 * use case run (it loads the token-miss module). Loaded lazily: a repeated call never loads it.
 */
import type { TokenInput, TokenRequest } from "../usecases/token-request.js";
import { cachedTokenOutput, prepareTokenRequest, printToken } from "../usecases/token.js";
import type { Ports } from "../usecases/ports.js";
import { reportError } from "./fail.js";
import { callerProcess } from "./caller-process.js";
import { quietProcess, stdoutError, writeAll, writeStderr, writeStdout } from "./process-io.js";
import { processTerminal } from "./terminal.js";

/** Runs the call to its end: its exit code. */
export async function tokenCall(input: TokenInput, ports: Pick<Ports, "env" | "now">): Promise<number> {
  // Resolved once for the cache's read and the call; an error here is reported by the call,
  // which resolves it again and says what is wrong.
  const request = await prepareTokenRequest(input, ports.env).catch(() => undefined);
  if (request !== undefined) {
    let hit: string | undefined;
    try {
      hit = cachedTokenOutput(input, request, ports);
    } catch {
      hit = undefined;
    }
    if (hit !== undefined) return printHit(hit);
  }
  quietProcess(input.debug);
  return runTokenCall(
    input,
    { ...ports, stdout: writeStdout, stderr: writeStderr, terminal: processTerminal, caller: callerProcess },
    request,
  );
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
export async function runTokenCall(input: TokenInput, ports: Ports, prepared?: TokenRequest): Promise<number> {
  try {
    await printToken(input, ports, prepared);
    return 0;
  } catch (e) {
    return reportError(e, ports.stderr, input.debug);
  }
}
