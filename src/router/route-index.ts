/* eslint-disable no-bitwise -- packed slots and records in typed arrays */
import { isWildcard } from './hostname';
import { comparePaths, firstSegmentHash, PathIndex } from './path-index';
import { CompiledEntry, PATH_EXACT, PATH_PREFIX, PATH_ROOT, predicatesMatch } from './predicates';
import type { RouteRequest } from './types';

/** A (hostname, first path segment) group with more entries than this gets a PathIndex instead of a scan. */
const SMALL = 12;

/**
 * The HTTP route entries of one listener, indexed for `match`.
 *
 * Why typed arrays: with thousands of routes a lookup is bound by cache misses, not by instructions, so the
 * index keeps what a lookup reads in two small, flat arrays rather than in a graph of objects and strings:
 *
 * - hostnames → a small integer id (a Map for exact names, one for wildcard suffixes such as `.example.com`,
 *   and an id for the entries that match any host);
 * - `slots`, an open-addressing table (linear probing, at most half full) keyed by (host id, hash of the
 *   first path segment), four int32 per slot: host id + 1 (0 = empty), segment hash, record start, count;
 * - `pool`, where a slot's record lists its Exact and PathPrefix candidates in path precedence, each as
 *   [kind | plain << 2, entry index low, entry index high, path length, path chars...] in uint16, so matching
 *   compares the request path with the candidate's chars in place, without loading a string;
 * - per host id, the start of its `/` prefixes and regular expressions in `pool` (`rest`), checked when the
 *   segment's candidates do not match: [kind | plain << 2, entry index low, entry index high] each.
 *
 * An Exact or PathPrefix path (other than `/`) can only match requests with the same first segment, so one
 * probe finds every candidate for a path. A group larger than SMALL (many routes under `/api`) is a
 * PathIndex, kept in `big` (slot start = -1 - its index). Candidates are always verified against the whole
 * path, so a hash collision can merge two segments' groups but never match a wrong route.
 *
 * Precedence is the spec's: the exact hostname, then wildcards by longest suffix, then routes for any host;
 * within a hostname Exact, then PathPrefix longest first, then `/`, then RegularExpression, ties in the
 * compiler's order; the first entry whose method, header and query predicates also hold wins.
 */
export class RouteIndex {
  /** Builds the index from route entries in the compiler's order (earlier wins among equal paths). */
  public static build(items: Iterable<{ readonly hostnames: readonly string[]; readonly value: CompiledEntry }>): RouteIndex {
    const exact = new Map<string, CompiledEntry[]>();
    const wildcard = new Map<string, CompiledEntry[]>();
    const any: CompiledEntry[] = [];
    for (const { hostnames, value } of items) {
      if (hostnames.length === 0) any.push(value);
      for (const h of hostnames) {
        const [map, key] = isWildcard(h) ? [wildcard, h.slice(1)] : [exact, h];
        const list = map.get(key);
        if (list) list.push(value);
        else map.set(key, [value]);
      }
    }
    const hosts = [...exact.values(), ...wildcard.values()];
    if (any.length > 0) hosts.push(any);
    return new RouteIndex(exact, wildcard, any.length > 0, hosts);
  }

  private readonly exactIds = new Map<string, number>();
  private readonly wildcardIds = new Map<string, number>();
  private readonly anyId: number;
  /** suffixLengths[n] === 1 when some wildcard suffix is n characters long. */
  private readonly suffixLengths: Uint8Array;
  private readonly maxSuffix: number;
  private readonly entries: CompiledEntry[] = [];
  private readonly big: PathIndex[] = [];
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly pool: Uint16Array;
  /** Per host id: start in `pool` of its `/` and regex candidates, and their count (0: none). */
  private readonly restStart: Int32Array;
  private readonly restCount: Int32Array;

  private constructor(exact: Map<string, CompiledEntry[]>, wildcard: Map<string, CompiledEntry[]>, hasAny: boolean, hosts: CompiledEntry[][]) {
    let id = 0;
    for (const k of exact.keys()) this.exactIds.set(k, id++);
    let maxSuffix = 0;
    for (const k of wildcard.keys()) {
      this.wildcardIds.set(k, id++);
      maxSuffix = Math.max(maxSuffix, k.length);
    }
    this.anyId = hasAny ? id : -1;
    this.maxSuffix = maxSuffix;
    this.suffixLengths = new Uint8Array(maxSuffix + 1);
    for (const k of wildcard.keys()) this.suffixLengths[k.length] = 1;

    // per host: entries in path precedence, split into first-segment groups and the rest
    const indexOf = new Map<CompiledEntry, number>();
    const groups: Array<{ host: number; segment: number; list: CompiledEntry[] }> = [];
    const rests: CompiledEntry[][] = [];
    hosts.forEach((list, host) => {
      const bySegment = new Map<number, CompiledEntry[]>();
      const rest: CompiledEntry[] = [];
      for (const e of [...list].sort(comparePaths)) {
        if (!indexOf.has(e)) {
          indexOf.set(e, this.entries.length);
          this.entries.push(e);
        }
        if (e.pathKind === PATH_EXACT || e.pathKind === PATH_PREFIX) {
          const h = firstSegmentHash(e.pathValue);
          const g = bySegment.get(h);
          if (g) g.push(e);
          else bySegment.set(h, [e]);
        } else {
          rest.push(e);
        }
      }
      for (const [segment, g] of bySegment) groups.push({ host, segment, list: g });
      rests.push(rest);
    });

    const pool: number[] = [];
    const candidate = (e: CompiledEntry, withPath: boolean) => {
      const i = indexOf.get(e)!;
      pool.push(e.pathKind | (e.plain ? 4 : 0), i & 0xffff, i >>> 16);
      if (!withPath) return;
      pool.push(e.pathValue.length);
      for (let c = 0; c < e.pathValue.length; c++) pool.push(e.pathValue.charCodeAt(c));
    };
    let size = 2;
    while (size < groups.length * 2) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size * 4);
    for (const g of groups) {
      let s = slotHash(g.host, g.segment) & this.mask;
      while (this.slots[s * 4] !== 0) s = (s + 1) & this.mask;
      this.slots[s * 4] = g.host + 1;
      this.slots[s * 4 + 1] = g.segment;
      if (g.list.length > SMALL) {
        this.slots[s * 4 + 2] = -1 - this.big.length;
        this.big.push(new PathIndex(g.list));
      } else {
        this.slots[s * 4 + 2] = pool.length;
        this.slots[s * 4 + 3] = g.list.length;
        for (const e of g.list) candidate(e, true);
      }
    }
    this.restStart = new Int32Array(hosts.length);
    this.restCount = new Int32Array(hosts.length);
    rests.forEach((rest, host) => {
      this.restStart[host] = pool.length;
      this.restCount[host] = rest.length;
      for (const e of rest) candidate(e, false);
    });
    this.pool = Uint16Array.from(pool);
  }

  /** The first entry that matches the request, by the spec's precedence; undefined when none does. */
  public match(req: RouteRequest): CompiledEntry | undefined {
    const host = req.host;
    const id = this.exactIds.get(host);
    if (id !== undefined) {
      const e = this.matchHost(id, req);
      if (e !== undefined) return e;
    }
    if (this.maxSuffix > 0) {
      const n = host.length;
      // i = 1 first: the longest suffix is the most specific wildcard (a wildcard never matches the bare suffix)
      for (let i = n - this.maxSuffix > 1 ? n - this.maxSuffix : 1; i < n; i++) {
        if (host.charCodeAt(i) !== 46 /* '.' */ || this.suffixLengths[n - i] !== 1) continue;
        const w = this.wildcardIds.get(host.slice(i));
        if (w !== undefined) {
          const e = this.matchHost(w, req);
          if (e !== undefined) return e;
        }
      }
    }
    return this.anyId >= 0 ? this.matchHost(this.anyId, req) : undefined;
  }

  /** True when some entry is indexed (a listener with no routes answers 404 without a lookup). */
  public get size(): number {
    return this.entries.length;
  }

  private matchHost(host: number, req: RouteRequest): CompiledEntry | undefined {
    const path = req.path;
    const segment = firstSegmentHash(path);
    const slots = this.slots;
    const mask = this.mask;
    for (let s = slotHash(host, segment) & mask; ; s = (s + 1) & mask) {
      const o = s * 4;
      const key = slots[o];
      if (key === 0) break;
      if (key !== host + 1 || slots[o + 1] !== segment) continue;
      const start = slots[o + 2];
      const e = start < 0 ? this.big[-1 - start].match(req) : this.scan(start, slots[o + 3], path, req);
      if (e !== undefined) return e;
      break;
    }
    const rest = this.restCount[host];
    return rest === 0 ? undefined : this.scanRest(this.restStart[host], rest, path, req);
  }

  /** The first of `count` Exact/PathPrefix candidates at `p` in the pool that matches. */
  private scan(p: number, count: number, path: string, req: RouteRequest): CompiledEntry | undefined {
    const pool = this.pool;
    const n = path.length;
    for (let c = 0; c < count; c++) {
      const code = pool[p];
      const len = pool[p + 3];
      const chars = p + 4;
      let ok = n === len || (n > len && (code & 3) === PATH_PREFIX && path.charCodeAt(len) === 47);
      // compare from the end: candidates of one group share their first segment, they differ further on
      for (let i = len - 1; ok && i >= 0; i--) ok = path.charCodeAt(i) === pool[chars + i];
      if (ok) {
        const e = this.entries[pool[p + 1] | (pool[p + 2] << 16)];
        if ((code & 4) !== 0 || predicatesMatch(e, req)) return e;
      }
      p = chars + len;
    }
    return undefined;
  }

  /** The first of `count` `/` prefix or regex candidates at `p` in the pool that matches. */
  private scanRest(p: number, count: number, path: string, req: RouteRequest): CompiledEntry | undefined {
    const pool = this.pool;
    for (let c = 0; c < count; c++, p += 3) {
      const code = pool[p];
      const e = this.entries[pool[p + 1] | (pool[p + 2] << 16)];
      const ok = (code & 3) === PATH_ROOT ? path.charCodeAt(0) === 47 : e.pathRegex?.test(path) === true;
      if (ok && ((code & 4) !== 0 || predicatesMatch(e, req))) return e;
    }
    return undefined;
  }
}

/** Spreads (host id, segment hash) over the slots; the low bits are used. */
function slotHash(host: number, segment: number): number {
  return Math.imul(host + 1, 0x9e3779b1) ^ segment;
}
