import { compileAll, cond, configOf, explain, gateway, HTTP_ALL, httpRoute, prefixRule, routeAccepted, service, statusOf, where } from './fixtures';
import { redirectLocation, rewritePath } from '../../src/router';

const gw = gateway('gw', [HTTP_ALL]);
const svcs = [service('a'), service('b')];

function compileRoute(spec: Record<string, unknown>, extra: Record<string, unknown>[] = []) {
  return compileAll([gw, ...svcs, ...extra, httpRoute('r', spec)]);
}

describe('redirect Location', () => {
  const req = { scheme: 'http', host: 'example.org', port: 80, path: '/foo/bar', query: '' };
  const prefix = { type: 'PathPrefix' as const, value: '/foo' };
  test.each([
    ['no scheme, no port: the listener port (80 is left out for http)', {}, req, 'http://example.org/foo/bar'],
    ['no scheme, no port on listener 8080: :8080 is kept', {}, { ...req, port: 8080 }, 'http://example.org:8080/foo/bar'],
    ['scheme https without port: 443, left out', { scheme: 'https' as const }, req, 'https://example.org/foo/bar'],
    ['scheme http from an https listener on 8443: well-known 80, left out', { scheme: 'http' as const }, { ...req, scheme: 'https', port: 8443 }, 'http://example.org/foo/bar'],
    ['scheme https with port 8443', { scheme: 'https' as const, port: 8443 }, req, 'https://example.org:8443/foo/bar'],
    ['port 443 without scheme on http keeps :443', { port: 443 }, req, 'http://example.org:443/foo/bar'],
    ['hostname replaces the host', { hostname: 'example.net' }, req, 'http://example.net/foo/bar'],
    ['ReplaceFullPath', { path: { type: 'ReplaceFullPath' as const, value: '/new' } }, req, 'http://example.org/new'],
    ['ReplacePrefixMatch keeps the rest of the path', { path: { type: 'ReplacePrefixMatch' as const, value: '/xyz' } }, req, 'http://example.org/xyz/bar'],
    ['the query string is kept', {}, { ...req, query: 'a=1' }, 'http://example.org/foo/bar?a=1'],
  ])('%s', (_n, f, r, expected) => {
    expect(redirectLocation({ type: 'RequestRedirect', statusCode: 302, ...f }, r, { path: prefix })).toBe(expected);
  });
});

describe('ReplacePrefixMatch', () => {
  test.each([
    ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
    ['/foo', '/foo', '/xyz', '/xyz'],
    ['/foo/', '/foo', '/xyz', '/xyz/'],
    ['/foo/bar', '/foo', '', '/bar'],
    ['/foo/', '/foo', '', '/'],
    ['/foo', '/foo', '', '/'],
    ['/foo/', '/foo', '/', '/'],
    ['/foo', '/foo', '/', '/'],
    ['/foo/bar', '/foo', '/', '/bar'],
    ['/anything', '/', '/xyz', '/xyz/anything'],
  ])('%s with prefix %s replaced by %j is %s', (path, prefix, value, expected) => {
    expect(rewritePath({ type: 'ReplacePrefixMatch', value }, path, { type: 'PathPrefix', value: prefix })).toBe(expected);
  });
});

describe('filter validity', () => {
  test.each([
    ['RequestRedirect with URLRewrite is IncompatibleFilters', [{ type: 'RequestRedirect', requestRedirect: {} }, { type: 'URLRewrite', urlRewrite: {} }], false, 'IncompatibleFilters'],
    ['a repeated RequestHeaderModifier is IncompatibleFilters', [{ type: 'RequestHeaderModifier', requestHeaderModifier: {} }, { type: 'RequestHeaderModifier', requestHeaderModifier: {} }], true, 'IncompatibleFilters'],
    ['RequestRedirect with backendRefs is IncompatibleFilters', [{ type: 'RequestRedirect', requestRedirect: {} }], true, 'IncompatibleFilters'],
    ['an unknown filter type is UnsupportedValue', [{ type: 'Teleport' }], true, 'UnsupportedValue'],
    ['a redirect statusCode outside 301/302/303/307/308 is UnsupportedValue', [{ type: 'RequestRedirect', requestRedirect: { statusCode: 305 } }], false, 'UnsupportedValue'],
    ['a redirect scheme other than http/https is UnsupportedValue', [{ type: 'RequestRedirect', requestRedirect: { scheme: 'ftp' } }], false, 'UnsupportedValue'],
    [
      'ReplacePrefixMatch on an Exact match is UnsupportedValue',
      [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/x' } } }],
      true,
      'UnsupportedValue',
      [{ path: { type: 'Exact', value: '/a' } }],
    ],
    ['a filter type without its field is UnsupportedValue', [{ type: 'URLRewrite' }], true, 'UnsupportedValue'],
  ] as [string, unknown[], boolean, string, unknown[]?][])('%s', (_n, filters, withBackends, reason, matches = undefined) => {
    const r = compileRoute({ rules: [{ matches, filters, backendRefs: withBackends ? [{ name: 'a', port: 80 }] : undefined }] });
    expect(routeAccepted(r, 'HTTPRoute', 'r')).toBe(`False/${reason}`);
    expect(r.configs[0].httpRules).toEqual([]);
  });

  test('an invalid rule is dropped and the route is PartiallyInvalid; the valid rule still routes', () => {
    const r = compileRoute({ rules: [prefixRule('/ok', 'a'), { matches: [{ path: { type: 'RegularExpression', value: '(' } }], backendRefs: [{ name: 'b', port: 80 }] }] });
    const parent = statusOf(r, 'HTTPRoute', 'r').parents![0];
    expect(cond(parent.conditions, 'Accepted')).toBe('True/Accepted');
    expect(cond(parent.conditions, 'PartiallyInvalid')).toBe('True/UnsupportedValue');
    expect(parent.conditions.find((c) => c.type === 'PartiallyInvalid')!.message).toMatch(/^Dropped Rule\(s\): rules\[1\] .*not a valid regular expression/);
    expect(where(r, 'GET', 'http://h/ok')).toBe('r#0');
  });

  test.each([
    ['a path that does not start with /', { type: 'PathPrefix', value: 'api' }, /must start with "\/"/],
    ['a path with //', { type: 'Exact', value: '/a//b' }, /must not contain "\/\/"/],
    ['an unknown path type', { type: 'Glob', value: '/a' }, /not Exact, PathPrefix or RegularExpression/],
  ])('%s is UnsupportedValue naming the field', (_n, path, message) => {
    const r = compileRoute({ rules: [{ matches: [{ path }], backendRefs: [{ name: 'a', port: 80 }] }] });
    const accepted = statusOf(r, 'HTTPRoute', 'r').parents![0].conditions[0];
    expect(accepted.reason).toBe('UnsupportedValue');
    expect(accepted.message).toMatch(/spec\.rules\[0\]\.matches\[0\]\.path/);
    expect(accepted.message).toMatch(message);
  });

  test('an unknown method is UnsupportedValue', () => {
    const r = compileRoute({ rules: [{ matches: [{ method: 'FETCH' }], backendRefs: [{ name: 'a', port: 80 }] }] });
    expect(routeAccepted(r, 'HTTPRoute', 'r')).toBe('False/UnsupportedValue');
  });

  test('an ExtensionRef this data plane does not know: ResolvedRefs False, and requests through it answer 500', () => {
    const r = compileRoute({ rules: [{ filters: [{ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Auth', name: 'x' } }], backendRefs: [{ name: 'a', port: 80 }] }] });
    expect(cond(statusOf(r, 'HTTPRoute', 'r').parents![0].conditions, 'ResolvedRefs')).toBe('False/InvalidKind');
    expect(explain(r, 'GET', 'http://h/').status).toBe(500);
  });
});

describe('backends', () => {
  test('an invalid backend keeps its share: that share answers 500, the other is forwarded', () => {
    const r = compileRoute({ rules: [{ backendRefs: [{ name: 'a', port: 80 }, { name: 'missing', port: 80 }] }] });
    const e = explain(r, 'GET', 'http://h/');
    expect(e.backends.map((b) => [b.backend?.name ?? b.invalid!.reason, b.percent])).toEqual([
      ['a', 50],
      ['BackendNotFound', 50],
    ]);
    expect(e.status).toBeUndefined();
    expect(cond(statusOf(r, 'HTTPRoute', 'r').parents![0].conditions, 'ResolvedRefs')).toBe('False/BackendNotFound');
    // the route is still Accepted: at least one rule is implemented
    expect(routeAccepted(r, 'HTTPRoute', 'r')).toBe('True/Accepted');
  });

  test('weight 0 sends no traffic: the backend is dropped from the rule', () => {
    const r = compileRoute({ rules: [{ backendRefs: [{ name: 'a', port: 80, weight: 0 }, { name: 'b', port: 80, weight: 3 }] }] });
    expect(explain(r, 'GET', 'http://h/').backends.map((b) => [b.backend!.name, b.percent])).toEqual([['b', 100]]);
  });

  test('all backends at weight 0 answer 500', () => {
    const r = compileRoute({ rules: [{ backendRefs: [{ name: 'a', port: 80, weight: 0 }] }] });
    expect(explain(r, 'GET', 'http://h/')).toMatchObject({ status: 500, code: 'GW_NO_BACKEND' });
  });

  test('a rule with no backendRefs and no redirect answers 500', () => {
    const r = compileRoute({ rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }] });
    expect(explain(r, 'GET', 'http://h/')).toMatchObject({ status: 500, code: 'GW_NO_BACKEND' });
    expect(routeAccepted(r, 'HTTPRoute', 'r')).toBe('True/Accepted');
  });

  test.each([
    ['a kind other than Service is InvalidKind', { group: 'example.com', kind: 'Bucket', name: 'a', port: 80 }, 'InvalidKind'],
    ['a Service port that does not exist is BackendNotFound', { name: 'a', port: 81 }, 'BackendNotFound'],
    ['a Service in another namespace without grant is RefNotPermitted', { name: 'a', namespace: 'other', port: 80 }, 'RefNotPermitted'],
    ['an ExternalName Service is InvalidKind', { name: 'ext', port: 80 }, 'InvalidKind'],
    ['an unknown appProtocol is UnsupportedProtocol', { name: 'mongo', port: 27017 }, 'UnsupportedProtocol'],
  ])('%s', (_n, ref, reason) => {
    const r = compileRoute({ rules: [{ backendRefs: [ref] }] }, [
      service('a', 'other'),
      service('ext', 'default', [{ port: 80 }], { type: 'ExternalName', externalName: 'example.com' }),
      service('mongo', 'default', [{ port: 27017, appProtocol: 'mongodb' }]),
    ]);
    expect(cond(statusOf(r, 'HTTPRoute', 'r').parents![0].conditions, 'ResolvedRefs')).toBe(`False/${reason}`);
    expect(explain(r, 'GET', 'http://h/').status).toBe(500);
  });

  test('Service appProtocol decides how the backend is spoken to', () => {
    const r = compileRoute({ rules: [{ backendRefs: [{ name: 'h2c', port: 80 }, { name: 'ws', port: 80 }, { name: 'a', port: 80 }] }] }, [
      service('h2c', 'default', [{ port: 80, appProtocol: 'kubernetes.io/h2c' }]),
      service('ws', 'default', [{ port: 80, appProtocol: 'kubernetes.io/ws' }]),
    ]);
    const b = configOf(r).backends;
    expect([b['default/h2c:80'].protocol, b['default/ws:80'].protocol, b['default/a:80'].protocol]).toEqual(['h2c', 'ws', 'http1']);
  });

  test('a mirror to a missing Service: ResolvedRefs False and nothing is mirrored, the request still goes through', () => {
    const r = compileRoute({ rules: [{ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'nope', port: 80 }, fraction: { numerator: 1, denominator: 4 } } }], backendRefs: [{ name: 'a', port: 80 }] }] });
    expect(cond(statusOf(r, 'HTTPRoute', 'r').parents![0].conditions, 'ResolvedRefs')).toBe('False/BackendNotFound');
    expect(configOf(r).httpRules[0].filters).toEqual([{ type: 'RequestMirror', percent: 25 }]);
    expect(explain(r, 'GET', 'http://h/').status).toBeUndefined();
  });
});

describe('timeouts, retries, session persistence', () => {
  test('durations become milliseconds; zero disables', () => {
    const r = compileRoute({ rules: [{ backendRefs: [{ name: 'a', port: 80 }], timeouts: { request: '1m30s', backendRequest: '500ms' } }, { matches: [{ path: { value: '/z' } }], backendRefs: [{ name: 'a', port: 80 }], timeouts: { request: '0s' } }] });
    expect(configOf(r).httpRules.map((x) => x.timeouts)).toEqual([{ requestMs: 90_000, backendRequestMs: 500 }, undefined]);
  });

  test('backendRequest longer than request drops the rule (UnsupportedValue)', () => {
    const r = compileRoute({ rules: [{ backendRefs: [{ name: 'a', port: 80 }], timeouts: { request: '1s', backendRequest: '2s' } }] });
    const accepted = statusOf(r, 'HTTPRoute', 'r').parents![0].conditions[0];
    expect(`${accepted.status}/${accepted.reason}`).toBe('False/UnsupportedValue');
    expect(accepted.message).toMatch(/backendRequest \(2s\) must not be longer than spec\.rules\[0\]\.timeouts\.request \(1s\)/);
  });

  test('an invalid duration is reported with its field', () => {
    const r = compileRoute({ rules: [{ backendRefs: [{ name: 'a', port: 80 }], timeouts: { request: '10 seconds' } }] });
    expect(statusOf(r, 'HTTPRoute', 'r').parents![0].conditions[0].message).toMatch(/timeouts\.request "10 seconds" is not a duration/);
  });

  test('retry and session persistence are passed to the data plane', () => {
    const r = compileRoute({
      rules: [
        {
          backendRefs: [{ name: 'a', port: 80 }],
          retry: { codes: [503, 500], attempts: 2, backoff: '100ms' },
          sessionPersistence: { sessionName: 'sid', type: 'Cookie', absoluteTimeout: '1h', cookieConfig: { lifetimeType: 'Permanent' } },
        },
      ],
    });
    const rule = configOf(r).httpRules[0];
    expect(rule.retry).toEqual({ codes: [500, 503], attempts: 2, backoffMs: 100 });
    expect(rule.sessionPersistence).toEqual({ type: 'Cookie', sessionName: 'sid', absoluteTimeoutMs: 3_600_000, cookieLifetime: 'Permanent' });
  });
});

describe('header and query matches', () => {
  test('only the first matcher of a header name counts; names are case-insensitive', () => {
    const r = compileRoute({ rules: [{ matches: [{ headers: [{ name: 'X-Env', value: 'prod' }, { name: 'x-env', value: 'dev' }] }], backendRefs: [{ name: 'a', port: 80 }] }] });
    expect(configOf(r).ports[0].listeners[0].httpRoutes![0].headers).toEqual([{ type: 'Exact', name: 'x-env', value: 'prod' }]);
    expect(where(r, 'GET', 'http://h/', { 'x-env': 'prod' })).toBe('r#0');
    expect(where(r, 'GET', 'http://h/', { 'x-env': 'dev' })).toBe('404');
  });

  test('an invalid header regular expression drops the rule with the regex error', () => {
    const r = compileRoute({ rules: [{ matches: [{ headers: [{ name: 'x', type: 'RegularExpression', value: '[a-' }] }], backendRefs: [{ name: 'a', port: 80 }] }] });
    expect(statusOf(r, 'HTTPRoute', 'r').parents![0].conditions[0].message).toMatch(/headers\[0\]\.value "\[a-" is not a valid regular expression/);
  });
});
