import type { RouteRequestInput } from './request';

/**
 * Request-target parsing and path normalisation, done once before routing. The normalised path (the
 * router's `normalizePath`: unreserved escapes decoded, dot segments removed, slashes merged) is both
 * what the router matches and what the backend receives, so a request can never reach a route its path
 * does not match. Encoded slashes and backslashes (`%2F`, `%5C`) are refused: a backend that decodes
 * them would see other segments than the router did (`/public%2F..%2Fadmin`).
 */

export interface RequestTarget {
  readonly path: string;
  /** Raw query without `?` ('' when none). */
  readonly query: string;
  /** From an absolute-form target (`GET http://host/path`): it overrides the Host header. */
  readonly authority?: string;
}

/** Returns undefined when the target is malformed or ambiguous (the gateway answers 400). */
export function normalizeTarget(target: string): RequestTarget | undefined {
  let authority: string | undefined;
  if (target.charCodeAt(0) !== 47 /* / */) {
    const m = /^https?:\/\/([^/?#@]+)(.*)$/i.exec(target);
    if (!m) return undefined;
    authority = m[1];
    target = m[2];
    if (target === '' || target.charCodeAt(0) === 63 /* ? */) target = '/' + target;
    else if (target.charCodeAt(0) !== 47) return undefined;
  }
  const q = target.indexOf('?');
  let path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q + 1);
  if (needsWork(path)) {
    if (!escapesValid(path)) return undefined;
    path = normalizePath(path);
  }
  return authority === undefined ? { path, query } : { path, query, authority };
}

/** True when the path has an escape, a dot segment, a double slash or a fragment. */
function needsWork(path: string): boolean {
  let prev = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 37 /* % */ || c === 35 /* # */) return true;
    if (prev === 47 && (c === 46 /* . */ || c === 47)) return true;
    prev = c;
  }
  return false;
}

function escapesValid(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 35) return false;
    if (c !== 37) continue;
    const h = hexVal(path.charCodeAt(i + 1));
    const l = hexVal(path.charCodeAt(i + 2));
    if (h < 0 || l < 0) return false;
    const v = h * 16 + l;
    // encoded '/', '\' and NUL: refused rather than guessed at
    if (v === 0x2f || v === 0x5c || v === 0) return false;
    i += 2;
  }
  return true;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * Normalizes a request path (without query) the way the router expects it, so that `/a/./b`, `/a//b`,
 * `/a/%62` and `/a/b` all route alike:
 * - percent-encoded unreserved characters are decoded, other escapes get upper-case hex (`%2f` → `%2F`;
 *   an encoded slash stays encoded and is not a segment boundary);
 * - repeated slashes are merged;
 * - `.` and `..` segments are removed (RFC 3986 §5.2.4); `..` never climbs above `/`.
 * An empty path is `/`.
 */
export function normalizePath(raw: string): string {
  let p = raw.length === 0 ? '/' : raw;
  if (p.includes('%')) {
    p = p.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => {
      const c = String.fromCharCode(parseInt(hex, 16));
      return UNRESERVED.test(c) ? c : `%${hex.toUpperCase()}`;
    });
  }
  if (p.charCodeAt(0) !== 47) p = `/${p}`;
  if (!p.includes('//') && !p.includes('/.')) return p;
  const out: string[] = [];
  const segments = p.split('/');
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    const last = i === segments.length - 1;
    if (s === '' && !last) continue; // merged slash
    if (s === '.') {
      if (last) out.push('');
      continue;
    }
    if (s === '..') {
      out.pop();
      if (last) out.push('');
      continue;
    }
    out.push(s);
  }
  return `/${out.join('/')}`;
}

/** A request as a client puts it on the wire: what explain reads from a method, a URL and headers. */
export interface ClientRequest {
  readonly method: string;
  readonly scheme: string;
  readonly port: number;
  /** The Host header as sent (the URL's authority unless a Host header is given), port included. */
  readonly hostHeader: string;
  /** The request target as sent: the URL's path and query as written (no fragment). */
  readonly target: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly serverName: string;
}

/**
 * The request a client sends for a method, a URL and headers: the request target is the URL's path and query as
 * written (no fragment), the Host header its authority unless a `host` header is given, the port the URL's (else 80,
 * or 443 for https) unless `opts.port` says which listener port it arrives at, the SNI the URL's host (none for an IP
 * address) unless `opts.serverName` is given.
 */
export function clientRequest(input: RouteRequestInput, opts: { readonly port?: number; readonly serverName?: string } = {}): ClientRequest {
  const headers: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) {
    if (v === undefined) continue;
    headers[k.toLowerCase()] = typeof v === 'string' ? v : [...v];
  }
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^#]*)/.exec(input.url);
  const scheme = m ? m[1].toLowerCase() : 'http';
  let target = m ? m[3] : input.url.split('#')[0];
  if (target === '' || target.startsWith('?')) target = `/${target}`;
  const url = m ? new URL(`http://${m[2]}`) : undefined;
  const authority = url?.host ?? '';
  const urlPort = m && /:(\d+)$/.exec(m[2].replace(/^.*@/, ''));
  const port = opts.port ?? (urlPort ? Number(urlPort[1]) : scheme === 'https' ? 443 : 80);
  const hostHeader = typeof headers.host === 'string' ? headers.host : authority;
  if (headers.host === undefined && hostHeader) headers.host = hostHeader;
  const name = url?.hostname ?? '';
  // clients send no SNI for an IP address
  const serverName = opts.serverName ?? (/^[\d.]+$|^\[/.test(name) ? '' : name);
  return { method: (input.method ?? 'GET').toUpperCase(), scheme, port, hostHeader, target, headers, serverName: serverName.toLowerCase() };
}
