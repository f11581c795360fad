import { compileAll, cond, configOf, explain, gateway, HTTP_ALL, httpRoute, referenceGrant, routeAccepted, service, statusOf, GROUP, route } from './fixtures';

const gw = gateway('gw', [HTTP_ALL]);
const api = service('api');
const httpAuth = (backendRef: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'ExternalAuth', externalAuth: { protocol: 'HTTP', backendRef, http: {}, ...extra },
});

function compileRoute(filters: unknown[], extra: unknown[] = [], backendFilters?: unknown[]) {
  return compileAll([gw, api, ...extra, httpRoute('r', { rules: [{ filters, backendRefs: [{ name: 'api', port: 80, filters: backendFilters }] }] })]);
}

const resolvedRefs = (r: ReturnType<typeof compileAll>) => statusOf(r, 'HTTPRoute', 'r').parents![0].conditions.find((c) => c.type === 'ResolvedRefs')!;

describe('ExternalAuth in the data-plane config', () => {
  test('an HTTP auth Service is resolved and registered as a backend; the filter carries its settings', () => {
    // WHEN
    const r = compileRoute([httpAuth({ name: 'authz', port: 9002 }, {
      http: { path: '/check', allowedHeaders: ['X-Tenant'], allowedResponseHeaders: ['X-User-Id'] },
      forwardBody: { maxSize: 8192 },
    })], [service('authz', 'default', [{ port: 9002 }])]);

    // THEN
    expect(routeAccepted(r, 'HTTPRoute', 'r')).toBe('True/Accepted');
    expect(cond(statusOf(r, 'HTTPRoute', 'r').parents![0].conditions, 'ResolvedRefs')).toBe('True/ResolvedRefs');
    const c = configOf(r);
    expect(c.httpRules[0].filters).toEqual([{
      type: 'ExternalAuth',
      protocol: 'HTTP',
      backend: 'default/authz:9002',
      http: { path: '/check', allowedHeaders: ['x-tenant'], allowedResponseHeaders: ['x-user-id'] },
      forwardBodyMaxSize: 8192,
    }]);
    expect(c.backends['default/authz:9002']).toMatchObject({ namespace: 'default', name: 'authz', port: 9002, protocol: 'http1' });
  });

  test('a GRPC auth Service is spoken to over h2c, and a backendRef may carry its own ExternalAuth filter', () => {
    const r = compileRoute([], [service('ext-authz', 'default', [{ port: 9001 }])], [
      { type: 'ExternalAuth', externalAuth: { protocol: 'GRPC', backendRef: { name: 'ext-authz', port: 9001 }, grpc: { allowedHeaders: ['authorization'] } } },
    ]);
    const c = configOf(r);
    expect(c.httpRules[0].filters).toEqual([]);
    expect(c.httpRules[0].backends[0].filters).toEqual([
      { type: 'ExternalAuth', protocol: 'GRPC', backend: 'default/ext-authz:9001', grpc: { allowedHeaders: ['authorization'] } },
    ]);
    expect(c.backends['default/ext-authz:9001'].protocol).toBe('h2c');
  });

  test('an auth Service in another namespace needs a ReferenceGrant there', () => {
    // GIVEN
    const filters = [httpAuth({ name: 'authz', namespace: 'security', port: 9002 })];
    const authz = service('authz', 'security', [{ port: 9002 }]);
    const grant = referenceGrant('routes-may-ask', 'security', [{ group: GROUP, kind: 'HTTPRoute', namespace: 'default' }], [{ group: '', kind: 'Service' }]);

    // WHEN / THEN without the grant: ResolvedRefs False, the filter has no backend and requests answer 500
    const refused = compileRoute(filters, [authz]);
    expect(routeAccepted(refused, 'HTTPRoute', 'r')).toBe('True/Accepted');
    expect(resolvedRefs(refused)).toMatchObject({ status: 'False', reason: 'RefNotPermitted' });
    expect(resolvedRefs(refused).message).toMatch(/filters\[0\]\.externalAuth\.backendRef \(Service security\/authz:9002\): .*add a ReferenceGrant/);
    expect(configOf(refused).httpRules[0].filters).toEqual([{ type: 'ExternalAuth', protocol: 'HTTP', backend: undefined, http: { allowedHeaders: [], allowedResponseHeaders: [] } }]);
    expect(explain(refused, 'GET', 'http://h/')).toMatchObject({ status: 500, code: 'GW_INVALID_BACKEND' });

    // with it: resolved
    const granted = compileRoute(filters, [authz, grant]);
    expect(resolvedRefs(granted).status).toBe('True');
    expect(configOf(granted).httpRules[0].filters[0]).toMatchObject({ backend: 'security/authz:9002' });
  });

  test('a missing auth Service is BackendNotFound: the rule stays, fails closed with 500', () => {
    const r = compileRoute([httpAuth({ name: 'nope', port: 9002 })]);
    expect(routeAccepted(r, 'HTTPRoute', 'r')).toBe('True/Accepted');
    expect(resolvedRefs(r)).toMatchObject({ status: 'False', reason: 'BackendNotFound' });
    expect(explain(r, 'GET', 'http://h/')).toMatchObject({ status: 500, code: 'GW_INVALID_BACKEND' });
  });

  test.each([
    ['a protocol other than HTTP or GRPC', httpAuth({ name: 'api', port: 80 }, { protocol: 'CUSTOM' }), /externalAuth\.protocol "CUSTOM" is not HTTP or GRPC/],
    ['protocol GRPC with http settings', httpAuth({ name: 'api', port: 80 }, { protocol: 'GRPC', grpc: {} }), /externalAuth\.http cannot be set when protocol is GRPC/],
    ['protocol HTTP without http settings', httpAuth({ name: 'api', port: 80 }, { http: undefined }), /externalAuth\.http must be set when protocol is HTTP/],
    ['an http.path with characters a path cannot have', httpAuth({ name: 'api', port: 80 }, { http: { path: '/check me' } }), /externalAuth\.http\.path "\/check me" is not a valid path/],
  ])('%s drops the rule (UnsupportedValue)', (_what, filter, message) => {
    const r = compileRoute([filter]);
    const accepted = statusOf(r, 'HTTPRoute', 'r').parents![0].conditions[0];
    expect(`${accepted.status}/${accepted.reason}`).toBe('False/UnsupportedValue');
    expect(accepted.message).toMatch(message);
  });

  test('a GRPCRoute cannot have an ExternalAuth filter (the spec defines it for HTTPRoute only)', () => {
    const grpcRoute = route('GRPCRoute', 'g', {
      parentRefs: [{ name: 'gw', namespace: 'infra' }],
      rules: [{ filters: [httpAuth({ name: 'api', port: 80 })], backendRefs: [{ name: 'api', port: 80 }] }],
    });
    const r = compileAll([gw, api, grpcRoute]);
    expect(routeAccepted(r, 'GRPCRoute', 'g')).toBe('False/UnsupportedValue');
    expect(statusOf(r, 'GRPCRoute', 'g').parents![0].conditions[0].message).toMatch(/type "ExternalAuth" is not supported on a GRPCRoute/);
  });
});
