import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { Backend } from './backends';
import { checkFilterList, FilterContext, FilterJson, HttpFilter } from './filters';
import { RouteKind } from './listener';
import { backendsOf, BackendUse, checkRuleLimits, renderParentsAndHostnames, RouteBase, routeApiObject, routeResource, RouteParentRef } from './route-base';
import { renderSessionPersistence, SessionPersistence } from './session-persistence';
import { checkMaxItems } from '../spec/checks';
import { MAX_ITEMS } from '../spec/limits';
import { Where } from '../spec/where';

/** What a team factory accepts for an HTTPRoute or GRPCRoute besides its rules. */
export interface L7RouteOptions {
  /**
   * Hostnames the route serves (at most 16), exact or `*.` wildcards; for a GRPCRoute, the authorities.
   * @default - every hostname of the listeners (a team grant defaults to the granted hostnames)
   */
  readonly hostnames?: string[];
  /**
   * Metadata; `name` defaults to the construct id.
   * @default - name from the construct id, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
}

export interface L7RouteProps extends L7RouteOptions {
  /**
   * Gateways (or listeners) the route attaches to (at most 32).
   * @default - none; add with `addParentRef()`
   */
  readonly parentRefs?: RouteParentRef[];
}

/**
 * A rule as the shared HTTPRoute/GRPCRoute code sees it (HttpRouteRule and GrpcRouteRule both are one).
 * @internal
 */
export interface L7Rule {
  readonly name?: string;
  readonly matches?: ReadonlyArray<{ _render(where: Where): unknown }>;
  readonly backends?: Backend[];
  readonly sessionPersistence?: SessionPersistence;
}

/**
 * HTTPRoute and GRPCRoute: hostnames and rules of matches, filters and weighted backends, checked when a
 * rule is added and rendered when the app synthesizes. The kinds differ only in their matches and filters,
 * the fields a rule adds (timeouts, retry) and what a rule without a backend means.
 */
export abstract class L7RouteBase extends RouteBase {
  public readonly apiObject: ApiObject;
  public readonly routeKind: RouteKind;
  public readonly resourceType: string;
  private readonly _l7Rules: L7Rule[] = [];

  protected constructor(scope: Construct, id: string, kind: RouteKind, props: L7RouteProps) {
    super(scope, id);
    this.routeKind = kind;
    this.resourceType = routeResource(kind);
    if (kind !== RouteKind.HTTP_ROUTE && kind !== RouteKind.GRPC_ROUTE) throw new Error(`${kind} is not an HTTPRoute or GRPCRoute kind`);
    this.apiObject = routeApiObject(this, scope, id, kind, props.metadata, () => this.renderSpec());
    for (const p of props.parentRefs ?? []) this.addParentRef(p);
    for (const h of props.hostnames ?? []) this.addHostname(h);
  }

  /** Hostnames the route serves. */
  public get hostnames(): string[] {
    return this._hostnameList;
  }

  /** Adds a hostname (exact or `*.` wildcard). */
  public addHostname(hostname: string): void {
    this._addHostname(hostname, MAX_ITEMS.routeHostnames);
  }

  /** The rules as added. @internal */
  public get _rules(): L7Rule[] {
    return [...this._l7Rules];
  }

  /** Adds a rule; it is checked now, against the CRD's rules and the team grant. @internal */
  public _addL7Rule(rule: L7Rule): void {
    const index = this._l7Rules.length;
    // the CEL rule of HTTPRoute counts a rule without matches as one (the default "/" prefix match)
    checkRuleLimits(this._where, this._l7Rules, rule, this.routeKind === RouteKind.HTTP_ROUTE ? 1 : 0);
    this.renderRule(rule, index); // throws on the first problem
    for (const use of this.backendsOfRule(rule, index)) this._guardBackend(use.where, use.backend);
    this._l7Rules.push(rule);
  }

  /** @internal */
  public _backendsInUse(): BackendUse[] {
    return this._l7Rules.flatMap((r, i) => this.backendsOfRule(r, i));
  }

  /** The rule's filters as HTTP filters (a GRPCFilter wraps one). @internal */
  public abstract _filtersOf(rule: L7Rule): HttpFilter[];

  /** Rules of the kind on a rule's filter list, beyond the shared list rules (throws). @internal */
  public _checkFilters(_where: Where, _filters: readonly HttpFilter[], _rule: L7Rule): void {}

  /** Checks what a rule does with a request (redirect or backends) and warns when it can only fail. @internal */
  public abstract _checkOutcome(where: Where, rule: L7Rule, filters: readonly HttpFilter[]): void;

  /** Fields only this kind's rules have (rendered after backendRefs). @internal */
  public _renderRuleFields(_where: Where, _rule: L7Rule): Record<string, unknown> {
    return {};
  }

  private backendsOfRule(rule: L7Rule, index: number): BackendUse[] {
    return backendsOf({ backends: rule.backends, filters: this._filtersOf(rule) }, this._where.at('rules').at(index));
  }

  private renderSpec(): Record<string, unknown> {
    return {
      ...renderParentsAndHostnames(this),
      rules: this._l7Rules.map((r, i) => this.renderRule(r, i)),
    };
  }

  private renderRule(rule: L7Rule, index: number): Record<string, unknown> {
    const where = this._where.at('rules').at(index);
    const matches = rule.matches ?? [];
    checkMaxItems(where.at('matches'), matches, MAX_ITEMS.matches);
    const filters = this._filtersOf(rule);
    const backends = rule.backends ?? [];
    checkMaxItems(where.at('backends'), backends, MAX_ITEMS.backendRefs);
    const ctx: FilterContext = {
      routeKind: this.routeKind,
      routeNamespace: this._namespace,
      renderFilters: (w, list) => {
        checkFilterList(w, list, this.routeKind);
        this._checkFilters(w, list, rule);
        return list.map((f, i) => f._render(w.at(i), ctx));
      },
      markExperimental: (w, what) => this._markExperimental(w, what),
    };
    const renderedFilters: FilterJson[] = ctx.renderFilters(where.at('filters'), filters);
    this._checkOutcome(where, rule, filters);
    const renderedBackends = backends.map((b, i) => b._render(where.at('backends').at(i), ctx, 'backend', true));
    return {
      ...(rule.name !== undefined ? { name: rule.name } : {}),
      ...(matches.length > 0 ? { matches: matches.map((m, i) => m._render(where.at('matches').at(i))) } : {}),
      ...(renderedFilters.length > 0 ? { filters: renderedFilters } : {}),
      ...(renderedBackends.length > 0 ? { backendRefs: renderedBackends } : {}),
      ...this._renderRuleFields(where, rule),
      ...(rule.sessionPersistence
        ? { sessionPersistence: renderSessionPersistence(where.at('sessionPersistence'), rule.sessionPersistence, (w, what) => this._markExperimental(w, what)) }
        : {}),
    };
  }
}
