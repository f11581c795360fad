import * as fs from 'node:fs';
import { ApiObject, ApiObjectMetadata, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { appState } from './app-state';
import type { Gateway, IGateway } from './gateway';
import { enableGrantAudit } from './grant-audit';
import { writeGrantDocumentsAtSynth } from './grant-documents';
import { GrpcRoute, GrpcRouteOptions } from './grpc-route';
import { HttpRoute, HttpRouteOptions } from './http-route';
import { L4RouteOptions } from './l4-route-base';
import { Listener, ListenerProtocol, RouteKind } from './listener';
import { ReferenceGrant } from './reference-grant';
import { effectiveNamespace, stripNamespace } from './resource';
import { AttachmentTarget, RouteBase, routeClassName, RouteGuard, RouteParentRef, routeResource } from './route-base';
import { TcpRoute } from './tcp-route';
import type { TeamGrantDocument } from './team-grant-document';
import { ImportedTeamGrant } from './team-import';
import { checkRendering, grantedRoutes, GrantView, RenderedListener } from './team-listeners';
import { TlsRoute, TlsRouteOptions } from './tls-route';
import { UdpRoute } from './udp-route';
import { checkDnsLabel, checkDnsSubdomain, checkHostname, checkLength } from '../spec/checks';
import { GATEWAY_API_GROUP } from '../spec/gateway-api';
import { hostnamesIntersect } from '../spec/hostname';
import { MAX_LENGTH } from '../spec/limits';
import { TEAM_LABEL } from '../spec/project';
import {
  checkTeamBackend, checkTeamHostname, checkTeamNamespace, checkTeamParent, checkTeamRouteKind, defaultTeamHostnames,
  describeGrantGateway, GrantData, renderTeamSectionNames, teamListenersFor, teamParentSectionNames,
} from '../spec/team-grant';
import { grantDocument, GrantGatewayData } from '../spec/team-grant-document';
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

/**
 * What a `Team` handle and its `GatewayReference` stand on: a grant made in this app (`TeamGrant`) or one imported
 * from the platform's exported document (`Team.fromGrant`). Both give the rules their grant as data, so a team's
 * routes are checked by the same code, with the same messages, wherever the grant was made. @internal
 */
export interface GrantHandle {
  readonly teamName: string;
  readonly namespace: string;
  /** The routes made through the team's factories. */
  readonly _routes: RouteBase[];
  /** The grant as the rules (src/spec/team-grant.ts) read it. */
  _data(): GrantData;
  _attachableListeners(): Listener[];
  _refusal(listener: Listener, kind: RouteKind, namespace: string): string | undefined;
}

/** The grant behind a team handle or a Gateway reference; unreachable from them (not a property). */
const grantOf = new WeakMap<object, GrantHandle>();

/**
 * The platform's side of a team grant, made by `Gateway.grantTeam()` under the Gateway: the grant itself, the
 * objects it emits (Namespace, Role, RoleBinding, ReferenceGrants) and `team`, the handle to give the team.
 * The Gateway renders the grant as listeners that admit only the team's namespace, for its hostnames and route
 * kinds, so the cluster enforces it whatever produced a route; synth checks every route against it.
 *
 * `app.synth()` also writes the grant as a document, `dist/grants/<gateway namespace>.<gateway>.<team>.json`
 * (the same as `toDocument()`), for a team whose routes live in another repository: its app reads it with
 * `Team.fromGrantFile()` and gets the same handle and the same checks.
 */
export class TeamGrant extends Construct implements GrantHandle {
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
  /** @internal */
  public readonly _routes: RouteBase[] = [];

  private readonly _hostnames: string[];
  private readonly _listeners: string[];
  private readonly _routeKinds: RouteKind[];
  private readonly _backendGrants: BackendGrant[];

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
    writeGrantDocumentsAtSynth(this);
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

  /**
   * The grant as a versioned document (`apiVersion: cdk8s-gateway.io/v1alpha1`, `kind: TeamGrant`): the Gateway
   * reference and its listeners the team may use, the hostnames, route kinds and backend grants. A team's app in
   * another repository passes it to `Team.fromGrant()`; `app.synth()` writes it to dist/grants/ as well.
   */
  public toDocument(): TeamGrantDocument {
    return grantDocument(this._data(), this._gatewayData()) as unknown as TeamGrantDocument;
  }

  /** Where the grant is made, for messages: `grantTeam("shop") on Gateway gateway-system/edge (platform/edge/shop)`. @internal */
  public get _source(): string {
    return `grantTeam("${this.teamName}") on ${this.gateway._describe()} (${this.node.path})`;
  }

  /** @internal */
  public _data(): GrantData {
    return {
      team: this.teamName,
      namespace: this.namespace,
      gateway: { namespace: effectiveNamespace(this.gateway.namespace), name: this.gateway.name },
      source: this._source,
      hostnames: this._hostnames,
      routeKinds: this._routeKinds,
      grantedListeners: this._listeners.map((n) => {
        const l = this.gateway.listener(n);
        const hostname = l.hostname !== undefined ? { hostname: l.hostname } : {};
        return { name: l.name, port: l.port, protocol: l.protocol, ...hostname, routeKinds: l.routeKinds };
      }),
      teamListeners: this.teamListeners,
      backendGrants: this._backendGrants,
    };
  }

  /** The Gateway as the team's app needs it: its granted listeners and the team's, as rendered. @internal */
  public _gatewayData(): GrantGatewayData {
    const gw = this.gateway;
    const gwNs = effectiveNamespace(gw.namespace);
    const where = new Where(gw._describe(), 'listeners');
    const listeners = gw._renderedListeners()
      .filter((r) => this._listeners.includes(r.granted.name) && (r.listener === r.granted || r.grants.includes(this)))
      .map((r) => r.listener._render(where, grantedRoutes(r, gwNs)));
    return { name: gw.name, namespace: gwNs, gatewayClassName: gw.gatewayClass.gatewayClassName, listeners };
  }

  /** The Gateway's rendered listeners that admit this team. @internal */
  public _rendered(): RenderedListener[] {
    return this.gateway._renderedListeners().filter((r) => r.grants.includes(this));
  }

  /** @internal */
  public _attachableListeners(): Listener[] {
    return this.gateway._attachableListeners();
  }

  /** @internal */
  public _refusal(listener: Listener, kind: RouteKind, namespace: string): string | undefined {
    return this.gateway._refusal(listener, kind, namespace);
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
 * What an application team receives from `Gateway.grantTeam()` (or, in its own repository, from the platform's
 * exported grant with `Team.fromGrantFile()`): factories for routes in its namespace, on its listeners, for its
 * hostnames and route kinds, and a reference to the Gateway. It holds nothing that can change a grant: not the
 * Gateway construct, not the grant, no way to label a namespace. (In one TypeScript program anything can reach
 * anything through the construct tree; what the team writes is checked at synth and, in the cluster, by the
 * listeners the grant renders.)
 */
export class Team {
  /**
   * The team of a grant the platform exported (`TeamGrant.toDocument()`, or the file `app.synth()` writes to the
   * platform's dist/grants/), for a team's app in its own repository: the same route factories and checks as
   * `Gateway.grantTeam()` in the platform's app, and at synth the same audit of every route the app writes. A
   * document of another version is refused, with what to do.
   */
  public static fromGrant(scope: Construct, id: string, document: TeamGrantDocument): Team {
    return Team._of(new ImportedTeamGrant(scope, id, `Team.fromGrant(${show(id)})`, document));
  }

  /** `Team.fromGrant()` with the document read from a JSON file (the platform's dist/grants/<namespace>.<gateway>.<team>.json). */
  public static fromGrantFile(scope: Construct, id: string, file: string): Team {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      failObject(new Where(`Team.fromGrantFile(${show(id)})`), `cannot read the grant document ${show(file)}: ${(e as Error).message}; ` +
        'copy it from the platform app\'s dist/grants/ (written by its `cdk8s synth`)');
    }
    return Team._of(new ImportedTeamGrant(scope, id, file, raw));
  }

  /** @internal */
  public static _of(grant: GrantHandle): Team {
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
    return [...grantOf.get(this)!._data().hostnames];
  }

  /** Route kinds the team may create. */
  public get routeKinds(): RouteKind[] {
    return [...grantOf.get(this)!._data().routeKinds] as RouteKind[];
  }

  /** Namespaces (besides its own) the team may send traffic to. */
  public get backendGrants(): BackendGrant[] {
    return grantOf.get(this)!._data().backendGrants
      .map((g) => ({ namespace: g.namespace, ...(g.serviceNames ? { serviceNames: [...g.serviceNames] } : {}) }));
  }

  /** An HTTPRoute in the team's namespace, attached to its HTTP/HTTPS listeners. */
  public httpRoute(scope: Construct, id: string, props: TeamHttpRouteProps = {}): HttpRoute {
    const g = grantOf.get(this)!;
    const { metadata, parents, hostnames } = prepareRoute(g, this, scope, id, RouteKind.HTTP_ROUTE, props.metadata, props.listeners, props.hostnames);
    return bindRoute(g, new HttpRoute(scope, id, { metadata }), parents, hostnames, (r) => (props.rules ?? []).forEach((rule) => r.addRule(rule)));
  }

  /** A GRPCRoute in the team's namespace, attached to its HTTP/HTTPS listeners. */
  public grpcRoute(scope: Construct, id: string, props: TeamGrpcRouteProps = {}): GrpcRoute {
    const g = grantOf.get(this)!;
    const { metadata, parents, hostnames } = prepareRoute(g, this, scope, id, RouteKind.GRPC_ROUTE, props.metadata, props.listeners, props.hostnames);
    return bindRoute(g, new GrpcRoute(scope, id, { metadata }), parents, hostnames, (r) => (props.rules ?? []).forEach((rule) => r.addRule(rule)));
  }

  /** A TLSRoute in the team's namespace, attached to its TLS listeners. */
  public tlsRoute(scope: Construct, id: string, props: TeamTlsRouteProps = {}): TlsRoute {
    const g = grantOf.get(this)!;
    const { metadata, parents, hostnames } = prepareRoute(g, this, scope, id, RouteKind.TLS_ROUTE, props.metadata, props.listeners, props.hostnames);
    const route = new TlsRoute(scope, id, { metadata, ruleName: props.ruleName });
    return bindRoute(g, route, parents, hostnames, (r) => (props.backends ?? []).forEach((b) => r.addBackend(b)));
  }

  /** A TCPRoute in the team's namespace, attached to its TCP listeners. */
  public tcpRoute(scope: Construct, id: string, props: TeamTcpRouteProps = {}): TcpRoute {
    const g = grantOf.get(this)!;
    const { metadata, parents } = prepareRoute(g, this, scope, id, RouteKind.TCP_ROUTE, props.metadata, props.listeners, undefined);
    const route = new TcpRoute(scope, id, { metadata, ruleName: props.ruleName });
    return bindRoute(g, route, parents, [], (r) => (props.backends ?? []).forEach((b) => r.addBackend(b)));
  }

  /** A UDPRoute in the team's namespace, attached to its UDP listeners. */
  public udpRoute(scope: Construct, id: string, props: TeamUdpRouteProps = {}): UdpRoute {
    const g = grantOf.get(this)!;
    const { metadata, parents } = prepareRoute(g, this, scope, id, RouteKind.UDP_ROUTE, props.metadata, props.listeners, undefined);
    const route = new UdpRoute(scope, id, { metadata, ruleName: props.ruleName });
    return bindRoute(g, route, parents, [], (r) => (props.backends ?? []).forEach((b) => r.addBackend(b)));
  }
}

/**
 * A Gateway as a team sees it: its name and namespace, and the listeners the team may attach to. Routes written
 * without the factories (`new HttpRoute(...)`, YAML) name it in `parentRefs` with one of these listeners as
 * `sectionName`.
 */
export class GatewayReference implements IGateway, AttachmentTarget {
  /** @internal */
  public static _of(grant: GrantHandle): GatewayReference {
    const data = grant._data();
    const ref = new GatewayReference(data.gateway.name, data.gateway.namespace);
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
    return grantOf.get(this)!._data().teamListeners.map((l) => ({ ...l, protocol: l.protocol as ListenerProtocol }));
  }

  /** @internal */
  public _describe(): string {
    return describeGrantGateway(grantOf.get(this)!._data());
  }

  /** @internal */
  public _hasGrants(): boolean {
    return true;
  }

  /** @internal */
  public _attachableListeners(): Listener[] {
    return grantOf.get(this)!._attachableListeners();
  }

  /** @internal */
  public _refusal(listener: Listener, kind: RouteKind, namespace: string): string | undefined {
    return grantOf.get(this)!._refusal(listener, kind, namespace);
  }
}

/** A route of `kind` in the team's namespace, attached to its listeners (the team factories), checked by the grant's rules. */
function prepareRoute(grant: GrantHandle, team: Team, scope: Construct, id: string, kind: RouteKind, metadata: ApiObjectMetadata | undefined,
  listeners: string[] | undefined, hostnames: string[] | undefined) {
  const g = grant._data();
  const where = new Where(`${routeClassName(kind)} ${scope.node.path ? `${scope.node.path}/` : ''}${id}`);
  checkTeamRouteKind(where, g, kind);
  checkTeamNamespace(where.at(metadata?.namespace ? 'metadata.namespace' : 'namespace (from the chart)'), g, metadata?.namespace ?? Chart.of(scope).namespace);
  const chosen = teamListenersFor(where, g, kind, listeners);
  // by default a route serves the granted hostnames its listeners can receive
  const names = hostnames ?? defaultTeamHostnames(g, chosen);
  names.forEach((h, i) => {
    checkLength(where.at('hostnames').at(i), h, 1, MAX_LENGTH.hostname);
    checkTeamHostname(where.at('hostnames').at(i), g, h);
  });
  // parents name the granted listeners (or the team's own); they render as the team's listeners serving the route's names
  return {
    metadata: { ...metadata, namespace: g.namespace },
    parents: teamParentSectionNames(chosen, listeners).map((sectionName) => ({ parent: team.gateway, sectionName })),
    hostnames: names,
  };
}

/** Binds a route made through a factory to the grant: every later change is checked against it. */
function bindRoute<R extends RouteBase>(grant: GrantHandle, route: R, parents: RouteParentRef[], hostnames: string[], addRest: (r: R) => void): R {
  route._setGuard(grantGuard(grant));
  for (const p of parents) route.addParentRef(p);
  for (const h of hostnames) (route as unknown as { addHostname(h: string): void }).addHostname(h);
  addRest(route);
  grant._routes.push(route);
  return route;
}

/** The route guard (closures: a route holding it cannot reach the grant). */
function grantGuard(grant: GrantHandle): RouteGuard {
  return {
    _checkHostname: (where, hostname) => checkTeamHostname(where, grant._data(), hostname),
    _checkParentRef: (where, ref) => checkTeamParent(where, grant._data(), ref.parent, ref.sectionName),
    _checkBackend: (where, backend) =>
      checkTeamBackend(where, grant._data(), { namespace: backend.namespace, name: backend.name, isService: backend._isService }),
    _renderParentRefs: (refs, hostnames) => {
      const g = grant._data();
      return refs.flatMap((ref) => renderTeamSectionNames(g, ref.sectionName, hostnames).map((sectionName) =>
        (sectionName === ref.sectionName ? ref : { ...ref, sectionName })));
    },
  };
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
