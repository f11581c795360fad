/**
 * Hostname semantics of the Gateway API: `*.example.com` matches any name with one or more labels in
 * front of `example.com` (`a.example.com`, `a.b.example.com`), never `example.com` itself.
 *
 * Internal: not exported from src/index.ts.
 */

function suffixOf(wildcard: string): string {
  return wildcard.slice(1); // "*.example.com" → ".example.com"
}

/** True when every host that `inner` matches is also matched by `outer` (a grant covering a route hostname). */
export function hostnameCovers(outer: string, inner: string): boolean {
  if (outer === inner) return true;
  if (!outer.startsWith('*.')) return false;
  const suffix = suffixOf(outer);
  if (inner.startsWith('*.')) return suffixOf(inner).endsWith(suffix) && suffixOf(inner).length > suffix.length;
  return inner.endsWith(suffix) && inner.length > suffix.length;
}

/** True when some host matches both (a listener hostname and a route hostname intersect). */
export function hostnamesIntersect(a: string, b: string): boolean {
  return hostnameCovers(a, b) || hostnameCovers(b, a);
}
