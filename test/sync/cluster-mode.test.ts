/**
 * Cluster mode end to end: `cdk8s-gateway serve --kubeconfig` (sync in the CLI process, the data plane as
 * its child) against the stand-in API server, with echo backends as the pods behind EndpointSlices.
 * Objects are applied to the API server the way a team's pipeline would; what is checked is what a client
 * of the gateway sees on the wire.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  childPids, Cluster, gateway, GRANT_LABEL, GW_NS, load, namespace, route, serveCluster, service, slice, startCluster, until,
} from './cluster-fixture';
import { request } from '../support/http';
import { Spawned } from '../support/processes';
import { eventually } from '../support/wait';

let c: Cluster;
let gw: Spawned;
let url: (p: string) => string;

beforeAll(async () => {
  c = await startCluster(6);
  c.api.apply(
    namespace(GW_NS), namespace('shop', { [GRANT_LABEL]: 'granted' }), namespace('other'),
    gateway(), service('shop', 'web'), slice('shop', 'web', c.pods[0]), service('other', 'web'), slice('other', 'web', c.pods[5]),
    route('shop', 'stable', '/stable'),
  );
  gw = await serveCluster(c);
  url = (p) => gw.url(80, p);
}, 30_000);

afterAll(async () => {
  await gw?.stop();
  await Promise.all(c?.pods.map((p) => p.close()) ?? []);
  await c?.api.close();
});

test('a route applied to the API server is served within a second', async () => {
  expect((await request(url('/new'))).status).toBe(404);
  c.api.apply(route('shop', 'new', '/new'));
  const ms = await until(url('/new'), (s) => s === 200);
  expect(ms).toBeLessThan(1000);
});

test('changing a match serves the new behaviour while continuous load sees no failed request', async () => {
  c.api.apply(route('shop', 'moving', '/before'));
  await until(url('/before'), (s) => s === 200);
  const l = load(url('/stable'), 4);
  await until(url('/stable'), () => l.snapshot().ok > 50);
  c.api.apply(route('shop', 'moving', '/after'));
  await until(url('/after'), (s) => s === 200);
  expect((await request(url('/before'))).status).toBe(404);
  // a few more requests after the reload
  const mark = l.snapshot().ok;
  await until(url('/stable'), () => l.snapshot().ok > mark + 50);
  const r = await l.stop();
  expect(r.failed).toEqual([]);
  expect(r.ok).toBeGreaterThan(100);
});

test('deleting a route answers 404 for it', async () => {
  c.api.apply(route('shop', 'doomed', '/doomed'));
  await until(url('/doomed'), (s) => s === 200);
  c.api.remove('gateway.networking.k8s.io/v1', 'HTTPRoute', 'shop', 'doomed');
  await until(url('/doomed'), (s) => s === 404);
});

test('a team route in a namespace the listener does not allow is not served', async () => {
  c.api.apply(route('other', 'sneaky', '/sneaky'));
  // applied after it: once this one is served, the compile that saw the other one is too
  c.api.apply(route('shop', 'marker', '/marker'));
  await until(url('/marker'), (s) => s === 200);
  expect((await request(url('/sneaky'))).status).toBe(404);
  expect(gw.json().some((l) => l.msg?.startsWith('not served: HTTPRoute other/sneaky') && /NotAllowedByListeners/.test(l.msg))).toBe(true);
});

test('a Namespace relabelled out of the grant stops its routes being served, and back in serves them again', async () => {
  c.api.apply(namespace('team-b', { [GRANT_LABEL]: 'granted' }), service('team-b', 'web'), slice('team-b', 'web', c.pods[5]), route('team-b', 'b', '/team-b'));
  await until(url('/team-b'), (s) => s === 200);
  c.api.patch('v1', 'Namespace', '', 'team-b', { metadata: { labels: { [GRANT_LABEL]: null } } });
  await until(url('/team-b'), (s) => s === 404);
  c.api.patch('v1', 'Namespace', '', 'team-b', { metadata: { labels: { [GRANT_LABEL]: 'granted' } } });
  await until(url('/team-b'), (s) => s === 200);
});

test('endpoints scale 1 → 5 → 1 under load with no failed request, spread evenly over the ready ones', async () => {
  const l = load(url('/stable'), 8);
  await until(url('/stable'), () => l.snapshot().ok > 50);
  c.api.apply(c.pods.slice(1, 5).map((p) => slice('shop', 'web', p)));
  // every new pod answers: the new endpoints are in
  await until(url('/stable'), () => c.pods.slice(0, 5).every((p) => (l.snapshot().byPod.get(p.name) ?? 0) > 0));
  const before = l.snapshot();
  await until(url('/stable'), () => l.snapshot().ok > before.ok + 1000, 15_000);
  const after = l.snapshot();
  const counts = c.pods.slice(0, 5).map((p) => (after.byPod.get(p.name) ?? 0) - (before.byPod.get(p.name) ?? 0));
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  for (const n of counts) expect(Math.abs(n - mean) / mean).toBeLessThanOrEqual(0.2);
  // scale in: four slices go
  for (const p of c.pods.slice(1, 5)) c.api.remove('discovery.k8s.io/v1', 'EndpointSlice', 'shop', `web-${p.name}`);
  const mark = l.snapshot();
  await until(url('/stable'), () => {
    const s = l.snapshot();
    return (s.byPod.get('web-0') ?? 0) - (mark.byPod.get('web-0') ?? 0) > 300;
  }, 15_000);
  const settled = l.snapshot();
  await until(url('/stable'), () => l.snapshot().ok > settled.ok + 200);
  const end = await l.stop();
  expect(end.failed).toEqual([]);
  // once settled, only web-0 answers
  for (const p of c.pods.slice(1, 5)) expect((end.byPod.get(p.name) ?? 0) - (settled.byPod.get(p.name) ?? 0)).toBe(0);
}, 40_000);

test('a drained endpoint gets no new request, and the request it is answering finishes', async () => {
  const [, p1, p2] = c.pods;
  c.api.apply(slice('shop', 'web', p1));
  await until(url('/stable'), () => true);
  await until(url('/stable'), (s, b) => s === 200 && b.pod === p1.name);
  // a slow request in flight on p1 while it drains
  let slow: Promise<{ status: number; json: any }> | undefined;
  for (let i = 0; i < 20 && !slow; i++) {
    const probe = await request(url('/stable'));
    if (probe.json?.pod === p1.name) slow = request(url('/stable?delay=600'));
  }
  // drain p1 (terminating, not ready) and, in the same update, add p2: once p2 answers, the update is in
  c.api.apply(slice('shop', 'web', p1, { ready: false, serving: true, terminating: true }), slice('shop', 'web', p2));
  await until(url('/stable'), (s, b) => s === 200 && b.pod === p2.name);
  const seen = new Map<string, number>();
  for (let i = 0; i < 100; i++) {
    const r = await request(url('/stable'));
    expect(r.status).toBe(200);
    seen.set(r.json.pod, (seen.get(r.json.pod) ?? 0) + 1);
  }
  expect(seen.get(p1.name)).toBeUndefined();
  expect(seen.get(p2.name)).toBeGreaterThan(0);
  if (slow) expect((await slow).status).toBe(200);
  c.api.remove('discovery.k8s.io/v1', 'EndpointSlice', 'shop', `web-${p1.name}`);
  c.api.remove('discovery.k8s.io/v1', 'EndpointSlice', 'shop', `web-${p2.name}`);
});

test('an endpoint change reloads no config and keeps the pooled connections to the endpoints it did not change', async () => {
  const [p0, , , p3] = c.pods;
  /** Sequential requests: the upstream connections (the echo's client ports) that carried them, per pod. */
  const ports = async (n: number) => {
    const seen = new Map<string, Set<number>>();
    for (let i = 0; i < n; i++) {
      const r = await request(url('/stable'));
      expect(r.status).toBe(200);
      seen.set(r.json.pod, (seen.get(r.json.pod) ?? new Set()).add(r.json.remotePort));
    }
    return seen;
  };
  // the previous test's slices are gone once only web-0 answers
  let before = await ports(20);
  for (const start = Date.now(); before.size > 1 && Date.now() - start < 5000;) before = await ports(20);
  expect([...before.keys()]).toEqual([p0.name]);
  const reloads = () => gw.json().filter((l) => l.msg === 'config reloaded').length;
  const reloadsBefore = reloads();
  c.api.apply(slice('shop', 'web', p3));
  await until(url('/stable'), (s, b) => s === 200 && b.pod === p3.name);
  const after = await ports(40);
  expect(after.get(p3.name)?.size).toBeGreaterThan(0);
  // web-0's requests still ride the connections opened before the change
  for (const port of after.get(p0.name) ?? []) expect(before.get(p0.name)).toContain(port);
  expect(after.get(p0.name)?.size).toBeGreaterThan(0);
  expect(reloads()).toBe(reloadsBefore);
  c.api.remove('discovery.k8s.io/v1', 'EndpointSlice', 'shop', `web-${p3.name}`);
});

test('the data-plane process gets no credentials: no kubeconfig or token in its environment, arguments or directory', async () => {
  const [child] = childPids(gw.proc.pid!);
  expect(child).toBeDefined();
  const env = fs.readFileSync(`/proc/${child}/environ`, 'utf8').split('\0').filter(Boolean);
  const cmdline = fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0');
  expect(cmdline.some((a) => a.endsWith('dataplane.js.gz'))).toBe(true);
  const token = c.api.adminToken;
  expect(env.map((e) => e.split('=')[0]).sort()).toEqual(expect.arrayContaining(['PATH']));
  for (const e of env) {
    expect(e).not.toMatch(/KUBE|TOKEN/i);
    expect(e).not.toContain(token);
  }
  expect(cmdline.join(' ')).not.toContain(c.kubeconfig);
  expect(cmdline.join(' ')).not.toMatch(/kubeconfig/i);
  // the directory it reads holds no token
  const dir = cmdline[cmdline.indexOf('--sync-dir') + 1];
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk : (f: string) => files.push(f))(path.join(d, e.name));
  };
  walk(dir);
  expect(files.length).toBeGreaterThan(1);
  for (const f of files) expect(fs.readFileSync(f, 'utf8')).not.toContain(token);
});

test('a watch that expires (410) is listed again, and changes after it are served', async () => {
  c.api.expireWatches();
  c.api.apply(route('shop', 'after-expiry', '/after-expiry'));
  await until(url('/after-expiry'), (s) => s === 200);
  const metrics = (await request(`http://127.0.0.1:${gw.adminPort}/metrics`)).body;
  expect(metrics).toMatch(/cdk8s_gateway_sync_relists_total\{gateway="gateway-system\/edge",resource="httproutes.gateway.networking.k8s.io"\} [1-9]/);
});

test('while the API server is unreachable the last config keeps serving and the pod stays ready; changes are served once it is back', async () => {
  await c.api.stop();
  const l = load(url('/stable'), 2);
  await until(url('/stable'), () => gw.json().some((x) => /API server unreachable/.test(x.msg ?? '')), 10_000);
  const admin = `http://127.0.0.1:${gw.adminPort}`;
  expect((await request(`${admin}/readyz`)).status).toBe(200);
  const unreachable = /cdk8s_gateway_sync_api_errors_total\{gateway="gateway-system\/edge",verb="watch",resource="[^"]+",code="0"\} [1-9]/;
  await until(`${admin}/metrics`, (s) => s === 200);
  await eventually(async () => (await request(`${admin}/metrics`)).body, (m) => unreachable.test(m));
  await until(url('/stable'), () => l.snapshot().ok > 50);
  const r = await l.stop();
  expect(r.failed).toEqual([]);
  expect(r.ok).toBeGreaterThan(50);
  // logged once per minute, not once per retry
  expect(gw.json().filter((x) => /API server unreachable \(watch httproutes/.test(x.msg ?? '')).length).toBe(1);
  await c.api.resume();
  c.api.apply(route('shop', 'back', '/back'));
  await until(url('/back'), (s) => s === 200, 40_000);
}, 60_000);
