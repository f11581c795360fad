/**
 * The backend's response head on its way to the client: hop-by-hop headers (and those its Connection header lists)
 * dropped, framing left to the downstream (it writes Content-Length or chunked itself), the route's
 * ResponseHeaderModifier applied, CORS headers (replacing the backend's Access-Control-* for an allowed Origin),
 * headers an ExternalAuth server added, and the session-persistence token.
 */
import type { HeaderOps } from './header-ops';
import { connectionTokens, RESPONSE_HOP_BY_HOP } from './hop-by-hop';

/** What shapes the response of one exchange besides the backend's own headers. */
export interface ResponseShaping {
  /** The chosen backend's ResponseHeaderModifier (folded with the rule's). */
  readonly responseOps: HeaderOps | undefined;
  /** A CORS filter allowed the Origin: the backend's Access-Control-* headers are replaced. */
  readonly corsAllowed: boolean;
  /** exposeHeaders `*` with credentials: Access-Control-Expose-Headers lists the response's own header names. */
  readonly corsExposeAll: boolean;
  /** Added last: a CORS filter's headers, an ExternalAuth server's response headers. */
  readonly extraResponseHeaders: readonly string[] | null;
  /** The session-persistence header to send (name, value), when one is due. */
  sessionHeader(): [string, string] | undefined;
}

/** The headers for the client, from the backend's flat [name, value, ...] list. */
export function responseHeaders(headers: readonly string[], x: ResponseShaping): string[] {
  const ops = x.responseOps;
  const out: string[] = [];
  let listed: Set<string> | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    const n = name.toLowerCase();
    if (n === 'connection') {
      listed = connectionTokens(headers[i + 1]);
      continue;
    }
    // framing is the downstream's business (sendHead writes Content-Length from `length`)
    if (RESPONSE_HOP_BY_HOP.has(n) || n === 'content-length') continue;
    if (ops?.remove.has(n)) continue;
    if (x.corsAllowed && n.startsWith('access-control-')) continue;
    out.push(name, headers[i + 1]);
  }
  if (listed) {
    for (let i = out.length - 2; i >= 0; i -= 2) if (listed.has(out[i].toLowerCase())) out.splice(i, 2);
  }
  if (ops) out.push(...ops.append);
  if (x.corsExposeAll) out.push('access-control-expose-headers', exposedNames(out));
  if (x.extraResponseHeaders) out.push(...x.extraResponseHeaders);
  const session = x.sessionHeader();
  if (session) out.push(...session);
  return out;
}

/** The body length a response head announces: 0 for statuses without a body, its Content-Length, else -1 (unknown). */
export function responseLength(status: number, headers: readonly string[]): number {
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) return 0;
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i];
    if (n.length === 14 && n.toLowerCase() === 'content-length') return Number(headers[i + 1]);
  }
  return -1;
}

/** The Upgrade protocol a 101 answer names (else the one the client asked for). */
export function upgradeOf(headers: readonly string[], requested: string): string {
  for (let i = 0; i < headers.length; i += 2) if (headers[i].toLowerCase() === 'upgrade') return headers[i + 1];
  return requested;
}

/** The header names of a response, for Access-Control-Expose-Headers (CORS exposeHeaders `*` with credentials). */
function exposedNames(headers: readonly string[]): string {
  const names: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i].toLowerCase();
    if (!names.includes(n) && n !== 'set-cookie') names.push(n);
  }
  return names.join(', ');
}
