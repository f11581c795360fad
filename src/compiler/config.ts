import { BackendTlsPolicies } from './backend-tls';
import { BackendDraft } from './backends';
import { compareStrings } from './canonical-json';
import { GatewayState } from './gateways';
import { compareListeners, ListenerState } from './listeners';
import { Namespaces } from './namespaces';
import { compareAge } from './objects';
import { compareMatches, RankedMatch } from './precedence';
import { BackendShare, CompiledRule, RouteState } from './route-state';
import {
  BackendConfig,
  DATAPLANE_CONFIG_API_VERSION,
  DATAPLANE_CONFIG_KIND,
  DataPlaneConfig,
  HttpFilterConfig,
  HttpRouteEntry,
  HttpRuleConfig,
  L4BackendConfig,
  ListenerConfig,
  PortConfig,
  SourceRef,
  TlsRouteEntry,
  WeightedBackendConfig,
} from '../config/dataplane-config';
import { RouteKind } from '../spec/gateway-api';

/** Builds the DataPlaneConfig of one accepted Gateway from the routes attached to its usable listeners. */
export function buildConfig(gw: GatewayState, routes: readonly RouteState[], policies: BackendTlsPolicies, namespaces: Namespaces): DataPlaneConfig {
  const listeners = gw.listeners.filter((l) => l.usable).sort(compareListeners);
  const usable = new Set(listeners);

  // what attaches where (only accepted parents of this Gateway, only usable listeners)
  const attached = new Map<ListenerState, Array<{ route: RouteState; hostnames: string[] }>>();
  const seen = new Set<string>();
  for (const route of routes) {
    for (const p of route.parents) {
      if (p.gateway !== gw || !p.accepted.status) continue;
      for (const a of p.attachments) {
        if (!usable.has(a.listener)) continue;
        // a route reaching one listener through two parentRefs is attached once
        const key = `${a.listener.id}\u0000${route.kind}/${route.obj.namespace}/${route.obj.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const list = attached.get(a.listener) ?? [];
        list.push({ route, hostnames: a.hostnames });
        attached.set(a.listener, list);
      }
    }
  }

  // rules, numbered in a stable order (route kind, namespace, name, rule index)
  const ruleKeys: Array<{ route: RouteState; rule: CompiledRule }> = [];
  const seenRoutes = new Set<RouteState>();
  for (const list of attached.values()) {
    for (const { route } of list) {
      if (seenRoutes.has(route) || (route.kind !== 'HTTPRoute' && route.kind !== 'GRPCRoute')) continue;
      seenRoutes.add(route);
      for (const rule of route.rules) ruleKeys.push({ route, rule });
    }
  }
  ruleKeys.sort(
    (a, b) =>
      compareStrings(a.route.kind, b.route.kind) ||
      compareStrings(a.route.obj.namespace, b.route.obj.namespace) ||
      compareStrings(a.route.obj.name, b.route.obj.name) ||
      a.rule.index - b.rule.index,
  );
  const ruleIndex = new Map<CompiledRule, number>();
  ruleKeys.forEach((k, i) => ruleIndex.set(k.rule, i));

  const backends = new Backends(gw, policies);
  const httpRules: HttpRuleConfig[] = ruleKeys.map(({ route, rule }) => httpRule(route, rule, backends));

  // the namespaces a listener admits, among those the input knows of (Namespace objects and the routes')
  const candidates = new Set([...namespaces.knownNames(), ...routes.map((r) => r.obj.namespace)]);
  const listenerConfigs = new Map<ListenerState, ListenerConfig>();
  for (const l of listeners) {
    const list = attached.get(l) ?? [];
    listenerConfigs.set(l, listenerConfig(l, list, ruleIndex, backends, l.admittedNamespaces(candidates, namespaces)));
  }

  // ports: one per (port, transport)
  const ports = new Map<string, ListenerState[]>();
  for (const l of listeners) ports.set(`${l.port}/${l.transport}`, [...(ports.get(`${l.port}/${l.transport}`) ?? []), l]);
  const portConfigs: PortConfig[] = [...ports.values()]
    .map((ls): PortConfig => {
      const first = ls[0];
      const kind = first.protocol === 'HTTP' ? 'HTTP' : first.protocol === 'HTTPS' || first.protocol === 'TLS' ? 'TLS' : first.protocol === 'UDP' ? 'UDP' : 'TCP';
      const hasHttps = ls.some((l) => l.protocol === 'HTTPS');
      return {
        port: first.port,
        transport: first.transport,
        kind,
        listeners: ls.map((l) => listenerConfigs.get(l)!),
        frontendValidation: hasHttps ? gw.frontend.get(first.port) : undefined,
      };
    })
    .sort((a, b) => a.port - b.port || compareStrings(a.transport, b.transport));

  return {
    apiVersion: DATAPLANE_CONFIG_API_VERSION,
    kind: DATAPLANE_CONFIG_KIND,
    gateway: { namespace: gw.obj.namespace, name: gw.obj.name },
    ports: portConfigs,
    httpRules,
    backends: backends.all(),
    options: gw.options,
  };
}

function sourceOf(route: RouteState): SourceRef {
  return { kind: route.kind as RouteKind, namespace: route.obj.namespace, name: route.obj.name };
}

function listenerConfig(
  l: ListenerState,
  list: Array<{ route: RouteState; hostnames: string[] }>,
  ruleIndex: Map<CompiledRule, number>,
  backends: Backends,
  allowedNamespaces: string[] | undefined,
): ListenerConfig {
  const base = {
    id: l.id,
    name: l.name,
    parent: { kind: l.parent.kind as 'Gateway' | 'ListenerSet', namespace: l.parent.namespace, name: l.parent.name },
    protocol: l.protocol as ListenerConfig['protocol'],
    hostname: l.hostname,
    allowedNamespaces,
    tls: l.tlsMode ? { mode: l.tlsMode, certificates: l.tlsMode === 'Terminate' ? l.certificates : [], options: l.tlsOptions } : undefined,
  };
  if (l.protocol === 'HTTP' || l.protocol === 'HTTPS') {
    const ranked: Array<RankedMatch & { hostnames: string[]; rule: CompiledRule }> = [];
    for (const { route, hostnames } of list) {
      for (const rule of route.rules) {
        rule.matches.forEach((match, matchIndex) => ranked.push({ route: route.obj, ruleIndex: rule.index, matchIndex, match, hostnames, rule }));
      }
    }
    ranked.sort(compareMatches);
    const httpRoutes: HttpRouteEntry[] = ranked.map((m) => ({
      hostnames: m.hostnames,
      path: m.match.path,
      method: m.match.method,
      headers: m.match.headers,
      queryParams: m.match.queryParams,
      rule: ruleIndex.get(m.rule)!,
      match: m.matchIndex,
    }));
    return { ...base, httpRoutes };
  }
  const byAge = [...list].sort((a, b) => compareAge(a.route.obj, b.route.obj));
  if (l.protocol === 'TLS') {
    const tlsRoutes: TlsRouteEntry[] = byAge.map(({ route, hostnames }) => ({
      source: sourceOf(route),
      hostnames,
      backends: l4Backends(route.l4Backends, backends),
    }));
    return { ...base, tlsRoutes };
  }
  // TCP and UDP: several routes may attach (all Accepted), the oldest one carries the traffic
  const winner = byAge[0];
  return { ...base, l4Route: winner ? { source: sourceOf(winner.route), backends: l4Backends(winner.route.l4Backends, backends) } : undefined };
}

function l4Backends(shares: readonly BackendShare[], backends: Backends): L4BackendConfig[] {
  return shares
    .filter((s) => s.weight > 0)
    .map((s) => {
      const w = backends.share(s);
      return { weight: s.weight, backend: w.backend, invalid: w.invalid };
    });
}

function httpRule(route: RouteState, rule: CompiledRule, backends: Backends): HttpRuleConfig {
  for (const b of rule.filterBackends) backends.register(b);
  const remap = (filters: HttpFilterConfig[]): HttpFilterConfig[] => filters.map((f) => backends.remapFilter(f, rule.filterBackends));
  const weighted: WeightedBackendConfig[] = rule.backends
    .filter((s) => s.weight > 0)
    .map((s) => {
      const w = backends.share(s);
      return { weight: s.weight, backend: w.backend, invalid: w.invalid, filters: remap(s.filters) };
    });
  return {
    source: sourceOf(route),
    ruleIndex: rule.index,
    ruleName: rule.name,
    grpc: route.kind === 'GRPCRoute',
    filters: remap(rule.filters),
    backends: weighted,
    timeouts: rule.timeouts,
    retry: rule.retry,
    sessionPersistence: rule.sessionPersistence,
  };
}

/**
 * The backends of one config. Ids are `<namespace>/<service>:<port>`; when one Service port is spoken to with
 * two protocols (an HTTPRoute and a GRPCRoute on a port without appProtocol), the second gets `#<protocol>`.
 */
class Backends {
  private readonly byId = new Map<string, BackendConfig>();
  private readonly failures = new Map<string, { reason: string; message: string }>();

  public constructor(
    private readonly gw: GatewayState,
    private readonly policies: BackendTlsPolicies,
  ) {}

  public register(d: BackendDraft): string {
    let id = d.id;
    const existing = this.byId.get(id);
    if (existing && existing.protocol !== protocolFor(d, existing.tls !== undefined)) id = `${d.id}#${d.protocol}`;
    if (this.byId.has(id) || this.failures.has(id)) return id;
    const policy = this.policies.forBackend(d, this.gw.obj);
    if (policy && 'failure' in policy) {
      this.failures.set(id, policy.failure);
      return id;
    }
    const tls = policy ? { ...policy.tls, clientCertificate: this.gw.clientCertificate } : undefined;
    this.byId.set(id, { id, kind: 'Service', namespace: d.namespace, name: d.name, port: d.port, protocol: protocolFor(d, tls !== undefined), tls });
    return id;
  }

  public share(s: BackendShare): { backend?: string; invalid?: { reason: string; message: string } } {
    if (s.invalid) return { invalid: s.invalid };
    const id = this.register(s.backend!);
    const failure = this.failures.get(id);
    return failure ? { invalid: failure } : { backend: id };
  }

  /** Points a mirror or external-auth filter at the registered id of its backend. */
  public remapFilter(f: HttpFilterConfig, drafts: readonly BackendDraft[]): HttpFilterConfig {
    if ((f.type !== 'RequestMirror' && f.type !== 'ExternalAuth') || f.backend === undefined) return f;
    const d = drafts.find((x) => x.id === f.backend);
    if (!d) return f;
    const id = this.register(d);
    return this.failures.has(id) ? { ...f, backend: undefined } : { ...f, backend: id };
  }

  public all(): Record<string, BackendConfig> {
    const out: Record<string, BackendConfig> = {};
    for (const id of [...this.byId.keys()].sort()) out[id] = this.byId.get(id)!;
    return out;
  }
}

/** With TLS (a BackendTLSPolicy), h2c becomes h2 (HTTP/2 over TLS with ALPN). */
function protocolFor(d: BackendDraft, tls: boolean): BackendConfig['protocol'] {
  return tls && d.protocol === 'h2c' ? 'h2' : d.protocol;
}
