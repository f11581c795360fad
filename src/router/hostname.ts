/**
 * Gateway API hostname matching. A hostname is exact (`foo.example.com`) or a wildcard (`*.example.com`), which
 * matches one or more labels in front of the suffix (`a.example.com`, `a.b.example.com`) but not `example.com`.
 */

/** True when `host` (a request host or SNI) is matched by `pattern` (exact or wildcard). */
export function hostnameMatches(pattern: string, host: string): boolean {
  if (pattern.charCodeAt(0) !== 42 /* '*' */) return pattern === host;
  // '*.example.com' needs at least one character in front of '.example.com'
  return host.length > pattern.length - 1 && host.endsWith(pattern.slice(1));
}

/**
 * True when every host that `inner` matches is also matched by `outer` (a grant covering a route hostname, a
 * listener hostname containing a route entry's): equal, or `outer` a wildcard whose suffix `inner` extends.
 */
export function hostnameCovers(outer: string, inner: string): boolean {
  if (outer === inner) return true;
  if (!isWildcard(outer)) return false;
  const suffix = outer.slice(1); // "*.example.com" → ".example.com"
  const rest = isWildcard(inner) ? inner.slice(1) : inner;
  return rest.length > suffix.length && rest.endsWith(suffix);
}

/** True for `*.example.com`. */
export function isWildcard(hostname: string): boolean {
  return hostname.startsWith('*.');
}

/**
 * Orders hostnames from most to least specific: exact names first (longer first), then wildcards by suffix
 * length (longer first); ties by name so the order is total.
 */
export function compareHostnameSpecificity(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  const wa = isWildcard(a);
  const wb = isWildcard(b);
  if (wa !== wb) return wa ? 1 : -1;
  if (a.length !== b.length) return b.length - a.length;
  return a < b ? -1 : 1;
}
