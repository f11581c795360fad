import type { Generation, PortRuntime } from '../generation';
import type { ProxyContext } from '../proxy/context';

/** Limits applied to client connections. */
export interface ServerLimits {
  readonly maxHeaderBytes: number;
  readonly maxHeaderCount: number;
  /**
   * A new connection's first request head must be complete within this from its accept (a later one from its
   * first byte): 408 after, or a silent close when not a byte of it came.
   */
  readonly headersTimeoutMs: number;
  /** A keep-alive connection with no request, or a request body with no progress, is closed after this. */
  readonly idleTimeoutMs: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS announced to HTTP/2 clients. */
  readonly h2MaxConcurrentStreams: number;
  /** See H2StreamLimits. */
  readonly h2MaxPrematureResets: number;
  /** Connections per port still in their TLS handshake or before their first HTTP bytes; the oldest is closed beyond. */
  readonly maxPendingConnections: number;
}

/** A coarse clock updated by the sweep timer: reading it costs nothing on the hot path. */
export interface CoarseClock {
  now: number;
}

/** What a client connection needs from the port that accepted it. */
export interface ConnectionHost {
  readonly ctx: ProxyContext;
  readonly limits: ServerLimits;
  readonly clock: CoarseClock;
  /** The current config generation and this port's part of it; undefined once the port left the config. */
  runtime(): { readonly gen: Generation; readonly port: PortRuntime } | undefined;
  untrack(conn: { drain(): void }): void;
  /** `cdk8s_gateway_connections_closed_total` of the port for a reason. */
  closedBecause(reason: string): { inc(): void };
}
