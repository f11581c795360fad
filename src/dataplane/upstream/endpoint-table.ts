/**
 * Cluster mode's endpoints: the ServiceEndpoints documents sync writes into `<sync dir>/endpoints/`, one per
 * Service, read when they appear or change (inotify on the directory, and a rescan every few seconds in case
 * an event was missed). A Service with a document is balanced over its endpoints, round robin; one without
 * is left to DNS (static mode, and the moments before sync wrote it). A document that cannot be read or is
 * invalid is logged and the Service keeps its previous endpoints.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATAPLANE_CONFIG_API_VERSION } from '../../config/dataplane-config';
import { EndpointAddress, parseEndpointsFileName, SERVICE_ENDPOINTS_KIND, ServiceEndpoints } from '../../config/service-endpoints';
import { stampOf } from '../ops/file-watcher';
import type { Logger } from '../ops/log';

/** The endpoints of one Service port, handed out round robin. */
export class EndpointRing {
  /** `address:port` of each endpoint, parallel to `addresses`. */
  public readonly keys: string[];
  private next: number;

  constructor(public readonly addresses: readonly EndpointAddress[]) {
    this.keys = addresses.map((a) => `${a.address}:${a.port}`);
    // pods of one Deployment start their rings at different places
    this.next = Math.floor(Math.random() * Math.max(1, addresses.length));
  }

  /**
   * The next endpoint, skipping those in `exclude` (tried already) unless nothing else is left; `prefer`
   * (a session's endpoint) when it is still in the ring.
   */
  public pick(exclude?: ReadonlySet<string>, prefer?: string): EndpointAddress | undefined {
    const n = this.addresses.length;
    if (n === 0) return undefined;
    if (prefer !== undefined && !exclude?.has(prefer)) {
      const i = this.keys.indexOf(prefer);
      if (i >= 0) return this.addresses[i];
    }
    for (let tries = 0; tries < n; tries++) {
      const i = this.next++ % n;
      if (!exclude || !exclude.has(this.keys[i])) return this.addresses[i];
    }
    return this.addresses[this.next++ % n];
  }
}

interface ServiceEntry {
  readonly stamp: string;
  readonly ports: Map<number, EndpointRing>;
}

export type EndpointsChange = (service: string, removed: ReadonlySet<string>) => void;

export class EndpointTable {
  /** Documents read (and found valid), incremented per change: for metrics and tests. */
  public updates = 0;
  private readonly services = new Map<string, ServiceEntry>();
  private watcher: fs.FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly dir: string, private readonly log: Logger, private readonly onChange: EndpointsChange = () => undefined) {}

  public start(rescanMs = 3000): void {
    fs.mkdirSync(this.dir, { recursive: true });
    this.rescan();
    try {
      this.watcher = fs.watch(this.dir, { persistent: false }, (_event, file) => {
        if (file) this.load(String(file));
        else this.rescan();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      this.watcher = undefined;
    }
    this.timer = setInterval(() => this.rescan(), rescanMs);
    this.timer.unref();
  }

  public close(): void {
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
  }

  public get size(): number {
    return this.services.size;
  }

  /**
   * The endpoints of a Service port: a ring (possibly empty: no ready endpoint), or undefined when sync wrote
   * nothing for the Service (resolve it through DNS).
   */
  public ring(namespace: string, name: string, port: number): EndpointRing | undefined {
    const s = this.services.get(`${namespace}/${name}`);
    if (!s) return undefined;
    return s.ports.get(port) ?? EMPTY;
  }

  /** Reads every document whose file changed and forgets those whose file is gone. */
  public rescan(): void {
    let files: string[];
    try {
      files = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    const present = new Set<string>();
    for (const f of files) {
      const p = parseEndpointsFileName(f);
      if (!p) continue;
      present.add(`${p.namespace}/${p.name}`);
      this.load(f);
    }
    for (const key of [...this.services.keys()]) if (!present.has(key)) this.forget(key);
  }

  private load(file: string): void {
    const p = parseEndpointsFileName(file);
    if (!p) return;
    const key = `${p.namespace}/${p.name}`;
    const full = path.join(this.dir, file);
    const stamp = stampOf(full);
    if (stamp === 'missing') return this.forget(key);
    const old = this.services.get(key);
    if (old && old.stamp === stamp) return;
    let doc: ServiceEndpoints;
    try {
      doc = JSON.parse(fs.readFileSync(full, 'utf8'));
      checkDocument(doc, p.namespace, p.name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return this.forget(key);
      this.log.error('endpoints document refused; the Service keeps its previous endpoints', { file: full, error: (e as Error).message });
      return;
    }
    const ports = new Map<number, EndpointRing>();
    for (const [port, list] of Object.entries(doc.ports)) ports.set(Number(port), new EndpointRing(list));
    this.services.set(key, { stamp, ports });
    this.updates++;
    this.onChange(key, removedEndpoints(old, ports));
  }

  private forget(key: string): void {
    const old = this.services.get(key);
    if (!old) return;
    this.services.delete(key);
    this.updates++;
    this.onChange(key, removedEndpoints(old, new Map()));
  }
}

const EMPTY = new EndpointRing([]);

function removedEndpoints(old: ServiceEntry | undefined, now: ReadonlyMap<number, EndpointRing>): Set<string> {
  const removed = new Set<string>();
  if (!old) return removed;
  const kept = new Set<string>();
  for (const r of now.values()) for (const k of r.keys) kept.add(k);
  for (const r of old.ports.values()) for (const k of r.keys) if (!kept.has(k)) removed.add(k);
  return removed;
}

function checkDocument(doc: any, namespace: string, name: string): void {
  if (doc?.apiVersion !== DATAPLANE_CONFIG_API_VERSION || doc?.kind !== SERVICE_ENDPOINTS_KIND) {
    throw new Error(`must be a ${DATAPLANE_CONFIG_API_VERSION} ${SERVICE_ENDPOINTS_KIND}, got apiVersion ${JSON.stringify(doc?.apiVersion)} kind ${JSON.stringify(doc?.kind)}`);
  }
  if (doc.namespace !== namespace || doc.name !== name) throw new Error(`is for Service ${doc.namespace}/${doc.name}, not ${namespace}/${name} as its file name says`);
  if (!doc.ports || typeof doc.ports !== 'object') throw new Error('ports must be an object of Service port → endpoints');
  for (const [port, list] of Object.entries<any>(doc.ports)) {
    if (!/^\d+$/.test(port)) throw new Error(`ports: "${port}" is not a port number`);
    if (!Array.isArray(list)) throw new Error(`ports["${port}"] must be a list`);
    list.forEach((a: any, i: number) => {
      if (typeof a?.address !== 'string' || !a.address || !Number.isInteger(a?.port) || a.port < 1 || a.port > 65535) {
        throw new Error(`ports["${port}"][${i}] must be {address, port}, got ${JSON.stringify(a)}`);
      }
    });
  }
}
