import * as http2 from 'node:http2';
import type { Endpoint } from './h1-pool';
import type { H2HeadList, UpstreamConnection, UpstreamHead, UpstreamSink } from './sink';
import { addToHeadersObject, refusesFlatList } from '../http2/flat-headers';

/**
 * HTTP/2 to a backend: cleartext with prior knowledge (appProtocol kubernetes.io/h2c) or TLS with ALPN h2.
 * One multiplexed session per endpoint, re-opened when it closes.
 */
export class H2Upstream {
  private session: http2.ClientHttp2Session | null = null;
  /** Sessions whose connection (and TLS handshake) completed. */
  private readonly connected = new WeakSet<http2.ClientHttp2Session>();

  constructor(public readonly endpoint: Endpoint) {}

  public request(sink: UpstreamSink): boolean {
    sink.onUpstreamConnection(new H2Attempt(this, sink));
    return true;
  }

  public getSession(): http2.ClientHttp2Session {
    const s = this.session;
    if (s && !s.closed && !s.destroyed) return s;
    const { host, port, tls } = this.endpoint;
    const authority = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const session = http2.connect(authority, tls ? { ...tls, ALPNProtocols: ['h2'] } : {});
    session.on('error', () => { /* reported per stream */ });
    session.once('connect', () => this.connected.add(session));
    session.on('close', () => {
      if (this.session === session) this.session = null;
    });
    session.on('goaway', () => {
      if (this.session === session) this.session = null;
    });
    this.session = session;
    return session;
  }

  /** False while connecting and when the connection failed: streams of such a session never reached the backend. */
  public isConnected(session: http2.ClientHttp2Session): boolean {
    return this.connected.has(session);
  }

  public close(): void {
    this.session?.close();
    this.session = null;
  }
}

/** Whether session.request() takes a flat [name, value, ...] list (Node >= 24; see H2Attempt.writeHead). */
let rawRequestHeaders = true;

/** One request/response stream on an H2Upstream session. */
class H2Attempt implements UpstreamConnection {
  public readonly http2 = true;
  private stream: AttemptStream | null = null;
  /** @internal read by the stream listeners below */
  public sink: UpstreamSink | null;
  /** @internal */
  public gotResponse = false;
  /** @internal */
  public trailers: string[] | undefined;
  /** @internal the session the stream was opened on */
  public session: http2.ClientHttp2Session | null = null;

  constructor(public readonly upstream: H2Upstream, sink: UpstreamSink) {
    this.sink = sink;
  }

  /**
   * Opens the stream. `head` is the flat [name, value, ...] list upstreamHead() builds; Node 24 takes it as it is
   * (nodejs/node#59455), older releases only a headers object, which is built from it once they refused the list.
   */
  public writeHead(head: UpstreamHead, endStream: boolean): boolean {
    let st: AttemptStream;
    try {
      const session = this.session = this.upstream.getSession();
      // an HTTP/2 connection (`http2` true) is given the list upstreamHead() builds, never an HTTP/1.1 string
      st = this.stream = request(session, head as H2HeadList, endStream) as AttemptStream;
    } catch (e) {
      this.fail(`request failed: ${(e as Error).message}`, true);
      return false;
    }
    // one shared function per event (`this` is the stream, ATTEMPT its attempt): no closures per stream
    st[ATTEMPT] = this;
    st.on('response', onResponse);
    st.on('data', onData);
    st.on('trailers', onTrailers);
    st.on('end', onEnd);
    st.on('drain', onDrain);
    st.on('error', onError);
    st.on('close', onClose);
    return true;
  }

  public writeBody(chunk: Buffer, _chunked: boolean): boolean {
    return this.stream ? this.stream.write(chunk) : false;
  }

  public endBody(_chunked: boolean): void {
    this.stream?.end();
  }

  public pause(): void {
    this.stream?.pause();
  }

  public resume(): void {
    this.stream?.resume();
  }

  public abort(): void {
    this.sink = null;
    if (this.stream && !this.stream.destroyed) this.stream.close(http2.constants.NGHTTP2_CANCEL);
  }

  /** @internal */
  public fail(detail: string, nothingSent: boolean): void {
    const sink = this.sink;
    if (!sink) return;
    this.sink = null;
    if (this.stream && !this.stream.destroyed) this.stream.close(http2.constants.NGHTTP2_CANCEL);
    const unreachable = nothingSent && !this.gotResponse;
    sink.onUpstreamError(unreachable ? 'GW_UPSTREAM_UNREACHABLE' : 'GW_UPSTREAM_RESET', detail, nothingSent && !this.gotResponse);
  }
}

function request(session: http2.ClientHttp2Session, head: H2HeadList, endStream: boolean): http2.ClientHttp2Stream {
  if (rawRequestHeaders) {
    try {
      return session.request(head as unknown as http2.OutgoingHttpHeaders, { endStream });
    } catch (e) {
      if (!refusesFlatList(e)) throw e;
      rawRequestHeaders = false;
    }
  }
  return session.request(headersObject(head), { endStream });
}

/** A flat list as Node's headers object. */
function headersObject(list: H2HeadList): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (let i = 0; i < list.length; i += 2) addToHeadersObject(out, list[i], list[i + 1]);
  return out;
}

const ATTEMPT = Symbol('h2-attempt');
type AttemptStream = http2.ClientHttp2Stream & { [ATTEMPT]: H2Attempt };

function onResponse(this: AttemptStream, headers: http2.IncomingHttpHeaders, flags: number, raw: string[]): void {
  const a = this[ATTEMPT];
  a.gotResponse = true;
  const status = Number(headers[':status']);
  const flat = withoutPseudo(raw);
  if (status < 200) {
    a.sink?.onUpstreamInterim(status, flat);
    return;
  }
  // END_STREAM on the response HEADERS: a gRPC trailers-only answer, passed on as one frame
  a.sink?.onUpstreamHead(status, '', flat, endsStream(flags));
  a.sink?.onUpstreamFlush();
}

function onData(this: AttemptStream, chunk: Buffer): void {
  this[ATTEMPT].sink?.onUpstreamBody(chunk);
}

function onTrailers(this: AttemptStream, _headers: http2.IncomingHttpHeaders, _flags: number, raw: string[]): void {
  this[ATTEMPT].trailers = withoutPseudo(raw);
}

function onEnd(this: AttemptStream): void {
  const a = this[ATTEMPT];
  const sink = a.sink;
  a.sink = null;
  sink?.onUpstreamEnd(a.trailers);
}

function onDrain(this: AttemptStream): void {
  this[ATTEMPT].sink?.onUpstreamDrain();
}

function onError(this: AttemptStream, err: NodeJS.ErrnoException): void {
  const a = this[ATTEMPT];
  a.fail(`${err.code ?? 'error'}: ${err.message}`, !a.upstream.isConnected(a.session!));
}

function onClose(this: AttemptStream): void {
  const a = this[ATTEMPT];
  if (!a.sink) return;
  const code = this.rstCode;
  // never connected, or REFUSED_STREAM: the backend did not see the request
  const connected = a.upstream.isConnected(a.session!);
  a.fail(connected ? `stream closed (code ${code})` : 'connection to the backend failed',
    !connected || code === http2.constants.NGHTTP2_REFUSED_STREAM);
}

/** A received header block's raw [name, value, ...] list without its pseudo-headers (`:status`). */
function withoutPseudo(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].charCodeAt(0) !== 58 /* : */) out.push(raw[i], raw[i + 1]);
  }
  return out;
}

/** The END_STREAM flag (0x1) of a received HEADERS frame. */
function endsStream(flags: number): boolean {
  return flags % 2 === 1;
}
