import * as dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { L4PortServer } from './l4-port';
import type { ListenerConfig } from '../../config/dataplane-config';
import type { GatewayErrorCode } from '../errors';
import type { L4Choice, L4RoutePlan } from '../l4/route-plan';
import { labels, Series } from '../ops/metrics';
import type { Endpoint } from '../upstream/h1-pool';

/** Datagrams held per session while its backend is being resolved and connected. */
const MAX_QUEUED = 64;

/**
 * One client (address and port) of a UDP port: its own socket to the backend share chosen by weight when its
 * first datagram arrived, so that replies find their way back. Forgotten after the idle timeout.
 */
class UdpSession {
  public lastActivity: number;
  private upstream: dgram.Socket | null = null;
  private queue: Buffer[] | null = [];
  private closed = false;
  private datagramsIn = 0;
  private datagramsOut = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly startedAt = performance.now();

  constructor(
    private readonly server: UdpPortServer,
    public readonly key: string,
    private readonly address: string,
    private readonly port: number,
    private readonly listener: ListenerConfig,
    private readonly plan: L4RoutePlan,
    /** The share this session got; an invalid one drops the session's datagrams until it expires. */
    private readonly choice: L4Choice,
  ) {
    this.lastActivity = server.clock.now;
  }

  /** Resolves and connects the session's backend (datagrams queue meanwhile). */
  public start(clusterDomain: string): void {
    if (!this.choice.backend) return;
    const r = this.server.ctx.upstreams.resolve(this.choice.backend, clusterDomain);
    if (r instanceof Promise) r.then((e) => this.connect(e), (e: Error) => this.connect(e));
    else this.connect(r);
  }

  /** A datagram from the client. */
  public fromClient(msg: Buffer): void {
    if (this.closed) return;
    this.lastActivity = this.server.clock.now;
    if (!this.choice.backend) return this.server.dropped('GW_INVALID_BACKEND').inc();
    this.datagramsIn++;
    this.bytesIn += msg.length;
    this.choice.datagramsReceived.inc();
    this.choice.bytesReceived.inc(msg.length);
    if (this.queue) {
      if (this.queue.length < MAX_QUEUED) this.queue.push(msg);
      else this.server.dropped('GW_UPSTREAM_UNREACHABLE').inc();
      return;
    }
    this.upstream!.send(msg);
  }

  public close(result: GatewayErrorCode | 'ok', detail = ''): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = null;
    this.upstream?.close();
    this.server.forget(this);
    const ms = performance.now() - this.startedAt;
    this.choice.closed(this.listener.id, result).inc();
    this.plan.duration.observe(ms / 1000);
    const ctx = this.server.ctx;
    if (result !== 'ok') ctx.countError(result);
    if (!ctx.accessLog) return;
    let line = `{"time":"${new Date().toISOString()}","level":"info","msg":"access","protocol":"UDP","listener":${JSON.stringify(this.listener.id)},` +
      `"route":${JSON.stringify(this.plan.routeLabel)},"backend":${JSON.stringify(this.choice.label)},"datagramsIn":${this.datagramsIn},` +
      `"datagramsOut":${this.datagramsOut},"bytesIn":${this.bytesIn},"bytesOut":${this.bytesOut},"durationMs":${ms.toFixed(3)},` +
      `"client":${JSON.stringify(`${this.address}:${this.port}`)},"result":"${result}"`;
    if (detail) line += `,"detail":${JSON.stringify(detail)}`;
    ctx.log.raw(line + '}');
  }

  private connect(e: Endpoint | Error): void {
    if (this.closed) return;
    if (e instanceof Error) {
      this.server.dropped('GW_UPSTREAM_UNREACHABLE').inc(this.queue?.length ?? 0);
      return this.close('GW_UPSTREAM_UNREACHABLE', e.message);
    }
    const up = dgram.createSocket(isIPv6(e.host) ? 'udp6' : 'udp4');
    this.upstream = up;
    up.on('message', (msg) => {
      this.lastActivity = this.server.clock.now;
      this.datagramsOut++;
      this.bytesOut += msg.length;
      this.choice.datagramsSent.inc();
      this.choice.bytesSent.inc(msg.length);
      this.server.toClient(msg, this.port, this.address);
    });
    // ICMP port unreachable and the like: this session is over; the client's next datagram starts a new one
    up.on('error', (err: NodeJS.ErrnoException) => this.close('GW_UPSTREAM_UNREACHABLE', `${err.code ?? 'error'}: ${err.message}`));
    up.connect(e.port, e.host, () => {
      const queued = this.queue ?? [];
      this.queue = null;
      for (const m of queued) up.send(m);
    });
  }
}

/**
 * A UDP port (UDPRoute): datagrams from each client address:port form a session mapped to one backend share
 * (weighted choice at the session's first datagram). The backend's replies go back to that client from the
 * listener's address. Sessions expire after the UDP idle timeout.
 */
export class UdpPortServer extends L4PortServer {
  private socket: dgram.Socket | null = null;
  private readonly sessions = new Map<string, UdpSession>();
  private readonly sessionsGauge: Series;
  private readonly drops = new Map<string, Series>();

  constructor(...args: ConstructorParameters<typeof L4PortServer>) {
    super(...args);
    this.sessionsGauge = this.ctx.metrics.udpSessions.get(labels({ gateway: this.ctx.gatewayLabel, port: String(this.port) }));
  }

  public listen(address: string, localPort: number): Promise<number> {
    const socket = dgram.createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', reuseAddr: false });
    this.socket = socket;
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address, port: localPort }, () => {
        socket.removeListener('error', reject);
        socket.on('error', (err) => this.ctx.log.warn('UDP socket error', { port: this.port, error: err }));
        socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
        this.boundPort = socket.address().port;
        resolve(this.boundPort);
      });
    });
  }

  public sweep(now: number): void {
    const idle = this.env.l4Limits.udpIdleTimeoutMs;
    for (const s of this.sessions.values()) if (now - s.lastActivity > idle) s.close('ok');
  }

  /** UDP has no connections to finish: the socket closes and the sessions with it. */
  public drain(): void {
    this.draining = true;
    this.destroyAll();
    this.socket?.close();
  }

  public destroyAll(): void {
    for (const s of [...this.sessions.values()]) s.close('GW_DRAINING');
  }

  public get openCount(): number {
    return 0;
  }

  /** @internal a reply from a session's backend. */
  public toClient(msg: Buffer, port: number, address: string): void {
    if (!this.draining) this.socket?.send(msg, port, address);
  }

  /** @internal */
  public forget(s: UdpSession): void {
    if (this.sessions.get(s.key) === s) {
      this.sessions.delete(s.key);
      this.sessionsGauge.dec();
    }
  }

  /** @internal the dropped-datagrams counter for a code. */
  public dropped(code: GatewayErrorCode): Series {
    let s = this.drops.get(code);
    if (!s) {
      s = this.ctx.metrics.udpDropped.get(labels({ gateway: this.ctx.gatewayLabel, port: String(this.port), code }));
      this.drops.set(code, s);
    }
    return s;
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = `${rinfo.address}|${rinfo.port}`;
    const known = this.sessions.get(key);
    if (known) return known.fromClient(msg);
    if (this.draining) return;
    const rt = this.runtime();
    if (!rt) return this.dropped('GW_DRAINING').inc();
    const listener = rt.port.config.listeners[0];
    const plan = listener.l4Route ? rt.port.l4.get(listener.l4Route) : undefined;
    if (!plan) return this.dropped('GW_NO_ROUTE').inc();
    if (this.sessions.size >= this.env.l4Limits.udpMaxSessions) return this.dropped('GW_SESSION_LIMIT').inc();
    const choice = plan.pick();
    if (!choice) return this.dropped('GW_NO_BACKEND').inc();
    const s = new UdpSession(this, key, rinfo.address, rinfo.port, listener, plan, choice);
    this.sessions.set(key, s);
    this.sessionsGauge.inc();
    s.start(rt.gen.config.options.clusterDomain);
    s.fromClient(msg);
  }
}
