import { HostTable, identity, listenerTable } from './host-table';
import { matchBucket, PathBucket, PathTable } from './path-table';
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
    const routes = new Map<string, HostTable<PathBucket>>();
    for (const listener of port.listeners) {
      if (!listener.httpRoutes || listener.httpRoutes.length === 0) continue;
      const items = listener.httpRoutes.map((entry) => {
        const decision: RouteDecision = { listener, entry, rule: config.httpRules[entry.rule], ruleIndex: entry.rule };
        return { hostnames: entry.hostnames, value: compileEntry(entry, decision) };
      });
      const table = HostTable.build<CompiledEntry, PathTable>(items, (into, e) => (into ?? new PathTable()).add(e));
      routes.set(listener.id, table.mapValues((t) => t.seal()));
    }
    return new PortRouter(port, listeners, routes);
  }

  /** The route table when the port has one listener and it has no hostname: no listener lookup needed. */
  private readonly only: HostTable<PathBucket> | undefined;

  private constructor(
    /** The port this router serves. */
    public readonly port: PortConfig,
    private readonly listeners: HostTable<ListenerConfig>,
    private readonly routes: Map<string, HostTable<PathBucket>>,
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
    const host = req.host;
    const table = listener === undefined ? (this.only ?? this.tableFor(host)) : this.routes.get(listener.id);
    if (table === undefined) return undefined;
    // the exact-host bucket inline (the common case), then wildcard buckets and the catch-all
    const bucket = table.exactly(host);
    if (bucket !== undefined) {
      const e = matchBucket(bucket, req);
      if (e !== undefined) return e;
    }
    return table.findLessSpecific(host, req, matchBucket);
  }

  private tableFor(host: string): HostTable<PathBucket> | undefined {
    const l = this.listenerFor(host);
    return l === undefined ? undefined : this.routes.get(l.id);
  }
}


