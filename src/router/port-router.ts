import { HostTable, identity, listenerTable } from './host-table';
import { compileEntry } from './predicates';
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
export class PortRouter {
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

  private constructor(
    /** The port this router serves. */
    public readonly port: PortConfig,
    private readonly listeners: HostTable<ListenerConfig>,
    private readonly routes: Map<string, RouteIndex>,
  ) {
    const l = port.listeners;
    this.only = l.length === 1 && l[0].hostname === undefined ? routes.get(l[0].id) : undefined;
  }

  /** The listener that owns requests for `host`: exact hostname, then the longest wildcard, then none. */
  public listenerFor(host: string): ListenerConfig | undefined {
    return this.listeners.find(host, undefined, identity);
  }

  /**
   * The route for a request, or undefined (the gateway answers 404). `listener` is the one chosen by SNI on
   * TLS ports; without it the listener is chosen from `req.host`.
   */
  public match(req: RouteRequest, listener?: ListenerConfig): RouteDecision | undefined {
    const table = listener === undefined ? (this.only ?? this.tableFor(req.host)) : this.routes.get(listener.id);
    return table === undefined ? undefined : table.match(req);
  }

  private tableFor(host: string): RouteIndex | undefined {
    const l = this.listenerFor(host);
    return l === undefined ? undefined : this.routes.get(l.id);
  }
}


