/**
 * `kubectl apply -f dist/` on an empty cluster (CRDs installed) applies the files in name order, each top to
 * bottom, and the API server refuses an object whose namespace does not exist yet. Every example's dist/ applies in
 * that order to a stand-in that does the same (the namespaces an empty cluster has, plus those applied so far).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { Gateway, GatewayClass, Listener } from '../../src';
import { buildExample, exampleNames } from '../crd-validation/examples';
import { tempDir } from '../support/processes';

process.env.CDK8S_GATEWAY_QUIET = '1';

const CLUSTER_SCOPED = new Set(['Namespace', 'GatewayClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

/**
 * Namespaces an example says exist before it is applied: multi-team's `shop` uses the `payments` team's Service,
 * whose namespace (and ReferenceGrant target) another team's app creates.
 */
const EXISTING: Record<string, string[]> = { 'multi-team': ['payments'] };

/** Applies dist/ as kubectl does; returns the objects refused, as `file: Kind ns/name: namespaces "ns" not found`. */
function applyInOrder(dist: string, existing: string[] = []): { applied: string[]; refused: string[] } {
  const namespaces = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease', ...existing]);
  const applied: string[] = [];
  const refused: string[] = [];
  for (const file of fs.readdirSync(dist).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dist, file), 'utf8'))) {
      const o = doc.toJS();
      if (!o) continue;
      if (o.kind === 'Namespace') namespaces.add(o.metadata.name);
      const ns = CLUSTER_SCOPED.has(o.kind) ? undefined : (o.metadata.namespace ?? 'default');
      if (ns !== undefined && !namespaces.has(ns)) refused.push(`${file}: ${o.kind} ${ns}/${o.metadata.name}: namespaces "${ns}" not found`);
      else applied.push(`${file}: ${o.kind} ${ns ? `${ns}/` : ''}${o.metadata.name}`);
    }
  }
  return { applied, refused };
}

test.each(exampleNames())('examples/%s: dist/ applies in file order on an empty cluster', (name) => {
  // GIVEN
  const app = buildExample(name);
  const dist = tempDir(`gw-apply-${name}-`);
  (app as { outdir: string }).outdir = dist;

  // WHEN
  app.synth();
  const { applied, refused } = applyInOrder(dist, EXISTING[name]);

  // THEN
  expect(refused).toEqual([]);
  expect(applied.length).toBeGreaterThan(0);
});

test('the team\'s chart applies after the platform chart that creates its Namespace, whatever the chart names', () => {
  // GIVEN a team chart whose name sorts first ("blog" < "platform"), as in the issue's multi-team report
  const dist = tempDir('gw-apply-');
  const app = new App({ outdir: dist });
  const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
  const gateway = new Gateway(platform, 'edge', { gatewayClass: GatewayClass.nodeDataPlane(platform), listeners: [Listener.http({ name: 'web', port: 80 })] });
  const blog = new Chart(app, 'blog', { namespace: 'blog' });
  gateway.grantTeam('blog', { namespace: 'blog', listeners: ['web'], createNamespace: true }).httpRoute(blog, 'posts', {});

  // WHEN
  app.synth();

  // THEN the files are numbered in dependency order, and each Namespace comes before the objects in it
  expect(fs.readdirSync(dist).sort()).toEqual(['0000-platform.k8s.yaml', '0001-blog.k8s.yaml']);
  const { applied, refused } = applyInOrder(dist);
  expect(refused).toEqual([]);
  expect(applied[0]).toBe('0000-platform.k8s.yaml: Namespace gateway-system');
  expect(applied).toContain('0001-blog.k8s.yaml: HTTPRoute blog/posts');
});

test('createNamespace: false leaves the Gateway\'s namespace to the platform; an app\'s own Namespace is not written twice', () => {
  const app = new App({ outdir: tempDir('gw-apply-') });
  const a = new Chart(app, 'a', { namespace: 'edge-a' });
  new Gateway(a, 'edge', { gatewayClass: GatewayClass.fromName('eg'), createNamespace: false, listeners: [Listener.http({ name: 'web', port: 80 })] });
  const b = new Chart(app, 'b', { namespace: 'edge-b' });
  new Gateway(b, 'edge', { gatewayClass: GatewayClass.fromName('eg'), listeners: [Listener.http({ name: 'web', port: 80 })] });
  const own = new Chart(app, 'own');
  new Chart(app, 'c', { namespace: 'edge-c' });
  new Gateway(app.node.findChild('c') as Chart, 'edge', { gatewayClass: GatewayClass.fromName('eg'), listeners: [Listener.http({ name: 'web', port: 80 })] });
  new ApiObject(own, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge-c', labels: { mine: 'yes' } } });

  app.synth();

  const namespaces = app.charts.flatMap((c) => c.toJson()).filter((o) => o.kind === 'Namespace');
  expect(namespaces).toEqual([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge-b' } },
    expect.objectContaining({ metadata: { name: 'edge-c', labels: { mine: 'yes' } } }),
  ]);
});
