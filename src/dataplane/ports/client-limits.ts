import * as net from 'node:net';
import { resetSocket } from '../l4/relay';
import type { KeyedSeries } from '../ops/metrics';

/** Per-client-address limits of the TCP-based ports (HTTP, TLS, TCP). */
export interface ClientLimitSettings {
  /** Connections one client address may hold open at once on all ports together; 0: no limit. */
  readonly maxConnectionsPerClient: number;
  /**
   * After a connection of a client address was closed for abuse (an HTTP/2 rapid-reset, CONTINUATION, SETTINGS or
   * PING flood), new connections from that address are refused for this long, twice as long for each further abuse
   * in a row (up to 64 times as long); 0: never.
   */
  readonly abusePenaltyMs: number;
}

interface Client {
  open: number;
  penaltyUntil: number;
  /** Abuses in a row: each doubles the penalty (at most MAX_DOUBLINGS times); forgotten after a quiet while. */
  strikes: number;
}

const MAX_DOUBLINGS = 6;
/** An address's strikes are forgotten this many base penalties after its last penalty ended. */
const FORGET_AFTER = 16;

/** Why a connection was refused at accept (the reason label of cdk8s_gateway_connections_closed_total). */
export type RefusalReason = 'client_limit' | 'client_penalty';

/**
 * Connections per client address, and the cool-down of addresses that abused a connection. A client that
 * reconnects as soon as an abusive connection is closed (the rapid-reset attack does) then costs an accept and a
 * reset per attempt instead of a new HTTP/2 session's worth of work each time.
 *
 * Behind a load balancer that rewrites source addresses (a Service with externalTrafficPolicy: Cluster), every
 * client of a node shares the node's address: raise or turn off both limits there (see docs/data-plane.md).
 */
export class ClientLimits {
  private readonly clients = new Map<string, Client>();
  /** The listening servers of the TCP-based ports: each refuses the addresses in `blocked`. */
  private readonly servers = new Set<net.Server>();
  /**
   * Addresses serving a penalty, as Node's `blockList` of every listening server: Node closes such a connection
   * right after accept, before any Socket, TLS or HTTP/2 state exists (the cheapest refusal a Node process has; a
   * rapid-reset client reconnecting in a loop made ~16,000 attempts a second here). A BlockList cannot forget an
   * address, so `sweep` builds a new one when a penalty ends.
   */
  private blocked: net.BlockList | undefined;
  /** Address → end of its penalty, for the addresses serving one (in `blocked` unless it refused them). */
  private readonly blockedUntil = new Map<string, number>();

  constructor(private readonly settings: ClientLimitSettings) {}

  /** Addresses refused at accept now (the cdk8s_gateway_penalized_clients gauge). */
  public get penalized(): number {
    return this.blockedUntil.size;
  }

  /** Makes `server` refuse penalized addresses at accept (see `blocked`). */
  public guard(server: net.Server): void {
    this.servers.add(server);
    (server as Blockable).blockList = this.blocked;
  }

  /** Addresses with open connections or a penalty running. */
  public get size(): number {
    return this.clients.size;
  }

  /**
   * Counts an accepted socket against its address; returns why it must be refused instead (the caller resets it),
   * or undefined.
   */
  public admit(socket: net.Socket, now: number): RefusalReason | undefined {
    const address = socket.remoteAddress;
    if (address === undefined) return undefined;
    let c = this.clients.get(address);
    if (c) {
      if (c.penaltyUntil > now) return 'client_penalty';
      const max = this.settings.maxConnectionsPerClient;
      if (max > 0 && c.open >= max) return 'client_limit';
    } else {
      c = { open: 0, penaltyUntil: 0, strikes: 0 };
      this.clients.set(address, c);
    }
    c.open++;
    (socket as Counted)[CLIENT] = { limits: this, address };
    socket.once('close', onClose);
    return undefined;
  }

  /**
   * `admit`, for a port's accept handler: a refused socket is counted in `closes` (by reason) and reset at once.
   * Returns whether the connection may go on.
   */
  public admitOrReset(socket: net.Socket, now: number, closes: KeyedSeries): boolean {
    socket.on('error', ignore);
    const refused = this.admit(socket, now);
    if (!refused) return true;
    closes.get(refused).inc();
    resetSocket(socket);
    return false;
  }

  /** A connection of `address` was closed for abuse: refuse the address's new connections for a while. */
  public penalize(address: string | undefined, now: number): void {
    if (address === undefined || this.settings.abusePenaltyMs <= 0) return;
    let c = this.clients.get(address);
    if (!c) {
      c = { open: 0, penaltyUntil: 0, strikes: 0 };
      this.clients.set(address, c);
    }
    // several connections of one flood closed together are one abuse
    if (c.penaltyUntil > now) return;
    c.penaltyUntil = now + this.settings.abusePenaltyMs * 2 ** Math.min(c.strikes, MAX_DOUBLINGS);
    c.strikes++;
    if (!this.blocked) this.useBlockList(new net.BlockList());
    block(this.blocked!, address);
    this.blockedUntil.set(address, c.penaltyUntil);
  }

  /** Forgets addresses with nothing open whose penalty is over (called by the data plane's timer). */
  public sweep(now: number): void {
    let ended = false;
    for (const [address, until] of this.blockedUntil) {
      if (until <= now) {
        this.blockedUntil.delete(address);
        ended = true;
      }
    }
    if (ended) {
      const next = this.blockedUntil.size > 0 ? new net.BlockList() : undefined;
      for (const address of this.blockedUntil.keys()) block(next!, address);
      this.useBlockList(next);
    }
    const quiet = this.settings.abusePenaltyMs * FORGET_AFTER;
    for (const [address, c] of this.clients) if (c.open === 0 && c.penaltyUntil + quiet <= now) this.clients.delete(address);
  }

  private useBlockList(list: net.BlockList | undefined): void {
    this.blocked = list;
    for (const server of this.servers) {
      if (server.listening) (server as Blockable).blockList = list;
      else this.servers.delete(server); // a port closed since
    }
  }

  /** @internal */
  public closed(address: string): void {
    const c = this.clients.get(address);
    if (!c) return;
    c.open--;
    if (c.open === 0 && c.strikes === 0) this.clients.delete(address);
  }
}

function ignore(): void {}

/**
 * Adds `address` to `list`; false when the list refuses it (e.g. a link-local address with a zone), which `admit`
 * then refuses instead, after accept.
 */
function block(list: net.BlockList, address: string): boolean {
  try {
    list.addAddress(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');
    return true;
  } catch {
    return false;
  }
}

/** net.Server reads its `blockList` option from this property at each accept (Node 22.13+, 23.4+). */
type Blockable = net.Server & { blockList?: net.BlockList };

const CLIENT = Symbol('client');
type Counted = net.Socket & { [CLIENT]?: { limits: ClientLimits; address: string } };

/** Shared by every counted socket (`this` is the socket): no closure per connection. */
function onClose(this: Counted): void {
  const c = this[CLIENT];
  if (c) c.limits.closed(c.address);
}
