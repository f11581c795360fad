import type { HttpRouteEntry, RequestRedirectFilterConfig } from '../config/dataplane-config';

/*
 * The URL computations of RequestRedirect and URLRewrite, shared by the data plane (which answers and forwards with
 * them) and explain (which shows their result).
 */

/**
 * The Location of a RequestRedirect, as the spec defines it: scheme, hostname and path from the filter or the
 * request; the port from the filter, else the scheme's well-known port when the filter changes the scheme,
 * else the listener port; the port is left out when it is the scheme's default (80 for http, 443 for https).
 */
export function redirectLocation(
  f: RequestRedirectFilterConfig,
  req: { readonly scheme: string; readonly host: string; readonly port: number; readonly path: string; readonly query: string },
  entry: Pick<HttpRouteEntry, 'path'>,
): string {
  const scheme = f.scheme ?? req.scheme;
  const host = f.hostname ?? req.host;
  const port = f.port ?? (f.scheme ? (f.scheme === 'https' ? 443 : 80) : req.port);
  const defaultPort = scheme === 'https' ? 443 : scheme === 'http' ? 80 : undefined;
  const path = f.path ? rewritePath(f.path, req.path, entry.path) : req.path;
  return `${scheme}://${host}${port === defaultPort ? '' : `:${port}`}${path}${req.query ? `?${req.query}` : ''}`;
}

/** Applies ReplaceFullPath or ReplacePrefixMatch (by whole segments; `/foo/` with prefix `/foo` and `/xyz` is `/xyz/`). */
export function rewritePath(mod: { readonly type: string; readonly value: string }, path: string, matched: HttpRouteEntry['path']): string {
  if (mod.type === 'ReplaceFullPath') return mod.value;
  const prefix = matched.type === 'PathPrefix' ? matched.value : '/';
  const rest = prefix === '/' ? path : path.slice(prefix.length);
  const out = mod.value.replace(/\/+$/, '') + rest;
  return out === '' ? '/' : out.startsWith('/') ? out : `/${out}`;
}
