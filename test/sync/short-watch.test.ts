/**
 * A watch that the API server (or a proxy or load balancer in front of it) ends at once, with no event, must not be
 * restarted in a tight loop: that would hammer the API server with requests. It is backed off like an error, as
 * client-go's reflector does ("very short watch"); a watch that delivered events is resumed at once.
 */
import type { ApiError, KubeApi, WatchHandlers } from '../../src/sync/kube-client';
import { Reflector } from '../../src/sync/reflector';
import { CONFIG_MAPS } from '../../src/sync/resources';

/** An API whose watches end as soon as they start, after `events` events each. */
function endingApi(events: number): { api: KubeApi; watches: () => number } {
  let watches = 0;
  let rv = 1;
  const api: KubeApi = {
    get: async () => ({}),
    list: async () => ({ items: [], resourceVersion: String(rv) }),
    write: async () => ({}),
    watch: (_path: string, _query: Record<string, string>, h: WatchHandlers) => {
      watches++;
      setImmediate(() => {
        for (let i = 0; i < events; i++) {
          rv++;
          h.onEvent('ADDED', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${rv}`, namespace: 'default', resourceVersion: String(rv) } });
        }
        h.onEnd();
      });
      return { stop: () => undefined };
    },
  };
  return { api, watches: () => watches };
}

async function run(perWatch: number, ms: number): Promise<{ watches: number; errors: ApiError[] }> {
  const { api, watches } = endingApi(perWatch);
  const errors: ApiError[] = [];
  const sink = { replace: () => undefined, upsert: () => undefined, remove: () => undefined };
  const events = { onError: (e: ApiError) => errors.push(e), onHealthy: () => undefined, onRelist: () => undefined };
  const r = new Reflector(api, CONFIG_MAPS, undefined, sink, events);
  r.start();
  await new Promise((res) => setTimeout(res, ms));
  r.stop();
  return { watches: watches(), errors };
}

test('watches that end at once without an event are backed off (0.5 s, 1 s, ...), not restarted in a loop', async () => {
  const { watches, errors } = await run(0, 1_700);
  // at 0, 0.5 s and 1.5 s: three watch requests in 1.7 s (a tight loop makes tens of thousands)
  expect(watches).toBeGreaterThanOrEqual(2);
  expect(watches).toBeLessThanOrEqual(4);
  expect(errors[0].reason).toBe('VeryShortWatch');
  expect(errors[0].message).toMatch(/watch \/api\/v1\/configmaps: ended after \d+ ms without an event/);
});

test('a watch that delivered events and ended is resumed at once (a normal server timeout)', async () => {
  const { watches, errors } = await run(1, 300);
  expect(watches).toBeGreaterThan(20);
  expect(errors).toEqual([]);
});
