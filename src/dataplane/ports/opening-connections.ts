import type * as net from 'node:net';
import type { Series } from '../ops/metrics';

interface Opening {
  readonly deadline: number;
  /** Called instead of closing the socket when the deadline passes (e.g. to send a TLS alert first). */
  expire?: () => void;
}

/**
 * Connections a port accepted that do not serve anything yet: a cleartext HTTP connection before its first bytes
 * tell HTTP/1.1 from HTTP/2, a TLS connection before its ClientHello and handshake are done. They are counted in
 * the port's active-connection gauge (as open as any other) and closed when their deadline passes
 * (`--header-timeout` on HTTP ports, `--tls-handshake-timeout` on TLS ports): a client that sends nothing, or
 * stops half-way, must not hold a file descriptor and its buffers forever.
 *
 * Deadlines are checked by the port's sweep (every 500 ms), not by a timer per connection: a flood of silent
 * connections costs one map entry each. Destroying the raw socket also ends a TLS socket that wraps it, and the
 * raw socket's 'close' follows the TLS socket's, so the raw socket is all this needs to know.
 */
export class OpeningConnections {
  private readonly sockets = new Map<net.Socket, Opening>();

  constructor(
    /** The port's active-connection gauge. */
    private readonly gauge: Series,
    /** Counts connections closed for missing their deadline. */
    private readonly onTimeout: () => void,
    /**
     * At most this many at once (0: no limit); a new one beyond closes the oldest, which is most likely a client that
     * stalls on purpose (a handshake takes milliseconds). A stalled TLS handshake holds ~45 KiB of native memory that
     * the V8 heap limit does not bound: this is what bounds it.
     */
    private readonly max = 0,
    /** Counts connections closed to make room. */
    private readonly onEvict: () => void = () => undefined,
  ) {}

  public get size(): number {
    return this.sockets.size;
  }

  /** Starts the clock of an accepted socket. */
  public add(socket: net.Socket, timeoutMs: number, expire?: () => void): void {
    if (this.max > 0 && this.sockets.size >= this.max) {
      // Map order is insertion order: the first is the oldest
      const oldest = this.sockets.keys().next().value as net.Socket;
      this.settle(oldest);
      this.onEvict();
      oldest.destroy();
    }
    this.sockets.set(socket, { deadline: Date.now() + timeoutMs, expire });
    this.gauge.inc();
    (socket as Tracked)[OPENING] = this;
    socket.once('close', onClose);
  }

  /** From now on the deadline closes the socket (the step that had its own way to expire is over). */
  public plainExpiry(socket: net.Socket): void {
    const o = this.sockets.get(socket);
    if (o) o.expire = undefined;
  }

  /** The connection is served now (its new owner counts it), or gone. */
  public settle(socket: net.Socket): void {
    if (!this.sockets.delete(socket)) return;
    this.gauge.dec();
    socket.removeListener('close', onClose);
  }

  /** Closes the connections whose deadline passed. */
  public sweep(now: number): void {
    for (const [socket, o] of this.sockets) {
      if (socket.destroyed) {
        this.settle(socket);
      } else if (now >= o.deadline) {
        this.settle(socket);
        this.onTimeout();
        if (o.expire) o.expire();
        else socket.destroy();
      }
    }
  }

  /** Closes every one of them (drain: they have no request in flight). */
  public destroyAll(): void {
    for (const socket of [...this.sockets.keys()]) {
      this.settle(socket);
      socket.destroy();
    }
  }
}

const OPENING = Symbol('opening');
type Tracked = net.Socket & { [OPENING]?: OpeningConnections };

/** Shared by every tracked socket (`this` is the socket): no closure per connection. */
function onClose(this: Tracked): void {
  this[OPENING]?.settle(this);
}
