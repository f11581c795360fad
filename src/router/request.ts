import type { RouteRequest } from './types';

/**
 * Normalizes a request host for routing: lower-case, without the port, without a trailing dot. IPv6 literals
 * keep their brackets (`[::1]`).
 */
export function normalizeHost(host: string | undefined): string {
  if (!host) return '';
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    h = end < 0 ? h : h.slice(0, end + 1);
  } else {
    const colon = h.lastIndexOf(':');
    if (colon >= 0) h = h.slice(0, colon);
  }
  return h.endsWith('.') ? h.slice(0, -1) : h;
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

/** A request for `routeRequest`: method (default GET), URL (absolute, or a path with a `host` header) and headers. */
export interface RouteRequestInput {
  readonly method?: string;
  /** An absolute URL (`https://shop.example.com/api?x=1`) or a path with a `host` header. */
  readonly url: string;
  /** Header names in any case; values as strings or lists. */
  readonly headers?: Record<string, string | readonly string[] | undefined>;
}

/**
 * Builds a RouteRequest from a method, URL and headers, normalized as the data plane does. The Host header,
 * when given, wins over the URL's host (as on the wire).
 */
export function routeRequest(input: RouteRequestInput): RouteRequest & { readonly scheme?: string; readonly port?: number } {
  const headers: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) {
    if (v === undefined) continue;
    const name = k.toLowerCase();
    headers[name] = typeof v === 'string' ? v : [...v];
  }
  const absolute = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(input.url);
  const url = new URL(input.url, 'http://placeholder.invalid');
  const rawPath = (absolute ? url.pathname : input.url.split(/[?#]/)[0]) || '/';
  const query = absolute ? url.search.replace(/^\?/, '') : (input.url.split('#')[0].split('?')[1] ?? '');
  const hostHeader = typeof headers.host === 'string' ? headers.host : undefined;
  const host = normalizeHost(hostHeader ?? (absolute ? url.host : undefined));
  if (headers.host === undefined && host) headers.host = absolute ? url.host : host;
  return {
    method: (input.method ?? 'GET').toUpperCase(),
    host,
    path: normalizePath(rawPath),
    query,
    headers,
    scheme: absolute ? url.protocol.replace(/:$/, '') : undefined,
    port: absolute && url.port ? Number(url.port) : undefined,
  };
}

/** application/grpc, application/grpc+proto, application/grpc;...: a gRPC call (not grpc-web, which carries trailers in the body). */
export function isGrpcContentType(v: string | readonly string[] | undefined): boolean {
  if (typeof v !== 'string' || !v.startsWith('application/grpc')) return false;
  const c = v.charCodeAt(16);
  return Number.isNaN(c) || c === 43 /* + */ || c === 59 /* ; */;
}
