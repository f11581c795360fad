/**
 * The few Kubernetes API requests sync makes, over one keep-alive HTTPS agent: GET (discovery), LIST in
 * pages and WATCH as a stream of JSON lines. Errors carry the API server's Status (reason, message, code)
 * and say which verb on which resource in which namespace failed, so an RBAC denial is named in the log.
 */
import * as https from 'node:https';
import type { ClusterAccess } from './kubeconfig';

/** A request the API server refused or could not be sent (status 0: no answer). */
export class ApiError extends Error {
  constructor(
    /** HTTP status, 0 when the server could not be reached. */
    public readonly status: number,
    /** The Status reason (Forbidden, NotFound, Expired...) or the network error code. */
    public readonly reason: string,
    message: string,
    public readonly verb: string,
    public readonly path: string,
  ) {
    super(message);
  }
}

export interface ListResult {
  readonly items: any[];
  readonly resourceVersion: string;
  readonly kind: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandlers {
  onEvent(type: WatchEventType, object: any): void;
  /** The stream ended: normally (err undefined: the server's timeout) or with an error. Called once. */
  onEnd(err?: ApiError): void;
}

export interface WatchHandle {
  stop(): void;
}

/** What the parts of sync above the wire need from a client (tests substitute their own). */
export interface KubeApi {
  get(path: string): Promise<any>;
  list(path: string, query: Record<string, string>, verbFor?: string): Promise<ListResult>;
  watch(path: string, query: Record<string, string>, h: WatchHandlers): WatchHandle;
  /** PUT (replace; with metadata.resourceVersion: 409 Conflict when stale) or POST (create) a JSON body. */
  write(method: 'PUT' | 'POST', path: string, body: unknown): Promise<any>;
}

const PAGE_SIZE = 500;

export class KubeClient implements KubeApi {
  private readonly agent: https.Agent;

  constructor(private readonly access: ClusterAccess, private readonly requestTimeoutMs = 30_000) {
    this.agent = new https.Agent({ ...access.tls, keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4 });
  }

  public get server(): string {
    return this.access.server;
  }

  public async get(path: string): Promise<any> {
    return this.request('get', path, {});
  }

  public async write(method: 'PUT' | 'POST', path: string, body: unknown): Promise<any> {
    return this.request(method === 'PUT' ? 'update' : 'create', path, {}, method, JSON.stringify(body));
  }

  /** LIST in pages of 500 (one consistent snapshot: the continue token pins the first page's resourceVersion). */
  public async list(path: string, query: Record<string, string>): Promise<ListResult> {
    const items: any[] = [];
    let cont = '';
    let resourceVersion = '';
    let kind = '';
    for (;;) {
      const page = await this.request('list', path, { ...query, limit: String(PAGE_SIZE), ...(cont ? { continue: cont } : {}) });
      for (const item of page.items ?? []) items.push(item);
      resourceVersion = page.metadata?.resourceVersion ?? '';
      kind = page.kind ?? '';
      cont = page.metadata?.continue ?? '';
      if (!cont) return { items, resourceVersion, kind };
    }
  }

  public watch(path: string, query: Record<string, string>, h: WatchHandlers): WatchHandle {
    let ended = false;
    let req: ReturnType<typeof https.request> | undefined;
    const end = (err?: ApiError) => {
      if (ended) return;
      ended = true;
      req?.destroy();
      h.onEnd(err);
    };
    const url = this.url(path, { ...query, watch: 'true' });
    // a watch may be silent for long but never past its timeoutSeconds plus bookmarks: a dead connection is noticed
    const idleMs = (Number(query.timeoutSeconds ?? 300) + 60) * 1000;
    this.access.headers().then((headers) => {
      if (ended) return;
      req = https.request(url, { agent: this.agent, headers: { ...headers, accept: 'application/json' } }, (res) => {
        if (res.statusCode !== 200) {
          readAll(res).then((body) => end(this.error('watch', path, res.statusCode ?? 0, body)), () => end(this.error('watch', path, res.statusCode ?? 0, '')));
          return;
        }
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            if (!line.trim()) continue;
            let ev: any;
            try {
              ev = JSON.parse(line);
            } catch {
              return end(new ApiError(200, 'BadWatchEvent', `watch ${path}: a line of the event stream is not JSON: ${line.slice(0, 200)}`, 'watch', path));
            }
            if (ended) return;
            h.onEvent(ev.type, ev.object);
          }
        });
        res.on('end', () => end());
        res.on('error', (e) => end(this.networkError('watch', path, e)));
      });
      req.setTimeout(idleMs, () => end(new ApiError(0, 'Timeout', `watch ${path}: nothing received for ${idleMs / 1000} s`, 'watch', path)));
      req.on('error', (e) => end(this.networkError('watch', path, e)));
      req.end();
    }, (e: Error) => end(new ApiError(0, 'Unauthenticated', `cannot authenticate to ${this.access.server}: ${e.message}`, 'watch', path)));
    return { stop: () => end() };
  }

  public close(): void {
    this.agent.destroy();
  }

  private url(path: string, query: Record<string, string>): string {
    const q = new URLSearchParams(query).toString();
    return `${this.access.server}${path}${q ? `?${q}` : ''}`;
  }

  private async request(verb: string, path: string, query: Record<string, string>, method = 'GET', body?: string): Promise<any> {
    let headers: Record<string, string>;
    try {
      headers = await this.access.headers();
    } catch (e) {
      throw new ApiError(0, 'Unauthenticated', `cannot authenticate to ${this.access.server} (${this.access.description}): ${(e as Error).message}`, verb, path);
    }
    return new Promise((resolve, reject) => {
      const sent = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
      const req = https.request(this.url(path, query), { method, agent: this.agent, headers: { ...headers, ...sent, accept: 'application/json' } }, (res) => {
        readAll(res).then((text) => {
          if (res.statusCode !== 200 && res.statusCode !== 201) return reject(this.error(verb, path, res.statusCode ?? 0, text));
          try {
            resolve(JSON.parse(text));
          } catch (e) {
            reject(new ApiError(res.statusCode, 'BadResponse', `${verb} ${path}: the answer is not JSON (${(e as Error).message})`, verb, path));
          }
        }, (e: Error) => reject(this.networkError(verb, path, e)));
      });
      req.setTimeout(this.requestTimeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${this.requestTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
      req.on('error', (e) => reject(this.networkError(verb, path, e)));
      req.end(body);
    });
  }

  private error(verb: string, path: string, status: number, body: string): ApiError {
    let s: any;
    try {
      s = JSON.parse(body);
    } catch {
      s = undefined;
    }
    const reason = s?.reason ?? `HTTP${status}`;
    const message = s?.message ?? (body.slice(0, 200) || `HTTP ${status}`);
    return new ApiError(status, reason, `${verb} ${path}: ${status} ${reason}: ${message}`, verb, path);
  }

  private networkError(verb: string, path: string, e: Error & { code?: string }): ApiError {
    return new ApiError(0, e.code ?? 'NetworkError', `${verb} ${path}: cannot reach the API server ${this.access.server}: ${e.message}`, verb, path);
  }
}

function readAll(res: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}
