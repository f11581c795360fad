import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import type { Backend } from './backends';
import type { HttpFilter } from './filters';
import type { Listener } from './listener';
import { RouteKind } from './listener';
import { referenceGrantHint, ReferenceGrant } from './reference-grant';
import { effectiveNamespace, GatewayApiResource, resolveObjectName } from './resource';
import { addWarning } from './warnings';
import * as k8s from '../imports/gateway.networking.k8s.io';
import { checkDnsLabel, checkDnsSubdomain, checkHostname, checkMaxItems, checkPort, checkUnique } from '../spec/checks';
import { GATEWAY_API_GROUP } from '../spec/gateway-api';
import { hostnamesIntersect } from '../spec/hostname';
import { MAX_ITEMS } from '../spec/limits';
import { failObject, show, Where } from '../spec/where';

/** Something routes attach to: a Gateway or a ListenerSet, defined in this app or referenced by name. */
export interface IRouteParent {
  /** API group (`gateway.networking.k8s.io`). */
  readonly apiGroup: string;
  /** `Gateway` or `ListenerSet`. */
  readonly kind: string;
  /** Name of the parent. */
  readonly name: string;
  /**
   * Namespace of the parent.
   * @default - the route's namespace
   */
  readonly namespace?: string;
}

/** Where a route attaches: a parent and, optionally, one of its listeners. */
export interface RouteParentRef {
  /** The Gateway or ListenerSet. */
  readonly parent: IRouteParent;
  /**
   * The listener (by name) to attach to.
   * @default - every listener of the parent that accepts the route
   */
  readonly sectionName?: string;
  /**
   * Only listeners on this port.
   * @default - any port
   */
  readonly port?: number;
}

/** A parent defined in this app, whose listeners the routes are checked against at synth. @internal */
export interface AttachmentTarget {
  readonly _isAttachmentTarget: true;
  /** e.g. `Gateway gateway-system/edge` */
  _describe(): string;
  _attachableListeners(): Listener[];
  /** Why `listener` refuses a route of `kind` from `namespace`, or undefined when it admits it. */
  _refusal(listener: Listener, kind: RouteKind, namespace: string): string | undefined;
  /** True when team grants are on the parent: the grant audit checks attachments there, with the grant in its message. */
  _hasGrants(): boolean;
}

/** Team-grant enforcement on a route created through a team factory. @internal */
export interface RouteGuard {
  _checkHostname(where: Where, hostname: string): void;
  _checkParentRef(where: Where, ref: RouteParentRef): void;
  _checkBackend(where: Where, backend: Backend): void;
  /** The parentRefs as they render (a granted listener becomes the team's listeners on it). */
  _renderParentRefs(refs: RouteParentRef[], hostnames: string[]): RouteParentRef[];
}

/** @internal */
export interface ParentRefJson {
  readonly group?: string;
  readonly kind?: string;
  readonly name: string;
  readonly namespace?: string;
  readonly sectionName?: string;
  readonly port?: number;
}

/** A backend a route sends traffic to, with where it is written. @internal */
export interface BackendUse {
  readonly where: Where;
  readonly backend: Backend;
}

function isAttachmentTarget(p: IRouteParent): p is IRouteParent & AttachmentTarget {
  return (p as Partial<AttachmentTarget>)._isAttachmentTarget === true;
}

/** Shared behaviour of HTTPRoute, GRPCRoute, TLSRoute, TCPRoute and UDPRoute. */
export abstract class RouteBase extends GatewayApiResource {
  /** The route kind. */
  public abstract readonly routeKind: RouteKind;

  private readonly _parentRefs: RouteParentRef[] = [];
  private readonly _hostnames: string[] = [];
  private _guard?: RouteGuard;

  protected constructor(scope: Construct, id: string) {
    super(scope, id);
    this.node.addValidation({ validate: () => this.validateRoute() });
  }

  /** Where the route attaches, as rendered. */
  public get parentRefs(): RouteParentRef[] {
    return this._guard ? this._guard._renderParentRefs([...this._parentRefs], this._hostnameList) : [...this._parentRefs];
  }

  /** Attaches the route to a Gateway or ListenerSet (optionally one listener of it). */
  public addParentRef(ref: RouteParentRef): void {
    const where = this._where.at('parentRefs').at(this._parentRefs.length);
    checkMaxItems(this._where.at('parentRefs'), [...this._parentRefs, ref], MAX_ITEMS.parentRefs);
    checkDnsSubdomain(where.at('name'), ref.parent.name);
    if (ref.parent.namespace !== undefined) checkDnsLabel(where.at('namespace'), ref.parent.namespace);
    if (ref.sectionName !== undefined) checkDnsSubdomain(where.at('sectionName'), ref.sectionName);
    if (ref.port !== undefined) checkPort(where.at('port'), ref.port);
    for (const other of this._parentRefs) {
      if (!sameParent(other.parent, ref.parent)) continue;
      if ((other.sectionName === undefined) !== (ref.sectionName === undefined) || (other.port === undefined) !== (ref.port === undefined)) {
        failObject(where, `${describeParent(ref.parent)} is already a parent; refs to the same parent must all set sectionName (or port), or none may`);
      }
      if (other.sectionName === ref.sectionName && other.port === ref.port) {
        failObject(where, `${describeParent(ref.parent)}${ref.sectionName ? ` section ${show(ref.sectionName)}` : ''} is already a parent of this route`);
      }
    }
    this._guard?._checkParentRef(where, ref);
    this._parentRefs.push(ref);
  }

  /** The route's namespace as the cluster sees it. @internal */
  public get _namespace(): string {
    return effectiveNamespace(this.namespace);
  }

  /** Binds the route to a team grant: every later change is checked against it. @internal */
  public _setGuard(guard: RouteGuard): void {
    this._guard = guard;
  }

  /** Hostnames as added. @internal */
  public get _hostnameList(): string[] {
    return [...this._hostnames];
  }

  /** @internal */
  public _addHostname(hostname: string, max: number): void {
    const where = this._where.at('hostnames').at(this._hostnames.length);
    checkMaxItems(this._where.at('hostnames'), [...this._hostnames, hostname], max);
    checkHostname(where, hostname);
    if (this._hostnames.includes(hostname)) failObject(where, `hostname ${show(hostname)} is listed twice`);
    this._guard?._checkHostname(where, hostname);
    this._hostnames.push(hostname);
  }

  /** Checks a backend against the team grant (if any). @internal */
  public _guardBackend(where: Where, backend: Backend): void {
    this._guard?._checkBackend(where, backend);
  }

  /** Records a field that needs the experimental-channel CRDs (a warning). @internal */
  public _markExperimental(where: Where, what: string): void {
    addWarning(this, `${where.field ? `${where.field}: ` : ''}${what} is an experimental-channel feature: ` +
      'it needs the experimental Gateway API CRDs and may change between releases');
  }

  /** @internal */
  public abstract _backendsInUse(): BackendUse[];

  /** @internal */
  public _renderParentRefs(): ParentRefJson[] {
    return this.parentRefs.map((r) => {
      const ns = r.parent.namespace !== undefined ? effectiveNamespace(r.parent.namespace) : undefined;
      return {
        ...(r.parent.apiGroup !== GATEWAY_API_GROUP ? { group: r.parent.apiGroup } : {}),
        ...(r.parent.kind !== 'Gateway' ? { kind: r.parent.kind } : {}),
        name: r.parent.name,
        ...(ns !== undefined && ns !== this._namespace ? { namespace: ns } : {}),
        ...(r.sectionName !== undefined ? { sectionName: r.sectionName } : {}),
        ...(r.port !== undefined ? { port: r.port } : {}),
      };
    });
  }

  /** Cross-object checks at synth: attachments and cross-namespace references. */
  protected validateRoute(): string[] {
    const errors: string[] = [];
    const kind = this.constructor.name;
    if (this._parentRefs.length === 0) {
      errors.push(`${kind}: has no parentRefs, so no Gateway serves it; attach it with addParentRef() or create it through a team grant`);
    }
    this.parentRefs.forEach((ref, i) => {
      const problem = this.attachmentProblem(ref);
      if (problem) errors.push(`${kind}: parentRefs[${i}]${problem}`);
    });
    for (const use of this._backendsInUse()) {
      const ns = use.backend.namespace;
      if (ns === undefined || ns === this._namespace) continue;
      const from = { kind: this.kind, namespace: this._namespace };
      const to = { group: use.backend.group, kind: use.backend.kind, name: use.backend.name };
      if (!ReferenceGrant.isAllowed(this, from, ns, to)) {
        errors.push(`${kind}: ${use.where.field} refers to ${use.backend.kind} "${ns}/${use.backend.name}" in another namespace without a ReferenceGrant; ` +
          referenceGrantHint(this.kind, this._namespace, use.backend.kind, ns, use.backend.name));
      }
    }
    return errors;
  }

  /** Why the route cannot attach through `ref` (sectionName, port, kind, namespace, hostnames), if it cannot. */
  private attachmentProblem(ref: RouteParentRef): string | undefined {
    const parent = ref.parent;
    if (!isAttachmentTarget(parent)) return undefined; // referenced by name: the cluster decides
    if (parent._hasGrants()) return undefined; // the grant audit compiles these, and names the grant
    const target = parent._describe();
    const all = parent._attachableListeners();
    const list = (ls: Listener[]) => ls.map((l) => `${l.name}: ${l.protocol}/${l.port}${l.hostname ? ` ${l.hostname}` : ''}`).join(', ');
    let candidates = all;
    if (ref.sectionName !== undefined) {
      candidates = candidates.filter((l) => l.name === ref.sectionName);
      if (candidates.length === 0) return `.sectionName ${show(ref.sectionName)} is not a listener of ${target} (listeners: ${all.map((l) => l.name).join(', ') || 'none'})`;
    }
    if (ref.port !== undefined) {
      const before = candidates;
      candidates = candidates.filter((l) => l.port === ref.port);
      if (candidates.length === 0) return `.port ${ref.port} matches no listener of ${target}${ref.sectionName ? ` named ${show(ref.sectionName)}` : ''} (${list(before)})`;
    }
    const byKind = candidates.filter((l) => l.routeKinds.includes(this.routeKind));
    if (byKind.length === 0) {
      return `: no listener of ${target} accepts ${this.routeKind} (${candidates.map((l) => `${l.name} accepts ${l.routeKinds.join(', ')}`).join('; ')})`;
    }
    const refusals = byKind.map((l) => ({ l, why: parent._refusal(l, this.routeKind, this._namespace) }));
    const admitted = refusals.filter((r) => r.why === undefined).map((r) => r.l);
    if (admitted.length === 0) {
      return `: no listener of ${target} admits ${this.routeKind} from namespace ${show(this._namespace)} (${refusals.map((r) => `${r.l.name}: ${r.why}`).join('; ')})`;
    }
    const hostnames = this._hostnameList;
    if (hostnames.length > 0 && !admitted.some((l) => !l.hostname || hostnames.some((h) => hostnamesIntersect(h, l.hostname!)))) {
      return `: hostnames ${show(hostnames)} match no hostname of the listeners of ${target} (${list(admitted)})`;
    }
    return undefined;
  }
}

const ROUTE_CLASS: Record<RouteKind, string> = {
  HTTPRoute: 'HttpRoute', GRPCRoute: 'GrpcRoute', TLSRoute: 'TlsRoute', TCPRoute: 'TcpRoute', UDPRoute: 'UdpRoute',
};

/** The construct class of a route kind, as messages name it (`HttpRoute`). @internal */
export function routeClassName(kind: RouteKind): string {
  return ROUTE_CLASS[kind];
}

/** The RBAC resource of a route kind (`httproutes`). @internal */
export function routeResource(kind: RouteKind): string {
  return `${kind.toLowerCase()}s`;
}

/**
 * The L1 object of a route of `kind` (`<scope>/<id>/Resource`), named from the metadata or the construct id;
 * its spec is rendered by `renderSpec` when the app synthesizes, so later additions are in it. @internal
 */
export function routeApiObject(
  route: RouteBase, scope: Construct, id: string, kind: RouteKind, metadata: ApiObjectMetadata | undefined, renderSpec: () => unknown,
): ApiObject {
  const name = resolveObjectName(routeClassName(kind), scope, id, metadata);
  const init = { metadata: { ...metadata, name }, spec: Lazy.any({ produce: renderSpec }) as any };
  switch (kind) {
    case RouteKind.HTTP_ROUTE: return new k8s.HttpRoute(route, 'Resource', init);
    case RouteKind.GRPC_ROUTE: return new k8s.GrpcRoute(route, 'Resource', init);
    case RouteKind.TLS_ROUTE: return new k8s.TlsRoute(route, 'Resource', init);
    case RouteKind.TCP_ROUTE: return new k8s.TcpRoute(route, 'Resource', init);
    case RouteKind.UDP_ROUTE: return new k8s.UdpRoute(route, 'Resource', init);
    default: throw new Error(`${kind} is not a route kind`);
  }
}

/** The `parentRefs` and `hostnames` of a route's spec, each left out when empty. @internal */
export function renderParentsAndHostnames(route: RouteBase): { parentRefs?: ParentRefJson[]; hostnames?: string[] } {
  const parentRefs = route._renderParentRefs();
  const hostnames = route._hostnameList;
  return { ...(parentRefs.length > 0 ? { parentRefs } : {}), ...(hostnames.length > 0 ? { hostnames } : {}) };
}

function sameParent(a: IRouteParent, b: IRouteParent): boolean {
  return a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');
}

function describeParent(p: IRouteParent): string {
  return `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
}

/**
 * The route-wide rule limits of the HTTPRoute and GRPCRoute CRDs, checked when `rule` is added: at most 16
 * rules, at most 128 matches in total (a rule without matches counts `emptyMatches`), unique rule names.
 * @internal
 */
export function checkRuleLimits(where: Where, existing: readonly RuleShape[], rule: RuleShape, emptyMatches: number): void {
  const all = [...existing, rule];
  checkMaxItems(where.at('rules'), all, MAX_ITEMS.rules);
  const matches = all.reduce((n, r) => n + (r.matches?.length || emptyMatches), 0);
  if (matches > MAX_ITEMS.routeMatches) failObject(where.at('rules'), `have ${matches} matches in total; at most ${MAX_ITEMS.routeMatches} are allowed across all rules`);
  if (rule.name !== undefined) {
    checkDnsSubdomain(where.at('rules').at(existing.length).at('name'), rule.name);
    checkUnique(where.at('rules'), all.flatMap((r) => (r.name ? [r.name] : [])), 'rule name', false);
  }
}

/** @internal */
export interface RuleShape {
  readonly name?: string;
  readonly matches?: readonly unknown[];
}

/** Every backend a rule sends traffic (or copies, or auth checks) to. @internal */
export function backendsOf(rule: { backends?: Backend[]; filters?: HttpFilter[] }, where: Where): BackendUse[] {
  const uses: BackendUse[] = [];
  (rule.filters ?? []).forEach((f, i) => f._backends.forEach((b) => uses.push({ where: where.at('filters').at(i), backend: b })));
  (rule.backends ?? []).forEach((b, i) => {
    const w = where.at('backends').at(i);
    uses.push({ where: w, backend: b });
    b.filters.forEach((f, j) => f._backends.forEach((fb) => uses.push({ where: w.at('filters').at(j), backend: fb })));
  });
  return uses;
}
