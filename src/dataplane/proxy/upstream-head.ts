import { lineStart } from './header-names';
import { connectionTokens, HOP_BY_HOP } from './hop-by-hop';
import type { BackendChoice } from './rule-plan';
import type { PathMatchConfig } from '../../config/dataplane-config';
import { rewritePath } from '../../router';
import type { UpstreamHead } from '../upstream/sink';

/** Changes an ExternalAuth server made to the request it allowed. */
export interface RequestHeaderChanges {
  /** Lower-case names of received headers it replaced or removed. */
  readonly skip: ReadonlySet<string> | null;
  /** Headers it set: [name, value, ...]. */
  readonly add: readonly string[] | null;
}

/** What the head of a forwarded request is built from: the client's request as received and routed. */
export interface ForwardedRequest {
  readonly method: string;
  /** Normalised path and raw query, as routed. */
  readonly path: string;
  readonly query: string;
  /** The Host header (or :authority) as received, port included. */
  readonly hostHeader: string;
  /** As received: [name, value, ...]; `lowerNames` has their lower-case names. */
  readonly rawHeaders: readonly string[];
  readonly lowerNames: readonly string[];
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly clientIp: string;
  readonly secure: boolean;
  /** The verified client certificate of the TLS connection, forwarded in the client-certificate header. */
  readonly clientCert: string | undefined;
  /** HTTP/1.1 Upgrade protocol requested, '' for none. */
  readonly upgrade: string;
  readonly bodyChunked: boolean;
  /** -1 when none was given. */
  readonly contentLength: number;
  /** The ExternalAuth server's changes, when one allowed the request with some. */
  readonly authChanges: RequestHeaderChanges | null;
}

/** Between the client address and the Host on an HTTP/1.1 head. */
const FORWARDED_HTTP = '\r\nx-forwarded-proto: http\r\nx-forwarded-host: ';
const FORWARDED_HTTPS = '\r\nx-forwarded-proto: https\r\nx-forwarded-host: ';

/**
 * The request head a backend (or a mirror) gets, in one walk over the headers as received, for either protocol:
 * an HTTP/1.1 head as one string, or an HTTP/2 header list. On the way hop-by-hop headers and those the
 * Connection header lists are dropped, the backend's RequestHeaderModifier (folded with the rule's) and the
 * ExternalAuth server's changes applied, the client-certificate header taken from the TLS handshake only (never from
 * the client), and X-Forwarded-For (extended), -Proto and -Host set. HTTP/2 keeps `te: trailers` (gRPC needs it) and
 * drops Expect (100-continue is implicit there); URLRewrite sets the path and the Host (:authority).
 *
 * `matched` is the path match of the route entry (ReplacePrefixMatch replaces what it matched); `certHeader` the
 * configured client-certificate header (lower case), if any.
 */
export function upstreamHead(
  x: ForwardedRequest, choice: BackendChoice, matched: PathMatchConfig, certHeader: string | undefined, http2: boolean,
): UpstreamHead {
  const raw = x.rawHeaders;
  const lower = x.lowerNames;
  const ops = choice.requestOps;
  const conn = x.headers.connection;
  const listed = conn === undefined ? undefined : connectionTokens(conn);
  const auth = x.authChanges;
  const skip = auth === null ? null : auth.skip;
  const rw = choice.rewrite;
  const rewritten = rw?.path ? rewritePath(rw.path, x.path, matched) || '/' : x.path;
  const path = x.query ? rewritten + '?' + x.query : rewritten;
  const host = rw?.hostname ?? x.hostHeader;
  // HTTP/1.1: few pieces (each + is a new string on this path); each line starts with the CRLF that ends the line
  // before it (lineStart), constants join the lines around the values
  let head = '';
  // HTTP/2: a flat [name, value, ...] list, pseudo-headers first, lower-case names (see H2Attempt.writeHead)
  let h2: string[] | undefined;
  let te = false;
  if (http2) h2 = [':method', x.method, ':path', path, ':authority', host, ':scheme', choice.backend?.tls ? 'https' : 'http'];
  else head = `${x.method} ${path} HTTP/1.1\r\nhost: ${host}`;
  let xff = '';
  for (let i = 0, j = 0; i < raw.length; i += 2, j++) {
    const n = lower[j];
    if (HOP_BY_HOP.has(n)) {
      if (n === 'x-forwarded-for') {
        xff = raw[i + 1] + ', ';
      } else if (h2 !== undefined && !te && n === 'te' && raw[i + 1].trim().toLowerCase() === 'trailers') {
        te = true;
        h2.push('te', 'trailers');
      }
      continue;
    }
    if (listed?.has(n) || ops?.remove.has(n) || n === certHeader || skip?.has(n)) continue;
    if (h2 === undefined) head += lineStart(raw[i]) + raw[i + 1];
    else if (n !== 'expect') h2.push(n, raw[i + 1]);
  }
  const append = ops?.append;
  const added = auth === null ? null : auth.add;
  if (h2 !== undefined) {
    // the client certificate's header, when there is one, replaces any added under its name (as X-Forwarded-*)
    const sets = certHeader && x.clientCert ? certHeader : undefined;
    if (append) for (let i = 0; i < append.length; i += 2) addH2(h2, append[i].toLowerCase(), append[i + 1], sets);
    if (added) for (let i = 0; i < added.length; i += 2) addH2(h2, added[i], added[i + 1], sets);
    if (certHeader && x.clientCert) h2.push(certHeader, x.clientCert);
    h2.push('x-forwarded-for', xff + x.clientIp, 'x-forwarded-proto', x.secure ? 'https' : 'http', 'x-forwarded-host', x.hostHeader);
    return h2;
  }
  if (append) for (let i = 0; i < append.length; i += 2) head += '\r\n' + append[i] + ': ' + append[i + 1];
  if (added) for (let i = 0; i < added.length; i += 2) head += '\r\n' + added[i] + ': ' + added[i + 1];
  if (certHeader && x.clientCert) head += '\r\n' + certHeader + ': ' + x.clientCert;
  // '' + x is x itself: the usual request (no body, no upgrade) adds no string here
  const chunked = x.bodyChunked || (x.contentLength < 0 && hasBody(x)) ? '\r\ntransfer-encoding: chunked' : '';
  const upgrade = x.upgrade ? '\r\nconnection: upgrade\r\nupgrade: ' + x.upgrade : '';
  return head + '\r\nx-forwarded-for: ' + xff + x.clientIp + (x.secure ? FORWARDED_HTTPS : FORWARDED_HTTP) + x.hostHeader +
    chunked + upgrade + '\r\n\r\n';
}

/** Whether a backend is spoken to over HTTP/2 (h2c, or h2 over TLS). */
export function speaksHttp2(backend: { readonly protocol: string } | undefined): boolean {
  const p = backend?.protocol;
  return p === 'h2c' || p === 'h2';
}

/** The request has a body: a Content-Length above 0, or chunked (HTTP/1.1) / of unknown length (HTTP/2). */
export function hasBody(x: { readonly contentLength: number; readonly bodyChunked: boolean }): boolean {
  return x.contentLength > 0 || x.bodyChunked;
}

/** An added header, unless the gateway sets that name itself (the client certificate, X-Forwarded-*). */
function addH2(out: string[], n: string, v: string, certHeader: string | undefined): void {
  if (n === certHeader || n === 'x-forwarded-for' || n === 'x-forwarded-proto' || n === 'x-forwarded-host') return;
  out.push(n, v);
}
