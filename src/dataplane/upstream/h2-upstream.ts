import * as http2 from 'node:http2';
import type { Endpoint } from './h1-pool';
import { UpstreamConnection, UpstreamSink } from './sink';

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

/** One request/response stream on an H2Upstream session. */
class H2Attempt implements UpstreamConnection {
  public readonly http2 = true;
  private stream: http2.ClientHttp2Stream | null = null;
  private sink: UpstreamSink | null;
  private gotResponse = false;
  private trailers: string[] | undefined;

  constructor(private readonly upstream: H2Upstream, sink: UpstreamSink) {
    this.sink = sink;
  }

  public writeHead(head: string | Record<string, string | string[]>, endStream: boolean): boolean {
    let session: http2.ClientHttp2Session;
    try {
      session = this.upstream.getSession();
      this.stream = session.request(head as http2.OutgoingHttpHeaders, { endStream });
    } catch (e) {
      this.fail(`request failed: ${(e as Error).message}`, true);
      return false;
    }
    const st = this.stream;
    st.on('response', (headers, flags) => {
      this.gotResponse = true;
      const status = Number(headers[':status']);
      const flat = flatten(headers);
      if (status < 200) {
        this.sink?.onUpstreamInterim(status, flat);
        return;
      }
      // END_STREAM on the response HEADERS: a gRPC trailers-only answer, passed on as one frame
      this.sink?.onUpstreamHead(status, '', flat, endsStream(flags));
      this.sink?.onUpstreamFlush();
    });
    st.on('data', (chunk: Buffer) => this.sink?.onUpstreamBody(chunk));
    st.on('trailers', (headers) => {
      this.trailers = flatten(headers);
    });
    st.on('end', () => {
      const sink = this.sink;
      this.sink = null;
      sink?.onUpstreamEnd(this.trailers);
    });
    st.on('drain', () => this.sink?.onUpstreamDrain());
    st.on('error', (err: NodeJS.ErrnoException) => this.fail(`${err.code ?? 'error'}: ${err.message}`, !this.upstream.isConnected(session)));
    st.on('close', () => {
      if (this.sink) {
        const code = st.rstCode;
        // never connected, or REFUSED_STREAM: the backend did not see the request
        const connected = this.upstream.isConnected(session);
        this.fail(connected ? `stream closed (code ${code})` : 'connection to the backend failed',
          !connected || code === http2.constants.NGHTTP2_REFUSED_STREAM);
      }
    });
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

  private fail(detail: string, nothingSent: boolean): void {
    const sink = this.sink;
    if (!sink) return;
    this.sink = null;
    if (this.stream && !this.stream.destroyed) this.stream.close(http2.constants.NGHTTP2_CANCEL);
    const unreachable = nothingSent && !this.gotResponse;
    sink.onUpstreamError(unreachable ? 'GW_UPSTREAM_UNREACHABLE' : 'GW_UPSTREAM_RESET', detail, nothingSent && !this.gotResponse);
  }
}

function flatten(headers: http2.IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const name of Object.keys(headers)) {
    if (name.charCodeAt(0) === 58 /* : */) continue;
    const v = headers[name];
    if (Array.isArray(v)) for (const x of v) out.push(name, x);
    else if (v !== undefined) out.push(name, String(v));
  }
  return out;
}

/** The END_STREAM flag (0x1) of a received HEADERS frame. */
function endsStream(flags: number): boolean {
  return flags % 2 === 1;
}
