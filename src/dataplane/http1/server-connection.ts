import { STATUS_CODES } from 'node:http';
import type * as net from 'node:net';
import { ERROR_HEADER, errorBody, errorStatus, GatewayErrorCode } from '../errors';
import type { ConnectionHost } from './connection-host';
import { consumableHandle, createParser, isParseError, LENIENT_VERSION, METHODS, NativeParser, ParseError, ParserOwner, releaseParser, REQUEST, StreamHandle } from './native-parser';
import { hostHeaderError, versionVerdict } from './request-checks';
import { bridgeTunnel } from './tunnel';
import { Exchange } from '../proxy/exchange';
import { CaseInsensitiveNames, lineStart, lowerCaseName } from '../proxy/header-names';
import { RESPONSE_HOP_BY_HOP } from '../proxy/hop-by-hop';
import { clientIdentity } from '../tls/client-identity';

const CRLF = '\r\n';
const LAST_CHUNK = '0\r\n\r\n';
const PLAIN_CONNECTION = /^\s*(keep-alive|close)\s*$/i;
/** A Connection header that names no other header (the usual `keep-alive` / `close` skip the regex). */
function plainConnection(v: string): boolean {
  return v === 'keep-alive' || v === 'close' || PLAIN_CONNECTION.test(v);
}

/** The response header names sendUpstreamHead does not copy as received. */
const RESPONSE_FRAMING = new CaseInsensitiveNames([...RESPONSE_HOP_BY_HOP, 'content-length']);

// A response head is built from few pieces (each + is a new string on this path): every line after the status
// line starts with the CRLF that ends the line before it (lineStart), and one constant ends the head.
// How it ends, by connection handling: an HTTP/1.1 default, Connection: close, Connection: keep-alive (1.0).
const PERSISTENT = 0;
const CLOSE = 1;
const KEEP_ALIVE = 2;
const HEAD_END = ['\r\n\r\n', '\r\nconnection: close\r\n\r\n', '\r\nconnection: keep-alive\r\n\r\n'];

/** Status lines (without CRLF) with the standard reason phrase, by status code (built once each). */
const STATUS_LINES: string[] = [];

/** `HTTP/1.1 <status> <reason>`; an empty reason is the standard one. */
function statusLine(status: number, reason: string): string {
  const standard = STATUS_CODES[status];
  if (standard === undefined || (reason !== '' && reason !== standard)) return 'HTTP/1.1 ' + status + ' ' + reason;
  return STATUS_LINES[status] ??= 'HTTP/1.1 ' + status + ' ' + standard;
}

/**
 * After our side of a connection ended (its last answer, a 408...) and everything we wrote was handed to the kernel,
 * the client's FIN is awaited this long and no longer (nginx's lingering_timeout): a client that never closes its side
 * must not hold the connection until the idle timeout.
 */
const LINGER_MS = 5000;

/** Bodies up to this size are written together with the response head as one string. */
const SMALL_BODY = 8192;

/** A client's HTTP/1.1 connection: parses requests with llhttp and answers them in order. */
export class H1ServerConnection implements ParserOwner {
  /**
   * For the port's sweep: when the current request's head started arriving (0: not reading a head). A new
   * connection's first head is timed from when the connection was accepted, so a client that sends nothing, or a
   * few bytes, is closed at the header timeout; later heads are timed from their first byte (before it, the
   * connection is idle and the idle timeout applies), as the coarse clock tells it: the sweep finds such a head
   * (headInProgress) and dates it to the sweep before, the clock's value when its first byte came.
   */
  public headStart: number;
  /** The clock's value at the previous sweep (or when the connection was accepted). */
  private sweptAt: number;
  /** When our side was ended (clock.now), 0 while it is open. */
  private endedAt = 0;
  public lastActivity: number;
  public draining = false;
  public closed = false;
  /**
   * The client half-closed (FIN): the requests it sent are still answered, then the connection is closed.
   * The socket is half-open capable for this (as node:http and nginx do), so it must be ended explicitly.
   */
  public peerEnded = false;
  private readonly parser: NativeParser;
  /** The exchange being answered, and requests pipelined behind it. */
  private current: H1Exchange | null = null;
  private readonly queue: H1Exchange[] = [];
  /** The exchange whose request is being parsed (differs from `current` when pipelining). */
  private parsing: H1Exchange | null = null;
  private headerAcc: string[] | null = null;
  private urlAcc = '';
  private readPausedForQueue = false;
  private readPausedForBody = false;
  /** An Upgrade request stops the parser; bytes after its head wait here for the tunnel. */
  private upgradeRest: Buffer[] | null = null;
  private tunnelled = false;
  /** The stream handle llhttp reads from directly (see attach), or null when reading through 'data' events. */
  private consumed: StreamHandle | null = null;
  /** The verified client certificate (frontend mTLS), forwarded to backends. */
  private readonly clientCert: string | undefined;

  constructor(
    public readonly socket: net.Socket,
    public readonly host: ConnectionHost,
    public readonly secure: boolean,
    /** TLS: the ClientHello server name ('' without SNI); undefined on cleartext ports. */
    public readonly serverName: string | undefined,
    /** When the connection was accepted (Date.now()). */
    acceptedAt: number,
  ) {
    this.lastActivity = host.clock.now;
    this.sweptAt = host.clock.now;
    this.headStart = acceptedAt;
    this.clientCert = secure ? clientIdentity(socket) : undefined;
    this.parser = createParser(REQUEST, this, host.limits.maxHeaderBytes, LENIENT_VERSION);
    socket.setNoDelay(true);
    socket.allowHalfOpen = true;
    socket.on('end', this.onEnd);
    socket.on('drain', this.onDrain);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /**
   * Starts reading: `first` holds bytes read before this object took over the socket (protocol sniffing).
   * When possible llhttp then reads the socket's handle directly in C++ (as node:http does), which saves
   * the JS stream machinery and a Buffer per read.
   */
  public attach(first: Buffer | undefined): void {
    if (first) this.onData(first);
    if (this.closed || this.upgradeRest) {
      if (!this.closed) this.socket.on('data', this.onData);
      return;
    }
    const handle = consumableHandle(this.socket);
    if (handle) {
      this.consumed = handle;
      this.consumed._consumed = true;
      this.parser.consume(handle);
    } else {
      this.socket.on('data', this.onData);
    }
  }

  /** SIGTERM: finish what is in flight, answer with Connection: close, then close. */
  public drain(): void {
    this.draining = true;
    if (!this.current && !this.parsing) this.endConnection();
  }

  /** Called by the port's sweep with the coarse clock. */
  public sweep(now: number): void {
    if (this.endedAt && now - this.endedAt > LINGER_MS && this.socket.writableFinished) return this.destroy();
    const lim = this.host.limits;
    const before = this.sweptAt;
    this.sweptAt = now;
    // a head begun since the last sweep read something (lastActivity is the clock's value at each read)
    if (this.headStart === 0 && this.lastActivity >= before && this.headInProgress()) this.headStart = before;
    if (this.headStart && now - this.headStart > lim.headersTimeoutMs) {
      this.headStart = 0;
      this.host.closedBecause('header_timeout').inc();
      // nothing asked, nothing to answer
      if (!this.current && !this.parsing && !this.headInProgress()) return this.destroy();
      return this.rejectAndClose('GW_CLIENT_TIMEOUT', 'request head not received within the header timeout');
    }
    if (now - this.lastActivity > lim.idleTimeoutMs) {
      if (!this.current && !this.parsing) {
        this.destroy();
      } else if (this.parsing && this.parsing === this.current && !this.parsing.responseStarted) {
        // the request body stalled
        this.parsing.fail('GW_CLIENT_TIMEOUT', 'request body stalled past the idle timeout');
        this.destroy();
      } else if (this.peerEnded && this.current && !this.current.responseStarted) {
        // A FIN is all a client that closed its socket sends, so a half-closed client may be gone for good:
        // its answer is not awaited past the idle timeout (the close aborts what is in flight, as GW_CLIENT_ABORTED)
        this.destroy();
      }
    }
  }

  /**
   * Whether bytes of a request head arrived and the head is not complete. Asked of llhttp at the sweep, not
   * followed per message (a JS callback at each message's first byte cost ~2 µs per request): its finish()
   * fails exactly while a message is in progress, and changes nothing; a message whose head is complete is
   * `parsing` until its body ends.
   */
  private headInProgress(): boolean {
    if (this.parsing !== null || this.closed || this.upgradeRest || this.parser.owner !== this) return false;
    return isParseError(this.parser.finish());
  }

  /** Closes the socket now, also one already ended that still waits for the client to read (or for its FIN). */
  public destroy(): void {
    if (!this.tunnelled && !this.socket.destroyed) this.socket.destroy();
  }

  /** Whether an answer given now is the last one: the client half-closed and nothing else is waiting. */
  public get lastAnswer(): boolean {
    return this.peerEnded && this.queue.length === 0 && this.parsing === null;
  }

  // --- llhttp callbacks --------------------------------------------------------------------------

  public parserHeaders(headers: string[], url: string): void {
    if (this.headerAcc) {
      if (this.headerAcc.length <= this.host.limits.maxHeaderCount * 2) this.headerAcc.push(...headers);
    } else {
      this.headerAcc = headers.slice();
    }
    this.urlAcc += url;
  }

  public parserHeadersComplete(
    major: number, minor: number, headers: string[] | undefined, method: number, url: string | undefined,
    _status: number, _msg: string | undefined, upgrade: boolean, keepAlive: boolean,
  ): number {
    this.headStart = 0;
    if (headers === undefined) {
      headers = this.headerAcc ?? [];
      this.headerAcc = null;
    }
    if (url === undefined) {
      url = this.urlAcc;
      this.urlAcc = '';
    }
    const x = new H1Exchange(this);
    this.parsing = x;
    if (headers.length > this.host.limits.maxHeaderCount * 2) {
      x.tooManyHeaders = true;
      headers = [];
    }
    x.method = METHODS[method];
    x.rawTarget = url;
    x.keepAlive = keepAlive;
    x.http10 = major === 1 && minor === 0;
    if (major !== 1) {
      x.versionMajor = major;
      x.closeAfter = true;
    }
    x.secure = this.secure;
    x.clientCert = this.clientCert;
    x.clientIp = this.socket.remoteAddress ?? '';
    x.clientPort = this.socket.remotePort ?? 0;
    x.rawHeaders = headers;
    const n = headers.length;
    const lower: string[] = new Array(n / 2);
    const rec: Record<string, string | string[] | undefined> = {};
    for (let i = 0, j = 0; i < n; i += 2, j++) {
      const name = lowerCaseName(headers[i]);
      lower[j] = name;
      const v = headers[i + 1];
      const prev = rec[name];
      if (prev === undefined) rec[name] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else rec[name] = [prev, v];
    }
    x.lowerNames = lower;
    x.headers = rec;
    const host = rec.host;
    x.hostHeader = typeof host === 'string' ? host : '';
    if (Array.isArray(host)) x.duplicateHost = true;
    const te = rec['transfer-encoding'];
    if (te !== undefined) x.bodyChunked = true;
    else if (typeof rec['content-length'] === 'string') x.contentLength = Number(rec['content-length']);
    // no body: the request is complete now (an answer given before llhttp's messageComplete keeps the connection)
    if (!x.bodyChunked && x.contentLength <= 0) x.requestComplete = true;
    if (upgrade) {
      if (x.method === 'CONNECT') x.connectMethod = true;
      // h2c upgrades are not forwarded: a backend speaking HTTP/2 to the client would bypass routing
      else x.upgrade = typeof rec.upgrade === 'string' && !/^\s*h2c\s*$/i.test(rec.upgrade) ? rec.upgrade : '';
      // llhttp stops after an Upgrade request: this connection ends with it (tunnel or not)
      x.closeAfter = true;
      this.upgradeRest = [];
    }
    if (this.current === null) {
      this.current = x;
      this.start(x);
    } else {
      this.queue.push(x);
      if (!this.readPausedForQueue) {
        this.readPausedForQueue = true;
        this.stopReading();
      }
    }
    return 0;
  }

  public parserBody(chunk: Buffer): void {
    this.parsing?.onRequestBody(chunk);
  }

  public parserExecute(ret: number | ParseError): void {
    this.lastActivity = this.host.clock.now;
    this.afterExecute(ret, undefined);
  }

  public parserMessageComplete(): void {
    const x = this.parsing;
    if (!x) return;
    this.parsing = null;
    x.requestComplete = true;
    x.onRequestEnd();
  }

  // --- used by H1Exchange ----------------------------------------------------------------------

  /** The exchange is over; serve the next pipelined request or close. */
  public exchangeDone(x: H1Exchange): void {
    if (this.current !== x) return;
    this.current = null;
    if (this.tunnelled) return;
    if (!x.keepAlive || this.draining || !x.requestComplete || x.closeAfter) {
      // a request body we did not read (early answer) cannot be skipped safely
      this.endConnection();
      return;
    }
    const next = this.queue.shift();
    if (next) {
      this.current = next;
      this.start(next);
      if (this.closed) return;
    } else if (this.peerEnded && !this.parsing) {
      // every request the client sent before its FIN is answered
      this.endConnection();
      return;
    }
    if (this.queue.length === 0 && this.readPausedForQueue) {
      this.readPausedForQueue = false;
      if (!this.readPausedForBody) this.startReading();
    }
  }

  public pauseReading(): void {
    if (!this.readPausedForBody) {
      this.readPausedForBody = true;
      this.stopReading();
    }
  }

  public resumeReading(): void {
    if (this.readPausedForBody) {
      this.readPausedForBody = false;
      if (!this.readPausedForQueue) this.startReading();
    }
  }

  /** Hands the client socket to a tunnel with the bytes read after the Upgrade request's head. */
  public detachForTunnel(): Buffer {
    this.socket.removeListener('data', this.onData);
    this.socket.removeListener('end', this.onEnd);
    this.socket.removeListener('drain', this.onDrain);
    this.socket.removeListener('close', this.onClose);
    this.socket.removeListener('error', this.onError);
    this.host.untrack(this);
    this.closed = true;
    this.tunnelled = true;
    releaseParser(this.parser);
    const rest = this.upgradeRest ? Buffer.concat(this.upgradeRest) : Buffer.alloc(0);
    this.upgradeRest = null;
    return rest;
  }

  // --- internals -------------------------------------------------------------------------------

  private stopReading(): void {
    if (this.consumed) this.consumed.readStop();
    else this.socket.pause();
  }

  private startReading(): void {
    if (this.consumed) this.consumed.readStart();
    else this.socket.resume();
  }

  /** Back to 'data' events (an Upgrade request: what follows its head belongs to the tunnel). */
  private unconsume(): void {
    if (!this.consumed) return;
    this.parser.unconsume();
    this.consumed._consumed = false;
    this.consumed = null;
    this.socket.on('data', this.onData);
  }

  private start(x: H1Exchange): void {
    const rt = this.host.runtime();
    if (!rt) return x.fail('GW_DRAINING', 'port is no longer configured');
    if (x.versionMajor !== 1) {
      const v = versionVerdict(x.versionMajor);
      if (v === 'unsupported') return x.fail('GW_HTTP_VERSION_NOT_SUPPORTED', `request line claims HTTP/${x.versionMajor}.x`);
      return x.fail('GW_BAD_REQUEST', `request line claims HTTP/${x.versionMajor}.x`);
    }
    if (x.tooManyHeaders) return x.fail('GW_HEADERS_TOO_LARGE', `more than ${this.host.limits.maxHeaderCount} header fields`);
    if (x.duplicateHost) return x.fail('GW_BAD_REQUEST', 'more than one Host header');
    if (x.connectMethod) return x.fail('GW_BAD_REQUEST', 'CONNECT is not supported');
    if (x.http10 === false && !x.hostHeader && x.rawTarget.charCodeAt(0) === 47) return x.fail('GW_BAD_REQUEST', 'HTTP/1.1 request without Host');
    if (x.hostHeader) {
      const bad = hostHeaderError(x.hostHeader);
      if (bad) {
        x.closeAfter = true;
        return x.fail('GW_BAD_REQUEST', bad);
      }
    }
    let tlsListener;
    if (this.serverName !== undefined) {
      const sel = rt.port.tlsFor(this.serverName);
      if (sel instanceof Error) return x.fail('GW_MISDIRECTED_REQUEST', sel.message);
      tlsListener = sel.listener;
    }
    x.begin(rt.gen, rt.port, tlsListener);
  }

  private rejectAndClose(code: GatewayErrorCode, detail: string): void {
    const x = this.current ?? this.parsing;
    if (x && !x.responseStarted && !x.isDone) {
      x.closeAfter = true;
      x.fail(code, detail);
      this.destroyAfterWrite();
      return;
    }
    if (x) {
      this.destroy();
      return;
    }
    const status = errorStatus(code);
    const body = errorBody(code);
    this.host.ctx.countError(code);
    this.host.ctx.unrouted(status).inc();
    this.host.ctx.log.debug('rejected request', { code, detail, client: this.socket.remoteAddress });
    this.socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json\r\n${ERROR_HEADER}: ${code}\r\n` +
      `content-length: ${body.length}\r\nconnection: close\r\n\r\n${body.toString('latin1')}`, 'latin1');
    this.closed = true;
    this.endedAt = this.host.clock.now;
  }

  private destroyAfterWrite(): void {
    this.endConnection();
  }

  /**
   * Our side is done: FIN after what is written. The socket closes once the client's FIN came too (or at the idle
   * timeout); while draining it closes as soon as what we wrote is flushed: a client that never sends its FIN must
   * not hold the shutdown.
   */
  private endConnection(): void {
    const socket = this.socket;
    if (this.draining) socket.end(() => socket.destroy());
    else socket.end();
    this.closed = true;
    this.endedAt = this.host.clock.now;
  }

  private onData = (chunk: Buffer): void => {
    this.lastActivity = this.host.clock.now;
    if (this.upgradeRest) {
      this.upgradeRest.push(chunk);
      return;
    }
    this.afterExecute(this.parser.execute(chunk), chunk);
  };

  private afterExecute(ret: number | ParseError, chunk: Buffer | undefined): void {
    if (isParseError(ret)) {
      const code = ret.code === 'HPE_HEADER_OVERFLOW' ? 'GW_HEADERS_TOO_LARGE' : 'GW_BAD_REQUEST';
      this.parser.owner = null;
      const x = this.parsing;
      if (x && x === this.current && x.responseStarted) {
        this.destroy();
        return;
      }
      this.parsing = null;
      this.headStart = 0;
      this.host.ctx.log.debug('malformed request', { code: ret.code, reason: ret.message, client: this.socket.remoteAddress });
      if (x && x === this.current) {
        x.closeAfter = true;
        x.fail(code, `${ret.code}: ${(ret as { reason?: string }).reason ?? ret.message}`);
      } else {
        if (x) x.onDownstreamAbort();
        if (this.current) {
          this.current.closeAfter = true;
          this.destroy();
          return;
        }
        this.rejectAndClose(code, `${ret.code}`);
      }
      return;
    }
    const rest = this.upgradeRest as Buffer[] | null;
    if (rest) {
      const data = chunk ?? this.parser.getCurrentBuffer();
      if (ret < data.length) rest.push(data.subarray(ret));
      this.unconsume();
    }
  }

  private onDrain = (): void => {
    this.current?.onDownstreamDrain();
  };

  /** The client's FIN: answer what it sent, then close; a request it cut short gets a 400. */
  private onEnd = (): void => {
    this.peerEnded = true;
    // an Upgrade request: its answer (or the tunnel) ends the connection
    if (this.closed || this.upgradeRest) return;
    if (isParseError(this.parser.finish())) return this.requestCutShort();
    if (!this.current) this.endConnection();
  };

  /** The client half-closed in the middle of a request head or body: that request can never complete. */
  private requestCutShort(): void {
    const x = this.parsing;
    this.parsing = null;
    this.headStart = 0;
    const detail = 'the client closed its side (FIN) before the request was complete';
    if (!x) {
      // a partial head: the request being answered (if any) finishes, then the connection closes
      if (!this.current) this.rejectAndClose('GW_BAD_REQUEST', detail);
      return;
    }
    if (x !== this.current) {
      // a pipelined request behind the one being answered
      this.queue.splice(this.queue.indexOf(x), 1);
      x.onDownstreamAbort();
      return;
    }
    if (x.responseStarted) {
      x.onDownstreamAbort();
      this.destroy();
      return;
    }
    x.closeAfter = true;
    x.fail('GW_BAD_REQUEST', detail);
  }

  private onError = (): void => {
    // 'close' follows
  };

  private onClose = (): void => {
    this.closed = true;
    this.host.untrack(this);
    // 'close' is emitted asynchronously, never from inside execute()
    if (this.consumed) {
      this.parser.unconsume();
      this.consumed = null;
    }
    releaseParser(this.parser);
    const x = this.current;
    this.current = null;
    if (x) x.onDownstreamAbort();
    if (this.parsing && this.parsing !== x) this.parsing.onDownstreamAbort();
    for (const q of this.queue) q.onDownstreamAbort();
    this.queue.length = 0;
  };
}

/** An exchange whose client speaks HTTP/1.1 (or 1.0) over an H1ServerConnection. */
export class H1Exchange extends Exchange {
  public keepAlive = true;
  public http10 = false;
  public requestComplete = false;
  public closeAfter = false;
  public tooManyHeaders = false;
  public duplicateHost = false;
  public connectMethod = false;
  /** The request line's major version (1 unless the client claimed another: 400 or 505). */
  public versionMajor = 1;
  private chunkedResponse = false;
  private noBody = false;
  private pendingHead: string | null = null;

  constructor(private readonly client: H1ServerConnection) {
    super(client.host.ctx);
  }

  public get responseStarted(): boolean {
    return this.headSent;
  }

  public get isDone(): boolean {
    return this.done;
  }

  /** The hot path: filters hop-by-hop headers while serialising, no intermediate list. */
  protected sendUpstreamHead(status: number, reason: string, headers: string[]): void {
    let lines = '';
    let length = -1;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i];
      const n = RESPONSE_FRAMING.find(name);
      if (n !== undefined) {
        if (n === 'content-length') length = Number(headers[i + 1]);
        // a Connection header naming other headers needs the general path
        else if (n === 'connection' && !plainConnection(headers[i + 1])) return super.sendUpstreamHead(status, reason, headers);
        continue;
      }
      lines += lineStart(name) + headers[i + 1];
    }
    if (status === 204 || status === 304 || status < 200) length = 0;
    this.writeHeadLines(status, reason, lines, length);
  }

  protected sendHead(status: number, reason: string, headers: string[], length: number): void {
    let lines = '';
    for (let i = 0; i < headers.length; i += 2) lines += lineStart(headers[i]) + headers[i + 1];
    this.writeHeadLines(status, reason, lines, length);
  }

  private writeHeadLines(status: number, reason: string, lines: string, length: number): void {
    this.headSent = true;
    const close = !this.keepAlive || this.client.draining || this.closeAfter || (!this.requestComplete && status >= 300) || this.client.lastAnswer;
    if (close) this.keepAlive = false;
    this.noBody = this.method === 'HEAD' || status === 204 || status === 304;
    let framing = '';
    if (length >= 0) {
      if (status !== 204 && status !== 304) framing = '\r\ncontent-length: ' + length;
    } else if (!this.noBody) {
      if (this.http10) {this.keepAlive = false;} else {
        this.chunkedResponse = true;
        framing = '\r\ntransfer-encoding: chunked';
      }
    }
    const c = !this.keepAlive ? CLOSE : this.http10 ? KEEP_ALIVE : PERSISTENT;
    // held back until the first body bytes or the end, so that a small response is one write
    this.pendingHead = statusLine(status, reason) + lines + framing + HEAD_END[c];
  }

  protected sendBody(chunk: Buffer): boolean {
    if (this.noBody || chunk.length === 0) return true;
    const socket = this.client.socket;
    let head = this.pendingHead;
    this.pendingHead = null;
    if (this.chunkedResponse) head = (head ?? '') + chunk.length.toString(16) + CRLF;
    if (head !== null && chunk.length <= SMALL_BODY) {
      // one string, one write(2): cheaper than a writev of several parts for small bodies
      return socket.write(head + chunk.toString('latin1') + (this.chunkedResponse ? CRLF : ''), 'latin1');
    }
    if (head !== null) {
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(chunk);
      const ok = this.chunkedResponse ? socket.write(CRLF, 'latin1') : true;
      socket.uncork();
      return ok;
    }
    return socket.write(chunk);
  }

  protected sendEnd(): void {
    const head = this.pendingHead;
    this.pendingHead = null;
    if (this.chunkedResponse) this.client.socket.write((head ?? '') + LAST_CHUNK, 'latin1');
    else if (head !== null) this.client.socket.write(head, 'latin1');
  }

  protected flushHead(): void {
    const head = this.pendingHead;
    if (head !== null) {
      this.pendingHead = null;
      this.client.socket.write(head, 'latin1');
    }
  }

  protected sendInterim(status: number): void {
    if (this.http10) return;
    this.flushHead();
    this.client.socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n\r\n`, 'latin1');
  }

  protected destroyDownstream(): void {
    this.keepAlive = false;
    this.client.destroy();
  }

  protected pauseDownstream(): void {
    this.client.pauseReading();
  }

  protected resumeDownstream(): void {
    this.client.resumeReading();
  }

  protected tunnel(status: number, reason: string, headers: string[], upstream: net.Socket, head: Buffer): void {
    this.headSent = true;
    const rest = this.client.detachForTunnel();
    bridgeTunnel(this.client.socket, upstream, status, reason, headers, head, rest.length ? rest : undefined);
  }

  protected completed(): void {
    this.client.exchangeDone(this);
  }
}

