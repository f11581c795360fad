import { compileAll, gateway, HTTP_ALL, httpRoute, listener, prefixRule, service, where } from './fixtures';

const svc = [service('a'), service('b'), service('c')];

function routes(...rs: Record<string, unknown>[]): Record<string, unknown>[] {
  return [gateway('gw', [HTTP_ALL]), ...svc, ...rs];
}

describe('path precedence', () => {
  test.each([
    // [name, routes, url, expected]
    [
      'PathPrefix /abc does not match /abcd (whole segments)',
      [httpRoute('abc', { rules: [prefixRule('/abc', 'a')] }), httpRoute('root', { rules: [prefixRule('/', 'b')] })],
      'http://h/abcd',
      'root#0',
    ],
    ['PathPrefix /abc matches /abc/ (trailing slash)', [httpRoute('abc', { rules: [prefixRule('/abc', 'a')] })], 'http://h/abc/', 'abc#0'],
    ['PathPrefix /abc/ (trailing slash in the rule) matches /abc', [httpRoute('abc', { rules: [prefixRule('/abc/', 'a')] })], 'http://h/abc', 'abc#0'],
    [
      'Exact beats PathPrefix of the same path, whatever the route order',
      [
        httpRoute('a-prefix', { rules: [prefixRule('/x', 'a')] }),
        httpRoute('z-exact', { rules: [{ matches: [{ path: { type: 'Exact', value: '/x' } }], backendRefs: [{ name: 'b', port: 80 }] }] }),
      ],
      'http://h/x',
      'z-exact#0',
    ],
    [
      'the longest PathPrefix wins across routes',
      [httpRoute('a-short', { rules: [prefixRule('/api', 'a')] }), httpRoute('z-long', { rules: [prefixRule('/api/v2', 'b')] })],
      'http://h/api/v2/users',
      'z-long#0',
    ],
    [
      'a method match beats no method match',
      [
        httpRoute('a-any', { rules: [prefixRule('/m', 'a')] }),
        httpRoute('z-get', { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/m' }, method: 'GET' }], backendRefs: [{ name: 'b', port: 80 }] }] }),
      ],
      'http://h/m',
      'z-get#0',
    ],
    [
      'more header matches win',
      [
        httpRoute('a-one', { rules: [{ matches: [{ headers: [{ name: 'x-a', value: '1' }] }], backendRefs: [{ name: 'a', port: 80 }] }] }),
        httpRoute('z-two', { rules: [{ matches: [{ headers: [{ name: 'x-a', value: '1' }, { name: 'x-b', value: '2' }] }], backendRefs: [{ name: 'b', port: 80 }] }] }),
      ],
      'http://h/',
      'z-two#0',
      { 'x-a': '1', 'x-b': '2' },
    ],
    [
      'more query matches win',
      [
        httpRoute('a-one', { rules: [{ matches: [{ queryParams: [{ name: 'q', value: '1' }] }], backendRefs: [{ name: 'a', port: 80 }] }] }),
        httpRoute('z-two', { rules: [{ matches: [{ queryParams: [{ name: 'q', value: '1' }, { name: 'r', value: '2' }] }], backendRefs: [{ name: 'b', port: 80 }] }] }),
      ],
      'http://h/?q=1&r=2',
      'z-two#0',
    ],
    [
      'the older route wins a tie (creationTimestamp)',
      [
        httpRoute('a-newer', { rules: [prefixRule('/t', 'a')] }, { creationTimestamp: '2024-05-02T00:00:00Z' }),
        httpRoute('z-older', { rules: [prefixRule('/t', 'b')] }, { creationTimestamp: '2024-05-01T00:00:00Z' }),
      ],
      'http://h/t',
      'z-older#0',
    ],
    [
      'creationTimestamp ties go to namespace/name order',
      [
        httpRoute('b-route', { rules: [prefixRule('/t', 'a')] }, { creationTimestamp: '2024-05-01T00:00:00Z' }),
        httpRoute('a-route', { rules: [prefixRule('/t', 'b')] }, { creationTimestamp: '2024-05-01T00:00:00Z' }),
      ],
      'http://h/t',
      'a-route#0',
    ],
    [
      'two routes with the same path in different namespaces: the namespace first in order wins',
      [
        httpRoute('same', { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/p' } }], backendRefs: [{ name: 'a', port: 80, namespace: 'default' }] }] }, { namespace: 'zeta' }),
        httpRoute('same', { rules: [prefixRule('/p', 'a')] }, { namespace: 'alpha' }),
        service('a', 'alpha'),
        { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'g', namespace: 'default' }, spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'zeta' }], to: [{ group: '', kind: 'Service' }] } },
      ],
      'http://h/p',
      'same#0',
    ],
    [
      'within a route, the first rule wins a tie',
      [httpRoute('r', { rules: [prefixRule('/same', 'a'), prefixRule('/same', 'b')] })],
      'http://h/same',
      'r#0',
    ],
    [
      'a later rule with a longer prefix beats an earlier shorter one',
      [httpRoute('r', { rules: [prefixRule('/', 'a'), prefixRule('/deep', 'b')] })],
      'http://h/deep/x',
      'r#1',
    ],
  ] as [string, Record<string, unknown>[], string, string, Record<string, string>?][])('%s', (_name, rs, url, expected, headers = {}) => {
    const result = compileAll(routes(...rs));
    expect(where(result, 'GET', url, headers)).toBe(expected);
  });

  test('two routes with the same path in different namespaces are told apart by namespace, not input order', () => {
    // GIVEN the same route in two namespaces, in both input orders
    const alpha = httpRoute('same', { rules: [prefixRule('/p', 'a')] }, { namespace: 'alpha' });
    const zeta = httpRoute('same', { rules: [prefixRule('/p', 'a')] }, { namespace: 'zeta' });
    const base = [gateway('gw', [HTTP_ALL]), service('a', 'alpha'), service('a', 'zeta')];
    // WHEN
    const one = compileAll([...base, alpha, zeta]);
    const two = compileAll([...base, zeta, alpha]);
    // THEN alpha/same wins in both
    const src = (r: typeof one) => {
      const e = r.configs[0];
      return e.httpRules[e.ports[0].listeners[0].httpRoutes![0].rule].source.namespace;
    };
    expect(src(one)).toBe('alpha');
    expect(src(two)).toBe('alpha');
  });
});

describe('hostname precedence', () => {
  const gw = gateway('gw', [HTTP_ALL]);
  test.each([
    ['an exact route hostname beats a wildcard one', 'http://foo.example.com/', 'exact#0'],
    ['*.example.com does not match example.com', 'http://example.com/', 'apex#0'],
    ['*.example.com matches a deeper name', 'http://a.b.example.com/', 'wild#0'],
    ['a route without hostnames takes the other hosts', 'http://other.net/', 'any#0'],
  ])('%s', (_name, url, expected) => {
    const result = compileAll([
      gw,
      ...svc,
      httpRoute('any', { rules: [prefixRule('/', 'a')] }),
      httpRoute('wild', { hostnames: ['*.example.com'], rules: [prefixRule('/', 'b')] }),
      httpRoute('exact', { hostnames: ['foo.example.com'], rules: [prefixRule('/', 'c')] }),
      httpRoute('apex', { hostnames: ['example.com'], rules: [prefixRule('/', 'c')] }),
    ]);
    expect(where(result, 'GET', url)).toBe(expected);
  });

  test('a more specific hostname whose paths do not match falls through to a less specific route', () => {
    const result = compileAll([
      gw,
      ...svc,
      httpRoute('wild', { hostnames: ['*.example.com'], rules: [prefixRule('/', 'a')] }),
      httpRoute('exact', { hostnames: ['foo.example.com'], rules: [prefixRule('/api', 'b')] }),
    ]);
    expect(where(result, 'GET', 'http://foo.example.com/api/x')).toBe('exact#0');
    expect(where(result, 'GET', 'http://foo.example.com/web')).toBe('wild#0');
  });

  test('a listener without hostname serves every host; one with a hostname only its own', () => {
    const result = compileAll([
      gateway('gw', [
        listener('any', 80, 'HTTP', { allowedRoutes: { namespaces: { from: 'All' } } }),
        listener('shop', 80, 'HTTP', { hostname: 'shop.example.com', allowedRoutes: { namespaces: { from: 'All' } } }),
      ]),
      ...svc,
      httpRoute('to-any', { parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'any' }], rules: [prefixRule('/', 'a')] }),
      httpRoute('to-shop', { parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'shop' }], rules: [prefixRule('/cart', 'b')] }),
    ]);
    expect(where(result, 'GET', 'http://anything.net/')).toBe('to-any#0');
    expect(where(result, 'GET', 'http://shop.example.com/cart')).toBe('to-shop#0');
    // listener isolation: shop.example.com belongs to listener "shop"; the catch-all listener's route is not consulted
    expect(where(result, 'GET', 'http://shop.example.com/other')).toBe('404');
  });
});
