/**
 * Lower-casing header names on the hot path without a new string per header. `toLowerCase()` returns its
 * argument when nothing changes, but clients and backends mostly send capitalised names (`Host`,
 * `User-Agent`, `Content-Type`, `Content-Length`), and each of those costs a fresh string per request.
 */

/** Names longer than this are lower-cased every time, never cached. */
const MAX_CACHED_LENGTH = 64;
/** The cache is keyed by names a client chooses: it is emptied when it reaches this many entries. */
const MAX_CACHED_NAMES = 512;
const lowerCache = new Map<string, string>();

/** `name.toLowerCase()`, from a bounded cache of the names seen (the same string for the same name). */
export function lowerCaseName(name: string): string {
  let lower = lowerCache.get(name);
  if (lower !== undefined) return lower;
  lower = name.toLowerCase();
  // already lower-case names cost nothing to lower-case (the same string comes back): not cached
  if (lower !== name && name.length <= MAX_CACHED_LENGTH) {
    if (lowerCache.size >= MAX_CACHED_NAMES) lowerCache.clear();
    lowerCache.set(name, lower);
  }
  return lower;
}

/**
 * A fixed set of lower-case names, looked up ignoring case without lower-casing the name: most names on
 * the hot path (`Server`, `Date`, `Content-Type`) fail on their length alone.
 */
export class CaseInsensitiveNames {
  /** Entries by length. */
  private readonly byLength: (string[] | undefined)[] = [];

  constructor(names: Iterable<string>) {
    for (const n of names) (this.byLength[n.length] ??= []).push(n);
  }

  /** The entry equal to `name.toLowerCase()`, or undefined. */
  public find(name: string): string | undefined {
    // toLowerCase changes a length only for İ (to i and a combining dot, not ASCII): an entry has the length
    // of every name that lower-cases to it
    const candidates = this.byLength[name.length];
    if (candidates === undefined) return undefined;
    for (let k = 0; k < candidates.length; k++) if (equalsLowerCase(name, candidates[k])) return candidates[k];
    return undefined;
  }
}

/** `name.toLowerCase() === lower` for an ASCII `lower` of the same length. */
function equalsLowerCase(name: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    let ch = name.charCodeAt(i);
    if (ch >= 65 && ch <= 90) ch += 32;
    // a non-ASCII character that lower-cases to ASCII (the Kelvin sign to k): not worth a rule of its own
    else if (ch > 127) return name.toLowerCase() === lower;
    if (ch !== lower.charCodeAt(i)) return false;
  }
  return true;
}
