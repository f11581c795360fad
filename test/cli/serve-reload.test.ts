/**
 * The laptop dev loop: `serve --manifests dist/` keeps serving while dist/ is rewritten (a re-synth), picks up
 * the new routes without a failed request, and refuses manifests that do not parse or compile, naming the
 * file and object, while the last good config keeps serving.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { RunningEcho, startEchoServers } from '../support/echo';
import { request } from '../support/http';
import { scrape, sumOf } from '../support/metrics';
import { CLI_JS, Spawned, startCli, tempDir } from '../support/processes';
import { waitFor } from '../support/wait';

const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: edge, namespace: infra }
spec:
  gatewayClassName: cdk8s-gateway
  listeners:
  - { name: web, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: All } } }
`;

function route(name: string, prefix: string, service: string): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: shop }
spec:
  parentRefs: [{ name: edge, namespace: infra }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: ${prefix} } }]
    backendRefs: [{ name: ${service}, port: 8080 }]
`;
}

let echoes: RunningEcho[];
let dist: string;
let gw: Spawned;

beforeAll(async () => {
  echoes = await startEchoServers('a-1', 'b-1');
  dist = tempDir('gw-dev-loop-');
  fs.writeFileSync(path.join(dist, 'platform.k8s.yaml'), GATEWAY);
  fs.writeFileSync(path.join(dist, 'shop.k8s.yaml'), route('a', '/a', 'a'));
  gw = await startCli(['serve', '--manifests', dist, '--port-map', '80=0', '--admin-port', '0',
    '--backend', `shop/a:8080=${echoes[0].target}`, '--backend', `shop/b:8080=${echoes[1].target}`]);
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
});

/** Requests to `path` from `concurrency` keep-alive clients until stopped; collects every failure. */
function load(url: string, concurrency: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const failures: string[] = [];
  let done = 0;
  let running = true;
  const one = () => new Promise<void>((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) failures.push(`status ${res.statusCode}`);
        done++;
        resolve();
      });
    });
    req.on('error', (e) => {
      failures.push(e.message);
      resolve();
    });
  });
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) await one();
  });
  return {
    failures,
    get done() {
      return done;
    },
    stop: async () => {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

test('a re-synth that adds a route: the new route answers, with no failed request in between', async () => {
  // GIVEN traffic on the existing route
  expect((await request(gw.url(80, '/a'))).json.pod).toBe('a-1');
  expect((await request(gw.url(80, '/b'))).status).toBe(404);
  const traffic = load(gw.url(80, '/a/items'), 4);

  // WHEN dist/ is rewritten in place, the way cdk8s synth writes it
  await waitFor(() => traffic.done > 20, 10_000);
  fs.writeFileSync(path.join(dist, 'platform.k8s.yaml'), GATEWAY);
  fs.writeFileSync(path.join(dist, 'shop.k8s.yaml'), route('a', '/a', 'a') + route('b', '/b', 'b'));

  // THEN
  await gw.waitForLine(/^reloaded Gateway infra\/edge from the changed manifests \(config generation 2\)$/, 10_000);
  expect((await request(gw.url(80, '/b/x'))).json.pod).toBe('b-1');
  const before = traffic.done;
  await waitFor(() => traffic.done > before + 20, 10_000);
  await traffic.stop();
  expect(traffic.failures).toEqual([]);
});

test('a file that does not parse is refused, naming the file; the last good routes keep answering', async () => {
  // WHEN
  const broken = path.join(dist, 'broken.k8s.yaml');
  fs.writeFileSync(broken, 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x\n');

  // THEN
  await waitFor(() => gw.stderr.join('').includes('refused'), 10_000).catch(() => undefined);
  expect(gw.stderr.join('')).toContain('the changed manifests were refused; still serving the last good config');
  expect(gw.stderr.join('')).toContain(`error: ${broken}: document 0 (line`);
  expect((await request(gw.url(80, '/a'))).json.pod).toBe('a-1');
  expect((await request(gw.url(80, '/b'))).json.pod).toBe('b-1');
  fs.rmSync(broken);
});

test('an object the compiler cannot use is refused, naming the file, the object and the field', async () => {
  // GIVEN the stderr so far
  const seen = gw.stderr.join('').length;

  // WHEN route b's port becomes a word
  fs.writeFileSync(path.join(dist, 'shop.k8s.yaml'), route('a', '/a', 'a') + route('b', '/b', 'b').replace('port: 8080', 'port: eighty'));

  // THEN
  await waitFor(() => gw.stderr.join('').slice(seen).includes('refused'), 10_000).catch(() => undefined);
  expect(gw.stderr.join('').slice(seen)).toContain(`error: ${path.join(dist, 'shop.k8s.yaml')}#1: HTTPRoute shop/b: spec.rules[0].backendRefs[0].port: must be an integer`);
  expect((await request(gw.url(80, '/b'))).json.pod).toBe('b-1');

  // WHEN it is fixed, and route a removed
  fs.writeFileSync(path.join(dist, 'shop.k8s.yaml'), route('b', '/b', 'b'));

  // THEN
  await gw.waitForLine(/^reloaded Gateway infra\/edge .*generation 3\)$/, 10_000);
  expect((await request(gw.url(80, '/a'))).status).toBe(404);
  expect((await request(gw.url(80, '/b'))).json.pod).toBe('b-1');
});

test('a synth that empties dist/ before writing it again (cdk8s synth does) is waited for, not refused', async () => {
  // GIVEN
  const seen = gw.stderr.join('').length;

  // WHEN dist/ is removed, stays gone for a while, then comes back with route a again
  fs.rmSync(dist, { recursive: true });
  await gw.waitForLine(/^the manifests are gone or empty \(a synth in progress\?\); still serving the last good config of Gateway infra\/edge$/, 10_000);
  expect((await request(gw.url(80, '/b'))).json.pod).toBe('b-1');
  fs.mkdirSync(dist);
  fs.writeFileSync(path.join(dist, 'platform.k8s.yaml'), GATEWAY);
  fs.writeFileSync(path.join(dist, 'shop.k8s.yaml'), route('a', '/a', 'a'));

  // THEN
  await gw.waitForLine(/^reloaded Gateway infra\/edge .*generation 4\)$/, 10_000);
  expect((await request(gw.url(80, '/a'))).json.pod).toBe('a-1');
  expect(gw.stderr.join('').slice(seen)).not.toContain('refused');
});

test('a route whose path does not start with "/" is refused with the object, field and value, and /metrics shows the refusal', async () => {
  // GIVEN
  const seen = gw.stderr.join('').length;
  const failures = async () => sumOf(await scrape(gw), 'cdk8s_gateway_config_reloads_total', { result: 'failure' });
  const lastOk = async () => sumOf(await scrape(gw), 'cdk8s_gateway_config_last_reload_successful');
  const before = await failures();
  expect(await lastOk()).toBe(1);

  // WHEN a route's PathPrefix is "c" (the API server refuses it: Gateway API CRD validation)
  const shop = path.join(dist, 'shop.k8s.yaml');
  fs.writeFileSync(shop, route('a', '/a', 'a') + route('c', 'c', 'b'));

  // THEN the whole change is refused, naming the object, the field and the value, and /metrics says so
  await waitFor(() => gw.stderr.join('').slice(seen).includes('refused'), 10_000);
  const err = gw.stderr.join('').slice(seen);
  expect(err).toContain('the changed manifests were refused; still serving the last good config');
  expect(err).toContain(`error: ${shop}#1: HTTPRoute shop/c: spec.rules[0].matches[0].path.value: must start with "/"`);
  expect(err).toContain('(value: "c")');
  expect(await failures()).toBe(before + 1);
  expect(await lastOk()).toBe(0);
  expect((await request(gw.url(80, '/a'))).json.pod).toBe('a-1');

  // WHEN it is fixed
  fs.writeFileSync(shop, route('a', '/a', 'a') + route('c', '/c', 'b'));

  // THEN
  await gw.waitForLine(/^reloaded Gateway infra\/edge /, 10_000);
  await waitFor(() => gw.lines.some((l) => /^reloaded .*generation 5\)$/.test(l)), 10_000);
  expect((await request(gw.url(80, '/c'))).json.pod).toBe('b-1');
  expect(await lastOk()).toBe(1);
});

test('serve refuses to start on manifests with a route the API server would refuse, naming the object, field and value', () => {
  const dir = tempDir('gw-bad-start-');
  fs.writeFileSync(path.join(dir, 'all.yaml'), GATEWAY + route('c', 'c', 'b'));
  const r = spawnSync(process.execPath, [CLI_JS, 'serve', '--manifests', dir, '--port-map', '80=0'], { encoding: 'utf8', timeout: 20_000 });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('HTTPRoute shop/c: spec.rules[0].matches[0].path.value: must start with "/"');
  expect(r.stderr).toContain('(value: "c")');
  expect(r.stdout).not.toMatch(/^ready$/m);
});
