/**
 * What the data plane needs from anything bound to a port: the HTTP/TLS port servers (PortServer) and the
 * layer-4 ones (TCP, UDP). `ports/index.ts` maps each PortConfig kind to its class.
 */
export interface ServedPort {
  /** The listener port in the config. */
  readonly port: number;
  /** The PortConfig kind served (HTTP, TLS, TCP, UDP). */
  readonly kind: string;
  /** Requests or connections still in flight (the drain waits for 0). */
  readonly openCount: number;
  /** Binds; resolves with the bound port. */
  listen(address: string, localPort: number): Promise<number>;
  /** Called by the data plane's 500 ms timer with the coarse clock: timeouts. */
  sweep(now: number): void;
  /** Stop accepting; let what is in flight finish. */
  drain(): void;
  /** Close everything still open (end of the drain grace period). */
  destroyAll(): void;
}

/** Timeouts of layer-4 traffic (TCPRoute, TLSRoute, UDPRoute). */
export interface L4Limits {
  /** A TCP or TLS relay with no bytes either way for this long is closed. */
  readonly tcpIdleTimeoutMs: number;
  /** A UDP client session with no datagram either way for this long is forgotten. */
  readonly udpIdleTimeoutMs: number;
  /** UDP sessions per port; datagrams from new clients beyond it are dropped. */
  readonly udpMaxSessions: number;
  /** TLS ports: the ClientHello (when TLSRoutes need it first) and then the handshake must complete within this. */
  readonly tlsHandshakeTimeoutMs: number;
  /** TLS ports: whether terminated connections may resume a session (tickets); off: a full handshake each time. */
  readonly tlsSessionResumption: boolean;
}
