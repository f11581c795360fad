/**
 * Cluster mode at synth: one data-plane prop renders the sync container, its token (in that container only)
 * and least-privilege RBAC; the rendered RBAC is then the only authority sync gets on the stand-in API server.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { readManifests } from './kubelet';
import { Backend, Gateway, GatewayClass, HttpMatch, HttpRoute, Listener, ReferenceGrant } from '../../src';
import { KubeClient } from '../../src/sync/kube-client';
import { startEchoServers } from '../support/echo';
import { gatewayApiCrds, KubeApiServer } from '../support/kube-apiserver';
import { REPO_ROOT } from '../support/node-versions';
import { Spawned, tempDir } from '../support/processes';
import { waitFor } from '../support/wait';
import { GW_NS, serveCluster, slice, until } from '../sync/cluster-fixture';

function synth(dir: string): any[] {
  const app = new App({ outdir: dir });
  const platform = new Chart(app, 'platform', { namespace: GW_NS });
  const gateway = new Gateway(platform, 'edge', {
    gatewayClass: GatewayClass.nodeDataPlane(platform),
    listeners: [Listener.http({ name: 'web', port: 80 })],
    dataPlane: { replicas: 2, clusterMode: { certificateNamespaces: ['certs'] } },
  });
  new HttpRoute(platform, 'home', {
    parentRefs: [{ parent: gateway }],
    rules: [{ matches: [HttpMatch.pathPrefix('/')], backends: [Backend.fromServiceName('web', { port: 80 })] }],
  });
  // a grant at synth: Gateways of gateway-system may use Secrets of "issuer"
  new ReferenceGrant(new Chart(app, 'issuer', { namespace: 'issuer' }), 'certs-for-gateways', {
    from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: GW_NS }],
    to: [{ group: '', kind: 'Secret' }],
  });
  process.env.CDK8S_GATEWAY_QUIET = '1';
  app.synth();
  return readManifests(dir);
}

const dist = path.join(tempDir('gw-cluster-synth-'), 'dist');
const objects = synth(dist);
const deployment = objects.find((o) => o.kind === 'Deployment');
const pod = deployment.spec.template.spec;
const container = (name: string) => pod.containers.find((c: any) => c.name === name);

test('the proxy container has no API token: the pod does not automount one and only the sync container mounts the projected token', () => {
  expect(pod.automountServiceAccountToken).toBe(false);
  const tokenVolumes = pod.volumes.filter((v: any) => v.projected?.sources?.some((s: any) => s.serviceAccountToken)).map((v: any) => v.name);
  expect(tokenVolumes).toEqual(['sync-api-token']);
  expect(container('sync').volumeMounts).toContainEqual({ name: 'sync-api-token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true });
  const dp = container('dataplane');
  expect(dp.volumeMounts.map((m: any) => m.name)).not.toContain('sync-api-token');
  expect(dp.volumeMounts.some((m: any) => m.mountPath.startsWith('/var/run/secrets'))).toBe(false);
  expect(JSON.stringify(dp.env ?? [])).not.toMatch(/KUBE|TOKEN/i);
  // the shared directory: written by sync, read-only for the proxy
  expect(dp.volumeMounts).toContainEqual({ name: 'sync', mountPath: '/run/cdk8s-gateway/sync', readOnly: true });
  expect(dp.args).toEqual(expect.arrayContaining(['--sync-dir', '/run/cdk8s-gateway/sync', '--config']));
  expect(pod.volumes.find((v: any) => v.name === 'sync').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '64Mi' });
  // the same stock image, the sync bundle from the bundle ConfigMap
  expect(container('sync').image).toBe(dp.image);
  expect(container('sync').args.slice(0, 2)).toEqual(['--', '/opt/cdk8s-gateway/bundle/sync.js.gz']);
  const bundle = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'edge-dataplane-bundle');
  expect(Object.keys(bundle.binaryData).sort()).toEqual(['dataplane.js.gz', 'sync.js.gz']);
});

test('the RBAC reads, writes only status subresources and its own Lease, and Secrets are readable only in the namespaces certificates may come from', () => {
  const rbac = objects.filter((o) => /Role/.test(o.kind));
  for (const r of rbac.filter((o) => o.rules)) {
    for (const rule of r.rules) {
      const writes = rule.verbs.filter((v: string) => !['get', 'list', 'watch'].includes(v));
      if (writes.length === 0) continue;
      // writes: status subresources (update), and the Lease of the status writer's election
      if (rule.apiGroups[0] === 'coordination.k8s.io') {
        expect(r.metadata.namespace).toBe(GW_NS);
        expect(rule.resources).toEqual(['leases']);
        if (rule.resourceNames) expect(rule.resourceNames).toEqual(['edge-dataplane-status']);
        else expect(rule.verbs).toEqual(['create']);
      } else {
        expect(writes).toEqual(['update']);
        for (const res of rule.resources) expect(res).toMatch(/\/status$/);
      }
    }
  }
  const statusRule = rbac.find((o) => o.kind === 'ClusterRole').rules.find((r: any) => r.resources.some((x: string) => x.endsWith('/status')));
  expect(statusRule.resources).toEqual(expect.arrayContaining(['gateways/status', 'httproutes/status', 'gatewayclasses/status', 'backendtlspolicies/status', 'listenersets/status']));
  expect(statusRule.resources).not.toContain('referencegrants/status');
  const clusterRole = rbac.find((o) => o.kind === 'ClusterRole');
  expect(clusterRole.metadata.namespace).toBeUndefined();
  expect(clusterRole.rules.flatMap((r: any) => r.resources)).not.toContain('secrets');
  const secretRoles = rbac.filter((o) => o.kind === 'Role' && o.rules.some((r: any) => r.resources.includes('secrets')));
  expect(secretRoles.map((r) => r.metadata.namespace).sort()).toEqual(['certs', GW_NS, 'issuer']);
  const bindings = rbac.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding');
  for (const b of bindings) expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'edge-dataplane', namespace: GW_NS }]);
});

describe('sync with exactly the rendered RBAC', () => {
  let api: KubeApiServer;
  let gw: Spawned;
  let closeEcho: () => Promise<void>;

  beforeAll(async () => {
    api = await KubeApiServer.start();
    api.apply(gatewayApiCrds());
    for (const ns of [GW_NS, 'certs', 'issuer', 'vault']) api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    api.apply(objects);
    const [echo] = await startEchoServers('web-0');
    closeEcho = echo.close;
    api.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: GW_NS }, spec: { ports: [{ name: 'http', port: 80 }] } }, slice(GW_NS, 'web', echo));
    const token = api.issueToken(`system:serviceaccount:${GW_NS}:edge-dataplane`);
    const kubeconfig = api.writeKubeconfig(tempDir('gw-sa-'), token, 'sa');
    gw = await serveCluster({ api, pods: [echo], kubeconfig, dir: '' }, kubeconfig);
  }, 30_000);

  afterAll(async () => {
    await gw?.stop();
    await closeEcho?.();
    await api?.close();
  });

  test('serves the Gateway, with no request denied', async () => {
    await until(gw.url(80, '/'), (s, b) => s === 200 && b.pod === 'web-0');
    expect(api.requests.filter((r) => r.user.startsWith('system:serviceaccount:') && r.code === 403)).toEqual([]);
    expect(api.requests.filter((r) => r.user.startsWith('system:serviceaccount:') && !['list', 'watch', 'GET'].includes(r.verb))).toEqual([]);
  });

  test('a grant to a namespace the RBAC does not cover is denied, and the denial is logged with verb, resource and namespace', async () => {
    api.apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'ReferenceGrant',
      metadata: { name: 'late', namespace: 'vault' },
      spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: GW_NS }], to: [{ group: '', kind: 'Secret' }] },
    });
    await until(gw.url(80, '/'), () => gw.json().some((l) => /RBAC denied sync/.test(l.msg ?? '')), 5000);
    const line = gw.json().find((l) => /RBAC denied sync/.test(l.msg ?? ''))!;
    expect(line.msg).toMatch(/cannot list secrets in namespace "vault"/);
    expect(line).toMatchObject({ verb: 'list', resource: 'secrets', namespace: 'vault', code: 403 });
    // the rest keeps serving
    expect((await until(gw.url(80, '/'), (s) => s === 200))).toBeGreaterThanOrEqual(0);
  });
});

describe('the pod\'s sync with --write-status and exactly the rendered RBAC', () => {
  const V1 = 'gateway.networking.k8s.io/v1';
  const SA = `system:serviceaccount:${GW_NS}:edge-dataplane`;
  let api: KubeApiServer;
  let sync: Spawned;
  let token: string;

  beforeAll(async () => {
    api = await KubeApiServer.start();
    api.apply(gatewayApiCrds());
    for (const ns of [GW_NS, 'certs', 'issuer']) api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    api.apply(objects);
    api.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: GW_NS }, spec: { ports: [{ name: 'http', port: 80 }] } });
    token = api.issueToken(SA);
    const kubeconfig = api.writeKubeconfig(tempDir('gw-sa-status-'), token, 'sa');
    // the rendered container's own arguments (after the bundle path), with a local shared directory and the kubeconfig
    const args: string[] = container('sync').args.slice(2);
    args[args.indexOf('--sync-dir') + 1] = tempDir('gw-sync-status-');
    expect(args).toContain('--write-status');
    sync = new Spawned(spawn(process.execPath, [path.join(REPO_ROOT, 'assets', 'sync.js'), ...args, '--kubeconfig', kubeconfig, '--identity', 'edge-dataplane-0'],
      { stdio: ['ignore', 'pipe', 'pipe'] }));
  }, 30_000);

  afterAll(async () => {
    sync?.proc.kill('SIGKILL');
    await api?.close();
  });

  const lease = () => api.get('coordination.k8s.io/v1', 'Lease', GW_NS, 'edge-dataplane-status');
  const ours = (o: any) => (o?.status?.parents ?? []).find((p: any) => p.controllerName === 'cdk8s-gateway.io/node-data-plane');
  const condition = (o: any, type: string) => (o?.status?.conditions ?? []).find((c: any) => c.type === type);
  const byServiceAccount = () => api.requests.filter((r) => r.user === SA);

  const denied = () => byServiceAccount().filter((r) => r.code === 403);
  /** Waits for `done` unless a request is denied first: a missing rule fails with the request it denied. */
  const untilDoneOrDenied = async (done: () => boolean) => {
    await waitFor(() => denied().length > 0 || done(), 10_000);
    expect(denied()).toEqual([]);
  };

  test('takes the Lease and writes the GatewayClass\', Gateway\'s and route\'s status, with no request denied', async () => {
    const gatewayName = objects.find((o) => o.kind === 'Gateway').metadata.name;
    const className = objects.find((o) => o.kind === 'GatewayClass').metadata.name;
    const routeName = objects.find((o) => o.kind === 'HTTPRoute').metadata.name;
    await untilDoneOrDenied(() => lease()?.spec?.holderIdentity === 'edge-dataplane-0'
      && condition(api.get(V1, 'Gateway', GW_NS, gatewayName), 'Accepted')?.status === 'True'
      && condition(api.get(V1, 'GatewayClass', '', className), 'Accepted')?.status === 'True'
      && ours(api.get(V1, 'HTTPRoute', GW_NS, routeName))?.conditions?.some((c: any) => c.type === 'Accepted' && c.status === 'True'));
    // the writes went through the ServiceAccount's token: the Lease created, status written through /status only
    const writes = byServiceAccount().filter((r) => !['list', 'watch', 'get'].includes(r.verb));
    expect(writes.filter((r) => r.verb === 'create').map((r) => `${r.path} ${r.code}`)).toEqual([`/apis/coordination.k8s.io/v1/namespaces/${GW_NS}/leases 201`]);
    const statusWrites = writes.filter((r) => r.verb === 'update' && r.path.endsWith('/status'));
    expect(new Set(statusWrites.map((r) => r.path.split('/').slice(-3, -1).join('/')))).toEqual(new Set([
      `gatewayclasses/${className}`, `gateways/${gatewayName}`, `httproutes/${routeName}`,
    ]));
    for (const r of statusWrites) expect(r.code).toBe(200);
    // after a 409 Conflict the writer reads the object again (GET): allowed for every kind it writes
    const c = new KubeClient({ server: api.url, tls: { ca: api.ca }, description: 'the stand-in', headers: async () => ({ authorization: `Bearer ${token}` }) });
    try {
      for (const objectPath of [`/apis/${V1}/gatewayclasses/${className}`, `/apis/${V1}/namespaces/${GW_NS}/gateways/${gatewayName}`, `/apis/${V1}/namespaces/${GW_NS}/httproutes/${routeName}`]) {
        expect((await c.get(objectPath)).metadata.name).toBe(objectPath.split('/').pop());
      }
    } finally {
      c.close();
    }
  }, 30_000);

  test('renews the Lease, and releases it on SIGTERM', async () => {
    const renewed = lease().spec.renewTime;
    await untilDoneOrDenied(() => lease().spec.renewTime !== renewed);
    sync.proc.kill('SIGTERM');
    await untilDoneOrDenied(() => lease().spec.holderIdentity === '');
  }, 30_000);
});
