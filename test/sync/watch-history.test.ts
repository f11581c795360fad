/**
 * sync follows deletions after the API server's event history has moved on: in a real cluster the watch cache
 * keeps a short history, so a watch resumed from an old resourceVersion gets 410 Expired all the time. Here the
 * stand-in keeps 20 events, far fewer than the changes made, and every way a watch can end is tried: open
 * across the churn, ended by the server after churn on other objects, and the API server away while a delete
 * happens (the resume gets 410 and the relist must drop what is gone).
 */
import { gateway, GRANT_LABEL, GW_NS, namespace, route, service } from './cluster-fixture';
import { client } from './status-fixture';
import { Logger } from '../../src/dataplane/ops/log';
import { GatewaySync } from '../../src/sync/gateway-sync';
import { KubeClient } from '../../src/sync/kube-client';
import { ObjectCache } from '../../src/sync/object-cache';
import { Reflector } from '../../src/sync/reflector';
import { CONFIG_MAPS } from '../../src/sync/resources';
import { gatewayApiCrds, KubeApiServer } from '../support/kube-apiserver';
import { tempDir } from '../support/processes';
import { waitFor } from '../support/wait';

const HISTORY = 20;
const CHURN = 300;

function configMap(name: string, value: string): any {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { value } };
}

describe('a reflector with a 20-event history on the API server', () => {
  let api: KubeApiServer;
  let c: KubeClient;
  let reflector: Reflector;
  const cache = new ObjectCache();
  const has = (name: string) => cache.get('ConfigMap', 'default', name) !== undefined;

  beforeEach(async () => {
    api = await KubeApiServer.start({ historyLimit: HISTORY, bookmarkIntervalMs: 50 });
    api.apply(configMap('keep', 'v0'), configMap('doomed', 'v0'));
    c = await client(api);
    const noop = () => undefined;
    reflector = new Reflector(c, CONFIG_MAPS, undefined, cache.sink('ConfigMap'), { onError: noop, onHealthy: noop, onRelist: noop });
    reflector.start();
    await waitFor(() => reflector.synced && has('doomed'));
    await waitFor(() => api.requests.some((q) => q.verb === 'watch'));
  });

  afterEach(async () => {
    reflector.stop();
    c.close();
    await api.close();
    cache.drop('ConfigMap');
  });

  const churn = (name = 'keep') => {
    for (let i = 1; i <= CHURN; i++) api.apply(configMap(name, `v${i}`));
  };

  test('a delete after the history moved on, the watch open throughout: gone from the cache', async () => {
    churn();
    expect(api.store.compactedThrough).toBeGreaterThan(Number(cache.get('ConfigMap', 'default', 'doomed').metadata.resourceVersion));
    api.remove('v1', 'ConfigMap', 'default', 'doomed');
    await waitFor(() => !has('doomed'));
    await waitFor(() => cache.get('ConfigMap', 'default', 'keep')?.data.value === `v${CHURN}`);
  });

  test('the server ends the watch after churn elsewhere: resumed (bookmarks kept it current), then a delete is followed', async () => {
    churn('elsewhere');
    // a bookmark after the churn carries the current resourceVersion to the reflector
    const rv = api.store.resourceVersion;
    await waitFor(() => Number((reflector as any).resourceVersion) >= rv);
    api.closeWatches();
    api.remove('v1', 'ConfigMap', 'default', 'doomed');
    await waitFor(() => !has('doomed'));
  });

  test('the API server away while the history moves on and an object is deleted: the resume gets 410, the relist drops it', async () => {
    await api.stop();
    churn();
    api.remove('v1', 'ConfigMap', 'default', 'doomed');
    api.apply(configMap('born', 'v0'));
    await api.resume();
    await waitFor(() => reflector.relists > 0 && !has('doomed') && has('born'), 10_000);
    // and it follows changes afterwards: a later delete arrives as an event
    api.remove('v1', 'ConfigMap', 'default', 'born');
    await waitFor(() => !has('born'));
    expect(cache.get('ConfigMap', 'default', 'keep')?.data.value).toBe(`v${CHURN}`);
  });

  test('the watch expired mid-stream (ERROR 410 event) while a delete happens: relisted without it', async () => {
    churn();
    api.expireWatches();
    api.remove('v1', 'ConfigMap', 'default', 'doomed');
    await waitFor(() => reflector.relists > 0 && !has('doomed'));
  });
});

describe('cluster mode with a 20-event history: a deleted route stops being served', () => {
  test('after churn and an API outage during which the route is deleted', async () => {
    const api = await KubeApiServer.start({ historyLimit: HISTORY, bookmarkIntervalMs: 50 });
    api.apply(gatewayApiCrds());
    api.apply(namespace(GW_NS), namespace('shop', { [GRANT_LABEL]: 'granted' }), gateway(), service('shop', 'web'));
    api.apply(route('shop', 'busy', '/busy'), route('shop', 'doomed', '/doomed'), route('shop', 'gone-later', '/later'));
    const c = await client(api);
    const sync = new GatewaySync(c, { gateway: { namespace: GW_NS, name: 'edge' }, dir: tempDir('gw-history-'), log: new Logger('off'), anyGatewayClass: true, debounceMs: 5, maxDelayMs: 50 });
    const served = (prefix: string) => (sync.lastConfig ?? '').includes(`"value":"${prefix}"`);
    try {
      void sync.start();
      await sync.loaded();
      await waitFor(() => served('/doomed') && served('/later'));

      // churn far past the history, then a watch-open delete
      for (let i = 0; i < CHURN; i++) api.apply(route('shop', 'busy', `/busy/${i}`));
      api.remove('gateway.networking.k8s.io/v1', 'HTTPRoute', 'shop', 'gone-later');
      await waitFor(() => !served('/later') && served(`/busy/${CHURN - 1}`));

      // the API server away; meanwhile more churn and a delete: the watches resume from expired versions
      await api.stop();
      for (let i = 0; i < CHURN; i++) api.apply(service('shop', `svc-${i}`));
      api.remove('gateway.networking.k8s.io/v1', 'HTTPRoute', 'shop', 'doomed');
      await api.resume();
      await waitFor(() => !served('/doomed'), 10_000);
      expect(sync.metrics.render()).toMatch(/relists_total\{[^}]*resource="httproutes.gateway.networking.k8s.io"[^}]*\} [1-9]/);
    } finally {
      sync.stop();
      c.close();
      await api.close();
    }
  }, 30_000);
});
