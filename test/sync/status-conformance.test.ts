/**
 * The status the pods write equals what the compiler computes: every upstream conformance manifest applied to
 * the stand-in API server (with the suite's base manifests), one status writer per Gateway of ours, and the
 * status read back from the cluster compared with `compile` of the same manifests (the statuses
 * `compile --output text` prints), object by object.
 */
import { readdirSync } from 'node:fs';
import { startStatusPod, StatusPod, storedObjects, strip, written } from './status-fixture';
import { canonicalJson, compile, ObjectStatus } from '../../src/compiler';
import { CONTROLLER_NAME } from '../../src/spec/project';
import { gatewayClass } from '../compiler/fixtures';
import {
  conformanceHarness, conformanceManifestsPresent, loadConformanceManifest,
} from '../support/conformance';
import { gatewayApiCrds, KubeApiServer } from '../support/kube-apiserver';
import { conformanceManifestsDir } from '../support/shared-data';

const present = conformanceManifestsPresent();
const maybe = present ? describe : describe.skip;
const files = present ? readdirSync(conformanceManifestsDir()).filter((f) => f.endsWith('.yaml') && f !== 'manifests.yaml').sort() : [];

/** Objects the stand-in stores (it has no Deployments or Pods' controllers: those are left out). */
function storable(api: KubeApiServer, objects: readonly any[]): any[] {
  const out: any[] = [];
  for (const o of objects) {
    try {
      api.apply(o);
      out.push(o);
    } catch {
      // a kind the stand-in does not serve (apps/v1 Deployment): not compiler input that has status
    }
  }
  return out;
}

const key = (o: any) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const isOurGateway = (o: any) => o?.kind === 'Gateway' && o.spec?.gatewayClassName === 'node';

/**
 * The compiler's statuses a leader per Gateway writes: GatewayClass and Gateways of ours, ListenerSets, and
 * routes' and policies' entries whose parentRef/ancestorRef names an existing Gateway of ours (or a ListenerSet of one).
 */
function expected(statuses: readonly ObjectStatus[], objects: readonly any[]): ObjectStatus[] {
  const gateways = new Set(objects.filter(isOurGateway).map(key));
  const listenerSets = new Map(objects.filter((o) => o.kind === 'ListenerSet').map((o) => [key(o), `${o.spec?.parentRef?.namespace ?? o.metadata.namespace}/${o.spec?.parentRef?.name}`]));
  const ours = (ref: any) => ref.kind === 'ListenerSet' ? gateways.has(listenerSets.get(`${ref.namespace}/${ref.name}`) ?? '') : gateways.has(`${ref.namespace}/${ref.name}`);
  const routeKinds = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute']);
  const out: ObjectStatus[] = [];
  for (const s of statuses) {
    if (s.kind === 'ReferenceGrant') continue;
    if (s.kind === 'ListenerSet' && !gateways.has(listenerSets.get(`${s.namespace}/${s.name}`) ?? '')) continue;
    if (routeKinds.has(s.kind)) {
      out.push({ ...s, parents: (s.parents ?? []).filter((p) => ours(p.parentRef)) });
    } else if (s.kind === 'BackendTLSPolicy') {
      const ancestors = (s.ancestors ?? []).filter((a) => ours(a.ancestorRef));
      if (ancestors.length > 0) out.push({ ...s, ancestors });
    } else {
      out.push(s);
    }
  }
  return strip(out);
}

maybe('status written to the cluster = status compiled, for every conformance manifest', () => {
  let api: KubeApiServer;
  const pods = new Map<string, StatusPod>();
  let base: any[] = [];

  beforeAll(async () => {
    api = await KubeApiServer.start();
    api.apply(gatewayApiCrds());
    base = storable(api, [gatewayClass(), ...loadConformanceManifest('manifests.yaml'), ...conformanceHarness()]);
  }, 30_000);

  afterAll(async () => {
    for (const p of pods.values()) p.stop();
    await api?.close();
  });

  test.each(files)('%s', async (file) => {
    const own = storable(api, loadConformanceManifest(file));
    const all = [...base, ...own];
    for (const gw of all.filter(isOurGateway)) {
      if (!pods.has(key(gw))) pods.set(key(gw), await startStatusPod(api, { namespace: gw.metadata.namespace, name: gw.metadata.name }));
    }
    // sync compiles what the cluster holds, so a Secret the cluster lacks is missing (`compile --strict`), not assumed
    const want = expected(compile([gatewayClass(), ...loadConformanceManifest('manifests.yaml'), ...conformanceHarness(), ...loadConformanceManifest(file)],
      { references: 'strict', dataPlaneAddresses: true }).status, all);
    // what a reader of the cluster sees: routes whose parents name none of ours have no entry of ours
    const expectedOf = (s: ObjectStatus) => want.some((w) => w.kind === s.kind && w.namespace === s.namespace && w.name === s.name);
    const got = () => written(storedObjects(api, all)).filter((s) => !(s.parents && s.parents.length === 0 && !expectedOf(s)));
    const deadline = Date.now() + Number(process.env.STATUS_DEADLINE_MS ?? 10_000);
    let last: ObjectStatus[] = [];
    while (Date.now() < deadline) {
      last = got();
      if (canonicalJson(last, 0) === canonicalJson(want, 0)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(last).toEqual(want);
    // and what was written carries the objects' generation and a transition time on every condition
    for (const o of storedObjects(api, all)) {
      for (const c of conditionsOf(o)) {
        expect(c.observedGeneration).toBe(o.metadata.generation);
        expect(c.lastTransitionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      }
    }

    // the file's objects go; its Gateways' pods stop (the base Gateways' pods keep running)
    for (const o of own) {
      if (base.some((b) => b.kind === o.kind && key(b) === key(o))) continue;
      if (isOurGateway(o)) {
        pods.get(key(o))?.stop();
        pods.delete(key(o));
      }
      {
        try {
          api.remove(o.apiVersion, o.kind, o.metadata?.namespace ?? '', o.metadata?.name);
        } catch {
          // already gone with its namespace
        }
      }
    }
  }, 30_000);
});

function conditionsOf(o: any): any[] {
  const st = o.status ?? {};
  const mine = (e: any) => e?.controllerName === CONTROLLER_NAME;
  return [
    ...(o.kind === 'Gateway' || o.kind === 'GatewayClass' || o.kind === 'ListenerSet' ? st.conditions ?? [] : []),
    ...(st.listeners ?? []).flatMap((l: any) => l.conditions ?? []),
    ...(st.parents ?? []).filter(mine).flatMap((p: any) => p.conditions ?? []),
    ...(st.ancestors ?? []).filter(mine).flatMap((p: any) => p.conditions ?? []),
  ];
}
