import { ApiObject, ApiObjectMetadata, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { appState } from './app-state';
import type { Backend } from './backends';
import type { Gateway, IGateway } from './gateway';
import { enableGrantAudit } from './grant-audit';
import { GrpcRoute, GrpcRouteOptions } from './grpc-route';
import { HttpRoute, HttpRouteOptions } from './http-route';
import { L4RouteOptions } from './l4-route-base';
import { Listener, ListenerProtocol, RouteKind } from './listener';
import { ReferenceGrant } from './reference-grant';
import { effectiveNamespace, stripNamespace } from './resource';
import { AttachmentTarget, RouteBase, routeClassName, RouteGuard, RouteParentRef, routeResource } from './route-base';
import { TcpRoute } from './tcp-route';
import { checkRendering, GrantView, RenderedListener } from './team-listeners';
import { TlsRoute, TlsRouteOptions } from './tls-route';
import { UdpRoute } from './udp-route';
import type { GrantSpec } from '../compiler/grant-audit';
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
   * Hostnames the team may serve, exact or `*.` wildcards (a wildcard covers every name below it). Each one
   * becomes a listener of the Gateway on each granted listener it falls under, admitting only this team's
   * namespace. Routes that name no hostnames get these.
   * @default - every hostname the granted listeners accept
   */
  readonly hostnames?: string[];
  /**
   * Names of the Gateway listeners the team may attach to. They must not set `allowedRoutes`: the grant
   * renders it.
   * @default - every listener of the Gateway without explicit allowedRoutes that serves a granted hostname
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
   * Emit the Namespace (labelled `cdk8s-gateway.io/team=<team>` for reference: the grant admits the namespace
   * by its name, which only the API server sets, not by a label).
   * @default false
   */
  readonly createNamespace?: boolean;
}

/** Lets a team route pick a subset of its listeners. */
export interface TeamRouteOptions {
  /**
   * Listeners (by name) to attach to: granted listeners of the Gateway (then the team's listeners on them that
   * serve the route's hostnames), or the team's own listeners (`team.gateway.listeners`).
   * @default - every listener of the team that accepts the route kind and serves the route's hostnames
   */
  readonly listeners?: string[];
}

export interface TeamHttpRouteProps extends HttpRouteOptions, TeamRouteOptions {}
export interface TeamGrpcRouteProps extends GrpcRouteOptions, TeamRouteOptions {}
export interface TeamTlsRouteProps extends TlsRouteOptions, TeamRouteOptions {}
export interface TeamTcpRouteProps extends L4RouteOptions, TeamRouteOptions {}
export interface TeamUdpRouteProps extends L4RouteOptions, TeamRouteOptions {}

/** A listener a team may attach routes to: a granted listener, narrowed to one granted hostname. */
export interface TeamListener {
  /** Its name, the `sectionName` of the team's parentRefs (`websecure-shop.example.com`). */
  readonly name: string;
  /** The Gateway listener it was granted from (the same name when the team has it whole). */
  readonly grantedListener: string;
  /** Port. */
  readonly port: number;
  /** Protocol. */
  readonly protocol: ListenerProtocol;
  /**
   * The hostname it serves.
   * @default - every hostname
   */
  readonly hostname?: string;
}

const ROUTE_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/** The grant behind a team handle or a Gateway reference; unreachable from them (not a property). */
const grantOf = new WeakMap<object, TeamGrant>();

/**
 * The platform's side of a team grant, made by `Gateway.grantTeam()` under the Gateway: the grant itself, the
 * objects it emits (Namespace, Role, RoleBinding, ReferenceGrants) and `team`, the handle to give the team.
 * The Gateway renders the grant as listeners that admit only the team's namespace, for its hostnames and route
 * kinds, so the cluster enforces it whatever produced a route; synth checks every route against it.
 */
export class TeamGrant extends Construct {
  /** A label on the objects a grant emits (Namespace, Role, ReferenceGrant): `cdk8s-gateway.io/team: <team>`. */
  public static readonly TEAM_LABEL = TEAM_LABEL;

  /** The team's name (the grant's id). */
  public readonly teamName: string;
  /** The team's namespace. */
  public readonly namespace: string;
  /** The Gateway the grant is on. */
  public readonly gateway: Gateway;
  /** The handle to give the team: its route factories and a reference to the Gateway, nothing that widens the grant. */
  public readonly team: Team;

  private readonly _hostnames: string[];
  private readonly _listeners: string[];
  private readonly _routeKinds: RouteKind[];
  private readonly _backendGrants: BackendGrant[];
  private readonly _routes: RouteBase[] = [];

  public constructor(gateway: Gateway, id: string, props: TeamGrantProps) {
    // everything is checked before the construct joins the tree, so a refused grant leaves nothing behind
    const where = new Where(`Gateway ${gateway.node.path}`, `grantTeam(${show(id)})`);
    const resolved = resolveGrant(where, gateway, id, props);
    super(gateway, id);
    this.teamName = id;
    this.gateway = gateway;
    this.namespace = props.namespace;
    this._listeners = resolved.listeners;
    this._routeKinds = resolved.routeKinds;
    this._hostnames = resolved.hostnames;
    this._backendGrants = resolved.backendGrants;
    const state = appState(this);
    if (!state.teamNamespaces.has(this.namespace)) {
      state.teamNamespaces.set(this.namespace, { team: this.teamName, grantPath: this.node.path, emitted: false });
    }
    gateway._addGrant(this);
    enableGrantAudit(this);
    this.team = Team._of(this);
    if (props.createNamespace) this.emitNamespace();
    if (props.rbac) this.emitRbac(props.rbac);
    for (const g of this._backendGrants) this.emitReferenceGrant(g);
  }

  /** Hostnames the team may serve (empty: any the listeners accept). */
  public get hostnames(): string[] {
    return [...this._hostnames];
  }

  /** Names of the granted listeners of the Gateway. */
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

  /** The listeners rendered for the team, as it sees them. */
  public get teamListeners(): TeamListener[] {
    return this._rendered().map((r) => ({
      name: r.listener.name,
      grantedListener: r.granted.name,
      port: r.listener.port,
      protocol: r.listener.protocol,
      ...(r.listener.hostname !== undefined ? { hostname: r.listener.hostname } : {}),
    }));
  }

  /** The routes made through the team's factories. @internal */
  public get _madeRoutes(): RouteBase[] {
    return [...this._routes];
  }

  /** Where the grant is made, for messages: `grantTeam("shop") on Gateway gateway-system/edge (platform/edge/shop)`. @internal */
  public get _source(): string {
    return `grantTeam("${this.teamName}") on ${this.gateway._describe()} (${this.node.path})`;
  }

  /** The grant as the compiler's audit reads it. @internal */
  public _spec(): GrantSpec {
    return {
      team: this.teamName,
      namespace: this.namespace,
      gateway: { namespace: effectiveNamespace(this.gateway.namespace), name: this.gateway.name },
      source: this._source,
      hostnames: this.hostnames,
      routeKinds: this.routeKinds,
      listeners: this.teamListeners.map((l) => ({
        name: l.name, granted: l.grantedListener, ...(l.hostname !== undefined ? { hostname: l.hostname } : {}),
      })),
    };
  }

  /** The Gateway's rendered listeners that admit this team. @internal */
  public _rendered(): RenderedListener[] {
    return this.gateway._renderedListeners().filter((r) => r.grants.includes(this));
  }

  /** A route of `kind` in the team's namespace, attached to its listeners (the team factories). @internal */
  public _prepare(scope: Construct, id: string, kind: RouteKind, metadata: ApiObjectMetadata | undefined,
    listeners: string[] | undefined, hostnames: string[] | undefined) {
    const where = new Where(`${routeClassName(kind)} ${scope.node.path ? `${scope.node.path}/` : ''}${id}`);
    if (!this._routeKinds.includes(kind)) {
      failObject(where, `team "${this.teamName}" may not create ${kind} (granted: ${this._routeKinds.join(', ')})`);
    }
    const chartNs = Chart.of(scope).namespace;
    const ns = metadata?.namespace ?? chartNs;
    if (ns !== undefined && ns !== this.namespace) {
      failObject(where.at(metadata?.namespace ? 'metadata.namespace' : 'namespace (from the chart)'),
        `team "${this.teamName}" may not place routes in namespace ${show(ns)} (granted: ${this.namespace})`);
    }
    const own = this.teamListeners;
    const known = [...this._listeners, ...own.map((l) => l.name).filter((n) => !this._listeners.includes(n))];
    (listeners ?? []).forEach((n, i) => {
      if (!known.includes(n)) failObject(where.at('listeners').at(i), `team "${this.teamName}" may not use listener ${show(n)} (granted: ${known.join(', ')})`);
    });
    const granted = this._listeners.map((n) => this.gateway.listener(n));
    const picked = (l: TeamListener) => !listeners || listeners.includes(l.name) || listeners.includes(l.grantedListener);
    const chosen = own.filter((l) => picked(l) && granted.find((g) => g.name === l.grantedListener)!.routeKinds.includes(kind));
    if (chosen.length === 0) {
      failObject(where, `team "${this.teamName}" has no granted listener that accepts ${kind} ` +
        `(granted: ${granted.map((l) => `${l.name}: ${l.protocol}`).join(', ')})`);
    }
    // by default a route serves the granted hostnames its listeners can receive
    const names = hostnames ?? this._hostnames.filter((h) => chosen.some((l) => !l.hostname || hostnamesIntersect(h, l.hostname)));
    names.forEach((h, i) => {
      checkLength(where.at('hostnames').at(i), h, 1, MAX_LENGTH.hostname);
      this._checkHostname(where.at('hostnames').at(i), h);
    });
    // parents name the granted listeners (or the team's own); they render as the team's listeners serving the route's names
    const parents = [...new Set(chosen.map((l) => (listeners?.includes(l.name) ? l.name : l.grantedListener)))];
    return {
      metadata: { ...metadata, namespace: this.namespace },
      parents: parents.map((sectionName) => ({ parent: this.team.gateway, sectionName })),
      hostnames: names,
    };
  }

  /** Binds a route made through the factory to the grant: every later change is checked against it. @internal */
  public _bind<R extends RouteBase>(route: R, parents: RouteParentRef[], hostnames: string[], addRest: (r: R) => void): R {
    route._setGuard(this._guard());
    for (const p of parents) route.addParentRef(p);
    for (const h of hostnames) (route as unknown as { addHostname(h: string): void }).addHostname(h);
    addRest(route);
    this._routes.push(route);
    return route;
  }

  /** @internal */
  public _checkHostname(where: Where, hostname: string): void {
    if (this._hostnames.length === 0 || this._hostnames.some((g) => hostnameCovers(g, hostname))) return;
    failObject(where, `team "${this.teamName}" may not use hostname ${show(hostname)} (granted: ${this._hostnames.join(', ')})`);
  }

  /** @internal */
  public _checkParentRef(where: Where, ref: RouteParentRef): void {
    const gw = this.gateway;
    const p = ref.parent;
    const same = p.kind === 'Gateway' && p.apiGroup === GATEWAY_API_GROUP && p.name === gw.name && effectiveNamespace(p.namespace) === effectiveNamespace(gw.namespace);
    if (!same) failObject(where, `team "${this.teamName}" may only attach to ${gw._describe()} (not ${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name})`);
    const names = [...this._listeners, ...this.teamListeners.map((l) => l.name)];
    if (ref.sectionName === undefined || !names.includes(ref.sectionName)) {
      failObject(where, `team "${this.teamName}" may not use listener ${ref.sectionName === undefined ? '(all listeners)' : show(ref.sectionName)} ` +
        `(granted: ${[...new Set(names)].join(', ')})`);
    }
  }

  /** @internal */
  public _checkBackend(where: Where, backend: Backend): void {
    const ns = backend.namespace;
    if (ns === undefined || ns === this.namespace) return;
    const grant = this._backendGrants.find((g) => g.namespace === ns);
    const granted = [this.namespace, ...this._backendGrants.map((g) => g.namespace)].join(', ');
    if (!grant || !backend._isService) {
      failObject(where, `team "${this.teamName}" may not use backends in namespace ${show(ns)} (granted: ${granted})`);
    }
    if (grant.serviceNames && !grant.serviceNames.includes(backend.name)) {
      failObject(where, `team "${this.teamName}" may not use Service ${show(`${ns}/${backend.name}`)} (granted in ${ns}: ${grant.serviceNames.join(', ')})`);
    }
  }

  /**
   * A granted listener named in a parentRef renders as the team's listeners on it that serve the route's
   * hostnames (all of them when none does: the attachment check then says why). @internal
   */
  public _renderParentRefs(refs: RouteParentRef[], hostnames: string[]): RouteParentRef[] {
    const own = this.teamListeners;
    return refs.flatMap((ref) => {
      if (ref.sectionName === undefined || !this._listeners.includes(ref.sectionName)) return [ref];
      const on = own.filter((l) => l.grantedListener === ref.sectionName);
      const serves = (l: TeamListener) => l.hostname === undefined || hostnames.some((h) => hostnamesIntersect(h, l.hostname!));
      const serving = on.filter((l) => hostnames.length === 0 || serves(l));
      const pick = serving.length > 0 ? serving : on;
      return pick.length > 0 ? pick.map((l) => ({ ...ref, sectionName: l.name })) : [ref];
    });
  }

  /** The route guard (closures: a route holding it cannot reach the grant). */
  private _guard(): RouteGuard {
    return {
      _checkHostname: (where, hostname) => this._checkHostname(where, hostname),
      _checkParentRef: (where, ref) => this._checkParentRef(where, ref),
      _checkBackend: (where, backend) => this._checkBackend(where, backend),
      _renderParentRefs: (refs, hostnames) => this._renderParentRefs(refs, hostnames),
    };
  }

  private emitNamespace(): void {
    const state = appState(this).teamNamespaces.get(this.namespace)!;
    if (state.emitted) return;
    state.emitted = true;
    const obj = new ApiObject(this, 'Namespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: this.namespace, labels: { [TeamGrant.TEAM_LABEL]: this.teamName } },
    });
    stripNamespace(obj);
  }

  private emitRbac(rbac: TeamRbac): void {
    const name = `${this.gateway.name}-routes`;
    new ApiObject(this, 'Role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace: this.namespace, labels: { [TeamGrant.TEAM_LABEL]: this.teamName } },
      rules: [{
        apiGroups: [GATEWAY_API_GROUP],
        resources: this._routeKinds.map(routeResource),
        verbs: ROUTE_VERBS,
      }],
    } as any);
    new ApiObject(this, 'RoleBinding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: this.namespace, labels: { [TeamGrant.TEAM_LABEL]: this.teamName } },
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
        metadata: { name: `routes-from-${this.namespace}`, namespace: g.namespace, labels: { [TeamGrant.TEAM_LABEL]: this.teamName } },
        from: [],
        to: [],
      });
      state.backendGrants.set(key, rg);
    }
    for (const kind of this._routeKinds) rg.addFrom({ kind, namespace: this.namespace });
    for (const name of g.serviceNames ?? [undefined]) rg.addTo({ group: '', kind: 'Service', ...(name ? { name } : {}) });
  }
}

/**
 * What an application team receives from `Gateway.grantTeam()`: factories for routes in its namespace, on its
 * listeners, for its hostnames and route kinds, and a reference to the Gateway. It holds nothing that can
 * change a grant: not the Gateway construct, not the grant, no way to label a namespace. (In one TypeScript
 * program anything can reach anything through the construct tree; what the team writes is checked at synth
 * and, in the cluster, by the listeners the grant renders.)
 */
export class Team {
  /** @internal */
  public static _of(grant: TeamGrant): Team {
    const team = new Team(grant.teamName, grant.namespace, GatewayReference._of(grant));
    grantOf.set(team, grant);
    return team;
  }

  private constructor(
    /** The team's name. */
    public readonly name: string,
    /** The team's namespace: its routes live there. */
    public readonly namespace: string,
    /** The Gateway the team may attach to, and its listeners there. */
    public readonly gateway: GatewayReference,
  ) {}

  /** Hostnames the team may serve (empty: any its listeners accept). */
  public get hostnames(): string[] {
    return grantOf.get(this)!.hostnames;
  }

  /** Route kinds the team may create. */
  public get routeKinds(): RouteKind[] {
    return grantOf.get(this)!.routeKinds;
  }

  /** Namespaces (besides its own) the team may send traffic to. */
  public get backendGrants(): BackendGrant[] {
    return grantOf.get(this)!.backendGrants;
  }

  /** An HTTPRoute in the team's namespace, attached to its HTTP/HTTPS listeners. */
  public httpRoute(scope: Construct, id: string, props: TeamHttpRouteProps = {}): HttpRoute {
    const g = grantOf.get(this)!;
    const { metadata, parents, hostnames } = g._prepare(scope, id, RouteKind.HTTP_ROUTE, props.metadata, props.listeners, props.hostnames);
    return g._bind(new HttpRoute(scope, id, { metadata }), parents, hostnames, (r) => (props.rules ?? []).forEach((rule) => r.addRule(rule)));
  }

  /** A GRPCRoute in the team's namespace, attached to its HTTP/HTTPS listeners. */
  public grpcRoute(scope: Construct, id: string, props: TeamGrpcRouteProps = {}): GrpcRoute {
    const g = grantOf.get(this)!;
    const { metadata, parents, hostnames } = g._prepare(scope, id, RouteKind.GRPC_ROUTE, props.metadata, props.listeners, props.hostnames);
    return g._bind(new GrpcRoute(scope, id, { metadata }), parents, hostnames, (r) => (props.rules ?? []).forEach((rule) => r.addRule(rule)));
  }

  /** A TLSRoute in the team's namespace, attached to its TLS listeners. */
  public tlsRoute(scope: Construct, id: string, props: TeamTlsRouteProps = {}): TlsRoute {
    const g = grantOf.get(this)!;
    const { metadata, parents, hostnames } = g._prepare(scope, id, RouteKind.TLS_ROUTE, props.metadata, props.listeners, props.hostnames);
    const route = new TlsRoute(scope, id, { metadata, ruleName: props.ruleName });
    return g._bind(route, parents, hostnames, (r) => (props.backends ?? []).forEach((b) => r.addBackend(b)));
  }

  /** A TCPRoute in the team's namespace, attached to its TCP listeners. */
  public tcpRoute(scope: Construct, id: string, props: TeamTcpRouteProps = {}): TcpRoute {
    const g = grantOf.get(this)!;
    const { metadata, parents } = g._prepare(scope, id, RouteKind.TCP_ROUTE, props.metadata, props.listeners, undefined);
    const route = new TcpRoute(scope, id, { metadata, ruleName: props.ruleName });
    return g._bind(route, parents, [], (r) => (props.backends ?? []).forEach((b) => r.addBackend(b)));
  }

  /** A UDPRoute in the team's namespace, attached to its UDP listeners. */
  public udpRoute(scope: Construct, id: string, props: TeamUdpRouteProps = {}): UdpRoute {
    const g = grantOf.get(this)!;
    const { metadata, parents } = g._prepare(scope, id, RouteKind.UDP_ROUTE, props.metadata, props.listeners, undefined);
    const route = new UdpRoute(scope, id, { metadata, ruleName: props.ruleName });
    return g._bind(route, parents, [], (r) => (props.backends ?? []).forEach((b) => r.addBackend(b)));
  }
}

/**
 * A Gateway as a team sees it: its name and namespace, and the listeners the team may attach to. Routes written
 * without the factories (`new HttpRoute(...)`, YAML) name it in `parentRefs` with one of these listeners as
 * `sectionName`.
 */
export class GatewayReference implements IGateway, AttachmentTarget {
  /** @internal */
  public static _of(grant: TeamGrant): GatewayReference {
    const ref = new GatewayReference(grant.gateway.name, effectiveNamespace(grant.gateway.namespace));
    grantOf.set(ref, grant);
    return ref;
  }

  /** API group, `gateway.networking.k8s.io`. */
  public readonly apiGroup = GATEWAY_API_GROUP;
  /** `Gateway`. */
  public readonly kind = 'Gateway';
  /** @internal */
  public readonly _isAttachmentTarget = true;

  private constructor(
    /** The Gateway's name. */
    public readonly name: string,
    /** The Gateway's namespace (always set: a team's routes live in another namespace). */
    public readonly namespace?: string,
  ) {}

  /** The listeners the team may attach routes to (their names are the `sectionName`s to use). */
  public get listeners(): TeamListener[] {
    return grantOf.get(this)!.teamListeners;
  }

  /** @internal */
  public _describe(): string {
    return grantOf.get(this)!.gateway._describe();
  }

  /** @internal */
  public _hasGrants(): boolean {
    return true;
  }

  /** @internal */
  public _attachableListeners(): Listener[] {
    return grantOf.get(this)!.gateway._attachableListeners();
  }

  /** @internal */
  public _refusal(listener: Listener, kind: RouteKind, namespace: string): string | undefined {
    return grantOf.get(this)!.gateway._refusal(listener, kind, namespace);
  }
}

/** Checks a grant against its Gateway and the app, and resolves its defaults. */
function resolveGrant(where: Where, gateway: Gateway, id: string, props: TeamGrantProps) {
  checkDnsLabel(where.at('id'), id);
  if (gateway.node.tryFindChild(id)) failObject(where, `team "${id}" is already granted on this Gateway; grant it once with every listener it needs`);
  checkDnsLabel(where.at('namespace'), props.namespace);
  if (props.rbac) checkLength(where.at('rbac.group'), props.rbac.group, 1, MAX_LENGTH.dnsSubdomain);

  // a team that could add its own listeners with a ListenerSet could serve any hostname
  const allowed = gateway.allowedListeners;
  if (allowed.from === 'All' || allowed.from === 'Selector') {
    failObject(where, `${gateway._describe()} lets ListenerSets attach from ${allowed.from === 'All' ? 'every namespace' : 'namespaces selected by labels'} ` +
      '(allowedListeners), so a team could add a listener for any hostname from its own namespace, outside its grant; ' +
      'use AllowedListeners.sameNamespace() or AllowedListeners.none() on a Gateway with team grants');
  }

  // listeners: granted ones must exist and leave allowedRoutes to the grant
  const hostnames = [...(props.hostnames ?? [])];
  hostnames.forEach((h, i) => checkHostname(where.at('hostnames').at(i), h));
  const serves = (l: Listener) => hostnames.length === 0 || l.protocol === ListenerProtocol.TCP || l.protocol === ListenerProtocol.UDP ||
    !l.hostname || hostnames.some((h) => hostnamesIntersect(h, l.hostname!));
  const open = gateway.listeners.filter((l) => !l.allowedRoutes && serves(l));
  const listeners = props.listeners ? [...props.listeners] : open.map((l) => l.name);
  if (listeners.length === 0) {
    failObject(where.at('listeners'), gateway.listeners.some((l) => !l.allowedRoutes)
      ? `no listener serves the granted hostnames (${gateway.listeners.map((l) => `${l.name}: ${l.hostname ?? 'any'}`).join(', ')})`
      : 'no listener can be granted: every listener sets allowedRoutes explicitly');
  }
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
  const carried = [...new Set(granted.flatMap((l) => l.routeKinds))];
  const routeKinds = props.routeKinds ? [...props.routeKinds] : carried;
  routeKinds.forEach((k, i) => {
    if (!carried.includes(k)) {
      failObject(where.at('routeKinds').at(i), `${k} cannot attach to any granted listener (${granted.map((l) => `${l.name}: ${l.protocol}`).join(', ')})`);
    }
  });

  // hostnames: each reachable through some granted listener
  const named = granted.filter((l) => l.protocol !== ListenerProtocol.TCP && l.protocol !== ListenerProtocol.UDP);
  hostnames.forEach((h, i) => {
    if (named.length === 0) failObject(where.at('hostnames').at(i), `${show(h)}: hostnames need an HTTP, HTTPS or TLS listener, and none is granted`);
    if (!named.some((l) => !l.hostname || hostnamesIntersect(h, l.hostname))) {
      failObject(where.at('hostnames').at(i), `${show(h)} matches no granted listener (${named.map((l) => `${l.name}: ${l.hostname}`).join(', ')})`);
    }
  });

  granted.forEach((l, i) => {
    if (!serves(l)) {
      failObject(where.at('listeners').at(i), `listener ${show(l.name)} (${l.hostname}) serves none of the granted hostnames (${hostnames.join(', ')}); ` +
        `grant a hostname under ${l.hostname}, or leave the listener out`);
    }
  });

  const backendGrants = (props.backendGrants ?? []).map((g, i): BackendGrant => {
    checkDnsLabel(where.at('backendGrants').at(i).at('namespace'), g.namespace);
    if (g.namespace === props.namespace) failObject(where.at('backendGrants').at(i), `${show(g.namespace)} is the team's own namespace; it needs no grant`);
    (g.serviceNames ?? []).forEach((svc, j) => checkDnsSubdomain(where.at('backendGrants').at(i).at('serviceNames').at(j), svc));
    return { namespace: g.namespace, ...(g.serviceNames ? { serviceNames: [...g.serviceNames] } : {}) };
  });

  // one namespace belongs to one team
  const owner = appState(gateway).teamNamespaces.get(props.namespace);
  if (owner && owner.team !== id) {
    failObject(where.at('namespace'), `namespace "${props.namespace}" is already granted to team "${owner.team}" (${owner.grantPath}); ` +
      'one namespace belongs to one team');
  }
  if (props.namespace === effectiveNamespace(gateway.namespace)) {
    failObject(where.at('namespace'), `"${props.namespace}" is the Gateway's own namespace, whose routes every granted listener admits; ` +
      'give the team a namespace of its own');
  }

  // what the Gateway would render with this grant: names, shared listeners, at most 64
  const view: GrantView = { teamName: id, namespace: props.namespace, listeners, hostnames, routeKinds };
  checkRendering(where, gateway.listeners, [...gateway.grants, view]);
  return { listeners, routeKinds, hostnames, backendGrants };
}
