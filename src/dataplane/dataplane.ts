import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataPlaneArgs } from './args';
import { validateConfig } from './config-validate';
import { Generation } from './generation';
import type { DataPlaneConfig, PortConfig } from '../config/dataplane-config';
import type { CoarseClock, ServerLimits } from './http1/connection-host';
import { nativeHttpSupport } from './http1/native-support';
import { AdminServer } from './ops/admin-server';
import { FileWatcher } from './ops/file-watcher';
import { Logger } from './ops/log';
import { labels, Metrics } from './ops/metrics';
import { PORT_KINDS } from './ports';
import { ClientLimits } from './ports/client-limits';
import type { PortServerEnv } from './ports/port-server';
import type { L4Limits, ServedPort } from './ports/served-port';
import { TlsPortServer } from './ports/tls-port';
import { ProxyContext } from './proxy/context';
import { CertStore } from './tls/cert-store';
import { RefusedListener, refusedLine, refusedListeners } from './tls/refused-listeners';
import { EndpointTable } from './upstream/endpoint-table';
import { Upstreams } from './upstream/upstreams';

/** Thrown at start when the config cannot be served at all. */
export class ConfigError extends Error {}

/** Reads and validates a config file; the message lists every problem with its field path. */
export function loadConfigFile(file: string): DataPlaneConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const { config, errors } = validateConfig(raw);
  if (!config) throw new ConfigError(`config ${file} is invalid:\n  ${errors.join('\n  ')}`);
  return config;
}

/**
 * The running data plane: binds the config's ports, serves them with the current config generation,
 * reloads the config and certificates when they change on disk, exposes the admin endpoints and drains
 * on shutdown.
 */
export class DataPlane implements PortServerEnv {
  public readonly log: Logger;
  public readonly metrics = new Metrics();
  public readonly ctx: ProxyContext;
  public readonly limits: ServerLimits;
  public readonly clock: CoarseClock = { now: Date.now() };
  public readonly l4Limits: L4Limits;
  public readonly clientLimits: ClientLimits;
  private gen!: Generation;
  private readonly certs: CertStore;
  /** Bound ports by `<port>/<transport>` (a TCP and a UDP listener may share a port number). */
  private readonly servers = new Map<string, ServedPort>();
  private admin: AdminServer | undefined;
  private watcher: FileWatcher | undefined;
  private syncWatcher: FileWatcher | undefined;
  /** Cluster mode: sync's config was loaded once (the data plane is ready from then on). */
  private syncConfigLoaded = false;
  private timer: NodeJS.Timeout | undefined;
  private ready = false;
  /** Terminating listeners whose certificates cannot be loaded, by `<port> <listener id>`; the rest serves. */
  private refused = new Map<string, RefusedListener>();
  private refusedCheckedAt = -1;
  private draining = false;
  private generations = 0;

  constructor(private readonly args: DataPlaneArgs, private readonly out: (line: string) => void = (l) => process.stdout.write(l + '\n')) {
    this.log = new Logger(args.logLevel);
    const sync = args.syncDir;
    this.certs = new CertStore(args.secretsDir, args.configMapsDir,
      sync ? { secrets: path.join(sync, 'secrets'), configMaps: path.join(sync, 'configmaps') } : undefined);
    const upstreams = new Upstreams(args.backendMap, this.certs);
    if (sync) upstreams.endpointTable = new EndpointTable(path.join(sync, 'endpoints'), this.log, (_svc, removed) => upstreams.endpointsRemoved(removed));
    this.ctx = new ProxyContext(upstreams, this.log, this.metrics, args.accessLog && this.log.enabled('info'), 'unknown/unknown');
    this.limits = {
      maxHeaderBytes: args.maxHeaderBytes,
      maxHeaderCount: args.maxHeaderCount,
      headersTimeoutMs: args.headerTimeoutMs,
      idleTimeoutMs: args.idleTimeoutMs,
      h2MaxConcurrentStreams: args.h2MaxConcurrentStreams,
      h2MaxPrematureResets: args.h2MaxPrematureResets,
      maxPendingConnections: args.maxPendingConnections,
    };
    this.clientLimits = new ClientLimits({ maxConnectionsPerClient: args.maxConnectionsPerClient, abusePenaltyMs: args.abusePenaltyMs });
    this.l4Limits = {
      tcpIdleTimeoutMs: args.tcpIdleTimeoutMs,
      udpIdleTimeoutMs: args.udpIdleTimeoutMs,
      udpMaxSessions: args.udpMaxSessions,
      tlsHandshakeTimeoutMs: args.tlsHandshakeTimeoutMs,
      tlsSessionResumption: args.tlsSessionResumption,
    };
  }

  public current(): Generation {
    return this.gen;
  }

  public certVersion(): number {
    return this.certs.version;
  }

  /** sync's config file (cluster mode). */
  private get syncConfigFile(): string | undefined {
    return this.args.syncDir ? path.join(this.args.syncDir, 'config.json') : undefined;
  }

  /** The config to read: sync's once it wrote one, else --config. */
  private configSource(): string | undefined {
    const f = this.syncConfigFile;
    return f && fs.existsSync(f) ? f : this.args.configFile;
  }

  /** Cluster mode without --config (a local run): waits until sync wrote a config that loads. */
  private async firstConfig(): Promise<{ config: DataPlaneConfig; file: string }> {
    let lastError = '';
    for (;;) {
      const file = this.configSource();
      if (file) {
        try {
          return { config: loadConfigFile(file), file };
        } catch (e) {
          if (file !== this.syncConfigFile) throw e;
          if ((e as Error).message !== lastError) this.log.error('sync\'s config refused; waiting for another', { error: (e as Error).message });
          lastError = (e as Error).message;
        }
      }
      await sleep(50);
    }
  }

  /** Loads the config, binds every port and the admin server, prints `listening ...` lines and `ready`. */
  public async start(): Promise<void> {
    this.ctx.upstreams.endpointTable?.start();
    const { config, file } = await this.firstConfig();
    if (file === this.syncConfigFile) this.syncConfigLoaded = true;
    this.ctx.gatewayLabel = `${config.gateway.namespace}/${config.gateway.name}`;
    this.gen = new Generation(++this.generations, config, this.certs, this.metrics);
    this.metrics.configGeneration.get(this.gatewayLabels()).set(this.gen.id);
    this.metrics.lastReloadSuccess.get(this.gatewayLabels()).set(1);
    if (this.args.adminPort !== undefined) {
      this.admin = new AdminServer({
        // cluster mode: ready once sync's config was served (a config from synth may lack other teams' routes)
        ready: () => this.ready && !this.draining && (!this.args.syncDir || this.syncConfigLoaded),
        problems: () => [...this.refused.values()].map((r) => `refused listener ${r.listener.id} (port ${r.port}): certificate cannot be loaded: ${r.reason}`),
        metrics: () => this.renderMetrics(),
        config: () => JSON.stringify(this.gen.config, null, 2),
      });
      const port = await this.admin.listen(this.args.address, this.args.adminPort);
      this.out(`admin ${hostPort(this.args.address, port)}`);
    }
    const native = nativeHttpSupport();
    if (native.problem) {
      this.log.warn('HTTP/1.1 is served through node:http (slower): this Node cannot run the native parser', {
        node: process.version,
        reason: native.problem,
        fix: 'run the data plane on the Node release its default image pins (dataPlane.image overrides it)',
      });
    }
    await this.reconcilePorts(config, true);
    this.timer = setInterval(() => this.tick(), 500);
    this.timer.unref();
    if (this.args.configFile) this.watcher = new FileWatcher(this.args.configFile, () => this.reload());
    if (this.syncConfigFile) this.syncWatcher = new FileWatcher(this.syncConfigFile, () => this.reload());
    this.ready = true;
    this.out('ready');
    this.log.info('data plane ready', { gateway: this.ctx.gatewayLabel, generation: this.gen.id });
  }

  /** Re-reads the config file; a valid config replaces the current one, an invalid one is refused. */
  public reload(): boolean {
    if (this.draining) return false;
    // a reload asked for directly (`serve` after recompiling) covers the file as it is now
    this.watcher?.markSeen();
    this.syncWatcher?.markSeen();
    let config: DataPlaneConfig;
    let gen: Generation;
    const file = this.configSource()!;
    try {
      config = loadConfigFile(file);
      if (`${config.gateway.namespace}/${config.gateway.name}` !== this.ctx.gatewayLabel) {
        throw new ConfigError(`config is for Gateway ${config.gateway.namespace}/${config.gateway.name}, ` +
          `this data plane serves ${this.ctx.gatewayLabel} (restart it to switch)`);
      }
      gen = new Generation(this.generations + 1, config, this.certs, this.metrics);
    } catch (e) {
      this.metrics.reloads.get(labels({ gateway: this.ctx.gatewayLabel, result: 'failure' })).inc();
      this.metrics.lastReloadSuccess.get(this.gatewayLabels()).set(0);
      this.log.error('config reload refused; still serving the last good config', { generation: this.gen.id, error: (e as Error).message });
      return false;
    }
    this.generations++;
    if (file === this.syncConfigFile && !this.syncConfigLoaded) {
      this.syncConfigLoaded = true;
      this.log.info('serving the config sync compiled from the cluster', { generation: gen.id });
    }
    // requests in flight keep the generation they started with
    this.gen = gen;
    this.metrics.reloads.get(labels({ gateway: this.ctx.gatewayLabel, result: 'success' })).inc();
    this.metrics.lastReloadSuccess.get(this.gatewayLabels()).set(1);
    this.metrics.configGeneration.get(this.gatewayLabels()).set(gen.id);
    this.log.info('config reloaded', { generation: gen.id });
    this.reconcilePorts(config, false).catch((e: Error) => this.log.error('binding ports after reload failed', { error: e.message }));
    return true;
  }

  /**
   * A reload refused before it reached the data plane (`serve`'s manifests did not parse or compile): counted and
   * flagged like one the data plane refused itself, so that /metrics tells the same story as stderr.
   */
  public reloadRefused(): void {
    this.metrics.reloads.get(labels({ gateway: this.ctx.gatewayLabel, result: 'failure' })).inc();
    this.metrics.lastReloadSuccess.get(this.gatewayLabels()).set(0);
  }

  /** New input was accepted but compiles to the config already served: the last reload did not fail. */
  public reloadUnchanged(): void {
    this.metrics.reloads.get(labels({ gateway: this.ctx.gatewayLabel, result: 'success' })).inc();
    this.metrics.lastReloadSuccess.get(this.gatewayLabels()).set(1);
  }

  /**
   * Graceful shutdown: stop accepting, answer in-flight requests (new ones on open connections get
   * Connection: close), wait up to the drain timeout, then close what is left.
   */
  public async shutdown(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.ctx.draining = true;
    this.log.info('draining', { timeoutMs: this.args.drainTimeoutMs });
    this.watcher?.close();
    this.syncWatcher?.close();
    this.ctx.upstreams.endpointTable?.close();
    for (const s of this.servers.values()) s.drain();
    const deadline = Date.now() + this.args.drainTimeoutMs;
    while (Date.now() < deadline && this.openCount() > 0) await sleep(50);
    const left = this.openCount();
    if (left > 0) this.log.warn('drain timeout reached; closing open connections', { open: left });
    for (const s of this.servers.values()) s.destroyAll();
    this.ctx.upstreams.closeIdle();
    this.admin?.close();
    if (this.timer) clearInterval(this.timer);
    this.log.info('stopped');
    this.log.flush();
  }

  private openCount(): number {
    let n = 0;
    for (const s of this.servers.values()) n += s.openCount;
    return n;
  }

  private async reconcilePorts(config: DataPlaneConfig, initial: boolean): Promise<void> {
    const refused = refusedListeners(config, this.certs);
    const refusedByKey = new Map(refused.map((r) => [refusedKey(r.port, r.listener.id), r]));
    const wanted = new Map<string, PortConfig>();
    for (const p of config.ports) wanted.set(`${p.port}/${p.transport}`, p);
    for (const [key, server] of this.servers) {
      const p = wanted.get(key);
      if (!p || p.kind !== server.kind) {
        this.servers.delete(key);
        server.drain();
        this.log.info('port removed from config; draining it', { port: server.port, kind: server.kind });
      }
    }
    for (const p of config.ports) {
      const key = `${p.port}/${p.transport}`;
      if (this.servers.has(key)) continue;
      const Kind = PORT_KINDS[p.kind];
      if (!Kind) {
        this.log.warn(`port ${p.port} kind ${p.kind} is not served by this data plane build; left unbound`, { port: p.port, kind: p.kind });
        continue;
      }
      const server = new Kind(this, p.port, p.kind);
      const local = this.args.portMap.get(p.port) ?? p.port;
      try {
        const bound = await server.listen(this.args.address, local);
        this.servers.set(key, server);
        // one line per listener (several listeners may share a port)
        for (const l of p.listeners) {
          const r = refusedByKey.get(refusedKey(p.port, l.id));
          const address = hostPort(this.args.address, bound);
          this.out(r ? refusedLine(r, address) : `listening ${l.protocol} ${p.port} ${address} ${l.id}`);
        }
      } catch (e) {
        const msg = `cannot bind ${p.transport} port ${p.port} on ${hostPort(this.args.address, local)}: ${(e as Error).message}` +
          (local === p.port && p.port < 1024 ? ` (ports below 1024 need privileges; map it with --port-map ${p.port}=<port>)` : '');
        if (initial) throw new ConfigError(msg);
        this.log.error(msg);
      }
    }
    this.metrics.listenersReady.get(this.gatewayLabels()).set(this.servers.size);
    for (const s of this.servers.values()) if (s instanceof TlsPortServer) s.refreshDefaultContext();
    this.noteRefused(refused);
  }

  /** Logs the listeners refused since the last check (file and reason) and those that serve again. */
  private noteRefused(now: readonly RefusedListener[]): void {
    const next = new Map(now.map((r) => [refusedKey(r.port, r.listener.id), r]));
    for (const [key, r] of next) {
      if (this.refused.get(key)?.reason === r.reason) continue;
      this.log.error('listener refused: its certificate cannot be loaded; the other listeners serve', {
        port: r.port,
        listener: r.listener.id,
        reason: r.reason,
        fix: 'give the Secret PEM tls.crt and tls.key (a kubernetes.io/tls Secret): the listener serves as soon as they load, without a restart',
      });
    }
    for (const [key, r] of this.refused) {
      if (!next.has(key)) this.log.info('listener serving: its certificate loads now', { port: r.port, listener: r.listener.id });
    }
    this.refused = next;
  }

  private tick(): void {
    const now = Date.now();
    this.clock.now = now;
    for (const s of this.servers.values()) s.sweep(now);
    this.clientLimits.sweep(now);
    if (this.certs.refresh()) {
      this.metrics.certificateReloads.get(labels({ gateway: this.ctx.gatewayLabel, result: 'success' })).inc();
      this.log.info('certificates changed on disk; new connections get the new ones', { version: this.certs.version });
      for (const s of this.servers.values()) if (s instanceof TlsPortServer) s.refreshDefaultContext();
    }
    // a certificate that was missing is retried on every refresh, changed or not
    if (this.certs.version !== this.refusedCheckedAt || this.refused.size > 0) {
      this.refusedCheckedAt = this.certs.version;
      this.noteRefused(refusedListeners(this.gen.config, this.certs));
    }
    this.ctx.upstreams.sweep();
  }

  private renderMetrics(): string {
    const [open, idle] = this.ctx.upstreams.sweep();
    this.metrics.upstreamConnections.get(labels({ gateway: this.ctx.gatewayLabel, state: 'active' })).set(open - idle);
    this.metrics.upstreamConnections.get(labels({ gateway: this.ctx.gatewayLabel, state: 'idle' })).set(idle);
    this.metrics.penalizedClients.get(this.gatewayLabels()).set(this.clientLimits.penalized);
    return this.metrics.render() + this.syncMetrics();
  }

  /** sync's metrics (cluster mode), which it writes next to the config: one /metrics for the pod. */
  private syncMetrics(): string {
    if (!this.args.syncDir) return '';
    try {
      return fs.readFileSync(path.join(this.args.syncDir, 'sync-metrics.prom'), 'utf8');
    } catch {
      return '';
    }
  }

  private gatewayLabels(): string {
    return labels({ gateway: this.ctx.gatewayLabel });
  }
}

function refusedKey(port: number, listenerId: string): string {
  return `${port} ${listenerId}`;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
