import type { EntryOutcomes } from './decide';
import type { RouteDecision, RouteRequest } from './types';
import type { HttpRouteEntry, ValueMatchConfig } from '../config/dataplane-config';

/** A header or query parameter predicate, compiled once at build. */
export interface CompiledValueMatch {
  readonly name: string;
  /** Exact value; unset for regular expressions. */
  readonly exact?: string;
  /** Full-match regular expression; `null` when the pattern does not compile (then nothing matches). */
  readonly regex?: RegExp | null;
}

/**
 * One route entry with its predicates compiled. It is also the RouteDecision `match` returns, so a match
 * reads one object and allocates nothing.
 */
export interface CompiledEntry extends RouteDecision {
  readonly method: string | undefined;
  readonly headers: readonly CompiledValueMatch[];
  readonly queryParams: readonly CompiledValueMatch[];
  /** How the path is matched: PATH_EXACT, PATH_PREFIX, PATH_ROOT (prefix `/`) or PATH_REGEX. */
  readonly pathKind: number;
  /** Exact value, or prefix without trailing slash. */
  readonly pathValue: string;
  /** RegularExpression path entries: the compiled path pattern (`null` when it does not compile). */
  readonly pathRegex?: RegExp | null;
  /** No method, header or query predicate: the path decides alone. */
  readonly plain: boolean;
  /** What requests matched to this entry get (decide.ts), built on the first one. */
  outcomes: EntryOutcomes | undefined;
}

/** Path match kinds of a compiled entry (HTTPRoute `matches[].path.type`), as numbers for the hot path: Exact. */
export const PATH_EXACT = 0;
/** PathPrefix (segment-wise, trailing slash ignored). */
export const PATH_PREFIX = 1;
/** PathPrefix `/`: matches every path without a comparison. */
export const PATH_ROOT = 2;
/** RegularExpression (anchored, compiled once with the config). */
export const PATH_REGEX = 3;

/** True when the entry's path matches (PathPrefix by whole segments: `/abc` matches `/abc`, `/abc/x`, not `/abcd`). */
export function pathMatches(e: CompiledEntry, path: string): boolean {
  switch (e.pathKind) {
    case PATH_EXACT:
      return path === e.pathValue;
    case PATH_PREFIX: {
      const v = e.pathValue;
      const n = v.length;
      if (path.length === n) return path === v;
      return path.length > n && path.charCodeAt(n) === 47 && path.startsWith(v);
    }
    case PATH_ROOT:
      return path.charCodeAt(0) === 47;
    default:
      return e.pathRegex ? e.pathRegex.test(path) : false;
  }
}

/**
 * Compiles a RegularExpression value as a full match (`^(?:...)$`, like Envoy's safe_regex), so `/v[0-9]`
 * does not match `/v1/x`. Returns null when the pattern is not valid ECMAScript (the compiler reports it).
 */
export function compileFullMatch(pattern: string): RegExp | null {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return null;
  }
}

function compileValueMatch(m: ValueMatchConfig): CompiledValueMatch {
  return m.type === 'RegularExpression' ? { name: m.name, regex: compileFullMatch(m.value) } : { name: m.name, exact: m.value };
}

/**
 * Compiles one HTTPRoute/GRPCRoute match (`spec.rules[].matches[]`, flattened into an HttpRouteEntry) into the
 * predicates the router tests per request: path kind and value, method, headers, query params, with the decision
 * it leads to. Done once per config, never per request.
 */
export function compileEntry(entry: HttpRouteEntry, decision: RouteDecision): CompiledEntry {
  const { type, value } = entry.path;
  const prefix = type === 'PathPrefix' ? value.replace(/\/+$/, '') || '/' : value;
  return {
    listener: decision.listener,
    entry: decision.entry,
    rule: decision.rule,
    ruleIndex: decision.ruleIndex,
    plain: entry.method === undefined && entry.headers.length === 0 && entry.queryParams.length === 0,
    pathKind: type === 'Exact' ? PATH_EXACT : type === 'PathPrefix' ? (prefix === '/' ? PATH_ROOT : PATH_PREFIX) : PATH_REGEX,
    pathValue: prefix,
    method: entry.method,
    // the spec: only the first matcher for a given name counts (header names are case-insensitive)
    headers: firstByName(entry.headers.map(compileValueMatch), (n) => n.toLowerCase()),
    queryParams: firstByName(entry.queryParams.map(compileValueMatch), (n) => n),
    pathRegex: entry.path.type === 'RegularExpression' ? compileFullMatch(entry.path.value) : undefined,
    outcomes: undefined,
  };
}

function firstByName(ms: CompiledValueMatch[], key: (name: string) => string): CompiledValueMatch[] {
  const seen = new Set<string>();
  const out: CompiledValueMatch[] = [];
  for (const m of ms) {
    const k = key(m.name);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(k === m.name ? m : { ...m, name: k });
  }
  return out;
}

function valueMatches(m: CompiledValueMatch, value: string): boolean {
  if (m.exact !== undefined) return value === m.exact;
  return m.regex ? m.regex.test(value) : false;
}

/** A repeated header (Node gives an array only for a few, e.g. set-cookie) matches when one of its values does. */
function headerMatches(m: CompiledValueMatch, value: string | string[] | undefined): boolean {
  if (value === undefined) return false;
  if (typeof value === 'string') return valueMatches(m, value);
  // anything but a list (e.g. an inherited `constructor` on a plain headers object) is no header
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (valueMatches(m, value[i])) return true;
  return false;
}

// The last parsed query string. Matching is synchronous, so one slot is enough and a burst of requests with
// the same query string parses it once.
let lastQuery: string | undefined;
let lastParsed: Map<string, string> | undefined;

/**
 * Parses a raw query string into first-value-per-name (the spec recommends matching the first value of a
 * repeated parameter). Names and values are percent-decoded, `+` is a space (as URLSearchParams does);
 * malformed escapes are kept as written.
 */
export function parseQuery(raw: string): Map<string, string> {
  if (raw === lastQuery && lastParsed) return lastParsed;
  const out = new Map<string, string>();
  if (raw.length > 0) {
    for (const part of raw.split('&')) {
      if (part.length === 0) continue;
      const eq = part.indexOf('=');
      const name = decodeComponent(eq < 0 ? part : part.slice(0, eq));
      if (out.has(name)) continue;
      out.set(name, eq < 0 ? '' : decodeComponent(part.slice(eq + 1)));
    }
  }
  lastQuery = raw;
  lastParsed = out;
  return out;
}

function decodeComponent(s: string): string {
  const plus = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

/** True when the entry's method, header and query predicates all hold (the path already matched). */
export function predicatesMatch(e: CompiledEntry, req: RouteRequest): boolean {
  if (e.method !== undefined && e.method !== req.method) return false;
  const hs = e.headers;
  for (let i = 0; i < hs.length; i++) if (!headerMatches(hs[i], req.headers[hs[i].name])) return false;
  const qs = e.queryParams;
  if (qs.length > 0) {
    const q = parseQuery(req.query);
    for (let i = 0; i < qs.length; i++) {
      const v = q.get(qs[i].name);
      if (v === undefined || !valueMatches(qs[i], v)) return false;
    }
  }
  return true;
}
