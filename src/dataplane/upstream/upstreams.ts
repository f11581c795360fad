import * as dns from 'node:dns';
import * as tls from 'node:tls';
import type { BackendConfig } from '../../config/dataplane-config';
import type { HostPort } from '../args';
import type { EndpointTable } from './endpoint-table';
import { DEFAULT_POOL_LIMITS, Endpoint, H1Pool, PoolLimits } from './h1-pool';
import { H2Upstream } from './h2-upstream';
import { UpstreamSink } from './sink';
import { nameCovers } from '../tls/cert-store';
import type { CertStore } from '../tls/cert-store';

const DNS_TTL_MS = 5000;
const DNS_NEGATIVE_TTL_MS = 1000;

interface DnsEntry {
  addresses: string[];
  next: number;
  expires: number;
  error?: Error;
  pending?: Promise<void>;
}

/**
 * Where backends live and how to reach them: `--backend` mappings first, then (cluster mode) the Service's
 * endpoints from sync, balanced round robin, then DNS (`<svc>.<ns>.svc.<clusterDomain>`, cached for a few
 * seconds), and the connection pools per endpoint. Pools outlive config generations and endpoint updates,
 * so a reload or a scale-out keeps the warm connections of the endpoints that stay.
 */
export class Upstreams {
  private readonly h1 = new Map<string, H1Pool>();
  private readonly h2 = new Map<string, H2Upstream>();
  private readonly dnsCache = new Map<string, DnsEntry>();
  private readonly endpoints = new Map<string, Endpoint>();
  /** Endpoints of --backend mappings, per backend (they never change while the process runs). */
  private readonly mappedEndpoints = new WeakMap<BackendConfig, { endpoint: Endpoint; version: number }>();

  /** Cluster mode: the Services' endpoints written by sync. */
  public endpointTable: EndpointTable | undefined;

  constructor(
    private readonly backendMap: ReadonlyMap<string, HostPort>,
    private readonly certs: CertStore,
    private readonly limits: PoolLimits = DEFAULT_POOL_LIMITS,
  ) {}

  /**
   * Endpoints left a Service: their idle connections close now (requests in flight on the others finish;
   * no new request goes there, as they are no longer picked).
   */
  public endpointsRemoved(removed: ReadonlySet<string>): void {
    if (removed.size === 0) return;
    for (const p of this.h1.values()) if (removed.has(`${p.endpoint.host}:${p.endpoint.port}`)) p.closeIdle();
    for (const [key, u] of this.h2) {
      const e = u.endpoint;
      if (removed.has(`${e.host}:${e.port}`)) {
        u.close();
        this.h2.delete(key);
      }
    }
  }

  /** Calls `then` with the backend's endpoint, or why there is none: at once when known, after the DNS lookup otherwise. */
  public withEndpoint(backend: BackendConfig, clusterDomain: string, then: (e: Endpoint | Error) => void): void {
    const r = this.resolve(backend, clusterDomain);
    if (r instanceof Promise) r.then(then, then);
    else then(r);
  }

  /**
   * The endpoint to dial now, a promise when DNS must be asked first, or an Error when there is none.
   * `exclude`: endpoints (`address:port`) a retry should avoid; `prefer`: the endpoint a session is pinned to.
   */
  public resolve(
    backend: BackendConfig, clusterDomain: string, exclude?: ReadonlySet<string>, prefer?: string,
  ): Endpoint | Promise<Endpoint | Error> | Error {
    const known = this.mappedEndpoints.get(backend);
    if (known && known.version === this.certs.version) return known.endpoint;
    // a mapping is for the Service port, whatever protocol a backend of it is spoken to with (a port that GRPCRoutes and
    // HTTPRoutes share is two backends, the second `<ns>/<svc>:<port>#<protocol>`)
    const mapped = this.backendMap.get(backend.id) ?? this.backendMap.get(`${backend.namespace}/${backend.name}:${backend.port}`);
    if (mapped) {
      const endpoint = this.endpoint(backend, mapped.host, mapped.port);
      // an Error (a CA bundle missing) is not kept: the file may appear
      if (!(endpoint instanceof Error)) this.mappedEndpoints.set(backend, { endpoint, version: this.certs.version });
      return endpoint;
    }
    const ring = this.endpointTable?.ring(backend.namespace, backend.name, backend.port);
    if (ring) {
      const a = ring.pick(exclude, prefer);
      if (!a) return new Error(`Service ${backend.namespace}/${backend.name} has no ready endpoint for port ${backend.port}`);
      return this.endpoint(backend, a.address, a.port);
    }
    const name = `${backend.name}.${backend.namespace}.svc.${clusterDomain}`;
    const e = this.dnsCache.get(name);
    const now = Date.now();
    if (e && e.expires > now) {
      if (e.error) return e.error;
      const addr = e.addresses[e.next++ % e.addresses.length];
      return this.endpoint(backend, addr, backend.port);
    }
    const entry = e ?? { addresses: [], next: 0, expires: 0 };
    if (!entry.pending) {
      this.dnsCache.set(name, entry);
      entry.pending = new Promise<void>((resolve) => {
        dns.lookup(name, { all: true }, (err, addresses) => {
          entry.pending = undefined;
          if (err || addresses.length === 0) {
            entry.error = new Error(`cannot resolve ${name} for backend ${backend.id} (${err?.code ?? 'no addresses'}); ` +
              'map it with --backend when running outside the cluster');
            entry.expires = Date.now() + DNS_NEGATIVE_TTL_MS;
          } else {
            entry.error = undefined;
            entry.addresses = addresses.map((a) => a.address);
            entry.expires = Date.now() + DNS_TTL_MS;
          }
          resolve();
        });
      });
    }
    // a stale answer keeps serving while the refresh is in flight
    if (e && !e.error && e.addresses.length) return this.endpoint(backend, e.addresses[e.next++ % e.addresses.length], backend.port);
    return entry.pending!.then(() => (entry.error ? entry.error
      : this.endpoint(backend, entry.addresses[entry.next++ % entry.addresses.length], backend.port)));
  }

  /** Starts an attempt on the endpoint's pool (or h2 session). False when the pool's queue is full. */
  public dispatch(backend: BackendConfig, endpoint: Endpoint, sink: UpstreamSink): boolean {
    if (backend.protocol === 'h2c' || backend.protocol === 'h2') {
      let u = this.h2.get(endpoint.key);
      if (!u) {
        u = new H2Upstream(endpoint);
        this.h2.set(endpoint.key, u);
      }
      return u.request(sink);
    }
    return this.pool(endpoint).request(sink);
  }

  public cancel(endpoint: Endpoint, sink: UpstreamSink): void {
    this.h1.get(endpoint.key)?.cancel(sink);
  }

  /** Closes idle connections past their timeout; returns [open, idle] connection counts. */
  public sweep(): [number, number] {
    const now = Date.now();
    let open = 0;
    let idle = 0;
    for (const [key, p] of this.h1) {
      const n = p.sweep(now);
      open += n;
      idle += p.idle.length;
      if (n === 0) this.h1.delete(key);
    }
    return [open, idle];
  }

  public closeIdle(): void {
    for (const p of this.h1.values()) p.closeIdle();
    for (const u of this.h2.values()) u.close();
  }

  private pool(endpoint: Endpoint): H1Pool {
    let p = this.h1.get(endpoint.key);
    if (!p) {
      p = new H1Pool(endpoint, this.limits);
      this.h1.set(endpoint.key, p);
    }
    return p;
  }

  private endpoint(backend: BackendConfig, host: string, port: number): Endpoint | Error {
    const t = backend.tls;
    if (!t && backend.protocol !== 'h2') return this.cachedEndpoint(`${host}:${port}`, host, port, undefined);
    const options: tls.ConnectionOptions = { servername: t?.hostname, ALPNProtocols: backend.protocol === 'h2' ? ['h2'] : ['http/1.1'] };
    if (t) {
      const cas: string[] = [];
      for (const ref of t.caBundles) {
        const pem = this.certs.caBundle(ref);
        if (pem instanceof Error) return new Error(`BackendTLSPolicy ${t.policy.namespace}/${t.policy.name}: ${pem.message}`);
        cas.push(pem);
      }
      if (cas.length) options.ca = t.systemCAs ? [...tls.rootCertificates, ...cas] : cas;
      if (t.subjectAltNames.length) {
        const sans = t.subjectAltNames;
        options.checkServerIdentity = (_host, cert) => {
          const names = (cert.subjectaltname ?? '').split(/,\s*/);
          for (const san of sans) {
            for (const n of names) {
              if (san.type === 'Hostname' && n.startsWith('DNS:') && nameCovers(n.slice(4).toLowerCase(), san.value.toLowerCase())) return undefined;
              if (san.type === 'URI' && n === `URI:${san.value}`) return undefined;
            }
          }
          return new Error(`backend certificate SANs (${cert.subjectaltname ?? 'none'}) match none of ${sans.map((s) => s.value).join(', ')}`);
        };
      }
      if (t.clientCertificate) {
        const c = this.certs.certificate(t.clientCertificate);
        if (c instanceof Error) return c;
        options.cert = c.cert;
        options.key = c.key;
      }
    } else {
      options.rejectUnauthorized = false;
    }
    // TLS settings are per backend (SNI hostname, CAs, SANs): connections are never shared across backends
    const key = `${host}:${port}|tls|${backend.id}|${backend.protocol}|${this.certs.version}`;
    return this.cachedEndpoint(key, host, port, options);
  }

  private cachedEndpoint(key: string, host: string, port: number, options: tls.ConnectionOptions | undefined): Endpoint {
    let e = this.endpoints.get(key);
    if (!e) {
      e = { key, host, port, tls: options };
      if (this.endpoints.size > 10000) this.endpoints.clear();
      this.endpoints.set(key, e);
    }
    return e;
  }
}
