/**
 * Gateway API durations (GEP-2257): one to four `<1-5 digits><h|m|s|ms>` parts, e.g. `1h30m`, `500ms`, `0s`.
 */

export const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

/** Milliseconds of a duration, or undefined when the text is not a valid duration. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  for (const m of text.matchAll(/([0-9]{1,5})(ms|h|m|s)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}

/**
 * A whole, non-negative number of milliseconds as a duration (`5400000` → `1h30m`, `0` → `0s`), or why it
 * cannot be one.
 */
export function formatDuration(ms: number): { readonly text: string } | { readonly problem: string } {
  if (!Number.isInteger(ms) || ms < 0) return { problem: 'must be a whole number of milliseconds, at least 0' };
  if (ms === 0) return { text: '0s' };
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const rest = ms % 1000;
  if (h > 99999) return { problem: 'must be less than 100000 hours' };
  return { text: [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : '', rest ? `${rest}ms` : ''].join('') };
}
