/** What the token command prints for a token: the ExecCredential JSON, or the bare token. */
import { execCredential } from "../token/exec-credential.js";
import type { MintedToken } from "../token/mint.js";

export function credentialOutput(output: "json" | "token", apiVersion: string, minted: MintedToken): string {
  if (output === "token") return `${minted.token}\n`;
  return `${JSON.stringify(execCredential(apiVersion, minted.token, minted.expiration))}\n`;
}
