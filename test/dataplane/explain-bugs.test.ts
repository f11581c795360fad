/**
 * The explain bugs of issue 16 item 5, each where explain (and GatewayTester, which asks it) said something other than
 * what the data plane answers: one Gateway compiled from manifests, served by the data plane, each request sent over a
 * real socket and asked of explain. Since explain asks the data plane's own decision (src/router/decide.ts), the
 * status, the code (x-gateway-error) and the grpc-status come from one table (src/router/outcomes.ts) on both sides.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { compile } from '../../src/compiler';
import type { DataPlaneConfig } from '../../src/config/dataplane-config';
import { explainRequest, OUTCOMES } from '../../src/router';
import { GatewayTester } from '../../src/testing/gateway-tester';
import { gateway, gatewayClass, listener, route, service, tlsSecret } from '../compiler/fixtures';
import { selfSignedCert, writeSecret } from '../support/certs';
import { RunningEcho, startEchoServers } from '../support/echo';
import { cartPackage, GrpcBackend, startGrpcBackend, unaryCall } from '../support/grpc';
import { rawRequest } from '../support/http';
import { Spawned, startDataPlane, tempDir } from '../support/processes';

const rule = (path: string, extra: Record<string, unknown>) => ({ matches: [{ path: { type: 'PathPrefix', value: path } }], ...extra });
const site = { name: 'site', port: 8080 };
const cartRef = { name: 'cart', port: 9090 };
const hidden = { name: 'hidden', namespace: 'other', port: 80 };
const cors = { type: 'CORS', cors: { allowOrigins: ['https://app.example.com'], allowMethods: ['GET'] } };
const extensionRef = { type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Thing', name: 'x' } };
const manifests = [
  gatewayClass(),
  gateway('edge', [
    listener('web', 80, 'HTTP', { hostname: '*.example.com' }),
    listener('shop-tls', 443, 'HTTPS', { hostname: 'shop.example.com', tls: { certificateRefs: [{ name: 'certs' }] } }),
    listener('admin-tls', 443, 'HTTPS', { hostname: 'admin.example.com', tls: { certificateRefs: [{ name: 'certs' }] } }),
  ], { namespace: 'shop' }),
  route('HTTPRoute', 'site', {
    parentRefs: [{ name: 'edge' }],
    hostnames: ['shop.example.com', 'admin.example.com'],
    rules: [
      rule('/api', { backendRefs: [site] }),
      rule('/cors', { filters: [cors], backendRefs: [site] }),
      // the ExternalAuth filter's backendRef is not permitted: every request it would check answers 500
      rule('/guarded', { filters: [cors, { type: 'ExternalAuth', externalAuth: { protocol: 'HTTP', http: {}, backendRef: hidden } }], backendRefs: [site] }),
      rule('/broken', { backendRefs: [{ ...hidden, weight: 1 }, { name: 'missing-kind', kind: 'Bucket', group: 'example.com', weight: 1 }] }),
      rule('/extension', { backendRefs: [{ ...site, filters: [extensionRef] }] }),
    ],
  }, { namespace: 'shop', creationTimestamp: '2025-01-01T00:00:00Z' }),
  route('GRPCRoute', 'cart', {
    parentRefs: [{ name: 'edge', sectionName: 'web' }],
    hostnames: ['grpc.example.com'],
    rules: [
      { matches: [{ method: { service: 'shop.cart.v1.Cart', method: 'AddItem' } }], backendRefs: [cartRef] },
      { matches: [{ method: { service: 'shop.cart.v1.Cart', method: 'RemoveItem' } }], filters: [extensionRef], backendRefs: [cartRef] },
      { matches: [{ method: { service: 'shop.cart.v1.Stock' } }], backendRefs: [hidden] },
      // the same Service port as the HTTPRoute's: one backend per protocol (h2c here, HTTP/1.1 there)
      { matches: [{ method: { service: 'shop.cart.v1.Cart', method: 'Get' } }], backendRefs: [site] },
    ],
  }, { namespace: 'shop', creationTimestamp: '2025-01-02T00:00:00Z' }),
  service('site', 'shop', [{ port: 8080 }]),
  service('cart', 'shop', [{ port: 9090, appProtocol: 'kubernetes.io/h2c' }]),
  service('hidden', 'other'),
  tlsSecret('certs', 'shop'),
];

let config: DataPlaneConfig;
let gw: Spawned;
let echoes: RunningEcho[];
let cart: GrpcBackend;

beforeAll(async () => {
  echoes = await startEchoServers('site');
  cart = await startGrpcBackend('cart');
  const secrets = tempDir('gw-secrets-');
  writeSecret(secrets, 'shop/certs', selfSignedCert(['shop.example.com', 'admin.example.com']));
  config = compile(manifests).configs[0];
  gw = await startDataPlane({
    config,
    secretsDir: secrets,
    // one mapping per Service port, whichever protocol the routes speak to it with
    backends: { 'shop/site:8080': echoes[0].target, 'shop/cart:9090': `127.0.0.1:${cart.port}` },
  });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
  await cart?.close();
});

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** An HTTP/1.1 request on a new connection: cleartext, or TLS with `serverName` as SNI. */
function send(port: number, o: { method?: string; path: string; headers: Record<string, string>; serverName?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const local = gw.ports.get(port)!;
    const req = http.request({
      host: '127.0.0.1',
      port: local,
      method: o.method ?? 'GET',
      path: o.path,
      headers: o.headers,
      ...(o.serverName !== undefined
        ? { createConnection: () => tls.connect({ host: '127.0.0.1', port: local, servername: o.serverName, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }) }
        : { agent: false }),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

const tester = () => GatewayTester.fromManifests(manifests);

test('a Host no listener takes is 404 GW_UNKNOWN_HOST, the code the gateway answers with (explain said GW_NO_LISTENER)', async () => {
  const wire = await send(80, { path: '/api', headers: { host: 'nowhere.test' } });
  const e = explainRequest(config, { url: 'http://nowhere.test/api' });

  expect(wire.status).toBe(404);
  expect(wire.headers['x-gateway-error']).toBe('GW_UNKNOWN_HOST');
  expect(e).toMatchObject({ code: 'GW_UNKNOWN_HOST', status: 404 });
  expect(e.notes[0]).toMatch(/no listener on port 80 serves host "nowhere.test" \(listeners: web \(\*\.example\.com\)\)/);
  expect(tester().request({ url: 'http://nowhere.test/api' })).toMatchObject({ outcome: 'GW_UNKNOWN_HOST', statusCode: 404 });
});

test('a gRPC call gets the grpc-status of the outcome table, as the wire answers it (explain hard-coded three)', async () => {
  const { Cart, Stock } = cartPackage();
  const target = `127.0.0.1:${gw.ports.get(80)}`;
  const opts = { 'grpc.default_authority': 'grpc.example.com' };
  const cartClient = new Cart(target, grpc.credentials.createInsecure(), opts);
  const stockClient = new Stock(target, grpc.credentials.createInsecure(), opts);
  const calls = {
    routed: await unaryCall(cartClient, 'addItem', { name: 'x' }),
    unsupported: await unaryCall(cartClient, 'removeItem', { name: 'x' }),
    invalid: await unaryCall(stockClient, 'level', { name: 'x' }),
    unknown: await unaryCall(cartClient, 'list', { name: 'x' }),
  };
  cartClient.close();
  stockClient.close();
  const t = tester();
  const predict = (svc: string, method: string) => t.grpc({ service: svc, method, authority: 'grpc.example.com' });

  expect(calls.routed.error).toBeUndefined();
  expect(predict('shop.cart.v1.Cart', 'AddItem')).toMatchObject({ outcome: 'GW_ROUTED', statusCode: undefined, grpcStatus: undefined });
  for (const [call, svc, method, code] of [
    [calls.unsupported, 'shop.cart.v1.Cart', 'RemoveItem', 'GW_UNSUPPORTED_FILTER'],
    [calls.invalid, 'shop.cart.v1.Stock', 'Level', 'GW_INVALID_BACKEND'],
    [calls.unknown, 'shop.cart.v1.Cart', 'List', 'GW_NO_ROUTE'],
  ] as const) {
    const grpcStatus = OUTCOMES[code].grpcStatus;
    expect(call.error?.code).toBe(grpcStatus);
    expect(predict(svc, method)).toMatchObject({ outcome: code, statusCode: 200, grpcStatus });
  }
  expect(calls.unsupported.error?.code).toBe(grpc.status.INTERNAL);
  expect(calls.invalid.error?.code).toBe(grpc.status.UNAVAILABLE);
  expect(calls.unknown.error?.code).toBe(grpc.status.UNIMPLEMENTED);
});

test('a GRPCRoute rule answers its errors in gRPC terms whatever the content type (explain read only the content type)', async () => {
  // a plain HTTP POST (curl) to a path the GRPCRoute's invalid rule matches
  const wire = await send(80, { method: 'POST', path: '/shop.cart.v1.Stock/Level', headers: { host: 'grpc.example.com' } });
  const e = explainRequest(config, { method: 'POST', url: 'http://grpc.example.com/shop.cart.v1.Stock/Level' });

  expect([wire.status, wire.headers['grpc-status'], wire.headers['x-gateway-error']]).toEqual([200, '14', 'GW_INVALID_BACKEND']);
  expect(e).toMatchObject({ code: 'GW_INVALID_BACKEND', status: 200, grpcStatus: 14 });
});

describe('an https request whose Host another listener owns than the one its SNI chose is 421 (explain never predicted one)', () => {
  test('HTTP/1.1', async () => {
    const wire = await send(443, { path: '/api', headers: { host: 'admin.example.com' }, serverName: 'shop.example.com' });
    const e = explainRequest(config, { url: 'https://admin.example.com/api' }, { serverName: 'shop.example.com' });

    expect([wire.status, wire.headers['x-gateway-error']]).toEqual([421, 'GW_MISDIRECTED_REQUEST']);
    expect(e).toMatchObject({ code: 'GW_MISDIRECTED_REQUEST', status: 421, listener: { name: 'shop-tls' }, request: { serverName: 'shop.example.com' } });
    expect(e.notes[0]).toMatch(/set up for listener "shop-tls" \(server name "shop.example.com"\), but host "admin.example.com" belongs to listener "admin-tls"/);
    expect(tester().request({ url: 'https://admin.example.com/api', serverName: 'shop.example.com' })).toMatchObject({ outcome: 'GW_MISDIRECTED_REQUEST', statusCode: 421 });
    // the same request with its own name as SNI goes through
    expect((await send(443, { path: '/api', headers: { host: 'admin.example.com' }, serverName: 'admin.example.com' })).status).toBe(200);
    expect(explainRequest(config, { url: 'https://admin.example.com/api' }).code).toBe('GW_ROUTED');
  });

  test('HTTP/2, where a client reuses a connection for another name it has a certificate for', async () => {
    const local = gw.ports.get(443)!;
    const session = http2.connect(`https://127.0.0.1:${local}`, {
      createConnection: () => tls.connect({ host: '127.0.0.1', port: local, servername: 'shop.example.com', rejectUnauthorized: false, ALPNProtocols: ['h2'] }),
    });
    const status = (authority: string) => new Promise<number>((resolve, reject) => {
      const req = session.request({ ':path': '/api', ':authority': authority });
      req.on('response', (h) => resolve(Number(h[':status'])));
      req.on('error', reject);
      req.resume();
      req.end();
    });
    const [shop, admin] = [await status('shop.example.com'), await status('admin.example.com')];
    session.close();

    expect([shop, admin]).toEqual([200, 421]);
    expect(explainRequest(config, { url: 'https://admin.example.com/api' }, { serverName: 'shop.example.com' }).status).toBe(421);
  });
});

test('Host: name:1234 is routed by its name on the port the request arrives at, as the wire does', async () => {
  const wire = await send(80, { path: '/api', headers: { host: 'shop.example.com:1234' } });
  const fromHeader = explainRequest(config, { url: 'http://gateway/api', headers: { Host: 'shop.example.com:1234' } }, { port: 80 });
  const fromUrl = tester().request({ url: 'http://shop.example.com:1234/api', port: 80 });

  expect(wire.status).toBe(200);
  expect(JSON.parse(wire.body).pod).toBe('site');
  expect(fromHeader).toMatchObject({ code: 'GW_ROUTED', request: { host: 'shop.example.com', port: 80 }, route: { name: 'site' } });
  expect(fromUrl).toMatchObject({ outcome: 'GW_ROUTED', route: { name: 'site' }, backends: [{ service: 'site' }] });
  // without --port the URL's port is the listener port: nothing listens on 1234
  expect(explainRequest(config, { url: 'http://shop.example.com:1234/api' })).toMatchObject({ code: 'GW_NO_LISTENER', refused: true });
});

test('a CORS preflight is answered 200 by the gateway itself, not by the backend (explain said the backend)', async () => {
  const preflight = { 'origin': 'https://app.example.com', 'access-control-request-method': 'GET' };
  const wire = await send(80, { method: 'OPTIONS', path: '/cors', headers: { host: 'shop.example.com', ...preflight } });
  const e = explainRequest(config, { method: 'OPTIONS', url: 'http://shop.example.com/cors', headers: preflight });

  expect(wire.status).toBe(200);
  expect(wire.body).toBe('');
  expect(wire.headers['access-control-allow-origin']).toBe('https://app.example.com');
  expect(e).toMatchObject({ code: 'GW_CORS_PREFLIGHT', status: 200 });
  expect(e.notes).toEqual([expect.stringMatching(/the CORS filter answers it itself, no backend is asked/)]);
  // the preflight comes before the ExternalAuth check, whose invalid ref answers every other request 500
  const guarded = await send(80, { method: 'OPTIONS', path: '/guarded', headers: { host: 'shop.example.com', ...preflight } });
  const get = await send(80, { path: '/guarded', headers: { host: 'shop.example.com' } });
  expect([guarded.status, get.status, get.headers['x-gateway-error']]).toEqual([200, 500, 'GW_INVALID_BACKEND']);
  expect(explainRequest(config, { method: 'OPTIONS', url: 'http://shop.example.com/guarded', headers: preflight }).code).toBe('GW_CORS_PREFLIGHT');
  expect(explainRequest(config, { url: 'http://shop.example.com/guarded' })).toMatchObject({ code: 'GW_INVALID_BACKEND', status: 500 });
});

test('a rule whose every share is invalid is 500 GW_INVALID_BACKEND (explain said GW_NO_BACKEND)', async () => {
  const wire = await send(80, { path: '/broken', headers: { host: 'shop.example.com' } });
  const e = explainRequest(config, { url: 'http://shop.example.com/broken' });

  expect([wire.status, wire.headers['x-gateway-error']]).toEqual([500, 'GW_INVALID_BACKEND']);
  expect(e).toMatchObject({ code: 'GW_INVALID_BACKEND', status: 500 });
  expect(e.backends.map((b) => b.outcome?.code)).toEqual(['GW_INVALID_BACKEND', 'GW_INVALID_BACKEND']);
});

test('a backendRef\'s unsupported filter answers 500 GW_UNSUPPORTED_FILTER (explain said it was forwarded)', async () => {
  const wire = await send(80, { path: '/extension', headers: { host: 'shop.example.com' } });
  const e = explainRequest(config, { url: 'http://shop.example.com/extension' });

  expect([wire.status, wire.headers['x-gateway-error']]).toEqual([500, 'GW_UNSUPPORTED_FILTER']);
  expect(e).toMatchObject({ code: 'GW_UNSUPPORTED_FILTER', status: 500 });
});

test('a request target with an encoded slash is 400 GW_BAD_REQUEST (explain routed it)', async () => {
  const wire = await send(80, { path: '/api%2F..%2Fadmin', headers: { host: 'shop.example.com' } });
  const e = explainRequest(config, { url: 'http://shop.example.com/api%2F..%2Fadmin' });

  expect([wire.status, wire.headers['x-gateway-error']]).toEqual([400, 'GW_BAD_REQUEST']);
  expect(e).toMatchObject({ code: 'GW_BAD_REQUEST', status: 400 });
});

test('a port nothing listens on is a refused connection, and TLS to a cleartext port a 400 in cleartext (explain said 404)', async () => {
  const refused = await new Promise<string>((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => net.connect(port, '127.0.0.1').on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? '')));
    });
  });
  // what a TLS client sends first, captured from Node's client, then sent to the cleartext port as it is
  const hello = await new Promise<Buffer>((resolve) => {
    const server = net.createServer((c) => c.once('data', (d: Buffer) => {
      resolve(d);
      c.destroy();
      server.close();
    }));
    server.listen(0, '127.0.0.1', () => {
      tls.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, servername: 'shop.example.com' }).on('error', () => undefined);
    });
  });
  const wire = await rawRequest(gw.ports.get(80)!, hello);

  expect(refused).toBe('ECONNREFUSED');
  expect(explainRequest(config, { url: 'http://shop.example.com:8080/api' })).toMatchObject({ code: 'GW_NO_LISTENER', refused: true });
  expect(wire).toMatch(/^HTTP\/1\.1 400 .*\r\n[^]*x-gateway-error: GW_BAD_REQUEST/);
  expect(explainRequest(config, { url: 'https://shop.example.com/api' }, { port: 80 })).toMatchObject({ code: 'GW_BAD_REQUEST', status: 400 });
});

test('a Service port that an HTTPRoute and a GRPCRoute share is reached through its one --backend mapping', async () => {
  // the compiler gives the second protocol its own backend id (`shop/site:8080#http1` or `#h2c`)
  expect(Object.keys(config.backends).filter((id) => id.startsWith('shop/site:8080'))).toHaveLength(2);
  const { Cart } = cartPackage();

  const http1 = await send(80, { path: '/api', headers: { host: 'shop.example.com' } });
  const client = new Cart(`127.0.0.1:${gw.ports.get(80)}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'grpc.example.com' });
  const h2c = await unaryCall(client, 'get', { name: 'x' });
  client.close();

  expect(JSON.parse(http1.body).pod).toBe('site');
  // the echo backend answers JSON, not protobuf: reaching it is what counts (no GW_UPSTREAM_UNREACHABLE)
  expect(h2c.error?.details ?? '').not.toMatch(/GW_UPSTREAM_UNREACHABLE/);
});
