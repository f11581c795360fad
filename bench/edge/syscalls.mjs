// Syscalls per request under HTTP/1.1 keep-alive load (wrk -c50), for ours (TLS and cleartext), nginx (TLS and
// cleartext) and the bare Node TLS server (bench/edge/node-tls.cjs): what each process asks the kernel for per
// request, which a CPU profile does not say. Counted with `perf stat -e 'syscalls:sys_enter_*'` on the process
// (all threads) over the measured window, or with `strace -f -c` (--strace: also errors such as EAGAIN; strace slows
// the process down, but a closed-loop load keeps the counts per request comparable). Each contender pinned to the
// proxy core, load and the nginx backend on the other (as bench:edge). Needs root (perf tracepoints).
//
// usage: node bench/edge/syscalls.mjs [--duration <s>] [--handshake] [--only ours-tls,ours-http,nginx-tls,nginx-http,nodetls]
//                                     [--bundle <dataplane.js>] [--strace] [--connections 50]
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { arg, Bench, cpuUs, ensureBundle, freePort, LOAD_CORE, NGINX, nodeBinary, perfSyscallCounts, PROXY_CORE, root, waitForPort, wrk } from '../lib.mjs';
import { dataPlaneArgs, nginxProxyHttp, routesConfig } from '../http/routes.mjs';
import { dataPlaneConfig, HOST, makeCertificate, nginxProxy, POD_NODE_FLAGS } from './setup.mjs';

const DURATION = arg('duration', 4);
// --handshake: one request per connection (Connection: close, wrk -c32), as bench:edge's `handshake` row
const HANDSHAKE = process.argv.includes('--handshake');
const CONNECTIONS = arg('connections', HANDSHAKE ? 32 : 50);
const EXTRA = HANDSHAKE ? ['Connection: close'] : [];
const strArg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const STRACE = process.argv.includes('--strace');
// --record <dir>: instead of counting, `perf record -g` each contender over the window into <dir>/<contender>.data
// (Node with --perf-basic-prof, so that JS frames have names)
const RECORD = strArg('record', null);
const bench = new Bench('edge-syscalls');
const tmp = bench.tmp;

/** Runs `cmd` in the background until it exits; resolves with its stdout + stderr. */
function background(cmd, args) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', () => resolve(out));
  });
}

/** Per-syscall calls and errors from `strace -c` output. */
function straceCounts(text) {
  const counts = {};
  const errors = {};
  for (const line of text.split('\n')) {
    // % time     seconds  usecs/call     calls    errors syscall
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(\d+)?\s+(\w+)\s*$/.exec(line);
    if (!m || m[3] === 'total') continue;
    counts[m[3]] = Number(m[1]);
    if (m[2]) errors[m[3]] = Number(m[2]);
  }
  return { counts, errors };
}

async function main() {
  const bundle = path.resolve(strArg('bundle', path.join(root, 'assets', 'dataplane.js')));
  if (!process.argv.includes('--bundle')) ensureBundle();
  const node = nodeBinary();
  const only = strArg('only', null)?.split(',');
  const cert = makeCertificate(tmp);
  // bench:edge's config and nginx have a gRPC route too: it points at a port nothing listens on (never requested here)
  const unused = await freePort();
  const backendPort = await freePort();
  const backend = bench.start(LOAD_CORE, NGINX, ['-c', bench.nginxConf('backend', { http: `server { listen 127.0.0.1:${backendPort} backlog=4096; location / { return 200 "hello world\\n"; } }` })]);
  await waitForPort(backendPort);
  const tlsConf = bench.writeJson('tls.json', dataPlaneConfig());
  const httpConf = bench.writeJson('http.json', routesConfig(1));
  const contenders = [
    { key: 'ours-tls', scheme: 'https', host: HOST, start: (port) => bench.start(PROXY_CORE, node, [...POD_NODE_FLAGS, bundle, '--config', tlsConf, '--secrets-dir', cert.secretsDir,
      '--port-map', `443=${port}`, '--address', '127.0.0.1', '--backend', `bench/backend:80=127.0.0.1:${backendPort}`, '--backend', `bench/grpc:80=127.0.0.1:${unused}`, '--no-tls-session-resumption', '--no-access-log', '--log-level', 'warn']) },
    { key: 'ours-http', scheme: 'http', host: 'svc0.example.com', start: (port) => bench.start(PROXY_CORE, node, [...POD_NODE_FLAGS, bundle, ...dataPlaneArgs(httpConf, port, backendPort)]) },
    { key: 'nginx-tls', scheme: 'https', host: HOST, start: (port) => bench.start(PROXY_CORE, NGINX, ['-c', bench.nginxConf(`tls-${port}`, {
      http: nginxProxy(port, { tls: '1.3', resumption: false }, cert, { http: backendPort, grpc: unused }) })]) },
    { key: 'nginx-http', scheme: 'http', host: 'svc0.example.com', start: (port) => bench.start(PROXY_CORE, NGINX, ['-c', bench.nginxConf(`http-${port}`, { http: nginxProxyHttp(port, backendPort) })]) },
    { key: 'nodetls', scheme: 'https', host: HOST, start: (port) => bench.start(PROXY_CORE, node, [path.join(root, 'bench', 'edge', 'node-tls.cjs'), String(port), cert.key, cert.crt, '0']) },
  ].filter((c) => !only || only.includes(c.key));

  const table = {};
  for (const c of contenders) {
    const port = await freePort();
    if (RECORD) process.env.NODE_OPTIONS = '--perf-basic-prof';
    const p = c.start(port);
    delete process.env.NODE_OPTIONS;
    await waitForPort(port);
    const url = `${c.scheme}://127.0.0.1:${port}/`;
    wrk(url, { seconds: 2, connections: CONNECTIONS, headers: [`Host: ${c.host}`, ...EXTRA] });
    // counted over the whole measured window: the counter starts just before wrk and stops with it
    const counter = RECORD
      ? background('perf', ['record', ...(process.argv.includes('--dwarf') ? ['--call-graph', 'dwarf,16384', '-F', '999'] : ['-g']), '-o', path.join(path.resolve(RECORD), `${c.key}${HANDSHAKE ? '-handshake' : ''}.data`), '-p', String(p.pid), '--', 'sleep', String(DURATION)])
      : STRACE
      ? background('strace', ['-f', '-c', '-p', String(p.pid), '-o', path.join(tmp, `strace-${c.key}.txt`)])
      : background('perf', ['stat', '-x,', '-e', 'syscalls:sys_enter_*', '-p', String(p.pid), '--', 'sleep', String(DURATION)]);
    // upstream connections in use (established to the backend), sampled in the middle of the window
    const ss = background('sh', ['-c', `sleep ${DURATION / 2}; ss -tnH state established '( dport = :${backendPort} )' | wc -l`]);
    // TCP segments on loopback over the window (every process: wrk, the proxy, the backend)
    execFileSync('nstat', ['-n']);
    const before = cpuUs(p.pid);
    const res = wrk(url, { seconds: DURATION, connections: CONNECTIONS, headers: [`Host: ${c.host}`, ...EXTRA] });
    const cpu = (cpuUs(p.pid) - before) / res.requests;
    const nstat = Object.fromEntries(execFileSync('nstat', ['-z', 'TcpOutSegs', 'TcpExtTCPPureAcks', 'TcpExtDelayedACKs', 'TcpExtTCPHPAcks', 'TcpExtTCPHPHits', 'TcpExtTCPAutoCorking'], { encoding: 'utf8' })
      .split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length >= 2 && /^Tcp/.test(f[0])).map((f) => [f[0], Number(f[1]) / res.requests]));
    if (STRACE) {
      const sp = spawn('sh', ['-c', `kill -INT $(pgrep -x strace -P ${process.pid})`]);
      await new Promise((r) => sp.on('exit', r));
    }
    const out = await counter;
    const upstreams = Number((await ss).trim());
    if (RECORD) {
      console.log(`${c.key}: ${res.rps.toFixed(0)} req/s, cpu ${cpu.toFixed(1)} µs/req, ${res.requests} requests; recorded`);
      await bench.stop(p);
      continue;
    }
    const { counts, errors } = STRACE ? straceCounts(fs.readFileSync(path.join(tmp, `strace-${c.key}.txt`), 'utf8')) : { counts: perfSyscallCounts(out), errors: {} };
    const perReq = {};
    let total = 0;
    for (const [k, v] of Object.entries(counts).sort((a, b) => b[1] - a[1])) {
      perReq[k] = v / res.requests;
      total += v;
    }
    table[c.key] = { nstat, rps: res.rps, requests: res.requests, cpuUsPerRequest: cpu, upstreamConnections: upstreams, syscallsPerRequest: total / res.requests, perRequest: perReq,
      errorsPerRequest: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, v / res.requests])) };
    console.log(`\n${c.key}: ${res.rps.toFixed(0)} req/s, cpu ${cpu.toFixed(1)} µs/req, ${upstreams} upstream connections, ${(total / res.requests).toFixed(2)} syscalls/req` +
      (res.errors ? `, errors ${res.errors}` : '') + `\n  per request on loopback: ${Object.entries(nstat).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
    for (const [k, v] of Object.entries(perReq)) {
      if (v >= 0.005) console.log(`  ${k.padEnd(16)} ${v.toFixed(3)}${errors[k] ? `  (errors ${(errors[k] / res.requests).toFixed(3)})` : ''}`);
    }
    await bench.stop(p);
  }
  await bench.stop(backend);
  if (RECORD) return;
  fs.mkdirSync(path.join(root, 'bench', 'results', 'tmp'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench', 'results', 'tmp', `syscalls${HANDSHAKE ? '-handshake' : ''}${STRACE ? '-strace' : ''}.json`), JSON.stringify(table, null, 2) + '\n');
}

main().then(() => process.exit(0), (e) => {
  console.error(e.stack ?? e);
  process.exit(1);
});
