/** How long until or since a moment, for people: the verify report and its messages. */
/** `11m 32s`, `3m`, `1h 5m`, `45s`: the two largest units, zeros dropped. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const units =
    h > 0
      ? [
          [h, "h"],
          [m, "m"],
        ]
      : m > 0
        ? [
            [m, "m"],
            [s, "s"],
          ]
        : [[s, "s"]];
  const shown = units.filter(([n], i) => i === 0 || n !== 0).map(([n, u]) => `${n}${u}`);
  return shown.join(" ");
}
