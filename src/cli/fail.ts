/** The one place an error becomes a stderr line and an exit code. */
import { isEksTokenError } from "../errors.js";
import { escapeControls } from "../quote.js";
import { redact } from "../redact.js";

export function reportError(e: unknown, stderr: (text: string) => void, debug: boolean): number {
  if (isEksTokenError(e)) {
    stderr(`eks-token: ${redact(oneLine(e.reportLine))}\n`);
    if (debug && e.cause) stderr(`eks-token: debug: caused by ${redact(oneLine(describe(e.cause)))}\n`);
    return e.exitCode;
  }
  stderr(`eks-token: unexpected error: ${redact(oneLine(describe(e)))}: please report it with the output of --debug\n`);
  if (debug && e instanceof Error && e.stack) stderr(`${redact(e.stack.split("\n").map(escapeControls).join("\n"))}\n`);
  return 70;
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** One line, with any control or bidi character a message let through written as an escape. */
function oneLine(text: string): string {
  return escapeControls(text.replace(/\s*\n\s*/g, " ").trim());
}
