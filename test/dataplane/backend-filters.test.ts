/**
 * Filters on a backendRef (HTTPBackendRef.filters, GRPCBackendRef.filters; Gateway API v1.6.1): "Filters defined at
 * this level should be executed if and only if the request is being forwarded to the backend defined here." Every
 * type the CRDs allow there takes effect when that backend is chosen, on the wire, and GatewayTester (explain)
 * predicts what the wire does. The conformance suite's manifests for the feature (httproute-backend-request-redirect,
 * httproute-backend-url-rewrite, httproute-request-header-modifier-backend) are served as they are.
 */
import * as http from 'node:http';
import type * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { compile, findCondition, findStatus } from '../../src/compiler';
import { GatewayTester } from '../../src/testing/gateway-tester';
import { gatewayClass } from '../compiler/fixtures';
import {
  compileConformance, CONFORMANCE_NS, conformanceConfig, conformanceHarness, conformanceManifestsPresent, conformanceRoute, infraBackend,
  loadConformanceManifest,
} from '../support/conformance';
import { RunningEcho, startEchoServers } from '../support/echo';
import { cartPackage, GrpcBackend, startGrpcBackend, unaryCall } from '../support/grpc';
import { request } from '../support/http';
import { Spawned, startDataPlane } from '../support/processes';
import { waitFor } from '../support/wait';

const GW = 'gateway.networking.k8s.io/v1';
const ref = (name: string, filters: unknown[], weight?: number) => ({ name, port: 8080, filters, ...(weight === undefined ? {} : { weight }) });
const route = (name: string, path: string, backendRefs: unknown[]) => conformanceRoute(name, path, { backendRefs });
/** Routes next to the suite's, for the filter types its manifests do not put on a backendRef. */
const ours = [
  route('backend-redirect-split', '/ours/split', [
    ref('infra-backend-v1', [{ type: 'RequestRedirect', requestRedirect: { hostname: 'moved.example.net', statusCode: 301 } }]),
    ref('infra-backend-v2', []),
  ]),
  route('backend-response-headers', '/ours/response', [ref('infra-backend-v1', [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'x-from', value: 'backend-filter' }] } }])]),
  route('backend-mirror', '/ours/mirror', [ref('infra-backend-v1', [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'infra-backend-v3', port: 8080 } } }])]),
  route('backend-extension', '/ours/extension', [ref('infra-backend-v1', [{ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Thing', name: 'x' } }])]),
];

const maybe = conformanceManifestsPresent() ? describe : describe.skip;

maybe('HTTPRoute backendRef filters', () => {
  const planes: Spawned[] = [];
  let echoes: RunningEcho[];
  let mirror: http.Server;
  const mirrored: string[] = [];
  let redirects: Spawned;
  let rewrites: Spawned;
  let redirectObjects: unknown[];

  beforeAll(async () => {
    echoes = await startEchoServers('infra-backend-v1', 'infra-backend-v2');
    mirror = http.createServer((req, res) => {
      mirrored.push(req.url ?? '');
      res.end();
    });
    await new Promise<void>((r) => mirror.listen(0, '127.0.0.1', r));
    const backends = {
      [infraBackend('infra-backend-v1')]: echoes[0].target,
      [infraBackend('infra-backend-v2')]: echoes[1].target,
      [infraBackend('infra-backend-v3')]: `127.0.0.1:${(mirror.address() as net.AddressInfo).port}`,
    };
    // the redirect and rewrite manifests route the same paths: one data plane each
    redirectObjects = [gatewayClass(), ...loadConformanceManifest('manifests.yaml'), ...conformanceHarness(), ...loadConformanceManifest('httproute-backend-request-redirect.yaml'), ...ours];
    redirects = await startDataPlane({ config: conformanceConfig(compile(redirectObjects), 'same-namespace'), backends });
    const rewriteConfig = conformanceConfig(compileConformance('httproute-backend-url-rewrite.yaml', loadConformanceManifest('httproute-request-header-modifier-backend.yaml')), 'same-namespace');
    rewrites = await startDataPlane({ config: rewriteConfig, backends });
    planes.push(redirects, rewrites);
  });

  afterAll(async () => {
    await Promise.all(planes.map((p) => p.stop()));
    await Promise.all((echoes ?? []).map((e) => e.close()));
    mirror?.close();
  });

  test.each([
    ['/full/original', 'http://gw.example/redirected-full'],
    ['/prefix/original', 'http://gw.example/redirected-prefix/original'],
  ])('HTTPRouteBackendPathRedirect: %s is redirected 302 to %s, as GatewayTester says', async (path, location) => {
    const res = await request(redirects.url(80, path), { host: 'gw.example' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(location);
    const predicted = GatewayTester.fromManifests(redirectObjects, { gateway: `${CONFORMANCE_NS}/same-namespace` }).request({ url: `http://gw.example${path}` });
    expect(predicted).toMatchObject({ outcome: 'GW_REDIRECT', statusCode: 302, redirectLocation: location });
  });

  test.each([
    ['/full/original', '/rewritten-full'],
    ['/prefix/original', '/rewritten-prefix/original'],
  ])('HTTPRouteBackendURLRewrite: %s reaches the backend as %s', async (path, seen) => {
    const res = await request(rewrites.url(80, path));
    expect(res.json.pod).toBe('infra-backend-v1');
    expect(res.json.path).toBe(seen);
  });

  test('HTTPRouteRequestHeaderModifierBackend: set, add and remove on the backendRef change what the backend sees', async () => {
    const set = await request(rewrites.url(80, '/set'), { headers: { 'x-header-set': 'some-other-value' } });
    expect(set.json.headers['x-header-set']).toBe('set-overwrites-values');
    const add = await request(rewrites.url(80, '/add'), { headers: { 'x-header-add': 'some-value' } });
    expect(add.json.headers['x-header-add']).toBe('some-value, add-appends-values');
    const remove = await request(rewrites.url(80, '/remove'), { headers: { 'x-header-remove': 'val' } });
    expect(remove.json.headers['x-header-remove']).toBeUndefined();
  });

  test('a redirect on one of two weighted backendRefs answers only the requests given that backend', async () => {
    const outcomes = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const res = await request(redirects.url(80, '/ours/split/x'), { host: 'gw.example' });
      outcomes.add(res.status === 301 ? `301 ${res.headers.location}` : `${res.status} ${res.json?.pod}`);
    }
    // never forwarded to infra-backend-v1, whose share is redirected
    expect([...outcomes].sort()).toEqual(['200 infra-backend-v2', '301 http://moved.example.net/ours/split/x']);
    const predicted = GatewayTester.fromManifests(redirectObjects, { gateway: `${CONFORMANCE_NS}/same-namespace` }).request({ url: 'http://gw.example/ours/split/x' });
    expect(predicted.outcome).toBe('GW_ROUTED');
    expect(predicted.notes).toContainEqual(expect.stringMatching(/^50% of requests \(those given gateway-conformance-infra\/infra-backend-v1:8080\) are redirected: 301 Location: http:\/\/moved\.example\.net\/ours\/split\/x$/));
  });

  test('a ResponseHeaderModifier on the backendRef changes the response', async () => {
    const res = await request(redirects.url(80, '/ours/response?header=x-from:backend'));
    expect(res.headers['x-from']).toBe('backend-filter');
  });

  test('a RequestMirror on the backendRef copies the request to the mirror', async () => {
    await request(redirects.url(80, '/ours/mirror/copied'));
    await waitFor(() => mirrored.includes('/ours/mirror/copied'));
  });

  test('an ExtensionRef on the backendRef (none is supported) answers 500 GW_UNSUPPORTED_FILTER and the route says why', async () => {
    const res = await request(redirects.url(80, '/ours/extension'));
    expect(res.status).toBe(500);
    expect(res.headers['x-gateway-error']).toBe('GW_UNSUPPORTED_FILTER');
    const status = findStatus(compile(redirectObjects).status, 'HTTPRoute', CONFORMANCE_NS, 'backend-extension')!;
    expect(findCondition(status.parents![0].conditions, 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'InvalidKind' });
  });
});

describe('GRPCRoute backendRef filters', () => {
  const manifests = [
    gatewayClass(),
    { apiVersion: GW, kind: 'Gateway', metadata: { name: 'edge', namespace: 'shop' }, spec: { gatewayClassName: 'node', listeners: [{ name: 'h2c', port: 80, protocol: 'HTTP' }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'cart', namespace: 'shop' }, spec: { ports: [{ port: 9090, appProtocol: 'kubernetes.io/h2c' }] } },
    {
      apiVersion: GW,
      kind: 'GRPCRoute',
      metadata: { name: 'cart', namespace: 'shop' },
      spec: {
        parentRefs: [{ name: 'edge' }],
        rules: [{
          backendRefs: [{
            name: 'cart',
            port: 9090,
            filters: [
              { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-beta', value: 'from-backend-ref' }] } },
              { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-served-by', value: 'backend-ref' }] } },
            ],
          }],
        }],
      },
    },
  ];
  let gw: Spawned;
  let backend: GrpcBackend;

  beforeAll(async () => {
    backend = await startGrpcBackend('cart');
    gw = await startDataPlane({ config: compile(manifests).configs[0], backends: { 'shop/cart:9090': `127.0.0.1:${backend.port}` } });
  });

  afterAll(async () => {
    await gw?.stop();
    await backend?.close();
  });

  test('request and response header modifiers on the backendRef take effect on a gRPC call', async () => {
    const { Cart } = cartPackage();
    const client = new Cart(`127.0.0.1:${gw.ports.get(80)}`, grpc.credentials.createInsecure());
    const r = await unaryCall(client, 'get', { name: 'x' }, { metadata: { 'x-beta': 'from-client' } });
    client.close();
    expect(r.reply.metadata['x-beta']).toBe('from-backend-ref');
    expect(r.headers!.get('x-served-by')).toEqual(['backend-ref']);
  });
});
