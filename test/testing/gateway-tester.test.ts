import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { GatewayTester, k8s } from '../../src';
import { PEM_CERT, PEM_KEY } from '../compiler/fixtures';

/** A platform chart with an HTTPS Gateway, and a shop chart whose team routes /api to the api Service. */
function fixture(): { app: App; gateway: k8s.Gateway; shop: Chart } {
  const app = Testing.app();
  const platform = new Chart(app, 'platform', { namespace: 'infra' });
  new k8s.GatewayClass(platform, 'class', { metadata: { name: 'node' }, spec: { controllerName: 'cdk8s-gateway.io/node-data-plane' } });
  const gateway = new k8s.Gateway(platform, 'edge', {
    metadata: { name: 'edge' },
    spec: {
      gatewayClassName: 'node',
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: k8s.GatewaySpecListenersAllowedRoutesNamespacesFrom.ALL } } },
        {
          name: 'https',
          port: 443,
          protocol: 'HTTPS',
          hostname: '*.example.com',
          tls: { certificateRefs: [{ name: 'example-com-tls' }] },
          allowedRoutes: { namespaces: { from: k8s.GatewaySpecListenersAllowedRoutesNamespacesFrom.ALL } },
        },
      ],
    },
  });
  new ApiObject(platform, 'cert', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'example-com-tls' },
    stringData: { 'tls.crt': PEM_CERT, 'tls.key': PEM_KEY },
  } as never);
  const shop = new Chart(app, 'shop', { namespace: 'shop' });
  for (const name of ['api', 'web-v1', 'web-v2']) {
    new ApiObject(shop, name, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: name === 'api' ? 8080 : 80 }] } } as never);
  }
  new k8s.HttpRoute(shop, 'storefront', {
    metadata: { name: 'storefront' },
    spec: {
      parentRefs: [{ name: 'edge', namespace: 'infra', sectionName: 'https' }],
      hostnames: ['shop.example.com'],
      rules: [
        { matches: [{ path: { type: k8s.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: '/api' } }], backendRefs: [{ name: 'api', port: 8080 }] },
        { backendRefs: [{ name: 'web-v1', port: 80, weight: 90 }, { name: 'web-v2', port: 80, weight: 10 }] },
      ],
    },
  });
  return { app, gateway, shop };
}

test('GET https://shop.example.com/api/cart goes to service api:8080', () => {
  // GIVEN
  const { gateway } = fixture();
  // WHEN
  const res = GatewayTester.of(gateway).request({ url: 'https://shop.example.com/api/cart' });
  // THEN
  expect(res.statusCode).toBeUndefined();
  expect(res.route).toEqual({ kind: 'HTTPRoute', namespace: 'shop', name: 'storefront' });
  expect(res.ruleIndex).toBe(0);
  expect(res.listener).toBe('https');
  expect(res.backends).toEqual([{ weight: 1, percent: 100, service: 'api', namespace: 'shop', port: 8080, protocol: 'http1', tls: false }]);
});

test('other paths split 90/10 between web-v1 and web-v2', () => {
  const { gateway } = fixture();
  const res = GatewayTester.of(gateway).request({ method: 'GET', url: 'https://shop.example.com/' });
  expect(res.backends.map((b) => [b.service, b.percent])).toEqual([
    ['web-v1', 90],
    ['web-v2', 10],
  ]);
});

test('a request to a host no route serves answers 404, and the notes say why', () => {
  const { gateway } = fixture();
  const res = GatewayTester.of(gateway).request({ url: 'https://admin.example.com/' });
  expect(res.statusCode).toBe(404);
  expect(res.outcome).toBe('GW_NO_ROUTE');
  expect(res.notes.join('\n')).toMatch(/host "admin.example.com" is not shop.example.com/);
});

test('the tester works from any construct of the app (here a chart) when the app has one Gateway', () => {
  const { shop } = fixture();
  expect(GatewayTester.of(shop).request({ url: 'https://shop.example.com/api' }).route?.name).toBe('storefront');
});

test('route conditions are available for assertions', () => {
  const { app } = fixture();
  const tester = GatewayTester.of(app, { gateway: 'infra/edge' });
  expect(tester.conditions('HTTPRoute', 'storefront', 'shop')).toEqual(
    expect.arrayContaining([expect.objectContaining({ type: 'Accepted', status: 'True', parent: 'Gateway infra/edge' })]),
  );
  expect(tester.problems).toEqual([]);
});

test('a route that cannot attach shows up in problems', () => {
  const { app, shop } = fixture();
  new k8s.HttpRoute(shop, 'admin', { metadata: { name: 'admin' }, spec: { parentRefs: [{ name: 'edge', namespace: 'infra', sectionName: 'https' }], hostnames: ['admin.example.org'] } });
  expect(GatewayTester.of(app).problems).toEqual([expect.stringMatching(/^HTTPRoute shop\/admin: .*NoMatchingListenerHostname/)]);
});

test('asking for a Gateway that is not in the app says which ones are', () => {
  const { app } = fixture();
  expect(() => GatewayTester.of(app, { gateway: 'infra/nope' })).toThrow(/Gateway infra\/nope is not in the app \(Gateways: infra\/edge\)/);
});

describe('with the L2 constructs', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Backend, Gateway, GatewayClass, HttpMatch, Listener } = require('../../src') as typeof import('../../src');

  test('an application team tests its route: GET http://shop.example.com/api/cart goes to api:8080', () => {
    // GIVEN the platform and shop charts of the short example (docs/ownership.md)
    const app = Testing.app();
    const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
    const gateway = new Gateway(platform, 'edge', { gatewayClass: GatewayClass.nodeDataPlane(platform), listeners: [Listener.http({ name: 'web', port: 80 })] });
    const shop = gateway.grantTeam('shop', { namespace: 'shop', hostnames: ['shop.example.com'] });
    shop.httpRoute(new Chart(app, 'shop', { namespace: 'shop' }), 'storefront', {
      rules: [
        { matches: [HttpMatch.pathPrefix('/api')], backends: [Backend.fromServiceName('api', { port: 8080 })] },
        { backends: [Backend.fromServiceName('storefront', { port: 8080 })] },
      ],
    });
    // WHEN
    const tester = GatewayTester.of(gateway);
    // THEN
    expect(tester.request({ url: 'http://shop.example.com/api/cart' }).backends).toEqual([
      expect.objectContaining({ service: 'api', namespace: 'shop', port: 8080, percent: 100 }),
    ]);
    expect(tester.request({ url: 'http://shop.example.com/' }).backends[0].service).toBe('storefront');
    expect(tester.request({ url: 'http://admin.example.com/' }).statusCode).toBe(404);
  });
});
