/* eslint-disable no-bitwise -- FNV hashing of path prefixes */
import { CompiledEntry, PATH_EXACT, PATH_PREFIX, PATH_ROOT, predicatesMatch } from './predicates';
import type { RouteRequest } from './types';

/** 30-bit FNV-1a of the first path segment (`api` of `/api/v1`; '' for `/`). */
export function firstSegmentHash(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 47) break;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h & 0x3fffffff;
}

/**
 * Path precedence for a stable sort: Exact, then PathPrefix longest first, then `/`, then RegularExpression
 * (equal paths keep the compiler's order: method, header count, query count, age, name, rule, match).
 */
export function comparePaths(a: CompiledEntry, b: CompiledEntry): number {
  return a.pathKind - b.pathKind || (a.pathKind === PATH_PREFIX ? b.pathValue.length - a.pathValue.length : 0);
}

/** 30-bit FNV-1a of `s[0..end)` (a small integer, so V8 keeps Map keys unboxed). */
function fnv(s: string, end: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

/**
 * The index of a large group of entries (many routes of one hostname under one first segment, such as
 * `/api/...`; see RouteIndex). Entries are keyed by the hash of their path (exact) or prefix; a lookup
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
