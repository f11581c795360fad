/**
 * The end-to-end suites run the data plane on Node 24 (the pods' Node). This smoke subset runs the same
 * bundle on the development machine's Node (20): routing, h2c, TLS with ALPN h2, an h2c backend and WebSocket.
 */
import * as path from 'node:path';
import { selfSignedCert, writeSecret } from '../support/certs';
import { ConfigBuilder, prefix } from '../support/config-builder';
import { RunningEcho, startEchoServers } from '../support/echo';
import { request, request2 } from '../support/http';
import { Spawned, startDataPlane, tempDir } from '../support/processes';
import { firstWebSocketMessage } from '../support/websocket';

let gw: Spawned;
let echoes: RunningEcho[];
const cert = selfSignedCert(['secure.example.com']);

beforeAll(async () => {
  echoes = await startEchoServers('echo-a', 'echo-h2');
  const secrets = tempDir('gw-secrets-');
  writeSecret(secrets, 'default/secure', cert);
  const b = new ConfigBuilder();
  const a = b.backend('echo-a');
  const ws = b.backend('echo-ws', 80, { protocol: 'ws' });
  const h2 = b.backend('echo-h2', 80, { protocol: 'h2c' });
  const web = b.listener(80, { name: 'web' });
  b.route(web, { route: 'ws', matches: [{ path: prefix('/ws') }], backends: [ws] });
  b.route(web, { route: 'h2c-backend', matches: [{ path: prefix('/to-h2c') }], backends: [h2] });
  b.route(web, { route: 'all', backends: [a] });
  b.route(b.listener(443, { name: 'secure', hostname: 'secure.example.com', certificates: ['default/secure'] }), { route: 'secure', backends: [a] });
  gw = await startDataPlane({
    config: b.build(),
    node: process.execPath,
    secretsDir: secrets,
    backends: { [a]: echoes[0].target, [ws]: echoes[0].target, [h2]: echoes[1].target },
  });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
});

test(`the data plane runs on this Node (${process.version})`, async () => {
  const res = await request(gw.url(80, '/hello'));
  expect(res.status).toBe(200);
  expect(res.json.pod).toBe('echo-a');
  expect(path.basename(gw.proc.spawnfile)).toBe(path.basename(process.execPath));
});

test('h2c with prior knowledge', async () => {
  const res = await request2(gw.url(80, '/h2c'));
  expect(res.status).toBe(200);
  expect(res.json.path).toBe('/h2c');
});

test('TLS with ALPN h2', async () => {
  const res = await request2(`https://127.0.0.1:${gw.ports.get(443)}/tls`, { host: 'secure.example.com', ca: cert.cert });
  expect(res.alpn).toBe('h2');
  expect(res.json.headers['x-forwarded-proto']).toBe('https');
});

// Node 24 takes a backend request's headers as a flat list; Node 20 refuses one, and gets the headers object
test('an h2c backend: a repeated request header reaches it, and its answer comes back', async () => {
  const res = await request(gw.url(80, '/to-h2c/x'), { method: 'POST', body: 'to h2c', headers: { 'x-twice': ['one', 'two'] } });
  expect(res.status).toBe(200);
  expect(res.json.pod).toBe('echo-h2');
  expect(res.json.protocol).toBe('HTTP/2');
  expect(res.json.body).toBe('to h2c');
  expect(res.json.headers['x-twice']).toBe('one, two');
});

test('WebSocket', async () => {
  const first = await firstWebSocketMessage(gw.url(80, '/ws'));
  expect(JSON.parse(first).pod).toBe('echo-a');
});
