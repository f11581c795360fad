import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Backend } from './backends';
import { gatewayDuration } from './duration';
import { FilterType, HttpFilter } from './filters';
import { L7RouteBase, L7RouteOptions, L7RouteProps } from './l7-route-base';
import { RouteKind } from './listener';
import { HttpMatch } from './matches';
import { SessionPersistence } from './session-persistence';
import { addWarning } from './warnings';
import { checkInteger, checkUnique } from '../spec/checks';
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
export interface HttpRouteOptions extends L7RouteOptions {
  /**
   * Rules (at most 16); more can be added with `addRule()`.
   * @default - none
   */
  readonly rules?: HttpRouteRule[];
}

export interface HttpRouteProps extends HttpRouteOptions, L7RouteProps {}

/** Routes HTTP requests by host, path, method, headers and query to Services. */
export class HttpRoute extends L7RouteBase {
  public constructor(scope: Construct, id: string, props: HttpRouteProps = {}) {
    super(scope, id, RouteKind.HTTP_ROUTE, props);
    for (const r of props.rules ?? []) this.addRule(r);
  }

  /** The rules, in order. */
  public get rules(): HttpRouteRule[] {
    return this._rules as HttpRouteRule[];
  }

  /** Adds a rule; it is checked now, against the CRD's rules and the team grant. */
  public addRule(rule: HttpRouteRule): void {
    this._addL7Rule(rule);
  }

  /** @internal */
  public _filtersOf(rule: HttpRouteRule): HttpFilter[] {
    return rule.filters ?? [];
  }

  /** A path modifier that replaces the matched prefix needs exactly one PathPrefix match (HTTPRoute CEL rule). @internal */
  public _checkFilters(where: Where, filters: readonly HttpFilter[], rule: HttpRouteRule): void {
    const matches = rule.matches ?? [];
    filters.forEach((f, i) => {
      if (f._pathModifier?.type !== 'ReplacePrefixMatch') return;
      const paths = matches.length === 0 ? ['PathPrefix'] : matches.map((m) => m._path.type);
      if (paths.length !== 1 || paths[0] !== 'PathPrefix') {
        failObject(where.at(i), `${f.type} with PathModifier.prefix() needs exactly one match in the rule, with a path prefix ` +
          `(the rule has ${paths.length === 1 ? `one ${paths[0]} match` : `${paths.length} matches`})`);
      }
    });
  }

  /** A redirect answers the request itself; without it a rule needs a backend with weight. @internal */
  public _checkOutcome(where: Where, rule: HttpRouteRule, filters: readonly HttpFilter[]): void {
    const backends = rule.backends ?? [];
    const redirect = filters.some((f) => f.type === FilterType.REQUEST_REDIRECT);
    if (redirect && backends.length > 0) {
      failObject(where, 'has a RequestRedirect filter and backends; a redirect answers the request itself, so remove the backends (or the redirect)');
    }
    if (!redirect && (backends.length === 0 || backends.every((b) => b.weight === 0))) {
      addWarning(this, `${where.field}: has no backend with a weight above 0 and no redirect, so it answers 500 to every request it matches`);
    }
  }

  /** timeouts and retry. @internal */
  public _renderRuleFields(where: Where, rule: HttpRouteRule): Record<string, unknown> {
    return { ...this.renderTimeouts(where, rule), ...this.renderRetry(where, rule.retry) };
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
