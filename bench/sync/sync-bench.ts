/**
 * Cluster mode at scale (issue 14): 10,000 HTTPRoutes across 500 namespaces and 50,000 endpoints on the
 * stand-in API server, with sync and the data plane run as in a pod (assets/sync.js and assets/dataplane.js
 * sharing a directory). Prints, does not assert:
 * - initial sync: from sync's start to the data plane's `ready` (first config compiled, written, loaded);
 * - sync's RSS after the initial sync and after the change rounds;
 * - delay from an object's change on the API server to the data plane serving it, p50/p99: a new route
 *   (goal < 1 s) and an endpoint change (goal < 300 ms), measured by polling the gateway every 2 ms;
 * - data-plane CPU per endpoint churn event (one endpoint of one Service turning not ready or ready),
 *   less the idle CPU of the same period.
 *
 * Run: `npx projen bench:sync` (bundled with esbuild first, run by bench/sync/run.mjs on Node 24, results in
 * bench/results/sync.json). Under flock /tmp/heavy.lock on shared machines.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { EchoServer } from '../../src/cli/echo';
import { gatewayApiCrds, KubeApiServer } from '../../test/support/kube-apiserver';
import { readLines } from '../../test/support/processes';

const NAMESPACES = Number(process.env.NAMESPACES ?? 500);
const ROUTES_PER_NS = Number(process.env.ROUTES_PER_NS ?? 20);
const ENDPOINTS_PER_SERVICE = Number(process.env.ENDPOINTS_PER_SERVICE ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 40);
const CHURN_EVENTS = Number(process.env.CHURN_EVENTS ?? 400);
const ASSETS = path.join(__dirname, '..', '..', '..', 'assets');
const GW_NS = 'gateway-system';

function slice(ns: string, svc: string, name: string, port: number, addresses: string[], notReady = new Set<number>()): any {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: addresses.map((a, i) => ({ addresses: [a], conditions: { ready: !notReady.has(i) } })),
  };
}

function route(ns: string, name: string, prefix: string, svc: string): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: ns },
    spec: { parentRefs: [{ name: 'edge', namespace: GW_NS }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: prefix } }], backendRefs: [{ name: svc, port: 80 }] }] },
  };
}

function get(url: string, agent: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

async function untilServed(url: string, agent: http.Agent, ok: (s: number, body: string) => boolean, timeoutMs = 30_000): Promise<number> {
  const start = performance.now();
  for (;;) {
    const r = await get(url, agent);
    if (ok(r.status, r.body)) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`${url} not served as expected within ${timeoutMs} ms (last ${r.status})`);
    await new Promise((res) => setTimeout(res, 2));
  }
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function cpuMs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, clock ticks of 10 ms
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function summary(xs: number[]): Record<string, number> {
  const f = (x: number) => Number(x.toFixed(1));
  return { p50: f(pct(xs, 50)), p99: f(pct(xs, 99)), max: f(Math.max(...xs)), rounds: xs.length };
}

async function main(): Promise<void> {
  const api = await KubeApiServer.start({ historyLimit: 500_000, bookmarkIntervalMs: 60_000 });
  api.apply(gatewayApiCrds());
  api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: GW_NS } });
  api.apply({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'edge', namespace: GW_NS },
    spec: { gatewayClassName: 'cdk8s-gateway', listeners: [{ name: 'web', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
  });
  const t0 = performance.now();
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `team-${n}`;
    api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    api.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'app', namespace: ns }, spec: { ports: [{ name: 'http', port: 80 }] } });
    const addrs = Array.from({ length: ENDPOINTS_PER_SERVICE }, (_, i) => `10.${Math.floor(n / 256)}.${n % 256}.${i + 1}`);
    api.apply(slice(ns, 'app', 'app-1', 8080, addrs));
    for (let r = 0; r < ROUTES_PER_NS; r++) api.apply(route(ns, `r-${r}`, `/${ns}/r-${r}`, 'app'));
  }
  // the live part: a Service whose endpoints are two local echo servers
  const echoes = await Promise.all(['live-a', 'live-b'].map(async (name) => {
    const s = new EchoServer({ port: 0, name, namespace: 'live', address: '127.0.0.1' });
    return { name, port: await s.listen(), server: s };
  }));
  api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'live' } });
  api.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: 'live' }, spec: { ports: [{ name: 'http', port: 80 }] } });
  api.apply(slice('live', 'echo', 'echo-1', echoes[0].port, ['127.0.0.1']));
  api.apply(route('live', 'base', '/live/base', 'echo'));
  const loaded = performance.now() - t0;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sync-'));
  const kubeconfig = api.writeKubeconfig(dir);
  const shared = path.join(dir, 'shared');
  fs.mkdirSync(shared);
  const start = performance.now();
  const sync = spawn(process.execPath, [path.join(ASSETS, 'sync.js'), '--kubeconfig', kubeconfig, '--gateway', `${GW_NS}/edge`, '--sync-dir', shared,
    '--any-gateway-class', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  readLines(sync, () => undefined);
  const dp = spawn(process.execPath, [path.join(ASSETS, 'dataplane.js'), '--sync-dir', shared, '--address', '127.0.0.1', '--port-map', '80=0',
    '--admin-port', '0', '--no-access-log', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let port = 0;
  const ready = new Promise<void>((resolve) => readLines(dp, (l) => {
    const m = /^listening HTTP 80 \S+:(\d+)/.exec(l);
    if (m) port = Number(m[1]);
    if (l === 'ready') resolve();
  }));
  await ready;
  const initialMs = performance.now() - start;
  const configBytes = fs.statSync(path.join(shared, 'config.json')).size;
  const endpointFiles = fs.readdirSync(path.join(shared, 'endpoints')).length;
  const rssAfterSync = rssMb(sync.pid!);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = (p: string) => `http://127.0.0.1:${port}${p}`;
  await untilServed(url('/live/base'), agent, (s) => s === 200);

  // a new route, each round: API write → served
  const routeDelays: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    api.apply(route('live', `new-${i}`, `/live/new-${i}`, 'echo'));
    await untilServed(url(`/live/new-${i}`), agent, (s) => s === 200);
    routeDelays.push(performance.now() - t);
  }
  // an endpoint change, each round: the live Service's endpoint moves to the other echo → answered by it
  const endpointDelays: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const to = echoes[(i + 1) % 2];
    const t = performance.now();
    api.apply(slice('live', 'echo', 'echo-1', to.port, ['127.0.0.1']));
    await untilServed(url('/live/base'), agent, (s, b) => s === 200 && b.includes(`"pod":"${to.name}"`));
    endpointDelays.push(performance.now() - t);
  }

  // endpoint churn: one endpoint of one Service flips readiness, 50 events per second
  const idleFrom = cpuMs(dp.pid!);
  const churnMs = (CHURN_EVENTS / 50) * 1000;
  await new Promise((r) => setTimeout(r, churnMs));
  const idleCpu = cpuMs(dp.pid!) - idleFrom;
  const writesBefore = Number(/cdk8s_gateway_sync_endpoints_writes_total\{[^}]*\} (\d+)/.exec(fs.readFileSync(path.join(shared, 'sync-metrics.prom'), 'utf8'))?.[1] ?? 0);
  const churnFrom = cpuMs(dp.pid!);
  for (let e = 0; e < CHURN_EVENTS; e++) {
    const n = e % NAMESPACES;
    const addrs = Array.from({ length: ENDPOINTS_PER_SERVICE }, (_, i) => `10.${Math.floor(n / 256)}.${n % 256}.${i + 1}`);
    api.apply(slice(`team-${n}`, 'app', 'app-1', 8080, addrs, new Set([e % ENDPOINTS_PER_SERVICE])));
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 500));
  const churnCpu = cpuMs(dp.pid!) - churnFrom;
  await new Promise((r) => setTimeout(r, 5500));
  const writesAfter = Number(/cdk8s_gateway_sync_endpoints_writes_total\{[^}]*\} (\d+)/.exec(fs.readFileSync(path.join(shared, 'sync-metrics.prom'), 'utf8'))?.[1] ?? 0);
  const rssEnd = rssMb(sync.pid!);
  const dpRss = rssMb(dp.pid!);

  const f = (x: number) => x.toFixed(1);
  const out = {
    command: 'npx projen bench:sync',
    date: new Date().toISOString(),
    node: process.version,
    arch: process.arch,
    cores: os.cpus().length,
    routes: NAMESPACES * ROUTES_PER_NS + ROUNDS + 1,
    namespaces: NAMESPACES,
    endpoints: NAMESPACES * ENDPOINTS_PER_SERVICE,
    loadStandInMs: Math.round(loaded),
    initialSyncMs: Math.round(initialMs),
    configBytes,
    endpointFiles,
    syncRssMb: { afterInitialSync: Number(f(rssAfterSync)), atEnd: Number(f(rssEnd)) },
    dataPlaneRssMb: Number(f(dpRss)),
    routeDelayMs: summary(routeDelays),
    endpointDelayMs: summary(endpointDelays),
    churn: {
      events: CHURN_EVENTS,
      documentsWritten: writesAfter - writesBefore,
      dataPlaneCpuMs: churnCpu,
      idleCpuMsSamePeriod: idleCpu,
      dataPlaneCpuMsPerEvent: Number(((churnCpu - idleCpu * ((churnMs + 500) / churnMs)) / CHURN_EVENTS).toFixed(3)),
    },
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  const results = process.argv[2];
  if (results) {
    fs.mkdirSync(path.dirname(results), { recursive: true });
    fs.writeFileSync(results, `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write(`wrote ${results}\n`);
  }
  sync.kill('SIGTERM');
  dp.kill('SIGTERM');
  agent.destroy();
  for (const e of echoes) e.server.close(() => undefined);
  await api.close();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
