import { ApiObject, ApiObjectMetadata, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Backend } from './backends';
import { gatewayDuration } from './duration';
import { checkFilterList, FilterContext, FilterJson, FilterType, HttpFilter } from './filters';
import { RouteKind } from './listener';
import { HttpMatch } from './matches';
import { resolveObjectName } from './resource';
import { backendsOf, BackendUse, checkRuleLimits, RouteBase, RouteParentRef } from './route-base';
import { renderSessionPersistence, SessionPersistence } from './session-persistence';
import { addWarning } from './warnings';
import * as k8s from '../imports/gateway.networking.k8s.io';
import { checkInteger, checkMaxItems, checkUnique } from '../spec/checks';
import { MAX_ITEMS } from '../spec/limits';
import { failObject, show, Where } from '../spec/where';

/**
 * Retries of failed requests. Experimental channel: needs the experimental Gateway API CRDs.
 */
export interface HttpRetry {
  /**
   * HTTP status codes (400 to 599) that are retried, besides connection errors.
   * @default - the implementation's default set
   */
  readonly codes?: number[];
  /**
   * Maximum number of retries (at least 1).
   * @default - the implementation's default
   */
  readonly attempts?: number;
  /**
   * Time to wait between attempts.
   * @default - the implementation's default
   */
  readonly backoff?: Duration;
}

/** One rule of an HTTPRoute: which requests (matches), what to do to them (filters), where they go (backends). */
export interface HttpRouteRule {
  /**
   * Name of the rule (a DNS subdomain, unique in the route), shown in status and logs.
   * @default - unnamed
   */
  readonly name?: string;
  /**
   * Requests this rule takes; any of them may match (at most 64).
   * @default - every request (path prefix "/")
   */
  readonly matches?: HttpMatch[];
  /**
   * Filters applied in order (at most 16).
   * @default - none
   */
  readonly filters?: HttpFilter[];
  /**
   * Backends sharing the traffic by weight (at most 16). A rule without backends must redirect.
   * @default - none
   */
  readonly backends?: Backend[];
  /**
   * Time for the whole request, answered with 504 when exceeded. `Duration.seconds(0)` disables it.
   * @default - the implementation's default
   */
  readonly timeout?: Duration;
  /**
   * Time for one request to a backend; not longer than `timeout`.
   * @default - the implementation's default
   */
  readonly backendTimeout?: Duration;
  /**
   * Retries (experimental channel).
   * @default - no retries
   */
  readonly retry?: HttpRetry;
  /**
   * Session persistence (experimental channel).
   * @default - none
   */
  readonly sessionPersistence?: SessionPersistence;
}

/** What a team factory accepts for an HTTPRoute (everything but the parents, which the grant decides). */
export interface HttpRouteOptions {
  /**
   * Hostnames the route serves (at most 16), exact or `*.` wildcards.
   * @default - every hostname of the listeners (a team grant defaults to the granted hostnames)
   */
  readonly hostnames?: string[];
  /**
   * Rules (at most 16); more can be added with `addRule()`.
   * @default - none
   */
  readonly rules?: HttpRouteRule[];
  /**
   * Metadata; `name` defaults to the construct id.
   * @default - name from the construct id, the chart's namespace
   */
  readonly metadata?: ApiObjectMetadata;
}

export interface HttpRouteProps extends HttpRouteOptions {
  /**
   * Gateways (or listeners) the route attaches to (at most 32).
   * @default - none; add with `addParentRef()`
   */
  readonly parentRefs?: RouteParentRef[];
}

/** Routes HTTP requests by host, path, method, headers and query to Services. */
export class HttpRoute extends RouteBase {
  public readonly apiObject: ApiObject;
  public readonly resourceType = 'httproutes';
  public readonly routeKind = RouteKind.HTTP_ROUTE;
  private readonly _rules: HttpRouteRule[] = [];

  public constructor(scope: Construct, id: string, props: HttpRouteProps = {}) {
    super(scope, id);
    const name = resolveObjectName('HttpRoute', scope, id, props.metadata);
    this.apiObject = new k8s.HttpRoute(this, 'Resource', {
      metadata: { ...props.metadata, name },
      spec: Lazy.any({ produce: () => this.renderSpec() }) as unknown as k8s.HttpRouteSpec,
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
  public get rules(): HttpRouteRule[] {
    return [...this._rules];
  }

  /** Adds a hostname (exact or `*.` wildcard). */
  public addHostname(hostname: string): void {
    this._addHostname(hostname, MAX_ITEMS.routeHostnames);
  }

  /** Adds a rule; it is checked now, against the CRD's rules and the team grant. */
  public addRule(rule: HttpRouteRule): void {
    const index = this._rules.length;
    const where = this._where.at('rules').at(index);
    checkRuleLimits(this._where, this._rules, rule, 1);
    this.renderRule(rule, index); // throws on the first problem
    for (const use of backendsOf(rule, where)) this._guardBackend(use.where, use.backend);
    this._rules.push(rule);
  }

  /** @internal */
  public _backendsInUse(): BackendUse[] {
    return this._rules.flatMap((r, i) => backendsOf(r, this._where.at('rules').at(i)));
  }

  private renderSpec(): k8s.HttpRouteSpec {
    const hostnames = this._hostnameList;
    const parentRefs = this._renderParentRefs();
    return {
      ...(parentRefs.length > 0 ? { parentRefs } : {}),
      ...(hostnames.length > 0 ? { hostnames } : {}),
      rules: this._rules.map((r, i) => this.renderRule(r, i)),
    } as unknown as k8s.HttpRouteSpec;
  }

  private renderRule(rule: HttpRouteRule, index: number): k8s.HttpRouteSpecRules {
    const where = this._where.at('rules').at(index);
    const matches = rule.matches ?? [];
    checkMaxItems(where.at('matches'), matches, MAX_ITEMS.matches);
    const filters = rule.filters ?? [];
    const backends = rule.backends ?? [];
    checkMaxItems(where.at('backends'), backends, MAX_ITEMS.backendRefs);
    const ctx: FilterContext = {
      routeKind: 'HTTPRoute',
      routeNamespace: this._namespace,
      renderFilters: (w, list) => {
        checkFilterList(w, list, 'HTTPRoute');
        list.forEach((f, i) => {
          if (f._pathModifier?.type !== 'ReplacePrefixMatch') return;
          const paths = matches.length === 0 ? ['PathPrefix'] : matches.map((m) => m._path.type);
          if (paths.length !== 1 || paths[0] !== 'PathPrefix') {
            failObject(w.at(i), `${f.type} with PathModifier.prefix() needs exactly one match in the rule, with a path prefix ` +
              `(the rule has ${paths.length === 1 ? `one ${paths[0]} match` : `${paths.length} matches`})`);
          }
        });
        return list.map((f, i) => f._render(w.at(i), ctx));
      },
      markExperimental: (w, what) => this._markExperimental(w, what),
    };
    const renderedFilters: FilterJson[] = ctx.renderFilters(where.at('filters'), filters);
    const redirect = filters.some((f) => f.type === FilterType.REQUEST_REDIRECT);
    if (redirect && backends.length > 0) {
      failObject(where, 'has a RequestRedirect filter and backends; a redirect answers the request itself, so remove the backends (or the redirect)');
    }
    if (!redirect && (backends.length === 0 || backends.every((b) => b.weight === 0))) {
      addWarning(this, `${where.field}: has no backend with a weight above 0 and no redirect, so it answers 500 to every request it matches`);
    }
    const renderedBackends = backends.map((b, i) => b._render(where.at('backends').at(i), ctx, 'backend', true));
    return {
      ...(rule.name !== undefined ? { name: rule.name } : {}),
      ...(matches.length > 0 ? { matches: matches.map((m, i) => m._render(where.at('matches').at(i))) } : {}),
      ...(renderedFilters.length > 0 ? { filters: renderedFilters } : {}),
      ...(renderedBackends.length > 0 ? { backendRefs: renderedBackends } : {}),
      ...this.renderTimeouts(where, rule),
      ...this.renderRetry(where, rule.retry),
      ...(rule.sessionPersistence
        ? { sessionPersistence: renderSessionPersistence(where.at('sessionPersistence'), rule.sessionPersistence, (w, what) => this._markExperimental(w, what)) }
        : {}),
    } as unknown as k8s.HttpRouteSpecRules;
  }

  private renderTimeouts(where: Where, rule: HttpRouteRule): Record<string, unknown> {
    if (!rule.timeout && !rule.backendTimeout) return {};
    const request = rule.timeout ? gatewayDuration(where.at('timeouts.request'), rule.timeout) : undefined;
    const backendRequest = rule.backendTimeout ? gatewayDuration(where.at('timeouts.backendRequest'), rule.backendTimeout) : undefined;
    if (rule.timeout && rule.backendTimeout && rule.timeout.toMilliseconds({ integral: false }) !== 0 &&
        rule.backendTimeout.toMilliseconds({ integral: false }) > rule.timeout.toMilliseconds({ integral: false })) {
      failObject(where.at('timeouts'), `backendRequest ${show(backendRequest)} must not be longer than request ${show(request)}`);
    }
    return { timeouts: { ...(request ? { request } : {}), ...(backendRequest ? { backendRequest } : {}) } };
  }

  private renderRetry(where: Where, retry: HttpRetry | undefined): Record<string, unknown> {
    if (!retry) return {};
    const w = where.at('retry');
    this._markExperimental(w, 'retry');
    (retry.codes ?? []).forEach((c, i) => checkInteger(w.at('codes').at(i), c, 400, 599));
    checkUnique(w.at('codes'), (retry.codes ?? []).map(String), 'status code', false);
    if (retry.attempts !== undefined) checkInteger(w.at('attempts'), retry.attempts, 1);
    return {
      retry: {
        ...(retry.codes ? { codes: [...retry.codes] } : {}),
        ...(retry.attempts !== undefined ? { attempts: retry.attempts } : {}),
        ...(retry.backoff ? { backoff: gatewayDuration(w.at('backoff'), retry.backoff) } : {}),
      },
    };
  }
}
