import { clientRequest, normalizePath, normalizeTarget } from './request-target';
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

/** A request for `routeRequest`: method (default GET), URL (absolute, or a path with a `host` header) and headers. */
export interface RouteRequestInput {
  readonly method?: string;
  /** An absolute URL (`https://shop.example.com/api?x=1`) or a path with a `host` header. */
  readonly url: string;
  /** Header names in any case; values as strings or lists. */
  readonly headers?: Record<string, string | readonly string[] | undefined>;
}

/**
 * Builds a RouteRequest from a method, URL and headers, read as the data plane reads the request a client sends for
 * them (`clientRequest`, `normalizeTarget`): the Host header, when given, wins over the URL's host. `scheme` and `port`
 * are the URL's own (undefined for a path, or a URL without a port).
 */
export function routeRequest(input: RouteRequestInput): RouteRequest & { readonly scheme?: string; readonly port?: number } {
  const c = clientRequest(input);
  const target = normalizeTarget(c.target);
  const absolute = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(input.url);
  const port = absolute ? /^[^:]+:\/\/(?:[^/?#@]*@)?[^/?#]*?:(\d+)(?:[/?#]|$)/.exec(input.url)?.[1] : undefined;
  return {
    method: c.method,
    host: normalizeHost(target?.authority ?? c.hostHeader),
    // a malformed target (the data plane answers 400) is routed by its path as written, normalized
    path: target?.path ?? normalizePath(c.target.split('?')[0]),
    query: target?.query ?? (c.target.split('?')[1] ?? ''),
    headers: c.headers,
    scheme: absolute ? c.scheme : undefined,
    port: port ? Number(port) : undefined,
  };
}

/** application/grpc, application/grpc+proto, application/grpc;...: a gRPC call (not grpc-web, which carries trailers in the body). */
export function isGrpcContentType(v: string | readonly string[] | undefined): boolean {
  if (typeof v !== 'string' || !v.startsWith('application/grpc')) return false;
  const c = v.charCodeAt(16);
  return Number.isNaN(c) || c === 43 /* + */ || c === 59 /* ; */;
}
