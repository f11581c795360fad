/**
 * The stand-in API server's storage: objects by resource type, one global resourceVersion counter (as
 * etcd's revision), the event history watches replay from, and the snapshots paginated lists read from.
 * Stored objects are never mutated: every write stores a new object, so a snapshot or an event keeps the
 * object as it was.
 */
import { randomUUID } from 'node:crypto';
import { BUILTIN_TYPES, groupVersion, ResourceType, typeOfCrd } from './resources';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  readonly rv: number;
  readonly type: EventType;
  readonly resource: ResourceType;
  readonly obj: any;
}

export class StoreError extends Error {
  constructor(public readonly code: 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid' | 'NamespaceNotFound', message: string) {
    super(message);
  }
}

export function typeKey(t: { group: string; resource: string }): string {
  return `${t.group}/${t.resource}`;
}

function objKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Fields whose change makes a new generation: everything but metadata and status. */
function specOf(obj: any): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return JSON.stringify(rest);
}

export class Store {
  private revision = 0;
  private readonly types = new Map<string, ResourceType>();
  private readonly objects = new Map<string, Map<string, any>>();
  private history: StoredEvent[] = [];
  /** Events at or below this revision were compacted away: a watch from before it gets 410 Expired. */
  public compactedThrough = 0;
  private readonly listeners = new Set<(e: StoredEvent) => void>();

  constructor(private readonly historyLimit: number, public readonly namespaceLifecycle: boolean) {
    for (const t of BUILTIN_TYPES) this.register(t);
    for (const ns of ['default', 'kube-system', 'kube-public']) this.create(this.type('', 'namespaces')!, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }

  public get resourceVersion(): number {
    return this.revision;
  }

  public allTypes(): IterableIterator<ResourceType> {
    return this.types.values();
  }

  public type(group: string, resource: string): ResourceType | undefined {
    return this.types.get(typeKey({ group, resource }));
  }

  public typeOfKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    for (const t of this.types.values()) if (t.group === group && t.kind === kind && t.versions.includes(version)) return t;
    return undefined;
  }

  public onEvent(f: (e: StoredEvent) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  public namespaceExists(ns: string): boolean {
    return this.objects.get('/namespaces')!.has(objKey('', ns));
  }

  public get(t: ResourceType, namespace: string, name: string): any | undefined {
    return this.objects.get(typeKey(t))?.get(objKey(t.namespaced ? namespace : '', name));
  }

  /** Objects of a type (in one namespace, or all), in etcd key order (namespace, then name). */
  public list(t: ResourceType, namespace?: string): any[] {
    const out: any[] = [];
    for (const [k, o] of this.objects.get(typeKey(t)) ?? []) {
      if (namespace && t.namespaced && !k.startsWith(`${namespace}/`)) continue;
      out.push(o);
    }
    return out.sort((a, b) => cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || cmp(a.metadata.name, b.metadata.name));
  }

  /** Events after `rv` for a type, or 'expired' when some were compacted away. */
  public eventsSince(t: ResourceType, rv: number): StoredEvent[] | 'expired' {
    if (rv < this.compactedThrough) return 'expired';
    const key = typeKey(t);
    return this.history.filter((e) => e.rv > rv && typeKey(e.resource) === key);
  }

  /** Forgets the event history: a watch resumed from any earlier resourceVersion gets 410 Expired. */
  public compact(): void {
    this.compactedThrough = this.revision;
    this.history = [];
  }

  public create(t: ResourceType, given: any): any {
    const input = structuredClone(given);
    const meta = input.metadata ?? {};
    const name: string | undefined = meta.name ?? (meta.generateName ? `${meta.generateName}${randomUUID().slice(0, 5)}` : undefined);
    if (!name) throw new StoreError('Invalid', 'metadata.name: Required value: name or generateName is required');
    const namespace = t.namespaced ? meta.namespace ?? 'default' : undefined;
    if (namespace && this.namespaceLifecycle && !this.namespaceExists(namespace)) {
      throw new StoreError('NamespaceNotFound', namespace);
    }
    const map = this.objects.get(typeKey(t))!;
    const key = objKey(namespace ?? '', name);
    if (map.has(key)) throw new StoreError('AlreadyExists', name);
    const rv = ++this.revision;
    const obj = {
      ...input,
      apiVersion: groupVersion(t.group, t.versions[0]),
      kind: t.kind,
      metadata: {
        ...meta,
        name,
        ...(namespace ? { namespace } : {}),
        uid: randomUUID(),
        resourceVersion: String(rv),
        generation: 1,
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    };
    delete obj.metadata.generateName;
    if (t.kind === 'Namespace') obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': name };
    map.set(key, deepFreeze(obj));
    this.emit(rv, 'ADDED', t, obj);
    if (t.kind === 'CustomResourceDefinition') this.registerCrd(obj);
    return obj;
  }

  /**
   * Replaces an object. `expectedRv` (the body's metadata.resourceVersion) must match when given.
   * `subresource` 'status' changes only status; otherwise status is kept when the type has a status subresource.
   */
  public update(t: ResourceType, namespace: string, name: string, given: any, subresource = ''): any {
    const input = structuredClone(given);
    const map = this.objects.get(typeKey(t))!;
    const key = objKey(t.namespaced ? namespace : '', name);
    const old = map.get(key);
    if (!old) throw new StoreError('NotFound', name);
    const expectedRv = input.metadata?.resourceVersion;
    if (expectedRv !== undefined && expectedRv !== '' && expectedRv !== old.metadata.resourceVersion) throw new StoreError('Conflict', name);
    let next: any;
    if (subresource === 'status') next = { ...old, status: input.status };
    else if (t.statusSubresource) next = { ...input, ...(old.status !== undefined ? { status: old.status } : {}) };
    else next = { ...input };
    if (next.status === undefined) delete next.status;
    const rv = ++this.revision;
    const generation = subresource === 'status' || specOf(next) === specOf(old) ? old.metadata.generation : (old.metadata.generation ?? 1) + 1;
    next.apiVersion = old.apiVersion;
    next.kind = old.kind;
    next.metadata = {
      ...(subresource === 'status' ? old.metadata : input.metadata),
      name: old.metadata.name,
      ...(old.metadata.namespace ? { namespace: old.metadata.namespace } : {}),
      uid: old.metadata.uid,
      creationTimestamp: old.metadata.creationTimestamp,
      resourceVersion: String(rv),
      generation,
    };
    if (t.kind === 'Namespace') next.metadata.labels = { ...next.metadata.labels, 'kubernetes.io/metadata.name': name };
    if (JSON.stringify(next) === JSON.stringify({ ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } })) {
      // a no-op write changes nothing, not even the resourceVersion (as the API server does)
      this.revision--;
      return old;
    }
    map.set(key, deepFreeze(next));
    this.emit(rv, 'MODIFIED', t, next);
    if (t.kind === 'CustomResourceDefinition') this.registerCrd(next);
    return next;
  }

  public delete(t: ResourceType, namespace: string, name: string): any {
    const map = this.objects.get(typeKey(t))!;
    const key = objKey(t.namespaced ? namespace : '', name);
    const old = map.get(key);
    if (!old) throw new StoreError('NotFound', name);
    map.delete(key);
    const rv = ++this.revision;
    const gone = deepFreeze({ ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } });
    this.emit(rv, 'DELETED', t, gone);
    if (t.kind === 'Namespace') {
      // no Terminating phase: what was in the namespace goes with it
      for (const other of this.types.values()) {
        if (!other.namespaced) continue;
        for (const o of this.list(other, name)) this.delete(other, name, o.metadata.name);
      }
    }
    if (t.kind === 'CustomResourceDefinition') {
      const defined = typeOfCrd(old);
      if (defined) {
        for (const o of this.list(defined)) this.delete(defined, o.metadata.namespace ?? '', o.metadata.name);
        this.types.delete(typeKey(defined));
        this.objects.delete(typeKey(defined));
      }
    }
    return gone;
  }

  private registerCrd(crd: any): void {
    const t = typeOfCrd(crd);
    if (t) this.register(t);
  }

  private register(t: ResourceType): void {
    this.types.set(typeKey(t), t);
    if (!this.objects.has(typeKey(t))) this.objects.set(typeKey(t), new Map());
  }

  private emit(rv: number, type: EventType, resource: ResourceType, obj: any): void {
    const e = { rv, type, resource, obj };
    this.history.push(e);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.compactedThrough = dropped[dropped.length - 1].rv;
    }
    for (const l of this.listeners) l(e);
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}
