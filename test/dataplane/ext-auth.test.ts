/**
 * The ExternalAuth filter on the wire: real authorization servers (HTTP, and Envoy ext_authz v3 over gRPC with
 * @grpc/grpc-js) on port 0, a real backend, one data plane for the file.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type * as net from 'node:net';
import type { DataPlaneConfig, ExternalAuthFilterConfig, HttpFilterConfig } from '../../src/config/dataplane-config';
import { explainRequest } from '../../src/router';
import { ConfigBuilder, prefix } from '../support/config-builder';
import { RunningEcho, startEchoServers } from '../support/echo';
import { DENIED_BODY, GrpcCheck, HttpCheck, RunningServer, startGrpcAuthServer, startHttpAuthServer } from '../support/ext-auth-servers';
import { request, request2 } from '../support/http';
import { scrape, sumOf } from '../support/metrics';
import { Spawned, startDataPlane } from '../support/processes';
import { waitFor } from '../support/wait';

let gw: Spawned;
let config: DataPlaneConfig;
let echo: RunningEcho[];
let httpAuth: RunningServer<HttpCheck>;
let grpcAuth: RunningServer<GrpcCheck>;
const others: (http.Server | net.Server)[] = [];
const mirrored: string[] = [];
let hanging = 0;
let hangingClosed = 0;

function server(handler: http.RequestListener): Promise<number> {
  const s = http.createServer(handler);
  others.push(s);
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as net.AddressInfo).port)));
}

const httpAuthFilter = (backend: string | undefined, settings?: ExternalAuthFilterConfig['http'], maxSize?: number): ExternalAuthFilterConfig => ({
  type: 'ExternalAuth', protocol: 'HTTP', backend, http: settings ?? { allowedHeaders: [], allowedResponseHeaders: [] }, forwardBodyMaxSize: maxSize,
});

beforeAll(async () => {
  echo = await startEchoServers('api-1');
  httpAuth = await startHttpAuthServer();
  grpcAuth = await startGrpcAuthServer();
  const closed = await server(() => undefined);
  await new Promise<void>((r) => (others.pop() as http.Server).close(() => r()));
  const slow = await server((req) => {
    hanging++; // never answers
    req.socket.on('close', () => hangingClosed++);
  });
  const broken = await server((req) => req.socket.destroy());
  // answers as soon as the first body chunk arrives, and ends once the request has
  const streamer = await server((req, res) => {
    let rest = '';
    req.once('data', (c: Buffer) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(`got:${c}`);
      req.on('data', (more: Buffer) => { rest += more; });
      req.on('end', () => res.end(` then:${rest}`));
    });
  });
  const mirror = await server((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      mirrored.push(body);
      res.end();
    });
  });

  const b = new ConfigBuilder();
  const api = b.backend('api', 8080);
  const authHttp = b.backend('authz-http', 9002);
  const authGrpc = b.backend('authz-grpc', 9001, { protocol: 'h2c' });
  const authDown = b.backend('authz-down', 9002);
  const authSlow = b.backend('authz-slow', 9002);
  const authBroken = b.backend('authz-broken', 9002);
  const mirrorBackend = b.backend('mirror', 80);
  const streamBackend = b.backend('streamer', 80);
  const web = b.listener(80, { name: 'web' });
  const rule = (route: string, path: string, filters: HttpFilterConfig[], extra: object = {}) =>
    b.route(web, { route, matches: [{ path: prefix(path) }], backends: [api], filters, ...extra });

  rule('http-check', '/http', [httpAuthFilter(authHttp, { path: '/check', allowedHeaders: ['x-extra'], allowedResponseHeaders: [] })]);
  rule('http-limited', '/limited/http', [httpAuthFilter(authHttp, { allowedHeaders: ['x-extra'], allowedResponseHeaders: ['x-user-id'] })]);
  rule('http-body', '/body/http', [httpAuthFilter(authHttp, undefined, 100)]);
  rule('http-body-zero', '/zero/http', [httpAuthFilter(authHttp, undefined, 0)]);
  rule('grpc-limited', '/grpc/allowed/limited', [{ type: 'ExternalAuth', protocol: 'GRPC', backend: authGrpc, grpc: { allowedHeaders: ['x-extra'] } }]);
  rule('grpc-check', '/grpc', [{ type: 'ExternalAuth', protocol: 'GRPC', backend: authGrpc, grpc: { allowedHeaders: [] }, forwardBodyMaxSize: 100 }]);
  rule('unreachable', '/down', [httpAuthFilter(authDown)]);
  rule('slow', '/slow', [httpAuthFilter(authSlow)], { timeouts: { backendRequestMs: 300 } });
  rule('broken', '/broken', [httpAuthFilter(authBroken)]);
  rule('invalid', '/invalid', [httpAuthFilter(undefined)]);
  rule('mirror', '/mirror/http', [httpAuthFilter(authHttp, undefined, 100), { type: 'RequestMirror', backend: mirrorBackend, percent: 100 }]);
  b.route(web, { route: 'stream', matches: [{ path: prefix('/stream/http') }], backends: [streamBackend], filters: [httpAuthFilter(authHttp)] });
  b.route(web, {
    route: 'per-backend', matches: [{ path: prefix('/per-backend/http') }], backends: [{ backend: api, filters: [httpAuthFilter(authHttp)] }],
  });

  config = b.build();
  gw = await startDataPlane({
    config,
    backends: {
      [api]: echo[0].target,
      [authHttp]: `127.0.0.1:${httpAuth.port}`,
      [authGrpc]: `127.0.0.1:${grpcAuth.port}`,
      [authDown]: `127.0.0.1:${closed}`,
      [authSlow]: `127.0.0.1:${slow}`,
      [authBroken]: `127.0.0.1:${broken}`,
      [mirrorBackend]: `127.0.0.1:${mirror}`,
      [streamBackend]: `127.0.0.1:${streamer}`,
    },
  });
});

afterAll(async () => {
  await gw?.stop();
  for (const s of others) (s as http.Server).closeAllConnections?.();
  await Promise.all([...(echo ?? []).map((e) => e.close()), httpAuth?.close(), grpcAuth?.close(),
    ...others.map((s) => new Promise((r) => s.close(r)))]);
});

function lastHttpCheck(): HttpCheck {
  return httpAuth.checks[httpAuth.checks.length - 1];
}

describe('HTTP protocol', () => {
  test('a 200 lets the request through with the auth server\'s headers set on it, replacing what the client sent', async () => {
    // WHEN
    const res = await request(gw.url(80, '/http/allowed/orders?page=2'), {
      host: 'shop.example.com',
      headers: { 'authorization': 'Bearer t0k3n', 'x-extra': 'yes', 'x-other': 'not-for-auth', 'x-user-id': '7' },
    });

    // THEN the backend got the request, with the auth server's X-User-Id instead of the client's
    expect(res.status).toBe(200);
    expect(res.json.pod).toBe('api-1');
    expect(res.json.path).toBe('/http/allowed/orders?page=2');
    expect(res.json.headers['x-user-id']).toBe('42');
    expect(res.json.headers['x-auth-received-extra']).toBe('yes');
    expect(res.json.headers['x-other']).toBe('not-for-auth');
    // and the auth server got the method, the prefixed path, Host, Authorization, the allowed header and Content-Length 0
    const check = lastHttpCheck();
    expect(check).toMatchObject({ method: 'GET', url: '/check/http/allowed/orders?page=2', body: '' });
    expect(Object.keys(check.headers).sort()).toEqual(['authorization', 'content-length', 'host', 'x-extra']);
    expect(check.headers).toMatchObject({ 'host': 'shop.example.com', 'authorization': 'Bearer t0k3n', 'content-length': '0' });
  });

  test('any other answer goes to the client as the auth server sent it; the backend never sees the request', async () => {
    const before = httpAuth.checks.length;
    const res = await request(gw.url(80, '/http/denied'), { method: 'POST', body: 'secret' });
    expect(res.status).toBe(403);
    expect(res.body).toBe(DENIED_BODY);
    expect(res.headers['x-auth-error']).toBe('access-denied');
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.headers['x-gateway-error']).toBeUndefined();
    expect(httpAuth.checks.length).toBe(before + 1);
  });

  test('allowedResponseHeaders: only those are copied onto the request', async () => {
    const res = await request(gw.url(80, '/limited/http/allowed'), { headers: { 'x-extra': 'yes' } });
    expect(res.json.headers['x-user-id']).toBe('42');
    expect(res.json.headers['x-auth-received-extra']).toBeUndefined();
    expect(res.json.headers['x-auth-received-body-size']).toBeUndefined();
  });

  test('forwardBody.maxSize: a body within it reaches the auth server and the backend; one over it is refused with 413', async () => {
    // within the limit
    const ok = await request(gw.url(80, '/body/http/allowed'), { method: 'POST', body: '0123456789' });
    expect(ok.status).toBe(200);
    expect(ok.json.headers['x-auth-received-body-size']).toBe('10');
    expect(ok.json.body).toBe('0123456789');
    expect(lastHttpCheck()).toMatchObject({ method: 'POST', body: '0123456789' });
    expect(lastHttpCheck().headers['content-length']).toBe('10');

    // over it, with a Content-Length, and streamed without one (HTTP/1.1 chunked)
    const before = httpAuth.checks.length;
    const big = await request(gw.url(80, '/body/http/allowed'), { method: 'POST', body: 'x'.repeat(200) });
    expect(big.status).toBe(413);
    expect(big.headers['x-gateway-error']).toBe('GW_EXT_AUTH_BODY_TOO_LARGE');
    const chunked = await request(gw.url(80, '/body/http/allowed'), { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: 'x'.repeat(200) });
    expect(chunked.status).toBe(413);
    expect(httpAuth.checks.length).toBe(before);
  });

  test('forwardBody with Expect: 100-continue: the gateway says continue itself, since the check needs the body', async () => {
    // GIVEN a client that sends its body only after 100 Continue
    const res = await new Promise<{ status: number; body: string; continues: number }>((resolve, reject) => {
      let continues = 0;
      const req = http.request(gw.url(80, '/body/http/allowed/expect'), { method: 'POST', headers: { 'expect': '100-continue', 'content-length': '5' }, agent: false }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => { body += c; });
        r.on('end', () => resolve({ status: r.statusCode!, body, continues }));
      });
      req.on('continue', () => {
        continues++;
        req.end('hello');
      });
      req.on('error', reject);
      req.flushHeaders();
    });

    // THEN the body reached the auth server and the backend, and the client saw one 100
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).body).toBe('hello');
    expect(lastHttpCheck().body).toBe('hello');
    expect(res.continues).toBe(1);
  });

  test('forwardBody.maxSize 0 (or unset): the auth server gets no body, the backend all of it', async () => {
    const res = await request(gw.url(80, '/zero/http/allowed'), { method: 'POST', body: 'x'.repeat(200) });
    expect(res.status).toBe(200);
    expect(res.json.headers['x-auth-received-body-size']).toBe('0');
    expect(res.json.bodyBytes).toBe(200);
    const denied = await request(gw.url(80, '/zero/http/denied'), { method: 'POST', body: 'x'.repeat(200) });
    expect(denied.status).toBe(403);
    expect(denied.headers['x-auth-received-body-size']).toBe('0');
  });

  test('a RequestMirror after the check gets the whole body that arrived while the check ran', async () => {
    const res = await request(gw.url(80, '/mirror/http/allowed'), { method: 'POST', body: 'mirror me' });
    expect(res.json.body).toBe('mirror me');
    await waitFor(() => mirrored.length > 0);
    expect(mirrored).toEqual(['mirror me']);
  });

  test('an ExternalAuth filter of a backendRef checks the requests sent to that backend', async () => {
    expect((await request(gw.url(80, '/per-backend/http/denied'))).status).toBe(403);
    expect((await request(gw.url(80, '/per-backend/http/allowed'))).json.headers['x-user-id']).toBe('42');
  });

  test('HTTP/2 clients are checked the same way: allowed, denied, body forwarded and refused', async () => {
    const res = await request2(gw.url(80, '/http/allowed/h2'), { headers: { 'x-extra': 'h2' } });
    expect(res.status).toBe(200);
    expect(res.json.headers['x-user-id']).toBe('42');
    expect(lastHttpCheck().url).toBe('/check/http/allowed/h2');

    const denied = await request2(gw.url(80, '/http/denied/h2'));
    expect(denied.status).toBe(403);
    expect(denied.body).toBe(DENIED_BODY);
    expect(denied.headers['x-auth-error']).toBe('access-denied');

    // an HTTP/2 body has no Content-Length here: its size is known only when the stream ends
    const body = await request2(gw.url(80, '/body/http/allowed/h2'), { method: 'POST', body: '0123456789' });
    expect(body.json.headers['x-auth-received-body-size']).toBe('10');
    expect(body.json.body).toBe('0123456789');
    const big = await request2(gw.url(80, '/body/http/allowed/h2'), { method: 'POST', body: 'x'.repeat(200) });
    expect(big.status).toBe(413);
  });

  test.each(['HTTP/1.1', 'HTTP/2'])('without forwardBody the body is not held back: the backend answers while an %s client is still sending', async (version) => {
    // WHEN the client sends a first chunk and waits for the answer before sending the rest
    const res = await (version === 'HTTP/2' ? streamH2 : streamH1)(gw.url(80, '/stream/http/allowed'), 'first', 'last');

    // THEN the backend got the first chunk before the request ended (else this would never finish)
    expect(res).toEqual({ status: 200, body: 'got:first then:last' });
  });
});

describe('GRPC protocol (Envoy ext_authz v3 Check)', () => {
  test('status OK lets the request through with the OkHttpResponse header changes', async () => {
    // WHEN
    const res = await request(gw.url(80, '/grpc/allowed/cart?item=1'), {
      host: 'shop.example.com',
      method: 'POST',
      headers: { 'x-extra': 'yes', 'x-user-id': '7', 'x-remove-me': 'gone', 'content-type': 'text/plain' },
      body: 'hello',
    });

    // THEN the backend got the request with the headers set and removed, the client the response header to add
    expect(res.status).toBe(200);
    expect(res.json.headers['x-user-id']).toBe('42');
    expect(res.json.headers['x-auth-received-extra']).toBe('yes');
    expect(res.json.headers['x-remove-me']).toBeUndefined();
    expect(res.json.body).toBe('hello');
    expect(res.headers['x-auth-checked']).toBe('yes');
    // and the CheckRequest described the request
    const check = grpcAuth.checks[grpcAuth.checks.length - 1];
    const h = check.attributes.request.http;
    expect(h).toMatchObject({ method: 'POST', path: '/grpc/allowed/cart?item=1', host: 'shop.example.com', scheme: 'http', size: 5, protocol: 'HTTP/1.1', body: 'hello' });
    expect(h.headers).toMatchObject({ ':authority': 'shop.example.com', ':method': 'POST', ':path': '/grpc/allowed/cart?item=1', 'x-extra': 'yes', 'content-type': 'text/plain' });
    expect(check.attributes.source.address.socket_address.address).toBe('127.0.0.1');
    expect(check.attributes.source.address.socket_address.port_value).toBeGreaterThan(0);
    expect(check.attributes.destination.address.socket_address.port_value).toBe(80);
    expect(Math.abs(check.attributes.request.time.seconds * 1000 - Date.now())).toBeLessThan(60_000);
  });

  test('any other status answers the DeniedHttpResponse: its status, headers and body', async () => {
    const res = await request(gw.url(80, '/grpc/denied'), { method: 'POST', body: 'x'.repeat(20) });
    expect(res.status).toBe(403);
    expect(res.body).toBe(DENIED_BODY);
    expect(res.headers['x-auth-error']).toBe('access-denied');
    expect(res.headers['x-auth-received-body-size']).toBe('20');
  });

  test('grpc.allowedHeaders: only those headers are sent', async () => {
    await request(gw.url(80, '/grpc/allowed/limited'), { headers: { 'x-extra': 'yes', 'x-other': 'no' } });
    const h = grpcAuth.checks[grpcAuth.checks.length - 1].attributes.request.http;
    expect(Object.keys(h.headers)).toEqual(['x-extra']);
    expect(h.size).toBe(-1);
  });

  test('HeaderValueOption actions: append adds to the client\'s header, ADD_IF_ABSENT and OVERWRITE_IF_EXISTS only act when they should', async () => {
    const res = await request(gw.url(80, '/grpc/allowed/append'), { headers: { 'x-tag': 'client', 'x-keep': 'client' } });
    expect(res.json.headers).toMatchObject({ 'x-tag': 'client, added', 'x-keep': 'client', 'x-new': 'auth' });
    expect(res.json.headers['x-only-if']).toBeUndefined();
  });

  test('an HTTP/2 request is described as HTTP/2', async () => {
    const res = await request2(gw.url(80, '/grpc/allowed/h2'));
    expect(res.status).toBe(200);
    expect(grpcAuth.checks[grpcAuth.checks.length - 1].attributes.request.http.protocol).toBe('HTTP/2');
  });
});

describe('fails closed, with stable codes', () => {
  test.each([
    ['an auth server that cannot be reached', '/down', 503, 'GW_EXT_AUTH_UNREACHABLE'],
    ['an auth server that does not answer in time (the rule\'s backendRequest timeout)', '/slow', 504, 'GW_EXT_AUTH_TIMEOUT'],
    ['an auth server that closes the connection', '/broken', 502, 'GW_EXT_AUTH_FAILED'],
    ['a Check call that fails instead of deciding', '/grpc/error', 502, 'GW_EXT_AUTH_FAILED'],
    ['an invalid backendRef', '/invalid', 500, 'GW_INVALID_BACKEND'],
  ])('%s', async (_what, path, status, code) => {
    const res = await request(gw.url(80, path));
    expect(res.status).toBe(status);
    expect(res.headers['x-gateway-error']).toBe(code);
  });

  test('a check in flight is cancelled when the client goes away', async () => {
    // GIVEN a request waiting for the slow auth server
    const before = hanging;
    const closedBefore = hangingClosed;
    const req = http.get(gw.url(80, '/slow'));
    req.on('error', () => undefined);
    await waitFor(() => hanging > before);

    // WHEN the client goes away with a reset (a FIN alone may be a half-close that still wants its answer:
    // see half-close.test.ts; such a client is given up on at the idle timeout)
    req.socket!.resetAndDestroy();

    // THEN the check's connection to the auth server is closed too, and the gateway logs the abort
    await waitFor(() => hangingClosed > closedBefore);
    await waitFor(() => gw.json().some((l) => l.msg === 'access' && l.path === '/slow' && l.error === 'GW_CLIENT_ABORTED'));
    expect((await request(gw.url(80, '/http/allowed'))).status).toBe(200);
  });
});

test('the access log names the denial, and the errors metric counts it', async () => {
  const before = sumOf(await scrape(gw), 'cdk8s_gateway_errors_total', { code: 'GW_EXT_AUTH_DENIED' });
  await request(gw.url(80, '/http/denied/logged'));
  await waitFor(() => gw.json().some((l) => l.path === '/http/denied/logged'));
  expect(gw.json().find((l) => l.path === '/http/denied/logged')).toMatchObject({ status: 403, error: 'GW_EXT_AUTH_DENIED', route: 'HTTPRoute/default/http-check' });
  expect(sumOf(await scrape(gw), 'cdk8s_gateway_errors_total', { code: 'GW_EXT_AUTH_DENIED' })).toBe(before + 1);
});

test('explain says the auth server is asked first, and what lets the request go on', () => {
  const e = explainRequest(config, { method: 'GET', url: 'http://shop.example.com/grpc/allowed/x' });
  expect(e.code).toBe('GW_ROUTED');
  expect(e.notes).toEqual(['ExternalAuth: default/authz-grpc:9001 is asked first (GRPC); on status OK the request goes on as shown, any other answer is returned to the client']);
  expect(explainRequest(config, { method: 'GET', url: 'http://h/invalid' })).toMatchObject({ status: 500, code: 'GW_INVALID_BACKEND' });
});

/** Sends `first`, waits for the first bytes of the answer, then sends `last` and ends. */
function streamH1(url: string, first: string, last: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, agent: false }, (res) => {
      let body = '';
      res.once('data', () => req.end(last));
      res.on('data', (c: Buffer) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.flushHeaders();
    req.write(first);
  });
}

function streamH2(url: string, first: string, last: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const session = http2.connect(u.origin);
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': u.pathname });
    let status = 0;
    let body = '';
    req.on('response', (h) => { status = Number(h[':status']); });
    req.once('data', () => req.end(last));
    req.on('data', (c: Buffer) => { body += c; });
    req.on('end', () => {
      session.close();
      resolve({ status, body });
    });
    req.on('error', reject);
    req.write(first);
  });
}
