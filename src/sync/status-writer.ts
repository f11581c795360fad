/**
 * Writes what the compiler computed (`compile(...).status`, the same objects `compile --output text` and the
 * synth report print) to the cluster through the status subresource, for the objects of one Gateway: its
 * GatewayClass (plus `supportedFeatures`), the Gateway (plus `addresses` from its data-plane Service), the
 * ListenerSets attached to it, each route's `status.parents` entries for this controller and a parentRef to the
 * Gateway or one of its ListenerSets, and BackendTLSPolicies' `status.ancestors` entries for the Gateway.
 * Nothing is recomputed here: status-documents.ts only shapes the compiler's conditions for the wire.
 *
 * - `status.parents` and `status.ancestors` are shared with other controllers: each write is a read-modify-write
 *   of the object as last read (its resourceVersion in the PUT), other entries kept as they are; on 409 Conflict
 *   the object is read again and the entry merged into the fresh copy (up to 3 tries, then later).
 * - An object is written only when its status document differs from the one in the cluster.
 * - The bound: at most `writesPerSecond` writes (default 5) with bursts of `burst` (default 10), whatever churns.
 *   Pending objects are a set (an object changing ten times while it waits is written once, with its latest
 *   status), written one request at a time, so over any window of t seconds there are at most
 *   burst + writesPerSecond × t writes, conflicts' retries included.
 */
import type { ApiError, KubeApi } from './kube-client';
import type { ObjectCache } from './object-cache';
import { collectionPath, WatchedResource } from './resources';
import { ownedStatus, StatusScope } from './status-documents';
import { canonicalJson } from '../compiler/canonical-json';
import type { ObjectStatus } from '../compiler/status';
import type { Logger } from '../dataplane/ops/log';

export interface StatusWriterOptions {
  readonly scope: StatusScope;
  /** @default 5 */
  readonly writesPerSecond?: number;
  /** @default 10 */
  readonly burst?: number;
  readonly log: Logger;
}

export const DEFAULT_STATUS_WRITES_PER_SECOND = 5;
export const DEFAULT_STATUS_WRITE_BURST = 10;

export class StatusWriter {
  /** Status writes sent (PUT .../status), conflicts included. */
  public writes = 0;
  public conflicts = 0;
  private active = false;
  private statuses = new Map<string, ObjectStatus>();
  private readonly pending = new Set<string>();
  /** What our last write returned, until the watch brings that version into the cache. */
  private readonly written = new Map<string, { baseRv: string; obj: any }>();
  private tokens: number;
  private refilledAt = Date.now();
  private pumping = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly rate: number;
  private readonly burst: number;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly api: KubeApi,
    private readonly cache: ObjectCache,
    private readonly resourceOf: (kind: string) => WatchedResource | undefined,
    private readonly o: StatusWriterOptions,
  ) {
    this.rate = o.writesPerSecond ?? DEFAULT_STATUS_WRITES_PER_SECOND;
    this.burst = o.burst ?? DEFAULT_STATUS_WRITE_BURST;
    this.tokens = this.burst;
  }

  /** The compiler's latest statuses: every object of the scope whose document changed is queued. */
  public update(statuses: readonly ObjectStatus[]): void {
    const next = new Map<string, ObjectStatus>();
    for (const s of statuses) next.set(`${s.kind}/${s.namespace ?? ''}/${s.name}`, s);
    // objects that had status before and have none now: our entries in them go
    for (const key of this.statuses.keys()) if (!next.has(key)) this.pending.add(key);
    for (const key of next.keys()) this.pending.add(key);
    this.statuses = next;
    this.pump();
  }

  /** Leader election: only the leader writes; a new leader checks everything once. */
  public setActive(active: boolean): void {
    this.active = active;
    if (active) {
      for (const key of this.statuses.keys()) this.pending.add(key);
      this.pump();
    }
  }

  /** Resolves when nothing is pending (tests and benchmarks). */
  public idle(): Promise<void> {
    if (this.pending.size === 0 && !this.pumping) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  public stop(): void {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
  }

  private takeToken(): number {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.rate);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  private pump(): void {
    if (this.pumping || !this.active) return;
    this.pumping = true;
    void this.drain().finally(() => {
      this.pumping = false;
      if (this.pending.size === 0) for (const r of this.idleWaiters.splice(0)) r();
    });
  }

  private async drain(): Promise<void> {
    while (this.active && this.pending.size > 0) {
      const key = this.pending.values().next().value as string;
      const [kind, namespace, name] = splitKey(key);
      const current = this.current(kind, namespace, name);
      if (!current || !this.document(kind, current)) {
        this.pending.delete(key);
        continue;
      }
      const wait = this.takeToken();
      if (wait > 0) {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => this.pump(), wait);
        this.timer.unref();
        return;
      }
      this.pending.delete(key);
      await this.write(kind, namespace, name, current, 3);
    }
  }

  /** The object as the cluster has it: the cache, or what our last write returned when the watch is behind. */
  private current(kind: string, namespace: string, name: string): any {
    const key = `${kind}/${namespace}/${name}`;
    const cached = this.cache.get(kind, namespace, name);
    const w = this.written.get(key);
    if (w && cached && cached.metadata?.resourceVersion === w.baseRv) return w.obj;
    if (w) this.written.delete(key);
    return cached;
  }

  /** The status to write, or undefined when the object's status is already that. */
  private document(kind: string, obj: any): any {
    const s = this.statuses.get(`${kind}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}`);
    const next = ownedStatus(this.o.scope, this.cache, obj, s, new Date());
    if (next === undefined) return undefined;
    return canonicalJson(next, 0) === canonicalJson(obj.status ?? {}, 0) ? undefined : next;
  }

  private async write(kind: string, namespace: string, name: string, obj: any, tries: number): Promise<void> {
    const resource = this.resourceOf(kind);
    const status = this.document(kind, obj);
    if (!resource || status === undefined) return;
    const path = `${collectionPath(resource, resource.namespaced ? namespace : undefined)}/${name}/status`;
    this.writes++;
    try {
      const result = await this.api.write('PUT', path, { ...obj, status });
      this.written.set(`${kind}/${namespace}/${name}`, { baseRv: this.cache.get(kind, namespace, name)?.metadata?.resourceVersion ?? '', obj: result });
    } catch (e) {
      const err = e as ApiError;
      if (err.status === 404) return;
      if (err.status === 409 && tries > 1) {
        this.conflicts++;
        let fresh: any;
        try {
          fresh = await this.api.get(path.replace(/\/status$/, ''));
        } catch {
          this.pending.add(`${kind}/${namespace}/${name}`);
          return;
        }
        // a retry is a write like any other: it waits for its token, and takes it (takeToken only takes one it has)
        for (let wait = this.takeToken(); wait > 0; wait = this.takeToken()) await new Promise((r) => setTimeout(r, wait));
        return this.write(kind, namespace, name, fresh, tries - 1);
      }
      if (err.status === 409) this.conflicts++;
      this.o.log.warn(`cannot write the status of ${kind} ${namespace ? `${namespace}/` : ''}${name}; trying again later`, { code: err.status, error: err.message });
      this.pending.add(`${kind}/${namespace}/${name}`);
    }
  }
}

function splitKey(key: string): [string, string, string] {
  const i = key.indexOf('/');
  const j = key.indexOf('/', i + 1);
  return [key.slice(0, i), key.slice(i + 1, j), key.slice(j + 1)];
}
