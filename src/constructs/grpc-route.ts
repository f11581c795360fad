import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Backend } from './backends';
import { checkFilterList, FilterContext, GrpcFilter } from './filters';
import { RouteKind } from './listener';
import { GrpcMatch } from './matches';
import { resolveObjectName } from './resource';
import { backendsOf, BackendUse, checkRuleLimits, RouteBase, RouteParentRef } from './route-base';
import { renderSessionPersistence, SessionPersistence } from './session-persistence';
import { addWarning } from './warnings';
import * as k8s from '../imports/gateway.networking.k8s.io';
import { checkMaxItems } from '../spec/checks';
import { MAX_ITEMS } from '../spec/limits';

/** One rule of a GRPCRoute. */
export interface GrpcRouteRule {
  /**
   * Name of the rule (a DNS subdomain, unique in the route).
   * @default - unnamed
   */
  readonly name?: string;
  /**
   * Calls this rule takes; any of them may match (at most 64).
   * @default - every call
   */
  readonly matches?: GrpcMatch[];
  /**
   * Filters applied in order (at most 16).
   * @default - none
   */
  readonly filters?: GrpcFilter[];
  /**
   * Backends sharing the calls by weight (at most 16).
   * @default - none (calls answer UNAVAILABLE)
   */
  readonly backends?: Backend[];
  /**
   * Session persistence (experimental channel).
   * @default - none
   */
  readonly sessionPersistence?: SessionPersistence;
}

/** What a team factory accepts for a GRPCRoute. */
export interface GrpcRouteOptions {
  /**
   * Hostnames (authorities) the route serves (at most 16).
   * @default - every hostname of the listeners (a team grant defaults to the granted hostnames)
   */
  readonly hostnames?: string[];
  /**
   * Rules (at most 16); more can be added with `addRule()`.
   * @default - none
   */
  readonly rules?: GrpcRouteRule[];
  /**
   * Metadata; `name` defaults to the construct id.
   * @default - name from the construct id, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
}

export interface GrpcRouteProps extends GrpcRouteOptions {
  /**
   * Gateways (or listeners) the route attaches to (at most 32).
   * @default - none; add with `addParentRef()`
   */
  readonly parentRefs?: RouteParentRef[];
}

/** Routes gRPC calls by service, method and metadata to Services. */
export class GrpcRoute extends RouteBase {
  public readonly apiObject: ApiObject;
  public readonly resourceType = 'grpcroutes';
  public readonly routeKind = RouteKind.GRPC_ROUTE;
  private readonly _rules: GrpcRouteRule[] = [];

  public constructor(scope: Construct, id: string, props: GrpcRouteProps = {}) {
    super(scope, id);
    const name = resolveObjectName('GrpcRoute', scope, id, props.metadata);
    this.apiObject = new k8s.GrpcRoute(this, 'Resource', {
      metadata: { ...props.metadata, name },
      spec: Lazy.any({ produce: () => this.renderSpec() }) as unknown as k8s.GrpcRouteSpec,
    });
    for (const p of props.parentRefs ?? []) this.addParentRef(p);
    for (const h of props.hostnames ?? []) this.addHostname(h);
    for (const r of props.rules ?? []) this.addRule(r);
  }

  /** Hostnames the route serves. */
  public get hostnames(): string[] {
    return this._hostnameList;
  }

  /** The rules, in order. */
  public get rules(): GrpcRouteRule[] {
    return [...this._rules];
  }

  /** Adds a hostname (exact or `*.` wildcard). */
  public addHostname(hostname: string): void {
    this._addHostname(hostname, MAX_ITEMS.routeHostnames);
  }

  /** Adds a rule; it is checked now, against the CRD's rules and the team grant. */
  public addRule(rule: GrpcRouteRule): void {
    const index = this._rules.length;
    const where = this._where.at('rules').at(index);
    checkRuleLimits(this._where, this._rules, rule, 0);
    this.renderRule(rule, index);
    for (const use of backendsOf(toHttpShape(rule), where)) this._guardBackend(use.where, use.backend);
    this._rules.push(rule);
  }

  /** @internal */
  public _backendsInUse(): BackendUse[] {
    return this._rules.flatMap((r, i) => backendsOf(toHttpShape(r), this._where.at('rules').at(i)));
  }

  private renderSpec(): k8s.GrpcRouteSpec {
    const hostnames = this._hostnameList;
    const parentRefs = this._renderParentRefs();
    return {
      ...(parentRefs.length > 0 ? { parentRefs } : {}),
      ...(hostnames.length > 0 ? { hostnames } : {}),
      rules: this._rules.map((r, i) => this.renderRule(r, i)),
    } as unknown as k8s.GrpcRouteSpec;
  }

  private renderRule(rule: GrpcRouteRule, index: number): k8s.GrpcRouteSpecRules {
    const where = this._where.at('rules').at(index);
    const matches = rule.matches ?? [];
    checkMaxItems(where.at('matches'), matches, MAX_ITEMS.matches);
    const backends = rule.backends ?? [];
    checkMaxItems(where.at('backends'), backends, MAX_ITEMS.backendRefs);
    const ctx: FilterContext = {
      routeKind: 'GRPCRoute',
      routeNamespace: this._namespace,
      renderFilters: (w, list) => {
        checkFilterList(w, list, 'GRPCRoute');
        return list.map((f, i) => f._render(w.at(i), ctx));
      },
      markExperimental: (w, what) => this._markExperimental(w, what),
    };
    const filters = ctx.renderFilters(where.at('filters'), (rule.filters ?? []).map((f) => f._filter));
    if (backends.length === 0 || backends.every((b) => b.weight === 0)) {
      addWarning(this, `${where.field}: has no backend with a weight above 0, so every call it matches fails with UNAVAILABLE`);
    }
    return {
      ...(rule.name !== undefined ? { name: rule.name } : {}),
      ...(matches.length > 0 ? { matches: matches.map((m, i) => m._render(where.at('matches').at(i))) } : {}),
      ...(filters.length > 0 ? { filters } : {}),
      ...(backends.length > 0 ? { backendRefs: backends.map((b, i) => b._render(where.at('backends').at(i), ctx, 'backend', true)) } : {}),
      ...(rule.sessionPersistence
        ? { sessionPersistence: renderSessionPersistence(where.at('sessionPersistence'), rule.sessionPersistence, (w, what) => this._markExperimental(w, what)) }
        : {}),
    } as unknown as k8s.GrpcRouteSpecRules;
  }
}

function toHttpShape(rule: GrpcRouteRule) {
  return { backends: rule.backends, filters: (rule.filters ?? []).map((f) => f._filter) };
}
