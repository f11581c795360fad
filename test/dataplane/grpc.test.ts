/**
 * GRPCRoute end to end: Gateway API objects compiled by the compiler, served by the data plane, called with
 * @grpc/grpc-js over h2c (prior knowledge) and over TLS (ALPN h2) on the same kind of listeners as HTTP.
 * Matching by service and method (Exact and RegularExpression) and metadata, weights, header filters and a
 * mirror; unary and the three streaming kinds; metadata and trailers both ways; backend status codes; the
 * gateway's own errors as trailers-only gRPC statuses (UNIMPLEMENTED, UNAVAILABLE, DEADLINE_EXCEEDED).
 */
import * as http2 from 'node:http2';
import type * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { compile } from '../../src/compiler';
import type { DataPlaneConfig } from '../../src/config/dataplane-config';
import { selfSignedCert, writeCaBundle, writeSecret } from '../support/certs';
import { cartPackage, GrpcBackend, startGrpcBackend, unaryCall } from '../support/grpc';
import { request } from '../support/http';
import { Spawned, startDataPlane, tempDir } from '../support/processes';
import { waitFor } from '../support/wait';

const cert = selfSignedCert(['grpc.example.com']);
const auditCert = selfSignedCert(['audit.shop.svc']);
const GW = 'gateway.networking.k8s.io/v1';

const service = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'shop' },
  spec: { ports: [{ port: 9090, appProtocol: 'kubernetes.io/h2c' }] },
});
const ref = (name: string, weight?: number) => ({ name, port: 9090, ...(weight === undefined ? {} : { weight }) });
const cartMethod = (method: string) => ({ method: { service: 'shop.cart.v1.Cart', method } });

/** The Gateway API objects under test (what a team would apply). */
const manifests = [
  { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'node' }, spec: { controllerName: 'cdk8s-gateway.io/node-data-plane' } },
  {
    apiVersion: GW,
    kind: 'Gateway',
    metadata: { name: 'edge', namespace: 'shop' },
    spec: {
      gatewayClassName: 'node',
      listeners: [
        { name: 'h2c', port: 80, protocol: 'HTTP' },
        { name: 'tls', port: 443, protocol: 'HTTPS', hostname: 'grpc.example.com', tls: { certificateRefs: [{ name: 'grpc-tls' }] } },
      ],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: 'grpc-tls', namespace: 'shop' },
    data: { 'tls.crt': Buffer.from(cert.cert).toString('base64'), 'tls.key': Buffer.from(cert.key).toString('base64') },
  },
  ...['writer', 'v1', 'v2', 'mirror', 'down', 'ticker', 'audit'].map(service),
  // the audit backend speaks gRPC over TLS: HTTP/2 with ALPN h2, verified against its CA, audit.shop.svc as SNI
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'audit-ca', namespace: 'shop' }, data: { 'ca.crt': auditCert.cert } },
  {
    apiVersion: GW,
    kind: 'BackendTLSPolicy',
    metadata: { name: 'audit-tls', namespace: 'shop' },
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: 'audit' }],
      validation: { hostname: 'audit.shop.svc', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'audit-ca' }] },
    },
  },
  {
    apiVersion: GW,
    kind: 'GRPCRoute',
    metadata: { name: 'cart', namespace: 'shop' },
    spec: {
      parentRefs: [{ name: 'edge' }],
      rules: [
        {
          name: 'writes',
          matches: [cartMethod('AddItem'), cartMethod('RemoveItem')],
          filters: [
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-write-path', value: 'true' }] } },
            { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-served-by', value: 'gateway' }] } },
          ],
          backendRefs: [ref('writer')],
        },
        { name: 'beta', matches: [{ method: { service: 'shop.cart.v1.Cart' }, headers: [{ name: 'x-beta', value: 'on' }] }], backendRefs: [ref('v2')] },
        { name: 'stock', matches: [{ method: { type: 'RegularExpression', service: 'shop\\.cart\\.v1\\.St.*', method: 'Lev[a-z]+' } }], backendRefs: [ref('v2')] },
        { name: 'get', matches: [cartMethod('Get')], filters: [{ type: 'RequestMirror', requestMirror: { backendRef: ref('mirror') } }], backendRefs: [ref('v1')] },
        { name: 'broken', matches: [cartMethod('Broken')], backendRefs: [ref('missing')] },
        { name: 'unreachable', matches: [cartMethod('Unreachable')], backendRefs: [ref('down')] },
        { name: 'audit', matches: [cartMethod('Audit')], backendRefs: [ref('audit')] },
        { name: 'ticker', matches: [{ method: { service: 'shop.ticker.v1.Ticker' } }], backendRefs: [ref('ticker')] },
        { name: 'reads', matches: [{ method: { service: 'shop.cart.v1.Cart' } }], backendRefs: [ref('v1', 80), ref('v2', 20)] },
      ],
    },
  },
];

let gw: Spawned;
let config: DataPlaneConfig;
const backends: Record<string, GrpcBackend> = {};
let plain: grpc.Client;
let secure: grpc.Client;
let stock: grpc.Client;
let ticker: http2.Http2Server;

/**
 * A backend that ignores grpc-timeout (as a server in another language might): Hold never answers, Tick
 * streams a message every 50 ms until the stream is cancelled. Only the gateway can end these calls.
 */
async function startTicker(): Promise<number> {
  ticker = http2.createServer();
  ticker.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    if (headers[':path'] !== '/shop.ticker.v1.Ticker/Tick') return;
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    const timer = setInterval(() => stream.write(grpcFrame(Buffer.alloc(0))), 50);
    stream.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => ticker.listen(0, '127.0.0.1', r));
  return (ticker.address() as net.AddressInfo).port;
}

beforeAll(async () => {
  const result = compile(manifests, {});
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  config = result.configs[0];
  for (const name of ['writer', 'v1', 'v2', 'mirror']) backends[name] = await startGrpcBackend(name);
  backends.audit = await startGrpcBackend('audit', auditCert);
  const secrets = tempDir('gw-grpc-secrets-');
  writeSecret(secrets, 'shop/grpc-tls', cert);
  const configMaps = tempDir('gw-grpc-cm-');
  writeCaBundle(configMaps, 'shop/audit-ca', auditCert.cert);
  const map: Record<string, string> = { 'shop/down:9090': '127.0.0.1:1', 'shop/ticker:9090': `127.0.0.1:${await startTicker()}` };
  for (const b of Object.values(backends)) map[`shop/${b.name}:9090`] = `127.0.0.1:${b.port}`;
  gw = await startDataPlane({ config, secretsDir: secrets, configMapsDir: configMaps, backends: map });
  const { Cart, Stock } = cartPackage();
  plain = new Cart(`127.0.0.1:${gw.ports.get(80)}`, grpc.credentials.createInsecure());
  stock = new Stock(`127.0.0.1:${gw.ports.get(80)}`, grpc.credentials.createInsecure());
  secure = new Cart(`127.0.0.1:${gw.ports.get(443)}`, grpc.credentials.createSsl(Buffer.from(cert.cert)), {
    'grpc.ssl_target_name_override': 'grpc.example.com',
    'grpc.default_authority': 'grpc.example.com',
  });
});

afterAll(async () => {
  for (const c of [plain, secure, stock]) c?.close();
  await gw?.stop();
  await Promise.all(Object.values(backends).map((b) => b.close()));
  ticker?.close();
});

describe.each([
  ['h2c', () => plain],
  ['TLS (ALPN h2)', () => secure],
])('over %s', (_name, client) => {
  test('a unary call is routed by service and method, with filters, metadata and trailers both ways', async () => {
    const r = await unaryCall(client(), 'addItem', { name: 'book', count: 2 }, { metadata: { 'x-user': 'alice' } });
    expect(r.error).toBeUndefined();
    expect(r.reply).toMatchObject({ backend: 'writer', name: 'book', count: 2 });
    expect(r.reply.metadata).toMatchObject({ 'x-user': 'alice', 'x-write-path': 'true' });
    expect(r.headers!.get('x-served-by')).toEqual(['gateway']);
    expect(r.trailers!.get('x-trailer')).toEqual(['writer-done']);
  });

  test('server streaming: every message, then the status', async () => {
    const call = (client() as any).watch({ name: 'prices', count: 5 });
    const got: number[] = [];
    call.on('data', (m: any) => got.push(m.count));
    const status = await new Promise<grpc.StatusObject>((r) => call.on('status', r));
    expect(status.code).toBe(grpc.status.OK);
    expect(got).toEqual([1, 2, 3, 4, 5]);
  });

  test('client streaming: the backend gets every message and the half-close', async () => {
    const reply = await new Promise<any>((resolve, reject) => {
      const call = (client() as any).upload((err: Error | null, r: any) => (err ? reject(err) : resolve(r)));
      for (let i = 1; i <= 10; i++) call.write({ name: `item-${i}`, count: i });
      call.end();
    });
    expect(reply).toMatchObject({ name: 'item-10', count: 55 });
  });

  test('bidirectional streaming: replies interleave with requests', async () => {
    const call = (client() as any).chat();
    const replies: string[] = [];
    for (const word of ['one', 'two', 'three']) {
      call.write({ name: word });
      replies.push(await new Promise<string>((r) => call.once('data', (m: any) => r(m.name))));
    }
    call.end();
    await new Promise((r) => call.on('status', r));
    expect(replies).toEqual(['re: one', 're: two', 're: three']);
  });

  test('a backend status code, message and trailing metadata reach the client (trailers-only)', async () => {
    const r = await unaryCall(client(), 'fail', { code: grpc.status.NOT_FOUND });
    expect(r.error!.code).toBe(grpc.status.NOT_FOUND);
    expect(r.error!.details).toMatch(/failed as asked/);
    expect(r.trailers!.get('x-reason')).toEqual(['asked-to-fail']);
  });

  test('a client deadline ends the call with DEADLINE_EXCEEDED', async () => {
    const r = await unaryCall(client(), 'slow', { delayMs: 3000 }, { deadlineMs: 300 });
    expect(r.error!.code).toBe(grpc.status.DEADLINE_EXCEEDED);
  });

  test('no route for the method: UNIMPLEMENTED from the gateway', async () => {
    const r = await unaryCall(stock, 'level', { name: 'x' });
    expect(r.reply).toMatchObject({ backend: 'v2' }); // (Stock/Level is routed: the regular expression rule)
    const other = new grpc.Client(`127.0.0.1:${gw.ports.get(80)}`, grpc.credentials.createInsecure());
    const err = await new Promise<grpc.ServiceError>((resolve) => other.makeUnaryRequest('/shop.unknown.v1.Orders/Get', (x: Buffer) => x, (x: Buffer) => x,
      Buffer.alloc(0), (e) => resolve(e!)));
    other.close();
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(err.details).toMatch(/GW_NO_ROUTE/);
  });

  test('an invalid backend share and an unreachable backend answer UNAVAILABLE', async () => {
    const invalid = await unaryCall(client(), 'broken', {});
    expect(invalid.error!.code).toBe(grpc.status.UNAVAILABLE);
    expect(invalid.error!.details).toMatch(/^GW_INVALID_BACKEND: BackendNotFound: GRPCRoute shop\/cart: spec.rules\[4\].backendRefs\[0\]/);
    const down = await unaryCall(client(), 'unreachable', {});
    expect(down.error!.code).toBe(grpc.status.UNAVAILABLE);
    expect(down.error!.details).toMatch(/GW_UPSTREAM_UNREACHABLE/);
  });
});

test('a backend with a BackendTLSPolicy gets the call over TLS (h2)', async () => {
  expect(config.backends['shop/audit:9090']).toMatchObject({ protocol: 'h2', tls: { hostname: 'audit.shop.svc' } });
  const r = await unaryCall(plain, 'audit', { name: 'ledger' });
  expect(r.reply).toMatchObject({ backend: 'audit', name: 'ledger' });
});

test('a metadata match takes precedence over the service-only rule', async () => {
  const beta = await unaryCall(plain, 'list', {}, { metadata: { 'x-beta': 'on' } });
  expect(beta.reply.backend).toBe('v2');
});

test('backend weights split calls (80:20)', async () => {
  const seen: Record<string, number> = { v1: 0, v2: 0 };
  const replies = await Promise.all(Array.from({ length: 200 }, () => unaryCall(plain, 'list', {})));
  for (const r of replies) seen[r.reply.backend]++;
  expect(seen.v1 + seen.v2).toBe(200);
  // 160 expected; bounds ~5 standard deviations
  expect(seen.v1).toBeGreaterThan(130);
  expect(seen.v1).toBeLessThan(189);
});

test('RequestMirror copies the call to the mirror backend; the client gets the primary answer', async () => {
  const before = backends.mirror.calls.length;
  const r = await unaryCall(plain, 'get', { name: 'cart-1' });
  expect(r.reply.backend).toBe('v1');
  await waitFor(() => backends.mirror.calls.length > before);
  expect(backends.mirror.calls.slice(before)).toEqual(['Get']);
});

/** A length-prefixed gRPC message (uncompressed). */
function grpcFrame(message: Buffer): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

/** A raw HTTP/2 gRPC request: the response HEADERS (and whether they ended the stream), data and trailers. */
function rawCall(url: string, path: string, headers: Record<string, string>, o: http2.SecureClientSessionOptions = {}, message = Buffer.alloc(0)):
Promise<{ headers: http2.IncomingHttpHeaders; endedWithHeaders: boolean; trailers?: http2.IncomingHttpHeaders; data: number }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, o);
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', 'te': 'trailers', ...headers });
    req.end(grpcFrame(message));
    let h: http2.IncomingHttpHeaders = {};
    let endedWithHeaders = false;
    let trailers: http2.IncomingHttpHeaders | undefined;
    let data = 0;
    req.on('response', (x, flags) => {
      h = x;
      endedWithHeaders = flags % 2 === 1;
    });
    req.on('trailers', (t) => { trailers = t; });
    req.on('data', (d: Buffer) => { data += d.length; });
    req.on('end', () => {
      session.close();
      resolve({ headers: h, endedWithHeaders, trailers, data });
    });
    req.on('error', reject);
  });
}

test('gateway errors are trailers-only responses: one HEADERS frame with grpc-status, on h2c and on TLS', async () => {
  const h2c = await rawCall(`http://127.0.0.1:${gw.ports.get(80)}`, '/shop.cart.v1.Cart/Broken', {});
  expect(h2c).toMatchObject({ endedWithHeaders: true, trailers: undefined, data: 0 });
  expect(h2c.headers).toMatchObject({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14', 'x-gateway-error': 'GW_INVALID_BACKEND' });
  const tls = await rawCall(`https://127.0.0.1:${gw.ports.get(443)}`, '/shop.cart.v1.Cart/Broken', { ':authority': 'grpc.example.com' },
    { ca: cert.cert, servername: 'grpc.example.com' });
  expect(tls).toMatchObject({ endedWithHeaders: true, data: 0 });
  expect(tls.headers['grpc-status']).toBe('14');
});

test('the gateway enforces grpc-timeout: DEADLINE_EXCEEDED before the answer, and in the trailers of a stream already answering', async () => {
  const url = `http://127.0.0.1:${gw.ports.get(80)}`;
  const before = await rawCall(url, '/shop.ticker.v1.Ticker/Hold', { 'grpc-timeout': '200m' });
  expect(before.endedWithHeaders).toBe(true);
  expect(before.headers).toMatchObject({ 'grpc-status': '4', 'x-gateway-error': 'GW_DEADLINE_EXCEEDED' });
  const streaming = await new Promise<{ messages: number; trailers?: http2.IncomingHttpHeaders }>((resolve, reject) => {
    const session = http2.connect(url);
    const req = session.request({ ':method': 'POST', ':path': '/shop.ticker.v1.Ticker/Tick', 'content-type': 'application/grpc', 'te': 'trailers', 'grpc-timeout': '400m' });
    req.end(grpcFrame(Buffer.alloc(0)));
    let messages = 0;
    let trailers: http2.IncomingHttpHeaders | undefined;
    req.on('data', () => { messages++; });
    req.on('trailers', (t) => { trailers = t; });
    req.on('end', () => {
      session.close();
      resolve({ messages, trailers });
    });
    req.on('error', reject);
  });
  expect(streaming.messages).toBeGreaterThan(2);
  expect(streaming.trailers).toMatchObject({ 'grpc-status': '4' });
  expect(streaming.trailers!['grpc-message']).toMatch(/^GW_DEADLINE_EXCEEDED: /);
});

test('calls are counted by route, rule, backend and grpc-status, and logged with their status', async () => {
  const m = (await request(`http://127.0.0.1:${gw.adminPort}/metrics`)).body;
  const count = (part: string) => Number(m.split('\n').find((l) => l.startsWith('cdk8s_gateway_grpc_requests_total') && l.includes(part))?.split(' ').pop() ?? 0);
  expect(count('rule="writes",backend="shop/writer:9090",grpc_status="0"')).toBe(2);
  // Fail goes through the weighted reads rule
  expect(count('rule="reads",backend="shop/v1:9090",grpc_status="5"') + count('rule="reads",backend="shop/v2:9090",grpc_status="5"')).toBe(2);
  expect(count('rule="broken",backend="invalid:BackendNotFound",grpc_status="14"')).toBe(4);
  await waitFor(() => gw.json().some((l) => l.msg === 'access' && l.grpcStatus === 4));
  const line = gw.json().find((l) => l.msg === 'access' && l.rule === 'writes')!;
  expect(line).toMatchObject({ method: 'POST', path: '/shop.cart.v1.Cart/AddItem', route: 'GRPCRoute/shop/cart', grpcStatus: 0 });
});

test('the compiled entries keep the spec precedence: exact methods, then metadata, then service, regular expressions last', () => {
  const entries = config.ports.find((p) => p.port === 80)!.listeners[0].httpRoutes!;
  expect(entries.map((e) => `${e.path.type}${e.headers.length ? ' +header' : ''}`)).toEqual([
    ...Array(6).fill('Exact'),
    'PathPrefix', // /shop.ticker.v1.Ticker: the longer service first
    'PathPrefix +header',
    'PathPrefix',
    'RegularExpression',
  ]);
  expect(entries.every((e) => e.method === 'POST')).toBe(true);
});
