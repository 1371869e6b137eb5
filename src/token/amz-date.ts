/**
 * SigV4's X-Amz-Date, `YYYYMMDDTHHMMSSZ`, read back: the cache reads when a token was signed, and
 * verify checks the date as the server does.
 */
/** The instant an X-Amz-Date names, or undefined when it is not of that form or not a real time. */
export function parseAmzDate(raw: string): Date | undefined {
  // YYYYMMDD "T" HHMMSS "Z", ASCII digits only; read by hand, as the hit path reads one per call.
  if (raw.length !== 16 || raw[8] !== "T" || raw[15] !== "Z") return undefined;
  const year = digits(raw, 0, 4);
  const month = digits(raw, 4, 6);
  const day = digits(raw, 6, 8);
  const hour = digits(raw, 9, 11);
  const minute = digits(raw, 11, 13);
  const second = digits(raw, 13, 15);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 20240230 over into March; Go's time.Parse refuses it, and so do we.
  const roundTrips =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return roundTrips ? date : undefined;
}

/** The number written in text[from, to) in ASCII digits, or -1 when another character is there. */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}
