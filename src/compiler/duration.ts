/**
 * Gateway API durations (GEP-2257): one to four `<1-5 digits><h|m|s|ms>` parts, e.g. `1h30m`, `500ms`, `0s`.
 * Returns milliseconds, or undefined when the text is not a valid duration.
 */
export function parseDuration(text: string): number | undefined {
  if (!/^([0-9]{1,5}(h|m|s|ms)){1,4}$/.test(text)) return undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  for (const m of text.matchAll(/([0-9]{1,5})(ms|h|m|s)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}
