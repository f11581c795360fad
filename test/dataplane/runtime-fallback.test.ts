/**
 * The data plane drives Node's undocumented `_http_common` HTTPParser on its HTTP/1.1 path. When a Node
 * release removes or changes it, the data plane must say so at start and keep serving through node:http.
 * Simulated here in the child process by a `--require` preload that hides or breaks that module.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { selfSignedCert, writeSecret } from '../support/certs';
import { ConfigBuilder, prefix } from '../support/config-builder';
import { RunningEcho, startEchoServers } from '../support/echo';
import { request } from '../support/http';
import { Spawned, startDataPlane, tempDir } from '../support/processes';
import { firstWebSocketMessage } from '../support/websocket';

const cert = selfSignedCert(['secure.example.com']);
let echoes: RunningEcho[];
let secrets: string;

/** A preload that makes `require(name)` return `replacement` (or throw when it is undefined). */
function preload(body: string): Record<string, string> {
  const file = path.join(tempDir('gw-preload-'), 'preload.js');
  fs.writeFileSync(file, `const Module = require('module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === '_http_common') { ${body} }
  return load.call(this, request, ...rest);
};
`);
  return { NODE_OPTIONS: `--require ${file}` };
}

function config() {
  const b = new ConfigBuilder();
  const a = b.backend('echo-a');
  const ws = b.backend('echo-ws', 80, { protocol: 'ws' });
  const web = b.listener(80, { name: 'web' });
  b.route(web, { route: 'ws', matches: [{ path: prefix('/ws') }], backends: [ws] });
  b.route(web, { route: 'app', matches: [{ path: prefix('/app') }], backends: [a] });
  b.route(b.listener(443, { name: 'secure', hostname: 'secure.example.com', certificates: ['default/secure'] }), { route: 'secure', backends: [a] });
  return { config: b.build(), backends: { [a]: echoes[0].target, [ws]: echoes[0].target } };
}

function httpsGet(port: number, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: p, servername: 'secure.example.com', headers: { host: 'secure.example.com' }, ca: cert.cert, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject);
  });
}

beforeAll(async () => {
  echoes = await startEchoServers('echo-a');
  secrets = tempDir('gw-secrets-');
  writeSecret(secrets, 'default/secure', cert);
});

afterAll(async () => {
  await Promise.all((echoes ?? []).map((e) => e.close()));
});

describe('when _http_common is missing', () => {
  let gw: Spawned;
  beforeAll(async () => {
    gw = await startDataPlane({ ...config(), secretsDir: secrets, env: preload("throw new Error(\"Cannot find module '_http_common'\");") });
  });
  afterAll(async () => gw?.stop());

  test('the start log says why HTTP/1.1 goes through node:http', () => {
    const warning = gw.json().find((l) => /served through node:http/.test(l.msg));
    expect(warning).toMatchObject({ level: 'warn', reason: expect.stringMatching(/require\('_http_common'\) failed: Cannot find module '_http_common'/) });
    expect(warning!.fix).toMatch(/dataPlane\.image/);
  });

  test('routes, request bodies and gateway errors still work on the wire', async () => {
    const get = await request(gw.url(80, '/app/x?q=1'));
    expect(get.status).toBe(200);
    expect(get.json).toMatchObject({ pod: 'echo-a', method: 'GET', path: '/app/x?q=1' });
    const post = await request(gw.url(80, '/app/upload'), { method: 'POST', body: 'x'.repeat(100_000) });
    expect(post.status).toBe(200);
    expect(post.json.method).toBe('POST');
    const none = await request(gw.url(80, '/nowhere'));
    expect(none.status).toBe(404);
    expect(none.headers['x-gateway-error']).toBe('GW_NO_ROUTE');
  });

  test('HTTPS listeners serve HTTP/1.1 too', async () => {
    const res = await httpsGet(gw.ports.get(443)!, '/tls');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).headers['x-forwarded-proto']).toBe('https');
  });

  test('WebSocket upgrades are tunnelled', async () => {
    const first = await firstWebSocketMessage(gw.url(80, '/ws'));
    expect(JSON.parse(first).pod).toBe('echo-a');
  });
});

test('a changed HTTPParser (a method gone) is detected and named', async () => {
  const gw = await startDataPlane({
    ...config(),
    secretsDir: secrets,
    env: preload(`const real = load.call(this, request, ...rest);
    class HTTPParser extends real.HTTPParser {}
    Object.assign(HTTPParser, real.HTTPParser);
    HTTPParser.prototype.consume = undefined;
    return { ...real, HTTPParser };`),
  });
  try {
    const res = await request(gw.url(80, '/app/changed'));
    expect(res.status).toBe(200);
    expect(gw.json().find((l) => /served through node:http/.test(l.msg))?.reason).toBe('_http_common.HTTPParser.prototype.consume is not a function');
  } finally {
    await gw.stop();
  }
});

test('on the pinned Node the native parser is used (no fallback warning)', async () => {
  const gw = await startDataPlane({ ...config(), secretsDir: secrets });
  try {
    expect((await request(gw.url(80, '/app/native'))).status).toBe(200);
    expect(gw.json().filter((l) => /served through node:http/.test(l.msg))).toEqual([]);
  } finally {
    await gw.stop();
  }
});
