import { ApiObject, ApiObjectMetadata, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { appState } from './app-state';
import type { Backend } from './backends';
import type { Gateway } from './gateway';
import { GrpcRoute, GrpcRouteOptions } from './grpc-route';
import { HttpRoute, HttpRouteOptions } from './http-route';
import { L4RouteOptions } from './l4-route-base';
import { Listener, ListenerProtocol, RouteKind, supportedRouteKinds } from './listener';
import { ReferenceGrant } from './reference-grant';
import { stripNamespace } from './resource';
import { RouteBase, routeClassName, RouteGuard, RouteParentRef, routeResource } from './route-base';
import { TcpRoute } from './tcp-route';
import { TlsRoute, TlsRouteOptions } from './tls-route';
import { UdpRoute } from './udp-route';
import { addWarning } from './warnings';
import { checkDnsLabel, checkDnsSubdomain, checkHostname, checkLength } from '../spec/checks';
import { GATEWAY_API_GROUP } from '../spec/gateway-api';
import { hostnameCovers, hostnamesIntersect } from '../spec/hostname';
import { MAX_LENGTH } from '../spec/limits';
import { TEAM_LABEL } from '../spec/project';
import { failObject, show, Where } from '../spec/where';

/** Backends in another namespace a team may send traffic to. */
export interface BackendGrant {
  /** Namespace of the Services. */
  readonly namespace: string;
  /**
   * Only these Services.
   * @default - every Service in the namespace
   */
  readonly serviceNames?: string[];
}

/** RBAC for the team: manage its route kinds in its namespace, nothing on Gateways. */
export interface TeamRbac {
  /** The group (as your identity provider names it) whose members may manage the routes. */
  readonly group: string;
}

export interface TeamGrantProps {
  /** The team's namespace: its routes live there and only there. */
  readonly namespace: string;
  /**
   * Hostnames the team may serve, exact or `*.` wildcards (a wildcard covers every name below it).
   * Routes that name no hostnames get these.
   * @default - every hostname the granted listeners accept
   */
  readonly hostnames?: string[];
  /**
   * Names of the Gateway listeners the team may attach to. They must not set `allowedRoutes`: the grant
   * renders it.
   * @default - every listener of the Gateway without explicit allowedRoutes
   */
  readonly listeners?: string[];
  /**
   * Route kinds the team may create.
   * @default - every kind the granted listeners accept
   */
  readonly routeKinds?: RouteKind[];
  /**
   * Services in other namespaces the team may use as backends; a ReferenceGrant is emitted in each.
   * @default - only Services in the team's namespace
   */
  readonly backendGrants?: BackendGrant[];
  /**
   * Emit a Role and RoleBinding that let `group` manage the granted route kinds in the namespace.
   * @default - no RBAC objects
   */
  readonly rbac?: TeamRbac;
  /**
   * Emit the Namespace, labelled for the grant. Otherwise label the existing namespace
   * `cdk8s-gateway.io/team=<team>` yourself.
   * @default false
   */
  readonly createNamespace?: boolean;
}

/** Lets a team route pick a subset of its granted listeners. */
export interface TeamRouteOptions {
  /**
   * Granted listeners (by name) to attach to.
   * @default - every granted listener that accepts the route kind
   */
  readonly listeners?: string[];
}

export interface TeamHttpRouteProps extends HttpRouteOptions, TeamRouteOptions {}
export interface TeamGrpcRouteProps extends GrpcRouteOptions, TeamRouteOptions {}
export interface TeamTlsRouteProps extends TlsRouteOptions, TeamRouteOptions {}
export interface TeamTcpRouteProps extends L4RouteOptions, TeamRouteOptions {}
export interface TeamUdpRouteProps extends L4RouteOptions, TeamRouteOptions {}

const ROUTE_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/**
 * A team's scoped factory, returned by `Gateway.grantTeam()`. Routes created through it live in the team's
 * namespace, attach to the granted listeners, serve only granted hostnames and use only granted
 * backends; anything else throws. The cluster enforces the same grant through the listeners'
 * `allowedRoutes` (a namespace selector on `cdk8s-gateway.io/team`).
 */
export class TeamGrant extends Construct implements RouteGuard {
  /** The namespace label the grants select on: `cdk8s-gateway.io/team: <team>`. */
  public static readonly TEAM_LABEL = TEAM_LABEL;

  /** The team's name (the grant's id). */
  public readonly team: string;
  /** The team's namespace. */
  public readonly namespace: string;
  /** The Gateway the grant is on. */
  public readonly gateway: Gateway;

  private readonly _hostnames: string[];
  private readonly _listeners: string[];
  private readonly _routeKinds: RouteKind[];
  private readonly _backendGrants: BackendGrant[];

  public constructor(gateway: Gateway, id: string, props: TeamGrantProps) {
    // everything is checked before the construct joins the tree, so a refused grant leaves nothing behind
    const where = new Where(`Gateway ${gateway.node.path}`, `grantTeam(${show(id)})`);
    const resolved = resolveGrant(where, gateway, id, props);
    super(gateway, id);
    this.team = id;
    this.gateway = gateway;
    this.namespace = props.namespace;
    this._listeners = resolved.listeners;
    this._routeKinds = resolved.routeKinds;
    this._hostnames = resolved.hostnames;
    this._backendGrants = resolved.backendGrants;
    const state = appState(this);
    if (!state.teamNamespaces.has(this.namespace)) {
      state.teamNamespaces.set(this.namespace, { team: this.team, grantPath: this.node.path, emitted: false });
    }
    gateway._addGrant(this);
    if (props.createNamespace) this.emitNamespace();
    if (props.rbac) this.emitRbac(props.rbac);
    for (const g of this._backendGrants) this.emitReferenceGrant(g);
  }

  /** Hostnames the team may serve (empty: any the listeners accept). */
  public get hostnames(): string[] {
    return [...this._hostnames];
  }

  /** Names of the granted listeners. */
  public get listeners(): string[] {
    return [...this._listeners];
  }

  /** Route kinds the team may create. */
  public get routeKinds(): RouteKind[] {
    return [...this._routeKinds];
  }

  /** Namespaces (besides its own) the team may send traffic to. */
  public get backendGrants(): BackendGrant[] {
    return this._backendGrants.map((g) => ({ ...g }));
  }

  /** An HTTPRoute in the team's namespace, attached to the granted HTTP/HTTPS listeners. */
  public httpRoute(scope: Construct, id: string, props: TeamHttpRouteProps = {}): HttpRoute {
    const { metadata, parents, hostnames } = this.prepare(scope, id, RouteKind.HTTP_ROUTE, props.metadata, props.listeners, props.hostnames);
    const route = new HttpRoute(scope, id, { metadata });
    this.bind(route, parents, hostnames, (r) => (props.rules ?? []).forEach((rule) => r.addRule(rule)));
    return route;
  }

  /** A GRPCRoute in the team's namespace, attached to the granted HTTP/HTTPS listeners. */
  public grpcRoute(scope: Construct, id: string, props: TeamGrpcRouteProps = {}): GrpcRoute {
    const { metadata, parents, hostnames } = this.prepare(scope, id, RouteKind.GRPC_ROUTE, props.metadata, props.listeners, props.hostnames);
    const route = new GrpcRoute(scope, id, { metadata });
    this.bind(route, parents, hostnames, (r) => (props.rules ?? []).forEach((rule) => r.addRule(rule)));
    return route;
  }

  /** A TLSRoute in the team's namespace, attached to the granted TLS listeners. */
  public tlsRoute(scope: Construct, id: string, props: TeamTlsRouteProps = {}): TlsRoute {
    const { metadata, parents, hostnames } = this.prepare(scope, id, RouteKind.TLS_ROUTE, props.metadata, props.listeners, props.hostnames);
    const route = new TlsRoute(scope, id, { metadata, ruleName: props.ruleName });
    this.bind(route, parents, hostnames, (r) => (props.backends ?? []).forEach((b) => r.addBackend(b)));
    return route;
  }

  /** A TCPRoute in the team's namespace, attached to the granted TCP listeners. */
  public tcpRoute(scope: Construct, id: string, props: TeamTcpRouteProps = {}): TcpRoute {
    const { metadata, parents } = this.prepare(scope, id, RouteKind.TCP_ROUTE, props.metadata, props.listeners, undefined);
    const route = new TcpRoute(scope, id, { metadata, ruleName: props.ruleName });
    this.bind(route, parents, [], (r) => (props.backends ?? []).forEach((b) => r.addBackend(b)));
    return route;
  }

  /** A UDPRoute in the team's namespace, attached to the granted UDP listeners. */
  public udpRoute(scope: Construct, id: string, props: TeamUdpRouteProps = {}): UdpRoute {
    const { metadata, parents } = this.prepare(scope, id, RouteKind.UDP_ROUTE, props.metadata, props.listeners, undefined);
    const route = new UdpRoute(scope, id, { metadata, ruleName: props.ruleName });
    this.bind(route, parents, [], (r) => (props.backends ?? []).forEach((b) => r.addBackend(b)));
    return route;
  }

  /** @internal */
  public _checkHostname(where: Where, hostname: string): void {
    if (this._hostnames.length === 0 || this._hostnames.some((g) => hostnameCovers(g, hostname))) return;
    failObject(where, `team "${this.team}" may not use hostname ${show(hostname)} (granted: ${this._hostnames.join(', ')})`);
  }

  /** @internal */
  public _checkParentRef(where: Where, ref: RouteParentRef): void {
    if (ref.parent !== this.gateway) {
      failObject(where, `team "${this.team}" may only attach to ${this.gateway._describe()} (not ${ref.parent.kind} ${ref.parent.name})`);
    }
    if (ref.sectionName === undefined || !this._listeners.includes(ref.sectionName)) {
      failObject(where, `team "${this.team}" may not use listener ${ref.sectionName === undefined ? '(all listeners)' : show(ref.sectionName)} ` +
        `(granted: ${this._listeners.join(', ')})`);
    }
  }

  /** @internal */
  public _checkBackend(where: Where, backend: Backend): void {
    const ns = backend.namespace;
    if (ns === undefined || ns === this.namespace) return;
    const grant = this._backendGrants.find((g) => g.namespace === ns);
    const granted = [this.namespace, ...this._backendGrants.map((g) => g.namespace)].join(', ');
    if (!grant || !backend._isService) {
      failObject(where, `team "${this.team}" may not use backends in namespace ${show(ns)} (granted: ${granted})`);
    }
    if (grant.serviceNames && !grant.serviceNames.includes(backend.name)) {
      failObject(where, `team "${this.team}" may not use Service ${show(`${ns}/${backend.name}`)} (granted in ${ns}: ${grant.serviceNames.join(', ')})`);
    }
  }

  /** Synth-time checks of the grant (run by the Gateway's validation). @internal */
  public _validate(): string[] {
    const errors: string[] = [];
    const ns = this.node.root.node.findAll().find((c): c is ApiObject =>
      c instanceof ApiObject && c.kind === 'Namespace' && c.name === this.namespace);
    if (ns && ns.metadata.getLabel(TeamGrant.TEAM_LABEL) !== this.team) {
      errors.push(`Gateway: grantTeam("${this.team}"): Namespace "${this.namespace}" (${ns.node.path}) must carry the label ` +
        `${TeamGrant.TEAM_LABEL}=${this.team}, or the cluster admits none of the team's routes`);
    } else if (!ns) {
      addWarning(this, `namespace "${this.namespace}" must carry the label ${TeamGrant.TEAM_LABEL}=${this.team} for the routes to attach; ` +
        'pass createNamespace: true to emit it, or label the namespace yourself');
    }
    return errors;
  }

  /** Checks everything that can be checked before the route exists. */
  private prepare(scope: Construct, id: string, kind: RouteKind, metadata: ApiObjectMetadata | undefined,
    listeners: string[] | undefined, hostnames: string[] | undefined) {
    const where = new Where(`${routeClassName(kind)} ${scope.node.path ? `${scope.node.path}/` : ''}${id}`);
    if (!this._routeKinds.includes(kind)) {
      failObject(where, `team "${this.team}" may not create ${kind} (granted: ${this._routeKinds.join(', ')})`);
    }
    const chartNs = Chart.of(scope).namespace;
    const ns = metadata?.namespace ?? chartNs;
    if (ns !== undefined && ns !== this.namespace) {
      failObject(where.at(metadata?.namespace ? 'metadata.namespace' : 'namespace (from the chart)'),
        `team "${this.team}" may not place routes in namespace ${show(ns)} (granted: ${this.namespace})`);
    }
    const granted = this._listeners.map((n) => this.gateway.listeners.find((l) => l.name === n)).filter((l): l is Listener => !!l);
    (listeners ?? []).forEach((n, i) => {
      if (!this._listeners.includes(n)) {
        failObject(where.at('listeners').at(i), `team "${this.team}" may not use listener ${show(n)} (granted: ${this._listeners.join(', ')})`);
      }
    });
    const chosen = granted.filter((l) => (listeners ?? this._listeners).includes(l.name) && l.routeKinds.includes(kind));
    if (chosen.length === 0) {
      failObject(where, `team "${this.team}" has no granted listener that accepts ${kind} ` +
        `(granted: ${granted.map((l) => `${l.name}: ${l.protocol}`).join(', ')})`);
    }
    // by default a route serves the granted hostnames its listeners can receive
    const names = hostnames ?? this._hostnames.filter((h) => chosen.some((l) => !l.hostname || hostnamesIntersect(h, l.hostname)));
    names.forEach((h, i) => {
      checkLength(where.at('hostnames').at(i), h, 1, MAX_LENGTH.hostname);
      this._checkHostname(where.at('hostnames').at(i), h);
    });
    return {
      metadata: { ...metadata, namespace: this.namespace },
      parents: chosen.map((l) => ({ parent: this.gateway, sectionName: l.name })),
      hostnames: names,
    };
  }

  private bind<R extends RouteBase>(route: R, parents: RouteParentRef[], hostnames: string[], addRest: (r: R) => void): void {
    route._setGuard(this);
    for (const p of parents) route.addParentRef(p);
    for (const h of hostnames) (route as unknown as { addHostname(h: string): void }).addHostname(h);
    addRest(route);
  }

  private emitNamespace(): void {
    const state = appState(this).teamNamespaces.get(this.namespace)!;
    if (state.emitted) return;
    state.emitted = true;
    const obj = new ApiObject(this, 'Namespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: this.namespace, labels: { [TeamGrant.TEAM_LABEL]: this.team } },
    });
    stripNamespace(obj);
  }

  private emitRbac(rbac: TeamRbac): void {
    const name = `${this.gateway.name}-routes`;
    new ApiObject(this, 'Role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace: this.namespace, labels: { [TeamGrant.TEAM_LABEL]: this.team } },
      rules: [{
        apiGroups: [GATEWAY_API_GROUP],
        resources: this._routeKinds.map(routeResource),
        verbs: ROUTE_VERBS,
      }],
    } as any);
    new ApiObject(this, 'RoleBinding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: this.namespace, labels: { [TeamGrant.TEAM_LABEL]: this.team } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: rbac.group }],
    } as any);
  }

  /** One ReferenceGrant per (target namespace, team namespace) in the app, merged across grants. */
  private emitReferenceGrant(g: BackendGrant): void {
    const state = appState(this);
    const key = `${g.namespace}|${this.namespace}`;
    let rg = state.backendGrants.get(key) as ReferenceGrant | undefined;
    if (!rg) {
      rg = new ReferenceGrant(this, `ReferenceGrant-${g.namespace}`, {
        metadata: { name: `routes-from-${this.namespace}`, namespace: g.namespace, labels: { [TeamGrant.TEAM_LABEL]: this.team } },
        from: [],
        to: [],
      });
      state.backendGrants.set(key, rg);
    }
    for (const kind of this._routeKinds) rg.addFrom({ kind, namespace: this.namespace });
    for (const name of g.serviceNames ?? [undefined]) rg.addTo({ group: '', kind: 'Service', ...(name ? { name } : {}) });
  }
}

/** Checks a grant against its Gateway and the app, and resolves its defaults. */
function resolveGrant(where: Where, gateway: Gateway, id: string, props: TeamGrantProps) {
  checkDnsLabel(where.at('id'), id);
  if (gateway.node.tryFindChild(id)) failObject(where, `team "${id}" is already granted on this Gateway; grant it once with every listener it needs`);
  checkDnsLabel(where.at('namespace'), props.namespace);
  if (props.rbac) checkLength(where.at('rbac.group'), props.rbac.group, 1, MAX_LENGTH.dnsSubdomain);

  // listeners: granted ones must exist and leave allowedRoutes to the grant
  const open = gateway.listeners.filter((l) => !l.allowedRoutes);
  const listeners = props.listeners ? [...props.listeners] : open.map((l) => l.name);
  if (listeners.length === 0) failObject(where.at('listeners'), 'no listener can be granted: every listener sets allowedRoutes explicitly');
  const granted = listeners.map((name, i) => {
    const l = gateway.listeners.find((x) => x.name === name);
    if (!l) failObject(where.at('listeners').at(i), `${show(name)} is not a listener of the Gateway (listeners: ${gateway.listeners.map((x) => x.name).join(', ')})`);
    if (l.allowedRoutes) {
      failObject(where.at('listeners').at(i), `listener ${show(name)} sets allowedRoutes explicitly, so the cluster could not enforce the grant; ` +
        'remove allowedRoutes from the listener (the grant renders it)');
    }
    return l;
  });

  // route kinds: each must be carried by some granted listener
  const carried = [...new Set(granted.flatMap((l) => supportedRouteKinds(l.protocol)))];
  const routeKinds = props.routeKinds ? [...props.routeKinds] : carried;
  routeKinds.forEach((k, i) => {
    if (!carried.includes(k)) {
      failObject(where.at('routeKinds').at(i), `${k} cannot attach to any granted listener (${granted.map((l) => `${l.name}: ${l.protocol}`).join(', ')})`);
    }
  });

  // hostnames: valid, and each reachable through some granted listener
  const hostnames = [...(props.hostnames ?? [])];
  const named = granted.filter((l) => l.protocol !== ListenerProtocol.TCP && l.protocol !== ListenerProtocol.UDP);
  hostnames.forEach((h, i) => {
    checkHostname(where.at('hostnames').at(i), h);
    if (named.length === 0) failObject(where.at('hostnames').at(i), `${show(h)}: hostnames need an HTTP, HTTPS or TLS listener, and none is granted`);
    if (!named.some((l) => !l.hostname || hostnamesIntersect(h, l.hostname))) {
      failObject(where.at('hostnames').at(i), `${show(h)} matches no granted listener (${named.map((l) => `${l.name}: ${l.hostname}`).join(', ')})`);
    }
  });

  const backendGrants = (props.backendGrants ?? []).map((g, i): BackendGrant => {
    checkDnsLabel(where.at('backendGrants').at(i).at('namespace'), g.namespace);
    if (g.namespace === props.namespace) failObject(where.at('backendGrants').at(i), `${show(g.namespace)} is the team's own namespace; it needs no grant`);
    (g.serviceNames ?? []).forEach((svc, j) => checkDnsSubdomain(where.at('backendGrants').at(i).at('serviceNames').at(j), svc));
    return { namespace: g.namespace, ...(g.serviceNames ? { serviceNames: [...g.serviceNames] } : {}) };
  });

  // one namespace belongs to one team (its label can only name one)
  const owner = appState(gateway).teamNamespaces.get(props.namespace);
  if (owner && owner.team !== id) {
    failObject(where.at('namespace'), `namespace "${props.namespace}" is already granted to team "${owner.team}" (${owner.grantPath}); ` +
      'one namespace belongs to one team');
  }
  return { listeners, routeKinds, hostnames, backendGrants };
}
