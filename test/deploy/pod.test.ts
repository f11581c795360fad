/**
 * The pod test: dist/ is a running gateway short of Kubernetes itself. The quickstart example is
 * synthesized; then, from the YAML alone, the data-plane Deployment's volumes are laid out as the kubelet
 * would (ConfigMaps and Secrets with the `..data` symlink layout) and the container's command and args are
 * run with Node (24 when it can be installed, the pods' version). Real HTTP and HTTPS clients (curl) go
 * through it to echo backends.
 *
 * What stands in for the cluster: the TLS Secret (cert-manager would issue it; here a self-signed one made
 * now), cluster DNS (`--backend` maps the Services to the echo processes) and the Service (each listener
 * port is bound on a free local port with `--port-map <port>=0`, and the admin port on a free one).
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { App, Chart } from 'cdk8s';
import { stringify } from 'yaml';
import { K8sObject, LaidOutPod, layOutPod, readManifests, updateConfigMapVolume } from './kubelet';
import { build } from '../../examples/quickstart/app';
import { Backend, Gateway, HttpMatch, HttpRoute } from '../../src';
import type { DataPlaneConfig } from '../../src/config/dataplane-config';
import { explainRequest } from '../../src/router';
import { selfSignedCert } from '../support/certs';
import { request } from '../support/http';
import { dataPlaneNode, Spawned, startEcho, tempDir } from '../support/processes';

const run = promisify(execFile);

interface Fixture {
  dist: string;
  objects: K8sObject[];
  pod: LaidOutPod;
  proc: Spawned;
  echoes: Spawned[];
  ca: string;
  backends: Record<string, string>;
  config: DataPlaneConfig;
}

let f: Fixture;

/** Synthesizes the quickstart (optionally with one more route) into `dir` and returns its objects. */
function synthQuickstart(dir: string, extraRoute = false): K8sObject[] {
  const app = new App({ outdir: dir });
  build(app);
  if (extraRoute) {
    const gateway = app.node.findAll().find((c): c is Gateway => Gateway.isGateway(c))!;
    new HttpRoute(app.node.findChild('shop') as Chart, 'new-feature', {
      // the team's listener for its hostname (a route on `websecure` itself would not be admitted: it is the platform's)
      parentRefs: [{ parent: gateway, sectionName: 'websecure-shop.example.com' }],
      hostnames: ['shop.example.com'],
      rules: [{ matches: [HttpMatch.pathPrefix('/new')], backends: [Backend.fromServiceName('new-feature', { port: 8080 })] }],
    });
  }
  app.synth();
  return readManifests(dir);
}

beforeAll(async () => {
  const work = tempDir('gw-pod-');
  const dist = path.join(work, 'dist');
  const objects = synthQuickstart(dist);

  // the cluster's part: the certificate Secret the Gateway refers to
  const cert = selfSignedCert(['*.example.com', 'shop.example.com']);
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: 'example-com-tls', namespace: 'gateway-system' },
    data: { 'tls.crt': Buffer.from(cert.cert).toString('base64'), 'tls.key': Buffer.from(cert.key).toString('base64') },
  };
  fs.writeFileSync(path.join(work, 'cluster-secret.yaml'), stringify(secret));

  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'cdk8s-gateway')!;
  const pod = layOutPod([...objects, secret], deployment, path.join(work, 'pod'), dataPlaneNode());

  // one echo backend per Service port the config routes to (pod "<service>-0"), and one for the route added later
  const config: DataPlaneConfig = JSON.parse(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'edge-dataplane-config')!.data['config.json']);
  const services = [...Object.values(config.backends).map((b) => ({ ns: b.namespace, name: b.name, port: b.port })), { ns: 'shop', name: 'new-feature', port: 8080 }];
  const backends: Record<string, string> = {};
  const echoes: Spawned[] = [];
  for (const svc of services) {
    const echo = await startEcho(`${svc.name}-0`, ['--namespace', svc.ns]);
    echoes.push(echo.proc);
    backends[`${svc.ns}/${svc.name}:${svc.port}`] = echo.target;
  }

  const listenerPorts = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'edge-dataplane')!.spec.ports.map((p: any) => p.port);
  const argv = [...pod.argv, '--address', '127.0.0.1', '--admin-port', '0', ...listenerPorts.flatMap((p: number) => ['--port-map', `${p}=0`])];
  for (const [id, target] of Object.entries(backends)) argv.push('--backend', `${id}=${target}`);
  const proc = new Spawned(spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd: work }));
  await proc.waitForLine(/^ready$/, 30_000);
  process.stdout.write(`pod test: ${argv.slice(0, 3).join(' ')} ... (${execFileSync(argv[0], ['--version'], { encoding: 'utf8' }).trim()})\n`);
  f = { dist, objects, pod, proc, echoes, ca: cert.cert, backends, config };
  fs.writeFileSync(path.join(work, 'ca.crt'), cert.cert);
}, 300_000);

afterAll(async () => {
  if (process.env.POD_TEST_DEBUG) process.stdout.write(`${f?.proc.lines.join('\n')}\n${f?.proc.stderr.join('')}\n`);
  await Promise.all([f?.proc.stop(), ...(f?.echoes ?? []).map((e) => e.stop())]);
});

/** curl's answer: status, the redirect Location if any, and the body (parsed when JSON). */
async function curl(args: string[]): Promise<{ status: number; location?: string; body: any }> {
  const { stdout } = await run('curl', ['-sS', '--max-time', '10', '-w', '\n%{http_code} %{redirect_url}', ...args]);
  const i = stdout.lastIndexOf('\n');
  const body = stdout.slice(0, i);
  const [status, location] = stdout.slice(i + 1).split(' ');
  let json: any;
  try {
    json = JSON.parse(body);
  } catch {
    json = body;
  }
  return { status: Number(status), location: location || undefined, body: json };
}

function https(pathAndQuery: string): Promise<{ status: number; body: any }> {
  const port = f.proc.ports.get(443)!;
  const caFile = path.join(f.pod.root, '..', 'ca.crt');
  return curl(['--cacert', caFile, '--resolve', `shop.example.com:${port}:127.0.0.1`, `https://shop.example.com:${port}${pathAndQuery}`]);
}

test('the pod binds what the Service targets: each listener, and the admin port the probes use', () => {
  const bound = new Set(f.proc.lines.filter((l) => l.startsWith('listening ')).map((l) => Number(l.split(' ')[2])));
  const service = f.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'edge-dataplane')!;
  expect([...bound].sort()).toEqual(service.spec.ports.map((p: any) => p.port).sort());
  expect(f.proc.adminPort).toBeGreaterThan(0);
});

/** What the compiled config says a request gets: a redirect, the echo pod of a backend, or a status. */
function expected(url: string): { status: number; pod?: string; location?: string } {
  const e = explainRequest(f.config, { method: 'GET', url });
  if (e.redirect) return { status: e.redirect.statusCode, location: e.redirect.location };
  const b = e.backends.find((x) => x.percent === 100)?.backend;
  if (b) return { status: 200, pod: `${b.name}-0` };
  return { status: e.status ?? 0 };
}

async function onTheWire(url: string): Promise<{ status: number; pod?: string; location?: string }> {
  const u = new URL(url);
  const port = f.proc.ports.get(Number(u.port || (u.protocol === 'https:' ? 443 : 80)))!;
  const local = `${u.protocol}//${u.hostname}:${port}${u.pathname}${u.search}`;
  const r = await curl(['--cacert', path.join(f.pod.root, '..', 'ca.crt'), '--resolve', `${u.hostname}:${port}:127.0.0.1`, local]);
  return { status: r.status, ...(r.location ? { location: r.location } : {}), ...(r.body?.pod ? { pod: r.body.pod } : {}) };
}

test.each([
  'https://shop.example.com/api/orders?id=7',
  'https://shop.example.com/',
  'http://shop.example.com/api/orders',
  'http://shop.example.com/cart',
])('%s gets on the wire what the compiled config says', async (url) => {
  const want = expected(url);
  expect(await onTheWire(url)).toEqual(want);
});

test('HTTPS reaches a routed Service through the mounted certificate', async () => {
  const r = await https('/api/orders?id=7');
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ namespace: 'shop', path: '/api/orders?id=7', headers: { 'x-forwarded-proto': 'https' } });
});

test('the admin port answers the probes', async () => {
  const ready = await request(`http://127.0.0.1:${f.proc.adminPort}/readyz`);
  const live = await request(`http://127.0.0.1:${f.proc.adminPort}/healthz`);
  expect([ready.status, live.status]).toEqual([200, 200]);
});

test('a new config ConfigMap reaches the running pod by hot reload, without a restart', async () => {
  // GIVEN the app changed: one more route, synthesized again
  const before = await https('/new/thing');
  expect(before.body.pod).not.toBe('new-feature-0');
  const next = synthQuickstart(path.join(f.dist, '..', 'dist-2'), true);
  const configMap = next.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'edge-dataplane-config')!;
  const deployment = next.find((o) => o.kind === 'Deployment' && o.metadata.name === 'edge-dataplane')!;
  // only the config changed: the pod template is the same, so Kubernetes would not restart the pods
  expect(deployment.spec.template).toEqual(f.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'edge-dataplane')!.spec.template);

  // WHEN the kubelet swaps the volume's content
  updateConfigMapVolume(f.pod, '/etc/cdk8s-gateway/config', configMap);

  // THEN the same process serves the new route
  let after = await https('/new/thing');
  for (let i = 0; i < 50 && after.body.pod !== 'new-feature-0'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = await https('/new/thing');
  }
  expect(after.body.pod).toBe('new-feature-0');
  expect(f.proc.exitCode).toBeUndefined();
});

test('SIGTERM drains and exits cleanly (what the kubelet sends after the preStop delay)', async () => {
  f.proc.signal('SIGTERM');
  expect(await f.proc.waitForExit()).toBe(0);
});
