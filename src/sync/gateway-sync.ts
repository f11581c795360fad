/**
 * Cluster mode's controller for one Gateway: watches what its config is compiled from, compiles it with
 * the same compiler as `cdk8s synth` and `serve` on every change (debounced), and hands the data plane the
 * config, the certificates it names and the endpoints of the Services its backends name, through the shared
 * directory (shared-dir.ts).
 *
 * - Nothing is compiled until every watched type has been listed once, and a relist after 410 Expired
 *   replaces a type only when complete: the data plane never gets a config built from half a cluster.
 * - A Gateway that is gone or not accepted keeps the last good config serving (logged, counted); a team's
 *   broken route is that route's condition (logged once) and the rest of the config is served.
 * - Endpoint changes (EndpointSlices) rewrite only the endpoints document of their Service: no recompile.
 * - API errors are logged at most once a minute per verb, resource and namespace (RBAC denials name all
 *   three), counted in cdk8s_gateway_sync_api_errors_total; the last good config and endpoints stay.
 */
import { canonicalJson, compile, CompileResult } from '../compiler';
import { SERVICE_NAME_LABEL, serviceEndpoints } from './endpoints';
import type { ApiError, KubeApi } from './kube-client';
import { ObjectCache } from './object-cache';
import { Reflector } from './reflector';
import {
  CONFIG_MAPS, discoverGatewayApi, ENDPOINT_SLICES, NAMESPACES, qualifiedName, SECRETS, SERVICES, WatchedResource,
} from './resources';
import { METRICS_FILE, SharedDir, writeAtomic } from './shared-dir';
import { SyncMetrics } from './sync-metrics';
import { synthReport, formatSynthFinding } from '../compiler/synth-report';
import type { DataPlaneConfig } from '../config/dataplane-config';
import { configReferences } from '../config/references';
import type { Logger } from '../dataplane/ops/log';
import { GATEWAY_API_GROUP as GATEWAY_GROUP } from '../spec/gateway-api';

export interface GatewaySyncOptions {
  readonly gateway: { readonly namespace: string; readonly name: string };
  /** The directory shared with the data plane. */
  readonly dir: string;
  /** Compile the Gateway whatever its gatewayClassName (`serve --kubeconfig`); a pod compiles only ours. */
  readonly anyGatewayClass?: boolean;
  /** Quiet time after a change before compiling. @default 50 */
  readonly debounceMs?: number;
  /** Longest a change waits for the compile while changes keep coming. @default 500 */
  readonly maxDelayMs?: number;
  /** How often the same API error is logged again. @default 60000 */
  readonly errorLogIntervalMs?: number;
  readonly log: Logger;
  /** Called with every compile's result (status writing reads its `status`), the Gateway accepted or not. */
  readonly onCompiled?: (result: CompileResult) => void;
}

/** Kinds whose objects are compiler input (everything but EndpointSlices). */
const COMPILE_KINDS = new Set(['GatewayClass', 'Gateway', 'ListenerSet', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute',
  'ReferenceGrant', 'BackendTLSPolicy', 'Namespace', 'Service', 'Secret', 'ConfigMap']);

export class GatewaySync {
  public readonly metrics: SyncMetrics;
  public readonly cache = new ObjectCache();
  /** The config last written (serialized), undefined before the first. */
  public lastConfig: string | undefined;
  private readonly shared: SharedDir;
  private readonly reflectors = new Map<string, Reflector>();
  private readonly resources = new Map<string, WatchedResource>();
  private readonly slicesOf = new Map<string, Set<string>>();
  private readonly serviceOfSlice = new Map<string, string>();
  private readonly dirtyServices = new Set<string>();
  /** Services whose endpoints documents are on disk. */
  private readonly written = new Set<string>();
  /** Services the current config's backends name. */
  private backendServices = new Set<string>();
  private compileDirty = true;
  private compileTimer: NodeJS.Timeout | undefined;
  private firstChangeAt = 0;
  private endpointsTimer: NodeJS.Timeout | undefined;
  private metricsTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private errorSince = 0;
  private readonly lastLogged = new Map<string, { at: number; suppressed: number }>();
  private lastFindings = new Set<string>();
  private readonly gw: string;
  private onLoad: (() => void) | undefined;
  private metricsWrittenAt = 0;
  private metricsSoon: NodeJS.Timeout | undefined;

  constructor(private readonly api: KubeApi, private readonly o: GatewaySyncOptions) {
    this.gw = `${o.gateway.namespace}/${o.gateway.name}`;
    this.metrics = new SyncMetrics(this.gw);
    this.shared = new SharedDir(o.dir);
    for (const key of this.shared.endpointFiles()) this.written.add(key);
    this.cache.onChange((kind, key) => this.changed(kind, key));
  }

  /** Resolves once the first config was written (or found unchanged on disk). */
  public loaded(): Promise<void> {
    if (this.lastConfig !== undefined) return Promise.resolve();
    return new Promise((r) => (this.onLoad = r));
  }

  /** Discovers which Gateway API kinds the cluster serves (retrying while it cannot tell) and starts watching. */
  public async start(): Promise<void> {
    let backoff = 500;
    for (;;) {
      if (this.stopped) return;
      try {
        const found = await discoverGatewayApi((p) => this.api.get(p));
        if (found.missing.length > 0) {
          this.o.log.warn('Gateway API kinds not served by this cluster (their CRDs are not installed): not watched', { kinds: found.missing });
        }
        for (const r of found.resources) this.watch(r);
        break;
      } catch (e) {
        this.apiError(e as ApiError, { kind: 'discovery', group: GATEWAY_GROUP, version: '', resource: 'discovery', namespaced: false }, undefined);
        await new Promise((r) => setTimeout(r, backoff).unref());
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
    for (const r of [NAMESPACES, SERVICES, ENDPOINT_SLICES, CONFIG_MAPS]) this.watch(r);
    this.updateSecretNamespaces();
    this.metricsTimer = setInterval(() => this.tick(), 5000);
    this.metricsTimer.unref();
  }

  public stop(): void {
    this.stopped = true;
    for (const r of this.reflectors.values()) r.stop();
    for (const t of [this.compileTimer, this.endpointsTimer]) if (t) clearTimeout(t);
    if (this.metricsTimer) clearInterval(this.metricsTimer);
  }

  /** The resource (in the version discovery found) sync reads a kind from. */
  public resourceOf(kind: string): WatchedResource | undefined {
    return this.resources.get(kind);
  }

  /** Every watched type was listed once: the cache is the cluster, not part of it. */
  public get synced(): boolean {
    if (this.reflectors.size === 0) return false;
    for (const r of this.reflectors.values()) if (!r.synced) return false;
    return true;
  }

  private watch(r: WatchedResource, namespace?: string): void {
    const id = `${qualifiedName(r)}|${namespace ?? ''}`;
    if (this.reflectors.has(id)) return;
    this.resources.set(r.kind, r);
    const reflector = new Reflector(this.api, r, namespace, this.cache.sink(r.kind, namespace), {
      onError: (err, res, ns) => this.apiError(err, res, ns),
      onHealthy: () => this.schedule(),
      onRelist: (res) => {
        this.metrics.relists.get(this.metrics.l({ resource: qualifiedName(res) })).inc();
        this.o.log.info('a watch expired (410): listing again; the config stays as it is until the list is complete', { resource: qualifiedName(res) });
        this.scheduleMetrics();
      },
    });
    this.reflectors.set(id, reflector);
    reflector.start();
  }

  private unwatch(r: WatchedResource, namespace: string): void {
    const id = `${qualifiedName(r)}|${namespace}`;
    const reflector = this.reflectors.get(id);
    if (!reflector) return;
    reflector.stop();
    this.reflectors.delete(id);
    this.cache.drop(r.kind, namespace);
  }

  /**
   * Secrets are read only where a certificate may come from: the Gateway's namespace, namespaces whose
   * ReferenceGrants let Gateways of that namespace refer to Secrets, and namespaces of ListenerSets attached
   * to the Gateway (their certificates are in their own namespace). RBAC decides what is allowed of these.
   */
  private updateSecretNamespaces(): void {
    const want = new Set([this.o.gateway.namespace]);
    for (const g of this.cache.all('ReferenceGrant')) {
      const from = (g.spec?.from ?? []).some((f: any) => f?.group === GATEWAY_GROUP && f?.kind === 'Gateway' && f?.namespace === this.o.gateway.namespace);
      const to = (g.spec?.to ?? []).some((t: any) => (t?.group ?? '') === '' && t?.kind === 'Secret');
      if (from && to) want.add(g.metadata.namespace);
    }
    for (const ls of this.cache.all('ListenerSet')) {
      const parent = ls.spec?.parentRef;
      const ns = ls.metadata.namespace;
      if (parent?.name === this.o.gateway.name && (parent.namespace ?? ns) === this.o.gateway.namespace) want.add(ns);
    }
    for (const id of [...this.reflectors.keys()]) {
      const [res, ns] = id.split('|');
      if (res === 'secrets' && !want.has(ns)) this.unwatch(SECRETS, ns);
    }
    for (const ns of want) this.watch(SECRETS, ns);
  }

  private changed(kind: string, key: string): void {
    if (kind === 'EndpointSlice') {
      const slice = this.cache.get('EndpointSlice', ...(key.split('/') as [string, string]));
      const before = this.serviceOfSlice.get(key);
      const now = slice ? `${slice.metadata.namespace}/${slice.metadata.labels?.[SERVICE_NAME_LABEL] ?? ''}` : undefined;
      if (before && before !== now) {
        this.slicesOf.get(before)?.delete(key);
        this.dirtyServices.add(before);
      }
      if (now) {
        this.serviceOfSlice.set(key, now);
        let set = this.slicesOf.get(now);
        if (!set) this.slicesOf.set(now, (set = new Set()));
        set.add(key);
        this.dirtyServices.add(now);
      } else {
        this.serviceOfSlice.delete(key);
      }
      return this.scheduleEndpoints();
    }
    if (kind === 'Service') this.dirtyServices.add(key);
    if (kind === 'ReferenceGrant' || kind === 'ListenerSet') this.updateSecretNamespaces();
    if (COMPILE_KINDS.has(kind)) {
      this.compileDirty = true;
      this.schedule();
    }
    if (kind === 'Service') this.scheduleEndpoints();
  }

  /** Compiles after `debounceMs` of quiet, or `maxDelayMs` after the first change of a burst. */
  private schedule(): void {
    if (this.stopped) return;
    const now = Date.now();
    if (!this.compileTimer) this.firstChangeAt = now;
    if (this.compileTimer) clearTimeout(this.compileTimer);
    const wait = Math.max(0, Math.min(this.o.debounceMs ?? 50, this.firstChangeAt + (this.o.maxDelayMs ?? 500) - now));
    this.compileTimer = setTimeout(() => {
      this.compileTimer = undefined;
      this.flush();
    }, wait);
  }

  private scheduleEndpoints(): void {
    if (this.stopped || this.endpointsTimer) return;
    // endpoints are cheap: a few milliseconds gather a burst of slice updates (a rollout) into one write each
    this.endpointsTimer = setTimeout(() => {
      this.endpointsTimer = undefined;
      if (this.synced) this.writeEndpoints();
    }, 5);
  }

  private flush(): void {
    if (!this.synced) return;
    if (this.compileDirty) {
      this.compileDirty = false;
      this.compileAndWrite();
    }
    this.writeEndpoints();
    this.markInStep();
  }

  private compileAndWrite(): void {
    const objects: any[] = [];
    for (const kind of COMPILE_KINDS) for (const o of this.cache.all(kind)) objects.push(o);
    const started = process.hrtime.bigint();
    const result = compile(objects, { references: 'strict', allGateways: this.o.anyGatewayClass, dataPlaneAddresses: true });
    this.metrics.compileDuration.get(this.metrics.l()).observe(Number(process.hrtime.bigint() - started) / 1e9);
    this.reportFindings(result);
    this.o.onCompiled?.(result);
    const config = result.configs.find((c) => c.gateway.namespace === this.o.gateway.namespace && c.gateway.name === this.o.gateway.name);
    if (!config) {
      this.metrics.compileErrors.get(this.metrics.l()).inc();
      const st = result.status.find((s) => s.kind === 'Gateway' && s.namespace === this.o.gateway.namespace && s.name === this.o.gateway.name);
      const why = st?.conditions?.find((c) => c.type === 'Accepted' && c.status !== 'True');
      const reason = !this.cache.get('Gateway', this.o.gateway.namespace, this.o.gateway.name)
        ? 'it does not exist in the cluster'
        : why ? `it is not accepted: ${why.reason}: ${why.message}` : 'it is not of a GatewayClass of this controller (cdk8s-gateway.io/node-data-plane)';
      this.o.log.error(`Gateway ${this.gw} cannot be compiled: ${reason}; the last good config keeps serving`, { gateway: this.gw });
      this.scheduleMetrics();
      return;
    }
    // what the config names is on disk before the config: certificates, and the endpoints of new backends
    // (a backend without its endpoints document would be resolved through DNS for a moment)
    this.writeReferenced(config);
    const first = this.backendServices.size === 0;
    const previous = this.backendServices;
    this.backendServices = backendServices(config);
    // the first time, every document is checked (sync restarted: slices may have changed meanwhile)
    for (const s of this.backendServices) if (first || !this.written.has(s)) this.dirtyServices.add(s);
    this.writeEndpoints();
    // compact: nobody reads this file but the data plane, and at 10,000 routes the indented form is twice the
    // bytes to write, compare and parse on every change (keys are still sorted, so an unchanged config is equal)
    const text = `${canonicalJson(config, 0)}\n`;
    if (text !== this.lastConfig) {
      if (this.shared.writeConfig(text)) {
        this.metrics.configWrites.get(this.metrics.l()).inc();
        this.o.log.info('config written', { gateway: this.gw, bytes: text.length, routes: config.httpRules.length });
      }
      this.lastConfig = text;
    }
    // documents no backend names any more go after the config that stopped naming them
    for (const s of previous) if (!this.backendServices.has(s)) this.dirtyServices.add(s);
    this.writeEndpoints();
    this.scheduleMetrics();
    if (this.onLoad) {
      const f = this.onLoad;
      this.onLoad = undefined;
      f();
    }
  }

  /** Logs the compile's error findings that are new since the last compile (a broken route is logged once). */
  private reportFindings(result: ReturnType<typeof compile>): void {
    const findings = synthReport({ status: result.status, diagnostics: result.diagnostics.filter((d) => d.severity === 'error') })
      .filter((f) => f.severity === 'error');
    const now = new Set(findings.map(formatSynthFinding));
    this.metrics.invalidObjects.get(this.metrics.l()).set(new Set(findings.map((f) => `${f.kind}/${f.namespace}/${f.name}`)).size);
    for (const line of now) if (!this.lastFindings.has(line)) this.o.log.warn(`not served: ${line}`, { gateway: this.gw });
    this.lastFindings = now;
  }

  /** The Secret and ConfigMap keys the config names, from the cache, into the shared directory. */
  private writeReferenced(config: DataPlaneConfig): void {
    const secrets = new Map<string, Buffer>();
    const configMaps = new Map<string, Buffer>();
    for (const ref of configReferences(config)) {
      const obj = this.cache.get(ref.kind, ref.namespace, ref.name);
      if (!obj) continue;
      for (const key of ref.keys) {
        const value = ref.kind === 'Secret'
          ? (obj.data?.[key] !== undefined ? Buffer.from(obj.data[key], 'base64') : obj.stringData?.[key] !== undefined ? Buffer.from(obj.stringData[key]) : undefined)
          : (obj.data?.[key] !== undefined ? Buffer.from(obj.data[key]) : obj.binaryData?.[key] !== undefined ? Buffer.from(obj.binaryData[key], 'base64') : undefined);
        if (value !== undefined) (ref.kind === 'Secret' ? secrets : configMaps).set(`${ref.namespace}/${ref.name}/${key}`, value);
      }
    }
    this.shared.writeSecrets(secrets);
    this.shared.writeConfigMaps(configMaps);
  }

  private writeEndpoints(): void {
    for (const key of this.dirtyServices) {
      const [ns, name] = key.split('/');
      const svc = this.cache.get('Service', ns, name);
      if (!this.backendServices.has(key) || !svc) {
        // no backend names it (or it is gone): its document goes, and a backend that names it again resolves anew
        if (this.written.delete(key)) this.shared.removeEndpoints(ns, name);
        continue;
      }
      const slices = [...(this.slicesOf.get(key) ?? [])].map((k) => this.cache.get('EndpointSlice', ...(k.split('/') as [string, string]))).filter(Boolean);
      if (this.shared.writeEndpoints(serviceEndpoints(svc, slices))) this.metrics.endpointWrites.get(this.metrics.l()).inc();
      this.written.add(key);
    }
    this.dirtyServices.clear();
  }

  /** Every watch is connected and everything known is written: sync is in step with the API server. */
  private markInStep(): void {
    if (this.errorSince > 0) {
      this.o.log.info('the API server answers again; in step with it', { gateway: this.gw, afterSeconds: Math.round((Date.now() - this.errorSince) / 1000) });
      this.errorSince = 0;
    }
    if (this.lastConfig !== undefined) this.metrics.lastSuccess.get(this.metrics.l()).set(Math.floor(Date.now() / 1000));
    if (Date.now() - this.metricsWrittenAt > 1000) this.scheduleMetrics();
  }

  private tick(): void {
    if (this.errorSince === 0 && this.synced && !this.compileTimer && !this.compileDirty) this.markInStep();
    this.writeMetrics();
  }

  /** Writes the metrics soon (a burst of errors or writes is one file write). */
  private scheduleMetrics(): void {
    if (this.metricsSoon || this.stopped) return;
    this.metricsSoon = setTimeout(() => {
      this.metricsSoon = undefined;
      this.writeMetrics();
    }, 100);
    this.metricsSoon.unref();
  }

  public writeMetrics(): void {
    this.metricsWrittenAt = Date.now();
    for (const kind of this.cache.kinds()) this.metrics.objectsWatched.get(this.metrics.l({ kind })).set(this.cache.count(kind));
    try {
      writeAtomic(this.shared.file(METRICS_FILE), this.metrics.render());
    } catch (e) {
      this.o.log.warn('cannot write sync metrics', { error: (e as Error).message });
    }
  }

  private apiError(err: ApiError, r: WatchedResource, namespace: string | undefined): void {
    const code = String(err.status ?? 0);
    const resource = qualifiedName(r);
    this.metrics.apiErrors.get(this.metrics.l({ verb: err.verb ?? '', resource, code })).inc();
    this.scheduleMetrics();
    if (this.errorSince === 0 && err.status !== 410) this.errorSince = Date.now();
    const key = `${err.verb}|${resource}|${namespace ?? ''}|${err.reason}`;
    const now = Date.now();
    const last = this.lastLogged.get(key);
    if (last && now - last.at < (this.o.errorLogIntervalMs ?? 60_000)) {
      last.suppressed++;
      return;
    }
    this.lastLogged.set(key, { at: now, suppressed: 0 });
    const where = namespace ? `in namespace "${namespace}"` : 'cluster-wide';
    const fields = {
      gateway: this.gw, verb: err.verb, resource, namespace: namespace ?? null, code: err.status, reason: err.reason, repeats: last?.suppressed ?? 0,
    };
    if (err.status === 403) {
      this.o.log.error(`RBAC denied sync: cannot ${err.verb} ${resource} ${where}; grant the data plane's ServiceAccount that verb ` +
        '(the synth step renders the RBAC sync needs) or remove what refers there', { ...fields, error: err.message });
    } else if (err.status === 0) {
      this.o.log.error(`API server unreachable (${err.verb} ${resource} ${where}); still serving the last good config`, { ...fields, error: err.message });
    } else {
      this.o.log.error(`API request failed: ${err.verb} ${resource} ${where}`, { ...fields, error: err.message });
    }
  }
}

/** `namespace/name` of every Service the config's backends name. */
function backendServices(config: DataPlaneConfig): Set<string> {
  const out = new Set<string>();
  for (const b of Object.values(config.backends)) out.add(`${b.namespace}/${b.name}`);
  return out;
}
