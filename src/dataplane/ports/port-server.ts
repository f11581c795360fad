import * as http2 from 'node:http2';
import type * as net from 'node:net';
import type { ListenerConfig } from '../../config/dataplane-config';
import type { Generation, PortRuntime } from '../generation';
import type { ClientLimits } from './client-limits';
import { OpeningConnections } from './opening-connections';
import type { L4Limits, ServedPort } from './served-port';
import type { CoarseClock, ConnectionHost, ServerLimits } from '../http1/connection-host';
import { nativeHttpSupport } from '../http1/native-support';
import { NodeHttpServer } from '../http1/node-http-exchange';
import { H1ServerConnection } from '../http1/server-connection';
import { H2Exchange } from '../http2/h2-exchange';
import { H2StreamScheduler, PendingStream } from '../http2/stream-scheduler';
import { KeyedSeries, labels, Series } from '../ops/metrics';
import type { ProxyContext } from '../proxy/context';

/** What a port server needs from the data plane. */
export interface PortServerEnv {
  readonly ctx: ProxyContext;
  readonly limits: ServerLimits;
  readonly clock: CoarseClock;
  readonly l4Limits: L4Limits;
  /** Per-client-address connection limits and abuse penalties, shared by every port. */
  readonly clientLimits: ClientLimits;
  /** The generation being served now. */
  current(): Generation;
  /** Changes whenever certificates on disk changed. */
  certVersion(): number;
}

/**
 * A bound socket serving one PortConfig. One subclass per port kind (HTTP, TLS here; TCP and UDP
 * plug in the same way): `ports/index.ts` maps a kind to its class.
 */
export abstract class PortServer implements ConnectionHost, ServedPort {
  public readonly ctx: ProxyContext;
  public readonly limits: ServerLimits;
  public readonly clock: CoarseClock;
  public boundPort = 0;
  protected readonly conns = new Set<H1ServerConnection>();
  protected readonly sessions = new Set<http2.ServerHttp2Session>();
  protected draining = false;
  /** HTTP/2 sessions (h2c and ALPN h2) are handed to this server. */
  protected readonly h2: http2.Http2Server;
  private readonly streams: H2StreamScheduler;
  /** Accepted connections not serving yet (protocol sniffing, TLS handshakes), closed at their deadline. */
  protected readonly opening: OpeningConnections;
  private cachedGen: Generation | undefined;
  private cachedRuntime: { gen: Generation; port: PortRuntime } | undefined;
  private readonly connections: Series;
  /** HTTP/1.1 through node:http, when the native parser's internal is unusable (native-support.ts). */
  private fallback: NodeHttpServer | undefined;
  private readonly closes: KeyedSeries;
  /** New HTTP/2 connections waiting for their turn to be handed to nghttp2 (serveHttp2). */
  private readonly h2Arrivals: { socket: net.Socket; first?: Buffer }[] = [];
  private h2ArrivalScheduled = false;

  /** Why an opening connection that missed its deadline was closed (`header_timeout`, `handshake_timeout`). */
  protected abstract readonly openingTimeoutReason: string;

  constructor(
    protected readonly env: PortServerEnv,
    /** The listener port in the config. */
    public readonly port: number,
    public readonly kind: string,
  ) {
    this.ctx = env.ctx;
    this.limits = env.limits;
    this.clock = env.clock;
    this.connections = env.ctx.metrics.activeConnections.get(labels({ gateway: env.ctx.gatewayLabel, port: String(port), kind }));
    this.closes = new KeyedSeries(env.ctx.metrics.connectionsClosed, { gateway: env.ctx.gatewayLabel, port: String(port) }, 'reason');
    this.opening = new OpeningConnections(this.connections, () => this.closedBecause(this.openingTimeoutReason).inc(),
      env.limits.maxPendingConnections, () => this.closedBecause('pending_limit').inc());
    // nghttp2 closes sessions that flood CONTINUATION, SETTINGS or PING frames itself (onSession counts them);
    // rapid reset is the stream scheduler's to catch
    this.h2 = http2.createServer({
      maxSessionMemory: 64,
      settings: { maxConcurrentStreams: env.limits.h2MaxConcurrentStreams, maxHeaderListSize: env.limits.maxHeaderBytes },
    });
    this.h2.on('session', this.onSession);
    const streamLimits = { maxPrematureResets: env.limits.h2MaxPrematureResets, maxConcurrentStreams: env.limits.h2MaxConcurrentStreams };
    this.streams = new H2StreamScheduler(streamLimits, (p) => this.startStream(p), (session, reason) => {
      this.abusive(session, reason);
      // GOAWAY ENHANCE_YOUR_CALM, then the connection closes (a client that keeps writing may see the reset first)
      if (!session.destroyed) session.destroy(new Error(reason), NGHTTP2_ENHANCE_YOUR_CALM);
    });
  }

  /** Binds; resolves with the bound port. */
  public abstract listen(address: string, localPort: number): Promise<number>;
  /** Stops accepting connections (already accepted ones keep going). */
  protected abstract stopAccepting(): void;

  /** `cdk8s_gateway_connections_closed_total` of this port for a reason. */
  public closedBecause(reason: string): Series {
    return this.closes.get(reason);
  }

  public runtime(): { gen: Generation; port: PortRuntime } | undefined {
    const gen = this.env.current();
    if (gen !== this.cachedGen) {
      this.cachedGen = gen;
      const port = gen.ports.get(this.port);
      this.cachedRuntime = port ? { gen, port } : undefined;
    }
    return this.cachedRuntime;
  }

  public untrack(conn: H1ServerConnection): void {
    if (this.conns.delete(conn)) this.connections.dec();
  }

  public sweep(now: number): void {
    this.opening.sweep(now);
    for (const c of this.conns) c.sweep(now);
  }

  /** Stop accepting, let requests in flight finish, close idle connections (and those not serving yet). */
  public drain(): void {
    this.draining = true;
    this.stopAccepting();
    this.opening.destroyAll();
    this.dropH2Arrivals();
    for (const c of this.conns) c.drain();
    for (const s of this.sessions) s.close();
    this.fallback?.drain();
  }

  /** Requests (HTTP/1.1 connections or HTTP/2 sessions) still open. */
  public get openCount(): number {
    return this.conns.size + this.sessions.size + (this.fallback?.openCount ?? 0);
  }

  /** Forcibly closes everything (end of the drain grace period). */
  public destroyAll(): void {
    this.opening.destroyAll();
    this.dropH2Arrivals();
    for (const c of this.conns) c.destroy();
    for (const s of this.sessions) s.destroy();
    this.fallback?.destroyAll();
  }

  /**
   * Counts an accepted socket against its client address's limits (ClientLimits); a connection over the limit, or
   * from an address serving an abuse penalty, is reset at once. Returns whether it may go on.
   */
  protected admit(socket: net.Socket): boolean {
    return this.env.clientLimits.admitOrReset(socket, this.clock.now, this.closes);
  }

  /** Serves an accepted (and, for TLS, handshaken) socket over HTTP/1.1. */
  protected serveHttp1(socket: net.Socket, secure: boolean, serverName: string | undefined, acceptedAt: number, first?: Buffer): void {
    if (nativeHttpSupport().problem) {
      this.fallback ??= new NodeHttpServer(this);
      return this.fallback.serve(socket, serverName, first);
    }
    const c = new H1ServerConnection(socket, this, secure, serverName, acceptedAt);
    this.conns.add(c);
    this.connections.inc();
    if (this.draining) c.drain();
    c.attach(first);
  }

  /**
   * Serves a socket over HTTP/2 (the preface may already have been read into `first`).
   *
   * nghttp2 announces every stream of a read before JavaScript can stop it (here: up to 129, then the scheduler closes
   * the session; ~2,300 HEADERS+RST_STREAM pairs fit in one 64 KiB read), and a rapid-reset client's first read is such
   * a read. So:
   * - a first read already seen here (h2c: the preface sniff) with more new streams than may be open at once is closed
   *   as abuse before any session exists (the same rule the stream scheduler applies per read);
   * - new sessions are handed to nghttp2 on later turns of the event loop, for at most H2_HANDOVER_BUDGET_MS per turn
   *   (at least one): the first reads of many connections that arrive together (a flood from several addresses) are
   *   spread over several turns, with other clients' reads in between, instead of one stall of all of them.
   */
  protected serveHttp2(socket: net.Socket, first?: Buffer): void {
    if (first && newStreamsIn(first, PREFACE_LENGTH) > this.limits.h2MaxConcurrentStreams) {
      this.abusiveClient(socket.remoteAddress, `more than ${this.limits.h2MaxConcurrentStreams} streams opened in the first read (rapid reset)`);
      // the server preface (empty SETTINGS) and GOAWAY ENHANCE_YOUR_CALM, then the connection closes
      socket.end(CALM_GOAWAY, () => socket.destroy());
      return;
    }
    this.h2Arrivals.push({ socket, first });
    if (!this.h2ArrivalScheduled) {
      this.h2ArrivalScheduled = true;
      setImmediate(this.handOverH2);
    }
  }

  private readonly handOverH2 = (): void => {
    this.h2ArrivalScheduled = false;
    // at least one session per turn, more while they are cheap (an ordinary session's start is well under the budget;
    // a flood's first read is tens of milliseconds)
    const until = performance.now() + H2_HANDOVER_BUDGET_MS;
    do {
      const next = this.h2Arrivals.shift();
      if (!next) break;
      if (next.socket.destroyed) continue;
      if (next.first) next.socket.unshift(next.first);
      this.h2.emit('connection', next.socket);
    } while (performance.now() < until);
    if (this.h2Arrivals.length > 0) {
      this.h2ArrivalScheduled = true;
      setImmediate(this.handOverH2);
    }
  };

  private dropH2Arrivals(): void {
    for (const { socket } of this.h2Arrivals.splice(0)) socket.destroy();
  }

  /** The listener an HTTP/2 stream's TLS handshake chose (undefined on cleartext). */
  protected tlsListenerOf(_session: http2.ServerHttp2Session, _port: PortRuntime): ListenerConfig | undefined | Error {
    return undefined;
  }

  private onSession = (session: http2.ServerHttp2Session): void => {
    // read now: a session closed by nghttp2 (a flood) has lost its socket by the time its streams are looked at
    (session as SessionWithClient)[CLIENT] = session.socket?.remoteAddress;
    this.sessions.add(session);
    this.connections.inc();
    if (this.draining) session.close();
    session.on('error', (err: Error) => {
      // close follows; a flood nghttp2 caught is abuse (the address is refused for a while)
      if (FLOOD.test(err.message)) this.abusive(session, err.message);
    });
    session.setTimeout(this.limits.idleTimeoutMs, () => session.close());
    session.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
      this.streams.add(session, stream, headers, rawHeaders);
    });
    session.on('close', () => {
      this.sessions.delete(session);
      this.connections.dec();
    });
  };

  /** A session broke a per-connection limit: counted, logged, and its client address penalized. */
  private abusive(session: http2.ServerHttp2Session, reason: string): void {
    this.abusiveClient((session as SessionWithClient)[CLIENT], reason);
  }

  private abusiveClient(client: string | undefined, reason: string): void {
    this.closedBecause('abuse').inc();
    this.env.clientLimits.penalize(client, this.clock.now);
    this.ctx.log.warn('HTTP/2 connection closed for abuse; its address is refused for a while', { port: this.port, client: client ?? '', reason });
  }

  private startStream({ stream, headers, rawHeaders }: PendingStream): void {
    const x = new H2Exchange(this.ctx, stream, headers, rawHeaders);
    const rt = this.runtime();
    if (!rt) return x.fail('GW_DRAINING', 'port is no longer configured');
    const l = this.tlsListenerOf(stream.session as http2.ServerHttp2Session, rt.port);
    if (l instanceof Error) return x.fail('GW_MISDIRECTED_REQUEST', l.message);
    x.start(rt.gen, rt.port, l);
  }
}

const { NGHTTP2_ENHANCE_YOUR_CALM } = http2.constants;
const CLIENT = Symbol('client-address');
type SessionWithClient = http2.ServerHttp2Session & { [CLIENT]?: string };
const PREFACE_LENGTH = 24;
/** Time per event-loop turn spent starting new HTTP/2 sessions (their first reads) while more are waiting. */
const H2_HANDOVER_BUDGET_MS = 1;
/** An empty SETTINGS frame (the server's connection preface), then GOAWAY (last stream 0, ENHANCE_YOUR_CALM). */
const CALM_GOAWAY = Buffer.from([
  0, 0, 0, 4, 0, 0, 0, 0, 0, // SETTINGS, length 0
  0, 0, 8, 7, 0, 0, 0, 0, 0, // GOAWAY, length 8
  0, 0, 0, 0, 0, 0, 0, 0xb, // last stream 0, ENHANCE_YOUR_CALM
]);

/** HEADERS frames among the whole HTTP/2 frames of `data` from `offset` (a frame cut off at the end is not counted). */
export function newStreamsIn(data: Buffer, offset: number): number {
  let n = 0;
  for (let o = offset; o + 9 <= data.length;) {
    const length = data.readUIntBE(o, 3);
    if (o + 9 + length > data.length) break;
    if (data[o + 3] === 0x1) n++;
    o += 9 + length;
  }
  return n;
}

/** nghttp2's messages for the floods it catches (too many CONTINUATION frames; SETTINGS, PING... acks piling up). */
const FLOOD = /Flooding was detected|Too many CONTINUATION frames/;

