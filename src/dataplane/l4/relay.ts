import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import * as tls from 'node:tls';
import type { L4Choice, L4RoutePlan } from './route-plan';
import type { ListenerConfig } from '../../config/dataplane-config';
import type { GatewayErrorCode } from '../errors';
import type { CoarseClock } from '../http1/connection-host';
import { labels, Series } from '../ops/metrics';
import type { ProxyContext } from '../proxy/context';
import type { Endpoint } from '../upstream/h1-pool';

/** A backend that does not complete its TCP (and TLS) handshake within this is given up. */
const CONNECT_TIMEOUT_MS = 10_000;

/** The relays of one port, for the sweep, the drain and the open-connection count. */
export class RelaySet {
  public readonly relays = new Set<TcpRelay>();

  public get size(): number {
    return this.relays.size;
  }

  public sweep(now: number, idleTimeoutMs: number): void {
    for (const r of this.relays) r.sweep(now, idleTimeoutMs);
  }

  public destroyAll(): void {
    for (const r of this.relays) r.destroy();
  }
}

/** What a relay needs from the port that accepted its connection. */
export interface RelayHost {
  readonly ctx: ProxyContext;
  readonly clock: CoarseClock;
  readonly relays: RelaySet;
  /** The port's open-connections gauge. */
  readonly connections: Series;
}

export interface RelayOptions {
  readonly listener: ListenerConfig;
  /** The route carrying the connection; undefined when none matched (the connection is refused). */
  readonly plan: L4RoutePlan | undefined;
  readonly clusterDomain: string;
  /** TCP, Passthrough or Terminate (for the access log). */
  readonly mode: string;
  /** TLS: the ClientHello server name ('' without SNI). */
  readonly serverName?: string;
  /** Bytes read from the client before the relay took over (a passthrough ClientHello): sent first. */
  readonly first?: Buffer;
}

/**
 * One client connection relayed to one backend (TCPRoute, TLSRoute passthrough or terminate). The backend
 * share is chosen once per connection, by weight; an invalid share or no backend refuses the connection with
 * a TCP reset. Bytes flow both ways with backpressure (a side that cannot take more pauses the other), a
 * half-close (FIN) is passed on while the other direction keeps flowing, and a connection with no bytes
 * either way for the idle timeout is closed. Every connection ends with one access-log line and one
 * `cdk8s_gateway_l4_connections_total` count (result `ok` or a GW_* code).
 */
export class TcpRelay {
  public lastActivity: number;
  /** @internal */ public up: net.Socket | null = null;
  /** @internal */ public connected = false;
  private choice: L4Choice | undefined;
  private rx: Series | undefined;
  private tx: Series | undefined;
  private bytesIn = 0;
  private bytesOut = 0;
  private open = 1;
  private downEnded = false;
  private finished = false;
  private result: GatewayErrorCode | 'ok' = 'ok';
  private detail = '';
  private readonly startedAt = performance.now();
  private readonly connectDeadline: number;
  private readonly client: string;

  constructor(private readonly host: RelayHost, /** @internal */ public readonly down: net.Socket, private readonly o: RelayOptions) {
    this.lastActivity = host.clock.now;
    this.connectDeadline = this.lastActivity + CONNECT_TIMEOUT_MS;
    // read now: the address is gone once the socket closes (and costs a syscall, so only for the access log)
    this.client = host.ctx.accessLog ? down.remoteAddress ?? '' : '';
    host.relays.relays.add(this);
    host.connections.inc();
    // listeners are shared functions that find the relay on the socket: no closures per connection
    (down as RelaySocket)[RELAY] = this;
    down.pause();
    down.on('error', onDownError);
    down.on('close', onDownClose);
    down.on('end', onDownEnd);
  }

  /** Chooses the backend share and connects to it. */
  public start(): void {
    const plan = this.o.plan;
    if (!plan) return this.refuse('GW_NO_ROUTE', `no route is attached to listener ${this.o.listener.id}`);
    const choice = plan.pick();
    this.choice = choice;
    if (!choice) return this.refuse('GW_NO_BACKEND', `${plan.routeLabel} has no backends with a weight above 0`);
    if (!choice.backend) return this.refuse('GW_INVALID_BACKEND', `${choice.invalid?.reason ?? 'invalid'}: ${choice.invalid?.message ?? ''}`);
    const r = this.host.ctx.upstreams.resolve(choice.backend, this.o.clusterDomain);
    if (r instanceof Promise) r.then((e) => this.connectTo(e), (e: Error) => this.connectTo(e));
    else this.connectTo(r);
  }

  /** Closes the connection when nothing moved for `idleTimeoutMs`, or the backend did not accept it in time. */
  public sweep(now: number, idleTimeoutMs: number): void {
    if (this.finished) return;
    if (!this.connected && now > this.connectDeadline) {
      this.refuse('GW_UPSTREAM_TIMEOUT', `backend did not accept the connection within ${CONNECT_TIMEOUT_MS} ms`);
    } else if (now - this.lastActivity > idleTimeoutMs) {
      this.abort('GW_IDLE_TIMEOUT', `no bytes either way for ${idleTimeoutMs} ms`, false);
    }
  }

  public destroy(): void {
    this.abort('GW_DRAINING', 'the gateway is shutting down', false);
  }

  private connectTo(e: Endpoint | Error): void {
    if (this.finished) return;
    if (e instanceof Error) return this.refuse('GW_UPSTREAM_UNREACHABLE', e.message);
    const backend = this.choice!.backend!;
    const base = { host: e.host, port: e.port, allowHalfOpen: true, noDelay: true };
    // a BackendTLSPolicy re-encrypts to the backend (no ALPN: the bytes are not HTTP)
    const up = backend.tls && e.tls ? tls.connect({ ...e.tls, ...base, ALPNProtocols: undefined }) : net.connect(base);
    (up as RelaySocket)[RELAY] = this;
    this.up = up;
    this.open++;
    up.on('error', onUpError);
    up.on('close', onUpClose);
    up.once(backend.tls ? 'secureConnect' : 'connect', onConnect);
  }

  /** @internal the backend accepted: bytes flow both ways from now on. */
  public connectedNow(): void {
    if (this.finished) return;
    this.connected = true;
    const up = this.up!;
    const choice = this.choice!;
    this.rx = choice.bytesReceived;
    this.tx = choice.bytesSent;
    if (this.o.first) this.fromClient(this.o.first);
    up.on('data', onUpData);
    up.on('end', onUpEnd);
    up.on('drain', onUpDrain);
    this.down.on('data', onDownData);
    this.down.on('drain', onDownDrain);
    if (this.downEnded) endOnce(up);
    else this.down.resume();
  }

  /** @internal */
  public fromClient(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    this.rx!.value += chunk.length;
    this.lastActivity = this.host.clock.now;
    if (!this.up!.write(chunk)) this.down.pause();
  }

  /** @internal */
  public fromBackend(chunk: Buffer): void {
    this.bytesOut += chunk.length;
    this.tx!.value += chunk.length;
    this.lastActivity = this.host.clock.now;
    if (!this.down.write(chunk)) this.up!.pause();
  }

  /** @internal The client half-closed: pass the FIN on, keep relaying the other direction. */
  public clientEnded(): void {
    this.downEnded = true;
    if (this.connected) endOnce(this.up!);
  }

  /** @internal */
  public clientError(err: NodeJS.ErrnoException): void {
    this.abort('GW_CLIENT_ABORTED', err.code ?? err.message, false);
  }

  /** @internal */
  public backendError(err: NodeJS.ErrnoException): void {
    if (!this.connected) {
      const tlsFailure = err.code?.startsWith('ERR_SSL') || err.code?.startsWith('ERR_TLS') || /certificate|self.signed/i.test(err.message);
      return this.refuse(tlsFailure ? 'GW_UPSTREAM_TLS' : 'GW_UPSTREAM_UNREACHABLE', `${err.code ?? 'error'}: ${err.message}`);
    }
    // a reset from the backend is passed on as a reset, not a clean end
    this.abort('GW_UPSTREAM_RESET', `${err.code ?? 'error'}: ${err.message}`, true);
  }

  /** @internal */
  public clientClosed(): void {
    // the client is gone: whatever the backend still sends has nowhere to go
    if (this.open === 2 && !this.up!.destroyed) this.up!.destroy();
    this.closed();
  }

  /** @internal */
  public backendClosed(): void {
    // the backend is gone: an error path closes the client too, a clean close lets it finish reading
    if (this.open === 2) {
      if (this.result !== 'ok') this.closeBoth(false);
      else endOnce(this.down);
    }
    this.closed();
  }

  private closed(): void {
    if (--this.open === 0) this.finish();
  }

  /** The connection cannot be served: a reset tells the client at once (no half-open wait). */
  private refuse(code: GatewayErrorCode, detail: string): void {
    this.abort(code, detail, true);
  }

  private abort(code: GatewayErrorCode, detail: string, reset: boolean): void {
    if (this.finished) return;
    if (this.result === 'ok') {
      this.result = code;
      this.detail = detail;
    }
    this.closeBoth(reset);
  }

  private closeBoth(reset: boolean): void {
    if (reset) resetSocket(this.down);
    else this.down.destroy();
    this.up?.destroy();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const host = this.host;
    host.relays.relays.delete(this);
    host.connections.dec();
    const ms = performance.now() - this.startedAt;
    const plan = this.o.plan;
    const listener = this.o.listener.id;
    if (this.result !== 'ok' && this.result !== 'GW_CLIENT_ABORTED') host.ctx.countError(this.result);
    if (this.choice) this.choice.closed(listener, this.result).inc();
    else host.ctx.metrics.l4Connections.get(labels({ gateway: host.ctx.gatewayLabel, listener, route: plan?.routeLabel ?? '', backend: '', result: this.result })).inc();
    plan?.duration.observe(ms / 1000);
    if (host.ctx.accessLog) this.logAccess(ms);
  }

  private logAccess(ms: number): void {
    const plan = this.o.plan;
    let line = `{"time":"${new Date().toISOString()}","level":"info","msg":"access","protocol":"${this.o.mode}",` +
      `"listener":${JSON.stringify(this.o.listener.id)},` +
      (this.o.serverName !== undefined ? `"serverName":${JSON.stringify(this.o.serverName)},` : '') +
      `"route":${plan ? JSON.stringify(plan.routeLabel) : null},"backend":${this.choice ? JSON.stringify(this.choice.label) : null},` +
      `"bytesIn":${this.bytesIn},"bytesOut":${this.bytesOut},"durationMs":${ms.toFixed(3)},"client":${JSON.stringify(this.client)},` +
      `"result":"${this.result}"`;
    if (this.result !== 'ok') line += `,"detail":${JSON.stringify(this.detail)}`;
    this.host.ctx.log.raw(line + '}');
  }
}

const RELAY = Symbol('relay');
type RelaySocket = net.Socket & { [RELAY]: TcpRelay };

// socket event listeners, shared by every relay (`this` is the socket)
function onDownData(this: RelaySocket, chunk: Buffer): void {
  this[RELAY].fromClient(chunk);
}
function onUpData(this: RelaySocket, chunk: Buffer): void {
  this[RELAY].fromBackend(chunk);
}
function onUpDrain(this: RelaySocket): void {
  this[RELAY].down.resume();
}
function onDownDrain(this: RelaySocket): void {
  this[RELAY].up?.resume();
}
function onDownEnd(this: RelaySocket): void {
  this[RELAY].clientEnded();
}
function onUpEnd(this: RelaySocket): void {
  endOnce(this[RELAY].down);
}
function onDownError(this: RelaySocket, err: NodeJS.ErrnoException): void {
  this[RELAY].clientError(err);
}
function onUpError(this: RelaySocket, err: NodeJS.ErrnoException): void {
  this[RELAY].backendError(err);
}
function onDownClose(this: RelaySocket): void {
  this[RELAY].clientClosed();
}
function onUpClose(this: RelaySocket): void {
  this[RELAY].backendClosed();
}
function onConnect(this: RelaySocket): void {
  this[RELAY].connectedNow();
}

/** Half-closes once: end() on a finished stream allocates an error. */
function endOnce(s: net.Socket): void {
  if (!s.writableEnded && !s.destroyed) s.end();
}

/** Closes with a TCP RST where the socket allows it (a TLS socket has no raw handle to reset). */
export function resetSocket(s: net.Socket): void {
  if (s.destroyed) return;
  try {
    s.resetAndDestroy();
  } catch {
    s.destroy();
  }
}
