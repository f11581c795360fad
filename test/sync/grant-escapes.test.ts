/**
 * Issue 13's team grants in cluster mode: every escape of test/support/grant-escapes.ts applied to the stand-in
 * API server and served by `cdk8s-gateway serve --kubeconfig`, where sync compiles what it reads from the
 * cluster (the Gateway's per-listener allowed namespaces, the Namespaces with the kubernetes.io/metadata.name
 * label the API server sets). The platform's part is applied as the admin; the team's part is applied as an
 * admin too (the worst case: RBAC that lets a team write anything), less what the grant's own RBAC refuses,
 * which is checked separately with the team's credentials. The foreign hostname never reaches the escape's
 * backend, and both teams' own routes keep working.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, Chart } from 'cdk8s';
import { GW_NS } from './cluster-fixture';
import {
  buildEscape, expectForeignNotServed, expectTeamsServed, GRANT_ESCAPES, GrantEscape, GrantEscapeBase, manifestsOf, PAY_CHECKOUT,
  sendToGateway, useEscapeBackends,
} from '../support/grant-escapes';
import { gatewayApiCrds, KubeApiServer } from '../support/kube-apiserver';
import { Spawned, startCli, tempDir } from '../support/processes';

const backends = useEscapeBackends();
const dir = tempDir('gw-sync-escapes-');

const isNamespace = (o: any) => o.apiVersion === 'v1' && o.kind === 'Namespace';

/** Namespaces first (the API server refuses objects in a namespace that does not exist yet). */
function namespacesFirst(objects: any[]): any[] {
  return [...objects.filter(isNamespace), ...objects.filter((o) => !isNamespace(o))];
}

/** The Services the routes name (sync compiles strictly: a missing Service is a 500 on that rule). */
function services(namespaces: Iterable<string>): any[] {
  const svc = (ns: string, name: string) => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
  });
  const out = [svc('shop', 'storefront'), svc('payments', 'invoices')];
  for (const ns of namespaces) out.push(svc(ns, 'steal'));
  return out;
}

/**
 * Applies `objects` as the admin, Namespaces first; a namespace they are in but do not create is made first
 * (as an admin made it: it carries no grant label). Returns the namespaces that exist afterwards.
 */
function applyAll(api: KubeApiServer, objects: any[], made: Set<string>): Set<string> {
  for (const o of objects.filter(isNamespace)) made.add(o.metadata.name);
  for (const ns of new Set(objects.map((o) => o.metadata?.namespace).filter((n): n is string => !!n && !made.has(n)))) {
    api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    made.add(ns);
  }
  api.apply(namespacesFirst(objects));
  return made;
}

/** The escape's platform objects and its team objects (less the RBAC-refused ones) on `api`. */
function applyEscape(api: KubeApiServer, b: GrantEscapeBase, escape: GrantEscape): void {
  api.apply(gatewayApiCrds());
  const { platform, team } = manifestsOf(b);
  const made = applyAll(api, platform, new Set());
  applyAll(api, team.filter((o) => !escape.refusedByRbac?.(o)), made);
  api.apply(services(made));
}

/** The objects team code wrote, each with the team whose credentials apply it (code outside both teams' charts is shop's). */
function teamObjects(b: GrantEscapeBase): { team: 'shop' | 'payments'; object: any }[] {
  return b.app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) !== b.platform)
    .map((o) => ({ team: Chart.of(o) === b.paymentsChart ? 'payments' : 'shop', object: o.toJson() }));
}

function ports(escape: GrantEscape): number[] {
  return [...new Set([80, 443, ...(escape.foreign ?? []).map((f) => f.port ?? (f.scheme === 'https' ? 443 : 80))])];
}

function serve(kubeconfig: string, escape: GrantEscape): Promise<Spawned> {
  return startCli(['serve', '--kubeconfig', kubeconfig, '--gateway', `${GW_NS}/edge`, '--address', '127.0.0.1', '--admin-port', '0', '--no-access-log',
    ...ports(escape).flatMap((p) => ['--port-map', `${p}=0`]),
    '--backend', `shop/storefront:8080=${backends.echoes.storefront.target}`,
    '--backend', `payments/invoices:8080=${backends.echoes.invoices.target}`,
    ...['shop', 'payments', GW_NS, 'unlisted', 'evil'].flatMap((ns) => ['--backend', `${ns}/steal:8080=${backends.echoes.steal.target}`])]);
}

describe.each(GRANT_ESCAPES.map((e, i) => [e.name, e, i] as const))('%s: applied to the cluster, the foreign hostname is not served', (_name, escape, i) => {
  let api: KubeApiServer;
  let gw: Spawned;

  beforeAll(async () => {
    api = await KubeApiServer.start();
    applyEscape(api, buildEscape(escape, fs.mkdtempSync(path.join(dir, `app-${i}-`)), backends.cert), escape);
    gw = await serve(api.writeKubeconfig(fs.mkdtempSync(path.join(dir, `kube-${i}-`))), escape);
  });

  afterAll(async () => {
    await gw?.stop();
    await api?.close();
  });

  test('the gateway answers the foreign requests itself, and both teams\' own routes still work', async () => {
    await expectForeignNotServed(gw, escape.foreign ?? PAY_CHECKOUT, backends.cert.cert);
    await expectTeamsServed(gw, backends.cert.cert);
  });
});

describe('with the teams\' own credentials (the RBAC their grants emit)', () => {
  test('team shop\'s route claiming pay.example.com is accepted by the API server and not served; a later change of shop\'s is', async () => {
    const escape = GRANT_ESCAPES.find((e) => /^new HttpRoute on the team's own listener/.test(e.name))!;
    const b = buildEscape(escape, fs.mkdtempSync(path.join(dir, 'app-rbac-')), backends.cert);
    const api = await KubeApiServer.start();
    let gw: Spawned | undefined;
    try {
      api.apply(gatewayApiCrds());
      api.apply(services(applyAll(api, manifestsOf(b).platform, new Set())));
      gw = await serve(api.writeKubeconfig(fs.mkdtempSync(path.join(dir, 'kube-rbac-'))), escape);
      const tokens = { shop: api.issueToken('alice', ['shop-developers']), payments: api.issueToken('bob', ['payments-developers']) };
      for (const { team, object: o } of teamObjects(b)) {
        expect({ object: `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, ...(await api.createAs(tokens[team], o)) })
          .toEqual({ object: `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, status: 201 });
      }
      // applied after the escape by the same team: once it is served, the compile that saw the escape is too
      const storefront = teamObjects(b).find(({ object: o }) => o.kind === 'HTTPRoute' && o.metadata.namespace === 'shop' && o.metadata.name !== 'steal')!.object;
      const marker = { ...storefront };
      marker.metadata = { name: 'marker', namespace: 'shop' };
      marker.spec = { ...marker.spec, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/marker' } }], backendRefs: [{ name: 'storefront', port: 8080 }] }] };
      expect((await api.createAs(tokens.shop, marker)).status).toBe(201);
      for (let start = Date.now(); ;) {
        const r = await sendToGateway(gw, { scheme: 'https', host: 'shop.example.com', path: '/marker' }, backends.cert.cert);
        if (r.json?.pod === 'storefront-0') break;
        if (Date.now() - start > 5000) throw new Error(`shop's marker route not served within 5 s: ${r.status}`);
        await new Promise((res) => setTimeout(res, 20));
      }
      await expectForeignNotServed(gw, PAY_CHECKOUT, backends.cert.cert);
      await expectTeamsServed(gw, backends.cert.cert);
      expect(gw.json().some((l) => l.msg?.startsWith('not served: HTTPRoute shop/steal'))).toBe(true);
    } finally {
      await gw?.stop();
      await api.close();
    }
  });

  test('team shop cannot write its route into payments\' namespace: the API server refuses it', async () => {
    const escape = GRANT_ESCAPES.find((e) => e.refusedByRbac)!;
    const b = buildEscape(escape, fs.mkdtempSync(path.join(dir, 'app-refused-')), backends.cert);
    const api = await KubeApiServer.start();
    try {
      api.apply(gatewayApiCrds());
      applyAll(api, manifestsOf(b).platform, new Set());
      const token = api.issueToken('alice', ['shop-developers']);
      const refused = manifestsOf(b).team.filter((o) => escape.refusedByRbac!(o));
      expect(refused.length).toBeGreaterThan(0);
      for (const o of refused) {
        const r = await api.createAs(token, o);
        expect(r.status).toBe(403);
        expect(r.message).toMatch(/cannot create resource "httproutes" in API group "gateway\.networking\.k8s\.io" in the namespace "payments"/);
      }
    } finally {
      await api.close();
    }
  });
});
