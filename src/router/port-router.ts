import { DecisionRouter, RequestDecision, routingDecision } from './decide';
import { HostTable, identity, listenerTable } from './host-table';
import { CompiledEntry, compileEntry } from './predicates';
import { RouteIndex } from './route-index';
import type { RouteDecision, RouteRequest } from './types';
import type { DataPlaneConfig, ListenerConfig, PortConfig } from '../config/dataplane-config';

/**
 * The compiled HTTP router of one port. Built once per config; `match` decides a request with lookups:
 *
 * 1. the listener: the request's listener is the most specific listener hostname matching the Host
 *    (listener isolation: routes of other listeners on the port are never consulted), or the one the TLS
 *    handshake chose by SNI;
 * 2. in that listener's RouteIndex, the entries of the exact host, then of each wildcard suffix of the host
 *    from the longest, then of any host (the spec's hostname precedence), each falling through to the next
 *    when none matches;
 * 3. for one hostname, the path: Exact and PathPrefix candidates found by the first path segment, longest
 *    first, then `/` and regexes;
 * 4. for one path, the first entry whose method, header and query predicates hold (the compiler's order).
 */
export class PortRouter implements DecisionRouter {
  public static build(config: DataPlaneConfig, port: PortConfig): PortRouter {
    const listeners = listenerTable(port);
    const routes = new Map<string, RouteIndex>();
    for (const listener of port.listeners) {
      if (!listener.httpRoutes || listener.httpRoutes.length === 0) continue;
      const items = listener.httpRoutes.map((entry) => {
        const decision: RouteDecision = { listener, entry, rule: config.httpRules[entry.rule], ruleIndex: entry.rule };
        return { hostnames: entry.hostnames, value: compileEntry(entry, decision) };
      });
      routes.set(listener.id, RouteIndex.build(items));
    }
    return new PortRouter(port, listeners, routes);
  }

  /** The route table when the port has one listener and it has no hostname: no listener lookup needed. */
  private readonly only: RouteIndex | undefined;
  /** The answer to a Host no listener of the port accepts. */
  public readonly unknownHost: RequestDecision = routingDecision('GW_UNKNOWN_HOST', undefined);
  private readonly noRoute = new Map<ListenerConfig, RequestDecision>();
  private readonly misdirected = new Map<ListenerConfig, RequestDecision>();

  private constructor(
    /** The port this router serves. */
    public readonly port: PortConfig,
    private readonly listeners: HostTable<ListenerConfig>,
    private readonly routes: Map<string, RouteIndex>,
  ) {
    const l = port.listeners;
    this.only = l.length === 1 && l[0].hostname === undefined ? routes.get(l[0].id) : undefined;
    for (const listener of l) {
      this.noRoute.set(listener, routingDecision('GW_NO_ROUTE', listener));
      this.misdirected.set(listener, routingDecision('GW_MISDIRECTED_REQUEST', listener));
    }
  }

  /** The listener that owns requests for `host`: exact hostname, then the longest wildcard, then none. */
  public listenerFor(host: string): ListenerConfig | undefined {
    return this.listeners.find(host, undefined, identity);
  }

  /**
   * The listener a TLS ClientHello's server name selects ('' without SNI): the one whose hostname matches best, else
   * the port's first HTTPS listener (whose certificate a client that names no known host is served, to be answered
   * 421 or 404 over HTTP then). Undefined when the port has no listener for it at all.
   */
  public tlsListenerFor(serverName: string): ListenerConfig | undefined {
    return this.listenerFor(serverName) ?? this.port.listeners.find((l) => l.protocol === 'HTTPS');
  }

  /** The answer to a request no route of `listener` matches. */
  public noRouteOf(listener: ListenerConfig): RequestDecision {
    return this.noRoute.get(listener) ?? routingDecision('GW_NO_ROUTE', listener);
  }

  /** The answer to a request whose Host belongs to another listener than `listener`, which its TLS handshake chose. */
  public misdirectedOf(listener: ListenerConfig): RequestDecision {
    return this.misdirected.get(listener) ?? routingDecision('GW_MISDIRECTED_REQUEST', listener);
  }

  /**
   * The route for a request, or undefined (the gateway answers 404). `listener` is the one chosen by SNI on
   * TLS ports; without it the listener is chosen from `req.host`.
   */
  public match(req: RouteRequest, listener?: ListenerConfig): CompiledEntry | undefined {
    const table = listener === undefined ? (this.only ?? this.tableFor(req.host)) : this.routes.get(listener.id);
    return table === undefined ? undefined : table.match(req);
  }

  private tableFor(host: string): RouteIndex | undefined {
    const l = this.listenerFor(host);
    return l === undefined ? undefined : this.routes.get(l.id);
  }
}


