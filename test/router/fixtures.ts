import {
  DATAPLANE_CONFIG_API_VERSION,
  DATAPLANE_CONFIG_KIND,
  DataPlaneConfig,
  HttpRouteEntry,
  HttpRuleConfig,
  ListenerConfig,
  PortConfig,
} from '../../src/config/dataplane-config';

/** A hand-written route entry for router tests: `route` names the rule's source HTTPRoute. */
export interface EntrySpec {
  readonly route: string;
  readonly hostnames?: string[];
  readonly path?: HttpRouteEntry['path'];
  readonly method?: string;
  readonly headers?: HttpRouteEntry['headers'];
  readonly queryParams?: HttpRouteEntry['queryParams'];
}

export interface ListenerSpec {
  readonly name: string;
  readonly hostname?: string;
  readonly protocol?: ListenerConfig['protocol'];
  /** Entries in precedence order, as the compiler would emit them. */
  readonly entries?: EntrySpec[];
}

/** Builds a one-port DataPlaneConfig whose rules are named after their route (rule i = entry i). */
export function httpConfig(listeners: ListenerSpec[], port = 80): { config: DataPlaneConfig; port: PortConfig } {
  const httpRules: HttpRuleConfig[] = [];
  const built: ListenerConfig[] = listeners.map((l) => ({
    id: l.name,
    name: l.name,
    parent: { kind: 'Gateway', namespace: 'infra', name: 'gw' },
    protocol: l.protocol ?? 'HTTP',
    hostname: l.hostname,
    httpRoutes: (l.entries ?? []).map((e) => {
      httpRules.push({
        source: { kind: 'HTTPRoute', namespace: 'default', name: e.route },
        ruleIndex: 0,
        grpc: false,
        filters: [],
        backends: [],
      });
      return {
        hostnames: e.hostnames ?? [],
        path: e.path ?? { type: 'PathPrefix', value: '/' },
        method: e.method,
        headers: e.headers ?? [],
        queryParams: e.queryParams ?? [],
        rule: httpRules.length - 1,
        match: 0,
      };
    }),
  }));
  const portConfig: PortConfig = { port, transport: 'TCP', kind: 'HTTP', listeners: built };
  return {
    port: portConfig,
    config: {
      apiVersion: DATAPLANE_CONFIG_API_VERSION,
      kind: DATAPLANE_CONFIG_KIND,
      gateway: { namespace: 'infra', name: 'gw' },
      ports: [portConfig],
      httpRules,
      backends: {},
      options: { clusterDomain: 'cluster.local' },
    },
  };
}
