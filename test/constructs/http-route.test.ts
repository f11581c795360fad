import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { find, fixture, FixtureOptions, synth, warnings } from './fixture';
import {
  Backend, BlueGreen, CookieLifetime, HttpFilter, HttpMatch, HttpMethod, HttpRoute, HttpRouteRule, PathModifier,
  RedirectScheme, RedirectStatusCode, SessionPersistenceType, TrafficSplit,
} from '../../src';

const api = Backend.fromServiceName('api', { port: 8080 });

function route(rules: HttpRouteRule[], hostnames?: string[], options: FixtureOptions = {}) {
  const f = fixture(options);
  const r = new HttpRoute(f.chart, 'storefront', {
    parentRefs: [{ parent: f.gateway, sectionName: 'websecure' }],
    metadata: { namespace: 'gateway-system' },
    hostnames,
    rules,
  });
  return { ...f, route: r };
}

function spec(rules: HttpRouteRule[], hostnames?: string[], options: FixtureOptions = {}): any {
  const { app } = route(rules, hostnames, options);
  return find(synth(app), 'HTTPRoute', 'storefront').spec;
}

describe('HttpRoute rendering', () => {
  test('matches combine path, method, headers and query parameters', () => {
    const s = spec([{
      matches: [
        HttpMatch.pathPrefix('/api').withMethod(HttpMethod.POST).withHeader('x-env', 'canary').withQueryParam('v', '2'),
        HttpMatch.pathExact('/healthz'),
        HttpMatch.pathRegex('^/items/[0-9]+$').withHeaderRegex('user-agent', '.*bot.*').withQueryParamRegex('q', '^a'),
        HttpMatch.header('x-debug', '1'),
      ],
      backends: [api],
    }]);
    expect(s.rules[0].matches).toEqual([
      { path: { type: 'PathPrefix', value: '/api' }, method: 'POST', headers: [{ type: 'Exact', name: 'x-env', value: 'canary' }], queryParams: [{ type: 'Exact', name: 'v', value: '2' }] },
      { path: { type: 'Exact', value: '/healthz' } },
      {
        path: { type: 'RegularExpression', value: '^/items/[0-9]+$' },
        headers: [{ type: 'RegularExpression', name: 'user-agent', value: '.*bot.*' }],
        queryParams: [{ type: 'RegularExpression', name: 'q', value: '^a' }],
      },
      { headers: [{ type: 'Exact', name: 'x-debug', value: '1' }] },
    ]);
  });

  test('filters render in order with their settings', () => {
    const s = spec([{
      matches: [HttpMatch.pathPrefix('/v1')],
      filters: [
        HttpFilter.requestHeaders({ set: { 'x-a': '1' }, add: { 'x-b': '2' }, remove: ['cookie'] }),
        HttpFilter.responseHeaders({ set: { 'cache-control': 'no-store' } }),
        HttpFilter.urlRewrite({ hostname: 'internal.example.com', path: PathModifier.prefix('/v2') }),
        HttpFilter.mirror(Backend.fromServiceName('shadow', { port: 8080 }), { fraction: { numerator: 1, denominator: 1000 } }),
        HttpFilter.cors({ allowOrigins: ['https://*.example.com'], allowMethods: ['GET'], allowCredentials: true, maxAge: Duration.minutes(1) }),
        HttpFilter.extension({ group: 'example.com', kind: 'RateLimit', name: 'strict' }),
      ],
      backends: [api],
    }], undefined, { otherImplementation: true }); // this data plane refuses ExtensionRef filters at synth
    expect(s.rules[0].filters).toEqual([
      { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }], add: [{ name: 'x-b', value: '2' }], remove: ['cookie'] } },
      { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'cache-control', value: 'no-store' }] } },
      { type: 'URLRewrite', urlRewrite: { hostname: 'internal.example.com', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } },
      { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 8080 }, fraction: { numerator: 1, denominator: 1000 } } },
      { type: 'CORS', cors: { allowOrigins: ['https://*.example.com'], allowMethods: ['GET'], allowCredentials: true, maxAge: 60 } },
      { type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'RateLimit', name: 'strict' } },
    ]);
  });

  test.each([
    [HttpFilter.httpsRedirect(), { scheme: 'https', statusCode: 301 }],
    [HttpFilter.redirect({ statusCode: RedirectStatusCode.SEE_OTHER, path: PathModifier.fullPath('/login') }), { statusCode: 303, path: { type: 'ReplaceFullPath', replaceFullPath: '/login' } }],
    [HttpFilter.redirect({ statusCode: RedirectStatusCode.TEMPORARY_REDIRECT, hostname: 'new.example.com', port: 8443, scheme: RedirectScheme.HTTPS }),
      { statusCode: 307, hostname: 'new.example.com', port: 8443, scheme: 'https' }],
    [HttpFilter.redirect({ statusCode: RedirectStatusCode.PERMANENT_REDIRECT }), { statusCode: 308 }],
  ])('redirects render their status code and Location parts (%#)', (filter, requestRedirect) => {
    expect(spec([{ filters: [filter] }]).rules[0].filters).toEqual([{ type: 'RequestRedirect', requestRedirect }]);
  });

  test('timeouts are written as Gateway API durations', () => {
    const s = spec([
      { backends: [api], timeout: Duration.minutes(90), backendTimeout: Duration.millis(1500) },
      { backends: [api], timeout: Duration.seconds(0), backendTimeout: Duration.seconds(30) },
    ]);
    expect(s.rules.map((r: any) => r.timeouts)).toEqual([{ request: '1h30m', backendRequest: '1s500ms' }, { request: '0s', backendRequest: '30s' }]);
  });

  test('backends render weights, namespaces only when they differ, and per-backend filters', () => {
    const s = spec([{
      backends: [
        Backend.fromServiceName('web', { port: 80, weight: 9, namespace: 'gateway-system' }),
        Backend.fromServiceName('web2', { port: 80, weight: 1, filters: [HttpFilter.requestHeaders({ set: { 'x-pool': 'b' } })] }),
        Backend.fromReference({ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'web3', port: 80 }),
      ],
    }], undefined, { otherImplementation: true }); // this data plane refuses ServiceImport backends at synth
    expect(s.rules[0].backendRefs).toEqual([
      { name: 'web', port: 80, weight: 9 },
      { name: 'web2', port: 80, weight: 1, filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-pool', value: 'b' }] } }] },
      { group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'web3', port: 80 },
    ]);
  });

  test('rules added after construction are rendered', () => {
    const { app, route: r } = route([]);
    r.addRule({ name: 'late', backends: [api] });
    r.addHostname('late.example.com');
    const s = find(synth(app), 'HTTPRoute', 'storefront').spec;
    expect(s.rules).toEqual([{ name: 'late', backendRefs: [{ name: 'api', port: 8080 }] }]);
    expect(s.hostnames).toEqual(['late.example.com']);
  });

  test('a route without parents is a synth error', () => {
    const { app, chart } = fixture();
    new HttpRoute(chart, 'orphan', { rules: [{ backends: [api] }] });
    expect(() => synth(app)).toThrow(/HttpRoute: has no parentRefs, so no Gateway serves it/);
  });

  test('a rule that can only answer 500 is a warning', () => {
    const { app } = route([{ name: 'empty' }, { backends: [api.withWeight(0)] }]);
    synth(app);
    expect(warnings(app)).toEqual([
      'shop/storefront: rules[0]: has no backend with a weight above 0 and no redirect, so it answers 500 to every request it matches',
      'shop/storefront: rules[1]: has no backend with a weight above 0 and no redirect, so it answers 500 to every request it matches',
    ]);
  });
});

describe('HttpRoute experimental-channel fields', () => {
  test('retry and session persistence render and are flagged as experimental', () => {
    const { app } = route([{
      backends: [api],
      retry: { codes: [502, 503], attempts: 3, backoff: Duration.millis(200) },
      sessionPersistence: { sessionName: 'shop-session', absoluteTimeout: Duration.hours(1), cookieLifetime: CookieLifetime.PERMANENT },
    }]);
    const rule = find(synth(app), 'HTTPRoute', 'storefront').spec.rules[0];
    expect(rule.retry).toEqual({ codes: [502, 503], attempts: 3, backoff: '200ms' });
    expect(rule.sessionPersistence).toEqual({ type: 'Cookie', sessionName: 'shop-session', absoluteTimeout: '1h', cookieConfig: { lifetimeType: 'Permanent' } });
    expect(warnings(app)).toEqual([
      'shop/storefront: rules[0].retry: retry is an experimental-channel feature: it needs the experimental Gateway API CRDs and may change between releases',
      'shop/storefront: rules[0].sessionPersistence: sessionPersistence is an experimental-channel feature: it needs the experimental Gateway API CRDs and may change between releases',
    ]);
  });

  test('external auth renders HTTP and gRPC flavours and is flagged as experimental', () => {
    const auth = Backend.fromServiceName('authz', { port: 9000 });
    const { app } = route([{
      filters: [HttpFilter.externalAuthHttp(auth, { path: '/check', allowedHeaders: ['authorization'], allowedResponseHeaders: ['x-user'], forwardBodyMaxSize: 1024 })],
      backends: [api],
    }, {
      filters: [HttpFilter.externalAuthGrpc(auth, { allowedHeaders: ['authorization'] })],
      backends: [api],
    }]);
    const rules = find(synth(app), 'HTTPRoute', 'storefront').spec.rules;
    expect(rules[0].filters[0].externalAuth).toEqual({
      protocol: 'HTTP',
      backendRef: { name: 'authz', port: 9000 },
      http: { path: '/check', allowedHeaders: ['authorization'], allowedResponseHeaders: ['x-user'] },
      forwardBody: { maxSize: 1024 },
    });
    expect(rules[1].filters[0].externalAuth).toEqual({ protocol: 'GRPC', backendRef: { name: 'authz', port: 9000 }, grpc: { allowedHeaders: ['authorization'] } });
    expect(warnings(app)).toContainEqual(expect.stringContaining('rules[0].filters[0].externalAuth: ExternalAuth filter is an experimental-channel feature'));
  });

  test.each([
    [{ retry: { codes: [200] } }, /rules\[0\].retry.codes\[0\] 200 must be an integer between 400 and 599/],
    [{ retry: { attempts: 0 } }, /rules\[0\].retry.attempts 0 must be an integer of at least 1/],
    [{ sessionPersistence: { cookieLifetime: CookieLifetime.PERMANENT } },
      /rules\[0\].sessionPersistence.absoluteTimeout: is required when cookieLifetime is PERMANENT/],
    [{ sessionPersistence: { type: SessionPersistenceType.HEADER, cookieLifetime: CookieLifetime.SESSION } },
      /rules\[0\].sessionPersistence.cookieConfig: cookieLifetime only applies to type COOKIE/],
  ])('experimental settings are checked (%#)', (extra, message) => {
    expect(() => route([{ backends: [api], ...extra }])).toThrow(message);
  });
});

describe('HttpRoute validation', () => {
  test('a path that does not start with "/" names the route, the field and the value', () => {
    expect(() => route([{ matches: [HttpMatch.pathPrefix('api')], backends: [api] }])).toThrow(
      'HttpRoute shop/storefront: rules[0].matches[0].path "api" must start with "/"');
  });

  test.each([
    ['/a//b', /path "\/a\/\/b" must not contain "\/\/"/],
    ['/a/../b', /must not contain "\/..\/"/],
    ['/a%2fb', /must not contain "%2f"/],
    ['/a#frag', /must not contain "#"/],
    ['/a/.', /must not end with "\/." or "\/.."/],
    ['/a b', /may only contain URL path characters/],
  ])('the path %j is rejected like the CRD rejects it', (path, message) => {
    expect(() => route([{ matches: [HttpMatch.pathExact(path)], backends: [api] }])).toThrow(message);
  });

  test.each([
    [HttpMatch.pathRegex('(unclosed'), /rules\[0\].matches\[0\].path.value "\(unclosed" is not a valid regular expression/],
    [HttpMatch.header('x y', '1'), /rules\[0\].matches\[0\].headers\[0\].name "x y" must be an HTTP header name/],
    [HttpMatch.header('x', ' leading'), /headers\[0\].value " leading" must be visible ASCII/],
    [HttpMatch.header('X-A', '1').withHeader('x-a', '2'), /rules\[0\].matches\[0\].headers: header "x-a" appears more than once \(as "X-A"; names are case-insensitive\)/],
    [HttpMatch.queryParam('q', '1').withQueryParam('q', '2'), /queryParams: query parameter "q" appears more than once/],
  ])('match conditions are checked (%#)', (match, message) => {
    expect(() => route([{ matches: [match], backends: [api] }])).toThrow(message);
  });

  test('rule and match limits of the CRD are enforced', () => {
    expect(() => route(Array.from({ length: 17 }, () => ({ backends: [api] })))).toThrow(/HttpRoute shop\/storefront: rules: has 17 entries; at most 16 are allowed/);
    const many = Array.from({ length: 65 }, (_, i) => HttpMatch.pathExact(`/p${i}`));
    expect(() => route([{ matches: many, backends: [api] }])).toThrow(/rules\[0\].matches: has 65 entries; at most 64 are allowed/);
    const sixty = many.slice(0, 60);
    expect(() => route([{ matches: sixty, backends: [api] }, { matches: sixty, backends: [api] }, { matches: sixty.slice(0, 9), backends: [api] }]))
      .toThrow(/rules: have 129 matches in total; at most 128 are allowed across all rules/);
    expect(() => route([{ backends: Array.from({ length: 17 }, () => api) }])).toThrow(/rules\[0\].backends: has 17 entries; at most 16 are allowed/);
  });

  test('rule names are DNS subdomains and unique', () => {
    expect(() => route([{ name: 'Main', backends: [api] }])).toThrow(/rules\[0\].name "Main" must be a DNS subdomain/);
    expect(() => route([{ name: 'main', backends: [api] }, { name: 'main', backends: [api] }])).toThrow(/rules: rule name "main" appears more than once/);
  });

  test.each([
    [{ filters: [HttpFilter.httpsRedirect()], backends: [api] },
      /rules\[0\]: has a RequestRedirect filter and backends; a redirect answers the request itself, so remove the backends/],
    [{ filters: [HttpFilter.httpsRedirect(), HttpFilter.urlRewrite({ hostname: 'a.example.com' })] },
      /rules\[0\].filters: may have a RequestRedirect or a URLRewrite filter, not both/],
    [{ filters: [HttpFilter.requestHeaders({ set: { a: '1' } }), HttpFilter.requestHeaders({ set: { b: '2' } })], backends: [api] },
      /rules\[0\].filters: has 2 RequestHeaderModifier filters; at most one is allowed \(merge them\)/],
    [{ matches: [HttpMatch.pathExact('/v1')], filters: [HttpFilter.urlRewrite({ path: PathModifier.prefix('/v2') })], backends: [api] },
      /rules\[0\].filters\[0\]: URLRewrite with PathModifier.prefix\(\) needs exactly one match in the rule, with a path prefix \(the rule has one Exact match\)/],
    [{ matches: [HttpMatch.pathPrefix('/a'), HttpMatch.pathPrefix('/b')], filters: [HttpFilter.redirect({ path: PathModifier.prefix('/c') })] },
      /RequestRedirect with PathModifier.prefix\(\) needs exactly one match in the rule, with a path prefix \(the rule has 2 matches\)/],
    [{ matches: [HttpMatch.pathExact('/v1')], backends: [Backend.fromServiceName('x', { port: 1, filters: [HttpFilter.urlRewrite({ path: PathModifier.prefix('/v2') })] })] },
      /rules\[0\].backends\[0\].filters\[0\]: URLRewrite with PathModifier.prefix\(\) needs exactly one match/],
    [{ filters: [HttpFilter.urlRewrite({})], backends: [api] }, /rules\[0\].filters\[0\].urlRewrite: needs a hostname, a path or both/],
    [{ filters: [HttpFilter.redirect({ hostname: '*.example.com' })] }, /requestRedirect.hostname "\*.example.com" must be a hostname without a wildcard/],
    [{ filters: [HttpFilter.redirect({ port: 0 })] }, /requestRedirect.port 0 must be an integer between 1 and 65535/],
    [{ filters: [HttpFilter.mirror(api, { percent: 10, fraction: { numerator: 1 } })], backends: [api] },
      /rules\[0\].filters\[0\].requestMirror: may have a percent or a fraction, not both/],
    [{ filters: [HttpFilter.mirror(api, { fraction: { numerator: 5, denominator: 4 } })], backends: [api] },
      /requestMirror.fraction.numerator 5 must not be greater than the denominator \(4\)/],
    [{ filters: [HttpFilter.mirror(api, { percent: 101 })], backends: [api] }, /requestMirror.percent 101 must be an integer between 0 and 100/],
    [{ filters: [HttpFilter.mirror(Backend.fromServiceName('x', { port: 1, weight: 2 }))], backends: [api] },
      /requestMirror.backendRef.weight 2 is not allowed: a mirror backend receives a copy, not a share/],
    [{ filters: [HttpFilter.cors({ allowOrigins: ['*', 'https://a.example.com'] })], backends: [api] },
      /rules\[0\].filters\[0\].cors.allowOrigins: \["\*", "https:\/\/a.example.com"\]: "\*" must be the only entry/],
    [{ filters: [HttpFilter.cors({ allowOrigins: ['example.com'] })], backends: [api] }, /cors.allowOrigins\[0\] "example.com" must be "\*" or scheme:\/\/host\[:port\]/],
    [{ filters: [HttpFilter.cors({ allowMethods: ['FETCH'] })], backends: [api] }, /cors.allowMethods\[0\] "FETCH" must be one of GET, HEAD/],
    [{ filters: [HttpFilter.cors({ maxAge: Duration.millis(500) })], backends: [api] }, /cors.maxAge 0.5 must be an integer between 1 and/],
    [{ filters: [HttpFilter.requestHeaders({ set: { 'x-a': 'line\nbreak' } })], backends: [api] }, /requestHeaderModifier.set.x-a "line\\nbreak" must be visible ASCII/],
    [{ filters: [HttpFilter.requestHeaders({ set: { 'X-A': '1', 'x-a': '2' } })], backends: [api] }, /requestHeaderModifier.set: header "x-a" appears more than once/],
    [{ filters: [HttpFilter.externalAuthHttp(api, { path: 'check me' })], backends: [api] }, /externalAuth.http.path "check me" may only contain URL path characters/],
    [{ filters: [HttpFilter.extension({ group: 'example.com', kind: 'rate limit', name: 'x' })], backends: [api] }, /extensionRef.kind "rate limit" must be a Kubernetes kind/],
  ])('filter combinations and settings the CRD forbids are rejected (%#)', (rule, message) => {
    expect(() => route([rule])).toThrow(message);
  });

  test.each([
    [{ backends: [api], timeout: Duration.seconds(5), backendTimeout: Duration.seconds(10) },
      /rules\[0\].timeouts: backendRequest "10s" must not be longer than request "5s"/],
    [{ backends: [api], timeout: Duration.millis(0.5) }, /rules\[0\].timeouts.request "0.5ms" must be a whole number of milliseconds/],
    [{ backends: [Backend.fromServiceName('api', { port: 8080, weight: 1_000_001 })] }, /rules\[0\].backends\[0\].weight 1000001 must be an integer between 0 and 1000000/],
    [{ backends: [Backend.fromServiceName('api', { port: 0 })] }, /rules\[0\].backends\[0\].port 0 must be an integer between 1 and 65535/],
    [{ backends: [Backend.fromServiceName('API', { port: 80 })] }, /rules\[0\].backends\[0\].name "API" must be a DNS subdomain/],
    [{ backends: [Backend.fromReference({ group: '', kind: 'Service', name: 'api' })] }, /rules\[0\].backends\[0\]: Service "api" needs a port/],
  ])('timeouts and backends are checked (%#)', (rule, message) => {
    expect(() => route([rule])).toThrow(message);
  });

  test.each([
    ['shop.example.com.', /hostnames\[0\] "shop.example.com." must be a lower-case DNS name/],
    ['*', /hostnames\[0\] "\*" must be a lower-case DNS name/],
    ['192.168.0.1', /hostnames\[0\] "192.168.0.1" must be a hostname, not an IP address/],
  ])('the hostname %j is rejected', (hostname, message) => {
    expect(() => route([{ backends: [api] }], [hostname])).toThrow(message);
  });
});

describe('Backends and traffic splits', () => {
  test('a cdk8s-plus Service gives its name, namespace and only port', () => {
    const { app, chart, gateway } = fixture();
    const svc = new kplus.Service(chart, 'svc', { metadata: { name: 'catalog', namespace: 'catalog' }, ports: [{ port: 9000 }] });
    new HttpRoute(chart, 'r', {
      parentRefs: [{ parent: gateway, sectionName: 'web' }],
      metadata: { namespace: 'gateway-system' },
      rules: [{ backends: [Backend.fromService(svc)] }],
    });
    expect(() => synth(app)).toThrow(/rules\[0\].backends\[0\] refers to Service "catalog\/catalog" in another namespace without a ReferenceGrant/);
  });

  test('a cdk8s-plus Service with several ports needs a port', () => {
    const { chart, gateway } = fixture();
    const svc = new kplus.Service(chart, 'svc', { ports: [{ port: 80 }, { port: 443 }] });
    expect(() => new HttpRoute(chart, 'r', {
      parentRefs: [{ parent: gateway }],
      rules: [{ backends: [Backend.fromService(svc)] }],
    })).toThrow(/rules\[0\].backends\[0\].port: Service "shop-svc-c8\w+" has ports 80, 443; pass `port` to Backend.fromService\(\)/);
    expect(Backend.fromService(svc, { port: 443 }).port).toBe(443);
  });

  test('canary and blue-green helpers write percentages as weights', () => {
    const v1 = Backend.fromServiceName('v1', { port: 80 });
    const v2 = Backend.fromServiceName('v2', { port: 80 });
    expect(TrafficSplit.canary(v1, v2, 10).map((b) => [b.name, b.weight])).toEqual([['v1', 90], ['v2', 10]]);
    expect(TrafficSplit.blueGreen(v1, v2, BlueGreen.BLUE).map((b) => b.weight)).toEqual([100, 0]);
    expect(TrafficSplit.blueGreen(v1, v2, BlueGreen.GREEN).map((b) => b.weight)).toEqual([0, 100]);
    expect(TrafficSplit.percentages([{ backend: v1, percent: 70 }, { backend: v2, percent: 30 }]).map((b) => b.weight)).toEqual([70, 30]);
  });

  test('traffic splits reject percentages that do not add up', () => {
    const v1 = Backend.fromServiceName('v1', { port: 80 });
    expect(() => TrafficSplit.canary(v1, v1, 110)).toThrow('TrafficSplit.canary: canaryPercent 110 must be an integer between 0 and 100');
    expect(() => TrafficSplit.percentages([{ backend: v1, percent: 60 }, { backend: v1, percent: 30 }])).toThrow(
      'TrafficSplit.percentages: shares: percentages add up to 90; they must add up to 100');
  });
});
