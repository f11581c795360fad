/**
 * Keeps one resource type (cluster-wide or in one namespace) in step with the API server, the way
 * client-go's reflector does: LIST (in pages), then WATCH from the list's resourceVersion with bookmarks;
 * a watch that ends is resumed from the last resourceVersion seen; a 410 Expired means the history it
 * needs is gone, so the whole type is listed again. A new list is collected completely before it replaces
 * what the sink holds (`replace`), so the compiler never sees a type half listed. Errors back off
 * exponentially (0.5 s to 30 s) and are reported to `onError` with the verb, resource and namespace.
 */
import type { ApiError, KubeApi, WatchHandle } from './kube-client';
import { collectionPath, WatchedResource } from './resources';

export interface ReflectorSink {
  /** A complete, consistent list: everything this reflector held is replaced by `items`. */
  replace(items: any[]): void;
  upsert(obj: any): void;
  remove(obj: any): void;
}

export interface ReflectorEvents {
  onError(err: ApiError, r: WatchedResource, namespace: string | undefined): void;
  /** After a list or a watch started: the API answered. */
  onHealthy(r: WatchedResource, namespace: string | undefined): void;
  /** A watch expired (410): the type is listed again. */
  onRelist(r: WatchedResource, namespace: string | undefined): void;
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** A watch that ends sooner than this without an event is treated as a failure (backed off), as client-go does. */
const SHORT_WATCH_MS = 1_000;

export class Reflector {
  /** The first complete list arrived (the sink holds this type). */
  public synced = false;
  public relists = 0;
  private resourceVersion = '';
  private watch: WatchHandle | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private backoffMs = BACKOFF_MIN_MS;

  constructor(
    private readonly api: KubeApi,
    public readonly resource: WatchedResource,
    public readonly namespace: string | undefined,
    private readonly sink: ReflectorSink,
    private readonly events: ReflectorEvents,
    private readonly watchTimeoutSeconds = 240 + Math.floor(Math.random() * 120),
  ) {}

  public start(): void {
    void this.list();
  }

  public stop(): void {
    this.stopped = true;
    this.watch?.stop();
    if (this.timer) clearTimeout(this.timer);
  }

  private get path(): string {
    return collectionPath(this.resource, this.namespace);
  }

  private async list(): Promise<void> {
    if (this.stopped) return;
    let result;
    try {
      result = await this.api.list(this.path, {});
    } catch (e) {
      const err = e as ApiError;
      if (!this.synced && (err.status === 403 || err.status === 404)) {
        // denied (RBAC) or not served: nothing of this type can be seen, which is an answer, not a wait;
        // the cache goes on without it (the references into it fail with their conditions) and the list is retried
        this.sink.replace([]);
        this.synced = true;
      }
      return this.retry(err, () => this.list());
    }
    if (this.stopped) return;
    const apiVersion = this.resource.group ? `${this.resource.group}/${this.resource.version}` : this.resource.version;
    // items of built-in lists carry no apiVersion/kind (the list does): the compiler needs them
    for (const item of result.items) {
      item.apiVersion ??= apiVersion;
      item.kind ??= this.resource.kind;
    }
    this.sink.replace(result.items);
    this.resourceVersion = result.resourceVersion;
    this.synced = true;
    this.backoffMs = BACKOFF_MIN_MS;
    this.events.onHealthy(this.resource, this.namespace);
    this.startWatch();
  }

  private startWatch(): void {
    if (this.stopped) return;
    let healthy = false;
    /** An ERROR event decided what comes next: the end of the stream that follows is not a reason to rewatch. */
    let handled = false;
    const startedAt = Date.now();
    const query = { resourceVersion: this.resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: String(this.watchTimeoutSeconds) };
    this.watch = this.api.watch(this.path, query, {
      onEvent: (type, obj) => {
        if (!healthy) {
          healthy = true;
          this.backoffMs = BACKOFF_MIN_MS;
          this.events.onHealthy(this.resource, this.namespace);
        }
        const rv = obj?.metadata?.resourceVersion;
        switch (type) {
          case 'ADDED':
          case 'MODIFIED':
            this.sink.upsert(obj);
            break;
          case 'DELETED':
            this.sink.remove(obj);
            break;
          case 'BOOKMARK':
            break;
          case 'ERROR': {
            // the watch ends after an ERROR event; 410 Expired: the history is gone, list again
            handled = true;
            this.watch?.stop();
            const code = obj?.code;
            if (code === 410) {
              this.relists++;
              this.events.onRelist(this.resource, this.namespace);
              void this.list();
            } else {
              this.retry(watchError(this.path, obj), () => this.list());
            }
            return;
          }
        }
        if (rv) this.resourceVersion = rv;
      },
      onEnd: (err) => {
        if (this.stopped || handled) return;
        if (!err) {
          // a watch the server (or a proxy between) ends at once, with nothing in it, is not a timeout: rewatching
          // at once would be a tight loop against the API server (client-go's "very short watch")
          if (!healthy && Date.now() - startedAt < SHORT_WATCH_MS) {
            return this.retry(shortWatch(this.path, Date.now() - startedAt), () => this.startWatch());
          }
          return this.startWatch();
        }
        if (err.status === 410) {
          this.relists++;
          this.events.onRelist(this.resource, this.namespace);
          return void this.list();
        }
        this.retry(err, () => this.startWatch());
      },
    });
  }

  private retry(err: ApiError, then: () => void): void {
    if (this.stopped) return;
    this.events.onError(err, this.resource, this.namespace);
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    this.timer = setTimeout(then, delay);
    this.timer.unref();
  }
}

function watchError(path: string, status: any): ApiError {
  const e = new Error(`watch ${path}: ${status?.code ?? '?'} ${status?.reason ?? 'Error'}: ${status?.message ?? JSON.stringify(status)}`) as ApiError;
  return Object.assign(e, { status: status?.code ?? 500, reason: status?.reason ?? 'Error', verb: 'watch', path });
}

function shortWatch(path: string, ms: number): ApiError {
  const e = new Error(`watch ${path}: ended after ${ms} ms without an event (very short watch); watching again after a backoff`) as ApiError;
  return Object.assign(e, { status: 200, reason: 'VeryShortWatch', verb: 'watch', path });
}
