// Layer-4 and gRPC benchmark (projen task `bench:l4`).
//
// TCP proxying (TCPRoute) through: (a) this data plane  (b) nginx `stream` proxy (1 worker)  (c) direct,
//   - throughput: wrk fetching a 1 MiB body over 4 keep-alive connections through the TCP proxy (bytes/s);
//   - connection rate: wrk with `Connection: close` for a 12-byte body: one new proxied connection per request.
// gRPC unary calls (GRPCRoute) through (a) this data plane (h2c in, h2c out) and (c) direct, with h2load.
// The proxies run on one core; wrk/h2load and the backends (nginx, a @grpc/grpc-js server) on the other.
// Rounds are interleaved and the median round is reported; the proxies' CPU time per byte, connection and
// call is measured too, which a shared machine disturbs less than rates. Results: bench/results/l4.json, l4.svg.
//
// usage: node bench/l4/run.mjs [--duration <s>] [--rounds <n>]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  arg, Bench, cpuUs, ensureBundle, ensureTools, esc, freePort, grpcBodyFile, h2load as h2loadRun, LOAD_CORE, machine, median, medianOf, NGINX, nodeBinary, PROXY_CORE, root,
  waitForPort, writeResults, wrk,
} from '../lib.mjs';

const DURATION = arg('duration', 10);
const ROUNDS = arg('rounds', 3);
const bench = new Bench('l4');
const BIG = 1024 * 1024;

// --- configs ---------------------------------------------------------------------------------------

const GATEWAY = { namespace: 'bench', name: 'gw' };
const parent = { kind: 'Gateway', ...GATEWAY };
const backend = (name, protocol = 'http1') => ({ id: `bench/${name}:80`, kind: 'Service', namespace: 'bench', name, port: 80, protocol });

function tcpConfig() {
  return {
    apiVersion: 'dataplane.cdk8s-gateway.io/v1alpha1', kind: 'DataPlaneConfig', gateway: GATEWAY,
    ports: [{ port: 6000, transport: 'TCP', kind: 'TCP', listeners: [{ id: 'tcp', name: 'tcp', parent, protocol: 'TCP',
      l4Route: { source: { kind: 'TCPRoute', namespace: 'bench', name: 'tcp' }, backends: [{ weight: 1, backend: 'bench/backend:80' }] } }] }],
    httpRules: [], backends: { 'bench/backend:80': backend('backend') }, options: { clusterDomain: 'cluster.local' },
  };
}

function grpcConfig() {
  return {
    apiVersion: 'dataplane.cdk8s-gateway.io/v1alpha1', kind: 'DataPlaneConfig', gateway: GATEWAY,
    ports: [{ port: 80, transport: 'TCP', kind: 'HTTP', listeners: [{ id: 'web', name: 'web', parent, protocol: 'HTTP',
      httpRoutes: [{ hostnames: [], path: { type: 'Exact', value: '/bench.Echo/Get' }, method: 'POST', headers: [], queryParams: [], rule: 0, match: 0 }] }] }],
    httpRules: [{ source: { kind: 'GRPCRoute', namespace: 'bench', name: 'echo' }, ruleIndex: 0, grpc: true, filters: [],
      backends: [{ weight: 1, backend: 'bench/grpc:80', filters: [] }] }],
    backends: { 'bench/grpc:80': backend('grpc', 'h2c') }, options: { clusterDomain: 'cluster.local' },
  };
}

// --- load ------------------------------------------------------------------------------------------

/** h2load on the load core: gRPC unary calls (a 9-byte message) for `seconds`. */
function h2load(port, seconds, clients = 8, streams = 16) {
  return h2loadRun(`http://127.0.0.1:${port}/bench.Echo/Get`, {
    seconds, clients, streams, headers: ['content-type: application/grpc', 'te: trailers'], body: grpcBodyFile(bench.tmp),
  });
}

/** Runs `load()` against a proxy process and adds the proxy's CPU time per unit of work. */
function withCpu(pid, load, units) {
  const before = pid ? cpuUs(pid) : 0;
  const res = load();
  const n = units(res);
  return { ...res, cpuUs: pid && n ? (cpuUs(pid) - before) / n : null };
}

// --- main ------------------------------------------------------------------------------------------

async function main() {
  ensureTools({ wrk: 'wrk', nginx: 'nginx', taskset: 'util-linux', h2load: 'nghttp2-client' });
  // Debian builds the stream module as a dynamic module, in its own package
  const nginxBuild = execFileSync('sh', ['-c', `${NGINX} -V 2>&1`], { encoding: 'utf8' });
  if (/with-stream=dynamic/.test(nginxBuild) && !fs.existsSync('/usr/lib/nginx/modules/ngx_stream_module.so')) {
    console.log('installing libnginx-mod-stream with apt-get');
    execFileSync('sh', ['-c', 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libnginx-mod-stream'], { stdio: 'inherit' });
  }
  ensureBundle();
  const node = nodeBinary();
  const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`proxies on core ${PROXY_CORE}; load and backends on core ${LOAD_CORE}; node ${nodeVersion}; ${ROUNDS} rounds × ${DURATION}s`);

  // backends on the load core: nginx (a 12-byte and a 1 MiB body) and a @grpc/grpc-js echo server
  fs.mkdirSync(path.join(bench.tmp, 'www', 'big'), { recursive: true });
  fs.writeFileSync(path.join(bench.tmp, 'www', 'big', '1m.bin'), Buffer.alloc(BIG, 7));
  const httpPort = await freePort();
  const httpBackend = bench.start(LOAD_CORE, NGINX, ['-c', bench.nginxConf('backend', { http: `sendfile on;
  server { listen 127.0.0.1:${httpPort} backlog=4096; root ${bench.tmp}/www; location = /small { return 200 "hello world\\n"; } }` })]);
  const grpcPort = await freePort();
  const grpcBackend = bench.start(LOAD_CORE, node, [path.join(root, 'bench', 'l4', 'grpc-backend.cjs'), String(grpcPort)]);
  await waitForPort(httpPort);
  await waitForPort(grpcPort);

  const dataplane = (config, listenerPort, target) => async (port) => bench.start(PROXY_CORE, node, [path.join(root, 'assets', 'dataplane.js'),
    '--config', bench.writeJson(`config-${port}.json`, config), '--port-map', `${listenerPort}=${port}`, '--address', '127.0.0.1',
    '--backend', `${target}=127.0.0.1:${target.endsWith('grpc:80') ? grpcPort : httpPort}`, '--no-access-log', '--log-level', 'warn']);
  const tcpContenders = [
    { name: 'cdk8s-gateway', start: dataplane(tcpConfig(), 6000, 'bench/backend:80') },
    { name: 'nginx stream', start: async (port) => bench.start(PROXY_CORE, NGINX, ['-c', bench.nginxConf(`stream-${port}`,
      { stream: `server { listen 127.0.0.1:${port} backlog=4096; proxy_pass 127.0.0.1:${httpPort}; }` })]) },
    { name: 'direct', direct: true },
  ];
  const grpcContenders = [
    { name: 'cdk8s-gateway', start: dataplane(grpcConfig(), 80, 'bench/grpc:80') },
    { name: 'direct', direct: true },
  ];

  const runs = { throughput: {}, connections: {}, grpc: {} };
  for (const c of tcpContenders) runs.throughput[c.name] = [], runs.connections[c.name] = [];
  for (const c of grpcContenders) runs.grpc[c.name] = [];
  const up = async (c, directPort) => {
    if (c.direct) return { port: directPort };
    const port = await freePort();
    const p = await c.start(port);
    await waitForPort(port);
    return { port, p };
  };
  for (let r = 1; r <= ROUNDS; r++) {
    for (const c of tcpContenders) {
      const { port, p } = await up(c, httpPort);
      const url = (x) => `http://127.0.0.1:${port}${x}`;
      wrk(url('/big/1m.bin'), { seconds: 2, connections: 4 }); // warm-up
      const t = withCpu(p?.pid, () => wrk(url('/big/1m.bin'), { seconds: DURATION, connections: 4 }), (x) => (x.requests * BIG) / (1024 * 1024));
      runs.throughput[c.name].push(t);
      const k = withCpu(p?.pid, () => wrk(url('/small'), { seconds: DURATION, connections: 32, headers: ['Connection: close'] }), (x) => x.requests);
      runs.connections[c.name].push(k);
      const cpuT = t.cpuUs ? `  cpu ${(t.cpuUs / 1000).toFixed(2)} ms/MiB` : '';
      const cpuK = k.cpuUs ? `  cpu ${k.cpuUs.toFixed(1)} µs/conn` : '';
      console.log(`round ${r} TCP  ${c.name.padEnd(14)} ${(t.bytesPerSec / 1024 / 1024).toFixed(0).padStart(6)} MiB/s${cpuT}   ${k.rps.toFixed(0).padStart(6)} conn/s${cpuK}` +
        `${t.errors || k.errors ? `  errors: ${t.errors ?? ''} ${k.errors ?? ''}` : ''}`);
      if (p) await bench.stop(p);
    }
    for (const c of grpcContenders) {
      const { port, p } = await up(c, grpcPort);
      h2load(port, 2); // warm-up (JIT, the upstream session)
      const g = withCpu(p?.pid, () => h2load(port, DURATION), (x) => x.requests);
      runs.grpc[c.name].push(g);
      console.log(`round ${r} gRPC ${c.name.padEnd(14)} ${g.rps.toFixed(0).padStart(6)} calls/s${g.cpuUs ? `  cpu ${g.cpuUs.toFixed(1)} µs/call` : ''}` +
        `${g.failed || g.succeeded < g.requests ? `  (${g.succeeded}/${g.requests} answered 2xx, ${g.failed} failed)` : ''}`);
      if (p) await bench.stop(p);
    }
  }
  await bench.stop(httpBackend);
  await bench.stop(grpcBackend);

  const summarize = (all, key) => Object.fromEntries(Object.entries(all).map(([name, xs]) => [name, {
    ...median(xs, key), rounds: xs.map((x) => Math.round(x[key])), cpuUs: medianOf(xs.map((x) => x.cpuUs)),
  }]));
  const throughput = summarize(runs.throughput, 'bytesPerSec');
  const connections = summarize(runs.connections, 'rps');
  const grpc = summarize(runs.grpc, 'rps');
  const ours = 'cdk8s-gateway';
  const report = {
    date: new Date().toISOString(),
    machine: machine(nodeVersion),
    settings: {
      durationSeconds: DURATION, rounds: ROUNDS, accessLog: 'off',
      throughput: 'wrk, 4 keep-alive connections, 1 MiB body from nginx (sendfile), through the TCP proxy',
      connections: 'wrk, 32 connections, Connection: close, 12-byte body: one proxied TCP connection per request',
      grpc: 'h2load, 8 connections × 16 streams, unary bench.Echo/Get to a @grpc/grpc-js server (h2c)',
    },
    tcpThroughput: Object.fromEntries(Object.entries(throughput).map(([k, v]) => [k, { mibPerSec: v.bytesPerSec / BIG, cpuMsPerMiB: v.cpuUs === null ? null : v.cpuUs / 1000, rounds: v.rounds.map((x) => Math.round(x / BIG)) }])),
    tcpConnections: Object.fromEntries(Object.entries(connections).map(([k, v]) => [k, { perSec: v.rps, p99Ms: v.p99, cpuUsPerConnection: v.cpuUs, rounds: v.rounds, errors: v.errors }])),
    grpcUnary: Object.fromEntries(Object.entries(grpc).map(([k, v]) => [k, { perSec: v.rps, cpuUsPerCall: v.cpuUs, rounds: v.rounds, failed: v.failed }])),
    ratios: {
      throughputOursOverNginx: throughput[ours].bytesPerSec / throughput['nginx stream'].bytesPerSec,
      throughputOursOverDirect: throughput[ours].bytesPerSec / throughput.direct.bytesPerSec,
      connectionsOursOverNginx: connections[ours].rps / connections['nginx stream'].rps,
      connectionsOursOverDirect: connections[ours].rps / connections.direct.rps,
      grpcOursOverDirect: grpc[ours].rps / grpc.direct.rps,
    },
    cpuRatios: {
      perMiBNginxOverOurs: throughput['nginx stream'].cpuUs / throughput[ours].cpuUs,
      perConnectionNginxOverOurs: connections['nginx stream'].cpuUs / connections[ours].cpuUs,
    },
  };
  console.log('\nTCP                 MiB/s  ours÷it   cpu ms/MiB    conn/s  ours÷it   cpu µs/conn');
  for (const name of Object.keys(throughput)) {
    const t = throughput[name];
    const k = connections[name];
    console.log(`${name.padEnd(16)} ${(t.bytesPerSec / BIG).toFixed(0).padStart(8)} ${(throughput[ours].bytesPerSec / t.bytesPerSec).toFixed(2).padStart(8)} ` +
      `${(t.cpuUs === null ? '-' : (t.cpuUs / 1000).toFixed(2)).padStart(12)}  ${k.rps.toFixed(0).padStart(8)} ${(connections[ours].rps / k.rps).toFixed(2).padStart(8)} ` +
      `${(k.cpuUs === null ? '-' : k.cpuUs.toFixed(1)).padStart(13)}`);
  }
  console.log('\ngRPC unary        calls/s  ours÷it   cpu µs/call');
  for (const [name, g] of Object.entries(grpc)) {
    console.log(`${name.padEnd(16)} ${g.rps.toFixed(0).padStart(8)} ${(grpc[ours].rps / g.rps).toFixed(2).padStart(8)} ${(g.cpuUs === null ? '-' : g.cpuUs.toFixed(1)).padStart(13)}`);
  }
  writeResults('l4', report, svg(report));
}

/** Three bar groups (TCP MiB/s, TCP connections/s, gRPC calls/s), one bar per contender. */
function svg(report) {
  const groups = [
    ['TCP throughput (MiB/s)', report.tcpThroughput, (v) => v.mibPerSec, (v) => (v.cpuMsPerMiB === null ? '' : ` · ${v.cpuMsPerMiB.toFixed(2)} ms CPU/MiB`)],
    ['TCP connections per second', report.tcpConnections, (v) => v.perSec, (v) => (v.cpuUsPerConnection === null ? '' : ` · ${v.cpuUsPerConnection.toFixed(0)} µs CPU/conn`)],
    ['gRPC unary calls per second', report.grpcUnary, (v) => v.perSec, (v) => (v.cpuUsPerCall === null ? '' : ` · ${v.cpuUsPerCall.toFixed(0)} µs CPU/call`)],
  ];
  const W = 900;
  const left = 170;
  const barW = W - left - 230;
  let y = 50;
  const parts = [];
  for (const [title, rows, value, extra] of groups) {
    parts.push(`<text x="${left}" y="${y}" font-weight="bold">${esc(title)}</text>`);
    y += 8;
    const max = Math.max(...Object.values(rows).map(value));
    for (const [name, v] of Object.entries(rows)) {
      const w = Math.max(1, (value(v) / max) * barW);
      const fill = name === 'cdk8s-gateway' ? '#2b6cb0' : name === 'direct' ? '#a0aec0' : '#718096';
      parts.push(`<text x="${left - 8}" y="${y + 18}" text-anchor="end">${esc(name)}</text>`,
        `<rect x="${left}" y="${y + 4}" width="${w.toFixed(1)}" height="20" fill="${fill}"/>`,
        `<text x="${(left + w + 6).toFixed(1)}" y="${y + 18}">${Math.round(value(v))}${esc(extra(v))}</text>`);
      y += 28;
    }
    y += 22;
  }
  const r = report.ratios;
  const H = y + 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
  <text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">TCPRoute and GRPCRoute proxying, one core each (${esc(report.machine.node)})</text>
  ${parts.join('\n  ')}
  <text x="${left}" y="${H - 14}">ours ÷ nginx stream: ${r.throughputOursOverNginx.toFixed(2)} (MiB/s), ${r.connectionsOursOverNginx.toFixed(2)} (conn/s) · gRPC ours ÷ direct: ${r.grpcOursOverDirect.toFixed(2)}</text>
</svg>
`;
}

main().then(() => process.exit(0), (e) => {
  console.error(e.stack ?? e);
  process.exit(1);
});
