import type {
  BackendConfig, DataPlaneConfig, HttpFilterConfig, HttpRouteEntry, HttpRuleConfig, ListenerConfig, PathMatchConfig,
  RetryConfig, SessionPersistenceConfig, TimeoutsConfig, ValueMatchConfig,
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

export const prefix = (value: string): PathMatchConfig => ({ type: 'PathPrefix', value });
export const exact = (value: string): PathMatchConfig => ({ type: 'Exact', value });
export const regex = (value: string): PathMatchConfig => ({ type: 'RegularExpression', value });

/**
 * Builds DataPlaneConfig fixtures by hand, the way the compiler would emit them. Route entries are kept
 * in the order they are added: add more specific routes first (the compiler's precedence order).
 */
export class ConfigBuilder {
  private readonly ports = new Map<number, { kind: 'HTTP' | 'TLS'; listeners: ListenerConfig[] }>();
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
    let p = this.ports.get(port);
    if (!p) {
      p = { kind: https ? 'TLS' : 'HTTP', listeners: [] };
      this.ports.set(port, p);
    }
    const l: ListenerConfig = {
      id: spec.name,
      name: spec.name,
      parent: { kind: 'Gateway', ...this.gateway },
      protocol: https ? 'HTTPS' : 'HTTP',
      ...(spec.hostname ? { hostname: spec.hostname } : {}),
      ...(https ? {
        tls: {
          mode: 'Terminate' as const,
          certificates: spec.certificates!.map((c) => ({ namespace: c.split('/')[0], name: c.split('/')[1] })),
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

  public build(): DataPlaneConfig {
    return {
      apiVersion: 'dataplane.cdk8s-gateway.io/v1alpha1',
      kind: 'DataPlaneConfig',
      gateway: this.gateway,
      ports: [...this.ports.entries()].sort((a, b) => a[0] - b[0]).map(([port, p]) => ({ port, transport: 'TCP' as const, kind: p.kind, listeners: p.listeners })),
      httpRules: this.rules,
      backends: this.backends,
      options: { clusterDomain: 'cluster.local' },
    };
  }
}
