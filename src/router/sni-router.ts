import { HostTable, identity, listenerTable } from './host-table';
import type { SniDecision } from './types';
import type { ListenerConfig, PortConfig, TlsRouteEntry } from '../config/dataplane-config';

/**
 * Chooses, from a TLS ClientHello's server name, the listener of a TLS port (most specific hostname first)
 * and, for TLS listeners, the TLSRoute entry (exact hostname, then the longest wildcard, then entries for any
 * name; ties go to the entry the compiler ordered first). An absent server name ('') only matches listeners
 * and entries without hostnames.
 */
export class SniRouter {
  public static build(port: PortConfig): SniRouter {
    const listeners = listenerTable(port);
    const decisions = new Map<string, HostTable<SniDecision>>();
    const bare = new Map<string, SniDecision>();
    for (const listener of port.listeners) {
      bare.set(listener.id, { listener });
      const entries = listener.tlsRoutes ?? [];
      if (entries.length === 0) continue;
      decisions.set(
        listener.id,
        HostTable.build<SniDecision, SniDecision>(
          entries.map((entry: TlsRouteEntry) => ({ hostnames: entry.hostnames, value: { listener, entry } })),
          (into, d) => into ?? d,
        ),
      );
    }
    return new SniRouter(port, listeners, decisions, bare);
  }

  private constructor(
    public readonly port: PortConfig,
    private readonly listeners: HostTable<ListenerConfig>,
    private readonly decisions: Map<string, HostTable<SniDecision>>,
    private readonly bare: Map<string, SniDecision>,
  ) {}

  /** The listener for a server name, or undefined when no listener's hostname matches it. */
  public listenerFor(serverName: string): ListenerConfig | undefined {
    return this.listeners.find(serverName, undefined, identity);
  }

  /**
   * The listener and TLSRoute entry for a server name (lower-case, no trailing dot; '' without SNI).
   * Undefined when no listener matches. For a TLS listener with no matching TLSRoute the decision has no
   * `entry` (the connection is refused); HTTPS listeners never have one.
   */
  public matchSni(serverName: string): SniDecision | undefined {
    const listener = this.listenerFor(serverName);
    if (listener === undefined) return undefined;
    const table = this.decisions.get(listener.id);
    return (table && table.find(serverName, undefined, identity)) ?? this.bare.get(listener.id);
  }
}
