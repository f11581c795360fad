import { PortRouter } from './port-router';
import { compileFullMatch, parseQuery } from './predicates';
import { isGrpcContentType, routeRequest, RouteRequestInput } from './request';
import type { RouteRequest } from './types';
import type {
  BackendConfig,
  DataPlaneConfig,
  ExternalAuthFilterConfig,
  HttpFilterConfig,
  HttpRouteEntry,
  InvalidBackendConfig,
  ListenerConfig,
  PortConfig,
  RequestRedirectFilterConfig,
  SourceRef,
  ValueMatchConfig,
} from '../config/dataplane-config';
import { hostnameMatches } from '../spec/hostname';

/** A backend share as a person reads it: the weight, its percentage of the rule's traffic, and what it is. */
export interface ExplainedBackend {
  readonly weight: number;
  /** Share of the rule's requests, 0-100 (two decimals). */
  readonly percent: number;
  readonly backend?: BackendConfig;
  /** Set when the share answers 500 because the ref is invalid. */
  readonly invalid?: InvalidBackendConfig;
  readonly filters: HttpFilterConfig[];
}

/** The request `explain` was asked about, as the router saw it (method, scheme, host, port, path, query). */
export interface ExplainedRequest {
  readonly method: string;
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly query: string;
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
  readonly backends: ExplainedBackend[];
  readonly redirect?: { readonly statusCode: number; readonly location: string };
  /**
   * The status the gateway answers itself: 404 (no listener or no route), 500 (no usable backend, or an
   * unsupported filter), 3xx (redirect). Absent when the request is forwarded to a backend.
   */
  readonly status?: number;
  /**
   * gRPC calls (a gRPC content type): the grpc-status the gateway answers itself (UNIMPLEMENTED 12 without a
   * route, UNAVAILABLE 14 without a usable backend, INTERNAL 13 for an unsupported filter). Absent when the call
   * is forwarded (the backend answers) or the request is not gRPC.
   */
  readonly grpcStatus?: number;
  /** A stable code for the outcome: GW_ROUTED, GW_REDIRECT, GW_NO_LISTENER, GW_NO_ROUTE, GW_NO_BACKEND, GW_UNSUPPORTED_FILTER. */
  readonly code: string;
  /** Plain-language notes: why no route matched (near misses), why the answer is 500... */
  readonly notes: string[];
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
 * Explains what the gateway does with a request: which port and listener take it, which route, rule and
 * match win, which filters run, which backends get it with which weights, or which status it answers and why.
 * The port is the URL's (default 80 for http, 443 for https) unless `port` is given.
 */
export function explainRequest(config: DataPlaneConfig, input: RouteRequestInput, opts: { readonly port?: number } = {}): Explanation {
  const req = routeRequest(input);
  const e = explainHttp(config, req, opts);
  return isGrpcContentType(req.headers['content-type']) ? withGrpcStatus(e, config) : e;
}

const GRPC_STATUS_NAMES: Record<number, string> = { 12: 'UNIMPLEMENTED', 13: 'INTERNAL', 14: 'UNAVAILABLE' };

/** What a gRPC client sees of an explanation: the data plane answers gateway errors as gRPC statuses. */
function withGrpcStatus(e: Explanation, config: DataPlaneConfig): Explanation {
  const hasPort = config.ports.some((p) => p.port === e.request.port && p.transport === 'TCP');
  const grpcStatus = e.code === 'GW_NO_ROUTE' || (e.code === 'GW_NO_LISTENER' && hasPort && e.status === 404) ? 12
    : e.code === 'GW_UNSUPPORTED_FILTER' ? 13
      : e.code === 'GW_NO_BACKEND' || e.code === 'GW_NO_LISTENER' ? 14 : undefined;
  const notes = e.backends.some((b) => b.invalid) && grpcStatus === undefined
    ? [...e.notes, 'calls given an invalid share answer UNAVAILABLE (14)'] : e.notes;
  return grpcStatus === undefined ? { ...e, notes } : { ...e, grpcStatus, notes };
}

function explainHttp(config: DataPlaneConfig, req: ReturnType<typeof routeRequest>, opts: { readonly port?: number }): Explanation {
  const scheme = req.scheme ?? 'http';
  const portNumber = opts.port ?? req.port ?? (scheme === 'https' ? 443 : 80);
  const request = { method: req.method, scheme, host: req.host, port: portNumber, path: req.path, query: req.query };
  const empty = { filters: [], backends: [] };
  const port = config.ports.find((p) => p.port === portNumber && p.transport === 'TCP');
  if (!port || (port.kind !== 'HTTP' && port.kind !== 'TLS')) {
    const ports = config.ports.map((p) => `${p.port}/${p.kind}`).join(', ') || 'none';
    return { request, ...empty, status: 404, code: 'GW_NO_LISTENER', notes: [`no HTTP listener on port ${portNumber} (ports: ${ports})`] };
  }
  if (port.kind === 'TLS' && scheme !== 'https') {
    return { request, ...empty, status: 400, code: 'GW_NO_LISTENER', notes: [`port ${portNumber} expects TLS: use an https:// URL`] };
  }
  const router = routerFor(config, port);
  const listener = router.listenerFor(req.host);
  if (!listener || (listener.protocol !== 'HTTP' && listener.protocol !== 'HTTPS')) {
    const names = port.listeners.map((l) => `${l.name} (${l.hostname ?? 'any host'})`).join(', ');
    const note = `no listener on port ${portNumber} serves host "${req.host}" (listeners: ${names})`;
    return { request, ...empty, status: 404, code: 'GW_NO_LISTENER', notes: [note] };
  }
  const l: ExplainedListener = {
    id: listener.id,
    name: listener.name,
    protocol: listener.protocol,
    hostname: listener.hostname,
    port: portNumber,
    parent: listener.parent,
  };
  const d = router.match(req, listener);
  if (!d) return { request, listener: l, ...empty, status: 404, code: 'GW_NO_ROUTE', notes: nearMisses(listener, req, config) };

  const rule = d.rule;
  const base = {
    request,
    listener: l,
    route: rule.source,
    ruleIndex: rule.ruleIndex,
    ruleName: rule.ruleName,
    matchIndex: d.entry.match,
    match: { hostnames: d.entry.hostnames, path: d.entry.path, method: d.entry.method, headers: d.entry.headers, queryParams: d.entry.queryParams },
    grpc: rule.grpc,
    filters: rule.filters,
  };
  const unsupported = rule.filters.find((f) => f.type === 'Unsupported');
  if (unsupported && unsupported.type === 'Unsupported') {
    return { ...base, backends: [], status: 500, code: 'GW_UNSUPPORTED_FILTER', notes: [unsupported.message] };
  }
  const extAuth = rule.filters.find((f): f is ExternalAuthFilterConfig => f.type === 'ExternalAuth');
  if (extAuth && extAuth.backend === undefined) {
    const note = 'the ExternalAuth filter\'s backendRef is invalid (the route\'s ResolvedRefs condition says why): every request answers 500';
    return { ...base, backends: [], status: 500, code: 'GW_INVALID_BACKEND', notes: [note] };
  }
  // an ExternalAuth filter decides at request time: say so next to the outcome it allows
  const auth = extAuth ? [authNote(extAuth, 'the request goes on as shown')] : [];
  const redirect = rule.filters.find((f): f is RequestRedirectFilterConfig => f.type === 'RequestRedirect');
  if (redirect) {
    const location = redirectLocation(redirect, { scheme, host: req.host, port: portNumber, path: req.path, query: req.query }, d.entry);
    return { ...base, backends: [], redirect: { statusCode: redirect.statusCode, location }, status: redirect.statusCode, code: 'GW_REDIRECT', notes: auth };
  }
  const total = rule.backends.reduce((s, b) => s + b.weight, 0);
  const backends: ExplainedBackend[] = rule.backends.map((b) => ({
    weight: b.weight,
    percent: total > 0 ? Math.round((b.weight / total) * 10000) / 100 : 0,
    backend: b.backend ? config.backends[b.backend] : undefined,
    invalid: b.invalid,
    filters: b.filters,
  }));
  const valid = backends.filter((b) => b.backend);
  if (valid.length === 0) {
    const notes =
      backends.length === 0
        ? ['the rule has no backend with a weight above 0: every request answers 500']
        : backends.map((b) => `500 for this share: ${b.invalid?.message}`);
    return { ...base, backends, status: 500, code: 'GW_NO_BACKEND', notes };
  }
  // a backendRef's own RequestRedirect answers the requests given that backend (HTTPBackendRef.filters)
  const redirectOf = (b: ExplainedBackend) => b.filters.find((f): f is RequestRedirectFilterConfig => f.type === 'RequestRedirect');
  const target = { scheme, host: req.host, port: portNumber, path: req.path, query: req.query };
  const locate = (f: RequestRedirectFilterConfig) => redirectLocation(f, target, d.entry);
  const redirecting = valid.filter((b) => redirectOf(b));
  if (redirecting.length === valid.length && backends.length === valid.length) {
    const answers = new Set(redirecting.map((b) => `${redirectOf(b)!.statusCode} ${locate(redirectOf(b)!)}`));
    if (answers.size === 1) {
      const f = redirectOf(redirecting[0])!;
      return { ...base, backends, redirect: { statusCode: f.statusCode, location: locate(f) }, status: f.statusCode, code: 'GW_REDIRECT', notes: auth };
    }
  }
  const notes = backends.filter((b) => b.invalid).map((b) => `${b.percent}% of requests answer 500: ${b.invalid!.reason}: ${b.invalid!.message}`);
  for (const b of redirecting) notes.push(`${b.percent}% of requests (those given ${b.backend!.id}) are redirected: ${redirectOf(b)!.statusCode} Location: ${locate(redirectOf(b)!)}`);
  for (const b of backends) {
    const f = b.filters.find((x): x is ExternalAuthFilterConfig => x.type === 'ExternalAuth');
    if (f && b.backend) notes.push(authNote(f, `a request picked for ${b.backend.id} goes on to it`));
  }
  return { ...base, backends, code: 'GW_ROUTED', notes: [...auth, ...notes] };
}

function authNote(f: ExternalAuthFilterConfig, allowed: string): string {
  if (f.backend === undefined) return 'ExternalAuth: the backendRef is invalid, requests it would check answer 500';
  return `ExternalAuth: ${f.backend} is asked first (${f.protocol}); on ${f.protocol === 'HTTP' ? 'a 200' : 'status OK'} ${allowed}, ` +
    'any other answer is returned to the client';
}

/**
 * The Location of a RequestRedirect, as the spec defines it: scheme, hostname and path from the filter or the
 * request; the port from the filter, else the scheme's well-known port when the filter changes the scheme,
 * else the listener port; the port is left out when it is the scheme's default (80 for http, 443 for https).
 */
export function redirectLocation(
  f: RequestRedirectFilterConfig,
  req: { readonly scheme: string; readonly host: string; readonly port: number; readonly path: string; readonly query: string },
  entry: Pick<HttpRouteEntry, 'path'>,
): string {
  const scheme = f.scheme ?? req.scheme;
  const host = f.hostname ?? req.host;
  const port = f.port ?? (f.scheme ? (f.scheme === 'https' ? 443 : 80) : req.port);
  const defaultPort = scheme === 'https' ? 443 : scheme === 'http' ? 80 : undefined;
  const path = f.path ? rewritePath(f.path, req.path, entry.path) : req.path;
  return `${scheme}://${host}${port === defaultPort ? '' : `:${port}`}${path}${req.query ? `?${req.query}` : ''}`;
}

/** Applies ReplaceFullPath or ReplacePrefixMatch (by whole segments; `/foo/` with prefix `/foo` and `/xyz` is `/xyz/`). */
export function rewritePath(mod: { readonly type: string; readonly value: string }, path: string, matched: HttpRouteEntry['path']): string {
  if (mod.type === 'ReplaceFullPath') return mod.value;
  const prefix = matched.type === 'PathPrefix' ? matched.value : '/';
  const rest = prefix === '/' ? path : path.slice(prefix.length);
  const out = mod.value.replace(/\/+$/, '') + rest;
  return out === '' ? '/' : out.startsWith('/') ? out : `/${out}`;
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
  const lines = [`request:  ${r.method} ${r.scheme}://${r.host}:${r.port}${r.path}${r.query ? `?${r.query}` : ''}`];
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
  const grpc = e.grpcStatus !== undefined ? ` (gRPC ${e.grpcStatus} ${GRPC_STATUS_NAMES[e.grpcStatus] ?? ''})` : '';
  lines.push(`outcome:  ${e.code}${e.status ? ` → ${e.status}${grpc}` : ' → forwarded'}`);
  for (const n of e.notes) lines.push(`  ${n}`);
  return lines.join('\n');
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
