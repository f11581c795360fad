/**
 * The pod test for what is not HTTP: an app with a gRPC (h2c), a TCP, a UDP and a TLS passthrough listener
 * is synthesized; the data-plane Deployment is laid out as the kubelet would (see pod.test.ts and kubelet.ts)
 * and its container command run with Node 24. Real clients go through it: @grpc/grpc-js, net, dgram and tls.
 *
 * What stands in for the cluster: cluster DNS (`--backend` maps the Services to servers in this process) and
 * the Service (each Service port, TCP or UDP, is bound on a free local port with `--port-map <port>=0`).
 */
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { App, Chart } from 'cdk8s';
import { K8sObject, layOutPod, readManifests } from './kubelet';
import { Backend, Gateway, GatewayClass, GrpcMatch, GrpcRoute, Listener, TcpRoute, TlsRoute, UdpRoute } from '../../src';
import { DataPlaneSynthStep } from '../../src/deploy/synth-step';
import { selfSignedCert } from '../support/certs';
import { cartPackage, GrpcBackend, startGrpcBackend, unaryCall } from '../support/grpc';
import { dataPlaneNode, Spawned, tempDir } from '../support/processes';
import { waitFor } from '../support/wait';

/** The app: one Gateway, four listeners, one route each. */
function synth(dir: string): K8sObject[] {
  const app = new App({ outdir: dir });
  const chart = new Chart(app, 'edge', { namespace: 'edge' });
  const gateway = new Gateway(chart, 'l4', {
    gatewayClass: GatewayClass.nodeDataPlane(chart),
    listeners: [
      Listener.http({ name: 'grpc', port: 80 }),
      Listener.tcp({ name: 'redis', port: 6379 }),
      Listener.udp({ name: 'dns', port: 5353 }),
      Listener.tlsPassthrough({ name: 'db', port: 5432, hostname: '*.db.example.com' }),
    ],
  });
  new GrpcRoute(chart, 'cart', {
    parentRefs: [{ parent: gateway, sectionName: 'grpc' }],
    rules: [{ matches: [GrpcMatch.service('shop.cart.v1.Cart')], backends: [Backend.fromServiceName('cart', { port: 9090 })] }],
  });
  new TcpRoute(chart, 'redis', { parentRefs: [{ parent: gateway, sectionName: 'redis' }], backends: [Backend.fromServiceName('redis', { port: 6379 })] });
  new UdpRoute(chart, 'dns', { parentRefs: [{ parent: gateway, sectionName: 'dns' }], backends: [Backend.fromServiceName('coredns', { port: 53 })] });
  new TlsRoute(chart, 'postgres', {
    parentRefs: [{ parent: gateway, sectionName: 'db' }],
    hostnames: ['pg.db.example.com'],
    backends: [Backend.fromServiceName('postgres', { port: 5432 })],
  });
  DataPlaneSynthStep.enable(app);
  app.synth();
  return readManifests(dir);
}

let objects: K8sObject[];
let proc: Spawned;
let cart: GrpcBackend;
const servers: Array<{ close(): void }> = [];
const pgCert = selfSignedCert(['pg.db.example.com']);

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return (server.address() as net.AddressInfo).port;
}

beforeAll(async () => {
  const work = tempDir('gw-pod-l4-');
  objects = synth(path.join(work, 'dist'));
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'cdk8s-gateway')!;
  const pod = layOutPod(objects, deployment, path.join(work, 'pod'), dataPlaneNode());

  cart = await startGrpcBackend('cart-0');
  const redis = await listen(net.createServer((s) => s.on('data', (d) => s.write(`+redis ${d}`))));
  const postgres = await listen(tls.createServer({ cert: pgCert.cert, key: pgCert.key }, (s) => s.end(`postgres sni=${s.servername}\n`)));
  const dns = dgram.createSocket('udp4');
  dns.on('message', (m, r) => dns.send(`coredns ${m}`, r.port, r.address));
  await new Promise<void>((r) => dns.bind(0, '127.0.0.1', r));
  servers.push(dns);
  const backends: Record<string, string> = {
    'edge/cart:9090': `127.0.0.1:${cart.port}`,
    'edge/redis:6379': `127.0.0.1:${redis}`,
    'edge/coredns:53': `127.0.0.1:${dns.address().port}`,
    'edge/postgres:5432': `127.0.0.1:${postgres}`,
  };

  const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'l4-dataplane')!;
  const argv = [...pod.argv, '--address', '127.0.0.1', '--admin-port', '0', ...service.spec.ports.flatMap((p: any) => ['--port-map', `${p.port}=0`])];
  for (const [id, target] of Object.entries(backends)) argv.push('--backend', `${id}=${target}`);
  proc = new Spawned(spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd: work }));
  await proc.waitForLine(/^ready$/, 30_000);
}, 300_000);

afterAll(async () => {
  await proc?.stop();
  await cart?.close();
  for (const s of servers) s.close();
});

test('the Service exposes each listener with its transport, and the pod binds them all', () => {
  const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'l4-dataplane')!;
  expect(service.spec.ports.map((p: any) => `${p.port}/${p.protocol}`).sort()).toEqual(['5353/UDP', '5432/TCP', '6379/TCP', '80/TCP']);
  const bound = proc.lines.filter((l) => l.startsWith('listening ')).map((l) => l.split(' ').slice(1, 3).join(' ')).sort();
  expect(bound).toEqual(['HTTP 80', 'TCP 6379', 'TLS 5432', 'UDP 5353']);
});

test('GRPCRoute: a gRPC call over h2c reaches the cart Service', async () => {
  const client = new (cartPackage().Cart)(`127.0.0.1:${proc.ports.get(80)}`, grpc.credentials.createInsecure());
  const r = await unaryCall(client, 'list', { name: 'basket' });
  client.close();
  expect(r.reply).toMatchObject({ backend: 'cart-0', name: 'basket' });
});

test('TCPRoute: bytes reach the redis Service and come back', async () => {
  const s = net.connect({ host: '127.0.0.1', port: proc.ports.get(6379)! });
  s.write('PING');
  const line = await new Promise<string>((r) => s.once('data', (d) => r(d.toString())));
  s.destroy();
  expect(line).toBe('+redis PING');
});

test('UDPRoute: a datagram reaches the coredns Service and the answer comes back', async () => {
  const c = dgram.createSocket('udp4');
  const answer = new Promise<string>((r) => c.once('message', (m) => r(m.toString())));
  c.send('query example.com', proc.ports.get(5353)!, '127.0.0.1');
  expect(await answer).toBe('coredns query example.com');
  c.close();
});

test('TLSRoute passthrough: the postgres Service terminates TLS itself, with the SNI the client sent', async () => {
  let got = '';
  await new Promise<void>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: proc.ports.get(5432)!, servername: 'pg.db.example.com', ca: pgCert.cert });
    s.on('data', (d) => { got += d; });
    s.on('end', () => resolve());
    s.on('error', reject);
  });
  expect(got).toBe('postgres sni=pg.db.example.com\n');
  await waitFor(() => proc.json().some((l) => l.msg === 'access' && l.protocol === 'Passthrough' && l.backend === 'edge/postgres:5432'));
});
