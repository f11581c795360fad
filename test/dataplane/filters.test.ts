/**
 * HTTPRoute filters, timeouts, retries and session persistence on the wire. One data plane for the file.
 */
import * as http from 'node:http';
import type * as net from 'node:net';
import type { HttpFilterConfig } from '../../src/config/dataplane-config';
import { ConfigBuilder, exact, prefix } from '../support/config-builder';
import { RunningEcho, startEchoServers } from '../support/echo';
import { request } from '../support/http';
import { Spawned, startDataPlane } from '../support/processes';
import { waitFor } from '../support/wait';

let gw: Spawned;
let echoes: RunningEcho[];
let mirrorTarget: http.Server;
const mirrored: { url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

const headerFilter = (type: 'RequestHeaderModifier' | 'ResponseHeaderModifier', f: { set?: [string, string][]; add?: [string, string][]; remove?: string[] }): HttpFilterConfig => ({
  type,
  set: (f.set ?? []).map(([name, value]) => ({ name, value })),
  add: (f.add ?? []).map(([name, value]) => ({ name, value })),
  remove: f.remove ?? [],
});

beforeAll(async () => {
  echoes = await startEchoServers('echo-a', 'echo-b');
  mirrorTarget = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      mirrored.push({ url: req.url ?? '', headers: req.headers, body });
      res.end('mirror ignores this');
    });
  });
  await new Promise<void>((r) => mirrorTarget.listen(0, '127.0.0.1', r));
  const b = new ConfigBuilder();
  const a = b.backend('echo-a');
  const bb = b.backend('echo-b');
  const mirror = b.backend('mirror');
  const down = b.backend('down');
  const web = b.listener(80, { name: 'web' });
  const p = (path: string) => [{ path: prefix(path) }];
  b.route(web, {
    route: 'req-headers',
    matches: p('/reqh'),
    backends: [a],
    filters: [headerFilter('RequestHeaderModifier', { set: [['X-Set', 'set-by-gateway']], add: [['X-Add', 'added']], remove: ['X-Remove'] })],
  });
  b.route(web, {
    route: 'resp-headers',
    matches: p('/resph'),
    backends: [a],
    filters: [headerFilter('ResponseHeaderModifier', { set: [['X-Resp-Set', 'new']], add: [['X-Resp-Add', 'two']], remove: ['X-Resp-Remove'] })],
  });
  b.route(web, {
    route: 'backend-headers',
    matches: p('/backendh'),
    backends: [{ backend: bb, filters: [headerFilter('RequestHeaderModifier', { add: [['X-Backend-Filter', 'b']] })] }],
    filters: [headerFilter('RequestHeaderModifier', { add: [['X-Rule-Filter', 'r']] })],
  });
  const redirect = (path: string, r: Omit<Extract<HttpFilterConfig, { type: 'RequestRedirect' }>, 'type'>) =>
    b.route(web, { route: `redirect${path.replace(/\//g, '-')}`, matches: p(path), backends: [], filters: [{ type: 'RequestRedirect', ...r }] });
  redirect('/to-https', { scheme: 'https', statusCode: 301 });
  redirect('/to-host', { hostname: 'other.example.com', statusCode: 302 });
  redirect('/to-port', { port: 8443, statusCode: 302 });
  redirect('/old', { path: { type: 'ReplacePrefixMatch', value: '/new' }, statusCode: 308 });
  redirect('/full', { path: { type: 'ReplaceFullPath', value: '/replaced' }, statusCode: 307 });
  b.route(web, {
    route: 'rewrite-prefix',
    matches: p('/rw'),
    backends: [a],
    filters: [{ type: 'URLRewrite', hostname: 'internal.example.com', path: { type: 'ReplacePrefixMatch', value: '/backend' } }],
  });
  b.route(web, { route: 'rewrite-root', matches: p('/strip'), backends: [a], filters: [{ type: 'URLRewrite', path: { type: 'ReplacePrefixMatch', value: '/' } }] });
  b.route(web, { route: 'rewrite-full', matches: [{ path: exact('/whole') }], backends: [a], filters: [{ type: 'URLRewrite', path: { type: 'ReplaceFullPath', value: '/only' } }] });
  b.route(web, { route: 'mirror-all', matches: p('/mirror-all'), backends: [a], filters: [{ type: 'RequestMirror', backend: mirror, percent: 100 }] });
  b.route(web, { route: 'mirror-half', matches: p('/mirror-half'), backends: [a], filters: [{ type: 'RequestMirror', backend: mirror, percent: 50 }] });
  b.route(web, {
    route: 'cors',
    matches: p('/cors'),
    backends: [a],
    filters: [{
      type: 'CORS',
      allowOrigins: ['https://app.example.com', 'https://*.example.org'],
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['x-custom'],
      exposeHeaders: ['x-exposed'],
      allowCredentials: true,
      maxAge: 600,
    }],
  });
  b.route(web, { route: 'sticky', matches: p('/sticky'), backends: [a, bb], sessionPersistence: { type: 'Cookie', sessionName: 'gw-session', cookieLifetime: 'Permanent', absoluteTimeoutMs: 3600_000 } });
  b.route(web, { route: 'sticky-header', matches: p('/hsticky'), backends: [a, bb], sessionPersistence: { type: 'Header', sessionName: 'x-session' } });
  b.route(web, { route: 'request-timeout', matches: p('/slow'), backends: [a], timeouts: { requestMs: 300 } });
  b.route(web, { route: 'backend-timeout', matches: p('/slow-backend'), backends: [a], timeouts: { backendRequestMs: 300 } });
  b.route(web, { route: 'retry', matches: p('/retry'), backends: [a], retry: { codes: [503], attempts: 3, backoffMs: 5 } });
  b.route(web, { route: 'retry-connect', matches: p('/failover'), backends: [down, a], retry: { codes: [], attempts: 1, backoffMs: 5 } });
  b.route(web, {
    route: 'unsupported',
    matches: p('/ext'),
    backends: [a],
    filters: [{ type: 'Unsupported', filterType: 'ExtensionRef', message: 'ExtensionRef example.com/Thing "x" is not supported' }],
  });
  gw = await startDataPlane({
    config: b.build(),
    backends: {
      [a]: echoes[0].target,
      [bb]: echoes[1].target,
      [down]: '127.0.0.1:1',
      [mirror]: `127.0.0.1:${(mirrorTarget.address() as net.AddressInfo).port}`,
    },
  });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
  mirrorTarget?.close();
});

describe('header modifiers', () => {
  test('RequestHeaderModifier sets, adds and removes request headers', async () => {
    const res = await request(gw.url(80, '/reqh'), { headers: { 'x-set': 'from-client', 'x-add': 'from-client', 'x-remove': 'gone' } });
    const h = res.json.headers;
    expect(h['x-set']).toBe('set-by-gateway');
    expect(h['x-add']).toBe('from-client, added');
    expect(h['x-remove']).toBeUndefined();
  });

  test('ResponseHeaderModifier sets, adds and removes response headers', async () => {
    const res = await request(gw.url(80, '/resph?header=x-resp-set:old&header=x-resp-add:one&header=x-resp-remove:secret'));
    expect(res.headers['x-resp-set']).toBe('new');
    expect(res.headers['x-resp-add']).toBe('one, two');
    expect(res.headers['x-resp-remove']).toBeUndefined();
  });

  test("a backendRef's filters apply after the rule's", async () => {
    const res = await request(gw.url(80, '/backendh'));
    expect(res.json.headers['x-rule-filter']).toBe('r');
    expect(res.json.headers['x-backend-filter']).toBe('b');
  });
});

describe('RequestRedirect', () => {
  test('scheme https: 301 to the same host and path on the default port', async () => {
    const res = await request(gw.url(80, '/to-https/a?x=1'), { host: 'shop.example.com:8080' });
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('https://shop.example.com/to-https/a?x=1');
  });

  test('hostname only: 302 keeping the scheme and the listener port (80, omitted)', async () => {
    const res = await request(gw.url(80, '/to-host'), { host: 'shop.example.com' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('http://other.example.com/to-host');
  });

  test('an explicit port appears in the Location', async () => {
    const res = await request(gw.url(80, '/to-port'), { host: 'shop.example.com' });
    expect(res.headers.location).toBe('http://shop.example.com:8443/to-port');
  });

  test('ReplacePrefixMatch keeps what follows the matched prefix', async () => {
    expect((await request(gw.url(80, '/old/a/b?q=1'), { host: 'h.example' })).headers.location).toBe('http://h.example/new/a/b?q=1');
    const bare = await request(gw.url(80, '/old'), { host: 'h.example' });
    expect(bare.status).toBe(308);
    expect(bare.headers.location).toBe('http://h.example/new');
  });

  test('ReplaceFullPath replaces the whole path', async () => {
    const res = await request(gw.url(80, '/full/x/y'), { host: 'h.example' });
    expect(res.status).toBe(307);
    expect(res.headers.location).toBe('http://h.example/replaced');
  });
});

describe('URLRewrite', () => {
  test('ReplacePrefixMatch and hostname rewrite what the backend sees', async () => {
    const res = await request(gw.url(80, '/rw/items/7?full=1'), { host: 'shop.example.com' });
    expect(res.json.path).toBe('/backend/items/7?full=1');
    expect(res.json.host).toBe('internal.example.com');
    expect(res.json.headers['x-forwarded-host']).toBe('shop.example.com');
  });

  test('ReplacePrefixMatch with "/" strips the prefix', async () => {
    expect((await request(gw.url(80, '/strip/a/b'))).json.path).toBe('/a/b');
    expect((await request(gw.url(80, '/strip'))).json.path).toBe('/');
  });

  test('ReplaceFullPath sends a fixed path', async () => {
    expect((await request(gw.url(80, '/whole?k=v'))).json.path).toBe('/only?k=v');
  });
});

describe('RequestMirror', () => {
  test('a copy of the request, body included, goes to the mirror; the client gets the real backend', async () => {
    const res = await request(gw.url(80, '/mirror-all/x'), { method: 'POST', body: 'payload', headers: { 'x-trace': 'm1' } });
    expect(res.json.pod).toBe('echo-a');
    await waitFor(() => mirrored.some((m) => m.headers['x-trace'] === 'm1'));
    const copy = mirrored.find((m) => m.headers['x-trace'] === 'm1')!;
    expect(copy.url).toBe('/mirror-all/x');
    expect(copy.body).toBe('payload');
  });

  test('percent mirrors about that share of requests', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => request(gw.url(80, `/mirror-half/${i}`), { agent })));
    agent.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const n = mirrored.filter((m) => m.url.startsWith('/mirror-half/')).length;
    // expected 100; > 5 standard deviations either side
    expect(n).toBeGreaterThan(60);
    expect(n).toBeLessThan(140);
  });
});

describe('CORS', () => {
  test('a preflight from an allowed origin is answered by the gateway', async () => {
    const res = await request(gw.url(80, '/cors'), {
      method: 'OPTIONS', headers: { 'origin': 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-custom' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(res.headers['access-control-allow-methods']).toBe('GET, POST');
    expect(res.headers['access-control-allow-headers']).toBe('x-custom');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(res.body).toBe('');
  });

  test('wildcard origins match subdomains; unlisted origins get no CORS headers', async () => {
    const ok = await request(gw.url(80, '/cors'), { headers: { origin: 'https://eu.example.org' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://eu.example.org');
    expect(ok.headers['access-control-expose-headers']).toBe('x-exposed');
    expect(ok.json.pod).toBe('echo-a');
    const denied = await request(gw.url(80, '/cors'), {
      method: 'OPTIONS', headers: { 'origin': 'https://evil.example.net', 'access-control-request-method': 'POST' },
    });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('session persistence', () => {
  test('a cookie session keeps a client on the backend that served it first', async () => {
    const first = await request(gw.url(80, '/sticky'));
    const cookie = String(first.headers['set-cookie']).split(';')[0];
    expect(cookie).toMatch(/^gw-session=/);
    expect(String(first.headers['set-cookie'])).toMatch(/Max-Age=3600/);
    const pods = new Set<string>();
    for (let i = 0; i < 20; i++) pods.add((await request(gw.url(80, '/sticky'), { headers: { cookie: `other=1; ${cookie}` } })).json.pod);
    expect([...pods]).toEqual([first.json.pod]);
  });

  test('a header session does the same with the header the gateway returned', async () => {
    const first = await request(gw.url(80, '/hsticky'));
    const token = first.headers['x-session'] as string;
    expect(token).toBeTruthy();
    const pods = new Set<string>();
    for (let i = 0; i < 20; i++) pods.add((await request(gw.url(80, '/hsticky'), { headers: { 'x-session': token } })).json.pod);
    expect([...pods]).toEqual([first.json.pod]);
  });

  test('without a session both backends serve', async () => {
    const pods = new Set<string>();
    for (let i = 0; i < 40; i++) pods.add((await request(gw.url(80, '/sticky'))).json.pod);
    expect(pods.size).toBe(2);
  });
});

describe('timeouts', () => {
  test('the request timeout answers 504 GW_REQUEST_TIMEOUT', async () => {
    const res = await request(gw.url(80, '/slow?delay=3000'));
    expect(res.status).toBe(504);
    expect(res.headers['x-gateway-error']).toBe('GW_REQUEST_TIMEOUT');
  });

  test('the backendRequest timeout answers 504 GW_UPSTREAM_TIMEOUT', async () => {
    const res = await request(gw.url(80, '/slow-backend?delay=3000'));
    expect(res.status).toBe(504);
    expect(res.headers['x-gateway-error']).toBe('GW_UPSTREAM_TIMEOUT');
  });

  test('a fast answer is not affected', async () => {
    expect((await request(gw.url(80, '/slow?delay=10'))).status).toBe(200);
  });
});

describe('retries', () => {
  test('a retryable status is retried until it succeeds', async () => {
    const res = await request(gw.url(80, '/retry?fail=2&key=retry-ok'));
    expect(res.status).toBe(200);
    const line = JSON.parse(await gw.waitForLine(/"msg":"access".*"path":"\/retry".*"status":200/));
    expect(line.attempts).toBe(3);
  });

  test('after the attempts are used up the last answer is returned', async () => {
    const res = await request(gw.url(80, '/retry?fail=10&key=retry-never'));
    expect(res.status).toBe(503);
    expect(res.headers['x-gateway-error']).toBeUndefined();
  });

  test('a connection error is retried on another backend of the rule', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await request(gw.url(80, '/failover'));
      expect(res.status).toBe(200);
      expect(res.json.pod).toBe('echo-a');
    }
  });
});

test('a filter this data plane cannot run answers 500 GW_UNSUPPORTED_FILTER', async () => {
  const res = await request(gw.url(80, '/ext'));
  expect(res.status).toBe(500);
  expect(res.headers['x-gateway-error']).toBe('GW_UNSUPPORTED_FILTER');
});

