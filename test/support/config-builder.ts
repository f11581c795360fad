import type {
  BackendConfig, DataPlaneConfig, DataPlaneOptions, FrontendValidationConfig, HttpFilterConfig, HttpRouteEntry, HttpRuleConfig, L4BackendConfig,
  ListenerConfig, PathMatchConfig, PortConfig, RetryConfig, SessionPersistenceConfig, TimeoutsConfig, TlsRouteEntry, ValueMatchConfig,
} from '../../src/config/dataplane-config';

/** One match of a route rule, as the compiler emits it (path defaults to PathPrefix /). */
export interface MatchSpec {
  readonly path?: PathMatchConfig;
  readonly method?: string;
  readonly headers?: ValueMatchConfig[];
  readonly queryParams?: ValueMatchConfig[];
}

export interface BackendRefSpec {
  readonly backend?: string;
  readonly weight?: number;
  readonly invalid?: { reason: string; message: string };
  readonly filters?: HttpFilterConfig[];
}

export interface RuleSpec {
  /** Route name (namespace default) reported in metrics and logs. */
  readonly route: string;
  readonly hostnames?: string[];
  readonly matches?: MatchSpec[];
  readonly backends: (string | BackendRefSpec)[];
  readonly filters?: HttpFilterConfig[];
  readonly timeouts?: TimeoutsConfig;
  readonly retry?: RetryConfig;
  readonly sessionPersistence?: SessionPersistenceConfig;
  readonly grpc?: boolean;
}

export interface ListenerSpec {
  readonly name: string;
  readonly hostname?: string;
  /** HTTPS listeners: certificate Secrets (`ns/name`). */
  readonly certificates?: string[];
}

/** A TCPRoute, UDPRoute or TLSRoute: its name and weighted backend shares (a backend id, or a share spec). */
export interface L4RouteSpec {
  readonly route: string;
  readonly backends: (string | BackendRefSpec)[];
  /** TLSRoute: the effective SNI hostnames (empty: any). */
  readonly hostnames?: string[];
}

export interface TlsListenerSpec {
  readonly name: string;
  readonly hostname?: string;
  readonly mode: 'Terminate' | 'Passthrough';
  /** Terminate: certificate Secrets (`ns/name`). */
  readonly certificates?: string[];
}

export const prefix = (value: string): PathMatchConfig => ({ type: 'PathPrefix', value });
export const exact = (value: string): PathMatchConfig => ({ type: 'Exact', value });
export const regex = (value: string): PathMatchConfig => ({ type: 'RegularExpression', value });

/**
 * Builds DataPlaneConfig fixtures by hand, the way the compiler would emit them. Route entries are kept
 * in the order they are added: add more specific routes first (the compiler's precedence order).
 */
export class ConfigBuilder {
  /** By `<port>/<transport>`. */
  private readonly ports = new Map<string, { port: number; transport: 'TCP' | 'UDP'; kind: PortConfig['kind']; listeners: ListenerConfig[]; frontendValidation?: FrontendValidationConfig }>();
  private options: DataPlaneOptions = { clusterDomain: 'cluster.local' };
  private readonly rules: HttpRuleConfig[] = [];
  private readonly backends: Record<string, BackendConfig> = {};

  constructor(private readonly gateway = { namespace: 'default', name: 'gw' }) {}

  /** Declares a Service port; returns its backend id (`ns/name:port`). */
  public backend(name: string, port = 80, options: { namespace?: string; protocol?: BackendConfig['protocol']; tls?: BackendConfig['tls'] } = {}): string {
    const namespace = options.namespace ?? 'default';
    const id = `${namespace}/${name}:${port}`;
    this.backends[id] = { id, kind: 'Service', namespace, name, port, protocol: options.protocol ?? 'http1', ...(options.tls ? { tls: options.tls } : {}) };
    return id;
  }

  /** Adds a listener on a port (HTTP, or HTTPS when certificates are given). */
  public listener(port: number, spec: ListenerSpec): ListenerConfig {
    const https = !!spec.certificates;
    const p = this.port(port, 'TCP', https ? 'TLS' : 'HTTP');
    const l: ListenerConfig = {
      id: spec.name,
      name: spec.name,
      parent: { kind: 'Gateway', ...this.gateway },
      protocol: https ? 'HTTPS' : 'HTTP',
      ...(spec.hostname ? { hostname: spec.hostname } : {}),
      ...(https ? {
        tls: {
          mode: 'Terminate' as const,
          certificates: spec.certificates!.map(ref),
        },
      } : {}),
      httpRoutes: [],
    };
    p.listeners.push(l);
    return l;
  }

  /** Adds a rule and its matches to a listener; returns the rule index. */
  public route(listener: ListenerConfig, spec: RuleSpec): number {
    const index = this.rules.length;
    this.rules.push({
      source: { kind: spec.grpc ? 'GRPCRoute' : 'HTTPRoute', namespace: 'default', name: spec.route },
      ruleIndex: 0,
      grpc: !!spec.grpc,
      filters: spec.filters ?? [],
      backends: spec.backends.map((b) => {
        const r = typeof b === 'string' ? { backend: b } : b;
        return {
          weight: r.weight ?? 1,
          ...(r.backend ? { backend: r.backend } : {}),
          ...(r.invalid ? { invalid: r.invalid } : {}),
          filters: r.filters ?? [],
        };
      }),
      ...(spec.timeouts ? { timeouts: spec.timeouts } : {}),
      ...(spec.retry ? { retry: spec.retry } : {}),
      ...(spec.sessionPersistence ? { sessionPersistence: spec.sessionPersistence } : {}),
    });
    const matches = spec.matches ?? [{}];
    matches.forEach((m, i) => {
      const e: HttpRouteEntry = {
        hostnames: spec.hostnames ?? [],
        path: m.path ?? prefix('/'),
        ...(m.method ? { method: m.method } : {}),
        headers: m.headers ?? [],
        queryParams: m.queryParams ?? [],
        rule: index,
        match: i,
      };
      (listener.httpRoutes as HttpRouteEntry[]).push(e);
    });
    return index;
  }

  /** A TCP listener whose connections go to a TCPRoute. */
  public tcpListener(port: number, name: string, route?: L4RouteSpec): ListenerConfig {
    return this.l4Listener(port, 'TCP', name, route);
  }

  /** A UDP listener whose datagrams go to a UDPRoute. */
  public udpListener(port: number, name: string, route?: L4RouteSpec): ListenerConfig {
    return this.l4Listener(port, 'UDP', name, route);
  }

  /** A TLS listener (Passthrough or Terminate) with its TLSRoutes, most specific hostname first. */
  public tlsListener(port: number, spec: TlsListenerSpec, routes: L4RouteSpec[]): ListenerConfig {
    const l: ListenerConfig = {
      ...this.baseListener(spec.name, 'TLS'),
      ...(spec.hostname ? { hostname: spec.hostname } : {}),
      tls: { mode: spec.mode, certificates: (spec.certificates ?? []).map(ref) },
      tlsRoutes: routes.map((r): TlsRouteEntry => ({
        source: { kind: 'TLSRoute', namespace: 'default', name: r.route }, hostnames: r.hostnames ?? [], backends: l4Backends(r),
      })),
    };
    this.port(port, 'TCP', 'TLS').listeners.push(l);
    return l;
  }

  /** Client-certificate validation on a TLS port (Gateway spec.tls.frontend). */
  public frontendValidation(port: number, v: FrontendValidationConfig): this {
    this.port(port, 'TCP', 'TLS').frontendValidation = v;
    return this;
  }

  public withOptions(o: Partial<DataPlaneOptions>): this {
    this.options = { ...this.options, ...o };
    return this;
  }

  public build(): DataPlaneConfig {
    return {
      apiVersion: 'dataplane.cdk8s-gateway.io/v1alpha1',
      kind: 'DataPlaneConfig',
      gateway: this.gateway,
      ports: [...this.ports.values()].sort((a, b) => a.port - b.port || a.transport.localeCompare(b.transport)).map((p) => ({
        port: p.port,
        transport: p.transport,
        kind: p.kind,
        listeners: p.listeners,
        ...(p.frontendValidation ? { frontendValidation: p.frontendValidation } : {}),
      })),
      httpRules: this.rules,
      backends: this.backends,
      options: this.options,
    };
  }

  private port(port: number, transport: 'TCP' | 'UDP', kind: PortConfig['kind']) {
    const key = `${port}/${transport}`;
    let p = this.ports.get(key);
    if (!p) {
      p = { port, transport, kind, listeners: [] };
      this.ports.set(key, p);
    }
    return p;
  }

  private baseListener(name: string, protocol: ListenerConfig['protocol']) {
    return { id: name, name, parent: { kind: 'Gateway' as const, ...this.gateway }, protocol };
  }

  private l4Listener(port: number, protocol: 'TCP' | 'UDP', name: string, route?: L4RouteSpec): ListenerConfig {
    const kind = route && protocol === 'UDP' ? 'UDPRoute' : 'TCPRoute';
    const l: ListenerConfig = {
      ...this.baseListener(name, protocol),
      ...(route ? { l4Route: { source: { kind, namespace: 'default', name: route.route }, backends: l4Backends(route) } } : {}),
    };
    this.port(port, protocol, protocol).listeners.push(l);
    return l;
  }
}

function ref(c: string) {
  return { namespace: c.split('/')[0], name: c.split('/')[1] };
}

function l4Backends(r: L4RouteSpec): L4BackendConfig[] {
  return r.backends.map((b) => {
    const spec = typeof b === 'string' ? { backend: b } : b;
    return { weight: spec.weight ?? 1, ...(spec.backend ? { backend: spec.backend } : {}), ...(spec.invalid ? { invalid: spec.invalid } : {}) };
  });
}
