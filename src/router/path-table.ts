import { CompiledEntry, firstMatch, predicatesMatch } from './predicates';
import type { RouteRequest } from './types';

/**
 * The route entries of one hostname bucket, by path: an exact-path map, a map of prefixes probed at the
 * request path's segment boundaries from the longest down to `/`, then the regular expressions in order.
 * Each list keeps the compiler's precedence order (method, header count, query count, age, name, rule, match).
 */
export class PathTable {
  private readonly exact = new Map<string, CompiledEntry[]>();
  private readonly prefix = new Map<string, CompiledEntry[]>();
  private root: CompiledEntry[] | undefined;
  private readonly regex: CompiledEntry[] = [];
  /** prefixLengths[n] === 1 when some prefix of length n exists: probes skip lengths with none. */
  private prefixLengths = new Uint8Array(1);

  public add(e: CompiledEntry): this {
    const { type, value } = e.decision.entry.path;
    if (type === 'Exact') {
      push(this.exact, value, e);
    } else if (type === 'PathPrefix') {
      const p = value.length > 1 && value.endsWith('/') ? value.replace(/\/+$/, '') || '/' : value;
      if (p === '/') {
        (this.root ??= []).push(e);
      } else {
        push(this.prefix, p, e);
        if (p.length >= this.prefixLengths.length) {
          const grown = new Uint8Array(p.length + 1);
          grown.set(this.prefixLengths);
          this.prefixLengths = grown;
        }
        this.prefixLengths[p.length] = 1;
      }
    } else {
      this.regex.push(e);
    }
    return this;
  }

  public match(req: RouteRequest): CompiledEntry | undefined {
    const path = req.path;
    const exact = this.exact.get(path);
    if (exact !== undefined) {
      const e = firstMatch(exact, req);
      if (e !== undefined) return e;
    }
    if (this.prefix.size > 0) {
      const lengths = this.prefixLengths;
      const n = path.length;
      // the whole path is a candidate prefix (`/abc` matches prefix `/abc`), then each segment boundary
      if (n < lengths.length && lengths[n] === 1 && path.charCodeAt(n - 1) !== 47) {
        const e = this.probe(path, req);
        if (e !== undefined) return e;
      }
      for (let i = Math.min(n - 1, lengths.length - 1); i >= 1; i--) {
        if (lengths[i] !== 1 || path.charCodeAt(i) !== 47 /* '/' */) continue;
        const e = this.probe(path.slice(0, i), req);
        if (e !== undefined) return e;
      }
    }
    if (this.root !== undefined && path.charCodeAt(0) === 47) {
      const e = firstMatch(this.root, req);
      if (e !== undefined) return e;
    }
    const rs = this.regex;
    for (let i = 0; i < rs.length; i++) {
      const re = rs[i].pathRegex;
      if (re && re.test(path) && predicatesMatch(rs[i], req)) return rs[i];
    }
    return undefined;
  }

  private probe(prefix: string, req: RouteRequest): CompiledEntry | undefined {
    const list = this.prefix.get(prefix);
    return list === undefined ? undefined : firstMatch(list, req);
  }
}

function push(m: Map<string, CompiledEntry[]>, key: string, e: CompiledEntry): void {
  const list = m.get(key);
  if (list) list.push(e);
  else m.set(key, [e]);
}
