/**
 * Routing on the wire: a real data plane (Node 24, as in the pods) in front of echo backends.
 * One gateway process for the whole file.
 */
import * as http from 'node:http';
import { ConfigBuilder, exact, prefix } from '../support/config-builder';
import { RunningEcho, startEchoServers } from '../support/echo';
import { rawRequest, request } from '../support/http';
import { Spawned, startDataPlane } from '../support/processes';

let gw: Spawned;
let echoes: RunningEcho[];

beforeAll(async () => {
  echoes = await startEchoServers('echo-a', 'echo-b');
  const b = new ConfigBuilder();
  const a = b.backend('echo-a');
  const bb = b.backend('echo-b');
  const down = b.backend('down');
  const downH2 = b.backend('down-h2', 80, { protocol: 'h2c' });
  const unmapped = b.backend('nowhere');
  const web = b.listener(80, { name: 'web' });
  b.route(web, { route: 'exact', matches: [{ path: exact('/exact') }], backends: [bb] });
  b.route(web, { route: 'canary', matches: [{ path: prefix('/match'), headers: [{ type: 'Exact', name: 'x-env', value: 'canary' }] }], backends: [bb] });
  b.route(web, { route: 'post-only', matches: [{ path: prefix('/match'), method: 'POST' }], backends: [bb] });
  b.route(web, { route: 'query', matches: [{ path: prefix('/match'), queryParams: [{ type: 'Exact', name: 'v', value: '2' }] }], backends: [bb] });
  b.route(web, { route: 'match-default', matches: [{ path: prefix('/match') }], backends: [a] });
  b.route(web, { route: 'weighted', matches: [{ path: prefix('/weighted') }], backends: [{ backend: a, weight: 1 }, { backend: bb, weight: 3 }] });
  b.route(web, {
    route: 'invalid',
    matches: [{ path: prefix('/invalid') }],
    backends: [{ invalid: { reason: 'BackendNotFound', message: 'Service default/missing not found' } }],
  });
  b.route(web, { route: 'empty', matches: [{ path: prefix('/empty') }], backends: [] });
  b.route(web, { route: 'down-h2', matches: [{ path: prefix('/down-h2') }], backends: [downH2] });
  b.route(web, { route: 'down', matches: [{ path: prefix('/down') }], backends: [down] });
  b.route(web, { route: 'dns', matches: [{ path: prefix('/dns') }], backends: [unmapped] });
  b.route(web, { route: 'catch-all', backends: [a] });
  const shop = b.listener(80, { name: 'shop', hostname: 'shop.example.com' });
  b.route(shop, { route: 'shop', backends: [bb] });
  const api = b.listener(8080, { name: 'api', hostname: '*.api.example.com' });
  b.route(api, { route: 'api-v1', matches: [{ path: prefix('/v1') }], backends: [a] });
  gw = await startDataPlane({
    config: b.build(),
    backends: { [a]: echoes[0].target, [bb]: echoes[1].target, [down]: '127.0.0.1:1', [downH2]: '127.0.0.1:1' },
  });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
});

test('an exact path match wins over the catch-all prefix', async () => {
  const exactRes = await request(gw.url(80, '/exact'));
  const below = await request(gw.url(80, '/exact/more'));
  expect(exactRes.json.pod).toBe('echo-b');
  expect(below.json.pod).toBe('echo-a');
});

test('header, method and query matches select their rules', async () => {
  expect((await request(gw.url(80, '/match'), { headers: { 'x-env': 'canary' } })).json.pod).toBe('echo-b');
  expect((await request(gw.url(80, '/match'), { method: 'POST', body: 'x' })).json.pod).toBe('echo-b');
  expect((await request(gw.url(80, '/match?v=2'))).json.pod).toBe('echo-b');
  expect((await request(gw.url(80, '/match?v=3'))).json.pod).toBe('echo-a');
});

test('prefixes match whole path segments only', async () => {
  // /matchbox is not under /match
  const res = await request(gw.url(80, '/matchbox'), { headers: { 'x-env': 'canary' } });
  expect(res.json.pod).toBe('echo-a');
  expect(res.json.path).toBe('/matchbox');
});

test("a listener's hostname isolates its routes from the port's other listener", async () => {
  const res = await request(gw.url(80, '/exact'), { host: 'shop.example.com' });
  expect(res.json.pod).toBe('echo-b');
  // web's /exact route would also say echo-b: prove it is shop's route via a path only web routes elsewhere
  const other = await request(gw.url(80, '/match'), { host: 'shop.example.com' });
  expect(other.json.pod).toBe('echo-b');
});

test('a host no listener accepts gets 404 GW_UNKNOWN_HOST', async () => {
  const res = await request(gw.url(8080, '/v1/x'), { host: 'www.example.com' });
  expect(res.status).toBe(404);
  expect(res.headers['x-gateway-error']).toBe('GW_UNKNOWN_HOST');
  expect(res.json.error.code).toBe('GW_UNKNOWN_HOST');
});

test('a 404 answered by the gateway keeps the connection open for the next request', async () => {
  const raw = await rawRequest(gw.ports.get(8080)!,
    'GET /v1/x HTTP/1.1\r\nHost: www.example.com\r\n\r\nGET /v1/y HTTP/1.1\r\nHost: eu.api.example.com\r\nConnection: close\r\n\r\n');
  expect(raw).toMatch(/^HTTP\/1\.1 404 /);
  expect(raw).not.toMatch(/404 Not Found\r\n(?:[^\r]+\r\n)*connection: close/i);
  expect(raw).toMatch(/HTTP\/1\.1 200 OK[\s\S]*"pod":"echo-a"/);
});

test('a wildcard listener accepts subdomains; a path no route matches gets 404 GW_NO_ROUTE', async () => {
  const ok = await request(gw.url(8080, '/v1/items'), { host: 'eu.api.example.com' });
  expect(ok.status).toBe(200);
  expect(ok.json.pod).toBe('echo-a');
  const miss = await request(gw.url(8080, '/v2/items'), { host: 'eu.api.example.com' });
  expect(miss.status).toBe(404);
  expect(miss.headers['x-gateway-error']).toBe('GW_NO_ROUTE');
});

test('weighted backends share traffic by weight', async () => {
  const counts: Record<string, number> = { 'echo-a': 0, 'echo-b': 0 };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  await Promise.all(Array.from({ length: 200 }, async () => {
    const res = await request(gw.url(80, '/weighted'), { agent });
    counts[res.json.pod]++;
  }));
  agent.destroy();
  // expected 50 / 150; the bounds are > 6 standard deviations wide
  expect(counts['echo-b']).toBeGreaterThan(110);
  expect(counts['echo-b']).toBeLessThan(185);
  expect(counts['echo-a'] + counts['echo-b']).toBe(200);
});

test('an invalid backend reference answers 500 GW_INVALID_BACKEND', async () => {
  const res = await request(gw.url(80, '/invalid'));
  expect(res.status).toBe(500);
  expect(res.headers['x-gateway-error']).toBe('GW_INVALID_BACKEND');
});

test('a rule without backends answers 500 GW_NO_BACKEND', async () => {
  const res = await request(gw.url(80, '/empty'));
  expect(res.status).toBe(500);
  expect(res.headers['x-gateway-error']).toBe('GW_NO_BACKEND');
});

test('an unreachable backend answers 503 GW_UPSTREAM_UNREACHABLE', async () => {
  const res = await request(gw.url(80, '/down'));
  expect(res.status).toBe(503);
  expect(res.headers['x-gateway-error']).toBe('GW_UPSTREAM_UNREACHABLE');
});

test('an unreachable h2c backend answers 503 GW_UPSTREAM_UNREACHABLE too', async () => {
  for (let i = 0; i < 12; i++) {
    const res = await request(gw.url(80, '/down-h2'));
    expect(res.status).toBe(503);
    expect(res.headers['x-gateway-error']).toBe('GW_UPSTREAM_UNREACHABLE');
  }
});

test('a Service with no --backend mapping is resolved through cluster DNS, and fails with 503 outside a cluster', async () => {
  const res = await request(gw.url(80, '/dns'));
  expect(res.status).toBe(503);
  expect(res.headers['x-gateway-error']).toBe('GW_UPSTREAM_UNREACHABLE');
  await gw.waitForLine(/"error":"GW_UPSTREAM_UNREACHABLE","detail":"cannot resolve nowhere\.default\.svc\.cluster\.local/);
});

test('every request gets one JSON access-log line with route, rule, backend, status, bytes and timings', async () => {
  await request(gw.url(80, '/exact?log-me=1'));
  const line = await gw.waitForLine(/"msg":"access".*"path":"\/exact"/);
  const rec = JSON.parse(line);
  expect(rec).toMatchObject({
    method: 'GET', path: '/exact', status: 200, listener: 'web', route: 'HTTPRoute/default/exact', rule: '0', backend: 'default/echo-b:80',
  });
  expect(rec.bytesOut).toBeGreaterThan(0);
  expect(typeof rec.durationMs).toBe('number');
  expect(typeof rec.upstreamMs).toBe('number');
});

test('the admin port serves /healthz, /readyz and Prometheus /metrics', async () => {
  const base = `http://127.0.0.1:${gw.adminPort}`;
  expect((await request(`${base}/healthz`)).status).toBe(200);
  expect((await request(`${base}/readyz`)).status).toBe(200);
  await request(gw.url(80, '/exact'));
  const metrics = (await request(`${base}/metrics`)).body;
  expect(metrics).toMatch(/cdk8s_gateway_http_requests_total\{gateway="default\/gw",route="HTTPRoute\/default\/exact",rule="0",backend="default\/echo-b:80",code="200"\} \d+/);
  expect(metrics).toMatch(/cdk8s_gateway_http_request_duration_seconds_bucket\{gateway="default\/gw",route="HTTPRoute\/default\/exact",le="0.005"\} \d+/);
  expect(metrics).toMatch(/cdk8s_gateway_errors_total\{gateway="default\/gw",code="GW_INVALID_BACKEND"\} [1-9]/);
  expect(metrics).toMatch(/cdk8s_gateway_upstream_errors_total\{gateway="default\/gw",backend="default\/down:80",code="GW_UPSTREAM_UNREACHABLE"\} [1-9]/);
  expect(metrics).toMatch(/cdk8s_gateway_active_connections\{gateway="default\/gw",port="80",kind="HTTP"\} \d+/);
  expect(metrics).toMatch(/cdk8s_gateway_config_generation\{gateway="default\/gw"\} 1/);
});
