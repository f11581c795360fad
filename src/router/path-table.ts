/* eslint-disable no-bitwise -- FNV hashing of path prefixes and packed entry codes */
import { CompiledEntry, PATH_EXACT, PATH_PREFIX, PATH_ROOT, predicatesMatch } from './predicates';
import type { RouteRequest } from './types';

/** Buckets up to this size are scanned in order: fewer memory accesses than an index, and no allocation. */
const SMALL = 12;

/**
 * The route entries of one hostname bucket, once built: a small bucket is a packed array scanned in order
 * ([code, path value, entry] triples; code = kind | (plain ? 4 : 0) | length << 3), a large one a PathIndex.
 * Entries are in path precedence: Exact, then PathPrefix longest first, then `/`, then RegularExpression;
 * among equal paths the compiler's order (method, header count, query count, age, name, rule, match). The
 * first entry whose path and predicates match wins.
 */
export type PathBucket = unknown[] | SegmentIndex | PathIndex;

/** Collects a bucket's entries, then `seal()` packs or indexes them. */
export class PathTable {
  private readonly all: CompiledEntry[] = [];

  public add(e: CompiledEntry): this {
    this.all.push(e);
    return this;
  }

  /** Orders the entries by path precedence (a stable sort) and packs or indexes them. */
  public seal(): PathBucket {
    const all = [...this.all].sort(comparePaths);
    return all.length > SMALL ? new SegmentIndex(all) : pack(all);
  }
}

function pack(sorted: readonly CompiledEntry[]): unknown[] {
  return sorted.flatMap((e) => [e.pathKind | (e.plain ? 4 : 0) | (e.pathValue.length << 3), e.pathValue, e]);
}

/** 30-bit FNV-1a of the first path segment (`api` of `/api/v1`; '' for `/`). */
function firstSegmentHash(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 47) break;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h & 0x3fffffff;
}

/**
 * A large bucket split by the first path segment: an Exact or PathPrefix path (other than `/`) can only
 * match requests with the same first segment, so a lookup hashes that segment and searches one small
 * sub-bucket (packed, or a PathIndex when still large), then the `/` prefixes and regexes.
 *
 * Everything lives in one flat array, so that a lookup with many routes touches few cache lines: an
 * open-addressing table of [segment hash, start, end] slots (linear probing, at most half full) whose range
 * points at packed [code, path value, entry] triples further on in the same array, or, for a sub-bucket that
 * is still large, at one PathIndex (end = -1). The `/` prefixes and regexes are the range [restStart, length).
 */
export class SegmentIndex {
  private readonly flat: unknown[] = [];
  private readonly mask: number;
  private readonly restStart: number;

  public constructor(sorted: readonly CompiledEntry[]) {
    const groups = new Map<number, CompiledEntry[]>();
    const rest: CompiledEntry[] = [];
    for (const e of sorted) {
      if (e.pathKind === PATH_EXACT || e.pathKind === PATH_PREFIX) {
        const h = firstSegmentHash(e.pathValue);
        const list = groups.get(h) ?? [];
        list.push(e);
        groups.set(h, list);
      } else {
        rest.push(e);
      }
    }
    let slots = 2;
    while (slots < groups.size * 2) slots *= 2;
    this.mask = slots - 1;
    const flat = this.flat;
    for (let i = 0; i < slots; i++) flat.push(-1, 0, 0);
    for (const [h, list] of groups) {
      let s = h & this.mask;
      while (flat[s * 3] !== -1) s = (s + 1) & this.mask;
      flat[s * 3] = h;
      flat[s * 3 + 1] = flat.length;
      if (list.length > SMALL) {
        flat[s * 3 + 2] = -1;
        flat.push(new PathIndex(list));
      } else {
        flat.push(...pack(list));
        flat[s * 3 + 2] = flat.length;
      }
    }
    this.restStart = flat.length;
    flat.push(...pack(rest));
  }

  public match(req: RouteRequest): CompiledEntry | undefined {
    const flat = this.flat;
    const mask = this.mask;
    const h = firstSegmentHash(req.path);
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const key = flat[s * 3] as number;
      if (key === -1) break;
      if (key !== h) continue;
      const start = flat[s * 3 + 1] as number;
      const end = flat[s * 3 + 2] as number;
      const e = end === -1 ? (flat[start] as PathIndex).match(req) : matchRange(flat, start, end, req);
      if (e !== undefined) return e;
      break;
    }
    return matchRange(flat, this.restStart, flat.length, req);
  }
}

/** The first entry of the bucket that matches the request. */
export function matchBucket(bucket: PathBucket, req: RouteRequest): CompiledEntry | undefined {
  return Array.isArray(bucket) ? matchRange(bucket, 0, bucket.length, req) : bucket.match(req);
}

/** The first entry of the packed triples in [start, end) of `packed` that matches the request. */
function matchRange(packed: readonly unknown[], start: number, end: number, req: RouteRequest): CompiledEntry | undefined {
  const path = req.path;
  const n = path.length;
  for (let i = start; i < end; i += 3) {
    const code = packed[i] as number;
    const kind = code & 3;
    const len = code >> 3;
    let ok: boolean;
    if (kind === PATH_EXACT) {
      ok = n === len && path === packed[i + 1];
    } else if (kind === PATH_PREFIX) {
      // by whole segments: `/abc` matches `/abc` and `/abc/...`, not `/abcd`
      ok = n === len ? path === packed[i + 1] : n > len && path.charCodeAt(len) === 47 && path.startsWith(packed[i + 1] as string);
    } else if (kind === PATH_ROOT) {
      ok = path.charCodeAt(0) === 47;
    } else {
      ok = (packed[i + 2] as CompiledEntry).pathRegex?.test(path) === true;
    }
    if (ok && ((code & 4) !== 0 || predicatesMatch(packed[i + 2] as CompiledEntry, req))) return packed[i + 2] as CompiledEntry;
  }
  return undefined;
}

function comparePaths(a: CompiledEntry, b: CompiledEntry): number {
  return a.pathKind - b.pathKind || (a.pathKind === PATH_PREFIX ? b.pathValue.length - a.pathValue.length : 0);
}

/** 30-bit FNV-1a of `s[0..end)` (a small integer, so V8 keeps Map keys unboxed). */
function fnv(s: string, end: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

/**
 * The index of a large bucket. Entries are keyed by the hash of their path (exact) or prefix; a lookup
 * hashes the request path once, left to right, noting the hash at each segment boundary where some prefix
 * of that length exists, then probes exact, prefixes longest first, `/`, and the regexes. Candidates are
 * verified against the real path value, so a hash collision never matches a wrong route.
 */
export class PathIndex {
  private readonly exact = new Map<number, CompiledEntry[]>();
  private readonly prefix = new Map<number, CompiledEntry[]>();
  private readonly root: CompiledEntry[] = [];
  private readonly regex: CompiledEntry[] = [];
  /** prefixLengths[n] === 1 when some prefix of length n exists; exactLengths likewise for exact paths. */
  private readonly prefixLengths: Uint8Array;
  private readonly exactLengths: Uint8Array;
  /** Scratch for one match (matching is synchronous): boundary positions and the prefix hashes there. */
  private readonly boundaryAt: Int32Array;
  private readonly boundaryHash: Int32Array;

  public constructor(sorted: readonly CompiledEntry[]) {
    let max = 0;
    let maxExact = 0;
    for (const e of sorted) {
      if (e.pathKind === PATH_PREFIX) max = Math.max(max, e.pathValue.length);
      if (e.pathKind === PATH_EXACT) maxExact = Math.max(maxExact, e.pathValue.length);
    }
    this.prefixLengths = new Uint8Array(max + 1);
    this.exactLengths = new Uint8Array(maxExact + 1);
    // at most one boundary per configured length, so this never overflows
    this.boundaryAt = new Int32Array(max + 1);
    this.boundaryHash = new Int32Array(max + 1);
    for (const e of sorted) {
      const hash = fnv(e.pathValue, e.pathValue.length);
      if (e.pathKind === PATH_EXACT) {
        push(this.exact, hash, e);
        this.exactLengths[e.pathValue.length] = 1;
      } else if (e.pathKind === PATH_ROOT) {
        this.root.push(e);
      } else if (e.pathKind === PATH_PREFIX) {
        push(this.prefix, hash, e);
        this.prefixLengths[e.pathValue.length] = 1;
      } else {
        this.regex.push(e);
      }
    }
  }

  public match(req: RouteRequest): CompiledEntry | undefined {
    const path = req.path;
    const n = path.length;
    const lengths = this.prefixLengths;
    // one pass: the hash of every prefix that ends at a segment boundary and has a configured length
    const boundaryAt = this.boundaryAt;
    const boundaryHash = this.boundaryHash;
    const exactLength = n < this.exactLengths.length && this.exactLengths[n] === 1;
    const wholePrefix = n < lengths.length && lengths[n] === 1 && path.charCodeAt(n - 1) !== 47;
    // hash only as far as some configured path is long
    const end = exactLength || wholePrefix ? n : Math.min(n, lengths.length);
    let count = 0;
    let h = 0x811c9dc5;
    for (let i = 0; i < end; i++) {
      const c = path.charCodeAt(i);
      if (c === 47 && i > 0 && i < lengths.length && lengths[i] === 1) {
        boundaryAt[count] = i;
        boundaryHash[count++] = h & 0x3fffffff;
      }
      h = Math.imul(h ^ c, 0x01000193);
    }
    const whole = h & 0x3fffffff;
    if (exactLength) {
      const exact = this.exact.get(whole);
      if (exact !== undefined) {
        for (const e of exact) if (e.pathValue === path && predicatesMatch(e, req)) return e;
      }
    }
    // the whole path is a candidate prefix too (`/abc` matches prefix `/abc`), unless it ends with '/'
    if (wholePrefix) {
      const e = this.probe(whole, n, path, req);
      if (e !== undefined) return e;
    }
    for (let k = count - 1; k >= 0; k--) {
      const e = this.probe(boundaryHash[k], boundaryAt[k], path, req);
      if (e !== undefined) return e;
    }
    if (path.charCodeAt(0) === 47) {
      for (const e of this.root) if (predicatesMatch(e, req)) return e;
    }
    for (const e of this.regex) if (e.pathRegex?.test(path) === true && predicatesMatch(e, req)) return e;
    return undefined;
  }

  private probe(hash: number, length: number, path: string, req: RouteRequest): CompiledEntry | undefined {
    const list = this.prefix.get(hash);
    if (list === undefined) return undefined;
    for (const e of list) {
      if (e.pathValue.length === length && path.startsWith(e.pathValue) && predicatesMatch(e, req)) return e;
    }
    return undefined;
  }
}

function push(m: Map<number, CompiledEntry[]>, key: number, e: CompiledEntry): void {
  const list = m.get(key);
  if (list) list.push(e);
  else m.set(key, [e]);
}
