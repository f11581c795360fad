/**
 * An HTTPRoute and a GRPCRoute for the same hostname on one listener, end to end: the GRPCRoute spec's rule
 * (Gateway API v1.6.1 GRPCRoute spec.hostnames, GEP-1016 "Cross Serving") accepts exactly one of them, the older.
 * Here the GRPCRoute is older, so the listener serves api.example.com with it alone: a gRPC call for a service it
 * does not route is UNIMPLEMENTED from the gateway (not the HTTP backend's JSON), and the compile status,
 * GatewayTester and the wire say the same.
 */
import * as grpc from '@grpc/grpc-js';
import { compile, findCondition, findStatus } from '../../src/compiler';
import { GatewayTester } from '../../src/testing/gateway-tester';
import { RunningEcho, startEchoServers } from '../support/echo';
import { cartPackage, GrpcBackend, startGrpcBackend, unaryCall } from '../support/grpc';
import { request } from '../support/http';
import { Spawned, startDataPlane } from '../support/processes';

const GW = 'gateway.networking.k8s.io/v1';
const manifests = [
  { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'node' }, spec: { controllerName: 'cdk8s-gateway.io/node-data-plane' } },
  { apiVersion: GW, kind: 'Gateway', metadata: { name: 'edge', namespace: 'shop' }, spec: { gatewayClassName: 'node', listeners: [{ name: 'web', port: 80, protocol: 'HTTP' }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'site', namespace: 'shop' }, spec: { ports: [{ port: 8080 }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'cart', namespace: 'shop' }, spec: { ports: [{ port: 9090, appProtocol: 'kubernetes.io/h2c' }] } },
  {
    apiVersion: GW,
    kind: 'GRPCRoute',
    metadata: { name: 'cart', namespace: 'shop', creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: {
      parentRefs: [{ name: 'edge' }],
      hostnames: ['api.example.com'],
      rules: [{ matches: [{ method: { service: 'shop.cart.v1.Cart' } }], backendRefs: [{ name: 'cart', port: 9090 }] }],
    },
  },
  {
    apiVersion: GW,
    kind: 'HTTPRoute',
    metadata: { name: 'site', namespace: 'shop', creationTimestamp: '2025-06-01T00:00:00Z' },
    spec: { parentRefs: [{ name: 'edge' }], hostnames: ['api.example.com', 'www.example.com'], rules: [{ backendRefs: [{ name: 'site', port: 8080 }] }] },
  },
];

let gw: Spawned;
let echoes: RunningEcho[];
let cartBackend: GrpcBackend;

beforeAll(async () => {
  echoes = await startEchoServers('site');
  cartBackend = await startGrpcBackend('cart');
  const result = compile(manifests);
  gw = await startDataPlane({
    config: result.configs[0],
    backends: { 'shop/site:8080': echoes[0].target, 'shop/cart:9090': `127.0.0.1:${cartBackend.port}` },
  });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
  await cartBackend?.close();
});

test('the newer HTTPRoute is Accepted=False HostnameConflict in compile and in GatewayTester', () => {
  const status = findStatus(compile(manifests).status, 'HTTPRoute', 'shop', 'site')!;
  expect(findCondition(status.parents![0].conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'HostnameConflict' });
  const tester = GatewayTester.fromManifests(manifests);
  expect(tester.conditions('HTTPRoute', 'site', 'shop')).toContainEqual(expect.objectContaining({ type: 'Accepted', status: 'False', reason: 'HostnameConflict' }));
  expect(tester.problems).toEqual([expect.stringMatching(/^HTTPRoute shop\/site: .*Accepted=False HostnameConflict: .*intersect those of GRPCRoute shop\/cart/)]);
});

test('a gRPC call to a service the GRPCRoute does not route is UNIMPLEMENTED, as GatewayTester says', async () => {
  // GIVEN
  const { Stock } = cartPackage();
  const stock = new Stock(`127.0.0.1:${gw.ports.get(80)}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'api.example.com' });
  const predicted = GatewayTester.fromManifests(manifests).grpc({ service: 'shop.cart.v1.Stock', method: 'Level', authority: 'api.example.com' });

  // WHEN
  const res = await unaryCall(stock, 'level', { name: 'x' });
  stock.close();

  // THEN
  expect(predicted.grpcStatus).toBe(grpc.status.UNIMPLEMENTED);
  expect(res.error?.code).toBe(grpc.status.UNIMPLEMENTED);
  expect(res.error?.details).toMatch(/GW_NO_ROUTE/);
  expect(cartBackend.calls).not.toContain('Level');
});

test('a call the GRPCRoute routes reaches its backend', async () => {
  const { Cart } = cartPackage();
  const cart = new Cart(`127.0.0.1:${gw.ports.get(80)}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'api.example.com' });
  const res = await unaryCall(cart, 'addItem', { name: 'apple', count: 1 });
  cart.close();
  expect(res.reply?.backend).toBe('cart');
});

test('plain HTTP gets 404 on both hostnames of the rejected HTTPRoute', async () => {
  const api = await request(gw.url(80, '/'), { host: 'api.example.com' });
  expect(api.status).toBe(404);
  expect(api.headers['x-gateway-error']).toBe('GW_NO_ROUTE');
  // the route is not accepted on the listener at all: www.example.com is not served either
  const www = await request(gw.url(80, '/'), { host: 'www.example.com' });
  expect(www.status).toBe(404);
  expect(GatewayTester.fromManifests(manifests).request({ url: 'http://www.example.com/' }).statusCode).toBe(404);
});
