/**
 * Where `eks-token verify` finds the token: a bare token, `Bearer <token>`, or a whole
 * ExecCredential as a plugin prints it.
 */
import { EksTokenError } from "../errors.js";

export function extractToken(input: string): string {
  let text = input.trim();
  if (text.startsWith("{")) text = tokenFromExecCredential(text);
  // An Authorization header value copied from a log or a proxy.
  text = text.replace(/^Bearer\s+/i, "").trim();
  if (text === "") {
    throw new EksTokenError(
      "usage",
      "no token given",
      "pass it as an argument, or pipe it (or the plugin's ExecCredential JSON) on stdin",
    );
  }
  return text;
}

function tokenFromExecCredential(text: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EksTokenError(
      "invalid-input",
      "input starts with '{' but is not valid JSON",
      "pass the token itself, or the complete ExecCredential JSON",
    );
  }
  const status = typeof json === "object" && json !== null ? (json as { status?: unknown }).status : undefined;
  const token = typeof status === "object" && status !== null ? (status as { token?: unknown }).token : undefined;
  if (typeof token !== "string") {
    throw new EksTokenError(
      "invalid-input",
      "the JSON input has no status.token",
      "pass an ExecCredential as the plugin prints it, or the token itself",
    );
  }
  return token;
}
