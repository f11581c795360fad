import { answersGrpc, decideRequest, decisionDetail, RequestDecision, ShareChooser, sharesOf } from './decide';
import { explainConnection } from './explain-connection';
import { GRPC_STATUS_NAMES, OutcomeCode } from './outcomes';
import { PortRouter } from './port-router';
import { compileFullMatch, parseQuery } from './predicates';
import { normalizeHost, RouteRequestInput } from './request';
import { clientRequest, normalizeTarget } from './request-target';
import { redirectLocation } from './rewrite';
import type { RouteDecision, RouteRequest } from './types';
import type {
  BackendConfig,
  DataPlaneConfig,
  ExternalAuthFilterConfig,
  HttpFilterConfig,
  HttpRouteEntry,
  InvalidBackendConfig,
  ListenerConfig,
  PortConfig,
  SourceRef,
  ValueMatchConfig,
} from '../config/dataplane-config';
import { hostnameMatches } from '../spec/hostname';

/** What the gateway does with a request, as a client sees it: the outcome code and, when the gateway answers, its statuses. */
export interface ExplainedOutcome {
  readonly code: OutcomeCode;
  /** The HTTP status of the gateway's own answer, as on the wire (a gRPC call's error: 200, trailers-only); absent when the backend answers. */
  readonly status?: number;
  /** The grpc-status of the gateway's answer to a gRPC call; absent when the backend answers (or the request is not gRPC). */
  readonly grpcStatus?: number;
  /** GW_REDIRECT: the redirect. */
  readonly redirect?: { readonly statusCode: number; readonly location: string };
}

/** A backend share as a person reads it: the weight, its percentage of the rule's traffic, and what it is. */
export interface ExplainedBackend {
  readonly weight: number;
  /** Share of the rule's requests, 0-100 (two decimals). */
  readonly percent: number;
  readonly backend?: BackendConfig;
  /** Set when the share answers 500 because the ref is invalid. */
  readonly invalid?: InvalidBackendConfig;
  readonly filters: HttpFilterConfig[];
  /** What a request given this share gets; absent when the outcome comes before any share is chosen. */
  readonly outcome?: ExplainedOutcome;
}

/** The request `explain` was asked about, as the router saw it (method, scheme, host, port, path, query). */
export interface ExplainedRequest {
  readonly method: string;
  readonly scheme: string;
  /** The Host header as the gateway routes it: lower case, no port, no trailing dot. */
  readonly host: string;
  /** The Gateway listener port the request arrives on. */
  readonly port: number;
  readonly path: string;
  readonly query: string;
  /** https: the TLS server name (SNI) the client sends ('' for none). */
  readonly serverName?: string;
}

/** A listener of the config as `explain` reports it: id, name, protocol, hostname, port and the Gateway or ListenerSet it comes from. */
export interface ExplainedListener {
  readonly id: string;
  readonly name: string;
  readonly protocol: string;
  readonly hostname?: string;
  readonly port: number;
  readonly parent: SourceRef;
}

/** Why a request goes where it goes, or why it goes nowhere. */
export interface Explanation {
  readonly request: ExplainedRequest;
  readonly listener?: ExplainedListener;
  readonly route?: SourceRef;
  readonly ruleIndex?: number;
  readonly ruleName?: string;
  readonly matchIndex?: number;
  readonly match?: Pick<HttpRouteEntry, 'hostnames' | 'path' | 'method' | 'headers' | 'queryParams'>;
  readonly grpc?: boolean;
  readonly filters: HttpFilterConfig[];
  /** The rule's shares, each with what a request given it gets. */
  readonly backends: ExplainedBackend[];
  readonly redirect?: { readonly statusCode: number; readonly location: string };
  /**
   * The HTTP status of the answer the gateway gives itself, as on the wire: 404 (no listener for the host, no route),
   * 421 (a host the TLS connection's listener does not serve), 500 (no usable backend, an unsupported filter), 3xx
   * (redirect), 200 (a CORS preflight), and 200 for any error of a gRPC call (a trailers-only response with
   * `grpcStatus`). Absent when the backend answers, or when no HTTP answer comes back at all (`refused`).
   */
  readonly status?: number;
  /** gRPC calls: the grpc-status the gateway answers with (see the outcome table); absent when the backend answers. */
  readonly grpcStatus?: number;
  /** The outcome (the one table in src/router/outcomes.ts). When the rule's shares end differently, `backends[].outcome` says each. */
  readonly code: OutcomeCode;
  /** True when no HTTP answer comes back: nothing listens on the port, or the connection is closed or relayed as it is. */
  readonly refused?: boolean;
  /** Plain-language notes: why no route matched (near misses), why the answer is 500... */
  readonly notes: string[];
}

/** Where a request explained by `explainRequest` arrives: the listener port, and for https the TLS server name it names. */
export interface ExplainOptions {
  /** The Gateway listener port (default: the URL's, else 80 for http and 443 for https). */
  readonly port?: number;
  /** https: the server name (SNI) the client sends (default: the URL's host; none for an IP address). */
  readonly serverName?: string;
}

const routers = new WeakMap<PortConfig, PortRouter>();

function routerFor(config: DataPlaneConfig, port: PortConfig): PortRouter {
  let r = routers.get(port);
  if (!r) {
    r = PortRouter.build(config, port);
    routers.set(port, r);
  }
  return r;
}

/**
 * Explains what the gateway does with a request, by asking the data plane's own decision (`decideRequest`): which
 * port and listener take it, which route, rule and match win, which filters run, which backends get it with which
 * weights, or which status it answers and why. The port is the URL's (default 80 for http, 443 for https) unless
 * `port` is given; the Host header is the URL's authority unless a `host` header is given, and is routed as the wire
 * routes it (`Host: name:1234` is host `name` on whichever port the request arrives at). For https the TLS server
 * name is the URL's host unless `serverName` says otherwise: a Host that another listener owns is 421.
 */
export function explainRequest(config: DataPlaneConfig, input: RouteRequestInput, opts: ExplainOptions = {}): Explanation {
  const c = clientRequest(input, opts);
  const target = normalizeTarget(c.target);
  const host = normalizeHost(target?.authority ?? c.hostHeader);
  const req: RouteRequest = { method: c.method, host, path: target?.path ?? c.target, query: target?.query ?? '', headers: c.headers };
  const request: ExplainedRequest = { method: c.method, scheme: c.scheme, host, port: c.port, path: req.path, query: req.query, ...(c.scheme === 'https' ? { serverName: c.serverName } : {}) };
  const empty = { request, filters: [], backends: [] };
  const port = config.ports.find((p) => p.port === c.port && p.transport === 'TCP');
  if (!port) {
    const ports = config.ports.map((p) => `${p.port}/${p.kind}`).join(', ') || 'none';
    const notes = [`nothing listens on port ${c.port} (ports: ${ports}): the connection is refused`];
    // `serve --port-map 80=8080` and a URL with the local port: the Host keeps its port, the listener port is another
    if (opts.port === undefined) {
      notes.push('the URL\'s port is taken as the listener port; to ask about a request arriving on another (a --port-map), ' +
        'give that listener port with --port (the Host header stays the URL\'s authority)');
    }
    return { ...empty, code: 'GW_NO_LISTENER', refused: true, notes };
  }
  if (port.kind === 'TCP') {
    const e = explainConnection(config, { port: c.port });
    return { ...empty, listener: e.listener, code: e.code, refused: true, notes: [`port ${c.port} is a TCP listener: the request's bytes are relayed as they are, HTTP routing does not apply`, ...e.notes] };
  }
  const tls = port.kind === 'TLS';
  if (tls !== (c.scheme === 'https')) {
    if (!tls) {
      // a TLS ClientHello is no HTTP request line
      return { ...empty, status: 400, code: 'GW_BAD_REQUEST', notes: [`port ${c.port} serves cleartext HTTP: a TLS client's ClientHello is answered 400 in cleartext (the client reports a TLS error); use an http:// URL`] };
    }
    return { ...empty, code: 'GW_BAD_CLIENT_HELLO', refused: true, notes: [`port ${c.port} expects TLS: a cleartext request is no ClientHello and the connection is closed; use an https:// URL`] };
  }
  const router = routerFor(config, port);
  let sniListener: ListenerConfig | undefined;
  if (tls) {
    const conn = explainConnection(config, { port: c.port, serverName: c.serverName });
    if (conn.mode !== 'HTTPS') {
      return { ...empty, listener: conn.listener, code: conn.code, refused: true, notes: [...conn.notes, 'the TLS connection is not served over HTTP: HTTP routing does not apply'] };
    }
    sniListener = router.tlsListenerFor(c.serverName);
  }
  if (!target) {
    const grpc = answersGrpc(undefined, req.headers['content-type']);
    return { ...empty, ...wireStatus('GW_BAD_REQUEST', 400, 13, grpc), code: 'GW_BAD_REQUEST', notes: [`malformed request target ${JSON.stringify(c.target)}: encoded "/", "\\" or NUL, a bad %-escape or a fragment`] };
  }
  return explainDecision(config, router, req, request, sniListener, c.serverName);
}

/** The decision for the request, and for each share of its rule when the decision chooses one. */
function explainDecision(
  config: DataPlaneConfig, router: PortRouter, req: RouteRequest, request: ExplainedRequest,
  sniListener: ListenerConfig | undefined, serverName: string,
): Explanation {
  const chooser = new FixedShare();
  const d = decideRequest(router, req, sniListener, chooser);
  const grpc = answersGrpc(d, req.headers['content-type']);
  const port = router.port.port;
  const outcomeOf = (x: RequestDecision): ExplainedOutcome => explainedOutcome(x, req, request, grpc);
  const l = d.listener;
  const listener: ExplainedListener | undefined = l && { id: l.id, name: l.name, protocol: l.protocol, hostname: l.hostname, port, parent: l.parent };
  const base = { request, listener, filters: [] as HttpFilterConfig[], backends: [] as ExplainedBackend[] };
  const self = outcomeOf(d);
  if (d.route === undefined) {
    const notes = d.code === 'GW_UNKNOWN_HOST' ? [unknownHostNote(router, req.host)]
      : d.code === 'GW_MISDIRECTED_REQUEST' ? [misdirectedNote(router, d.listener!, req.host, serverName)]
        : nearMisses(d.listener!, req, config);
    return { ...base, ...self, code: d.code, notes };
  }
  const route = d.route;
  const rule = route.rule;
  const e = route.entry;
  const routed = {
    ...base,
    route: rule.source,
    ruleIndex: rule.ruleIndex,
    ruleName: rule.ruleName,
    matchIndex: route.entry.match,
    match: { hostnames: e.hostnames, path: e.path, method: e.method, headers: e.headers, queryParams: e.queryParams },
    grpc: rule.grpc,
    filters: rule.filters,
  };
  // every share's own decision, when the decision chose one (the chooser is the only thing that varies)
  const shares = sharesOf(rule);
  const byShare = chooser.asked ? shares.map((_, i) => decideRequest(router, req, sniListener, new FixedShare(i))) : [];
  const outcomes = byShare.map(outcomeOf);
  const total = shares.reduce((s, b) => s + b.weight, 0);
  const percent = (b: { readonly weight: number }) => (total > 0 && b.weight > 0 ? Math.round((b.weight / total) * 10000) / 100 : 0);
  const backends: ExplainedBackend[] = rule.backends.map((b) => {
    const i = shares.indexOf(b);
    return {
      weight: b.weight,
      percent: percent(b),
      backend: b.backend !== undefined ? config.backends[b.backend] : undefined,
      invalid: b.invalid,
      filters: b.filters,
      ...(outcomes[i] ? { outcome: outcomes[i] } : {}),
    };
  });
  const notes: string[] = [];
  if (d.code === 'GW_CORS_PREFLIGHT') {
    notes.push('a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method): the CORS filter answers it itself, no backend is asked');
  } else if (d.ruleCheck) {
    notes.push(authNote(d.ruleCheck, 'the request goes on as shown'));
  }
  if (byShare.length === 0) {
    if (d.reason) notes.push(d.reason);
    return { ...routed, backends, ...self, code: d.code, notes };
  }
  // what each share's requests get, when it is not simply the backend's answer
  shares.forEach((b, i) => {
    const x = byShare[i];
    const o = outcomes[i];
    if (o.code === 'GW_ROUTED') {
      if (x.backendCheck && b.backend) notes.push(authNote(x.backendCheck, `a request picked for ${b.backend} goes on to it`));
      return;
    }
    const answer = o.redirect ? `redirected: ${o.redirect.statusCode} Location: ${o.redirect.location}` : `answered ${describeAnswer(o)}`;
    const why = o.redirect ? '' : decisionDetail(x, req, port);
    const who = b.backend ? `those given ${b.backend}` : `those given the invalid ref, ${b.invalid?.reason ?? 'invalid'}`;
    notes.push(shares.length === 1 ? `${answer}${why ? `: ${why}` : ''}` : `${percent(b)}% of requests (${who}) are ${answer}${why ? `: ${why}` : ''}`);
  });
  if (outcomes.every((o) => sameOutcome(o, outcomes[0]))) return { ...routed, backends, ...outcomes[0], code: byShare[0].code, notes };
  // the shares end differently: forwarded when some share forwards, else the largest share's answer
  let main = byShare.findIndex((x) => x.code === 'GW_ROUTED');
  if (main < 0) main = shares.reduce((best, b, i) => (b.weight > shares[best].weight ? i : best), 0);
  return { ...routed, backends, ...outcomes[main], code: byShare[main].code, notes };
}

/** The share a FixedShare chooser gives; `asked` records whether the decision needed one. */
class FixedShare implements ShareChooser {
  public asked = false;
  constructor(private readonly share = 0) {}
  public chooseShare(route: RouteDecision): number {
    this.asked = true;
    return sharesOf(route.rule).length > this.share ? this.share : -1;
  }
}

function explainedOutcome(d: RequestDecision, req: RouteRequest, request: ExplainedRequest, grpc: boolean): ExplainedOutcome {
  const at = { scheme: request.scheme, host: req.host, port: request.port, path: req.path, query: req.query };
  const redirect = d.code === 'GW_REDIRECT' && d.redirect
    ? { statusCode: d.redirect.statusCode, location: redirectLocation(d.redirect, at, d.route!.entry) } : undefined;
  return { code: d.code, ...wireStatus(d.code, d.status, d.grpcStatus, grpc), ...(redirect ? { redirect } : {}) };
}

/** The statuses a client sees: a gRPC call's error is HTTP 200 with a grpc-status; forwarded requests have none. */
function wireStatus(code: OutcomeCode, status: number, grpcStatus: number, grpc: boolean): { status?: number; grpcStatus?: number } {
  if (code === 'GW_ROUTED' || status === 0) return {};
  if (grpc && grpcStatus >= 0) return { status: 200, grpcStatus };
  return { status };
}

function sameOutcome(a: ExplainedOutcome, b: ExplainedOutcome): boolean {
  return a.code === b.code && a.status === b.status && a.grpcStatus === b.grpcStatus &&
    a.redirect?.location === b.redirect?.location && a.redirect?.statusCode === b.redirect?.statusCode;
}

function describeAnswer(o: ExplainedOutcome): string {
  return `${describeStatus(o)} ${o.code}`;
}

function unknownHostNote(router: PortRouter, host: string): string {
  const names = router.port.listeners.map((l) => `${l.name} (${l.hostname ?? 'any host'})`).join(', ');
  return `no listener on port ${router.port.port} serves host "${host}" (listeners: ${names})`;
}

function misdirectedNote(router: PortRouter, chosen: ListenerConfig, host: string, serverName: string): string {
  const owner = router.listenerFor(host);
  const sni = serverName ? `server name "${serverName}"` : 'no server name (SNI)';
  return `the TLS connection was set up for listener "${chosen.name}" (${sni}), but host "${host}" ` +
    `${owner ? `belongs to listener "${owner.name}"` : 'belongs to no listener'}: answered 421 Misdirected Request (RFC 9110 15.5.20); ` +
    'a client opens a new connection with that server name';
}

function authNote(f: ExternalAuthFilterConfig, allowed: string): string {
  if (f.backend === undefined) return 'ExternalAuth: the backendRef is invalid, requests it would check answer 500';
  return `ExternalAuth: ${f.backend} is asked first (${f.protocol}); on ${f.protocol === 'HTTP' ? 'a 200' : 'status OK'} ${allowed}, ` +
    'any other answer is returned to the client';
}

function nearMisses(listener: ListenerConfig, req: RouteRequest, config: DataPlaneConfig): string[] {
  const entries = listener.httpRoutes ?? [];
  if (entries.length === 0) return [`listener "${listener.name}" has no routes attached`];
  const notes: string[] = [];
  for (const e of entries) {
    const why = missReason(e, req);
    const rule = config.httpRules[e.rule];
    const where = rule ? `${rule.source.kind} ${rule.source.namespace}/${rule.source.name} rules[${rule.ruleIndex}]` : `rule ${e.rule}`;
    if (why) notes.push(`${where} match ${e.match} (${describeMatch(e)}): ${why}`);
    if (notes.length === 10) break;
  }
  return [`no route of listener "${listener.name}" matches ${req.method} ${req.host}${req.path}`, ...notes];
}

function describeMatch(e: HttpRouteEntry): string {
  const parts = [`${e.path.type} ${e.path.value}`];
  if (e.method) parts.push(e.method);
  for (const h of e.headers) parts.push(`header ${h.name}${h.type === 'Exact' ? '=' : '~'}${h.value}`);
  for (const q of e.queryParams) parts.push(`query ${q.name}${q.type === 'Exact' ? '=' : '~'}${q.value}`);
  if (e.hostnames.length) parts.push(`hosts ${e.hostnames.join(',')}`);
  return parts.join(', ');
}

function missReason(e: HttpRouteEntry, req: RouteRequest): string | undefined {
  if (e.hostnames.length > 0 && !e.hostnames.some((h) => hostnameMatches(h, req.host))) return `host "${req.host}" is not ${e.hostnames.join(' or ')}`;
  const p = e.path;
  const pathOk =
    p.type === 'Exact'
      ? req.path === p.value
      : p.type === 'PathPrefix'
        ? p.value === '/' || req.path === p.value || req.path.startsWith(`${p.value}/`)
        : compileFullMatch(p.value)?.test(req.path) === true;
  if (!pathOk) return `path "${req.path}" does not match`;
  if (e.method && e.method !== req.method) return `method is ${req.method}, not ${e.method}`;
  for (const h of e.headers) {
    const v = req.headers[h.name];
    const values = v === undefined ? [] : typeof v === 'string' ? [v] : v;
    if (!values.some((x) => valueOk(h, x))) return v === undefined ? `header ${h.name} is missing` : `header ${h.name} is "${values.join(', ')}"`;
  }
  if (e.queryParams.length) {
    const q = parseQuery(req.query);
    for (const m of e.queryParams) {
      const v = q.get(m.name);
      if (v === undefined || !valueOk(m, v)) return v === undefined ? `query parameter ${m.name} is missing` : `query parameter ${m.name} is "${v}"`;
    }
  }
  return undefined;
}

function valueOk(m: ValueMatchConfig, v: string): boolean {
  return m.type === 'Exact' ? v === m.value : compileFullMatch(m.value)?.test(v) === true;
}

/** A readable, multi-line rendering of an explanation (what `cdk8s-gateway explain` prints). */
export function formatExplanation(e: Explanation): string {
  const r = e.request;
  const sni = r.serverName === undefined ? '' : `, server name ${r.serverName ? `"${r.serverName}"` : '(none)'}`;
  const lines = [`request:  ${r.method} ${r.scheme}://${r.host}:${r.port}${r.path}${r.query ? `?${r.query}` : ''}${sni}`];
  if (e.listener) {
    const p = e.listener.parent;
    lines.push(`listener: ${e.listener.name} (${e.listener.protocol} port ${e.listener.port}, hostname ${e.listener.hostname ?? 'any'}) of ${p.kind} ${p.namespace}/${p.name}`);
  }
  if (e.route) {
    lines.push(`route:    ${e.route.kind} ${e.route.namespace}/${e.route.name}`);
    lines.push(`rule:     rules[${e.ruleIndex}]${e.ruleName ? ` (${e.ruleName})` : ''}, match ${e.matchIndex}`);
    if (e.match) lines.push(`match:    ${describeMatch({ ...e.match, rule: 0, match: 0 })}`);
  }
  if (e.filters.length) {
    lines.push('filters:');
    for (const f of e.filters) lines.push(`  - ${describeFilter(f)}`);
  }
  if (e.redirect) lines.push(`redirect: ${e.redirect.statusCode} Location: ${e.redirect.location}`);
  if (e.backends.length) {
    lines.push('backends:');
    for (const b of e.backends) {
      const what = b.backend ? `${b.backend.namespace}/${b.backend.name}:${b.backend.port} (${b.backend.protocol}${b.backend.tls ? ', TLS' : ''})` : `invalid: ${b.invalid?.reason}`;
      lines.push(`  - ${what} weight ${b.weight} (${b.percent}%)${b.filters.length ? ` filters: ${b.filters.map(describeFilter).join('; ')}` : ''}`);
    }
  }
  lines.push(`outcome:  ${e.code} → ${e.refused ? 'refused' : describeStatus(e)}`);
  for (const n of e.notes) lines.push(`  ${n}`);
  return lines.join('\n');
}

/** `forwarded`, `404`, `200 (gRPC 12 UNIMPLEMENTED)`. */
function describeStatus(o: ExplainedOutcome): string {
  if (o.status === undefined) return 'forwarded';
  return o.grpcStatus !== undefined ? `gRPC ${o.grpcStatus} ${GRPC_STATUS_NAMES[o.grpcStatus] ?? ''} (HTTP ${o.status}, trailers-only)` : String(o.status);
}

/** One line describing a filter, for people. */
export function describeFilter(f: HttpFilterConfig): string {
  switch (f.type) {
    case 'RequestHeaderModifier':
    case 'ResponseHeaderModifier':
      return `${f.type} set ${JSON.stringify(f.set)} add ${JSON.stringify(f.add)} remove ${JSON.stringify(f.remove)}`;
    case 'RequestRedirect':
      return `RequestRedirect ${f.statusCode}${f.scheme ? ` scheme ${f.scheme}` : ''}${f.hostname ? ` host ${f.hostname}` : ''}${f.port ? ` port ${f.port}` : ''}${f.path ? ` ${f.path.type} ${f.path.value}` : ''}`;
    case 'URLRewrite':
      return `URLRewrite${f.hostname ? ` host ${f.hostname}` : ''}${f.path ? ` ${f.path.type} ${f.path.value}` : ''}`;
    case 'RequestMirror':
      return `RequestMirror to ${f.backend ?? '(invalid backend)'} ${f.percent}%`;
    case 'CORS':
      return `CORS origins ${f.allowOrigins.join(',') || '-'}`;
    case 'ExternalAuth':
      return `ExternalAuth ${f.protocol} ${f.backend ?? '(invalid backend)'}`;
    default:
      return `${f.filterType} (unsupported): ${f.message}`;
  }
}
