/**
 * Cluster mode's faults, end to end (issue 14's fault list), each checked on the wire:
 * - a pod that never loaded sync's config is not ready, though it answers with the config from synth;
 * - a team's broken objects (a bad regex, a missing backend) are those routes' problem: logged once, counted,
 *   and the rest keeps serving with no failed request;
 * - the Gateway itself deleted: the last good config keeps serving, the compile error is logged and counted;
 * - lists larger than a page are read in pages (limit/continue), none of the objects lost.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Cluster, gateway, GRANT_LABEL, GW_NS, load, namespace, route, serveCluster, service, slice, startCluster, until,
} from './cluster-fixture';
import { ConfigBuilder } from '../support/config-builder';
import { request } from '../support/http';
import { Spawned, startDataPlane, tempDir } from '../support/processes';
import { eventually } from '../support/wait';

describe('a pod before and after sync\'s first config', () => {
  let c: Cluster;
  let dp: Spawned;
  let syncDir: string;

  beforeAll(async () => {
    c = await startCluster(1);
    syncDir = tempDir('gw-syncdir-');
    // the config from synth: one route, as the ConfigMap ships it
    const synth = new ConfigBuilder({ namespace: GW_NS, name: 'edge' });
    const web = synth.backend('web');
    synth.route(synth.listener(80, { name: 'web' }), { route: 'from-synth', matches: [{ path: { type: 'PathPrefix', value: '/synth' } }], backends: [web] });
    dp = await startDataPlane({ config: synth.build(), backends: { [web]: c.pods[0].target }, args: ['--sync-dir', syncDir] });
  }, 30_000);

  afterAll(async () => {
    await dp?.stop();
    await Promise.all(c?.pods.map((p) => p.close()) ?? []);
    await c?.api.close();
  });

  test('answers with the synth config at once but is not ready; ready once sync\'s config is served, and stays ready', async () => {
    const readyz = () => request(`http://127.0.0.1:${dp.adminPort}/readyz`);
    expect((await request(dp.url(80, '/synth'))).status).toBe(200);
    expect((await readyz()).status).toBe(503);

    const fromSync = new ConfigBuilder({ namespace: GW_NS, name: 'edge' });
    fromSync.route(fromSync.listener(80, { name: 'web' }), { route: 'from-cluster', matches: [{ path: { type: 'PathPrefix', value: '/cluster' } }], backends: [fromSync.backend('web')] });
    const tmp = path.join(syncDir, '.config.json.tmp');
    fs.writeFileSync(tmp, JSON.stringify(fromSync.build()));
    fs.renameSync(tmp, path.join(syncDir, 'config.json'));

    await until(dp.url(80, '/cluster'), (s) => s === 200);
    expect((await request(dp.url(80, '/synth'))).status).toBe(404);
    expect((await readyz()).status).toBe(200);
    // sync goes quiet (API server away) and the data plane reloads for another reason: still ready and serving
    dp.signal('SIGHUP');
    await until(dp.url(80, '/cluster'), (s) => s === 200);
    expect((await readyz()).status).toBe(200);
  });
});

describe('broken objects and a missing Gateway', () => {
  let c: Cluster;
  let gw: Spawned;
  let url: (p: string) => string;
  let metrics: () => Promise<string>;

  beforeAll(async () => {
    c = await startCluster(1);
    c.api.apply(
      namespace(GW_NS), namespace('shop', { [GRANT_LABEL]: 'granted' }),
      gateway(), service('shop', 'web'), slice('shop', 'web', c.pods[0]), route('shop', 'stable', '/stable'),
    );
    gw = await serveCluster(c);
    url = (p) => gw.url(80, p);
    metrics = async () => (await request(`http://127.0.0.1:${gw.adminPort}/metrics`)).body;
  }, 30_000);

  afterAll(async () => {
    await gw?.stop();
    await Promise.all(c?.pods.map((p) => p.close()) ?? []);
    await c?.api.close();
  });

  test('a team\'s bad regex and missing backend are those routes\' conditions, logged once; the rest serves with no failed request', async () => {
    const l = load(url('/stable'), 2);
    const badRegex = route('shop', 'bad-regex', '/x');
    badRegex.spec.rules[0].matches = [{ path: { type: 'RegularExpression', value: '/regex/(unclosed' } }];
    c.api.apply(badRegex, route('shop', 'no-backend', '/no-backend', 'missing'), route('shop', 'fine', '/fine'));
    await until(url('/fine'), (s) => s === 200);
    // a missing backend answers 500 on that rule (the Gateway API's rule for an unresolved backendRef)
    await until(url('/no-backend'), (s) => s === 500);
    expect((await request(url('/regex/(unclosed'))).status).toBe(404);
    await eventually(metrics, (m) => /cdk8s_gateway_sync_invalid_objects\{gateway="gateway-system\/edge"\} 2\b/.test(m));
    const notServed = () => gw.json().filter((x) => /^not served: HTTPRoute shop\//.test(x.msg ?? '')).map((x) => x.msg as string);
    expect(notServed().some((m) => m.startsWith('not served: HTTPRoute shop/bad-regex') && /regular expression|RegularExpression|regex/i.test(m))).toBe(true);
    expect(notServed().some((m) => m.startsWith('not served: HTTPRoute shop/no-backend') && /missing/.test(m))).toBe(true);

    // more changes elsewhere recompile: the broken routes are not logged again
    c.api.apply(route('shop', 'fine-2', '/fine-2'));
    await until(url('/fine-2'), (s) => s === 200);
    expect(notServed().filter((m) => m.startsWith('not served: HTTPRoute shop/bad-regex'))).toHaveLength(1);

    // the team fixes its regex: served
    badRegex.spec.rules[0].matches = [{ path: { type: 'RegularExpression', value: '/regex/(closed)' } }];
    c.api.apply(badRegex);
    await until(url('/regex/closed'), (s) => s === 200);
    await eventually(metrics, (m) => /cdk8s_gateway_sync_invalid_objects\{gateway="gateway-system\/edge"\} 1\b/.test(m));
    const r = await l.stop();
    expect(r.failed).toEqual([]);
    expect(r.ok).toBeGreaterThan(0);
  });

  test('the Gateway deleted: the last good config keeps serving, the compile error is logged and counted; applied again, changes are served', async () => {
    const l = load(url('/stable'), 2);
    c.api.remove('gateway.networking.k8s.io/v1', 'Gateway', GW_NS, 'edge');
    const line = await gw.waitForLine(/Gateway gateway-system\/edge cannot be compiled: it does not exist in the cluster; the last good config keeps serving/, 5000);
    expect(JSON.parse(line).level).toBe('error');
    // counted on /metrics soon (sync writes its metrics file within a second of a change, not at its 5 s tick)
    await eventually(metrics, (m) => /cdk8s_gateway_sync_compile_errors_total\{gateway="gateway-system\/edge"\} [1-9]/.test(m), 2000);
    // a route applied meanwhile cannot be served (there is no Gateway to attach it to) ...
    c.api.apply(route('shop', 'during', '/during'));
    await until(url('/stable'), () => l.snapshot().ok > 20);
    expect((await request(url('/during'))).status).toBe(404);
    // ... until the Gateway is back
    c.api.apply(gateway());
    await until(url('/during'), (s) => s === 200);
    const r = await l.stop();
    expect(r.failed).toEqual([]);
  });
});

describe('lists larger than a page', () => {
  let c: Cluster;
  let gw: Spawned;

  afterAll(async () => {
    await gw?.stop();
    await Promise.all(c?.pods.map((p) => p.close()) ?? []);
    await c?.api.close();
  });

  test('1,201 Services are listed in pages of 500 with continue tokens, and a route to the last one is served', async () => {
    c = await startCluster(1);
    c.api.apply(namespace(GW_NS), namespace('shop', { [GRANT_LABEL]: 'granted' }), gateway());
    const services = Array.from({ length: 1201 }, (_, i) => service('shop', `svc-${String(i).padStart(4, '0')}`));
    c.api.apply(...services);
    c.api.apply(slice('shop', 'svc-1200', c.pods[0]), route('shop', 'last', '/last', 'svc-1200'));
    gw = await serveCluster(c);
    await until(gw.url(80, '/last'), (s) => s === 200);
    const lists = c.api.requests.filter((r) => r.verb === 'list' && r.path === '/api/v1/services');
    expect(lists.map((r) => new URLSearchParams(r.query).get('limit'))).toEqual(['500', '500', '500']);
    expect(lists.filter((r) => new URLSearchParams(r.query).get('continue'))).toHaveLength(2);
    expect(lists.every((r) => r.code === 200)).toBe(true);
  }, 30_000);
});
