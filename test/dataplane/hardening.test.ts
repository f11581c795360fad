/**
 * Security regressions: request smuggling, oversized and malformed requests, slow clients, and path
 * normalisation before routing. Every test also proves the process is still serving afterwards.
 */
import { ConfigBuilder, prefix } from '../support/config-builder';
import { RunningEcho, startEchoServers } from '../support/echo';
import { rawRequest, request } from '../support/http';
import { Spawned, startDataPlane } from '../support/processes';

let gw: Spawned;
let echoes: RunningEcho[];
let port: number;

beforeAll(async () => {
  echoes = await startEchoServers('public', 'admin');
  const b = new ConfigBuilder();
  const pub = b.backend('public');
  const admin = b.backend('admin');
  const web = b.listener(80, { name: 'web' });
  b.route(web, { route: 'admin', matches: [{ path: prefix('/admin') }], backends: [admin] });
  b.route(web, { route: 'public', matches: [{ path: prefix('/public') }], backends: [pub] });
  gw = await startDataPlane({
    config: b.build(),
    backends: { [pub]: echoes[0].target, [admin]: echoes[1].target },
    args: ['--header-timeout', '1', '--max-headers', '20', '--max-header-size', '4096'],
  });
  port = gw.ports.get(80)!;
});

afterEach(async () => {
  // the process is alive and serving after whatever the test sent
  const res = await request(gw.url(80, '/public/ok'));
  expect(res.status).toBe(200);
  expect(gw.exitCode).toBeUndefined();
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
});

const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);

describe('request smuggling', () => {
  test('Content-Length together with Transfer-Encoding is refused with 400', async () => {
    const raw = await rawRequest(port, 'POST /public/x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin/x HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(statusOf(raw)).toBe(400);
    expect(raw).toMatch(/x-gateway-error: GW_BAD_REQUEST/);
    expect(raw).not.toMatch(/"pod":"admin"/);
  });

  test('two different Content-Length headers are refused with 400', async () => {
    const raw = await rawRequest(port, 'POST /public/x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\nabc');
    expect(statusOf(raw)).toBe(400);
  });

  test('an invalid chunk size is refused with 400 and the connection closed', async () => {
    const raw = await rawRequest(port, 'POST /public/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n');
    expect(statusOf(raw) === 400 || raw === '').toBe(true);
    expect(raw).not.toMatch(/200 OK/);
  });

  test('a Transfer-Encoding other than chunked on a request is refused', async () => {
    const raw = await rawRequest(port, 'POST /public/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nabc');
    expect(statusOf(raw)).toBe(400);
  });

  test('two Host headers are refused with 400', async () => {
    const raw = await rawRequest(port, 'GET /public/x HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n');
    expect(statusOf(raw)).toBe(400);
  });

  test('an HTTP/1.1 request without Host is refused with 400', async () => {
    const raw = await rawRequest(port, 'GET /public/x HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(statusOf(raw)).toBe(400);
  });

  test('an Upgrade: h2c request is answered as plain HTTP/1.1; the upgrade never reaches the backend', async () => {
    const raw = await rawRequest(port, 'GET /public/h2c HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n');
    expect(statusOf(raw)).toBe(200);
    const echo = JSON.parse(raw.slice(raw.indexOf('{')));
    expect(echo.headers.upgrade).toBeUndefined();
    expect(echo.headers['http2-settings']).toBeUndefined();
  });

  test('pipelined requests are answered in order, each routed on its own', async () => {
    const raw = await rawRequest(port, 'GET /public/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /admin/2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const pods = [...raw.matchAll(/"pod":"(\w+)","namespace":"default","method":"GET","path":"([^"]+)"/g)].map((m) => `${m[1]}${m[2]}`);
    expect(pods).toEqual(['public/public/1', 'admin/admin/2']);
  });
});

describe('limits', () => {
  test('headers larger than --max-header-size get 431', async () => {
    const raw = await rawRequest(port, `GET /public/x HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\n`);
    expect(statusOf(raw)).toBe(431);
  });

  test('more header fields than --max-headers get 431', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `X-H${i}: v`).join('\r\n');
    const raw = await rawRequest(port, `GET /public/x HTTP/1.1\r\nHost: a\r\n${many}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(raw)).toBe(431);
    expect(raw).toMatch(/GW_HEADERS_TOO_LARGE/);
  });

  test('a client that does not finish its request head within --header-timeout gets 408 and is disconnected', async () => {
    const raw = await rawRequest(port, 'GET /public/x HTTP/1.1\r\nHost: a\r\nX-Slow: ', 5000);
    expect(statusOf(raw)).toBe(408);
    expect(raw).toMatch(/GW_CLIENT_TIMEOUT/);
  });
});

describe('invalid request heads (issue 17, item 6; nginx answers the same)', () => {
  test.each([
    ['a space', 'a b'],
    ['a path, query and fragment', 'x/y?#'],
    ['userinfo', 'a@b'],
    ['a backslash', 'a\\b'],
    ['a port that is not a number', 'a:b'],
    ['two ports', 'a:80:80'],
    ['a port above 65535', 'a:99999'],
    ['an unclosed IPv6 literal', '[::1'],
    ['an empty label', 'a..b'],
    ['a tab', 'a\tb'],
    ['a non-ASCII name', 'caf\u00e9.example'],
  ])('a Host with %s is refused with 400 and never reaches a backend', async (_what, host) => {
    const raw = await rawRequest(port, `GET /public/x HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    expect(statusOf(raw)).toBe(400);
    expect(raw).toMatch(/x-gateway-error: GW_BAD_REQUEST/);
    expect(raw).toMatch(/connection: close/);
    expect(raw).not.toMatch(/"pod":/);
  });

  test.each(['[::1]:8080', 'a_b.example', 'Shop.Example.COM.', '10.0.0.1:80', 'a:', 'a%20b'])('a Host of %s is a valid host[:port] and is served', async (host) => {
    const raw = await rawRequest(port, `GET /public/x HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(raw)).toBe(200);
  });

  test.each(['HTTP/2.0', 'HTTP/3.0', 'HTTP/9.9'])('a request line claiming %s on an HTTP/1 port gets 505 and is not forwarded', async (version) => {
    const raw = await rawRequest(port, `GET /public/x ${version}\r\nHost: a\r\n\r\n`);
    expect(statusOf(raw)).toBe(505);
    expect(raw).toMatch(/x-gateway-error: GW_HTTP_VERSION_NOT_SUPPORTED/);
    expect(raw).not.toMatch(/"pod":/);
  });

  test('a request line claiming HTTP/0.9 with headers gets 400', async () => {
    const raw = await rawRequest(port, 'GET /public/x HTTP/0.9\r\nHost: a\r\n\r\n');
    expect(statusOf(raw)).toBe(400);
    expect(raw).not.toMatch(/"pod":/);
  });

  test('an HTTP/1.2 request line is served as HTTP/1.1 (RFC 9110 section 6.2)', async () => {
    const raw = await rawRequest(port, 'GET /public/x HTTP/1.2\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(statusOf(raw)).toBe(200);
  });
});

describe('path normalisation', () => {
  test('dot segments are resolved before routing, and the backend sees the same path', async () => {
    const res = await request(gw.url(80, '/public/../admin/panel'));
    expect(res.json.pod).toBe('admin');
    expect(res.json.path).toBe('/admin/panel');
    const encoded = await request(gw.url(80, '/public/%2e%2e/admin/panel'));
    expect(encoded.json.pod).toBe('admin');
    expect(encoded.json.path).toBe('/admin/panel');
  });

  test('a path cannot climb above the root', async () => {
    const res = await request(gw.url(80, '/../../public/x'));
    expect(res.json.path).toBe('/public/x');
  });

  test('encoded slashes are refused rather than guessed at', async () => {
    const raw = await rawRequest(port, 'GET /public/..%2Fadmin/panel HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(statusOf(raw)).toBe(400);
    const backslash = await rawRequest(port, 'GET /public/..%5Cadmin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(statusOf(backslash)).toBe(400);
  });

  test('a malformed escape is refused with 400', async () => {
    const raw = await rawRequest(port, 'GET /public/%zz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(statusOf(raw)).toBe(400);
  });

  test('an absolute-form target routes by its authority', async () => {
    const raw = await rawRequest(port, 'GET http://example.com/admin/x HTTP/1.1\r\nHost: ignored\r\nConnection: close\r\n\r\n');
    expect(raw).toMatch(/"pod":"admin"/);
    expect(raw).toMatch(/"host":"example.com"/);
  });
});

describe('malformed input', () => {
  test.each([
    ['garbage', 'hello there\r\n\r\n'],
    ['a bad method', 'G@T / HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['a malformed version', 'GET / HTTP/x.y\r\nHost: a\r\n\r\n'],
    ['a header without colon', 'GET / HTTP/1.1\r\nHost a\r\n\r\n'],
    ['a bare LF in a header', 'GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n'],
    ['a NUL in a header value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\u0000b\r\n\r\n'],
    ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'],
    ['the asterisk form', 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n'],
  ])('%s gets 400', async (_name, data) => {
    const raw = await rawRequest(port, data);
    expect(statusOf(raw)).toBe(400);
  });

  test('random bytes never crash the process', async () => {
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    const prefixes = ['', 'GET / HTTP/1.1\r\n', 'POST /public HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'];
    await Promise.all(Array.from({ length: 100 }, (_, i) => {
      const bytes = Buffer.from(Array.from({ length: 1 + (rnd() % 300) }, () => rnd() % 256));
      return rawRequest(port, Buffer.concat([Buffer.from(prefixes[i % prefixes.length]), bytes]), 1500);
    }));
  });
});
