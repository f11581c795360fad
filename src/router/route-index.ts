/* eslint-disable no-bitwise -- packed slots and records in typed arrays */
import { isWildcard } from './hostname';
import { comparePaths, firstSegmentHash, PathIndex } from './path-index';
import { CompiledEntry, PATH_EXACT, PATH_PREFIX, PATH_ROOT, predicatesMatch } from './predicates';
import type { RouteRequest } from './types';

/** A (hostname, first path segment) group with more entries than this gets a PathIndex instead of a scan. */
const SMALL = 12;

/** Hostname kinds, part of every key so that `example.com` never finds the wildcard suffix `.example.com`. */
const EXACT = 0;
const WILDCARD = 1;
const ANY = 2;
/** The segment key of a hostname's `/` prefixes and regular expressions. */
const REST = -1;

/**
 * The HTTP route entries of one listener, indexed for `match`.
 *
 * Why typed arrays: with thousands of routes a lookup is bound by cache misses, not by instructions, so the
 * index keeps what a lookup reads in two flat arrays rather than in a graph of maps, objects and strings:
 *
 * - `slots`, an open-addressing table (linear probing, at most half full) keyed by (hostname kind, hostname
 *   hash, first path segment hash), four int32 per slot: record start + 1 (0 = empty), hostname hash,
 *   segment hash, candidate count (or -1 - the index of a PathIndex in `big`);
 * - `pool`, uint16, where a slot's record starts with the hostname it belongs to, [kind, length, chars...,
 *   host id low, host id high], verified against the request's host in place, then lists its candidates in
 *   path precedence, each as [kind | plain << 2, entry index low, entry index high, path length, path
 *   chars...], so matching compares the request with chars in the same few cache lines and loads no string.
 *
 * Keys: an Exact or PathPrefix path (other than `/`) can only match requests with the same first segment, so
 * one probe per hostname finds every candidate for a path; a hostname's `/` prefixes and regular expressions
 * are the record with segment REST. A hostname is an exact host, a wildcard's suffix (`.example.com` for
 * `*.example.com`) or the empty name of the routes for any host (see `nameHash`). A group larger than SMALL (many routes under `/api`) is a PathIndex. Candidates are
 * always verified (hostname chars, then the whole path), so a hash collision costs a probe, never a wrong
 * route.
 *
 * Precedence is the spec's: the exact hostname, then wildcards by longest suffix, then routes for any host;
 * within a hostname Exact, then PathPrefix longest first, then `/`, then RegularExpression, ties in the
 * compiler's order; the first entry whose method, header and query predicates also hold wins.
 */
export class RouteIndex {
  /** Builds the index from route entries in the compiler's order (earlier wins among equal paths). */
  public static build(items: Iterable<{ readonly hostnames: readonly string[]; readonly value: CompiledEntry }>): RouteIndex {
    const byName = new Map<string, { kind: number; name: string; entries: CompiledEntry[] }>();
    const add = (kind: number, name: string, e: CompiledEntry) => {
      const key = `${kind}${name}`;
      const h = byName.get(key);
      if (h) h.entries.push(e);
      else byName.set(key, { kind, name, entries: [e] });
    };
    for (const { hostnames, value } of items) {
      if (hostnames.length === 0) add(ANY, '', value);
      for (const h of hostnames) {
        if (isWildcard(h)) add(WILDCARD, h.slice(1), value);
        else add(EXACT, h, value);
      }
    }
    return new RouteIndex([...byName.values()]);
  }

  /** suffixLengths[n] === 1 when some wildcard suffix is n characters long. */
  private readonly suffixLengths: Uint8Array;
  private readonly maxSuffix: number;
  private readonly hasAny: boolean;
  private readonly entries: CompiledEntry[] = [];
  private readonly big: PathIndex[] = [];
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly pool: Uint16Array;
  /**
   * restBits[hash & restMask] === 1 when some hostname with that hash has `/` or regex entries: a request
   * whose segment finds no candidates skips the second probe (for REST) unless it may find some.
   */
  private readonly restBits: Uint8Array;
  private readonly restMask: number;
  /** Per host id: the start in `pool` of its `/` and regex candidates, and their count (0: none). */
  private readonly restStart: Int32Array;
  private readonly restCount: Int32Array;

  private constructor(hosts: ReadonlyArray<{ kind: number; name: string; entries: CompiledEntry[] }>) {
    let maxSuffix = 0;
    for (const h of hosts) if (h.kind === WILDCARD) maxSuffix = Math.max(maxSuffix, h.name.length);
    this.maxSuffix = maxSuffix;
    this.suffixLengths = new Uint8Array(maxSuffix + 1);
    for (const h of hosts) if (h.kind === WILDCARD) this.suffixLengths[h.name.length] = 1;
    this.hasAny = hosts.some((h) => h.kind === ANY);

    // per hostname: entries in path precedence, grouped by first segment (REST: `/` and regexes)
    const indexOf = new Map<CompiledEntry, number>();
    const groups: Array<{ host: number; segment: number; list: CompiledEntry[] }> = [];
    hosts.forEach((h, host) => {
      const bySegment = new Map<number, CompiledEntry[]>();
      for (const e of [...h.entries].sort(comparePaths)) {
        if (!indexOf.has(e)) {
          indexOf.set(e, this.entries.length);
          this.entries.push(e);
        }
        const segment = e.pathKind === PATH_EXACT || e.pathKind === PATH_PREFIX ? firstSegmentHash(e.pathValue) : REST;
        const g = bySegment.get(segment);
        if (g) g.push(e);
        else bySegment.set(segment, [e]);
      }
      for (const [segment, list] of bySegment) groups.push({ host, segment, list });
    });

    const pool: number[] = [];
    let size = 2;
    while (size < groups.length * 2) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size * 4);
    this.restStart = new Int32Array(hosts.length);
    this.restCount = new Int32Array(hosts.length);
    let bits = 64;
    while (bits < hosts.length * 4) bits *= 2;
    this.restMask = bits - 1;
    this.restBits = new Uint8Array(bits);
    for (const g of groups) {
      const { kind, name } = hosts[g.host];
      const hash = nameHash(name, 0);
      let s = slotHash(kind, hash, g.segment) & this.mask;
      while (this.slots[s * 4] !== 0) s = (s + 1) & this.mask;
      const o = s * 4;
      this.slots[o] = pool.length + 1;
      this.slots[o + 1] = hash;
      this.slots[o + 2] = g.segment;
      pool.push(kind, name.length);
      for (let c = 0; c < name.length; c++) pool.push(name.charCodeAt(c));
      pool.push(g.host & 0xffff, g.host >>> 16);
      if (g.segment === REST) {
        this.restBits[hash & this.restMask] = 1;
        this.restStart[g.host] = pool.length;
        this.restCount[g.host] = g.list.length;
      }
      if (g.list.length > SMALL && g.segment !== REST) {
        this.slots[o + 3] = -1 - this.big.length;
        this.big.push(new PathIndex(g.list));
        continue;
      }
      this.slots[o + 3] = g.list.length;
      for (const e of g.list) {
        const i = indexOf.get(e)!;
        pool.push(e.pathKind | (e.plain ? 4 : 0), i & 0xffff, i >>> 16);
        if (g.segment === REST) continue;
        pool.push(e.pathValue.length);
        for (let c = 0; c < e.pathValue.length; c++) pool.push(e.pathValue.charCodeAt(c));
      }
    }
    this.pool = Uint16Array.from(pool);
  }

  /** The number of route entries indexed. */
  public get size(): number {
    return this.entries.length;
  }

  /** The first entry that matches the request, by the spec's precedence; undefined when none does. */
  public match(req: RouteRequest): CompiledEntry | undefined {
    const host = req.host;
    const n = host.length;
    const segment = firstSegmentHash(req.path);
    const e = this.matchName(EXACT, nameHash(host, 0), host, 0, segment, req);
    if (e !== undefined) return e;
    if (this.maxSuffix > 0) {
      // i = 1 first: the longest suffix is the most specific wildcard (and a wildcard needs a label before it)
      const lengths = this.suffixLengths;
      for (let i = n - this.maxSuffix > 1 ? n - this.maxSuffix : 1; i < n; i++) {
        if (host.charCodeAt(i) !== 46 /* '.' */ || lengths[n - i] !== 1) continue;
        const w = this.matchName(WILDCARD, nameHash(host, i), host, i, segment, req);
        if (w !== undefined) return w;
      }
    }
    return this.hasAny ? this.matchName(ANY, nameHash(host, n), host, n, segment, req) : undefined;
  }

  /** The entries of one hostname (`host.slice(from)` of `kind`): its segment's candidates, then its rest. */
  private matchName(kind: number, hash: number, host: string, from: number, segment: number, req: RouteRequest): CompiledEntry | undefined {
    const slots = this.slots;
    const mask = this.mask;
    for (let s = slotHash(kind, hash, segment) & mask; ; s = (s + 1) & mask) {
      const o = s * 4;
      const start = slots[o] - 1;
      if (start < 0) break;
      if (slots[o + 1] !== hash || slots[o + 2] !== segment) continue;
      const p = this.owner(start, kind, host, from);
      if (p < 0) continue;
      const id = this.pool[p - 2] | (this.pool[p - 1] << 16);
      const count = slots[o + 3];
      if (segment !== REST) {
        const e = count < 0 ? this.big[-1 - count].match(req) : this.scan(p, count, req);
        if (e !== undefined) return e;
      }
      const rest = this.restCount[id];
      return rest === 0 ? undefined : this.scanRest(this.restStart[id], rest, req);
    }
    // no candidates for this segment: the hostname's rest, when it may have one
    return segment === REST || this.restBits[hash & this.restMask] === 0 ? undefined : this.matchName(kind, hash, host, from, REST, req);
  }

  /** When the record at `start` belongs to `host.slice(from)` of `kind`: where its candidates start; else -1. */
  private owner(start: number, kind: number, host: string, from: number): number {
    const pool = this.pool;
    const len = pool[start + 1];
    if (pool[start] !== kind || len !== host.length - from) return -1;
    const chars = start + 2 - from;
    // from the end: names in one table mostly share their domain and differ in the first label
    for (let i = host.length - 1; i >= from; i--) if (host.charCodeAt(i) !== pool[chars + i]) return -1;
    return start + 4 + len;
  }

  /** The first of `count` Exact/PathPrefix candidates at `p` in the pool that matches. */
  private scan(p: number, count: number, req: RouteRequest): CompiledEntry | undefined {
    const pool = this.pool;
    const path = req.path;
    const n = path.length;
    for (let c = 0; c < count; c++) {
      const code = pool[p];
      const len = pool[p + 3];
      const chars = p + 4;
      let ok = n === len || (n > len && (code & 3) === PATH_PREFIX && path.charCodeAt(len) === 47);
      // from the end: candidates of one group share their first segment, they differ further on
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
  private scanRest(p: number, count: number, req: RouteRequest): CompiledEntry | undefined {
    const pool = this.pool;
    const path = req.path;
    for (let c = 0; c < count; c++, p += 3) {
      const code = pool[p];
      const e = this.entries[pool[p + 1] | (pool[p + 2] << 16)];
      const ok = (code & 3) === PATH_ROOT ? path.charCodeAt(0) === 47 : e.pathRegex?.test(path) === true;
      if (ok && ((code & 4) !== 0 || predicatesMatch(e, req))) return e;
    }
    return undefined;
  }
}

/**
 * The hash of the hostname `s.slice(from)`: FNV-1a of its first label (after the leading dot of a wildcard
 * suffix) and its length. Cheap on purpose: names in one table mostly share their domain and differ in the
 * first label, and `owner` verifies every char, so a collision costs a probe, never a wrong route.
 */
function nameHash(s: string, from: number): number {
  const n = s.length;
  let h = Math.imul(0x811c9dc5 ^ (n - from), 0x01000193);
  for (let i = s.charCodeAt(from) === 46 ? from + 1 : from; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) break;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h & 0x3fffffff;
}

/** Spreads (kind, hostname hash, segment hash) over the slots; the low bits are used. */
function slotHash(kind: number, hash: number, segment: number): number {
  return Math.imul(hash ^ (kind << 28), 0x9e3779b1) ^ segment;
}
