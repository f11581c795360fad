/**
 * Hot reload: the config file lives in a volume swapped the way a ConfigMap volume is (atomic `..data`
 * symlink). A valid config is served without dropping a request; an invalid one is refused and the last
 * good one keeps serving.
 */
import * as http from 'node:http';
import type { DataPlaneConfig } from '../../src/config/dataplane-config';
import { ConfigBuilder, prefix } from '../support/config-builder';
import { RunningEcho, startEchoServers } from '../support/echo';
import { request } from '../support/http';
import { Spawned, startDataPlane, tempDir } from '../support/processes';
import { AtomicVolume } from '../support/volume';
import { waitFor } from '../support/wait';

let gw: Spawned;
let echoes: RunningEcho[];
let volume: AtomicVolume;
let generation = 1;

/** The config of version `v`: every response carries `x-config-version: v`; `extraPort` adds a port. */
function configVersion(v: number, extraPort?: number): DataPlaneConfig {
  const b = new ConfigBuilder();
  const a = b.backend('echo-a');
  const web = b.listener(80, { name: 'web' });
  b.route(web, {
    route: 'all',
    matches: [{ path: prefix('/') }],
    backends: [a],
    filters: [{ type: 'ResponseHeaderModifier', set: [{ name: 'x-config-version', value: String(v) }], add: [], remove: [] }],
  });
  if (extraPort) {
    const extra = b.listener(extraPort, { name: 'extra' });
    b.route(extra, { route: 'extra', backends: [a] });
  }
  return b.build();
}

async function reloadTo(content: string): Promise<void> {
  volume.write({ 'config.json': content });
  generation++;
  await gw.waitForLine(new RegExp(`"msg":"config reloaded","generation":${generation}\\b`));
}

beforeAll(async () => {
  echoes = await startEchoServers('echo-a');
  volume = new AtomicVolume(tempDir('gw-configmap-'));
  volume.write({ 'config.json': JSON.stringify(configVersion(1)) });
  gw = await startDataPlane({
    config: volume.file('config.json'),
    backends: { 'default/echo-a:80': echoes[0].target },
    // the extra port of a later config binds on a free port too
    args: ['--port-map', '8081=0'],
  });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
});

test('50 reloads under concurrent load fail no request', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  let ok = 0;
  const failures: string[] = [];
  const versions = new Set<string>();
  let running = true;
  const worker = async () => {
    while (running) {
      try {
        const res = await request(gw.url(80, '/load'), { agent });
        if (res.status === 200) ok++;
        else failures.push(`status ${res.status}`);
        versions.add(String(res.headers['x-config-version']));
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  for (let v = 2; v <= 51; v++) await reloadTo(JSON.stringify(configVersion(v)));
  // let requests started on the last config finish
  await new Promise((r) => setTimeout(r, 200));
  running = false;
  await Promise.all(workers);
  agent.destroy();
  expect(failures).toEqual([]);
  expect(ok).toBeGreaterThan(100);
  expect(versions.size).toBeGreaterThan(10);
  const res = await request(gw.url(80, '/after'));
  expect(res.headers['x-config-version']).toBe('51');
});

test('a request in flight finishes on the config it started with', async () => {
  const before = await request(gw.url(80, '/x'));
  const slow = request(gw.url(80, '/slow?delay=800'));
  await new Promise((r) => setTimeout(r, 200));
  const next = Number(before.headers['x-config-version']) + 1;
  await reloadTo(JSON.stringify(configVersion(next)));
  expect((await request(gw.url(80, '/fast'))).headers['x-config-version']).toBe(String(next));
  expect((await slow).headers['x-config-version']).toBe(before.headers['x-config-version']);
});

test('an invalid config is refused, logged and counted; the last good config keeps serving', async () => {
  const before = await request(gw.url(80, '/x'));
  volume.write({ 'config.json': JSON.stringify({ ...configVersion(99), httpRules: 'nope' }) });
  const line = await gw.waitForLine(/"msg":"config reload refused; still serving the last good config"/);
  expect(line).toMatch(/httpRules: must be an array/);
  const after = await request(gw.url(80, '/x'));
  expect(after.status).toBe(200);
  expect(after.headers['x-config-version']).toBe(before.headers['x-config-version']);
  const metrics = (await request(`http://127.0.0.1:${gw.adminPort}/metrics`)).body;
  expect(metrics).toMatch(/cdk8s_gateway_config_reloads_total\{gateway="default\/gw",result="failure"\} 1/);
  expect(metrics).toMatch(/cdk8s_gateway_config_reloads_total\{gateway="default\/gw",result="success"\} 51/);
  expect(metrics).toMatch(/cdk8s_gateway_config_last_reload_successful\{gateway="default\/gw"\} 0/);
});

test('a config that gives a listener a route from a namespace it does not admit is refused (a team\'s listener, hand-edited)', async () => {
  const before = await request(gw.url(80, '/x'));
  const c = JSON.parse(JSON.stringify(configVersion(98)));
  c.ports[0].listeners[0].allowedNamespaces = ['payments'];
  volume.write({ 'config.json': JSON.stringify(c) });
  const line = await gw.waitForLine(/"msg":"config reload refused; still serving the last good config".*which listener \\"web\\" does not admit/);
  expect(line).toMatch(/HTTPRoute default\/all is from namespace \\"default\\"/);
  const after = await request(gw.url(80, '/x'));
  expect(after.headers['x-config-version']).toBe(before.headers['x-config-version']);
});

test('a truncated config file is refused the same way', async () => {
  volume.write({ 'config.json': JSON.stringify(configVersion(100)).slice(0, 100) });
  await gw.waitForLine(/is not valid JSON/);
  expect((await request(gw.url(80, '/x'))).status).toBe(200);
});

test.each([
  ['binary garbage', Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0x80, 0x0a])],
  ['an empty file', ''],
  ['JSON null', 'null'],
  ['a JSON array', '[1, 2, 3]'],
  ['another kind of document', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', data: {} })],
  ['a config with ports of the wrong type', JSON.stringify({ ...configVersion(101), ports: { 80: 'web' } })],
])('%s is refused and counted; the last good config keeps serving', async (_what, content) => {
  const refusals = () => gw.lines.filter((l) => l.includes('"msg":"config reload refused')).length;
  const failures = async () => Number(/cdk8s_gateway_config_reloads_total\{gateway="default\/gw",result="failure"\} (\d+)/
    .exec((await request(`http://127.0.0.1:${gw.adminPort}/metrics`)).body)![1]);
  const before = await request(gw.url(80, '/x'));
  const [refused, failed] = [refusals(), await failures()];
  volume.write({ 'config.json': content });
  await waitFor(() => refusals() > refused);
  expect(await failures()).toBe(failed + 1);
  const after = await request(gw.url(80, '/x'));
  expect(after.status).toBe(200);
  expect(after.headers['x-config-version']).toBe(before.headers['x-config-version']);
});

test('a new port in a reloaded config is bound and served', async () => {
  await reloadTo(JSON.stringify(configVersion(200, 8081)));
  await gw.waitForLine(/^listening HTTP 8081 /);
  const res = await request(gw.url(8081, '/new-port'));
  expect(res.status).toBe(200);
  expect(res.json.pod).toBe('echo-a');
  expect((await request(gw.url(80, '/old-port'))).headers['x-config-version']).toBe('200');
});
