import { readWeight, resolveBackendRef, trafficOf } from './backends';
import { Context, note } from './context';
import { compileFilters, RefProblem } from './filters';
import { Checked, readGrpcMatches, readHttpMatches } from './matches';
import { describe, Obj } from './objects';
import { Reader } from './reader';
import { BackendShare, CompiledRule, RouteProblem, RouteState } from './route-state';
import { Reason } from './status';
import type { RetryConfig, SessionPersistenceConfig, TimeoutsConfig } from '../config/dataplane-config';
import { parseDuration } from '../spec/duration';
import { RouteKind } from '../spec/gateway-api';
import { HOSTNAME } from '../spec/patterns';

/**
 * Compiles a route's rules once, independent of the Gateways it attaches to: validates hostnames, matches,
 * filters, timeouts, retries and session persistence, and resolves backendRefs. Invalid rules are dropped
 * (the route is then PartiallyInvalid); a route with no valid rule, or an invalid hostname, is not accepted.
 */
export function compileRoute(ctx: Context, obj: Obj, kind: RouteKind): RouteState {
  const spec = obj.root.at('spec');
  const refProblems: RefProblem[] = [];
  const dropped: Array<RouteProblem & { index: number }> = [];
  let invalid: RouteProblem | undefined;

  const hostnames: string[] = [];
  if (kind === 'HTTPRoute' || kind === 'GRPCRoute' || kind === 'TLSRoute') {
    for (const h of spec.at('hostnames').list()) {
      const v = h.str();
      if (v === undefined || !HOSTNAME.test(v)) {
        // dropping a hostname would widen the route: refuse the whole route instead
        invalid ??= { reason: Reason.UnsupportedValue, message: `${describe(obj)}: ${h.path} ${JSON.stringify(h.value)} is not a valid hostname (e.g. foo.example.com or *.example.com)` };
      } else if (!hostnames.includes(v)) {
        hostnames.push(v);
      }
    }
  }

  const rules: CompiledRule[] = [];
  const l4Backends: BackendShare[] = [];
  const ruleReaders = spec.at('rules').list();
  if (kind === 'HTTPRoute' || kind === 'GRPCRoute') {
    // the CRD defaults an HTTPRoute without rules to one rule matching every request (and no backends: 500)
    const list = ruleReaders.length > 0 ? ruleReaders : [spec.at('rules').at(0)];
    const names = new Set<string>();
    list.forEach((r, index) => {
      const rule = compileHttpRule(ctx, obj, kind, r, index, refProblems);
      if ('error' in rule) {
        dropped.push({ index, reason: rule.reason, message: rule.error });
        return;
      }
      if (rule.ok.name !== undefined) {
        if (names.has(rule.ok.name)) {
          dropped.push({ index, reason: Reason.UnsupportedValue, message: `${r.path}.name "${rule.ok.name}" is used by another rule; rule names must be unique` });
          return;
        }
        names.add(rule.ok.name);
      }
      rules.push(rule.ok);
    });
    if (rules.length === 0 && !invalid) {
      invalid = { reason: dropped[0].reason, message: `no valid rule: ${dropped.map((d) => d.message).join('; ')}` };
    }
  } else {
    if (ruleReaders.length === 0) invalid ??= { reason: Reason.UnsupportedValue, message: `${describe(obj)}: spec.rules must have one rule with backendRefs` };
    if (ruleReaders.length > 1) invalid ??= { reason: Reason.UnsupportedValue, message: `${describe(obj)}: spec.rules may have only one rule for a ${kind}` };
    for (const b of ruleReaders[0]?.at('backendRefs').list() ?? []) {
      const ref = resolveBackendRef(ctx, obj, b, trafficOf(kind));
      const weight = readWeight(b);
      if ('invalid' in ref) refProblems.push(ref.invalid);
      l4Backends.push({ weight, ...ref, filters: [] });
    }
  }
  return { obj, kind, hostnames, rules, l4Backends, dropped, invalid, refProblems, parents: [] };
}

type RuleResult = { readonly ok: CompiledRule } | { readonly error: string; readonly reason: string };

function compileHttpRule(ctx: Context, route: Obj, kind: 'HTTPRoute' | 'GRPCRoute', r: Reader, index: number, refProblems: RefProblem[]): RuleResult {
  const grpc = kind === 'GRPCRoute';
  const where = () => `${describe(route)}: ${r.path}`;
  const problems = route.problems.list.length > 0 ? route.problems.under(r.path) : [];
  if (problems.length > 0) return { reason: Reason.UnsupportedValue, error: `${where()}: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}` };
  const name = r.at('name').str() || undefined;
  const matches = grpc ? readGrpcMatches(r.at('matches').list()) : readHttpMatches(r.at('matches').list());
  if ('error' in matches) {
    if (matches.crd) {
      // the API server refuses such an object: say so with the field and value, as for a malformed manifest
      note(ctx, 'error', route, matches.crd.field, `${matches.crd.problem}: the API server refuses this object (Gateway API CRD validation), ` +
        'so it is not served; correct the value', matches.crd.value);
    }
    return { reason: Reason.UnsupportedValue, error: `${describe(route)}: ${matches.error}` };
  }

  const backendReaders = r.at('backendRefs').list();
  const filters = compileFilters(ctx, route, r.at('filters').list(), { grpc, matches: matches.ok, hasBackends: backendReaders.length > 0 });
  if ('error' in filters) return { reason: filters.reason, error: `${where()}: ${filters.error}` };
  const ruleRefProblems = [...filters.ok.refProblems];
  const filterBackends = [...filters.ok.backends];

  const backends: BackendShare[] = [];
  for (const b of backendReaders) {
    const weight = readWeight(b);
    const bf = compileFilters(ctx, route, b.at('filters').list(), { grpc, matches: matches.ok, hasBackends: false });
    if ('error' in bf) return { reason: bf.reason, error: `${where()}: ${bf.error}` };
    ruleRefProblems.push(...bf.ok.refProblems);
    filterBackends.push(...bf.ok.backends);
    const ref = resolveBackendRef(ctx, route, b, grpc ? 'grpc' : 'http');
    if ('invalid' in ref) ruleRefProblems.push(ref.invalid);
    backends.push({ weight, ...ref, filters: bf.ok.filters });
  }

  let timeouts: TimeoutsConfig | undefined;
  let retry: RetryConfig | undefined;
  let sessionPersistence: SessionPersistenceConfig | undefined;
  if (!grpc) {
    const t = readTimeouts(r.at('timeouts'));
    if ('error' in t) return { reason: Reason.UnsupportedValue, error: `${where()}: ${t.error}` };
    timeouts = t.ok;
    const rt = readRetry(r.at('retry'));
    if ('error' in rt) return { reason: Reason.UnsupportedValue, error: `${where()}: ${rt.error}` };
    retry = rt.ok;
  }
  const sp = readSessionPersistence(r.at('sessionPersistence'));
  if ('error' in sp) return { reason: Reason.UnsupportedValue, error: `${where()}: ${sp.error}` };
  sessionPersistence = sp.ok;

  refProblems.push(...ruleRefProblems);
  return { ok: { index, name, matches: matches.ok, filters: filters.ok.filters, backends, filterBackends, timeouts, retry, sessionPersistence } };
}

function readDuration(r: Reader): Checked<number | undefined> {
  if (r.missing) return { ok: undefined };
  const text = r.str();
  const ms = text === undefined ? undefined : parseDuration(text);
  if (ms === undefined) return { error: `${r.path} ${JSON.stringify(r.value)} is not a duration such as 10s, 500ms or 1h30m` };
  return { ok: ms };
}

function readTimeouts(r: Reader): Checked<TimeoutsConfig | undefined> {
  if (r.missing) return { ok: undefined };
  const request = readDuration(r.at('request'));
  if ('error' in request) return request;
  const backendRequest = readDuration(r.at('backendRequest'));
  if ('error' in backendRequest) return backendRequest;
  const req = request.ok;
  const be = backendRequest.ok;
  if (req !== undefined && req > 0 && be !== undefined && be > req) {
    return { error: `${r.path}.backendRequest (${r.at('backendRequest').value}) must not be longer than ${r.path}.request (${r.at('request').value})` };
  }
  // a zero duration disables the timeout (the spec)
  const out: TimeoutsConfig = { requestMs: req || undefined, backendRequestMs: be || undefined };
  return { ok: out.requestMs === undefined && out.backendRequestMs === undefined ? undefined : out };
}

function readRetry(r: Reader): Checked<RetryConfig | undefined> {
  if (r.missing) return { ok: undefined };
  const codes: number[] = [];
  for (const c of r.at('codes').list()) {
    const code = c.int({ min: 400, max: 599 });
    if (code === undefined) return { error: `${c.path} ${JSON.stringify(c.value)} is not an HTTP status code 400-599` };
    if (!codes.includes(code)) codes.push(code);
  }
  const attempts = r.at('attempts').int({ min: 1 });
  if (!r.at('attempts').missing && attempts === undefined) return { error: `${r.path}.attempts must be an integer of at least 1` };
  const backoff = readDuration(r.at('backoff'));
  if ('error' in backoff) return backoff;
  // unset attempts are implementation-specific: one retry
  return { ok: { codes: codes.sort((a, b) => a - b), attempts: attempts ?? 1, backoffMs: backoff.ok } };
}

function readSessionPersistence(r: Reader): Checked<SessionPersistenceConfig | undefined> {
  if (r.missing) return { ok: undefined };
  const type = r.at('type').str() ?? 'Cookie';
  if (type !== 'Cookie' && type !== 'Header') return { error: `${r.path}.type "${type}" is not Cookie or Header` };
  const absolute = readDuration(r.at('absoluteTimeout'));
  if ('error' in absolute) return absolute;
  const idle = readDuration(r.at('idleTimeout'));
  if ('error' in idle) return idle;
  const cookie = r.at('cookieConfig');
  if (!cookie.missing && type !== 'Cookie') return { error: `${r.path}.cookieConfig can only be set with type Cookie` };
  const lifetime = cookie.at('lifetimeType').str();
  if (lifetime !== undefined && lifetime !== 'Permanent' && lifetime !== 'Session') return { error: `${cookie.path}.lifetimeType "${lifetime}" is not Permanent or Session` };
  if (lifetime === 'Permanent' && absolute.ok === undefined) return { error: `${r.path}.absoluteTimeout is required when cookieConfig.lifetimeType is Permanent` };
  const sessionName = r.at('sessionName').str() || (type === 'Cookie' ? 'gw-session' : 'x-gw-session');
  return {
    ok: {
      type,
      sessionName,
      absoluteTimeoutMs: absolute.ok,
      idleTimeoutMs: idle.ok,
      cookieLifetime: type === 'Cookie' ? ((lifetime as 'Permanent' | 'Session' | undefined) ?? 'Session') : undefined,
    },
  };
}
