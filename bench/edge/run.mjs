// Edge benchmark: TLS termination, HTTP/2 and gRPC (projen task `bench:edge`).
//
// One ECDSA P-256 certificate for every contender; TLS 1.3 unless the row says 1.2. Contenders, each pinned to
// the proxy core: (a) this data plane  (b) nginx (1 worker)  (c) HAProxy (nbthread 1)  (d) for the HTTP/1.1 rows, a bare
// Node TLS server answering itself (node-tls.cjs: the floor under any Node proxy); load (wrk, h2load) and the
// cleartext backends (nginx `return 200`, the @grpc/grpc-js echo server of bench/l4) on the other core.
// Workloads (rows):
//   https1     HTTPS/1.1 keep-alive, wrk -c50
//   handshake  one request per new TLS 1.3 connection (wrk, Connection: close, -c32), session resumption off
//   handshake12  the same over TLS 1.2 (ECDHE-ECDSA-AES128-GCM-SHA256), resumption off
//   resumed    the same as `handshake` with resumption on: wrk's OpenSSL client offers the session (ticket) of its
//              previous connection; the servers issue tickets (and nginx/HAProxy keep a session cache)
//   h2         HTTP/2 over TLS, h2load -c10 -m20
//   grpc       gRPC unary over TLS (ALPN h2), h2load -c10 -m20, also `direct` (h2c to the backend itself)
//   grpcstream gRPC server streaming (10 messages per call) over TLS, h2load -c10 -m20, also `direct`
// Rounds are interleaved (every contender of a row, then the next row) and medians are reported with the
// range, beside the proxy's CPU time per request (utime + stime of the process / requests answered), which a
// shared machine disturbs less than rates. Before the rounds, each contender's resumption settings are checked
// on the wire (a Node TLS client reconnecting with the session it got). Results: bench/results/edge.json, edge.svg.
//
// usage: node bench/edge/run.mjs [--duration <s>] [--rounds <n>] [--rows https1,h2,...] [--only ours,nginx,haproxy,nodetls]
//                                [--bundle <dataplane.js>] [--bundle-b <dataplane.js>[,...]] [--out <name>]
//                                [--flags '<node options>'] [--flags-b '<node options>'[,...]]
//   ours runs as a pod with the default memory limit does (POD_NODE_FLAGS); --flags replaces those Node options for
//   ours (A), --flags-b gives the B side its own (a list: one B per entry, the same bundle under other V8 flags)
//   --rows alone replaces those rows in bench/results/edge.json (a full run in several shorter lock holds);
//   --only or --out write bench/results/tmp/<name>.json instead
//        node bench/edge/run.mjs --profile <row> [--duration <s>] [--top 30]
//   --profile: only ours under the row's load with `node --cpu-prof`; prints the functions with the most self time
//   and the share of each part (Node's http2/tls/net JS, our bundle, GC, native), nothing written under results
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import {
  arg, Bench, cpuUs, ensureBundle, ensureTools, esc, freePort, grpcBodyFile, h2load, LOAD_CORE, machine, medianOf, NGINX, nodeBinary, PROXY_CORE,
  root, waitForPort, writeResults, wrk,
} from '../lib.mjs';
import { dataPlaneConfig, GRPC_HOST, HOST, makeCertificate, nginxProxy, POD_NODE_FLAGS } from './setup.mjs';

const DURATION = arg('duration', 10);
const ROUNDS = arg('rounds', 3);
const listArg = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1].split(',') : null;
};
const strArg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const STREAM_MESSAGES = 10; // bench/l4/grpc-backend.cjs bench.Echo/List
const bench = new Bench('edge');
const nodeFlags = (s) => s.split(' ').filter(Boolean);
const tmp = bench.tmp;

/** The rows: how each loads a proxy on `port`, and which TLS settings the proxies need for it. */
const ROWS = {
  https1: { title: 'HTTPS/1.1 keep-alive, 50 connections', unit: 'req/s', tls: '1.3', resumption: false,
    load: (port, s) => wrk(`https://127.0.0.1:${port}/`, { seconds: s, connections: 50, headers: [`Host: ${HOST}`] }) },
  handshake: { title: 'new TLS 1.3 connection per request (no resumption), 32 connections', unit: 'conn/s', tls: '1.3', resumption: false,
    load: (port, s) => wrk(`https://127.0.0.1:${port}/`, { seconds: s, connections: 32, headers: [`Host: ${HOST}`, 'Connection: close'] }) },
  handshake12: { title: 'new TLS 1.2 connection per request (no resumption), 32 connections', unit: 'conn/s', tls: '1.2', resumption: false,
    load: (port, s) => wrk(`https://127.0.0.1:${port}/`, { seconds: s, connections: 32, headers: [`Host: ${HOST}`, 'Connection: close'] }) },
  resumed: { title: 'new TLS 1.3 connection per request, resumed (session tickets), 32 connections', unit: 'conn/s', tls: '1.3', resumption: true,
    load: (port, s) => wrk(`https://127.0.0.1:${port}/`, { seconds: s, connections: 32, headers: [`Host: ${HOST}`, 'Connection: close'] }) },
  h2: { title: 'HTTP/2 over TLS, 10 connections × 20 streams', unit: 'req/s', tls: '1.3', resumption: false,
    load: (port, s) => h2load(`https://127.0.0.1:${port}/`, { seconds: s, clients: 10, streams: 20, headers: [`:authority: ${HOST}`] }) },
  grpc: { title: 'gRPC unary over TLS, 10 connections × 20 streams', unit: 'calls/s', tls: '1.3', resumption: false, direct: true,
    load: (port, s, direct) => h2load(`${direct ? 'http' : 'https'}://127.0.0.1:${port}/bench.Echo/Get`, {
      seconds: s, clients: 10, streams: 20, headers: [`:authority: ${GRPC_HOST}`, 'content-type: application/grpc', 'te: trailers'], body: grpcBodyFile(tmp) }) },
  grpcstream: { title: `gRPC server streaming (${STREAM_MESSAGES} messages a call) over TLS, 10 × 20`, unit: 'calls/s', tls: '1.3', resumption: false, direct: true,
    load: (port, s, direct) => h2load(`${direct ? 'http' : 'https'}://127.0.0.1:${port}/bench.Echo/List`, {
      seconds: s, clients: 10, streams: 20, headers: [`:authority: ${GRPC_HOST}`, 'content-type: application/grpc', 'te: trailers'], body: grpcBodyFile(tmp) }) },
};

// --- configs ------------------------------------------------------------------------------------

/** HAProxy: one thread, TLS and HTTP/2 on the bind, HTTP/1.1 and h2c (gRPC) servers with connection reuse. */
function haproxyConf(port, row, cert, backends) {
  const ver = row.tls === '1.2' ? 'ssl-min-ver TLSv1.2 ssl-max-ver TLSv1.2' : 'ssl-min-ver TLSv1.3';
  const file = path.join(tmp, `haproxy-${port}.cfg`);
  fs.writeFileSync(file, `global
  nbthread 1
  maxconn 8000
  tune.ssl.cachesize ${row.resumption ? 20000 : 0}
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  http-reuse always
frontend edge
  bind 127.0.0.1:${port} ssl crt ${cert.pem} alpn h2,http/1.1 ${ver}${row.resumption ? '' : ' no-tls-tickets'}
  use_backend grpc if { path_beg /bench.Echo/ }
  default_backend web
backend web
  server s1 127.0.0.1:${backends.http}
backend grpc
  server g1 127.0.0.1:${backends.grpc} proto h2
`);
  return file;
}

// --- resumption on the wire ------------------------------------------------------------------------

/** Whether a second TLS connection with the session of the first is resumed (a Node client, the row's TLS version). */
function resumes(port, row) {
  const version = row.tls === '1.2' ? 'TLSv1.2' : 'TLSv1.3';
  const once = (session) => new Promise((resolve, reject) => {
    let got = session;
    let reused = false;
    const s = tls.connect({ host: '127.0.0.1', port, servername: HOST, rejectUnauthorized: false, session, minVersion: version, maxVersion: version, ALPNProtocols: ['http/1.1'] }, () => {
      reused = s.isSessionReused(); // read now: a closed socket has no handle left to ask
      s.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
    });
    s.on('session', (x) => { got = x; });
    s.on('data', () => undefined);
    s.on('error', reject);
    s.on('close', () => resolve({ reused, session: got }));
  });
  return once(undefined).then((first) => once(first.session)).then((second) => second.reused);
}

// --- main ----------------------------------------------------------------------------------------------

async function main() {
  ensureTools({ wrk: 'wrk', nginx: 'nginx', haproxy: 'haproxy', taskset: 'util-linux', h2load: 'nghttp2-client', openssl: 'openssl' });
  const bundle = path.resolve(strArg('bundle', path.join(root, 'assets', 'dataplane.js')));
  if (!process.argv.includes('--bundle')) ensureBundle();
  const node = nodeBinary();
  const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const nginxVersion = execFileSync('sh', ['-c', `${NGINX} -v 2>&1`], { encoding: 'utf8' }).trim().replace('nginx version: ', '');
  const haproxyVersion = /version (\S+)/.exec(execFileSync('haproxy', ['-v'], { encoding: 'utf8' }))?.[1];
  const profileRow = strArg('profile', null);
  const rows = profileRow ? [profileRow] : listArg('rows') ?? Object.keys(ROWS);
  const only = listArg('only');
  console.log(`proxies on core ${PROXY_CORE}; load and backends on core ${LOAD_CORE}; node ${nodeVersion}, nginx ${nginxVersion}, HAProxy ${haproxyVersion}; ` +
    `${ROUNDS} rounds × ${DURATION}s; rows ${rows.join(' ')}`);

  const cert = makeCertificate(tmp);
  const httpPort = await freePort();
  const httpBackend = bench.start(LOAD_CORE, NGINX, ['-c', bench.nginxConf('backend', { http: `server { listen 127.0.0.1:${httpPort} backlog=4096; location / { return 200 "hello world\\n"; } }` })]);
  const grpcPort = await freePort();
  const grpcBackend = bench.start(LOAD_CORE, node, [path.join(root, 'bench', 'l4', 'grpc-backend.cjs'), String(grpcPort)]);
  await waitForPort(httpPort);
  await waitForPort(grpcPort);
  const backends = { http: httpPort, grpc: grpcPort };
  const config = bench.writeJson('edge.json', dataPlaneConfig());

  const flagsA = process.argv.includes('--flags') ? nodeFlags(strArg('flags', '')) : POD_NODE_FLAGS;
  const ourStart = (file, flags = flagsA) => (port, row) => bench.start(PROXY_CORE, node, [...flags, ...(row.tls === '1.2' ? ['--tls-max-v1.2'] : []), file,
      '--config', config, '--secrets-dir', cert.secretsDir, '--port-map', `443=${port}`, '--address', '127.0.0.1',
      '--backend', `bench/backend:80=127.0.0.1:${httpPort}`, '--backend', `bench/grpc:80=127.0.0.1:${grpcPort}`,
      ...(row.resumption ? [] : ['--no-tls-session-resumption']), '--no-access-log', '--log-level', 'warn']);
  // --bundle-b a.js[,b.js...] and/or --flags-b 'opts'[,'opts'...]: other builds of ours, or ours under other Node
  // options, in the same interleaved rounds (paired A/B); one is named B, several B:<file name> or B:<options>
  const flagsList = listArg('flags-b')?.map(nodeFlags);
  const bundleList = listArg('bundle-b');
  const sides = bundleList || flagsList
    ? (bundleList ?? [bundle]).flatMap((f) => (flagsList ?? [flagsA]).map((flags) => ({ file: path.resolve(f), flags })))
    : [];
  const nameB = (side) => (sides.length === 1 ? 'B'
    : `B:${(bundleList?.length ?? 0) > 1 ? path.basename(side.file, '.js') : ''}${(flagsList?.length ?? 0) > 1 ? side.flags.join(' ').replace(/--max-old-space-size=\d+ ?/, '') : ''}`);
  for (const s of sides) s.name = nameB(s);
  const bundleB = sides.map((s) => s.name);
  console.log(`ours: ${bundle} ${flagsA.join(' ')}${sides.map((s) => `; ${s.name}: ${s.file} ${s.flags.join(' ')}`).join('')}`);
  const contenders = [
    { name: 'cdk8s-gateway', key: 'ours', start: ourStart(bundle) },
    ...sides.map((s) => ({ name: s.name, key: 'ours', start: ourStart(s.file, s.flags) })),
    { name: 'nginx', key: 'nginx', start: (port, row) => bench.start(PROXY_CORE, NGINX, ['-c', bench.nginxConf(`proxy-${port}`, { http: nginxProxy(port, row, cert, backends) })]) },
    // the floor under any Node TLS server: bench/edge/node-tls.cjs answers itself (HTTP/1.1 rows only)
    { name: 'bare node tls', key: 'nodetls', rows: ['https1', 'handshake', 'handshake12', 'resumed'],
      start: (port, row) => bench.start(PROXY_CORE, node, [...(row.tls === '1.2' ? ['--tls-max-v1.2'] : []), path.join(root, 'bench', 'edge', 'node-tls.cjs'),
        String(port), cert.key, cert.crt, row.resumption ? '1' : '0']) },
    { name: 'HAProxy', key: 'haproxy', start: (port, row) => bench.start(PROXY_CORE, 'haproxy', ['-f', haproxyConf(port, row, cert, backends)]) },
  ].filter((c) => !only || only.includes(c.key));

  if (profileRow) return profile(contenders[0], ROWS[profileRow], grpcPort, [httpBackend, grpcBackend]);

  // resumption as configured, checked on the wire
  const resumption = {};
  for (const c of contenders) {
    resumption[c.name] = {};
    for (const r of ['handshake', 'resumed']) {
      const port = await freePort();
      const p = c.start(port, ROWS[r]);
      await waitForPort(port);
      resumption[c.name][r] = await resumes(port, ROWS[r]);
      await bench.stop(p);
    }
    console.log(`${c.name}: session resumed on reconnect with resumption off: ${resumption[c.name].handshake}, on: ${resumption[c.name].resumed}`);
  }

  const runs = {};
  for (const r of rows) runs[r] = {};
  for (let round = 1; round <= ROUNDS; round++) {
    for (const r of rows) {
      const row = ROWS[r];
      for (const c of [...contenders, ...(row.direct ? [{ name: 'direct', direct: true }] : [])]) {
        if (c.rows && !c.rows.includes(r)) continue;
        let port = grpcPort;
        let p;
        if (!c.direct) {
          port = await freePort();
          p = c.start(port, row);
          await waitForPort(port);
        }
        row.load(port, 2, c.direct); // warm-up (JIT, upstream connections)
        const before = p ? cpuUs(p.pid) : 0;
        const res = row.load(port, DURATION, c.direct);
        res.cpuUsPerRequest = p && res.requests ? (cpuUs(p.pid) - before) / res.requests : null;
        (runs[r][c.name] ??= []).push(res);
        const bad = res.errors || (res.failed ?? 0) || (res.succeeded !== undefined && res.succeeded < res.requests);
        console.log(`round ${round} ${r.padEnd(11)} ${c.name.padEnd(14)} ${res.rps.toFixed(0).padStart(7)} ${row.unit}` +
          `${res.cpuUsPerRequest ? `  cpu ${res.cpuUsPerRequest.toFixed(1)} µs/req` : ''}${bad ? `  errors: ${res.errors ?? ''} ${res.failed ?? ''} (${res.succeeded ?? ''}/${res.requests} 2xx)` : ''}`);
        if (p) await bench.stop(p);
      }
    }
  }
  await bench.stop(httpBackend);
  await bench.stop(grpcBackend);

  const results = {};
  for (const r of rows) {
    results[r] = { title: ROWS[r].title, unit: ROWS[r].unit, contenders: {} };
    for (const [name, xs] of Object.entries(runs[r])) {
      const rps = xs.map((x) => x.rps);
      const cpu = xs.map((x) => x.cpuUsPerRequest).filter((x) => x !== null);
      results[r].contenders[name] = {
        perSec: medianOf(rps), range: [Math.min(...rps), Math.max(...rps)], rounds: rps.map(Math.round),
        cpuUsPerRequest: cpu.length ? medianOf(cpu) : null, cpuRange: cpu.length ? [Math.min(...cpu), Math.max(...cpu)] : null,
        p99Ms: medianOf(xs.map((x) => x.p99)),
      };
    }
  }
  // ours ÷ the others per row: by rate (this run's medians) and per core (requests per CPU-second: its CPU ÷ ours)
  const ratios = {};
  for (const [r, res] of Object.entries(results)) {
    const ours = res.contenders['cdk8s-gateway'];
    if (!ours) continue;
    ratios[r] = {};
    for (const [name, x] of Object.entries(res.contenders)) {
      if (name === 'cdk8s-gateway') continue;
      ratios[r][name] = { rate: ours.perSec / x.perSec, perCore: x.cpuUsPerRequest && ours.cpuUsPerRequest ? x.cpuUsPerRequest / ours.cpuUsPerRequest : null };
    }
  }
  // --rows without --out/--only: the rows replace theirs in bench/results/edge.json (so the full run can be taken in
  // several lock holds of under 10 minutes); each row keeps the date of its own run
  const out = strArg('out', 'edge');
  const merge = out === 'edge' && !only && listArg('rows');
  const resultsFile = path.join(root, 'bench', 'results', 'edge.json');
  for (const res of Object.values(results)) res.date = new Date().toISOString();
  if (merge && fs.existsSync(resultsFile)) {
    const old = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    for (const [r, res] of Object.entries(old.results)) if (!results[r]) results[r] = res;
    for (const [r, q] of Object.entries(old.ratios)) if (!ratios[r]) ratios[r] = q;
  }
  const goal = (r, vs, min) => (ratios[r]?.[vs] ? { min, rate: ratios[r][vs].rate, perCore: ratios[r][vs].perCore, met: ratios[r][vs].rate >= min } : null);
  const report = {
    date: new Date().toISOString(),
    machine: { ...machine(nodeVersion), nginx: nginxVersion, haproxy: haproxyVersion },
    settings: {
      durationSeconds: DURATION, rounds: ROUNDS, certificate: 'ECDSA P-256, self-signed, one for all contenders', tls: 'TLS 1.3 (handshake12: TLS 1.2)',
      backend: 'nginx `return 200 "hello world\\n"` (HTTP/1.1 keep-alive) and the @grpc/grpc-js echo server of bench/l4 (h2c), on the load core',
      accessLog: 'off for every contender', oursNodeOptions: flagsA.join(' '), haproxy: 'nbthread 1, http-reuse always', nginx: '1 worker, upstream keepalive',
      resumption: 'off (no tickets, no session cache) except in the `resumed` row', resumptionOnTheWire: resumption,
    },
    results, ratios,
    goals: {
      'HTTP/2 >= 0.6x nginx': goal('h2', 'nginx', 0.6),
      'HTTPS/1.1 keep-alive >= 0.8x nginx': goal('https1', 'nginx', 0.8),
      'handshakes >= 0.9x nginx': goal('handshake', 'nginx', 0.9),
      'gRPC unary through the gateway >= 0.7x direct': goal('grpc', 'direct', 0.7),
    },
  };
  console.log('\nrow          contender        rate (median, range)            cpu µs/req   ours ÷ it (rate, per core)');
  for (const [r, res] of Object.entries(results)) {
    for (const [name, x] of Object.entries(res.contenders)) {
      const q = ratios[r]?.[name];
      console.log(`${r.padEnd(12)} ${name.padEnd(14)} ${x.perSec.toFixed(0).padStart(7)} (${x.range.map((v) => v.toFixed(0)).join('–')}) ${res.unit.padEnd(8)}` +
        `${(x.cpuUsPerRequest === null ? '-' : x.cpuUsPerRequest.toFixed(1)).padStart(10)}   ${q ? `${q.rate.toFixed(2)}, ${q.perCore === null ? '-' : q.perCore.toFixed(2)}` : ''}`);
    }
  }
  // the paired A/B: each B's CPU per request ÷ A's in the same round, and their median
  for (const r of Object.keys(runs)) {
    const a = runs[r]['cdk8s-gateway'];
    for (const name of bundleB) {
      const b = runs[r][name];
      if (!a || !b) continue;
      const q = b.map((x, i) => x.cpuUsPerRequest / a[i].cpuUsPerRequest);
      console.log(`paired ${r} ${name} ÷ A, CPU µs/req per round: A ${a.map((x) => x.cpuUsPerRequest.toFixed(1)).join(' / ')}, ` +
        `B ${b.map((x) => x.cpuUsPerRequest.toFixed(1)).join(' / ')}; B÷A ${q.map((x) => x.toFixed(3)).join(', ')} (median ${medianOf(q).toFixed(3)})`);
    }
  }
  console.log('\ngoals (rate ratio in this run):');
  for (const [k, v] of Object.entries(report.goals)) if (v) console.log(`  ${v.met ? 'met    ' : 'NOT MET'}  ${k}: ${v.rate.toFixed(2)} (per core ${v.perCore === null ? '-' : v.perCore.toFixed(2)})`);
  if (out === 'edge' && !only) {
    if (bundleB.length) {
      // the A/B pair is kept under tmp/; the committed results hold the built bundle's numbers only
      fs.mkdirSync(path.join(root, 'bench', 'results', 'tmp'), { recursive: true });
      fs.writeFileSync(path.join(root, 'bench', 'results', 'tmp', 'edge-ab.json'), JSON.stringify(report, null, 2) + '\n');
      for (const r of Object.keys(results)) {
        for (const name of bundleB) {
          delete results[r].contenders[name];
          delete ratios[r]?.[name];
        }
      }
    }
    writeResults('edge', report, svg(report));
  } else {
    fs.mkdirSync(path.join(root, 'bench', 'results', 'tmp'), { recursive: true });
    fs.writeFileSync(path.join(root, 'bench', 'results', 'tmp', `${out}.json`), JSON.stringify(report, null, 2) + '\n');
  }
}

/** `node --cpu-prof` on our data plane under one row's load: self time by function and by part. */
async function profile(ours, row, grpcPort, backends) {
  const dir = path.join(tmp, 'prof');
  const port = await freePort();
  process.env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${dir}`;
  const p = ours.start(port, row);
  delete process.env.NODE_OPTIONS;
  await waitForPort(port);
  row.load(port, 2, false);
  const before = cpuUs(p.pid);
  const res = row.load(port, DURATION, false);
  console.log(`${res.rps.toFixed(0)} ${row.unit}, ${((cpuUs(p.pid) - before) / res.requests).toFixed(1)} CPU µs/request (profiling adds some)`);
  await bench.stop(p);
  for (const b of backends) await bench.stop(b);
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  const prof = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const self = new Map();
  const dt = new Map();
  for (let i = 0; i < prof.samples.length; i++) dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  let total = 0;
  for (const n of prof.nodes) {
    const t = dt.get(n.id) ?? 0;
    if (n.callFrame.functionName === '(idle)') continue;
    total += t;
    const url = n.callFrame.url.replace(/^.*\/(assets\/dataplane\.js)$/, '$1').replace(/^node:/, '');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${url}${url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + t);
  }
  const part = (k) => (/dataplane\.js/.test(k) ? 'our bundle' : /internal\/http2/.test(k) ? 'node http2 (JS)' : /_tls|internal\/tls|tls\.js/.test(k) ? 'node tls (JS)'
    : /internal\/(streams|stream_base)|net\.js/.test(k) ? 'node net/streams (JS)' : /garbage collector/.test(k) ? 'GC' : /\(program\)/.test(k) ? 'native (program)' : / internal\/|events/.test(k) ? 'other node JS' : 'native/builtins');
  const parts = new Map();
  for (const [k, t] of self) parts.set(part(k), (parts.get(part(k)) ?? 0) + t);
  console.log('\nself time by part (idle excluded):');
  for (const [k, t] of [...parts].sort((a, b) => b[1] - a[1])) console.log(`  ${(100 * t / total).toFixed(1).padStart(5)}%  ${k}`);
  console.log(`\ntop functions by self time:`);
  for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, arg('top', 30))) console.log(`  ${(100 * t / total).toFixed(1).padStart(5)}%  ${k}`);
}

/** One bar group per row, one bar per contender (rate; CPU µs per request beside it). */
function svg(report) {
  const W = 960;
  const left = 170;
  const barW = W - left - 260;
  let y = 50;
  const parts = [];
  for (const res of Object.values(report.results)) {
    parts.push(`<text x="${left}" y="${y}" font-weight="bold">${esc(res.title)} (${esc(res.unit)})</text>`);
    y += 8;
    const max = Math.max(...Object.values(res.contenders).map((x) => x.perSec));
    for (const [name, x] of Object.entries(res.contenders)) {
      const w = Math.max(1, (x.perSec / max) * barW);
      const fill = name === 'cdk8s-gateway' ? '#2b6cb0' : name === 'direct' ? '#a0aec0' : '#718096';
      const cpu = x.cpuUsPerRequest === null ? '' : ` · ${x.cpuUsPerRequest.toFixed(0)} µs CPU/req`;
      parts.push(`<text x="${left - 8}" y="${y + 18}" text-anchor="end">${esc(name)}</text>`,
        `<rect x="${left}" y="${y + 4}" width="${w.toFixed(1)}" height="20" fill="${fill}"/>`,
        `<text x="${(left + w + 6).toFixed(1)}" y="${y + 18}">${Math.round(x.perSec)}${esc(cpu)}</text>`);
      y += 28;
    }
    y += 22;
  }
  const goals = Object.entries(report.goals).filter(([, v]) => v).map(([k, v]) => `${k}: ${v.rate.toFixed(2)}`).join(' · ');
  const H = y + 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
  <text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">TLS, HTTP/2 and gRPC at the edge, one core each (${esc(report.machine.node)}, ECDSA P-256)</text>
  ${parts.join('\n  ')}
  <text x="${left}" y="${H - 14}" font-size="11">${esc(goals)}</text>
</svg>
`;
}

main().then(() => process.exit(0), (e) => {
  console.error(e.stack ?? e);
  process.exit(1);
});
