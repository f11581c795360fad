/**
 * Hostname semantics of the Gateway API: `*.example.com` matches any name with one or more labels in
 * front of `example.com` (`a.example.com`, `a.b.example.com`), never `example.com` itself.
 *
 * Internal: not exported from src/index.ts.
 */
import { hostnameCovers } from '../router/hostname';

export { hostnameCovers };

/** True when some host matches both (a listener hostname and a route hostname intersect). */
export function hostnamesIntersect(a: string, b: string): boolean {
  return hostnameCovers(a, b) || hostnameCovers(b, a);
}
