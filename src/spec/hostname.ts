/**
 * Gateway API hostname rules. A hostname is exact (`foo.example.com`) or a wildcard (`*.example.com`), which
 * matches one or more labels in front of the suffix (`a.example.com`, `a.b.example.com`), never `example.com`
 * itself. The router matches request hosts with `hostnameMatches` on its hot path: keep it allocation-free.
 * (TLS certificate names follow RFC 6125 instead, one label per `*`: see dataplane/tls/cert-store.ts.)
 */

/** True when `host` (a request host or SNI, or a hostname) is matched by `pattern` (exact or wildcard). */
export function hostnameMatches(pattern: string, host: string): boolean {
  if (pattern.charCodeAt(0) !== 42 /* '*' */) return pattern === host;
  return matchesWildcardSuffix(pattern.slice(1), host);
}

/**
 * The wildcard test on a suffix sliced once (`.example.com` for `*.example.com`): `host` needs at least one
 * character in front of it. For hot paths that keep the suffix rather than the pattern.
 */
export function matchesWildcardSuffix(suffix: string, host: string): boolean {
  return host.length > suffix.length && host.endsWith(suffix);
}

/** True for `*.example.com`. */
export function isWildcard(hostname: string): boolean {
  return hostname.startsWith('*.');
}

/** True when every host that `inner` matches is also matched by `outer` (a grant covering a route hostname). */
export function hostnameCovers(outer: string, inner: string): boolean {
  return outer === inner || (isWildcard(outer) && hostnameMatches(outer, inner));
}

/** True when some host matches both (a listener hostname and a route hostname intersect). */
export function hostnamesIntersect(a: string, b: string): boolean {
  return hostnameCovers(a, b) || hostnameCovers(b, a);
}

/**
 * The hosts both match, as one hostname: the more specific of the two when one covers the other, else
 * undefined (two Gateway API hostnames either nest or are disjoint).
 */
export function hostnameIntersection(a: string, b: string): string | undefined {
  if (hostnameCovers(a, b)) return b;
  if (hostnameCovers(b, a)) return a;
  return undefined;
}

/**
 * Orders hostnames from most to least specific: exact names first (longer first), then wildcards by suffix
 * length (longer first); ties by name so the order is total. `undefined` (any host) comes last.
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
