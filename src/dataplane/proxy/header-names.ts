/**
 * Header names on the hot path without new strings per header. `toLowerCase()` returns its argument when
 * nothing changes, but clients and backends mostly send capitalised names (`Host`, `User-Agent`,
 * `Content-Type`, `Content-Length`), and each of those costs a fresh string per request.
 */

/** Names longer than this are never cached. */
const MAX_CACHED_LENGTH = 64;
/** The caches are keyed by names clients and backends choose: each is emptied when it reaches this many entries. */
const MAX_CACHED_NAMES = 512;
const lowerCache = new Map<string, string>();
const lineStartCache = new Map<string, string>();

/** `name.toLowerCase()`, from a bounded cache of the names seen (the same string for the same name). */
export function lowerCaseName(name: string): string {
  let lower = lowerCache.get(name);
  if (lower !== undefined) return lower;
  lower = name.toLowerCase();
  // already lower-case names cost nothing to lower-case (the same string comes back): not cached
  if (lower !== name) remember(lowerCache, name, lower);
  return lower;
}

/**
 * `'\r\n' + name + ': '`: the start of a header line in a head built with each line starting with the CRLF
 * of the line before it, so that a header costs two new strings (`lineStart(name) + value`, then appending
 * that) instead of four.
 */
export function lineStart(name: string): string {
  let start = lineStartCache.get(name);
  if (start === undefined) {
    start = '\r\n' + name + ': ';
    remember(lineStartCache, name, start);
  }
  return start;
}

function remember(cache: Map<string, string>, name: string, value: string): void {
  if (name.length > MAX_CACHED_LENGTH) return;
  if (cache.size >= MAX_CACHED_NAMES) cache.clear();
  cache.set(name, value);
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
