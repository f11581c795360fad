import { compileAll, cond, gateway, HTTP_ALL, httpRoute, listener, listenerCond, namespace, prefixRule, route, routeAccepted, service, statusOf, where } from './fixtures';
import { intersectHostnames } from '../../src/compiler';

describe('hostname intersection of listener and route', () => {
  test.each([
    // route hostnames, listener hostname, effective hostnames (undefined: no intersection)
    [[], undefined, []],
    [[], 'foo.example.com', ['foo.example.com']],
    [['foo.example.com'], undefined, ['foo.example.com']],
    [['foo.example.com'], 'foo.example.com', ['foo.example.com']],
    [['foo.example.com', 'bar.example.net'], '*.example.com', ['foo.example.com']],
    [['*.example.com'], 'foo.example.com', ['foo.example.com']],
    [['*.example.com'], '*.example.com', ['*.example.com']],
    [['*.foo.example.com'], '*.example.com', ['*.foo.example.com']],
    [['*.example.com'], '*.foo.example.com', ['*.foo.example.com']],
    [['example.com'], '*.example.com', undefined],
    [['*.example.com'], 'example.com', undefined],
    [['non.matching.com', '*.nonmatchingwildcard.io'], 'very.specific.com', undefined],
  ] as [string[], string | undefined, string[] | undefined][])('route %j on listener %s serves %j', (routeHosts, listenerHost, expected) => {
    expect(intersectHostnames(routeHosts, listenerHost)).toEqual(expected);
  });

  test('a route whose hostnames match no listener is not Accepted (NoMatchingListenerHostname)', () => {
    const r = compileAll([gateway('gw', [listener('http', 80, 'HTTP', { hostname: 'a.example.com', allowedRoutes: { namespaces: { from: 'All' } } })]), service('a'), httpRoute('r', { hostnames: ['b.example.com'], rules: [prefixRule('/', 'a')] })]);
    expect(routeAccepted(r, 'HTTPRoute', 'r')).toBe('False/NoMatchingListenerHostname');
    expect(statusOf(r, 'Gateway', 'gw').listeners![0].attachedRoutes).toBe(0);
  });

  test('route hostnames that do not match the listener are ignored; the others are served', () => {
    const r = compileAll([
      gateway('gw', [listener('http', 80, 'HTTP', { hostname: '*.example.com', allowedRoutes: { namespaces: { from: 'All' } } })]),
      service('a'),
      httpRoute('r', { hostnames: ['foo.example.com', 'test.example.net'], rules: [prefixRule('/', 'a')] }),
    ]);
    expect(where(r, 'GET', 'http://foo.example.com/')).toBe('r#0');
    expect(where(r, 'GET', 'http://test.example.net/')).toBe('404');
  });
});

describe('parentRef sectionName and port', () => {
  const gw = gateway('gw', [listener('http', 80, 'HTTP', { allowedRoutes: { namespaces: { from: 'All' } } }), listener('alt', 8080, 'HTTP', { allowedRoutes: { namespaces: { from: 'All' } } })]);
  test.each([
    ['sectionName names a listener', { sectionName: 'alt' }, 'True/Accepted'],
    ['sectionName that names no listener is NoMatchingParent', { sectionName: 'nope' }, 'False/NoMatchingParent'],
    ['port selects the listeners on it', { port: 8080 }, 'True/Accepted'],
    ['a port with no listener is NoMatchingParent', { port: 9999 }, 'False/NoMatchingParent'],
    ['sectionName and port must agree', { sectionName: 'http', port: 8080 }, 'False/NoMatchingParent'],
  ])('%s', (_n, ref, expected) => {
    const r = compileAll([gw, service('a'), httpRoute('r', { parentRefs: [{ name: 'gw', namespace: 'infra', ...ref }], rules: [prefixRule('/', 'a')] })]);
    expect(routeAccepted(r, 'HTTPRoute', 'r')).toBe(expected);
  });

  test('a route attached by port only reaches listeners on that port', () => {
    const r = compileAll([gw, service('a'), httpRoute('r', { parentRefs: [{ name: 'gw', namespace: 'infra', port: 8080 }], rules: [prefixRule('/', 'a')] })]);
    expect(where(r, 'GET', 'http://h:8080/')).toBe('r#0');
    expect(where(r, 'GET', 'http://h/')).toBe('404');
    expect(listenerCond(r, 'gw', 'alt', 'Accepted')).toBe('True/Accepted');
    expect(statusOf(r, 'Gateway', 'gw').listeners!.map((l) => l.attachedRoutes)).toEqual([0, 1]);
  });

  test('a parentRef to a Gateway not in the input gives no status, and a warning', () => {
    const r = compileAll([gateway('gw', [HTTP_ALL]), service('a'), httpRoute('r', { parentRefs: [{ name: 'missing' }], rules: [prefixRule('/', 'a')] })]);
    expect(r.status.find((s) => s.kind === 'HTTPRoute')).toBeUndefined();
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ severity: 'warning', field: 'spec.parentRefs[0]', message: expect.stringMatching(/Gateway default\/missing is not in the manifests/) }));
  });
});

describe('allowedRoutes namespaces', () => {
  const selector = { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'shop' } } } };
  test.each([
    ['Same (default) refuses a route from another namespace', undefined, 'default', 'False/NotAllowedByListeners'],
    ['Same allows a route from the Gateway namespace', undefined, 'infra', 'True/Accepted'],
    ['All allows any namespace', { namespaces: { from: 'All' } }, 'default', 'True/Accepted'],
    ['Selector allows a namespace with matching labels', selector, 'shop', 'True/Accepted'],
    ['Selector refuses a namespace without them', selector, 'default', 'False/NotAllowedByListeners'],
    [
      'Selector matchExpressions work on the kubernetes.io/metadata.name label of any namespace',
      { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['default'] }] } } },
      'default',
      'True/Accepted',
    ],
  ])('%s', (_n, allowed, ns, expected) => {
    const r = compileAll([
      gateway('gw', [listener('http', 80, 'HTTP', allowed ? { allowedRoutes: allowed } : {})]),
      namespace('shop', { team: 'shop' }),
      service('a', ns),
      httpRoute('r', { rules: [prefixRule('/', 'a')] }, { namespace: ns }),
    ]);
    expect(routeAccepted(r, 'HTTPRoute', 'r', ns)).toBe(expected);
  });

  test('a namespace missing from the manifests: its labels are assumed to match (warning), unless references are strict', () => {
    const objs = [
      gateway('gw', [listener('http', 80, 'HTTP', { allowedRoutes: selector })]),
      service('a', 'team-ns'),
      httpRoute('r', { rules: [prefixRule('/', 'a')] }, { namespace: 'team-ns' }),
    ];
    const lenient = compileAll(objs, { references: 'namespace' });
    expect(routeAccepted(lenient, 'HTTPRoute', 'r', 'team-ns')).toBe('True/Accepted');
    expect(lenient.diagnostics).toContainEqual(
      expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/namespace team-ns is not in the manifests, so its labels are unknown/) }),
    );
    expect(routeAccepted(compileAll(objs), 'HTTPRoute', 'r', 'team-ns')).toBe('False/NotAllowedByListeners');
  });

  test('a route kind the listener does not allow is NotAllowedByListeners', () => {
    const r = compileAll([
      gateway('gw', [listener('http', 80, 'HTTP', { allowedRoutes: { namespaces: { from: 'All' }, kinds: [{ kind: 'GRPCRoute' }] } })]),
      service('a'),
      httpRoute('r', { rules: [prefixRule('/', 'a')] }),
    ]);
    expect(routeAccepted(r, 'HTTPRoute', 'r')).toBe('False/NotAllowedByListeners');
  });

  test('a TCPRoute cannot attach to an HTTP listener', () => {
    const r = compileAll([gateway('gw', [HTTP_ALL]), service('a'), route('TCPRoute', 'r', { parentRefs: [{ name: 'gw', namespace: 'infra' }], rules: [{ backendRefs: [{ name: 'a', port: 80 }] }] })]);
    expect(routeAccepted(r, 'TCPRoute', 'r')).toBe('False/NotAllowedByListeners');
  });
});

describe('route status', () => {
  test('attachedRoutes counts accepted routes on each listener', () => {
    const r = compileAll([gateway('gw', [HTTP_ALL]), service('a'), httpRoute('one', { rules: [prefixRule('/1', 'a')] }), httpRoute('two', { rules: [prefixRule('/2', 'a')] }), httpRoute('bad', { hostnames: ['Not_Valid'], rules: [prefixRule('/3', 'a')] })]);
    expect(statusOf(r, 'Gateway', 'gw').listeners![0].attachedRoutes).toBe(2);
    expect(routeAccepted(r, 'HTTPRoute', 'bad')).toBe('False/UnsupportedValue');
  });

  test('one status entry per parentRef, each with the controllerName', () => {
    const r = compileAll([
      gateway('gw', [HTTP_ALL]),
      gateway('gw2', [HTTP_ALL]),
      service('a'),
      httpRoute('r', { parentRefs: [{ name: 'gw', namespace: 'infra' }, { name: 'gw2', namespace: 'infra' }], rules: [prefixRule('/', 'a')] }),
    ]);
    const parents = statusOf(r, 'HTTPRoute', 'r').parents!;
    expect(parents.map((p) => [p.parentRef.name, p.controllerName, cond(p.conditions, 'Accepted')])).toEqual([
      ['gw', 'cdk8s-gateway.io/node-data-plane', 'True/Accepted'],
      ['gw2', 'cdk8s-gateway.io/node-data-plane', 'True/Accepted'],
    ]);
  });

  test('routes with useDefaultGateways All attach to Gateways with defaultScope All', () => {
    const r = compileAll([gateway('gw', [HTTP_ALL], { spec: { defaultScope: 'All' } }), service('a'), route('HTTPRoute', 'r', { useDefaultGateways: 'All', rules: [prefixRule('/', 'a')] })]);
    expect(routeAccepted(r, 'HTTPRoute', 'r')).toBe('True/Accepted');
    expect(where(r, 'GET', 'http://h/')).toBe('r#0');
  });
});
