import { Chart } from 'cdk8s';
import { find, fixture, FixtureOptions, synth, warnings } from './fixture';
import { Backend, GrpcFilter, GrpcMatch, GrpcRoute, GrpcRouteRule, HttpFilter, SessionPersistenceType } from '../../src';

const cart = Backend.fromServiceName('cart', { port: 9090 });

function route(rules: GrpcRouteRule[], options: FixtureOptions = {}) {
  const f = fixture(options);
  const chart = new Chart(f.app, 'grpc', { namespace: 'gateway-system' });
  const r = new GrpcRoute(chart, 'cart', { parentRefs: [{ parent: f.gateway, sectionName: 'websecure' }], hostnames: ['grpc.example.com'], rules });
  return { ...f, route: r };
}

test('GRPCRoute renders method, service, regex and header matches, filters and weights', () => {
  const { app } = route([
    {
      name: 'writes',
      matches: [
        GrpcMatch.method('shop.Cart', 'AddItem'),
        GrpcMatch.service('shop.Cart').withHeader('x-env', 'canary'),
        GrpcMatch.methodName('Health'),
        GrpcMatch.regex('shop\\..*', 'Get.*').withHeaderRegex('x-tenant', '^a'),
        GrpcMatch.header('x-debug', '1'),
      ],
      filters: [
        GrpcFilter.requestHeaders({ set: { 'x-a': '1' } }),
        GrpcFilter.responseHeaders({ remove: ['x-internal'] }),
        GrpcFilter.mirror(Backend.fromServiceName('shadow', { port: 9090 }), { percent: 10 }),
        GrpcFilter.extension({ group: 'example.com', kind: 'Auth', name: 'jwt' }),
      ],
      backends: [cart.withWeight(3), Backend.fromServiceName('cart-v2', { port: 9090, filters: [HttpFilter.requestHeaders({ set: { 'x-v': '2' } })] })],
    },
  ], { otherImplementation: true }); // this data plane refuses ExtensionRef filters at synth
  const spec = find(synth(app), 'GRPCRoute', 'cart').spec;
  expect(spec.hostnames).toEqual(['grpc.example.com']);
  expect(spec.rules[0].matches).toEqual([
    { method: { type: 'Exact', service: 'shop.Cart', method: 'AddItem' } },
    { method: { type: 'Exact', service: 'shop.Cart' }, headers: [{ type: 'Exact', name: 'x-env', value: 'canary' }] },
    { method: { type: 'Exact', method: 'Health' } },
    { method: { type: 'RegularExpression', service: 'shop\\..*', method: 'Get.*' }, headers: [{ type: 'RegularExpression', name: 'x-tenant', value: '^a' }] },
    { headers: [{ type: 'Exact', name: 'x-debug', value: '1' }] },
  ]);
  expect(spec.rules[0].filters.map((f: any) => f.type)).toEqual(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef']);
  expect(spec.rules[0].backendRefs).toEqual([
    { name: 'cart', port: 9090, weight: 3 },
    { name: 'cart-v2', port: 9090, filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-v', value: '2' }] } }] },
  ]);
});

test('GRPCRoute session persistence is experimental', () => {
  const { app } = route([{ backends: [cart], sessionPersistence: { type: SessionPersistenceType.HEADER, sessionName: 'x-session' } }]);
  expect(find(synth(app), 'GRPCRoute', 'cart').spec.rules[0].sessionPersistence).toEqual({ type: 'Header', sessionName: 'x-session' });
  expect(warnings(app)).toEqual([expect.stringContaining('grpc/cart: rules[0].sessionPersistence: sessionPersistence is an experimental-channel feature')]);
});

test.each([
  [{ matches: [GrpcMatch.method('shop/Cart', 'Add')], backends: [cart] },
    /GrpcRoute grpc\/cart: rules\[0\].matches\[0\].method.service "shop\/Cart" must be a fully qualified service name such as "shop.v1.Cart"/],
  [{ matches: [GrpcMatch.method('shop.Cart', 'Add-Item')], backends: [cart] }, /method.method "Add-Item" must be a method name such as "AddItem"/],
  [{ matches: [GrpcMatch.regex()], backends: [cart] }, /rules\[0\].matches\[0\].method: needs a service, a method or both/],
  [{ matches: [GrpcMatch.regex('(')], backends: [cart] }, /method.service "\(" is not a valid regular expression/],
  [{ matches: [GrpcMatch.header('a', '1').withHeader('A', '2')], backends: [cart] }, /headers: header "A" appears more than once/],
  [{ filters: [GrpcFilter.requestHeaders({ set: { a: '1' } }), GrpcFilter.requestHeaders({ set: { b: '1' } })], backends: [cart] },
    /rules\[0\].filters: has 2 RequestHeaderModifier filters; at most one is allowed/],
  [{ backends: [Backend.fromServiceName('x', { port: 1, filters: [HttpFilter.httpsRedirect()] })] },
    /rules\[0\].backends\[0\].filters\[0\]: RequestRedirect is not a GRPCRoute filter \(allowed: RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, ExtensionRef\)/],
])('GRPCRoute rules are checked like the CRD checks them (%#)', (rule, message) => {
  expect(() => route([rule])).toThrow(message);
});

test('a GRPCRoute rule without backends is a warning (calls fail with UNAVAILABLE)', () => {
  const { app } = route([{ matches: [GrpcMatch.service('shop.Cart')] }]);
  synth(app);
  expect(warnings(app)).toEqual(['grpc/cart: rules[0]: has no backend with a weight above 0, so every call it matches fails with UNAVAILABLE']);
});
