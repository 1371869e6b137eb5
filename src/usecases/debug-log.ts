/**
 * The --debug channel: redacted lines on stderr, or nothing. Also the logger handed to the SDK,
 * so its warnings (which it would print with console.warn) only show when debugging.
 */
import type { Logger } from "../logger.js";
import { redact } from "../redact.js";

export interface DebugLog extends Logger {
  readonly enabled: boolean;
}

export function createDebugLog(enabled: boolean, write: (text: string) => void): DebugLog {
  const emit =
    (level: string) =>
    (...args: unknown[]) => {
      if (!enabled) return;
      const text = args.map((a) => (typeof a === "string" ? a : safeJson(a))).join(" ");
      write(`eks-token: debug: ${level ? `${level}: ` : ""}${redact(text)}\n`);
    };
  return {
    enabled,
    trace: emit("trace"),
    debug: emit(""),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
  };
}

function safeJson(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
