import * as http2 from 'node:http2';
import type * as net from 'node:net';
import type { ListenerConfig } from '../../config/dataplane-config';
import type { Generation, PortRuntime } from '../generation';
import { addToHeadersObject, refusesFlatList } from './flat-headers';
import type { ProxyContext } from '../proxy/context';
import { Exchange } from '../proxy/exchange';
import { clientIdentity } from '../tls/client-identity';

const { NGHTTP2_INTERNAL_ERROR } = http2.constants;

/** Response headers HTTP/2 forbids (connection-specific), dropped if a backend sends them. */
const H2_FORBIDDEN = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

/** Whether stream.respond() takes a raw headers list (Node >= 24; see H2Exchange.respond). */
let rawResponseHeaders = true;

/** Response headers as Node's headers object (repeated names as arrays), without the ones HTTP/2 forbids. */
function headersObject(status: number, headers: string[], length: number): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = { ':status': status };
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i].toLowerCase();
    if (!H2_FORBIDDEN.has(n)) addToHeadersObject(out, n, headers[i + 1]);
  }
  if (length >= 0) out['content-length'] = length;
  return out;
}

/** An exchange whose client speaks HTTP/2 (h2c prior knowledge or TLS ALPN h2). */
export class H2Exchange extends Exchange {
  private trailers: string[] | undefined;
  private wantsTrailers = false;
  private noBody = false;
  /** The response's last frame was sent (a HEADERS frame with END_STREAM). */
  private ended = false;

  constructor(ctx: ProxyContext, private readonly stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, rawHeaders: string[]) {
    super(ctx);
    this.method = String(headers[':method'] ?? '');
    this.rawTarget = String(headers[':path'] ?? '');
    this.hostHeader = String(headers[':authority'] ?? headers.host ?? '');
    const raw: string[] = [];
    const lower: string[] = [];
    const rec: Record<string, string | string[] | undefined> = {};
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i];
      if (name.charCodeAt(0) === 58 /* : */) continue;
      const n = name.toLowerCase();
      const v = rawHeaders[i + 1];
      if (n !== 'cookie') {
        raw.push(name, v);
        lower.push(n);
      }
      const prev = rec[n];
      if (prev === undefined) rec[n] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else rec[n] = n === 'cookie' ? `${prev}; ${v}` : [prev, v];
    }
    // HTTP/2 may split cookies into several fields; an HTTP/1.1 backend expects one (RFC 9113 8.2.3)
    if (typeof rec.cookie === 'string') {
      raw.push('cookie', rec.cookie);
      lower.push('cookie');
    }
    this.rawHeaders = raw;
    this.lowerNames = lower;
    this.headers = rec;
    const cl = rec['content-length'];
    // The stream scheduler starts this exchange a turn after nghttp2 announced the stream: an empty body ended by a
    // DATA frame of its own (Node's client sends a bodiless POST so) has ended the readable side and emitted 'end'
    // by now, with nobody listening. Its end is taken here, or the backend would wait for a body that never ends.
    const endedAlready = stream.readableEnded;
    if (stream.endAfterHeaders || endedAlready) this.contentLength = 0;
    else if (typeof cl === 'string') this.contentLength = Number(cl);
    else this.bodyChunked = true;
    if (endedAlready) this.requestEnded = true;
    this.wantsTrailers = rec.te === 'trailers';
    const socket = stream.session?.socket as (net.Socket & { encrypted?: boolean }) | undefined;
    this.secure = !!socket?.encrypted;
    if (this.secure) this.clientCert = clientIdentity(socket);
    this.clientIp = socket?.remoteAddress ?? '';
    this.clientPort = socket?.remotePort ?? 0;
    stream.on('data', (chunk: Buffer) => this.onRequestBody(chunk));
    stream.on('end', () => this.onRequestEnd());
    stream.on('drain', () => this.onDownstreamDrain());
    stream.on('close', () => this.onDownstreamAbort());
    stream.on('error', () => { /* close follows */ });
  }

  public override get protocol(): string {
    return 'HTTP/2';
  }

  public start(gen: Generation, port: PortRuntime, tlsListener: ListenerConfig | undefined): void {
    if (!this.method || !this.rawTarget) return this.fail('GW_BAD_REQUEST', 'missing :method or :path');
    if (this.method === 'CONNECT') return this.fail('GW_BAD_REQUEST', 'CONNECT is not supported');
    this.begin(gen, port, tlsListener);
  }

  protected sendHead(status: number, _reason: string, headers: string[], length: number): void {
    if (this.stream.destroyed || this.stream.headersSent) return;
    this.headSent = true;
    this.noBody = this.method === 'HEAD' || status === 204 || status === 304;
    const withLength = length >= 0 && status !== 204 && status !== 304 && !this.headOnly;
    if (this.headOnly) return this.respondAndEnd(headersObject(status, headers, withLength ? length : -1));
    try {
      this.respond(status, headers, withLength ? length : -1);
    } catch (e) {
      this.ctx.log.debug('h2 respond failed', { error: e as Error });
      return;
    }
    if (this.wantsTrailers) {
      this.stream.once('wantTrailers', () => {
        const t: http2.OutgoingHttpHeaders = {};
        const list = this.trailers ?? [];
        for (let i = 0; i < list.length; i += 2) t[list[i].toLowerCase()] = list[i + 1];
        try {
          this.stream.sendTrailers(t);
        } catch {
          // stream already closed
        }
      });
    }
  }

  protected sendBody(chunk: Buffer): boolean {
    if (this.noBody || this.stream.destroyed) return true;
    return this.stream.write(chunk);
  }

  protected sendEnd(trailers?: string[]): void {
    this.trailers = trailers;
    if (!this.stream.destroyed && !this.ended) this.stream.end();
  }

  protected sendGrpcTrailersOnly(headers: string[]): void {
    if (this.stream.destroyed || this.stream.headersSent) return;
    this.headSent = true;
    const out: http2.OutgoingHttpHeaders = { ':status': 200 };
    for (let i = 0; i < headers.length; i += 2) out[headers[i]] = headers[i + 1];
    this.respondAndEnd(out);
  }

  protected endWithGrpcStatus(status: number, message: string): boolean {
    if (!this.wantsTrailers || this.ended || this.stream.destroyed) return false;
    this.trailers = ['grpc-status', String(status), 'grpc-message', message];
    this.stream.end();
    return true;
  }

  /**
   * Sends the response HEADERS. Node 24 takes a flat [name, value, ...] list as it is (names lowercased by nghttp2's
   * side); older releases only take a headers object, which costs an object, a key lookup per header and
   * Node's own walk over it for every stream. Which one this Node takes is learnt from the first response.
   */
  private respond(status: number, headers: string[], length: number): void {
    const options = { waitForTrailers: this.wantsTrailers, endStream: false };
    if (rawResponseHeaders) {
      const out: (string | number)[] = [':status', status];
      for (let i = 0; i < headers.length; i += 2) {
        const n = headers[i].toLowerCase();
        // `length` replaces a content-length among the headers (as the object's key does)
        if (!H2_FORBIDDEN.has(n) && (length < 0 || n !== 'content-length')) out.push(n, headers[i + 1]);
      }
      if (length >= 0) out.push('content-length', length);
      try {
        this.stream.respond(out as unknown as http2.OutgoingHttpHeaders, options);
        return;
      } catch (e) {
        if (!refusesFlatList(e) || this.stream.headersSent) throw e;
        rawResponseHeaders = false;
      }
    }
    this.stream.respond(headersObject(status, headers, length), options);
  }

  /** The whole response in one HEADERS frame (gRPC trailers-only). */
  private respondAndEnd(out: http2.OutgoingHttpHeaders): void {
    this.ended = true;
    try {
      this.stream.respond(out, { endStream: true });
    } catch (e) {
      this.ctx.log.debug('h2 respond failed', { error: e as Error });
    }
  }

  protected flushHead(): void {
    // respond() already sent the HEADERS frame
  }

  protected sendInterim(): void {
    // 100-continue is implicit in HTTP/2
  }

  protected destroyDownstream(): void {
    if (!this.stream.destroyed) this.stream.close(NGHTTP2_INTERNAL_ERROR);
  }

  protected pauseDownstream(): void {
    this.stream.pause();
  }

  protected resumeDownstream(): void {
    this.stream.resume();
  }

  protected tunnel(_status: number, _reason: string, _headers: string[], upstream: net.Socket): void {
    upstream.destroy();
    this.destroyDownstream();
  }

  protected completed(): void {
    // HTTP/2 streams are independent: nothing to hand over
  }
}
