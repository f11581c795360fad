import * as net from 'node:net';
import * as tls from 'node:tls';
import { GatewayErrorCode } from '../errors';
import type { H1Pool } from './h1-pool';
import { UpstreamConnection, UpstreamHead, UpstreamSink } from './sink';
import { consumableHandle, createParser, isParseError, NativeParser, ParseError, ParserOwner, releaseParser, RESPONSE, StreamHandle } from '../http1/native-parser';

const CRLF = '\r\n';
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/**
 * One keep-alive HTTP/1.1 connection to a backend endpoint. The response is parsed by llhttp and
 * handed to the current sink; the connection returns to its pool after a complete exchange.
 */
export class H1Connection implements ParserOwner, UpstreamConnection {
  public readonly http2 = false;
  public sink: UpstreamSink | null = null;
  /** When it went idle (for the pool's idle sweep). */
  public idleSince = 0;
  public closed = false;
  private readonly socket: net.Socket;
  private readonly parser: NativeParser;
  private headerAcc: string[] | null = null;
  /** The current request reused a connection that already served one. */
  private reused = false;
  private served = 0;
  private gotResponseBytes = false;
  /** A response ended during the current read (parserExecute). */
  private messageEnded = false;
  private requestSent = false;
  private responseDone = false;
  private keepAlive = true;
  private interim = false;
  private paused = false;
  /** TLS backends: the handshake completed (errors before it are certificate or protocol problems). */
  private handshaken = false;
  /** Set when a 101 answer turns the connection into a tunnel. */
  private upgraded = false;
  private upgradeHead: { status: number; reason: string; headers: string[] } | null = null;
  /** Plain TCP: llhttp reads the handle directly once connected (no 'data' events). */
  private consumed: StreamHandle | null = null;

  constructor(private readonly pool: H1Pool, tlsOptions: tls.ConnectionOptions | undefined) {
    const { host, port } = pool.endpoint;
    this.socket = tlsOptions ? tls.connect({ ...tlsOptions, host, port }) : net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.parser = createParser(RESPONSE, this, 65536);
    this.socket.on('data', this.onData);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
    this.socket.on('drain', this.onDrain);
    if (!tlsOptions) this.socket.once('connect', this.onConnect);
    else this.socket.once('secureConnect', () => { this.handshaken = true; });
  }

  /** Hands the connection to a request. */
  public assign(sink: UpstreamSink): void {
    this.sink = sink;
    this.reused = this.served > 0;
    this.gotResponseBytes = false;
    this.requestSent = false;
    this.responseDone = false;
    this.keepAlive = true;
    this.interim = false;
    if (this.paused) this.resume();
  }

  public writeHead(head: UpstreamHead, endStream: boolean): boolean {
    if (endStream) this.requestSent = true;
    return this.socket.write(head as string, 'latin1');
  }

  public writeBody(chunk: Buffer, chunked: boolean): boolean {
    if (chunked) {
      if (chunk.length === 0) return true;
      this.socket.cork();
      this.socket.write(chunk.length.toString(16) + CRLF, 'latin1');
      this.socket.write(chunk);
      const ok = this.socket.write(CRLF, 'latin1');
      this.socket.uncork();
      return ok;
    }
    return this.socket.write(chunk);
  }

  public endBody(chunked: boolean): void {
    if (chunked) this.socket.write(LAST_CHUNK);
    this.requestSent = true;
    if (this.responseDone) this.finishExchange();
  }

  public pause(): void {
    if (!this.paused) {
      this.paused = true;
      if (this.consumed) this.consumed.readStop();
      else this.socket.pause();
    }
  }

  public resume(): void {
    if (this.paused) {
      this.paused = false;
      if (this.consumed) this.consumed.readStart();
      else this.socket.resume();
    }
  }

  public abort(): void {
    this.sink = null;
    this.destroy();
  }

  /** After a 101: the raw socket and any bytes that followed the response head. */
  public detachForTunnel(): net.Socket {
    this.upgraded = true;
    this.sink = null;
    this.socket.removeListener('data', this.onData);
    this.socket.removeListener('error', this.onError);
    this.socket.removeListener('close', this.onClose);
    this.socket.removeListener('drain', this.onDrain);
    this.unconsume();
    releaseParser(this.parser);
    this.pool.forget(this);
    return this.socket;
  }

  public destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
  }

  // --- llhttp callbacks -----------------------------------------------------------------------

  public parserHeaders(headers: string[], _url: string): void {
    if (this.headerAcc) this.headerAcc.push(...headers);
    else this.headerAcc = headers.slice();
  }

  public parserHeadersComplete(
    _major: number, _minor: number, headers: string[] | undefined, _method: number, _url: string | undefined,
    statusCode: number, statusMessage: string | undefined, upgrade: boolean, shouldKeepAlive: boolean,
  ): number {
    if (headers === undefined) {
      headers = this.headerAcc ?? [];
      this.headerAcc = null;
    }
    this.gotResponseBytes = true;
    const sink = this.sink;
    if (!sink) return 1;
    if (statusCode < 200 && statusCode !== 101) {
      this.interim = true;
      sink.onUpstreamInterim(statusCode, headers);
      return 0;
    }
    this.keepAlive = shouldKeepAlive && !upgrade;
    if (upgrade) {
      // handed over after execute() returns, with the bytes that follow the head
      this.upgradeHead = { status: statusCode, reason: statusMessage ?? '', headers };
      return 2;
    }
    sink.onUpstreamHead(statusCode, statusMessage ?? '', headers);
    return sink.upstreamHeadRequest || statusCode === 204 || statusCode === 304 ? 1 : 0;
  }

  // No message-begin callback (native-parser.ts): a response's first bytes are noticed per read instead
  // (parserExecute; onData for TLS), which spares a native-to-JS call per response. A read that ended a response
  // may already have handed the connection to the next request (release → assign): its bytes are not that
  // request's answer.

  public parserExecute(ret: number | ParseError): void {
    if (this.messageEnded) this.messageEnded = false;
    else this.gotResponseBytes = true;
    this.afterExecute(ret, undefined);
  }

  public parserBody(chunk: Buffer): void {
    this.sink?.onUpstreamBody(chunk);
  }

  public parserMessageComplete(): void {
    if (this.interim) {
      this.interim = false;
      return;
    }
    if (this.upgraded || this.upgradeHead) return;
    this.messageEnded = true;
    this.responseDone = true;
    const sink = this.sink;
    if (this.requestSent) {
      this.finishExchange();
    } else {
      // answered before the request body was sent: the connection cannot be reused
      this.sink = null;
      this.destroy();
    }
    sink?.onUpstreamEnd();
  }

  private finishExchange(): void {
    this.sink = null;
    this.served++;
    if (this.keepAlive && !this.closed) this.pool.release(this);
    else this.destroy();
  }

  // --- socket events (bound once per connection) ----------------------------------------------

  private onConnect = (): void => {
    const handle = consumableHandle(this.socket);
    if (!handle || this.closed) return;
    this.socket.removeListener('data', this.onData);
    this.consumed = handle;
    this.consumed._consumed = true;
    this.parser.consume(handle);
  };

  private unconsume(): void {
    if (!this.consumed) return;
    this.parser.unconsume();
    this.consumed._consumed = false;
    this.consumed = null;
  }

  private onData = (chunk: Buffer): void => {
    this.gotResponseBytes = true;
    this.afterExecute(this.parser.execute(chunk), chunk);
  };

  private afterExecute(ret: number | ParseError, chunk: Buffer | undefined): void {
    const up = this.upgradeHead;
    if (up) {
      this.upgradeHead = null;
      const sink = this.sink;
      const data = chunk ?? this.parser.getCurrentBuffer();
      const socket = this.detachForTunnel();
      const rest = typeof ret === 'number' ? data.subarray(ret) : Buffer.alloc(0);
      if (sink) sink.onUpstreamUpgrade(up.status, up.reason, up.headers, socket, rest);
      else socket.destroy();
      return;
    }
    if (isParseError(ret)) {
      const sink = this.sink;
      this.sink = null;
      this.destroy();
      sink?.onUpstreamError('GW_UPSTREAM_PROTOCOL', `${ret.code}: ${ret.message}`, false);
      return;
    }
    this.sink?.onUpstreamFlush();
  }

  private onError = (err: NodeJS.ErrnoException): void => {
    const unreachable = err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' || err.code === 'ENOTFOUND';
    const tlsFailure = !unreachable && this.pool.endpoint.tls !== undefined && !this.handshaken;
    this.fail(unreachable ? 'GW_UPSTREAM_UNREACHABLE' : tlsFailure ? 'GW_UPSTREAM_TLS' : 'GW_UPSTREAM_RESET',
      `${err.code ?? 'error'}: ${err.message}`, err.code === 'ECONNREFUSED');
  };

  private onClose = (): void => {
    this.closed = true;
    // a response without Content-Length ends when the backend closes
    if (this.sink && this.gotResponseBytes && !this.responseDone) {
      const ret = this.parser.finish();
      if (!isParseError(ret) && this.responseDone) {
        this.pool.forget(this);
        this.unconsume();
        releaseParser(this.parser);
        return;
      }
    }
    this.fail('GW_UPSTREAM_RESET', 'connection closed before the response completed', false);
    this.pool.forget(this);
    this.unconsume();
    releaseParser(this.parser);
  };

  private onDrain = (): void => {
    this.sink?.onUpstreamDrain();
  };

  private fail(code: GatewayErrorCode, detail: string, refused: boolean): void {
    const sink = this.sink;
    if (!sink) return;
    this.sink = null;
    this.destroy();
    // a reused connection the backend closed while idle never saw the request
    sink.onUpstreamError(code, detail, refused || (this.reused && !this.gotResponseBytes));
  }
}
