import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Chart, Testing } from 'cdk8s';
import { parseAllDocuments, stringify } from 'yaml';
import { AllowedRoutes, Backend, Gateway, GatewayClass, HttpMatch, HttpRoute, Listener } from '../../src';
import { CLI_JS, tempDir } from '../support/processes';
import { conformanceManifestsDir } from '../support/shared-data';

process.env.CDK8S_GATEWAY_QUIET = '1';
const run = promisify(execFile);

async function bundle(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI_JS, 'bundle', ...args], { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

function docs(yaml: string): any[] {
  return parseAllDocuments(yaml).map((d) => d.toJSON()).filter((x) => x);
}

/** The construct-path label kplus puts on pods is the only thing that may differ between the two paths. */
function withoutConstructPath(objects: any[]): any[] {
  return JSON.parse(JSON.stringify(objects), (k, v) => (k === 'cdk8s.io/metadata.addr' ? undefined : v));
}

const HAND_WRITTEN = [
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'node' }, spec: { controllerName: 'cdk8s-gateway.io/node-data-plane' } },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'edge', namespace: 'gateway-system' },
    spec: { gatewayClassName: 'node', listeners: [{ name: 'web', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'api', namespace: 'shop' },
    spec: {
      parentRefs: [{ name: 'edge', namespace: 'gateway-system' }],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'api', port: 8080 }] }],
    },
  },
];

test('Gateway API YAML written by hand gets the same data-plane objects the synth step renders', async () => {
  // GIVEN the YAML, and the same Gateway and route written with the constructs
  const dir = tempDir('gw-bundle-');
  fs.writeFileSync(path.join(dir, 'gateway.yaml'), HAND_WRITTEN.map((o) => stringify(o)).join('---\n'));
  const app = Testing.app();
  const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
  const gateway = new Gateway(platform, 'edge', {
    gatewayClass: GatewayClass.nodeDataPlane(platform, { name: 'node' }),
    listeners: [Listener.http({ name: 'web', port: 80, allowedRoutes: AllowedRoutes.allNamespaces() })],
  });
  new HttpRoute(new Chart(app, 'shop', { namespace: 'shop' }), 'api', {
    parentRefs: [{ parent: gateway }],
    rules: [{ matches: [HttpMatch.pathPrefix('/api')], backends: [Backend.fromServiceName('api', { port: 8080 })] }],
  });

  // WHEN
  const r = await bundle(['--manifests', dir, '-o', path.join(dir, 'dataplane.yaml')]);

  // THEN
  expect(r).toMatchObject({ code: 0, stderr: '' });
  const written = docs(fs.readFileSync(path.join(dir, 'dataplane.yaml'), 'utf8'));
  const synthesized = Testing.synth(platform).filter((o) => o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'cdk8s-gateway');
  expect(withoutConstructPath(written)).toEqual(withoutConstructPath(synthesized));
});

test('infrastructure labels and annotations of an upstream conformance Gateway reach the data-plane objects', async () => {
  const file = path.join(conformanceManifestsDir(), 'gateway-infrastructure.yaml');
  if (!fs.existsSync(file)) {
    process.stdout.write(`skipped: ${file} is not there\n`);
    return;
  }
  const r = await bundle(['--manifests', file, '--gateway-class', '{GATEWAY_CLASS_NAME}', '--replicas', '1', '-o', '-']);
  expect(r.code).toBe(0);
  const objects = docs(r.stdout);
  expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'ConfigMap', 'ServiceAccount', 'Deployment', 'Service', 'NetworkPolicy']);
  for (const o of objects) {
    expect(o.metadata).toMatchObject({ namespace: 'gateway-conformance-infra', labels: { key2: 'value2' }, annotations: { key1: 'value1' } });
  }
  const deployment = objects.find((o) => o.kind === 'Deployment');
  expect(deployment.spec.template.metadata.labels.key2).toBe('value2');
  expect(deployment.spec.replicas).toBe(1);
});

test('a Gateway that is not accepted is reported and nothing is written', async () => {
  const dir = tempDir('gw-bundle-');
  const gateway = { ...HAND_WRITTEN[1], spec: { ...HAND_WRITTEN[1].spec, infrastructure: { parametersRef: { group: 'example.com', kind: 'Params', name: 'p' } } } };
  fs.writeFileSync(path.join(dir, 'gateway.yaml'), [HAND_WRITTEN[0], gateway].map((o) => stringify(o)).join('---\n'));
  const out = path.join(dir, 'dataplane.yaml');
  const r = await bundle(['--manifests', dir, '-o', out]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/error: Gateway gateway-system\/edge: spec: Accepted=False InvalidParameters: .*\. Fix: point parametersRef at an existing core ConfigMap/);
  expect(fs.existsSync(out)).toBe(false);
});

test('manifests without a Gateway of this class: a usage error that lists the Gateways found', async () => {
  const dir = tempDir('gw-bundle-');
  fs.writeFileSync(path.join(dir, 'gateway.yaml'), stringify({ ...HAND_WRITTEN[1], spec: { ...HAND_WRITTEN[1].spec, gatewayClassName: 'eg' } }));
  const r = await bundle(['--manifests', dir, '-o', '-']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('no Gateway of this data plane\'s class in the manifests (Gateways: gateway-system/edge (class eg)); name the class with --gateway-class');
});

test('sizing flags are checked', async () => {
  const r = await bundle(['--manifests', '.', '-o', '-', '--service-type', 'Ingress']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--service-type must be one of LoadBalancer, NodePort, ClusterIP, got "Ingress"');
});

