/* eslint-disable no-bitwise -- packed slots and records in typed arrays */
import { comparePaths, firstSegmentHash, PathIndex } from './path-index';
import { CompiledEntry, PATH_EXACT, PATH_PREFIX, PATH_ROOT, predicatesMatch } from './predicates';
import type { RouteRequest } from './types';
import { isWildcard } from '../spec/hostname';

/** A (hostname, first path segment) group with more entries than this gets a PathIndex instead of a scan. */
const SMALL = 12;

/** Hostname kinds, part of every key so that `example.com` never finds the wildcard suffix `.example.com`. */
const EXACT = 0;
const WILDCARD = 1;
const ANY = 2;
/** The segment key of a hostname's `/` prefixes and regular expressions (outside the 30-bit segment hashes). */
const REST = 0x40000000;
/** The count of a group record whose entries are in a PathIndex (its index follows, low and high). */
const BIG = 0xffff;

/**
 * The HTTP route entries of one listener, indexed for `match`.
 *
 * Why typed arrays: with thousands of routes a lookup is bound by cache misses, not by instructions, so the
 * index keeps what a lookup reads small and flat (10,000 routes take well under a megabyte, about the size of
 * a core's L2 cache) instead of a graph of maps, objects and strings:
 *
 * - `slots`, an open-addressing table (linear probing, at most two thirds full) keyed by (hostname kind, hostname
 *   hash, first path segment hash), two int32 per slot: record start + 1 (0 = empty) and the key's full
 *   32-bit hash, so a probe reads a record only when its hash matches;
 * - `pool`, uint16, one record per (hostname, first segment): [host id low, high, segment hash low, high,
 *   count, segment length, segment chars...], then the Exact and PathPrefix candidates in path precedence,
 *   each [kind | plain << 2, entry index low, high, length of the rest, chars after the first segment...]
 *   (count BIG: the index of a PathIndex instead, low and high); a hostname's `/` prefixes and regexes are
 *   its record with segment REST and no segment chars, [kind | plain << 2, entry index low, high] each;
 * - `names`, uint16, each hostname once: [kind, length, chars...] at `nameStart[host id]`, which the request
 *   host is compared with.
 *
 * Keys: an Exact or PathPrefix path (other than `/`) can only match requests with the same first segment, so
 * one probe per hostname finds every candidate for a path. A hostname is an exact host, a wildcard's suffix
 * (`.example.com` for `*.example.com`) or the empty name of the routes for any host (see `nameHash`). A group
 * larger than SMALL (many routes under `/api`) is a PathIndex. Hashes are cheap and never trusted: a record
 * is used only when its hostname and first segment equal the request's char by char, and each candidate's
 * path is compared in full, so a collision costs a probe, never a wrong route.
 *
 * Precedence is the spec's: the exact hostname, then wildcards by longest suffix, then routes for any host;
 * within a hostname Exact, then PathPrefix longest first, then `/`, then RegularExpression, ties in the
 * compiler's order; the first entry whose method, header and query predicates also hold wins.
 */
export class RouteIndex {
  /** Builds the index from route entries in the compiler's order (earlier wins among equal paths). */
  public static build(items: Iterable<{ readonly hostnames: readonly string[]; readonly value: CompiledEntry }>): RouteIndex {
    const byName = new Map<string, Hostname>();
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
  private readonly names: Uint16Array;
  private readonly nameStart: Int32Array;
  /**
   * restBits[hash & restMask] === 1 when some hostname with that hash has `/` or regex entries: a request
   * whose segment finds no candidates skips the second probe (for REST) unless it may find some.
   */
  private readonly restBits: Uint8Array;
  private readonly restMask: number;

  private constructor(hosts: readonly Hostname[]) {
    let maxSuffix = 0;
    for (const h of hosts) if (h.kind === WILDCARD) maxSuffix = Math.max(maxSuffix, h.name.length);
    this.maxSuffix = maxSuffix;
    this.suffixLengths = new Uint8Array(maxSuffix + 1);
    for (const h of hosts) if (h.kind === WILDCARD) this.suffixLengths[h.name.length] = 1;
    this.hasAny = hosts.some((h) => h.kind === ANY);

    const names: number[] = [];
    this.nameStart = new Int32Array(hosts.length);
    let bits = 64;
    while (bits < hosts.length * 4) bits *= 2;
    this.restMask = bits - 1;
    this.restBits = new Uint8Array(bits);

    // per hostname: entries in path precedence, grouped by first segment (REST: `/` and regexes)
    const indexOf = new Map<CompiledEntry, number>();
    const groups: Group[] = [];
    hosts.forEach((h, host) => {
      this.nameStart[host] = names.length;
      names.push(h.kind, h.name.length, ...chars(h.name));
      const hash = nameHash(h.name, 0);
      const bySegment = new Map<string | null, CompiledEntry[]>();
      for (const e of [...h.entries].sort(comparePaths)) {
        if (!indexOf.has(e)) {
          indexOf.set(e, this.entries.length);
          this.entries.push(e);
        }
        const segment = e.pathKind === PATH_EXACT || e.pathKind === PATH_PREFIX ? firstSegment(e.pathValue) : null;
        const g = bySegment.get(segment);
        if (g) g.push(e);
        else bySegment.set(segment, [e]);
      }
      for (const [segment, list] of bySegment) {
        groups.push({ host, hash, kind: h.kind, segment, list });
        if (segment === null) this.restBits[hash & this.restMask] = 1;
      }
    });
    this.names = Uint16Array.from(names);

    const pool: number[] = [];
    let size = 2;
    // at most two thirds full: probes stay within a cache line or two, and the table stays small
    while (size < groups.length * 1.5) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size * 2);
    for (const g of groups) {
      const segmentHash = g.segment === null ? REST : firstSegmentHash(`/${g.segment}`);
      const key = slotHash(g.kind, g.hash, segmentHash);
      let s = key & this.mask;
      while (this.slots[s * 2] !== 0) s = (s + 1) & this.mask;
      this.slots[s * 2] = pool.length + 1;
      this.slots[s * 2 + 1] = key;
      const segment = g.segment ?? '';
      const big = g.segment !== null && g.list.length > SMALL;
      pool.push(g.host & 0xffff, g.host >>> 16, segmentHash & 0xffff, segmentHash >>> 16, big ? BIG : g.list.length);
      pool.push(segment.length, ...chars(segment));
      if (big) {
        pool.push(this.big.length & 0xffff, this.big.length >>> 16);
        this.big.push(new PathIndex(g.list));
        continue;
      }
      for (const e of g.list) {
        const i = indexOf.get(e)!;
        pool.push(e.pathKind | (e.plain ? 4 : 0), i & 0xffff, i >>> 16);
        if (g.segment === null) continue;
        const rest = e.pathValue.slice(1 + segment.length);
        pool.push(rest.length, ...chars(rest));
      }
    }
    this.pool = Uint16Array.from(pool);
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
    const pool = this.pool;
    const key = slotHash(kind, hash, segment);
    for (let s = key & this.mask; ; s = (s + 1) & this.mask) {
      const start = slots[s * 2] - 1;
      if (start < 0) break;
      if (slots[s * 2 + 1] !== key || (pool[start + 2] | (pool[start + 3] << 16)) !== segment) continue;
      const id = pool[start] | (pool[start + 1] << 16);
      if (!this.isName(id, kind, host, from)) continue;
      const count = pool[start + 4];
      if (segment === REST) return this.scanRest(start + 6, count, req);
      const path = req.path;
      const segmentLength = pool[start + 5];
      const end = 1 + segmentLength;
      // the request's first segment must be this record's (a hash collision may give another's)
      let same = path.length === end || path.charCodeAt(end) === 47;
      for (let i = 0; same && i < segmentLength; i++) same = path.charCodeAt(1 + i) === pool[start + 6 + i];
      if (!same) continue;
      const p = start + 6 + segmentLength;
      const e = count === BIG ? this.big[pool[p] | (pool[p + 1] << 16)].match(req) : this.scan(p, count, end, req);
      if (e !== undefined) return e;
      break;
    }
    // no candidate for this segment: the hostname's rest, when it may have one
    return segment === REST || this.restBits[hash & this.restMask] === 0 ? undefined : this.matchName(kind, hash, host, from, REST, req);
  }

  /** True when hostname `id` is `host.slice(from)` of `kind`. */
  private isName(id: number, kind: number, host: string, from: number): boolean {
    const names = this.names;
    const start = this.nameStart[id];
    if (names[start] !== kind || names[start + 1] !== host.length - from) return false;
    const at = start + 2 - from;
    // from the end: names in one table mostly share their domain and differ in the first label
    for (let i = host.length - 1; i >= from; i--) if (host.charCodeAt(i) !== names[at + i]) return false;
    return true;
  }

  /**
   * The first of `count` Exact/PathPrefix candidates at `p` in the pool that matches a request whose path
   * has this group's first segment, which ends at `end`.
   */
  private scan(p: number, count: number, end: number, req: RouteRequest): CompiledEntry | undefined {
    const pool = this.pool;
    const path = req.path;
    const n = path.length;
    for (let c = 0; c < count; c++) {
      const code = pool[p];
      const restLength = pool[p + 3];
      const at = p + 4;
      const len = end + restLength;
      let ok = n === len || (n > len && (code & 3) === PATH_PREFIX && path.charCodeAt(len) === 47);
      for (let i = 0; ok && i < restLength; i++) ok = path.charCodeAt(end + i) === pool[at + i];
      if (ok) {
        const e = this.entries[pool[p + 1] | (pool[p + 2] << 16)];
        if ((code & 4) !== 0 || predicatesMatch(e, req)) return e;
      }
      p = at + restLength;
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

interface Hostname {
  readonly kind: number;
  readonly name: string;
  readonly entries: CompiledEntry[];
}

interface Group {
  readonly host: number;
  readonly hash: number;
  readonly kind: number;
  /** The first path segment of the group's entries; null for `/` and regexes. */
  readonly segment: string | null;
  readonly list: CompiledEntry[];
}

/** `api` of `/api/v1`, `''` of `/` (as `firstSegmentHash` reads it). */
function firstSegment(path: string): string {
  const slash = path.indexOf('/', 1);
  return slash < 0 ? path.slice(1) : path.slice(1, slash);
}

function chars(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
  return out;
}

/**
 * The hash of the hostname `s.slice(from)`: FNV-1a of its first label (after the leading dot of a wildcard
 * suffix) and its length. Cheap on purpose: names in one table mostly share their domain and differ in the
 * first label, and every name is verified char by char, so a collision costs a probe, never a wrong route.
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

/** The 32-bit key of (kind, hostname hash, segment hash); its low bits pick the slot. */
function slotHash(kind: number, hash: number, segment: number): number {
  return Math.imul(hash ^ (kind << 28), 0x9e3779b1) ^ Math.imul(segment, 0x85ebca6b);
}
