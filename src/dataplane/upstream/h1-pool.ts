import type * as http from 'node:http';
import * as tls from 'node:tls';
import { H1Connection } from './h1-connection';
import { fallbackAgent, NodeHttpUpstream } from './node-http-upstream';
import { UpstreamSink } from './sink';
import { nativeHttpSupport } from '../http1/native-support';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** Unique per host, port and TLS settings: pools are shared by every config generation. */
  readonly key: string;
  readonly tls?: tls.ConnectionOptions;
}

export interface PoolLimits {
  /** Connections per endpoint; requests beyond wait in a queue. */
  readonly maxConnections: number;
  /** Idle connections older than this are closed (below Node's 5 s server keep-alive default). */
  readonly idleTimeoutMs: number;
  /** Queued requests per endpoint beyond which new ones fail fast (503). */
  readonly maxQueued: number;
}

export const DEFAULT_POOL_LIMITS: PoolLimits = { maxConnections: 512, idleTimeoutMs: 4000, maxQueued: 4096 };

/** Keep-alive connections to one backend endpoint. Idle connections are reused most-recent first. */
export class H1Pool {
  public total = 0;
  public readonly idle: H1Connection[] = [];
  private readonly queue: UpstreamSink[] = [];
  /** Requests through node:http when the native parser's internal is unusable (native-support.ts). */
  private fallback: http.Agent | undefined;

  constructor(public readonly endpoint: Endpoint, private readonly limits: PoolLimits) {}

  /** Calls `sink.onUpstreamConnection` now or when a connection frees up. Returns false when the queue is full. */
  public request(sink: UpstreamSink): boolean {
    if (nativeHttpSupport().problem) {
      this.fallback ??= fallbackAgent(this.endpoint, this.limits.maxConnections);
      sink.onUpstreamConnection(new NodeHttpUpstream(this.endpoint, this.fallback, sink));
      return true;
    }
    let c: H1Connection | undefined;
    while ((c = this.idle.pop()) !== undefined) {
      if (!c.closed) {
        c.assign(sink);
        sink.onUpstreamConnection(c);
        return true;
      }
    }
    if (this.total < this.limits.maxConnections) {
      this.total++;
      c = new H1Connection(this, this.endpoint.tls);
      c.assign(sink);
      sink.onUpstreamConnection(c);
      return true;
    }
    if (this.queue.length >= this.limits.maxQueued) return false;
    this.queue.push(sink);
    return true;
  }

  /** A queued request gave up (client abort or timeout). */
  public cancel(sink: UpstreamSink): void {
    const i = this.queue.indexOf(sink);
    if (i >= 0) this.queue.splice(i, 1);
  }

  public release(c: H1Connection): void {
    const next = this.queue.shift();
    if (next) {
      c.assign(next);
      next.onUpstreamConnection(c);
      return;
    }
    c.idleSince = Date.now();
    this.idle.push(c);
  }

  /** The connection closed or became a tunnel. */
  public forget(c: H1Connection): void {
    this.total--;
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    // a waiting request can now open a connection of its own
    const next = this.total < this.limits.maxConnections ? this.queue.shift() : undefined;
    if (next) this.request(next);
  }

  /** Closes idle connections past the idle timeout; returns how many are left. */
  public sweep(now: number): number {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const c = this.idle[i];
      if (now - c.idleSince > this.limits.idleTimeoutMs) c.destroy();
    }
    return this.total;
  }

  public closeIdle(): void {
    this.fallback?.destroy();
    this.fallback = undefined;
    for (const c of this.idle.slice()) c.destroy();
  }
}
