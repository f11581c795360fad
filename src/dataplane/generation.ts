import * as tls from 'node:tls';
import type { DataPlaneConfig, ListenerConfig, PortConfig } from '../config/dataplane-config';
import { PortRouter, SniRouter } from '../router';
import type { Metrics } from './ops/metrics';
import { RulePlan } from './proxy/rule-plan';
import { CertStore, LoadedCertificate, nameCovers } from './tls/cert-store';

/** What a TLS handshake resolved to: the listener (for 421 checks) and the certificate served. */
export interface TlsSelection {
  readonly listener: ListenerConfig;
  readonly context: tls.SecureContext;
}

/** One port of one config generation: its router and, for TLS ports, its certificate selection. */
export class PortRuntime {
  public readonly router: PortRouter;
  public readonly sni?: SniRouter;
  private readonly tlsCache = new Map<string, TlsSelection | Error>();
  private tlsCacheVersion = -1;

  constructor(public readonly config: PortConfig, dp: DataPlaneConfig, private readonly certs: CertStore) {
    this.router = PortRouter.build(dp, config);
    if (config.kind === 'TLS') this.sni = SniRouter.build(config);
  }

  /**
   * The listener and certificate for a ClientHello server name ('' without SNI): the listener whose
   * hostname matches, then among its certificates the first whose names cover the server name (else its first).
   */
  public tlsFor(serverName: string): TlsSelection | Error {
    if (this.tlsCacheVersion !== this.certs.version) {
      this.tlsCache.clear();
      this.tlsCacheVersion = this.certs.version;
    }
    let sel = this.tlsCache.get(serverName);
    if (sel === undefined) {
      sel = this.selectTls(serverName);
      if (this.tlsCache.size > 1000) this.tlsCache.clear();
      this.tlsCache.set(serverName, sel);
    }
    return sel;
  }

  /** The certificate for clients that send no SNI: the first HTTPS listener's first loadable certificate. */
  public defaultPem(): { cert: string; key: string } | undefined {
    for (const l of this.config.listeners) {
      if (l.protocol !== 'HTTPS' || !l.tls) continue;
      for (const ref of l.tls.certificates) {
        const c = this.certs.certificate(ref);
        if (!(c instanceof Error)) return { cert: c.cert, key: c.key };
      }
    }
    return undefined;
  }

  private selectTls(serverName: string): TlsSelection | Error {
    let listener = this.sni?.listenerFor(serverName);
    // no SNI (or an unknown name): the first terminating listener's certificate, so that the client gets
    // a certificate and then a 421/404 over HTTP rather than a bare handshake failure
    if (!listener) listener = this.config.listeners.find((l) => l.protocol === 'HTTPS');
    if (!listener) return new Error(`port ${this.config.port} has no HTTPS listener for server name "${serverName}"`);
    if (!listener.tls || listener.tls.mode !== 'Terminate') {
      return new Error(`listener ${listener.id} does not terminate TLS (mode ${listener.tls?.mode ?? 'none'})`);
    }
    let first: LoadedCertificate | undefined;
    const problems: string[] = [];
    for (const ref of listener.tls.certificates) {
      const c = this.certs.certificate(ref);
      if (c instanceof Error) {
        problems.push(c.message);
        continue;
      }
      first ??= c;
      if (serverName && c.names.some((n) => nameCovers(n, serverName))) return { listener, context: c.context };
    }
    if (first) return { listener, context: first.context };
    return new Error(`listener ${listener.id}: no usable certificate (${problems.join('; ')})`);
  }
}

/**
 * A loaded config, compiled for serving. Immutable once built: a reload builds a new Generation and
 * swaps it in; requests in flight keep the one they started with.
 */
export class Generation {
  public readonly ports = new Map<number, PortRuntime>();
  public readonly rules: RulePlan[];
  public readonly gatewayLabel: string;

  constructor(public readonly id: number, public readonly config: DataPlaneConfig, certs: CertStore, metrics: Metrics) {
    this.gatewayLabel = `${config.gateway.namespace}/${config.gateway.name}`;
    for (const p of config.ports) {
      if (p.transport === 'TCP') this.ports.set(p.port, new PortRuntime(p, config, certs));
    }
    this.rules = config.httpRules.map((r) => new RulePlan(r, config, this.gatewayLabel, metrics));
  }
}
