import { OUTCOMES, OutcomeCode } from './outcomes';
import type { CompiledEntry } from './predicates';
import { isGrpcContentType } from './request';
import type { RouteDecision, RouteRequest } from './types';
import type {
  CorsFilterConfig, ExternalAuthFilterConfig, HttpFilterConfig, HttpRuleConfig, ListenerConfig, RequestRedirectFilterConfig,
  UnsupportedFilterConfig, WeightedBackendConfig,
} from '../config/dataplane-config';

/**
 * What the gateway does with one HTTP request (or gRPC call): the outcome `decideRequest` returns. The data plane
 * carries it out, `explain` and GatewayTester describe it. Decisions are built once per outcome of a route entry (and
 * once per listener or port for routing errors) and then shared: deciding a request allocates nothing.
 */
export interface RequestDecision {
  /** The outcome; its HTTP and gRPC statuses are in the outcome table (outcomes.ts). */
  readonly code: OutcomeCode;
  /** The HTTP status the gateway answers with (an error, the redirect's code, 200 for a preflight); 0 when the backend answers. */
  readonly status: number;
  /** The grpc-status a gRPC call is answered with when the gateway answers with an error; -1 otherwise (see `answersGrpc`). */
  readonly grpcStatus: number;
  /** The listener that took the request; for GW_MISDIRECTED_REQUEST the one the TLS handshake chose. */
  readonly listener: ListenerConfig | undefined;
  /** The route entry that matched: listener, rule and match. */
  readonly route: RouteDecision | undefined;
  /** The share of the rule's traffic chosen (an index into `sharesOf(rule)`); -1 when the outcome needs none. */
  readonly share: number;
  /** That share. */
  readonly backend: WeightedBackendConfig | undefined;
  /** The rule's ExternalAuth filter, asked before the outcome takes effect (absent when there is none, or the outcome comes first). */
  readonly ruleCheck: ExternalAuthFilterConfig | undefined;
  /** The share's own ExternalAuth filter, asked after the rule's. */
  readonly backendCheck: ExternalAuthFilterConfig | undefined;
  /** GW_REDIRECT: the RequestRedirect filter that answers (the rule's, or the chosen share's). */
  readonly redirect: RequestRedirectFilterConfig | undefined;
  /**
   * The CORS filter that applies (the chosen share's, else the rule's): it answers a GW_CORS_PREFLIGHT, and otherwise
   * adds its headers to whatever answers the request.
   */
  readonly cors: CorsFilterConfig | undefined;
  /** Why the gateway answers itself, for errors the config decides (an unsupported filter, an invalid backend...); '' otherwise. */
  readonly reason: string;
}

/** Picks the share of a rule's traffic a request goes to (weighted at random, or by session in the data plane). */
export interface ShareChooser {
  /** An index into `sharesOf(route.rule)`; -1 when the rule has no share. Called at most once per decision. */
  chooseShare(route: RouteDecision): number;
}

/** What decideRequest needs of a port: its listeners by hostname and its route tables (PortRouter). */
export interface DecisionRouter {
  readonly unknownHost: RequestDecision;
  listenerFor(host: string): ListenerConfig | undefined;
  match(req: RouteRequest, listener: ListenerConfig): CompiledEntry | undefined;
  noRouteOf(listener: ListenerConfig): RequestDecision;
  misdirectedOf(listener: ListenerConfig): RequestDecision;
}

/**
 * The request decision, in the order the gateway takes its steps (each step's outcome ends the decision):
 *
 * 1. the listener: on a TLS connection the one its handshake chose by SNI, and a Host that another listener owns is
 *    421 GW_MISDIRECTED_REQUEST (RFC 9110 15.5.20); on cleartext the listener whose hostname matches the Host best,
 *    none is 404 GW_UNKNOWN_HOST;
 * 2. the route entry of that listener (see PortRouter.match), none is 404 GW_NO_ROUTE;
 * 3. a filter this data plane cannot run (ExtensionRef) is 500 GW_UNSUPPORTED_FILTER;
 * 4. the CORS filter answers a preflight itself, 200 GW_CORS_PREFLIGHT (when a backendRef has a CORS filter of its
 *    own, the share is chosen first: its filter replaces the rule's);
 * 5. the rule's ExternalAuth filter (an invalid backendRef is 500 GW_INVALID_BACKEND), then its RequestRedirect;
 * 6. the share (weighted, or the session's): none is 500 GW_NO_BACKEND; an unsupported filter of its own 500, an
 *    invalid ref 500 GW_INVALID_BACKEND; its own ExternalAuth, then its own RequestRedirect; else GW_ROUTED.
 *
 * `req.host` is the Host header as the wire reads it (`normalizeHost`: lower case, no port, no trailing dot).
 * `sniListener` is the listener a TLS handshake chose (`PortRouter.tlsListenerFor`), undefined on cleartext.
 * ExternalAuth checks are not run here: `ruleCheck` and `backendCheck` say which ones the outcome waits for.
 */
export function decideRequest(
  router: DecisionRouter, req: RouteRequest, sniListener: ListenerConfig | undefined, chooser: ShareChooser,
): RequestDecision {
  let listener: ListenerConfig | undefined;
  if (sniListener !== undefined) {
    if (router.listenerFor(req.host) !== sniListener) return router.misdirectedOf(sniListener);
    listener = sniListener;
  } else {
    listener = router.listenerFor(req.host);
    if (listener === undefined) return router.unknownHost;
  }
  const route = router.match(req, listener);
  if (route === undefined) return router.noRouteOf(listener);
  const o = route.outcomes ??= new EntryOutcomes(route);
  if (o.unsupported !== undefined) return o.unsupported;
  let share = -1;
  let at = o.unchosen;
  if (o.backendCors) {
    share = chooser.chooseShare(route);
    at = o.chosenFirst(share);
  }
  if (at.cors !== undefined && isCorsPreflight(req)) return at.preflight!;
  const early = at.beforeShare;
  if (early !== undefined) return early;
  if (share < 0) share = chooser.chooseShare(route);
  return share < 0 ? at.noBackend() : at.shareOutcome(share);
}

/** A CORS preflight: OPTIONS with an Origin and an Access-Control-Request-Method (Fetch standard, CORS-preflight request). */
export function isCorsPreflight(req: RouteRequest): boolean {
  const h = req.headers;
  return req.method === 'OPTIONS' && typeof h.origin === 'string' && typeof h['access-control-request-method'] === 'string';
}

/**
 * Whether the gateway answers a request's errors in gRPC terms (a trailers-only response with grpc-status): a GRPCRoute
 * rule matched it, or it has a gRPC content type (`d` is undefined when no decision was made: a malformed target).
 */
export function answersGrpc(d: RequestDecision | undefined, contentType: string | string[] | undefined): boolean {
  return (d !== undefined && d.route !== undefined && d.route.rule.grpc) || isGrpcContentType(contentType);
}

/** Why the gateway answers a request itself, in one line (access log, grpc-message, explain's notes); '' for the rest. */
export function decisionDetail(d: RequestDecision, req: RouteRequest, port: number): string {
  switch (d.code) {
    case 'GW_UNKNOWN_HOST': return `no listener on port ${port} accepts host ${req.host}`;
    case 'GW_MISDIRECTED_REQUEST': return `host ${req.host} is not served by listener ${d.listener!.id} chosen by SNI`;
    case 'GW_NO_ROUTE': return `no route of listener ${d.listener!.id} matches ${req.method} ${req.path}`;
    default: return d.reason;
  }
}

/** The shares of a rule's traffic: its backends with a weight above 0, in order (the data plane's choices follow this list). */
export function sharesOf(rule: HttpRuleConfig): WeightedBackendConfig[] {
  return rule.backends.filter((b) => b.weight > 0);
}

/** The filters of a list that decide an outcome (the last of each type counts, as the data plane folds them). */
export interface DecidingFilters {
  readonly redirect?: RequestRedirectFilterConfig;
  readonly cors?: CorsFilterConfig;
  readonly extAuth?: ExternalAuthFilterConfig;
  readonly unsupported?: UnsupportedFilterConfig;
}

/** The RequestRedirect, CORS, ExternalAuth and unsupported filters of a rule or backendRef. */
export function decidingFilters(filters: readonly HttpFilterConfig[]): DecidingFilters {
  let redirect: RequestRedirectFilterConfig | undefined;
  let cors: CorsFilterConfig | undefined;
  let extAuth: ExternalAuthFilterConfig | undefined;
  let unsupported: UnsupportedFilterConfig | undefined;
  for (const f of filters) {
    if (f.type === 'RequestRedirect') redirect = f;
    else if (f.type === 'CORS') cors = f;
    else if (f.type === 'ExternalAuth') extAuth = f;
    else if (f.type === 'Unsupported') unsupported = f;
  }
  return { redirect, cors, extAuth, unsupported };
}

/** The outcome a routing error is answered with at a listener (or, for GW_UNKNOWN_HOST, at none). */
export function routingDecision(code: 'GW_UNKNOWN_HOST' | 'GW_NO_ROUTE' | 'GW_MISDIRECTED_REQUEST', listener: ListenerConfig | undefined): RequestDecision {
  return decision(code, { listener });
}

const AUTH_INVALID = 'the ExternalAuth filter\'s backendRef is invalid (the route\'s ResolvedRefs condition says why)';

/** Every field set, always in this order: all decisions share one shape, so reading one stays cheap on the hot path. */
function decision(code: OutcomeCode, d: Partial<Omit<RequestDecision, 'code' | 'grpcStatus'>>): RequestDecision {
  const info = OUTCOMES[code];
  return {
    code,
    status: d.status ?? info.status,
    grpcStatus: info.grpcStatus,
    listener: d.listener,
    route: d.route,
    share: d.share ?? -1,
    backend: d.backend,
    ruleCheck: d.ruleCheck,
    backendCheck: d.backendCheck,
    redirect: d.redirect,
    cors: d.cors,
    reason: d.reason ?? '',
  };
}

/**
 * The outcomes of one route entry, built on its first request. `unchosen` holds them for a request whose share is
 * chosen after the CORS step; when a backendRef has a CORS filter of its own, the share is chosen before it, and each
 * share has its own set (its CORS filter, or the rule's, goes with every outcome).
 */
export class EntryOutcomes {
  public readonly unsupported: RequestDecision | undefined;
  public readonly backendCors: boolean;
  public readonly unchosen: CorsStep;
  private readonly byShare: CorsStep[] = [];
  private readonly shares: WeightedBackendConfig[];
  private readonly rule: DecidingFilters;

  constructor(private readonly route: CompiledEntry) {
    this.rule = decidingFilters(route.rule.filters);
    this.shares = sharesOf(route.rule);
    const base = { listener: route.listener, route };
    this.unsupported = this.rule.unsupported ? decision('GW_UNSUPPORTED_FILTER', { ...base, reason: this.rule.unsupported.message }) : undefined;
    this.backendCors = this.shares.some((b) => decidingFilters(b.filters).cors !== undefined);
    this.unchosen = new CorsStep(route, this.rule, this.shares, -1);
  }

  /** The outcomes once share `i` was chosen before the CORS step. */
  public chosenFirst(i: number): CorsStep {
    if (i < 0) return this.unchosen;
    return this.byShare[i] ??= new CorsStep(this.route, this.rule, this.shares, i);
  }
}

/** The outcomes from the CORS step on, with one CORS filter in effect. */
class CorsStep {
  public readonly cors: CorsFilterConfig | undefined;
  public readonly preflight: RequestDecision | undefined;
  /** The outcome decided before a share is needed: the rule's invalid ExternalAuth, or its RequestRedirect. */
  public readonly beforeShare: RequestDecision | undefined;
  private readonly ruleCheck: ExternalAuthFilterConfig | undefined;
  private noShare: RequestDecision | undefined;
  private readonly byShare: RequestDecision[] = [];

  constructor(
    private readonly route: CompiledEntry, rule: DecidingFilters, private readonly shares: readonly WeightedBackendConfig[],
    /** The share chosen before the CORS step, -1 for none. */
    first: number,
  ) {
    const own = first >= 0 ? decidingFilters(shares[first].filters).cors : undefined;
    this.cors = own ?? rule.cors;
    const base = { listener: route.listener, route, cors: this.cors };
    this.preflight = this.cors ? decision('GW_CORS_PREFLIGHT', { ...base, ...this.shareFields(first) }) : undefined;
    const auth = rule.extAuth;
    this.ruleCheck = auth && auth.backend !== undefined ? auth : undefined;
    if (auth && auth.backend === undefined) {
      this.beforeShare = decision('GW_INVALID_BACKEND', { ...base, ...this.shareFields(first), reason: AUTH_INVALID });
    } else if (rule.redirect) {
      this.beforeShare = decision('GW_REDIRECT', { ...base, ...this.shareFields(first), ruleCheck: this.ruleCheck, redirect: rule.redirect, status: rule.redirect.statusCode });
    }
  }

  public noBackend(): RequestDecision {
    const r = this.route.rule;
    return this.noShare ??= decision('GW_NO_BACKEND', {
      listener: this.route.listener,
      route: this.route,
      cors: this.cors,
      ruleCheck: this.ruleCheck,
      reason: `${r.source.kind}/${r.source.namespace}/${r.source.name} rule ${r.ruleName ?? r.ruleIndex} has no backends`,
    });
  }

  public shareOutcome(i: number): RequestDecision {
    return this.byShare[i] ??= this.buildShare(i);
  }

  private shareFields(i: number): Partial<RequestDecision> {
    return i >= 0 ? { share: i, backend: this.shares[i] } : {};
  }

  private buildShare(i: number): RequestDecision {
    const b = this.shares[i];
    const own = decidingFilters(b.filters);
    const base = { listener: this.route.listener, route: this.route, cors: this.cors, ruleCheck: this.ruleCheck, share: i, backend: b };
    if (own.unsupported) return decision('GW_UNSUPPORTED_FILTER', { ...base, reason: own.unsupported.message });
    if (b.backend === undefined) return decision('GW_INVALID_BACKEND', { ...base, reason: `${b.invalid?.reason ?? 'invalid'}: ${b.invalid?.message ?? ''}` });
    if (own.extAuth && own.extAuth.backend === undefined) return decision('GW_INVALID_BACKEND', { ...base, reason: AUTH_INVALID });
    const backendCheck = own.extAuth;
    // a backendRef's own RequestRedirect: "executed if and only if the request is being forwarded to the backend
    // defined here" (HTTPBackendRef.filters); like a rule's, after the ExternalAuth checks
    if (own.redirect) return decision('GW_REDIRECT', { ...base, backendCheck, redirect: own.redirect, status: own.redirect.statusCode });
    return decision('GW_ROUTED', { ...base, backendCheck });
  }
}
