import type { ListenerConfig, PortConfig } from '../config/dataplane-config';
import { isWildcard } from '../spec/hostname';

/**
 * Values indexed by hostname: exact names in a map, wildcards in a map keyed by their suffix (`.example.com`),
 * and the values that match any host. `find` visits the candidates for a host from the most specific to the
 * least specific (exact, then wildcards longest suffix first, then any) and returns the first result the
 * visitor gives. Lookups allocate nothing except the suffix strings for wildcard probes, and only at lengths
 * where a wildcard exists.
 */
export class HostTable<T> {
  /** Builds the table, merging items that share a hostname key in the order given (earlier first). */
  public static build<I, T>(
    items: Iterable<{ readonly hostnames: readonly string[]; readonly value: I }>,
    merge: (into: T | undefined, value: I) => T,
  ): HostTable<T> {
    const table = new HostTable<T>();
    for (const { hostnames, value } of items) {
      if (hostnames.length === 0) {
        table.any = merge(table.any, value);
        continue;
      }
      for (const h of hostnames) {
        if (isWildcard(h)) {
          const suffix = h.slice(1);
          table.wildcard.set(suffix, merge(table.wildcard.get(suffix), value));
          table.maxSuffix = Math.max(table.maxSuffix, suffix.length);
        } else {
          table.exact.set(h, merge(table.exact.get(h), value));
        }
      }
    }
    table.suffixLengths = new Uint8Array(table.maxSuffix + 1);
    for (const suffix of table.wildcard.keys()) table.suffixLengths[suffix.length] = 1;
    return table;
  }

  private readonly exact = new Map<string, T>();
  private readonly wildcard = new Map<string, T>();
  private any: T | undefined;
  private maxSuffix = 0;
  private suffixLengths = new Uint8Array(1);

  private constructor() {}

  /** The values for `host` from the most to the least specific, first non-undefined visitor result wins. */
  public find<A, R>(host: string, arg: A, visit: (value: T, arg: A) => R | undefined): R | undefined {
    const exact = this.exact.get(host);
    if (exact !== undefined) {
      const r = visit(exact, arg);
      if (r !== undefined) return r;
    }
    return this.findLessSpecific(host, arg, visit);
  }

  /** `find` without the exact step: wildcards longest suffix first, then the value for any host. */
  private findLessSpecific<A, R>(host: string, arg: A, visit: (value: T, arg: A) => R | undefined): R | undefined {
    if (this.wildcard.size > 0) {
      const n = host.length;
      // i = 1 first: the longest suffix is the most specific wildcard
      for (let i = n - this.maxSuffix > 1 ? n - this.maxSuffix : 1; i < n; i++) {
        if (host.charCodeAt(i) !== 46 /* '.' */ || this.suffixLengths[n - i] !== 1) continue;
        const w = this.wildcard.get(host.slice(i));
        if (w !== undefined) {
          const r = visit(w, arg);
          if (r !== undefined) return r;
        }
      }
    }
    if (this.any !== undefined) return visit(this.any, arg);
    return undefined;
  }
}

/** Listeners of a port by hostname (a listener without hostname matches any host). */
export function listenerTable(port: PortConfig): HostTable<ListenerConfig> {
  return HostTable.build<ListenerConfig, ListenerConfig>(
    port.listeners.map((l) => ({ hostnames: l.hostname ? [l.hostname] : [], value: l })),
    (into, l) => into ?? l,
  );
}

/** A visitor for `HostTable.find` that takes the first value (module-level: no closure per lookup). */
export function identity<T>(v: T): T {
  return v;
}
