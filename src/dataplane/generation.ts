import * as tls from 'node:tls';
import type { DataPlaneConfig, ListenerConfig, PortConfig } from '../config/dataplane-config';
import { PortRouter, SniRouter } from '../router';
import { buildL4Plans, L4RoutePlan } from './l4/route-plan';
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
  /** TCPRoute/UDPRoute (`listener.l4Route`) and TLSRoute entries, prepared for serving. */
  public readonly l4: ReadonlyMap<object, L4RoutePlan>;
  /** A TLS port with TLS listeners (TLSRoute): the ClientHello is read before deciding who handles the connection. */
  public readonly routesClientHello: boolean;
  /** Secure contexts with the port's client-validation CAs, per certificate (cleared with the TLS cache). */
  private readonly validatingContexts = new Map<LoadedCertificate, tls.SecureContext | Error>();
  private readonly tlsCache = new Map<string, TlsSelection | Error>();
  private tlsCacheVersion = -1;

  constructor(public readonly config: PortConfig, dp: DataPlaneConfig, private readonly certs: CertStore, metrics: Metrics, gatewayLabel: string) {
    this.router = PortRouter.build(dp, config);
    if (config.kind === 'TLS') this.sni = SniRouter.build(config);
    this.l4 = buildL4Plans(config, dp, gatewayLabel, metrics);
    this.routesClientHello = config.kind === 'TLS' && config.listeners.some((l) => l.protocol === 'TLS');
  }

  /**
   * The listener and certificate for a ClientHello server name ('' without SNI): the listener whose
   * hostname matches, then among its certificates the first whose names cover the server name (else its first).
   */
  public tlsFor(serverName: string): TlsSelection | Error {
    if (this.tlsCacheVersion !== this.certs.version) {
      this.tlsCache.clear();
      this.validatingContexts.clear();
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

  /**
   * The certificate for clients that send no SNI: the first terminating listener's (HTTPS, or TLS in Terminate
   * mode) first loadable certificate, with the client-validation CAs when the port validates clients.
   */
  public defaultPem(protocol: 'HTTPS' | 'TLS' = 'HTTPS'): { cert: string; key: string; ca?: string[] } | undefined {
    for (const l of this.config.listeners) {
      if (l.protocol !== protocol || l.tls?.mode !== 'Terminate') continue;
      for (const ref of l.tls.certificates) {
        const c = this.certs.certificate(ref);
        if (c instanceof Error) continue;
        const ca = this.clientCas();
        if (ca instanceof Error) return undefined;
        return ca ? { cert: c.cert, key: c.key, ca } : { cert: c.cert, key: c.key };
      }
    }
    return undefined;
  }

  /** The CA bundles that verify client certificates (frontend validation); an Error when one cannot be read. */
  private clientCas(): string[] | Error | undefined {
    const fv = this.config.frontendValidation;
    if (!fv) return undefined;
    const pems: string[] = [];
    for (const ref of fv.caBundles) {
      const pem = this.certs.caBundle(ref);
      if (pem instanceof Error) return new Error(`client certificate validation of port ${this.config.port}: ${pem.message}`);
      pems.push(pem);
    }
    return pems;
  }

  /** The context to serve a certificate with: its own, or one that also trusts the port's client CAs. */
  private contextOf(c: LoadedCertificate): tls.SecureContext | Error {
    if (!this.config.frontendValidation) return c.context;
    let ctx = this.validatingContexts.get(c);
    if (ctx === undefined) {
      const ca = this.clientCas();
      try {
        ctx = ca instanceof Error ? ca : tls.createSecureContext({ cert: c.cert, key: c.key, ca });
      } catch (e) {
        ctx = new Error(`client certificate validation of port ${this.config.port}: CA bundle: ${(e as Error).message}`);
      }
      this.validatingContexts.set(c, ctx);
    }
    return ctx;
  }

  private selection(listener: ListenerConfig, c: LoadedCertificate): TlsSelection | Error {
    const context = this.contextOf(c);
    return context instanceof Error ? context : { listener, context };
  }

  private selectTls(serverName: string): TlsSelection | Error {
    // no SNI (or an unknown name): the first terminating listener's certificate, so that the client gets
    // a certificate and then a 421/404 over HTTP rather than a bare handshake failure (explain follows the same rule)
    const listener = this.router.tlsListenerFor(serverName);
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
      if (serverName && c.names.some((n) => nameCovers(n, serverName))) return this.selection(listener, c);
    }
    if (first) return this.selection(listener, first);
    return new Error(`listener ${listener.id}: no usable certificate (${problems.join('; ')})`);
  }
}

/**
 * A loaded config, compiled for serving. Immutable once built: a reload builds a new Generation and
 * swaps it in; requests in flight keep the one they started with.
 */
export class Generation {
  /** TCP ports (HTTP, TLS, TCP kinds) by listener port. */
  public readonly ports = new Map<number, PortRuntime>();
  /** UDP ports by listener port. */
  public readonly udpPorts = new Map<number, PortRuntime>();
  public readonly rules: RulePlan[];
  public readonly gatewayLabel: string;
  /** DataPlaneOptions.clientCertificateHeader (lower-case): stripped from requests, set from verified client certificates. */
  public readonly clientCertHeader: string | undefined;

  constructor(public readonly id: number, public readonly config: DataPlaneConfig, certs: CertStore, metrics: Metrics) {
    this.gatewayLabel = `${config.gateway.namespace}/${config.gateway.name}`;
    this.clientCertHeader = config.options.clientCertificateHeader?.toLowerCase() || undefined;
    for (const p of config.ports) {
      (p.transport === 'UDP' ? this.udpPorts : this.ports).set(p.port, new PortRuntime(p, config, certs, metrics, this.gatewayLabel));
    }
    this.rules = config.httpRules.map((r) => new RulePlan(r, config, this.gatewayLabel, metrics));
  }
}
