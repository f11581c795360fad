/**
 * HTTP/1.1 clients served through node:http: the fallback when the native parser's Node internal is missing
 * or changed (native-support.ts). Routing, filters, retries and error answers are the shared Exchange's; only
 * the wire framing is node:http's (it adds its own Connection/Keep-Alive headers, and is slower).
 */
import * as http from 'node:http';
import type * as net from 'node:net';
import type { ConnectionHost } from './connection-host';
import { bridgeTunnel } from './tunnel';
import { Exchange } from '../proxy/exchange';
import { clientIdentity } from '../tls/client-identity';

/** The TLS server name a socket was accepted with, for the node:http request handler. */
const SERVER_NAME = Symbol('cdk8s-gateway.serverName');
type NamedSocket = net.Socket & { [SERVER_NAME]?: string; encrypted?: boolean };

/** One node:http server per port, fed the port's accepted (and, for TLS, handshaken) sockets. */
export class NodeHttpServer {
  private readonly server: http.Server;
  private readonly sockets = new Set<net.Socket>();
  private draining = false;

  constructor(private readonly host: ConnectionHost) {
    const l = host.limits;
    this.server = http.createServer({
      maxHeaderSize: l.maxHeaderBytes,
      headersTimeout: l.headersTimeoutMs,
      keepAliveTimeout: l.idleTimeoutMs,
      requestTimeout: 0,
      noDelay: true,
    });
    this.server.maxHeadersCount = l.maxHeaderCount;
    this.server.on('request', this.onRequest);
    this.server.on('checkContinue', this.onRequest);
    this.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      if (head.length) socket.unshift(head);
      this.start(new NodeHttpExchange(this.host, req, undefined), req);
    });
  }

  /** Serves an accepted socket; `first` holds bytes already read from it (protocol sniffing). */
  public serve(socket: net.Socket, serverName: string | undefined, first?: Buffer): void {
    (socket as NamedSocket)[SERVER_NAME] = serverName;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    if (first) socket.unshift(first);
    this.server.emit('connection', socket);
    if (this.draining) this.server.closeIdleConnections();
  }

  public get openCount(): number {
    return this.sockets.size;
  }

  public drain(): void {
    this.draining = true;
    this.server.closeIdleConnections();
  }

  public destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  private onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (this.draining) res.shouldKeepAlive = false;
    this.start(new NodeHttpExchange(this.host, req, res), req);
  };

  private start(x: NodeHttpExchange, req: http.IncomingMessage): void {
    const rt = this.host.runtime();
    if (!rt) return x.fail('GW_DRAINING', 'port is no longer configured');
    if (Array.isArray(x.headers.host)) return x.fail('GW_BAD_REQUEST', 'more than one Host header');
    if (req.method === 'CONNECT') return x.fail('GW_BAD_REQUEST', 'CONNECT is not supported');
    if (req.httpVersion !== '1.0' && !x.hostHeader && x.rawTarget.charCodeAt(0) === 47) return x.fail('GW_BAD_REQUEST', 'HTTP/1.1 request without Host');
    const serverName = (req.socket as NamedSocket)[SERVER_NAME];
    let tlsListener;
    if (serverName !== undefined) {
      const sel = rt.port.tlsFor(serverName);
      if (sel instanceof Error) return x.fail('GW_MISDIRECTED_REQUEST', sel.message);
      tlsListener = sel.listener;
    }
    x.begin(rt.gen, rt.port, tlsListener);
  }
}

/** One request: a node:http request/response pair, or (an Upgrade request) the request and its raw socket. */
class NodeHttpExchange extends Exchange {
  private readonly socket: net.Socket;
  private noBody = false;

  constructor(host: ConnectionHost, private readonly req: http.IncomingMessage, private readonly res: http.ServerResponse | undefined) {
    super(host.ctx);
    const socket = req.socket as NamedSocket;
    this.socket = socket;
    this.method = req.method ?? '';
    this.rawTarget = req.url ?? '';
    const raw = req.rawHeaders;
    const lower: string[] = [];
    const rec: Record<string, string | string[] | undefined> = {};
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      lower.push(name);
      const prev = rec[name];
      const v = raw[i + 1];
      if (prev === undefined) rec[name] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else rec[name] = [prev, v];
    }
    this.rawHeaders = raw;
    this.lowerNames = lower;
    this.headers = rec;
    this.hostHeader = typeof rec.host === 'string' ? rec.host : '';
    if (rec['transfer-encoding'] !== undefined) this.bodyChunked = true;
    else if (typeof rec['content-length'] === 'string') this.contentLength = Number(rec['content-length']);
    this.secure = !!socket.encrypted;
    if (this.secure) this.clientCert = clientIdentity(socket);
    this.clientIp = socket.remoteAddress ?? '';
    this.clientPort = socket.remotePort ?? 0;
    // h2c upgrades are not forwarded: a backend speaking HTTP/2 to the client would bypass routing
    if (!res) this.upgrade = typeof rec.upgrade === 'string' && !/^\s*h2c\s*$/i.test(rec.upgrade) ? rec.upgrade : '';
    req.on('data', (chunk: Buffer) => this.onRequestBody(chunk));
    req.on('end', () => this.onRequestEnd());
    if (res) {
      res.sendDate = false;
      res.on('drain', () => this.onDownstreamDrain());
      res.on('close', () => {
        if (!res.writableFinished) this.onDownstreamAbort();
      });
    } else {
      socket.on('drain', () => this.onDownstreamDrain());
      socket.on('close', () => this.onDownstreamAbort());
      socket.on('error', () => { /* close follows */ });
    }
  }

  protected sendHead(status: number, reason: string, headers: string[], length: number): void {
    this.headSent = true;
    this.noBody = this.method === 'HEAD' || status === 204 || status === 304;
    const res = this.res;
    if (!res) {
      // an Upgrade request answered without a tunnel: the connection ends with this answer
      let h = `HTTP/1.1 ${status} ${reason || http.STATUS_CODES[status] || ''}\r\n`;
      for (let i = 0; i < headers.length; i += 2) h += `${headers[i]}: ${headers[i + 1]}\r\n`;
      if (length >= 0) h += `content-length: ${length}\r\n`;
      this.socket.write(h + 'connection: close\r\n\r\n', 'latin1');
      return;
    }
    if (res.headersSent || res.destroyed) return;
    for (let i = 0; i < headers.length; i += 2) res.appendHeader(headers[i], headers[i + 1]);
    if (length >= 0 && status !== 204 && status !== 304) res.setHeader('content-length', length);
    res.writeHead(status, reason || undefined);
  }

  protected sendBody(chunk: Buffer): boolean {
    if (this.noBody || chunk.length === 0) return true;
    return this.res ? this.res.write(chunk) : this.socket.write(chunk);
  }

  protected sendEnd(): void {
    if (this.res) this.res.end();
    else this.socket.end();
  }

  protected flushHead(): void {
    if (this.res && !this.res.destroyed) this.res.flushHeaders();
  }

  protected sendInterim(status: number): void {
    if (status === 100 && this.res && this.req.httpVersion !== '1.0') this.res.writeContinue();
  }

  protected destroyDownstream(): void {
    this.socket.destroy();
  }

  protected pauseDownstream(): void {
    this.req.pause();
  }

  protected resumeDownstream(): void {
    this.req.resume();
  }

  protected tunnel(status: number, reason: string, headers: string[], upstream: net.Socket, head: Buffer): void {
    const socket = this.socket;
    if (this.res) {
      // only Upgrade requests (no node:http response) are sent upgraded to a backend
      upstream.destroy();
      return this.destroyDownstream();
    }
    this.headSent = true;
    bridgeTunnel(socket, upstream, status, reason, headers, head);
  }

  protected completed(): void {
    // node:http reads the next request on its own
  }
}
