/**
 * Status in the cluster, on the stand-in API server: another controller's `status.parents` entry survives our
 * writes; Programmed=False AddressNotAssigned until the data-plane LoadBalancer has an ingress; the leader's process killed → another pod writes within one lease period; 1,000 routes changing 10
 * times each → status writes within the documented bound (DEFAULT 5/s, bursts of 10).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { startStatusPod } from './status-fixture';
import { DEFAULT_STATUS_WRITE_BURST, DEFAULT_STATUS_WRITES_PER_SECOND } from '../../src/sync/status-writer';
import { gatewayClass } from '../compiler/fixtures';
import { gatewayApiCrds, KubeApiServer } from '../support/kube-apiserver';
import { REPO_ROOT } from '../support/node-versions';
import { Spawned, tempDir } from '../support/processes';

const NS = 'gateway-system';
const V1 = 'gateway.networking.k8s.io/v1';
const OTHER = 'example.com/other-controller';

function setup(api: KubeApiServer): void {
  api.apply(gatewayApiCrds());
  api.apply(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    gatewayClass(),
    { apiVersion: V1, kind: 'Gateway', metadata: { name: 'edge', namespace: NS }, spec: { gatewayClassName: 'node', listeners: [{ name: 'web', port: 80, protocol: 'HTTP' }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { ports: [{ port: 80 }] } },
  );
}

function route(name: string, prefix: string, parents: any[] = [{ name: 'edge' }]): any {
  return {
    apiVersion: V1,
    kind: 'HTTPRoute',
    metadata: { name, namespace: NS },
    spec: { parentRefs: parents, rules: [{ matches: [{ path: { type: 'PathPrefix', value: prefix } }], backendRefs: [{ name: 'web', port: 80 }] }] },
  };
}

async function until<T>(read: () => T, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`not met within ${timeoutMs} ms; last: ${JSON.stringify(v)?.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ours = (r: any) => (r?.status?.parents ?? []).find((p: any) => p.controllerName === 'cdk8s-gateway.io/node-data-plane');

test('another controller\'s status.parents entry survives our writes, also when it changes meanwhile', async () => {
  const api = await KubeApiServer.start();
  setup(api);
  api.apply(route('shop', '/shop', [{ name: 'edge' }, { name: 'theirs' }]));
  const theirs = (message: string) => ({
    parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: NS, name: 'theirs' },
    controllerName: OTHER,
    conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message, lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1 }],
  });
  const putStatus = (status: any) => {
    const cur = api.get(V1, 'HTTPRoute', NS, 'shop');
    api.store.update(typeOf(api), NS, 'shop', { ...cur, status }, 'status');
  };
  putStatus({ parents: [theirs('first')] });
  const pod = await startStatusPod(api, { namespace: NS, name: 'edge' });
  try {
    const r = await until(() => api.get(V1, 'HTTPRoute', NS, 'shop'), (x) => !!ours(x));
    expect(r.status.parents).toContainEqual(theirs('first'));
    expect(ours(r).parentRef).toEqual({ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: NS, name: 'edge' });
    expect(ours(r).conditions.map((c: any) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'ResolvedRefs=True']);

    // the other controller rewrites its entry while our route changes: our next write keeps its new entry
    api.apply(route('shop', '/shop2', [{ name: 'edge' }, { name: 'theirs' }]));
    putStatus({ ...api.get(V1, 'HTTPRoute', NS, 'shop').status, parents: [theirs('second'), ...api.get(V1, 'HTTPRoute', NS, 'shop').status.parents.filter((p: any) => p.controllerName !== OTHER)] });
    const after = await until(() => api.get(V1, 'HTTPRoute', NS, 'shop'), (x) => ours(x)?.conditions[0].observedGeneration === 2);
    expect(after.status.parents.filter((p: any) => p.controllerName === OTHER)).toEqual([theirs('second')]);
    expect(after.status.parents).toHaveLength(2);
    // lastTransitionTime stays while the condition's status stays
    expect(ours(after).conditions[0].lastTransitionTime).toBe(ours(r).conditions[0].lastTransitionTime);
  } finally {
    pod.stop();
    await api.close();
  }
});

function typeOf(api: KubeApiServer, kind = 'HTTPRoute'): any {
  for (const t of (api.store as any).types.values()) if (t.kind === kind) return t;
  throw new Error(`no ${kind} type`);
}

test('the Gateway is Programmed=False AddressNotAssigned until its LoadBalancer Service has an ingress, then Programmed with that address', async () => {
  const api = await KubeApiServer.start();
  setup(api);
  api.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'edge-dataplane', namespace: NS }, spec: { type: 'LoadBalancer', clusterIP: '10.96.0.20', ports: [{ port: 80 }] } });
  const pod = await startStatusPod(api, { namespace: NS, name: 'edge' });
  const programmed = () => (api.get(V1, 'Gateway', NS, 'edge')?.status?.conditions ?? []).find((c: any) => c.type === 'Programmed');
  try {
    const pending = await until(programmed, (c) => c?.reason === 'AddressNotAssigned');
    expect(pending.status).toBe('False');
    expect(pending.message).toMatch(/Service gateway-system\/edge-dataplane \(LoadBalancer\) has no load-balancer ingress/);
    expect(api.get(V1, 'Gateway', NS, 'edge').status.addresses).toBeUndefined();
    // the cloud's load-balancer controller assigns one
    const svc = api.get('v1', 'Service', NS, 'edge-dataplane');
    api.store.update(typeOf(api, 'Service'), NS, 'edge-dataplane', { ...svc, status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } } }, 'status');
    const done = await until(programmed, (c) => c?.status === 'True');
    expect(done.reason).toBe('Programmed');
    expect(done.lastTransitionTime >= pending.lastTransitionTime).toBe(true);
    expect(api.get(V1, 'Gateway', NS, 'edge').status.addresses).toEqual([{ type: 'IPAddress', value: '203.0.113.9' }]);
  } finally {
    pod.stop();
    await api.close();
  }
});

function startSyncProcess(kubeconfig: string, identity: string, leaseSeconds: number): Spawned {
  const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'assets', 'sync.js'), '--gateway', `${NS}/edge`, '--sync-dir', tempDir('gw-sync-'),
    '--kubeconfig', kubeconfig, '--write-status', '--lease-duration', String(leaseSeconds), '--identity', identity, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Spawned(proc);
}

test('the leader killed: another pod writes status within one lease period', async () => {
  const api = await KubeApiServer.start();
  setup(api);
  api.apply(route('shop', '/shop'));
  const kubeconfig = api.writeKubeconfig(tempDir('gw-kc-'));
  const LEASE = 2;
  const a = startSyncProcess(kubeconfig, 'pod-a', LEASE);
  const lease = () => api.get('coordination.k8s.io/v1', 'Lease', NS, 'edge-dataplane-status');
  let b: Spawned | undefined;
  try {
    await until(() => lease(), (l) => l?.spec?.holderIdentity === 'pod-a', 10_000);
    await until(() => api.get(V1, 'HTTPRoute', NS, 'shop'), (x) => !!ours(x), 10_000);
    b = startSyncProcess(kubeconfig, 'pod-b', LEASE);
    // pod-b is running and following (it has seen the Lease held by pod-a)
    await until(() => api.requests.filter((q) => q.path.endsWith('/leases/edge-dataplane-status') && /^get$/i.test(q.verb)).length, (n) => n >= 4, 10_000);
    a.proc.kill('SIGKILL');
    const killedAt = Date.now();
    api.apply(route('shop', '/changed'));
    await until(() => api.get(V1, 'HTTPRoute', NS, 'shop'), (x) => ours(x)?.conditions[0].observedGeneration === 2, 10_000);
    const took = Date.now() - killedAt;
    console.log(`status written by the new leader ${took} ms after the leader was killed (lease ${LEASE} s)`);
    expect(lease().spec.holderIdentity).toBe('pod-b');
    expect(lease().spec.leaseTransitions).toBe(1);
    // the Lease expires one lease period after the leader's last renewal (before the kill); then one request and one write
    expect(took).toBeLessThanOrEqual(LEASE * 1000 + 500);
  } finally {
    a.proc.kill('SIGKILL');
    b?.proc.kill('SIGKILL');
    await api.close();
  }
}, 30_000);

test('1,000 routes changing 10 times each: status writes stay within the bound', async () => {
  const api = await KubeApiServer.start();
  setup(api);
  const N = 1000;
  for (let i = 0; i < N; i++) api.apply(route(`r${i}`, `/r${i}/v0`));
  const pod = await startStatusPod(api, { namespace: NS, name: 'edge' }, { writesPerSecond: DEFAULT_STATUS_WRITES_PER_SECOND, burst: DEFAULT_STATUS_WRITE_BURST });
  const writes = () => api.requests.filter((q) => /^(put|update)$/i.test(q.verb) && q.path.endsWith('/status')).length;
  const started = Date.now();
  try {
    for (let round = 1; round <= 10; round++) {
      for (let i = 0; i < N; i++) api.apply(route(`r${i}`, `/r${i}/v${round}`));
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const n = writes();
    const seconds = (Date.now() - started) / 1000;
    const bound = DEFAULT_STATUS_WRITE_BURST + DEFAULT_STATUS_WRITES_PER_SECOND * seconds;
    console.log(`${N * 10} route changes over ${seconds.toFixed(1)} s: ${n} status writes (bound ${bound.toFixed(0)}: burst ${DEFAULT_STATUS_WRITE_BURST} + ${DEFAULT_STATUS_WRITES_PER_SECOND}/s), writer counted ${pod.writer.writes}, conflicts ${pod.writer.conflicts}`);
    expect(n).toBeLessThanOrEqual(bound);
    expect(n).toBeGreaterThan(DEFAULT_STATUS_WRITES_PER_SECOND);
    // what was written is the latest status of its route: the generation it had when written, never older
    for (let i = 0; i < N; i++) {
      const r = api.get(V1, 'HTTPRoute', NS, `r${i}`);
      const mine = ours(r);
      if (mine) expect(mine.conditions[0].status).toBe('True');
    }
  } finally {
    pod.stop();
    await api.close();
  }
}, 60_000);
