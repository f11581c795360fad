import type * as net from 'node:net';
import type { BackendConfig } from '../../config/dataplane-config';
import type { GatewayErrorCode } from '../errors';
import type { ProxyContext } from './context';
import type { Endpoint } from '../upstream/h1-pool';
import type { UpstreamConnection, UpstreamHead, UpstreamSink } from '../upstream/sink';

/** Body bytes a mirror buffers while its connection is not ready; beyond, the mirror is dropped. */
const MAX_MIRROR_BUFFER = 256 * 1024;

/**
 * A copy of a request sent to a RequestMirror backend. Fire and forget: the response is read and
 * discarded, failures are counted but never affect the client's request.
 */
export class MirrorRequest implements UpstreamSink {
  private conn: UpstreamConnection | null = null;
  private endpoint: Endpoint | null = null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private ended = false;
  private closed = false;

  constructor(
    private readonly ctx: ProxyContext, private readonly backend: BackendConfig, clusterDomain: string,
    private readonly head: UpstreamHead, private readonly chunked: boolean, private readonly hasBody: boolean,
    /** A HEAD request: the answer has no body to read, whatever its Content-Length says. */
    public readonly upstreamHeadRequest = false,
  ) {
    const r = ctx.upstreams.resolve(backend, clusterDomain);
    if (r instanceof Error) this.closed = true;
    else if (r instanceof Promise) r.then((e) => (e instanceof Error ? this.close() : this.dispatch(e)), () => this.close());
    else this.dispatch(r);
  }

  public body(chunk: Buffer): void {
    if (this.closed) return;
    if (this.conn) {
      this.conn.writeBody(chunk, this.chunked);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > MAX_MIRROR_BUFFER) this.close();
  }

  public end(): void {
    this.ended = true;
    if (this.conn && this.hasBody) this.conn.endBody(this.chunked);
  }

  /** The original exchange is over: a mirror whose request body never completed is dropped. */
  public release(): void {
    if (!this.ended && this.hasBody) this.close();
  }

  public onUpstreamConnection(conn: UpstreamConnection): void {
    if (this.closed) {
      conn.abort();
      return;
    }
    this.conn = conn;
    conn.writeHead(this.head, !this.hasBody);
    if (!this.hasBody) return;
    for (const c of this.pending) conn.writeBody(c, this.chunked);
    this.pending = [];
    if (this.ended) conn.endBody(this.chunked);
  }

  public onUpstreamInterim(): void {}
  public onUpstreamHead(): void {}
  public onUpstreamBody(): void {}
  public onUpstreamFlush(): void {}
  public onUpstreamDrain(): void {}

  public onUpstreamEnd(): void {
    this.conn = null;
    this.closed = true;
  }

  public onUpstreamError(code: GatewayErrorCode, detail: string): void {
    this.conn = null;
    this.closed = true;
    this.ctx.log.debug('mirror request failed', { backend: this.backend.id, code, detail });
  }

  public onUpstreamUpgrade(_s: number, _r: string, _h: string[], socket: net.Socket): void {
    socket.destroy();
  }

  private dispatch(e: Endpoint): void {
    if (this.closed) return;
    this.endpoint = e;
    if (!this.ctx.upstreams.dispatch(this.backend, e, this)) this.closed = true;
  }

  private close(): void {
    this.closed = true;
    this.pending = [];
    if (this.conn) {
      this.conn.abort();
      this.conn = null;
    } else if (this.endpoint) {
      this.ctx.upstreams.cancel(this.endpoint, this);
    }
  }
}
