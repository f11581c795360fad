/**
 * GRPCRoute spec.hostnames (Gateway API v1.6.1, GEP-1016 "Cross Serving"): "If a Route (A) of type HTTPRoute or
 * GRPCRoute is attached to a Listener and that listener already has another Route (B) of the other type attached
 * and the intersection of the hostnames of A and B is non-empty, then the implementation MUST accept exactly one of
 * these two routes, determined by ... the oldest Route based on creation timestamp ... the Route appearing first in
 * alphabetical order by {namespace}/{name}. The rejected Route MUST raise an 'Accepted' condition with a status of
 * 'False' in the corresponding RouteParentStatus."
 */
import { compileAll, configOf, explain, gateway, HTTP_ALL, httpRoute, listener, route, routeAccepted, service, statusOf } from './fixtures';
import { synthReport } from '../../src/compiler';

const grpcRoute = (name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
  route('GRPCRoute', name, { parentRefs: [{ name: 'gw', namespace: 'infra' }], rules: [{ backendRefs: [{ name: 'grpc', port: 80 }] }], ...spec }, metadata);
const web = (name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
  httpRoute(name, { rules: [{ backendRefs: [{ name: 'web', port: 80 }] }], ...spec }, metadata);
const base = [gateway('gw', [HTTP_ALL]), service('web'), service('grpc')];
const at = (t: string) => ({ creationTimestamp: t });

test('the older of an HTTPRoute and a GRPCRoute with a common hostname is accepted, the newer is Accepted=False HostnameConflict', () => {
  // GIVEN a GRPCRoute created before an HTTPRoute, both for api.example.com
  const r = compileAll([
    ...base,
    grpcRoute('rpc', { hostnames: ['api.example.com'] }, at('2024-01-01T00:00:00Z')),
    web('site', { hostnames: ['api.example.com'] }, at('2024-02-01T00:00:00Z')),
  ]);

  // THEN
  expect(routeAccepted(r, 'GRPCRoute', 'rpc')).toBe('True/Accepted');
  expect(routeAccepted(r, 'HTTPRoute', 'site')).toBe('False/HostnameConflict');
  const message = statusOf(r, 'HTTPRoute', 'site').parents![0].conditions.find((c) => c.type === 'Accepted')!.message;
  expect(message).toMatch(/HTTPRoute default\/site: not attached to listener "http" of Gateway infra\/gw: its hostnames there \(api\.example\.com\) intersect those of GRPCRoute default\/rpc/);
  // the listener counts accepted routes only
  expect(statusOf(r, 'Gateway', 'gw').listeners![0].attachedRoutes).toBe(1);
});

test('the other way round: an older HTTPRoute keeps the hostname and the GRPCRoute is rejected', () => {
  const r = compileAll([
    ...base,
    grpcRoute('rpc', { hostnames: ['api.example.com'] }, at('2024-02-01T00:00:00Z')),
    web('site', { hostnames: ['api.example.com'] }, at('2024-01-01T00:00:00Z')),
  ]);
  expect(routeAccepted(r, 'HTTPRoute', 'site')).toBe('True/Accepted');
  expect(routeAccepted(r, 'GRPCRoute', 'rpc')).toBe('False/HostnameConflict');
});

test('with equal timestamps (or none, as cdk8s writes them) the first by namespace/name wins', () => {
  const r = compileAll([...base, web('b-site', { hostnames: ['api.example.com'] }), grpcRoute('a-rpc', { hostnames: ['api.example.com'] })]);
  expect(routeAccepted(r, 'GRPCRoute', 'a-rpc')).toBe('True/Accepted');
  expect(routeAccepted(r, 'HTTPRoute', 'b-site')).toBe('False/HostnameConflict');
});

test.each([
  ['a wildcard route hostname covering the other', true, ['*.example.com'], ['api.example.com']],
  ['two wildcards, one below the other', true, ['*.example.com'], ['*.api.example.com']],
  ['no hostnames (every host) against any hostname', true, [], ['api.example.com']],
  ['different hostnames', false, ['api.example.com'], ['www.example.com']],
  ['a wildcard that does not cover the other', false, ['*.example.org'], ['api.example.com']],
])('intersection: %s → conflict: %s', (_name, conflict, grpcHosts, httpHosts) => {
  const r = compileAll([...base, grpcRoute('a-rpc', { hostnames: grpcHosts }), web('b-site', { hostnames: httpHosts })]);
  expect(routeAccepted(r, 'GRPCRoute', 'a-rpc')).toBe('True/Accepted');
  expect(routeAccepted(r, 'HTTPRoute', 'b-site')).toBe(conflict ? 'False/HostnameConflict' : 'True/Accepted');
});

test('the intersection is taken through the listener: route hostnames the listener ignores do not count', () => {
  // GIVEN a listener for *.example.com; both routes also name x.example.net, which the listener ignores
  const gw = gateway('gw', [listener('web', 80, 'HTTP', { hostname: '*.example.com', allowedRoutes: { namespaces: { from: 'All' } } })]);
  const r = compileAll([
    gw, service('web'), service('grpc'),
    grpcRoute('a-rpc', { hostnames: ['x.example.net', 'rpc.example.com'] }),
    web('b-site', { hostnames: ['x.example.net', 'www.example.com'] }),
  ]);
  // THEN through the listener they serve rpc.example.com and www.example.com: no conflict
  expect(routeAccepted(r, 'HTTPRoute', 'b-site')).toBe('True/Accepted');
  expect(routeAccepted(r, 'GRPCRoute', 'a-rpc')).toBe('True/Accepted');
});

test('a rejected route does not take part: a third route of the first kind is not rejected by it', () => {
  // a-rpc (GRPCRoute) beats b-site (HTTPRoute) on api.example.com; c-rpc (GRPCRoute) on *.example.com is the same kind
  // as the winner and b-site is not attached, so c-rpc is accepted
  const r = compileAll([
    ...base,
    grpcRoute('a-rpc', { hostnames: ['api.example.com'] }),
    web('b-site', { hostnames: ['api.example.com', 'www.example.com'] }),
    grpcRoute('c-rpc', { hostnames: ['www.example.com'] }),
  ]);
  expect(routeAccepted(r, 'HTTPRoute', 'b-site')).toBe('False/HostnameConflict');
  expect(routeAccepted(r, 'GRPCRoute', 'c-rpc')).toBe('True/Accepted');
});

test('a route losing one listener of a parentRef but keeping another stays Accepted, with a warning', () => {
  const gw = gateway('gw', [
    listener('api', 80, 'HTTP', { hostname: 'api.example.com', allowedRoutes: { namespaces: { from: 'All' } } }),
    listener('www', 80, 'HTTP', { hostname: 'www.example.com', allowedRoutes: { namespaces: { from: 'All' } } }),
  ]);
  const r = compileAll([gw, service('web'), service('grpc'), grpcRoute('a-rpc', { hostnames: ['api.example.com'] }), web('b-site', {})]);
  expect(routeAccepted(r, 'HTTPRoute', 'b-site')).toBe('True/Accepted');
  expect(r.diagnostics).toContainEqual(expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/not attached to listener "api"/) }));
  // www.example.com is the HTTPRoute's, api.example.com the GRPCRoute's
  expect(explain(r, 'GET', 'http://www.example.com/').route?.name).toBe('b-site');
  expect(explain(r, 'POST', 'http://api.example.com/pkg.S/M', { 'content-type': 'application/grpc' }).route?.name).toBe('a-rpc');
});

test('the losing route is not in the config: explain answers a gRPC call for an unknown service as the GRPCRoute alone would', () => {
  const r = compileAll([...base, grpcRoute('a-rpc', { hostnames: ['api.example.com'], rules: [{ matches: [{ method: { service: 'pkg.Known' } }], backendRefs: [{ name: 'grpc', port: 80 }] }] }), web('b-site', { hostnames: ['api.example.com'] })]);
  const config = configOf(r);
  expect(config.httpRules.map((x) => x.source.name)).toEqual(['a-rpc']);
  const e = explain(r, 'POST', 'http://api.example.com/pkg.Unknown/Call', { 'content-type': 'application/grpc' });
  expect(e.code).toBe('GW_NO_ROUTE');
  expect(e.grpcStatus).toBe(12);
});

test('synth reports the rejected route as an error with a fix that names the route kinds', () => {
  const r = compileAll([...base, grpcRoute('a-rpc', { hostnames: ['api.example.com'] }), web('b-site', { hostnames: ['api.example.com'] })]);
  const findings = synthReport(r).filter((f) => f.reason === 'HostnameConflict');
  expect(findings).toEqual([expect.objectContaining({ severity: 'error', object: 'HTTPRoute default/b-site', fix: expect.stringMatching(/one route kind/) })]);
});

test('routes on different listeners never conflict', () => {
  const gw = gateway('gw', [HTTP_ALL, listener('grpc', 81, 'HTTP', { allowedRoutes: { namespaces: { from: 'All' } } })]);
  const r = compileAll([
    gw, service('web'), service('grpc'),
    route('GRPCRoute', 'a-rpc', { parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'grpc' }], rules: [{ backendRefs: [{ name: 'grpc', port: 80 }] }] }),
    httpRoute('b-site', { parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'http' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }),
  ]);
  expect(routeAccepted(r, 'GRPCRoute', 'a-rpc')).toBe('True/Accepted');
  expect(routeAccepted(r, 'HTTPRoute', 'b-site')).toBe('True/Accepted');
});
