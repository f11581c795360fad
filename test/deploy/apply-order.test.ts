/**
 * `kubectl apply -f dist/` on an empty cluster (CRDs installed) applies the files in name order, each top to
 * bottom, and the API server refuses an object whose namespace does not exist yet. Every example's dist/ is
 * applied with the machine's kubectl, as the README says (`kubectl apply --server-side -f dist/`), to the
 * stand-in API server (test/support/kube-apiserver: NamespaceLifecycle on, the Gateway API CRDs applied).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import { readManifests } from './kubelet';
import { build as buildPlatform } from '../../examples/two-repos/platform/app';
import { build as buildShop } from '../../examples/two-repos/shop/app';
import { Gateway, GatewayClass, Listener } from '../../src';
import { buildExample, exampleNames } from '../crd-validation/examples';
import { gatewayApiCrds, KubeApiServer, kubectl, KubectlResult } from '../support/kube-apiserver';
import { tempDir } from '../support/processes';

process.env.CDK8S_GATEWAY_QUIET = '1';

/**
 * Namespaces an example says exist before it is applied: multi-team's `shop` uses the `payments` team's Service,
 * whose namespace (and ReferenceGrant target) another team's app creates.
 */
const EXISTING: Record<string, string[]> = { 'multi-team': ['payments'] };

const root = tempDir('gw-apply-');
let dists = 0;
/** A fresh dist/ directory (one temp root for the file: tempDir adds an exit listener per call). */
function newDist(): string {
  return fs.mkdtempSync(path.join(root, `dist-${dists++}-`));
}

/** An empty cluster with the CRDs (and `existing` namespaces), `kubectl apply --server-side -f dist/` on it. */
async function applyToEmptyCluster(dist: string, existing: string[] = []): Promise<KubectlResult & { api: KubeApiServer }> {
  const api = await KubeApiServer.start({ namespaceLifecycle: true });
  api.apply(gatewayApiCrds());
  for (const name of existing) api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  try {
    return { ...await kubectl(api, ['apply', '--server-side', '-f', `${dist}${path.sep}`]), api };
  } finally {
    await api.close();
  }
}

/** Each object of dist/ as `Kind ns/name`, and whether the API server stored it. */
function stored(api: KubeApiServer, dist: string): Array<[string, boolean]> {
  return readManifests(dist).map((o) => {
    const ns = o.metadata.namespace ?? 'default';
    const found = api.get(o.apiVersion, o.kind, ns, o.metadata.name) ?? api.get(o.apiVersion, o.kind, '', o.metadata.name);
    return [`${o.kind} ${o.metadata.namespace ? `${ns}/` : ''}${o.metadata.name}`, found !== undefined];
  });
}

test.each(exampleNames())('examples/%s: kubectl apply -f dist/ succeeds on an empty cluster', async (name) => {
  // GIVEN
  const app = buildExample(name);
  const dist = newDist();
  (app as { outdir: string }).outdir = dist;
  app.synth();

  // WHEN
  const { code, stderr, api } = await applyToEmptyCluster(dist, EXISTING[name]);

  // THEN kubectl reports no error and the cluster holds every object of dist/
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const objects = stored(api, dist);
  expect(objects.length).toBeGreaterThan(0);
  expect(objects.filter(([, ok]) => !ok)).toEqual([]);
});

test('the stand-in refuses what a real cluster refuses: an object applied before its Namespace', async () => {
  // GIVEN a dist/ whose route file sorts before the file with its Namespace
  const dist = newDist();
  fs.writeFileSync(path.join(dist, 'a-route.yaml'), 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: posts\n  namespace: blog\nspec: {}\n');
  fs.writeFileSync(path.join(dist, 'b-namespace.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: blog\n');

  // WHEN
  const { code, stderr, api } = await applyToEmptyCluster(dist);

  // THEN the route fails as it did for the issue's user, and the later Namespace is still created
  expect(code).not.toBe(0);
  expect(stderr).toMatch(/namespaces "blog" not found/);
  expect(stored(api, dist)).toEqual([['HTTPRoute blog/posts', false], ['Namespace blog', true]]);
});

test('the team\'s chart applies after the platform chart that creates its Namespace, whatever the chart names', async () => {
  // GIVEN a team chart whose name sorts first ("blog" < "platform"), as in the issue's multi-team report
  const dist = newDist();
  const app = new App({ outdir: dist });
  const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
  const gateway = new Gateway(platform, 'edge', { gatewayClass: GatewayClass.nodeDataPlane(platform), listeners: [Listener.http({ name: 'web', port: 80 })] });
  const blog = new Chart(app, 'blog', { namespace: 'blog' });
  gateway.grantTeam('blog', { namespace: 'blog', listeners: ['web'], createNamespace: true }).httpRoute(blog, 'posts', {});

  // WHEN
  app.synth();
  const { code, stdout, stderr, api } = await applyToEmptyCluster(dist);

  // THEN the files are numbered in dependency order, and each Namespace is applied before the objects in it
  expect(fs.readdirSync(dist).filter((f) => f.endsWith('.yaml')).sort()).toEqual(['0000-platform.k8s.yaml', '0001-blog.k8s.yaml']);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toBe('namespace/gateway-system serverside-applied');
  expect(lines.indexOf('namespace/blog serverside-applied')).toBeLessThan(lines.indexOf('httproute.gateway.networking.k8s.io/posts serverside-applied'));
  expect(stored(api, dist).filter(([, ok]) => !ok)).toEqual([]);
});

test('two repositories: the platform applies its dist/, then the shop team applies its own with its RBAC', async () => {
  // GIVEN examples/two-repos synthesized as each repository does
  const platformApp = new App({ outdir: newDist() });
  buildPlatform(platformApp);
  platformApp.synth();
  const shopApp = new App({ outdir: newDist() });
  buildShop(shopApp);
  shopApp.synth();
  const api = await KubeApiServer.start({ namespaceLifecycle: true });
  try {
    api.apply(gatewayApiCrds());

    // WHEN the platform applies its dist/ (an admin), then a shop developer applies the team's (the grant's Role)
    const platform = await kubectl(api, ['apply', '--server-side', '-f', `${platformApp.outdir}${path.sep}`]);
    const shop = await kubectl(api, ['apply', '--server-side', '-f', `${shopApp.outdir}${path.sep}`], api.issueToken('alice', ['shop-developers']));

    // THEN both succeed and the cluster holds every object of both
    expect([platform.code, platform.stderr]).toEqual([0, '']);
    expect([shop.code, shop.stderr]).toEqual([0, '']);
    expect(stored(api, shopApp.outdir)).toEqual([['HTTPRoute shop/storefront', true]]);
    expect(stored(api, platformApp.outdir).filter(([, ok]) => !ok)).toEqual([]);
  } finally {
    await api.close();
  }
});

test('createNamespace: false leaves the Gateway\'s namespace to the platform; an app\'s own Namespace is not written twice', () => {
  const app = new App({ outdir: newDist() });
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
