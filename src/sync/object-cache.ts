/**
 * sync's copy of the cluster: the objects of every watched kind, by kind then `namespace/name`, as the
 * API server returned them (status and resourceVersion included, so a status writer can read-modify-write
 * from it) less what nobody reads: managedFields, the last-applied annotation, and every Secret key but the
 * certificate and CA ones.
 */
import type { ReflectorSink } from './reflector';

/** Secret keys the compiler and the data plane read: everything else never leaves the API server's answer. */
const SECRET_KEYS = new Set(['tls.crt', 'tls.key', 'ca.crt']);
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export type ChangeListener = (kind: string, key: string) => void;

export function objectKey(obj: any): string {
  return `${obj?.metadata?.namespace ?? ''}/${obj?.metadata?.name ?? ''}`;
}

/** Drops what sync never reads from an object (in place: the object was just parsed from the wire). */
export function trim(obj: any): any {
  const meta = obj?.metadata;
  if (meta) {
    delete meta.managedFields;
    if (meta.annotations && LAST_APPLIED in meta.annotations) {
      delete meta.annotations[LAST_APPLIED];
      if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
    }
  }
  if (obj?.kind === 'Secret') {
    for (const field of ['data', 'stringData']) {
      const data = obj[field];
      if (data && typeof data === 'object') for (const k of Object.keys(data)) if (!SECRET_KEYS.has(k)) delete data[k];
    }
  }
  return obj;
}

export class ObjectCache {
  private readonly byKind = new Map<string, Map<string, any>>();
  private readonly listeners: ChangeListener[] = [];

  public onChange(f: ChangeListener): void {
    this.listeners.push(f);
  }

  public get(kind: string, namespace: string, name: string): any | undefined {
    return this.byKind.get(kind)?.get(`${namespace}/${name}`);
  }

  public all(kind: string): IterableIterator<any> {
    return (this.byKind.get(kind) ?? new Map()).values();
  }

  public count(kind: string): number {
    return this.byKind.get(kind)?.size ?? 0;
  }

  public kinds(): string[] {
    return [...this.byKind.keys()];
  }

  /** Forgets every object of a kind in a namespace (or everywhere): its reflector stopped. */
  public drop(kind: string, namespace?: string): void {
    const map = this.byKind.get(kind);
    if (!map) return;
    for (const key of [...map.keys()]) {
      if (namespace === undefined || key.startsWith(`${namespace}/`)) {
        map.delete(key);
        this.changed(kind, key);
      }
    }
  }

  /** The sink a reflector of `kind` (in `namespace`, or cluster-wide) writes to. */
  public sink(kind: string, namespace?: string): ReflectorSink {
    const map = this.byKind.get(kind) ?? new Map<string, any>();
    this.byKind.set(kind, map);
    const inScope = (key: string) => namespace === undefined || key.startsWith(`${namespace}/`);
    return {
      replace: (items) => {
        const next = new Map<string, any>();
        for (const o of items) next.set(objectKey(o), trim(o));
        for (const [key, old] of [...map]) {
          if (!inScope(key)) continue;
          const now = next.get(key);
          if (!now) {
            map.delete(key);
            this.changed(kind, key);
          } else if (now.metadata?.resourceVersion !== old.metadata?.resourceVersion) {
            map.set(key, now);
            this.changed(kind, key);
          }
          next.delete(key);
        }
        for (const [key, o] of next) {
          map.set(key, o);
          this.changed(kind, key);
        }
      },
      upsert: (obj) => {
        const key = objectKey(obj);
        map.set(key, trim(obj));
        this.changed(kind, key);
      },
      remove: (obj) => {
        const key = objectKey(obj);
        if (map.delete(key)) this.changed(kind, key);
      },
    };
  }

  private changed(kind: string, key: string): void {
    for (const l of this.listeners) l(kind, key);
  }
}
