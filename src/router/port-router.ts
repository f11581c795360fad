import { HostTable, identity, listenerTable } from './host-table';
import { PathTable } from './path-table';
import { compileEntry, CompiledEntry } from './predicates';
import type { RouteDecision, RouteRequest } from './types';
import type { DataPlaneConfig, ListenerConfig, PortConfig } from '../config/dataplane-config';

/**
 * The compiled HTTP router of one port. Built once per config; `match` decides a request with map lookups:
 *
 * 1. the listener: the request's listener is the most specific listener hostname matching the Host
 *    (listener isolation: routes of other listeners on the port are never consulted), or the one the TLS
 *    handshake chose by SNI;
 * 2. the hostname bucket: the route entries whose effective hostname is the exact host, then each wildcard
 *    suffix of the host from the longest, then the entries for any host (the spec's hostname precedence);
 * 3. within a bucket, the path: exact map, prefixes at segment boundaries longest first, then regexes;
 * 4. within a path, the first entry whose method, header and query predicates hold (the compiler's order).
 *
 * A bucket with no matching entry falls through to the next, less specific one.
 */
export class PortRouter {
  public static build(config: DataPlaneConfig, port: PortConfig): PortRouter {
    const listeners = listenerTable(port);
    const routes = new Map<string, HostTable<PathTable>>();
    for (const listener of port.listeners) {
      if (!listener.httpRoutes || listener.httpRoutes.length === 0) continue;
      const items = listener.httpRoutes.map((entry) => {
        const decision: RouteDecision = { listener, entry, rule: config.httpRules[entry.rule], ruleIndex: entry.rule };
        return { hostnames: entry.hostnames, value: compileEntry(entry, decision) };
      });
      routes.set(
        listener.id,
        HostTable.build<CompiledEntry, PathTable>(items, (into, e) => (into ?? new PathTable()).add(e)),
      );
    }
    return new PortRouter(port, listeners, routes);
  }

  private constructor(
    /** The port this router serves. */
    public readonly port: PortConfig,
    private readonly listeners: HostTable<ListenerConfig>,
    private readonly routes: Map<string, HostTable<PathTable>>,
  ) {}

  /** The listener that owns requests for `host`: exact hostname, then the longest wildcard, then none. */
  public listenerFor(host: string): ListenerConfig | undefined {
    return this.listeners.find(host, undefined, identity);
  }

  /**
   * The route for a request, or undefined (the gateway answers 404). `listener` is the one chosen by SNI on
   * TLS ports; without it the listener is chosen from `req.host`.
   */
  public match(req: RouteRequest, listener?: ListenerConfig): RouteDecision | undefined {
    const l = listener ?? this.listenerFor(req.host);
    if (l === undefined) return undefined;
    const table = this.routes.get(l.id);
    if (table === undefined) return undefined;
    const e = table.find(req.host, req, matchBucket);
    return e === undefined ? undefined : e.decision;
  }
}


function matchBucket(bucket: PathTable, req: RouteRequest): CompiledEntry | undefined {
  return bucket.match(req);
}
