// The reliability suite (issue 17): what a release is checked with. Loopback only, bounded, stops by itself, prints
// figures and asserts behaviour (never timings). Sections:
//   slow    silent and slow clients on every port kind (HTTP, HTTPS, TLS passthrough, TCP, UDP) are closed within
//           their timeout, the active-connection gauge counts them meanwhile and returns to 0
//   floods  HTTP/2 rapid reset, CONTINUATION, SETTINGS, PING, many connections from one address, each while an
//           ordinary client sends GETs: none of its requests fails, the flood is cut off; prints the p99 ratio
//   faults  backends killed mid-response, resetting, black holes, slow drip, gone: the spec's statuses, nothing stuck
//   churn   rounds of plain and TLS connections (silent, half a ClientHello, full handshakes): RSS per round stays
//           below the pod's memory limit with the pod's Node flags
//   soak    (only with --soak <minutes>) mixed traffic on every port kind with config reloads and backend churn;
//           fd count and RSS flat, no unexplained error
//
//   npx projen bench:reliability [-- --only slow,floods,faults,churn] [--churn-rounds 10] [--churn-size 50000] [--soak 30] [--node-flags "<node options>"]
//                         [--flood-seconds 20] [--flood-kinds rapid-reset,continuation,settings,ping,connections]
//
// Run it under the machine's heavy lock: flock /tmp/heavy.lock npx projen bench:reliability
import { execFileSync, spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { Bench, ensureBundle, freePort, LOAD_CORE, nodeBinary, PROXY_CORE, resultsDir, root, waitForPort } from '../lib.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const only = new Set((opt('only', 'slow,floods,faults,churn')).split(','));
const soakMinutes = Number(opt('soak', 0));
if (soakMinutes > 0 && !argv.includes('--only')) only.clear();
if (soakMinutes > 0) only.add('soak');
const churnRounds = Number(opt('churn-rounds', 10));
const churnSize = Number(opt('churn-size', 50000));

const require = createRequire(import.meta.url);
const { suiteConfig, PORTS, BACKENDS } = require(path.join(root, '.cache', 'bench', 'reliability-config.js'));
ensureBundle();
const bench = new Bench('reliability');
const node = nodeBinary();
// RELIABILITY_BUNDLE: a copy of the bundle to test (so that a rebuild during a long soak does not swap it)
const DATAPLANE = process.env.RELIABILITY_BUNDLE ?? path.join(root, 'assets', 'dataplane.js');
const failures = [];
const report = { machine: { node: execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(), libc: libc(node) }, sections: {} };

function check(ok, what) {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (v, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

/** glibc or musl: what the Node binary is linked against. */
function libc(bin) {
  try {
    return /musl/.test(execFileSync('ldd', [bin], { encoding: 'utf8' })) ? 'musl' : 'glibc';
  } catch {
    return 'unknown';
  }
}

// --- backends (in this process) --------------------------------------------------------------

function listen(server, host = '127.0.0.1') {
  return new Promise((r) => server.listen(0, host, () => r(server.address().port)));
}

/** `/` answers `ok`; the fault backend answers by path (see `faults`). */
async function startBackends() {
  const web = http.createServer((req, res) => {
    req.resume();
    res.end('ok\n');
  });
  web.keepAliveTimeout = 60_000;
  const faults = http.createServer((req, res) => {
    req.resume();
    const sock = req.socket;
    if (req.url.startsWith('/fault/kill')) {
      // headers and half the body, then the process "dies" (the connection is destroyed)
      res.writeHead(200, { 'content-length': '1000' });
      res.write('x'.repeat(500));
      setTimeout(() => sock.destroy(), 50);
    } else if (req.url.startsWith('/fault/reset')) {
      sock.resetAndDestroy();
    } else if (req.url.startsWith('/fault/blackhole')) {
      // never answers
    } else if (req.url.startsWith('/fault/drip')) {
      // the whole answer, a byte every 100 ms (inside every timeout: it must arrive complete)
      res.writeHead(200, { 'content-length': '10' });
      let n = 0;
      const t = setInterval(() => {
        res.write('d');
        if (++n === 10) {
          clearInterval(t);
          res.end();
        }
      }, 100);
    } else {
      res.end('fault backend\n');
    }
  });
  const certs = selfSigned(['pass.example.com']);
  const tlsEcho = tls.createServer({ cert: certs.cert, key: certs.key }, (s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  const tcpEcho = net.createServer((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  const udpEcho = dgram.createSocket('udp4');
  udpEcho.on('message', (m, r) => udpEcho.send(m, r.port, r.address));
  await new Promise((r) => udpEcho.bind(0, '127.0.0.1', r));
  const goneServer = net.createServer();
  const gonePort = await listen(goneServer);
  goneServer.close(); // a port nobody listens on
  return {
    web: await listen(web), faults: await listen(faults), tls: await listen(tlsEcho), tcp: await listen(tcpEcho), udp: udpEcho.address().port, gone: gonePort,
    servers: { web, faults, tlsEcho, tcpEcho, udpEcho },
  };
}

function selfSigned(names) {
  const dir = fs.mkdtempSync(path.join(bench.tmp, 'cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-keyout', path.join(dir, 'tls.key'), '-out', path.join(dir, 'tls.crt'), '-subj', `/CN=${names[0]}`,
    '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`], { stdio: 'ignore' });
  return { dir, cert: fs.readFileSync(path.join(dir, 'tls.crt')), key: fs.readFileSync(path.join(dir, 'tls.key')) };
}

// --- the gateway -----------------------------------------------------------------------------

/** Starts the data plane on the proxy core with every suite port mapped to a free local port. */
async function startGateway(backends, { args = [], nodeFlags = [], env = {}, extraRoutes = 0 } = {}) {
  const secrets = path.join(bench.tmp, 'secrets');
  const cert = selfSigned(['*.example.com', 'localhost']);
  fs.mkdirSync(path.join(secrets, 'default', 'web-tls'), { recursive: true });
  fs.copyFileSync(path.join(cert.dir, 'tls.crt'), path.join(secrets, 'default', 'web-tls', 'tls.crt'));
  fs.copyFileSync(path.join(cert.dir, 'tls.key'), path.join(secrets, 'default', 'web-tls', 'tls.key'));
  const configFile = bench.writeJson(`config-${Date.now()}.json`, suiteConfig(extraRoutes));
  const local = {};
  for (const [name, p] of Object.entries(PORTS)) local[name] = { listener: p, port: await freePort() };
  const admin = await freePort();
  const full = [...nodeFlags, DATAPLANE, '--config', configFile, '--address', '127.0.0.1', '--admin-port', String(admin), '--secrets-dir', secrets,
    '--no-access-log', '--log-level', 'error'];
  for (const { listener, port } of Object.values(local)) full.push('--port-map', `${listener}=${port}`);
  for (const [name, id] of Object.entries(BACKENDS)) full.push('--backend', `${id}=127.0.0.1:${backends[name]}`);
  full.push(...args);
  const proc = bench.start(PROXY_CORE, node, full, env);
  await waitForPort(local.http.port);
  await waitForPort(admin);
  const ports = Object.fromEntries(Object.entries(local).map(([k, v]) => [k, v.port]));
  return { proc, ports, admin, configFile };
}

async function metrics(gw) {
  return (await fetch(`http://127.0.0.1:${gw.admin}/metrics`)).text();
}

/** Sum of a metric's samples whose labels include every pair. */
function sum(text, name, labels = {}) {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let n = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (want.every((w) => line.includes(w))) n += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return n;
}

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

function fdCount(pid) {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

const TCP_STATES = ['', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING'];

/**
 * What a process's file descriptors are: sockets by protocol, TCP state and the port on either side (named when it is
 * one of the gateway's ports or a backend's), the rest by kind. For a failing fd check: `{ "tcp ESTABLISHED
 * local=http": 12, "udp remote=udp-backend": 500, "anon_inode:[eventpoll]": 1, ... }`.
 */
function fdReport(pid, names) {
  const sockets = new Map();
  for (const proto of ['tcp', 'tcp6', 'udp', 'udp6']) {
    let text = '';
    try {
      text = fs.readFileSync(`/proc/${pid}/net/${proto}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const port = (hex) => parseInt(hex.split(':')[1], 16);
      const state = proto.startsWith('tcp') ? TCP_STATES[parseInt(f[3], 16)] : '';
      sockets.set(f[9], { proto: proto.replace('6', ''), state, local: port(f[1]), remote: port(f[2]) });
    }
  }
  const name = (p) => names[p] ?? (p === 0 ? '*' : 'other');
  const groups = {};
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    let target;
    try {
      target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    let key;
    if (!inode) key = target.startsWith('/') ? 'file' : target.replace(/:\[\d+\]$/, '');
    else {
      const s = sockets.get(inode);
      key = s ? `${s.proto} ${s.state} local=${name(s.local)} remote=${name(s.remote)}`.replace(/ {2}/, ' ') : 'socket (unix or not in /proc/net)';
    }
    groups[key] = (groups[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(groups).sort((a, b) => b[1] - a[1]));
}

/** Port number → what it is, for fdReport: the gateway's ports and the backends. */
function portNames(gw, backends) {
  const names = {};
  for (const [k, v] of Object.entries(gw.ports)) names[v] = k;
  names[gw.admin] = 'admin';
  for (const [k, v] of Object.entries(backends)) if (typeof v === 'number') names[v] = `${k}-backend`;
  return names;
}

async function stopGateway(gw) {
  await bench.stop(gw.proc);
}

/** A child process (node script of this folder) on the load core; resolves with its last stdout line as JSON. */
function runScript(script, args, nice = 0) {
  return new Promise((resolve, reject) => {
    const p = spawn('taskset', ['-c', LOAD_CORE, 'nice', '-n', String(nice), node, path.join(root, 'bench', 'reliability', script), ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    bench.children.add(p);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('exit', () => {
      bench.children.delete(p);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch (e) {
        reject(new Error(`${script}: ${e.message}: ${out}`));
      }
    });
  });
}

// --- slow and silent clients -------------------------------------------------------------------

/** `n` clients that connect and send `bytes` (maybe nothing), and never close: their lifetimes in ms. */
async function lingerers(port, n, bytes) {
  const lifetimes = await Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const start = Date.now();
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => bytes && s.write(bytes));
    s.on('error', () => undefined);
    // read (and drop) what the gateway sends, so that its FIN is seen
    s.resume();
    s.on('end', () => resolve(Date.now() - start));
    s.on('close', () => resolve(Date.now() - start));
    setTimeout(() => {
      s.destroy();
      resolve(-1);
    }, 30_000);
  })));
  return lifetimes;
}

async function slowSection(backends) {
  console.log('\n== slow and silent clients (timeouts: handshake 2 s, header 2 s, TCP idle 3 s, UDP idle 2 s)');
  const gw = await startGateway(backends, { args: ['--tls-handshake-timeout', '2', '--header-timeout', '2', '--idle-timeout', '4', '--tcp-idle-timeout', '3', '--udp-idle-timeout', '2'] });
  const out = {};
  const N = 200;
  const hello = await captureClientHello('pass.example.com');
  const cases = [
    ['HTTP, nothing sent', 'http', undefined, 2000, 'http'],
    ['HTTP, half a request head', 'http', 'GET / HTTP/1.1\r\nHost: a\r\n', 2000, 'http'],
    ['HTTP, half the HTTP/2 preface', 'http', 'PRI * HTTP/2.0\r\n', 2000, 'http'],
    ['HTTPS, nothing sent', 'https', undefined, 2000, 'https'],
    ['HTTPS, half a ClientHello', 'https', hello.subarray(0, 100), 2000, 'https'],
    ['HTTPS, ClientHello and no more', 'https', hello, 2000, 'https'],
    ['TLS passthrough, nothing sent', 'passthrough', undefined, 2000, 'passthrough'],
    ['TCP, nothing sent', 'tcp', undefined, 3000, 'tcp'],
  ];
  for (const [name, key, bytes, timeoutMs] of cases) {
    const port = gw.ports[key];
    const listener = PORTS[key];
    const pending = lingerers(port, N, bytes);
    await sleep(300);
    const gaugeOpen = sum(await metrics(gw), 'cdk8s_gateway_active_connections', { port: String(listener) });
    const lifetimes = await pending;
    // a connection the gateway ended (after a 408) waits up to 5 s for the client's FIN (lingering close)
    let gaugeAfter = -1;
    for (let i = 0; i < 30 && gaugeAfter !== 0; i++) {
      await sleep(250);
      gaugeAfter = sum(await metrics(gw), 'cdk8s_gateway_active_connections', { port: String(listener) });
    }
    const closed = lifetimes.filter((t) => t >= 0);
    const max = Math.max(...closed);
    out[name] = { clients: N, closed: closed.length, maxLifetimeMs: max, gaugeWhileOpen: gaugeOpen, gaugeAfter };
    console.log(`  ${name.padEnd(34)} closed ${closed.length}/${N}, last after ${max} ms (timeout ${timeoutMs} ms); gauge ${gaugeOpen} open, ${gaugeAfter} after`);
    // (the sweep runs every 500 ms on a coarse clock: a close may come up to that much early or late)
    check(closed.length === N && max >= timeoutMs - 600 && max < timeoutMs + 5000, `${name}: every client closed after its timeout`);
    check(gaugeOpen >= N && gaugeAfter === 0, `${name}: the gauge counted them (${gaugeOpen}) and returned to 0 (${gaugeAfter})`);
  }
  // UDP: a client that goes quiet has its session forgotten
  const clients = await Promise.all(Array.from({ length: 50 }, async () => {
    const s = dgram.createSocket('udp4');
    await new Promise((r) => s.bind(0, '127.0.0.1', r));
    const answered = new Promise((r) => s.once('message', r));
    s.send('ping', gw.ports.udp, '127.0.0.1');
    await answered;
    return s;
  }));
  const sessionsOpen = sum(await metrics(gw), 'cdk8s_gateway_udp_sessions');
  await sleep(2000 + 1500);
  const sessionsAfter = sum(await metrics(gw), 'cdk8s_gateway_udp_sessions');
  clients.forEach((s) => s.close());
  out['UDP, quiet clients'] = { clients: 50, sessionsOpen, sessionsAfter };
  console.log(`  ${'UDP, quiet clients'.padEnd(34)} sessions ${sessionsOpen} open, ${sessionsAfter} after the idle timeout`);
  check(sessionsOpen === 50 && sessionsAfter === 0, 'UDP: quiet sessions are forgotten after --udp-idle-timeout');
  const m = await metrics(gw);
  out.closedByReason = { header_timeout: sum(m, 'cdk8s_gateway_connections_closed_total', { reason: 'header_timeout' }), handshake_timeout: sum(m, 'cdk8s_gateway_connections_closed_total', { reason: 'handshake_timeout' }) };
  console.log(`  cdk8s_gateway_connections_closed_total: header_timeout ${out.closedByReason.header_timeout}, handshake_timeout ${out.closedByReason.handshake_timeout}`);
  await stopGateway(gw);
  report.sections.slow = out;
}

async function captureClientHello(servername) {
  const server = net.createServer();
  const port = await listen(server);
  const got = new Promise((r) => server.once('connection', (s) => s.once('data', (d) => {
    r(d);
    s.destroy();
  })));
  const c = tls.connect({ port, host: '127.0.0.1', servername, rejectUnauthorized: false });
  c.on('error', () => undefined);
  const hello = await got;
  c.destroy();
  server.close();
  return hello;
}

// --- floods ------------------------------------------------------------------------------------

async function floodsSection(backends) {
  const seconds = Number(opt('flood-seconds', 20));
  console.log(`\n== floods (${seconds} s each; ordinary client: 200 GET/s over 4 keep-alive connections from 127.0.0.1; attackers from 127.0.0.2+)`);
  const gw = await startGateway(backends);
  const port = String(gw.ports.http);
  const out = {};
  const cpu0 = cpuSeconds(gw.proc.pid);
  const base = await runScript('prober.mjs', ['--port', port, '--seconds', '10'], -5);
  base.gatewayCpuSeconds = round(cpuSeconds(gw.proc.pid) - cpu0, 2);
  console.log(`  unloaded                 p50 ${base.p50} ms, p99 ${base.p99} ms, max ${base.max} ms, failed ${JSON.stringify(base.failures)}; ` +
    `gateway CPU ${base.gatewayCpuSeconds} s in 10 s`);
  out.unloaded = base;
  // each kind floods from addresses of its own: an address penalized by one flood would be refused at accept in the next
  const kinds = [
    ['rapid-reset', ['--connections', '8', '--first-address', '2']],
    ['continuation', ['--connections', '8', '--first-address', '20']],
    ['settings', ['--connections', '8', '--first-address', '40']],
    ['ping', ['--connections', '8', '--first-address', '60']],
    ['connections', ['--connections', '6000', '--addresses', '1', '--first-address', '80']],
  ];
  const chosen = new Set(opt('flood-kinds', kinds.map(([k]) => k).join(',')).split(','));
  for (const [kind, extra] of kinds.filter(([k]) => chosen.has(k))) {
    const before = await metrics(gw);
    const cpuBefore = cpuSeconds(gw.proc.pid);
    const [probe, attack] = await Promise.all([
      runScript('prober.mjs', ['--port', port, '--seconds', String(seconds)], -5),
      runScript('attacker.mjs', ['--kind', kind, '--port', port, '--seconds', String(seconds), ...extra], 5),
    ]);
    const cpu = round(cpuSeconds(gw.proc.pid) - cpuBefore, 2);
    const after = await metrics(gw);
    const closed = (reason) => sum(after, 'cdk8s_gateway_connections_closed_total', { reason }) - sum(before, 'cdk8s_gateway_connections_closed_total', { reason });
    const ratio = round(probe.p99 / base.p99, 2);
    const failed = Object.values(probe.failures).reduce((a, b) => a + b, 0);
    out[kind] = { probe, attack, p99Ratio: ratio, gatewayCpuSeconds: cpu, closedAbuse: closed('abuse'), closedPenalty: closed('client_penalty'), closedLimit: closed('client_limit') };
    console.log(`  ${kind.padEnd(24)} p50 ${probe.p50} ms, p99 ${probe.p99} ms (${ratio}x unloaded), max ${probe.max} ms, failed ${failed}; ` +
      `gateway CPU ${cpu} s in ${seconds} s; ` +
      `attacker: ${attack.connections} connections, GOAWAY ${JSON.stringify(attack.goaway)}; closed: abuse ${closed('abuse')}, penalty ${closed('client_penalty')}, limit ${closed('client_limit')}`);
    check(failed === 0, `${kind}: no ordinary request failed`);
    if (kind === 'connections') check(closed('client_limit') > 0, `${kind}: the address was held to --max-connections-per-client`);
    else check(closed('abuse') > 0, `${kind}: the flood was closed as abuse`);
    await sleep(1000);
  }
  out.fairnessGoal = 'ordinary p99 within 5x the unloaded p99 (reported, not asserted: the machine is shared)';
  await stopGateway(gw);
  report.sections.floods = out;
}

// --- backend faults ----------------------------------------------------------------------------

function get(port, pathname) {
  return new Promise((resolve) => {
    const req = http.get({ port, host: '127.0.0.1', path: pathname, agent: false }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, code: res.headers['x-gateway-error'], complete: res.complete, length: body.length }));
      res.on('error', () => resolve({ status: res.statusCode, code: 'aborted', complete: false, length: body.length }));
      res.on('aborted', () => resolve({ status: res.statusCode, code: 'aborted', complete: false, length: body.length }));
    });
    req.on('error', (e) => resolve({ status: 0, code: e.code }));
    req.setTimeout(15_000, () => req.destroy());
  });
}

async function faultsSection(backends) {
  console.log('\n== backend faults (20 requests each)');
  const gw = await startGateway(backends);
  const out = {};
  const cases = [
    ['killed mid-response', '/fault/kill', (r) => r.status === 200 && !r.complete, 'the client sees the answer cut short (the head was sent: no status can change)'],
    ['reset before answering', '/fault/reset', (r) => r.status === 502 && r.code === 'GW_UPSTREAM_RESET', '502 GW_UPSTREAM_RESET'],
    ['black hole', '/fault/blackhole', (r) => r.status === 504 && r.code === 'GW_UPSTREAM_TIMEOUT', '504 GW_UPSTREAM_TIMEOUT (backendRequest 1.5 s)'],
    ['slow drip (within timeouts)', '/fault/drip', (r) => r.status === 200 && r.complete && r.length === 10, '200, the whole body'],
    ['nobody listening', '/gone/x', (r) => r.status === 503 && r.code === 'GW_UPSTREAM_UNREACHABLE', '503 GW_UPSTREAM_UNREACHABLE'],
  ];
  for (const [name, p, ok, expected] of cases) {
    const results = await Promise.all(Array.from({ length: 20 }, () => get(gw.ports.http, p)));
    const good = results.filter(ok).length;
    const seen = {};
    for (const r of results) seen[`${r.status} ${r.code ?? ''}`.trim()] = (seen[`${r.status} ${r.code ?? ''}`.trim()] ?? 0) + 1;
    out[name] = { expected, seen };
    console.log(`  ${name.padEnd(28)} ${JSON.stringify(seen)}`);
    check(good === 20, `${name}: ${expected}`);
  }
  await sleep(1500);
  const m = await metrics(gw);
  const active = sum(m, 'cdk8s_gateway_active_requests');
  const conns = sum(m, 'cdk8s_gateway_active_connections', { port: String(PORTS.http) });
  out.after = { activeRequests: active, activeConnections: conns };
  console.log(`  afterwards: ${active} requests in flight, ${conns} client connections open`);
  check(active === 0 && conns === 0, 'no request or connection stuck after the faults');
  await stopGateway(gw);
  report.sections.faults = out;
}

// --- churn -------------------------------------------------------------------------------------

/**
 * The Node flags a pod with the default 512 MiB limit runs the data plane with (src/deploy/pod-layout.ts semiSpaceMib()); `--node-flags
 * '<options>'` tries others (e.g. another --max-semi-space-size).
 */
const POD_NODE_FLAGS = opt('node-flags', '--max-old-space-size=384 --max-semi-space-size=16').split(' ').filter(Boolean);
const POD_LIMIT_MIB = 512;

/** Opens `n` connections (`concurrency` at a time) that each do `what`, then close. */
async function churn(n, concurrency, what) {
  let started = 0;
  let errors = 0;
  const worker = async () => {
    while (started < n) {
      started++;
      try {
        await what();
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return errors;
}

function plainRequest(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: churn\r\nConnection: close\r\n\r\n'));
    s.on('data', () => undefined);
    s.on('error', reject);
    s.on('close', resolve);
  });
}

function silent(port, bytes) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      if (bytes) s.write(bytes);
      // the client gives up after a moment, as a port scanner or a broken client would
      setTimeout(() => s.destroy(), 20);
    });
    s.on('error', () => undefined);
    s.on('close', resolve);
  });
}

/** `n` connections that send a whole ClientHello and then nothing, held open together for a second, then closed. */
async function stalledHandshakes(port, n, hello) {
  const sockets = [];
  for (let i = 0; i < n; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, n - i) }, () => new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.write(hello);
        resolve();
      });
      s.on('error', resolve);
      s.resume();
      sockets.push(s);
    })));
  }
  await sleep(1000);
  for (const s of sockets) s.destroy();
}

function handshake(port) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', servername: 'churn.example.com', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => s.end());
    s.on('error', reject);
    s.on('close', resolve);
    s.resume();
  });
}

async function churnSection(backends) {
  const handshakes = Math.max(1, Math.round(churnSize / 25));
  console.log(`\n== churn: ${churnRounds} rounds of ${churnSize} plain requests, ${churnSize} TLS connections that send nothing or half a ClientHello, ` +
    `${handshakes} full TLS handshakes, 5,000 stalled handshakes held at once (Node flags ${POD_NODE_FLAGS.join(' ')}, pod limit ${POD_LIMIT_MIB} MiB, ${report.machine.node} on ${report.machine.libc})`);
  const gw = await startGateway(backends, { nodeFlags: POD_NODE_FLAGS });
  const hello = await captureClientHello('churn.example.com');
  const rounds = [];
  const t0 = Date.now();
  for (let r = 1; r <= churnRounds; r++) {
    const e1 = await churn(churnSize, 64, () => plainRequest(gw.ports.http));
    const e2 = await churn(churnSize / 2, 256, () => silent(gw.ports.https));
    const e3 = await churn(churnSize / 2, 256, () => silent(gw.ports.https, hello.subarray(0, 200)));
    const e4 = await churn(handshakes, 16, () => handshake(gw.ports.https));
    // stalled handshakes held together: what --max-pending-connections bounds (~45 KiB of native memory each)
    await stalledHandshakes(gw.ports.https, 5000, hello);
    await sleep(1500);
    const rss = round(rssMiB(gw.proc.pid));
    const fds = fdCount(gw.proc.pid);
    rounds.push({ round: r, rssMiB: rss, fds, clientErrors: e1 + e2 + e3 + e4 });
    console.log(`  round ${String(r).padStart(2)}: RSS ${rss} MiB, fds ${fds}, client errors ${e1 + e2 + e3 + e4} (${Math.round((Date.now() - t0) / 1000)} s)`);
  }
  const peak = Math.max(...rounds.map((x) => x.rssMiB));
  check(peak < POD_LIMIT_MIB, `churn: RSS stayed below the pod limit (peak ${peak} MiB < ${POD_LIMIT_MIB} MiB)`);
  const late = rounds.slice(Math.floor(rounds.length / 2));
  const growth = late.length > 1 ? late[late.length - 1].rssMiB - late[0].rssMiB : 0;
  console.log(`  RSS change over the second half of the rounds: ${round(growth)} MiB`);
  check(rounds.length < 4 || growth < 64, `churn: RSS levels off (second half grew ${round(growth)} MiB < 64 MiB)`);
  check(rounds[rounds.length - 1].fds < rounds[0].fds + 20, 'churn: file descriptors return to where they were');
  await stopGateway(gw);
  report.sections.churn = { nodeFlags: POD_NODE_FLAGS, podLimitMiB: POD_LIMIT_MIB, size: churnSize, handshakes, rounds };
}

// --- soak --------------------------------------------------------------------------------------

async function soakSection(backends) {
  const minutes = soakMinutes;
  console.log(`\n== soak: ${minutes} min of mixed traffic (HTTP/1.1, h2c, HTTPS, TLS passthrough, TCP, UDP) with a config reload every 20 s ` +
    'and the fault/TCP backends restarted every 60 s');
  const gw = await startGateway(backends, { nodeFlags: POD_NODE_FLAGS, extraRoutes: 1 });
  const end = Date.now() + minutes * 60_000;
  const stats = { requests: 0, ok: 0, explained: {}, unexplained: {} };
  const note = (bucket, what) => { stats[bucket][what] = (stats[bucket][what] ?? 0) + 1; };
  let tcpDown = false;
  const samples = [];
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const httpsAgent = new (await import('node:https')).Agent({ keepAlive: true, maxSockets: 4, rejectUnauthorized: false });
  const h2 = await import('node:http2');
  let reloads = 0;
  let restarts = 0;
  let extraRoute = 1;

  const loop = async (fn) => {
    while (Date.now() < end) {
      try {
        await fn();
      } catch (e) {
        note('unexplained', `exception ${e.code ?? e.message}`);
      }
    }
  };
  const httpOnce = (agent, port, p, mod = http) => new Promise((resolve) => {
    const req = mod.get({ port, host: '127.0.0.1', path: p, agent, servername: 'soak.example.com' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(-1));
    });
    req.on('error', (e) => resolve(e.code));
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
  });
  const https = await import('node:https');
  const workers = [
    // HTTP/1.1 keep-alive: / and the route the reloads move
    loop(async () => {
      const p = Math.random() < 0.5 ? '/' : `/r0/x`;
      const s = await httpOnce(httpAgent, gw.ports.http, p);
      stats.requests++;
      if (s === 200) stats.ok++;
      else note('unexplained', `http ${p} ${s}`);
    }),
    // faults: statuses are the spec's; while the backend restarts, 503/502 are explained
    loop(async () => {
      const s = await httpOnce(httpAgent, gw.ports.http, '/fault/ok');
      stats.requests++;
      if (s === 200) stats.ok++;
      else note('explained', `fault backend restarting: ${s}`);
      await sleep(5);
    }),
    // HTTPS
    loop(async () => {
      const s = await httpOnce(httpsAgent, gw.ports.https, '/', https);
      stats.requests++;
      if (s === 200) stats.ok++;
      else note('unexplained', `https ${s}`);
    }),
    // h2c: a session that lives a while, many streams
    loop(async () => {
      const session = h2.connect(`http://127.0.0.1:${gw.ports.http}`);
      session.on('error', () => undefined);
      for (let i = 0; i < 200 && Date.now() < end; i++) {
        const s = await new Promise((resolve) => {
          const req = session.request({ ':path': '/' });
          req.on('response', (h) => resolve(h[':status']));
          req.on('error', (e) => resolve(e.code));
          req.resume();
          req.end();
        });
        stats.requests++;
        if (s === 200) stats.ok++;
        else note('unexplained', `h2c ${s}`);
      }
      session.close();
    }),
    // TLS passthrough: connect, echo, close
    loop(async () => {
      const ok = await new Promise((resolve) => {
        const s = tls.connect({ port: gw.ports.passthrough, host: '127.0.0.1', servername: 'pass.example.com', rejectUnauthorized: false }, () => s.write('ping'));
        s.once('data', (d) => {
          resolve(String(d) === 'ping');
          s.end();
        });
        s.on('error', (e) => resolve(e.code));
        setTimeout(() => { s.destroy(); resolve('timeout'); }, 10_000);
      });
      stats.requests++;
      if (ok === true) stats.ok++;
      else note('unexplained', `passthrough ${ok}`);
      await sleep(20);
    }),
    // TCP: connect, echo, close (the TCP backend is restarted too)
    loop(async () => {
      const ok = await new Promise((resolve) => {
        const s = net.connect(gw.ports.tcp, '127.0.0.1', () => s.write('ping'));
        s.once('data', (d) => {
          resolve(String(d) === 'ping');
          s.end();
        });
        s.on('error', (e) => resolve(e.code));
        s.on('close', () => resolve('closed'));
        setTimeout(() => { s.destroy(); resolve('timeout'); }, 10_000);
      });
      stats.requests++;
      if (ok === true) stats.ok++;
      else if (tcpDown) note('explained', `tcp backend restarting: ${ok}`);
      else note('unexplained', `tcp ${ok}`);
      await sleep(20);
    }),
    // UDP
    loop(async () => {
      const s = dgram.createSocket('udp4');
      await new Promise((r) => s.bind(0, '127.0.0.1', r));
      const ok = await new Promise((resolve) => {
        s.once('message', (m) => resolve(String(m) === 'ping'));
        s.send('ping', gw.ports.udp, '127.0.0.1');
        setTimeout(() => resolve('no answer'), 2000);
      });
      s.close();
      stats.requests++;
      if (ok === true) stats.ok++;
      else note('unexplained', `udp ${ok}`);
      await sleep(50);
    }),
    // silent and slow clients, now and then
    loop(async () => {
      await lingerers(gw.ports.https, 20, undefined);
    }),
  ];
  // reloads: the route /r0/ is replaced by one more extra route, or fewer, every 20 s
  const reloader = (async () => {
    while (Date.now() < end) {
      await sleep(20_000);
      extraRoute = extraRoute === 1 ? 3 : 1;
      const file = gw.configFile;
      fs.writeFileSync(`${file}.tmp`, JSON.stringify(suiteConfig(extraRoute)));
      fs.renameSync(`${file}.tmp`, file);
      reloads++;
    }
  })();
  // backend churn: the fault backend and the TCP echo close and come back every 60 s
  const churner = (async () => {
    while (Date.now() < end) {
      await sleep(60_000);
      if (Date.now() >= end) break;
      tcpDown = true;
      await new Promise((r) => backends.servers.faults.close(r));
      backends.servers.faults.closeAllConnections();
      await new Promise((r) => backends.servers.tcpEcho.close(r));
      await sleep(2000);
      await new Promise((r) => backends.servers.faults.listen(backends.faults, '127.0.0.1', r));
      await new Promise((r) => backends.servers.tcpEcho.listen(backends.tcp, '127.0.0.1', r));
      await sleep(1000);
      tcpDown = false;
      restarts++;
    }
  })();
  const sampler = (async () => {
    while (Date.now() < end) {
      samples.push({ t: Math.round((Date.now() - (end - minutes * 60_000)) / 1000), rssMiB: round(rssMiB(gw.proc.pid)), fds: fdCount(gw.proc.pid) });
      const last = samples[samples.length - 1];
      if (samples.length % 4 === 1) console.log(`  t=${last.t}s RSS ${last.rssMiB} MiB, fds ${last.fds}, requests ${stats.requests}, reloads ${reloads}, backend restarts ${restarts}`);
      await sleep(15_000);
    }
  })();
  await Promise.all([...workers, reloader, churner, sampler]);
  httpAgent.destroy();
  httpsAgent.destroy();
  // what the traffic left open closes at the gateway's timeouts (pod defaults: UDP sessions and idle keep-alive
  // connections 60 s; pooled backend connections 4 s): wait past them, not a fixed few seconds
  const settleBy = Date.now() + 75_000;
  const settled = () => fdCount(gw.proc.pid) <= samples[0].fds + 10;
  const afterTraffic = [];
  while (!settled() && Date.now() < settleBy) {
    if (afterTraffic.length % 15 === 0) afterTraffic.push({ s: Math.round((Date.now() - end) / 1000), fds: fdCount(gw.proc.pid), open: fdReport(gw.proc.pid, portNames(gw, backends)) });
    else afterTraffic.push({ s: Math.round((Date.now() - end) / 1000), fds: fdCount(gw.proc.pid) });
    await sleep(1000);
  }
  const final = { rssMiB: round(rssMiB(gw.proc.pid)), fds: fdCount(gw.proc.pid), secondsToSettle: Math.round((Date.now() - end) / 1000) };
  for (const a of afterTraffic.filter((x) => x.open)) console.log(`  ${a.s} s after the traffic: ${a.fds} fds: ${JSON.stringify(a.open)}`);
  if (!settled()) console.log(`  still open ${final.secondsToSettle} s after the traffic: ${JSON.stringify(fdReport(gw.proc.pid, portNames(gw, backends)))}`);
  const m = await metrics(gw);
  const reloadFailures = sum(m, 'cdk8s_gateway_config_reloads_total', { result: 'failure' });
  const third = samples.slice(Math.floor(samples.length / 3));
  const rssSpread = third.length ? round(Math.max(...third.map((s) => s.rssMiB)) - Math.min(...third.map((s) => s.rssMiB))) : 0;
  const fdsLate = third.map((s) => s.fds);
  const unexplained = Object.values(stats.unexplained).reduce((a, b) => a + b, 0);
  console.log(`  ${stats.requests} requests/connections, ${stats.ok} ok; explained failures ${JSON.stringify(stats.explained)}; unexplained ${JSON.stringify(stats.unexplained)}`);
  console.log(`  reloads ${reloads} (refused ${reloadFailures}), backend restarts ${restarts}; RSS over the last two thirds: spread ${rssSpread} MiB; ` +
    `fds ${Math.min(...fdsLate)}..${Math.max(...fdsLate)}; after the traffic stopped: RSS ${final.rssMiB} MiB, fds ${final.fds} (${final.secondsToSettle} s after)`);
  check(unexplained === 0, 'soak: no unexplained error');
  check(reloadFailures === 0 && reloads > 0, 'soak: every reload was served');
  check(rssSpread < 96, `soak: RSS flat over the last two thirds (spread ${rssSpread} MiB < 96 MiB)`);
  check(final.fds <= samples[0].fds + 10, `soak: file descriptors back to the start once the idle timeouts passed (${final.fds} vs ${samples[0].fds})`);
  await stopGateway(gw);
  report.sections.soak = { minutes, stats, reloads, reloadFailures, restarts, samples, final, afterTraffic };
}

// --- main --------------------------------------------------------------------------------------

const backends = await startBackends();
console.log(`reliability suite: ${report.machine.node} (${report.machine.libc}) on core ${PROXY_CORE}, clients on core ${LOAD_CORE}`);
if (only.has('slow')) await slowSection(backends);
if (only.has('floods')) await floodsSection(backends);
if (only.has('faults')) await faultsSection(backends);
if (only.has('churn')) await churnSection(backends);
if (only.has('soak')) await soakSection(backends);
report.failures = failures;
const name = only.has('soak') ? 'reliability-soak' : 'reliability';
fs.mkdirSync(resultsDir, { recursive: true });
fs.writeFileSync(path.join(resultsDir, `${name}.json`), JSON.stringify(report, null, 2) + '\n');
console.log(`\nwrote bench/results/${name}.json`);
console.log(failures.length ? `\n${failures.length} check(s) failed:\n  ${failures.join('\n  ')}` : '\nall checks passed');
process.exit(failures.length ? 1 : 0);
