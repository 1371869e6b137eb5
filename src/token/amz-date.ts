/**
 * SigV4's X-Amz-Date, `YYYYMMDDTHHMMSSZ`, read back: the cache reads when a token was signed, and
 * verify checks the date as the server does.
 */
const AMZ_DATE = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/;

/** The instant an X-Amz-Date names, or undefined when it is not of that form or not a real time. */
export function parseAmzDate(raw: string): Date | undefined {
  const m = AMZ_DATE.exec(raw);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
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
