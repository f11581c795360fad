/**
 * A stand-in kube-apiserver for tests and for trying cluster mode by hand: no registry ships a real one
 * to these machines. It speaks the real HTTP wire protocol for what `src/sync` and `kubectl` use, over TLS
 * with its own CA (client-go and @kubernetes/client-node refuse plain-HTTP servers unless TLS checks are
 * off), with bearer-token authentication.
 *
 * What it does as the real one does:
 * - discovery: `/api`, `/apis`, `/api/v1`, `/apis/<group>[/<version>]`, `/version` (legacy, unaggregated
 *   documents: clients asking for aggregated discovery fall back to them, as they do with older servers);
 * - CRUD on the built-in kinds of resources.ts and on any kind a CustomResourceDefinition applied to it
 *   defines (apply the Gateway API CRDs from ../shared/gateway-api/ to get those): GET, LIST, POST, PUT,
 *   PATCH (merge, strategic merge, JSON patch, server-side apply), DELETE, and the `status` subresource
 *   (main-resource writes keep status; `/status` writes change only status);
 * - metadata the server owns: uid, creationTimestamp, resourceVersion (one global counter, like etcd's
 *   revision), generation (bumped when anything but metadata and status changes); optimistic concurrency
 *   (409 Conflict on a stale resourceVersion), 409 AlreadyExists, 404 NotFound with the real Status bodies;
 * - LIST with `limit`/`continue` pagination (pages of one consistent snapshot; `remainingItemCount`), the
 *   list's resourceVersion, `labelSelector` and `fieldSelector` (metadata.name/namespace); built-in kinds'
 *   list items have no apiVersion/kind, CRD items have them (as the real server returns them);
 * - WATCH (`watch=true`): a chunked stream of `{"type","object"}` lines; from `resourceVersion` N the events
 *   after N are replayed, without one (or "0") the current objects arrive as ADDED first; BOOKMARK events
 *   when `allowWatchBookmarks=true`; the stream ends after `timeoutSeconds`; a watch from a resourceVersion
 *   older than the kept history gets a 200 with an ERROR event carrying `410 Expired` (the client must relist),
 *   and `expireWatches()` forces that on every open watch;
 * - authentication by bearer token (401 without a known one) and authorization by the RBAC objects stored in
 *   it (403 with the authorizer's message: `... cannot list resource "secrets" in API group "" in the namespace "x"`);
 *   tokens in group `system:masters` (the admin token) may do anything;
 * - namespaces: creating an object in a namespace that does not exist is a 404 (`namespaces "x" not found`)
 *   unless `namespaceLifecycle: false`; deleting a Namespace deletes what is in it.
 *
 * Its limits (what it does not do): no admission (defaults, validation against the CRD schema, CEL rules)
 * beyond the above; no conversion between versions (an object is served under every version of its type
 * with only `apiVersion` rewritten); strategic merge patches replace lists instead of merging them by key;
 * server-side apply is a merge patch (no managedFields, no field ownership conflicts); no finalizers, owner
 * references or garbage collection; no Table output (kubectl prints names and ages); no aggregated discovery,
 * OpenAPI schemas (`/openapi/v3` lists only each resource's PATCH, so that kubectl leaves validation to the server), protobuf, HTTP/2, watch-list (`sendInitialEvents`) or `resourceVersionMatch` semantics (lists always
 * return the current state); no impersonation, client-certificate auth or aggregated ClusterRoles.
 * Faults for tests: `stop()`/`resume()` (unreachable, same port), `latencyMs` (slow), `expireWatches()` (410).
 *
 * Try it by hand: `npx ts-node test/support/kube-apiserver/main.ts` prints a kubeconfig path for kubectl.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { jsonPatch, mergePatch, PatchError, strategicMergePatch } from './patch';
import { authorize, User } from './rbac';
import { apiGroupList, apiGroupOf, apiResourceList, apiVersions, groupVersion, openApiV3Doc, openApiV3Root, ResourceType } from './resources';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors';
import {
  alreadyExists, badRequest, conflict, expired, forbidden, invalid, notFound, status, StatusBody, unauthorized,
} from './status';
import { Store, StoredEvent, StoreError, typeKey } from './store';
import { issue, testCa } from '../certs';

export interface KubeApiServerOptions {
  /** Refuse objects in a namespace that does not exist (a real cluster's NamespaceLifecycle admission). @default true */
  readonly namespaceLifecycle?: boolean;
  /** Events kept for watches to resume from; a watch from before them gets 410 Expired. @default 10000 */
  readonly historyLimit?: number;
  /** How often a watch that allows bookmarks gets one. @default 1000 (the real server: about a minute) */
  readonly bookmarkIntervalMs?: number;
  /** A watch without timeoutSeconds ends after this. @default 1800 */
  readonly defaultWatchTimeoutSeconds?: number;
}

/** One request the server answered, for assertions (what sync asked for and what it got). */
export interface RequestRecord {
  readonly user: string;
  readonly verb: string;
  readonly path: string;
  readonly query: string;
  readonly code: number;
}

interface Target {
  readonly type: ResourceType;
  readonly version: string;
  readonly namespace: string;
  readonly name: string;
  readonly subresource: string;
}

interface Snapshot {
  readonly items: any[];
  readonly rv: number;
  readonly created: number;
}

interface OpenWatch {
  readonly res: http.ServerResponse;
  end(): void;
}

export class KubeApiServer {
  /** Starts a server on 127.0.0.1 and a free port. */
  public static async start(o: KubeApiServerOptions = {}): Promise<KubeApiServer> {
    const s = new KubeApiServer(o);
    await s.listen(0);
    return s;
  }

  /** PEM of the CA that signed the server's certificate (kubeconfig `certificate-authority-data`). */
  public readonly ca: string;
  /** A token of group system:masters. */
  public readonly adminToken: string;
  public readonly store: Store;
  public readonly requests: RequestRecord[] = [];
  /** Added to every response: a slow API server. */
  public latencyMs = 0;
  private readonly tokens = new Map<string, User>();
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly watches = new Set<OpenWatch>();
  private readonly sockets = new Set<net.Socket>();
  private readonly server: https.Server;
  private port = 0;

  private constructor(private readonly o: KubeApiServerOptions) {
    this.store = new Store(o.historyLimit ?? 10_000, o.namespaceLifecycle ?? true);
    const ca = testCa('stand-in kube-apiserver CA');
    const cert = issue(ca, { subject: '/CN=kube-apiserver', dns: ['localhost', 'kubernetes.default.svc'], ips: ['127.0.0.1'], usage: 'serverAuth' });
    this.ca = ca.cert;
    this.server = https.createServer({ cert: cert.cert, key: cert.key }, (req, res) => this.handle(req, res));
    this.server.on('connection', (s: net.Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.adminToken = this.issueToken('kubernetes-admin', ['system:masters']);
  }

  public get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** A bearer token for `user` (e.g. `system:serviceaccount:<ns>:<name>`), authorized by the stored RBAC. */
  public issueToken(user: string, groups: string[] = []): string {
    const token = randomBytes(24).toString('base64url');
    const sa = /^system:serviceaccount:([^:]+):/.exec(user);
    this.tokens.set(token, { name: user, groups: [...groups, 'system:authenticated', ...(sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`] : [])] });
    return token;
  }

  /** Writes a kubeconfig for this server and `token` into `dir` and returns its path. */
  public writeKubeconfig(dir: string, token = this.adminToken, name = 'stand-in', namespace = 'default'): string {
    const file = path.join(dir, `${name}.kubeconfig`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: ${name}`,
      '  cluster:',
      `    server: ${this.url}`,
      `    certificate-authority-data: ${Buffer.from(this.ca).toString('base64')}`,
      'users:',
      `- name: ${name}`,
      '  user:',
      `    token: ${token}`,
      'contexts:',
      `- name: ${name}`,
      '  context:',
      `    cluster: ${name}`,
      `    user: ${name}`,
      `    namespace: ${namespace}`,
      `current-context: ${name}`,
      '',
    ].join('\n'), { mode: 0o600 });
    return file;
  }

  // --- direct access for tests (as the admin) ---------------------------------------------------

  /** Creates each object, or replaces it when it exists (its status is kept); returns them as stored. */
  public apply(...objects: any[]): any[] {
    return objects.flat().map((obj) => {
      const t = this.typeOf(obj);
      const ns = t.namespaced ? obj.metadata?.namespace ?? 'default' : '';
      const existing = this.store.get(t, ns, obj.metadata?.name);
      if (!existing) return this.store.create(t, obj);
      const next = { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } };
      return this.store.update(t, ns, obj.metadata.name, t.statusSubresource ? next : { ...next, status: obj.status ?? existing.status });
    });
  }

  /**
   * Creates `obj` the way a team's pipeline does: a POST over HTTPS with `token`, so the stored RBAC decides.
   * Resolves with the HTTP status and, when refused, the Status message (403, 404 for a missing namespace...).
   */
  public createAs(token: string, obj: any): Promise<{ status: number; message?: string }> {
    const t = this.typeOf(obj);
    const prefix = t.group === '' ? `/api/${obj.apiVersion}` : `/apis/${obj.apiVersion}`;
    const ns = t.namespaced ? `/namespaces/${obj.metadata?.namespace ?? 'default'}` : '';
    const body = JSON.stringify(obj);
    return new Promise((resolve, reject) => {
      const req = https.request(`${this.url}${prefix}${ns}/${t.resource}`, {
        method: 'POST',
        ca: this.ca,
        agent: false,
        headers: { 'authorization': `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          let message: string | undefined;
          if (code >= 300) {
            try { message = JSON.parse(text).message; } catch { message = text; }
          }
          resolve({ status: code, message });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Merges `patch` (RFC 7386) into an object. */
  public patch(apiVersion: string, kind: string, namespace: string, name: string, patch: any): any {
    const t = this.typeOf({ apiVersion, kind });
    const old = this.store.get(t, namespace, name);
    if (!old) throw new Error(`${kind} ${namespace}/${name} does not exist`);
    const metadata = { ...mergePatch(old.metadata, patch.metadata ?? {}), resourceVersion: undefined };
    return this.store.update(t, namespace, name, { ...mergePatch(old, patch), metadata });
  }

  public remove(apiVersion: string, kind: string, namespace: string, name: string): void {
    this.store.delete(this.typeOf({ apiVersion, kind }), namespace, name);
  }

  public get(apiVersion: string, kind: string, namespace: string, name: string): any | undefined {
    return this.store.get(this.typeOf({ apiVersion, kind }), namespace, name);
  }

  /** Ends every open watch with a 410 Expired ERROR event and forgets the history: clients must relist. */
  public expireWatches(): void {
    this.store.compact();
    this.snapshots.clear();
    for (const w of [...this.watches]) {
      w.res.write(`${JSON.stringify({ type: 'ERROR', object: expired(`too old resource version: 1 (${this.store.resourceVersion})`) })}\n`);
      w.end();
    }
  }

  /** Ends every open watch as a server restart would (the client resumes from its resourceVersion). */
  public closeWatches(): void {
    for (const w of [...this.watches]) w.end();
  }

  /** Makes the server unreachable: stops listening and drops every connection (watches included). */
  public async stop(): Promise<void> {
    for (const w of [...this.watches]) w.end();
    await new Promise<void>((r) => {
      this.server.close(() => r());
      for (const s of this.sockets) s.destroy();
    });
  }

  /** Listens again on the same port after stop(). */
  public resume(): Promise<void> {
    return this.listen(this.port);
  }

  public async close(): Promise<void> {
    if (this.server.listening) await this.stop();
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  private typeOf(obj: { apiVersion?: string; kind?: string }): ResourceType {
    const t = this.store.typeOfKind(obj.apiVersion ?? '', obj.kind ?? '');
    if (!t) throw new Error(`the stand-in API server does not serve ${obj.apiVersion} ${obj.kind} (apply its CustomResourceDefinition first)`);
    return t;
  }

  // --- HTTP ---------------------------------------------------------------------------------

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const go = () => {
        try {
          this.route(req, res, Buffer.concat(chunks).toString('utf8'));
        } catch (e) {
          this.send(req, res, '', 500, status(500, 'InternalError', `stand-in API server: ${(e as Error).stack ?? e}`));
        }
      };
      if (this.latencyMs > 0) setTimeout(go, this.latencyMs);
      else go();
    });
  }

  private send(req: http.IncomingMessage, res: http.ServerResponse, user: string, code: number, body: unknown, verb = req.method ?? ''): void {
    const url = new URL(req.url ?? '/', 'https://x');
    this.requests.push({ user, verb, path: url.pathname, query: url.search, code });
    if (res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'https://x');
    const auth = req.headers.authorization ?? '';
    const user = auth.startsWith('Bearer ') ? this.tokens.get(auth.slice(7).trim()) : undefined;
    if (!user) return this.send(req, res, '', 401, unauthorized());
    const segs = url.pathname.split('/').filter(Boolean);
    const ok = (doc: unknown) => (doc ? this.send(req, res, user.name, 200, doc) : this.send(req, res, user.name, 404, status(404, 'NotFound', 'the server could not find the requested resource')));
    const types = [...this.store.allTypes()];
    // discovery: open to every authenticated user (system:discovery)
    if (url.pathname === '/version') return ok({ major: '1', minor: '33', gitVersion: 'v1.33.0-stand-in', platform: 'linux/amd64' });
    if (segs[0] === 'api' && segs.length === 1) return ok(apiVersions(`127.0.0.1:${this.port}`));
    if (segs[0] === 'apis' && segs.length === 1) return ok(apiGroupList(types));
    if (segs[0] === 'api' && segs.length === 2) return ok(apiResourceList(types, '', segs[1]));
    if (segs[0] === 'apis' && segs.length === 2) return ok(apiGroupOf(types, segs[1]));
    if (segs[0] === 'apis' && segs.length === 3) return ok(apiResourceList(types, segs[1], segs[2]));
    if (segs[0] === 'openapi' && segs[1] === 'v3') {
      if (segs.length === 2) return ok(openApiV3Root(types));
      if (segs[2] === 'api' && segs.length === 4) return ok(openApiV3Doc(types, '', segs[3]));
      if (segs[2] === 'apis' && segs.length === 5) return ok(openApiV3Doc(types, segs[3], segs[4]));
    }
    const target = this.target(segs);
    if (!target) return ok(undefined);
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    const collection = target.name === '';
    const verb = method === 'GET' ? (collection ? (isTrue(q.get('watch')) ? 'watch' : 'list') : 'get')
      : method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : method === 'DELETE' ? (collection ? 'deletecollection' : 'delete') : '';
    const t = target.type;
    if (!verb || (collection && (method === 'PUT' || method === 'PATCH')) || (!collection && method === 'POST')) {
      return this.send(req, res, user.name, 405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
    }
    if (target.subresource && (target.subresource !== 'status' || !t.statusSubresource)) return ok(undefined);
    const { namespace, name, subresource } = target;
    if (!authorize(this.rbac(), user, { verb, group: t.group, resource: t.resource, subresource, namespace, name })) {
      return this.send(req, res, user.name, 403, forbidden(user.name, verb, t.resource, subresource, t.group, namespace, name), verb);
    }
    const reply = (code: number, b: unknown) => this.send(req, res, user.name, code, b, verb);
    try {
      switch (verb) {
        case 'list': return this.list(target, q, reply);
        case 'watch': return this.watch(req, res, user.name, target, q);
        case 'get': {
          const o = this.store.get(t, target.namespace, target.name);
          return o ? reply(200, this.present(o, t, target.version)) : reply(404, notFound(t.resource, t.group, target.name));
        }
        case 'create': {
          const obj = parseBody(body, req.headers['content-type']);
          if (t.namespaced) obj.metadata = { ...obj.metadata, namespace: target.namespace };
          return reply(201, this.present(this.store.create(t, obj), t, target.version));
        }
        case 'update': {
          const obj = parseBody(body, req.headers['content-type']);
          return reply(200, this.present(this.store.update(t, target.namespace, target.name, obj, target.subresource), t, target.version));
        }
        case 'patch': return this.patchObject(req, target, body, reply);
        case 'delete': return reply(200, this.present(this.store.delete(t, target.namespace, target.name), t, target.version));
        default: return reply(405, status(405, 'MethodNotAllowed', `${verb} is not supported by the stand-in API server`));
      }
    } catch (e) {
      return reply(...this.errorStatus(e, t, target));
    }
  }

  private errorStatus(e: unknown, t: ResourceType, target: Target): [number, StatusBody] {
    if (e instanceof StoreError) {
      switch (e.code) {
        case 'NotFound': return [404, notFound(t.resource, t.group, e.message)];
        case 'AlreadyExists': return [409, alreadyExists(t.resource, t.group, e.message)];
        case 'Conflict': return [409, conflict(t.resource, t.group, e.message)];
        case 'NamespaceNotFound': return [404, notFound('namespaces', '', e.message)];
        case 'Invalid': return [422, invalid(t.kind, target.name, e.message)];
      }
    }
    if (e instanceof SelectorError || e instanceof PatchError || e instanceof BodyError) return [400, badRequest(e.message)];
    throw e;
  }

  /** `/api/v1/...` or `/apis/<g>/<v>/...` → the resource addressed, or undefined. */
  private target(segs: string[]): Target | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 3) [group, version, rest] = ['', segs[1], segs.slice(2)];
    else if (segs[0] === 'apis' && segs.length >= 4) [group, version, rest] = [segs[1], segs[2], segs.slice(3)];
    else return undefined;
    let namespace = '';
    if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && ['status', 'finalize'].includes(rest[2]))) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [resource, name = '', subresource = ''] = rest;
    const type = this.store.type(group, resource);
    if (!type || !type.versions.includes(version) || rest.length > 3) return undefined;
    if (namespace && !type.namespaced) return undefined;
    return { type, version, namespace, name, subresource };
  }

  /** An object as served under `version` (the stored one has the preferred version). */
  private present(o: any, t: ResourceType, version: string): any {
    const apiVersion = groupVersion(t.group, version);
    return o.apiVersion === apiVersion ? o : { ...o, apiVersion };
  }

  private list(target: Target, q: URLSearchParams, reply: (code: number, b: unknown) => void): void {
    const t = target.type;
    const cont = q.get('continue');
    const limit = Number(q.get('limit') ?? 0);
    let snap: Snapshot;
    let offset = 0;
    let id: string;
    if (cont) {
      let token: { id: string; offset: number };
      try {
        token = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8'));
      } catch {
        return reply(400, badRequest('continue key is not valid: illegal base64 data'));
      }
      const s = this.snapshots.get(token.id);
      if (!s) {
        return reply(410, expired('The provided continue parameter is too old to display a consistent list result. You can start a new list ' +
          'without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. ' +
          'Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between ' +
          'the time the first chunk was returned and now may show up in the list.'));
      }
      [snap, offset, id] = [s, token.offset, token.id];
    } else {
      const labels = parseLabelSelector(q.get('labelSelector'));
      const fields = parseFieldSelector(q.get('fieldSelector'));
      const items = this.store.list(t, target.namespace || undefined).filter((o) => labels(o.metadata.labels ?? {}) && fields(o));
      snap = { items, rv: this.store.resourceVersion, created: Date.now() };
      id = randomBytes(8).toString('hex');
    }
    const end = limit > 0 ? Math.min(snap.items.length, offset + limit) : snap.items.length;
    const page = snap.items.slice(offset, end).map((o) => {
      const served = this.present(o, t, target.version);
      if (t.custom) return served;
      const { apiVersion: _a, kind: _k, ...rest } = served;
      return rest;
    });
    const metadata: Record<string, unknown> = { resourceVersion: String(snap.rv) };
    if (end < snap.items.length) {
      this.snapshots.set(id, snap);
      metadata.continue = Buffer.from(JSON.stringify({ id, offset: end })).toString('base64url');
      metadata.remainingItemCount = snap.items.length - end;
    }
    for (const [k, s] of this.snapshots) if (Date.now() - s.created > 300_000) this.snapshots.delete(k);
    reply(200, { kind: `${t.kind}List`, apiVersion: groupVersion(t.group, target.version), metadata, items: page });
  }

  private watch(req: http.IncomingMessage, res: http.ServerResponse, user: string, target: Target, q: URLSearchParams): void {
    const t = target.type;
    let labels: (l: Record<string, string>) => boolean;
    let fields: (o: any) => boolean;
    try {
      labels = parseLabelSelector(q.get('labelSelector'));
      fields = parseFieldSelector(q.get('fieldSelector'));
    } catch (e) {
      return this.send(req, res, user, 400, badRequest((e as Error).message), 'watch');
    }
    const url = new URL(req.url ?? '/', 'https://x');
    this.requests.push({ user, verb: 'watch', path: url.pathname, query: url.search, code: 200 });
    const matches = (o: any) => (!target.namespace || o.metadata.namespace === target.namespace) && labels(o.metadata.labels ?? {}) && fields(o);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    res.flushHeaders();
    const write = (type: string, object: unknown) => {
      if (!res.destroyed) res.write(`${JSON.stringify({ type, object })}\n`);
    };
    const key = (o: any) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const seen = new Set<string>();
    const deliver = (e: Pick<StoredEvent, 'type' | 'obj'>) => {
      const k = key(e.obj);
      const now = e.type !== 'DELETED' && matches(e.obj);
      const was = seen.has(k);
      // an object that stops matching a selector leaves the watch as DELETED, one that starts matching enters as ADDED
      const type = now ? (was ? 'MODIFIED' : 'ADDED') : was ? 'DELETED' : undefined;
      if (now) seen.add(k);
      else seen.delete(k);
      if (type) write(type, this.present(e.obj, t, target.version));
    };
    const rvParam = q.get('resourceVersion');
    if (!rvParam || rvParam === '0') {
      for (const o of this.store.list(t, target.namespace || undefined)) deliver({ type: 'ADDED', obj: o });
    } else {
      const rv = Number(rvParam);
      const events = Number.isInteger(rv) ? this.store.eventsSince(t, rv) : 'expired';
      if (events === 'expired') {
        write('ERROR', expired(`too old resource version: ${rvParam} (${this.store.compactedThrough + 1})`));
        res.end();
        return;
      }
      // what the client had at its resourceVersion: the current objects, less what changed since
      const changed = new Set(events.map((e) => key(e.obj)));
      for (const o of this.store.list(t, target.namespace || undefined)) if (!changed.has(key(o)) && matches(o)) seen.add(key(o));
      for (const e of events) {
        if (e.type !== 'ADDED' && matches(e.obj)) seen.add(key(e.obj));
        deliver(e);
      }
    }
    const unsubscribe = this.store.onEvent((e) => {
      if (typeKey(e.resource) === typeKey(t)) deliver(e);
    });
    const bookmarks = isTrue(q.get('allowWatchBookmarks'))
      ? setInterval(() => write('BOOKMARK', { kind: t.kind, apiVersion: groupVersion(t.group, target.version), metadata: { resourceVersion: String(this.store.resourceVersion) } }),
        this.o.bookmarkIntervalMs ?? 1000)
      : undefined;
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? this.o.defaultWatchTimeoutSeconds ?? 1800);
    const timer = setTimeout(() => w.end(), timeoutSeconds * 1000);
    const w: OpenWatch = {
      res,
      end: () => {
        cleanup();
        res.end();
      },
    };
    const cleanup = () => {
      this.watches.delete(w);
      unsubscribe();
      if (bookmarks) clearInterval(bookmarks);
      clearTimeout(timer);
    };
    this.watches.add(w);
    res.on('close', cleanup);
  }

  private patchObject(req: http.IncomingMessage, target: Target, body: string, reply: (code: number, b: unknown) => void): void {
    const t = target.type;
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
    const old = this.store.get(t, target.namespace, target.name);
    let patch: any;
    try {
      patch = type === 'application/apply-patch+yaml' ? parseYaml(body) : JSON.parse(body);
    } catch (e) {
      throw new BodyError(`the body of the request was in an unknown format: ${(e as Error).message}`);
    }
    if (!old) {
      if (type !== 'application/apply-patch+yaml') return reply(404, notFound(t.resource, t.group, target.name));
      const created = this.store.create(t, { ...patch, metadata: { ...patch.metadata, ...(t.namespaced ? { namespace: target.namespace } : {}) } });
      return reply(201, this.present(created, t, target.version));
    }
    let next: any;
    switch (type) {
      case 'application/merge-patch+json':
      case 'application/apply-patch+yaml': next = mergePatch(old, patch); break;
      case 'application/strategic-merge-patch+json': next = strategicMergePatch(old, patch); break;
      case 'application/json-patch+json': next = jsonPatch(old, patch); break;
      default: return reply(415, status(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: ' +
        'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json'));
    }
    // a patch that names a resourceVersion must match; one that does not applies to the latest
    const rv = patch?.metadata?.resourceVersion;
    next = { ...next, metadata: { ...next.metadata, resourceVersion: rv ?? undefined } };
    reply(200, this.present(this.store.update(t, target.namespace, target.name, next, target.subresource), t, target.version));
  }

  private rbac() {
    const of = (resource: string, namespace?: string) => this.store.list(this.store.type('rbac.authorization.k8s.io', resource)!, namespace);
    return {
      roles: (ns: string) => of('roles', ns),
      clusterRoles: () => of('clusterroles'),
      roleBindings: (ns: string) => of('rolebindings', ns),
      clusterRoleBindings: () => of('clusterrolebindings'),
    };
  }
}

class BodyError extends Error {}

function isTrue(v: string | null): boolean {
  return v === 'true' || v === '1';
}

function parseBody(body: string, contentType: string | undefined): any {
  try {
    const v = (contentType ?? '').includes('yaml') ? parseYaml(body) : JSON.parse(body);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v;
  } catch (e) {
    throw new BodyError(`the body of the request is not a Kubernetes object: ${(e as Error).message}`);
  }
}
