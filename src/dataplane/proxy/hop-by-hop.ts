/**
 * Request headers the gateway never forwards as received: hop-by-hop headers (RFC 9110 7.6.1), Host
 * (written from the request or a URLRewrite) and X-Forwarded-* (re-written by the gateway; an existing
 * X-Forwarded-For is extended, not trusted as the whole chain).
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization',
  'host', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'http2-settings',
]);

/** Response headers never forwarded to the client as received. */
export const RESPONSE_HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate',
]);

const PLAIN_CONNECTION = /^\s*(keep-alive|close|upgrade)\s*$/i;

/** Names listed in a Connection header (also hop-by-hop), lower-case; undefined when it lists none. */
export function connectionTokens(value: string | string[]): Set<string> | undefined {
  // the usual `keep-alive` / `close` lists no header: no Set for them
  if (typeof value === 'string' && PLAIN_CONNECTION.test(value)) return undefined;
  const out = new Set<string>();
  for (const v of Array.isArray(value) ? value : [value]) {
    for (const t of v.split(',')) {
      const n = t.trim().toLowerCase();
      if (n && n !== 'close' && n !== 'keep-alive' && n !== 'upgrade') out.add(n);
    }
  }
  return out;
}
