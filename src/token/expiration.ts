/** When a token stops being usable, as reported in `expirationTimestamp` (docs/contract.md, "Token format"). */

/** The server accepts a token for 15 minutes after X-Amz-Date; report one minute less, as both peers do. */
export const TOKEN_LIFETIME_MS = 14 * 60_000;
/** A token dies with the credentials that signed it; stop a minute early so clocks and latency fit. */
export const CREDENTIAL_EXPIRY_MARGIN_MS = 60_000;

export function tokenExpiration(signingDate: Date, credentialsExpiration?: Date): Date {
  let end = signingDate.getTime() + TOKEN_LIFETIME_MS;
  if (credentialsExpiration) end = Math.min(end, credentialsExpiration.getTime() - CREDENTIAL_EXPIRY_MARGIN_MS);
  // Whole seconds, rounded down: the format has no fraction and must never overstate.
  return new Date(Math.floor(end / 1000) * 1000);
}

/** `YYYY-MM-DDTHH:MM:SSZ`, the format client-go parses. */
export function formatTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
