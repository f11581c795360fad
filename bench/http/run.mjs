// HTTP/1.1 keep-alive proxy benchmark (projen task `bench:http`).
//
// In one run on this machine, a small response is fetched with wrk through:
//   (a) this data plane (assets/dataplane.js)      (b) nginx as a reverse proxy (1 worker, upstream keepalive)
//   (c) @fastify/http-proxy (undici)                 (d) the http-proxy package     (e) the backend directly
// Every proxy is pinned to the same core; wrk and the backend (nginx `return 200`) share the other one.
// Rounds are interleaved (a b c d e, a b c d e, ...) and the median round of each contender is reported,
// because this machine may be shared. Also measured: p99 at half our maximum rate, 10 vs 10,000 routes,
// idle RSS with 1,000 routes and the bundle size. Results: bench/results/http.json and http.svg.
//
// usage: node bench/http/run.mjs [--duration <s>] [--rounds <n>] [--connections <n>] [--half-only]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  arg, Bench, cores, cpuUs, ensureBundle, ensureTools, freePort, h2loadPaced, Interference, LOAD_CORE, median, medianOf, NGINX, NICE, nodeBinary, openLoop, openLoopBinary, PROXY_CORE, resultsDir, root, waitForPort,
  wrk as wrkUrl,
} from '../lib.mjs';
import { dataPlaneArgs, nginxProxyHttp, routesConfig } from './routes.mjs';

const DURATION = arg('duration', 10);
// five rounds: this VM has slow periods of a minute or more (every Node process here then needs ~1.5x the CPU per
// request); with three, one such period in two of one contender's rounds moved its median (seen: 15.5k req/s for 25k)
const ROUNDS = arg('rounds', 5);
const CONNECTIONS = arg('connections', 64);
const SCALE_ROUNDS = 7;
// --half-only: only our maximum rate and the half-load latency (a quicker loop while working on latency); writes
// bench/results/tmp/http-half.json instead of the committed results
const HALF_ONLY = process.argv.includes('--half-only');
const bench = new Bench('http');
const tmp = bench.tmp;
const start = (core, cmd, args) => bench.start(core, cmd, args);
const stop = (p) => bench.stop(p);
const nginxConf = (name, body) => bench.nginxConf(name, { http: body });

// --- data-plane configs --------------------------------------------------------------------------

function writeConfig(n) {
  const file = path.join(tmp, `routes-${n}.json`);
  fs.writeFileSync(file, JSON.stringify(routesConfig(n)));
  return file;
}

// --- wrk ---------------------------------------------------------------------------------------

function wrk(port, host, seconds, connections = CONNECTIONS, script) {
  return wrkUrl(`http://127.0.0.1:${port}/`, { seconds, connections, headers: [`Host: ${host}`], script });
}

/** wrk against a proxy process, also measuring the proxy's CPU time per request (robust on a shared machine). */
function measure(port, host, seconds, pid) {
  const before = pid ? cpuUs(pid) : 0;
  const res = wrk(port, host, seconds);
  const cpuUsPerRequest = pid && res.requests ? (cpuUs(pid) - before) / res.requests : null;
  return { ...res, cpuUsPerRequest };
}

// --- main ----------------------------------------------------------------------------------------

async function main() {
  ensureTools({ wrk: 'wrk', nginx: 'nginx', taskset: 'util-linux', h2load: 'nghttp2-client', cc: 'gcc libc6-dev' });
  ensureBundle();
  const node = nodeBinary();
  const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`cores: ${cores} (proxies on core ${PROXY_CORE}; wrk and backend on core ${LOAD_CORE}); node ${nodeVersion}; ` +
    `${ROUNDS} rounds × ${DURATION}s, ${CONNECTIONS} connections; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const backendPort = await freePort();
  const backend = start(LOAD_CORE, NGINX, ['-c', nginxConf('backend', `server { listen 127.0.0.1:${backendPort} backlog=4096; location / { return 200 "hello world\\n"; } }`)]);
  await waitForPort(backendPort);
  const cfg10 = writeConfig(10);
  const cfg10k = writeConfig(10000);
  const cfg1k = writeConfig(1000);
  const host = 'svc5.example.com';

  const ours = (cfg) => async (port) => start(PROXY_CORE, node, [path.join(root, 'assets', 'dataplane.js'), ...dataPlaneArgs(cfg, port, backendPort)]);
  const contenders = [
    { name: 'cdk8s-gateway', start: ours(cfg10) },
    { name: 'nginx', start: async (port) => start(PROXY_CORE, NGINX, ['-c', nginxConf(`proxy-${port}`, nginxProxyHttp(port, backendPort))]) },
    { name: '@fastify/http-proxy', start: async (port) => start(PROXY_CORE, node, [path.join(root, 'bench', 'http', 'fastify-proxy.cjs'), String(port), String(backendPort)]) },
    { name: 'http-proxy', start: async (port) => start(PROXY_CORE, node, [path.join(root, 'bench', 'http', 'http-proxy.cjs'), String(port), String(backendPort)]) },
    { name: 'direct', direct: true },
  ];

  const runs = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (let r = 1; r <= ROUNDS; r++) {
    for (const c of HALF_ONLY ? contenders.slice(0, 1) : contenders) {
      let port = backendPort;
      let p;
      if (!c.direct) {
        port = await freePort();
        p = await c.start(port);
        await waitForPort(port);
      }
      wrk(port, host, 2); // warm-up (JIT, connection pools)
      const res = measure(port, host, DURATION, p?.pid);
      runs[c.name].push(res);
      const cpu = res.cpuUsPerRequest ? `  cpu ${res.cpuUsPerRequest.toFixed(1)} µs/req` : '';
      console.log(`round ${r} ${c.name.padEnd(20)} ${res.rps.toFixed(0).padStart(7)} req/s  p50 ${res.p50.toFixed(2)} ms  p99 ${res.p99.toFixed(2)} ms${cpu}${res.errors ? `  errors: ${res.errors}` : ''}`);
      if (p) await stop(p);
    }
  }
  const results = (HALF_ONLY ? contenders.slice(0, 1) : contenders).map((c) => {
    const cpu = runs[c.name].filter((x) => x.cpuUsPerRequest).map((x) => x.cpuUsPerRequest).sort((a, b) => a - b);
    return {
      name: c.name, ...median(runs[c.name], 'rps'), rounds: runs[c.name].map((x) => Math.round(x.rps)),
      // median CPU per request of the proxy process: 1e6 / it is what one fully used core could serve
      cpuUsPerRequest: cpu.length ? cpu[Math.floor(cpu.length / 2)] : null,
    };
  });
  const us = results[0];

  // p99 at half of our maximum rate. Open loop: the arrivals do not depend on the responses. (A closed-loop
  // generator such as wrk, whose connections wait for each answer, sends less while the proxy is slow, so the
  // requests that would have queued behind a stall are never sent and never measured: coordinated omission.)
  //  - bench/loadgen/openloop.c, the measurement the target is checked with: Poisson arrivals at the target rate
  //    (the sum of many independent clients), sent to the microsecond on the longest-idle of 64 keep-alive
  //    connections, latency counted from each request's scheduled time. Every contender gets the same schedule.
  //  - h2load at a constant rate per connection (bench/lib.mjs h2loadPaced), kept to compare with earlier runs:
  //    its timers tick in whole milliseconds, so its requests leave in bursts (starts per ms spread 2-3 times the
  //    Poisson spread), and a request waiting behind its own connection's previous answer is not measured.
  // nginx at the same load is the reference for what this machine adds to p99, and a bare Node TCP pipe
  // (node-pipe.cjs) the floor under any Node proxy. Rounds are interleaved; medians are reported.
  // This machine is shared: while each open-loop measurement runs, `perf sched` records what else ran on the two
  // cores (bench/lib.mjs Interference). A measurement during which another process held a core for
  // DISTURBED_MS at once (or took over 1% of the proxy's core) is repeated, up to twice, for every contender
  // alike; all attempts are printed and kept in the results.
  const target = us.rps / 2;
  const openConns = CONNECTIONS;
  const DISTURBED_MS = 5;
  // h2load's per-request log goes to a directory of its own: the data plane watches its config file's directory
  // (the temp dir), and a log written there woke it thousands of times a second (inotify)
  const h2loadLog = path.join(tmp, 'h2load', 'requests.log');
  fs.mkdirSync(path.dirname(h2loadLog));
  // the same for perf sched's trace, written all through every measured window: in the config's directory its
  // writes woke ours (and only ours) ~440 times a second through the file watcher (bench/http/half-prof.mjs
  // --sched-beside-config: 2.04 reads per request instead of 2.00)
  const schedDir = path.join(tmp, 'interference');
  fs.mkdirSync(schedDir);
  const interference = new Interference(schedDir);
  openLoopBinary(); // compiled now, not inside the first measured window
  const disturbed = (i) => !!i && Object.entries(i).some(([core, c]) => c.longestMs >= DISTURBED_MS || (core === PROXY_CORE && c.foreignMs >= DURATION * 10));
  const paced = async (c, round) => {
    const port = await freePort();
    const p = await c.start(port);
    await waitForPort(port);
    wrk(port, host, 2);
    const before = cpuUs(p.pid);
    const h2 = h2loadPaced(`http://127.0.0.1:${port}/`, { rate: target, seconds: DURATION, connections: openConns, authority: host, logFile: h2loadLog });
    h2.cpuUsPerRequest = (cpuUs(p.pid) - before) / h2.requests;
    // a short open loop first: the measured request's own headers (not wrk's or h2load's) take their code paths
    // and shapes before the measurement, as they have long since in a gateway that has been serving for a while
    openLoop(port, { rate: target, seconds: 2, connections: openConns, host, seed: 1000 + round });
    const attempts = [];
    for (let a = 0; a < 3; a++) {
      interference.start();
      const cpu0 = cpuUs(p.pid);
      const o = openLoop(port, { rate: target, seconds: DURATION, connections: openConns, host, seed: round });
      o.cpuUsPerRequest = (cpuUs(p.pid) - cpu0) / o.requests;
      o.interference = await interference.stop([p.pid, backend.pid], ['openloop']);
      o.disturbed = disturbed(o.interference);
      attempts.push(o);
      if (!o.disturbed) break;
    }
    await stop(p);
    const open = attempts.find((x) => !x.disturbed) ?? attempts[attempts.length - 1];
    const repeated = attempts.filter((x) => x !== open).map(({ p99, interference: i }) => ({ p99, interference: i }));
    return { open: { ...open, attempts: attempts.length, repeated }, h2 };
  };
  const pipe = { name: 'node pipe', start: async (port) => start(PROXY_CORE, node, [path.join(root, 'bench', 'http', 'node-pipe.cjs'), String(port), String(backendPort)]) };
  const pacedRuns = { ours: { open: [], h2: [] }, nginx: { open: [], h2: [] }, pipe: { open: [], h2: [] } };
  const label = { ours: 'cdk8s-gateway', nginx: 'nginx', pipe: 'bare node pipe' };
  const fmtI = (i) => (i ? Object.entries(i).map(([core, c]) => `core ${core}: ${c.foreignMs.toFixed(0)} ms, longest ${c.longestMs.toFixed(1)} ${c.longestBy}`).join('; ') : 'not recorded');
  for (let r = 1; r <= ROUNDS; r++) {
    for (const [key, c] of [['ours', contenders[0]], ['nginx', contenders[1]], ['pipe', pipe]]) {
      const { open, h2 } = await paced(c, r);
      pacedRuns[key].open.push(open);
      pacedRuns[key].h2.push(h2);
      for (const d of open.repeated) console.log(`half load round ${r} ${label[key].padEnd(14)} open loop p99 ${d.p99.toFixed(2)} ms DISTURBED, repeated (others on the cores: ${fmtI(d.interference)})`);
      console.log(`half load round ${r} ${label[key].padEnd(14)} open loop ${open.rps.toFixed(0)} req/s p50 ${open.p50.toFixed(2)} p99 ${open.p99.toFixed(2)} p99.9 ${open.p999.toFixed(2)} ms ` +
        `(${open.cpuUsPerRequest.toFixed(1)} CPU-µs/req${open.disturbed ? '; DISTURBED' : ''}; others on the cores: ${fmtI(open.interference)})  |  ` +
        `h2load p50 ${h2.p50.toFixed(2)} p99 ${h2.p99.toFixed(2)} p99.9 ${h2.p999.toFixed(2)} ms (starts/ms ${h2.pacing.startsPerMsMean.toFixed(1)} ± ${h2.pacing.startsPerMsSd.toFixed(1)})`);
    }
  }
  const openMedian = (runs) => ({
    ...median(runs, 'p99'), p50: medianOf(runs.map((x) => x.p50)), p999: medianOf(runs.map((x) => x.p999)), p99Rounds: runs.map((x) => x.p99),
    cpuUsPerRequest: medianOf(runs.map((x) => x.cpuUsPerRequest)), disturbedRounds: runs.filter((x) => x.disturbed).length,
  });
  const h2Median = (runs) => ({
    ...median(runs, 'p99'), p50: medianOf(runs.map((x) => x.p50)), p999: medianOf(runs.map((x) => x.p999)), p99Rounds: runs.map((x) => x.p99),
    cpuUsPerRequest: medianOf(runs.map((x) => x.cpuUsPerRequest)), h2loadCpuShare: medianOf(runs.map((x) => x.h2loadCpuSeconds / DURATION)),
  });
  const half = {
    targetRps: Math.round(target),
    openLoop: {
      generator: `bench/loadgen/openloop.c: Poisson arrivals at ${Math.round(target)} req/s over ${openConns} keep-alive connections, latency from the scheduled time`,
      connections: openConns, disturbedMs: DISTURBED_MS, ...openMedian(pacedRuns.ours.open),
      nginxAtSameLoad: openMedian(pacedRuns.nginx.open), nodePipeAtSameLoad: openMedian(pacedRuns.pipe.open),
    },
    h2load: {
      generator: `h2load --h1, ${openConns} connections × ${(target / openConns).toFixed(1)} req/s each on millisecond timers, started 1 ms apart`,
      connections: openConns, ...h2Median(pacedRuns.ours.h2),
      nginxAtSameLoad: h2Median(pacedRuns.nginx.h2), nodePipeAtSameLoad: h2Median(pacedRuns.pipe.h2),
    },
  };
  const ol = half.openLoop;
  const hl = half.h2load;
  console.log(`half load (${half.targetRps} req/s), open loop (Poisson): ours p50 ${ol.p50.toFixed(2)} p99 ${ol.p99.toFixed(2)} ms; ` +
    `nginx p50 ${ol.nginxAtSameLoad.p50.toFixed(2)} p99 ${ol.nginxAtSameLoad.p99.toFixed(2)} ms; bare node pipe p50 ${ol.nodePipeAtSameLoad.p50.toFixed(2)} p99 ${ol.nodePipeAtSameLoad.p99.toFixed(2)} ms`);
  console.log(`half load p99, ours ÷ bare node pipe (median rounds): ${(ol.p99 / ol.nodePipeAtSameLoad.p99).toFixed(2)} (target <= 1.3); ` +
    `per round: ${ol.p99Rounds.map((x, i) => (x / ol.nodePipeAtSameLoad.p99Rounds[i]).toFixed(2)).join(' ')}`);
  console.log(`half load, h2load: ours p50 ${hl.p50.toFixed(2)} p99 ${hl.p99.toFixed(2)} ms; ` +
    `nginx p50 ${hl.nginxAtSameLoad.p50.toFixed(2)} p99 ${hl.nginxAtSameLoad.p99.toFixed(2)} ms; bare node pipe p50 ${hl.nodePipeAtSameLoad.p50.toFixed(2)} p99 ${hl.nodePipeAtSameLoad.p99.toFixed(2)} ms`);
  if (HALF_ONLY) {
    await stop(backend);
    fs.mkdirSync(path.join(resultsDir, 'tmp'), { recursive: true });
    fs.writeFileSync(path.join(resultsDir, 'tmp', 'http-half.json'), JSON.stringify({ date: new Date().toISOString(), max: us, halfLoad: half }, null, 2) + '\n');
    return;
  }

  // 10 vs 10,000 routes (the request matches route 5 of 10, or route 5000 of 10,000). The two differ by a few
  // percent at most in CPU per request, less than the noise of one round on a shared (virtual) machine: at
  // least seven interleaved rounds. The ratio is the median of the per-round ratios: the two runs of a round are
  // back to back, so drift in the machine's speed between rounds cancels out of each round's ratio.
  const scale = { routes10: [], routes10000: [] };
  for (let r = 1; r <= Math.max(ROUNDS, SCALE_ROUNDS); r++) {
    for (const [key, cfg, h] of [['routes10', cfg10, 'svc5.example.com'], ['routes10000', cfg10k, 'svc5000.example.com']]) {
      const port = await freePort();
      const p = await ours(cfg)(port);
      await waitForPort(port, 30000);
      wrk(port, h, 2);
      const res = measure(port, h, DURATION, p.pid);
      scale[key].push(res);
      console.log(`round ${r} ${key.padEnd(12)} ${res.rps.toFixed(0)} req/s  cpu ${res.cpuUsPerRequest.toFixed(1)} µs/req`);
      await stop(p);
    }
  }
  const r10 = median(scale.routes10, 'rps').rps;
  const r10k = median(scale.routes10000, 'rps').rps;
  const c10 = median(scale.routes10, 'cpuUsPerRequest').cpuUsPerRequest;
  const c10k = median(scale.routes10000, 'cpuUsPerRequest').cpuUsPerRequest;
  const pairs = scale.routes10.map((small, i) => ({ rps: scale.routes10000[i].rps / small.rps, cpu: small.cpuUsPerRequest / scale.routes10000[i].cpuUsPerRequest }));
  const scaleRatio = medianOf(pairs.map((x) => x.rps));
  const scaleCpuRatio = medianOf(pairs.map((x) => x.cpu));

  // idle memory with 1,000 routes
  let rssMb;
  {
    const port = await freePort();
    const p = await ours(cfg1k)(port);
    await waitForPort(port);
    execFileSync('curl', ['-s', '-o', '/dev/null', '-H', 'Host: svc500.example.com', `http://127.0.0.1:${port}/`]);
    await new Promise((r) => setTimeout(r, 2000));
    // nice and taskset exec the command: the child's pid is the data plane's
    const status = fs.readFileSync(`/proc/${p.pid}/status`, 'utf8');
    rssMb = Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
    await stop(p);
  }
  const bundleBytes = fs.statSync(path.join(root, 'assets', 'dataplane.js')).size;
  await stop(backend);

  const ratio = (name) => us.rps / results.find((x) => x.name === name).rps;
  // the same comparison by CPU cost per request (how much one core serves), insensitive to other load on the machine
  const cpuRatio = (name) => results.find((x) => x.name === name).cpuUsPerRequest / us.cpuUsPerRequest;
  const report = {
    date: new Date().toISOString(),
    machine: { cores, cpu: os.cpus()[0]?.model, loadAverage: os.loadavg(), node: nodeVersion, proxyCore: PROXY_CORE, loadCore: LOAD_CORE },
    settings: {
      durationSeconds: DURATION, rounds: ROUNDS, connections: CONNECTIONS, response: '200 "hello world\\n" from nginx', accessLog: 'off for every contender',
      priority: NICE.length ? 'nice -10 (root)' : 'default',
    },
    results,
    ratios: {
      oursOverNginx: ratio('nginx'), oursOverFastify: ratio('@fastify/http-proxy'), oursOverHttpProxy: ratio('http-proxy'), oursOverDirect: ratio('direct'),
    },
    cpuEfficiencyRatios: {
      oursOverNginx: cpuRatio('nginx'), oursOverFastify: cpuRatio('@fastify/http-proxy'), oursOverHttpProxy: cpuRatio('http-proxy'),
    },
    halfLoad: half,
    routes: { rps10: r10, rps10000: r10k, ratio: scaleRatio, ratioOfMedians: r10k / r10, roundRatios: pairs.map((x) => Number(x.rps.toFixed(3))), cpuUsPerRequest10: c10, cpuUsPerRequest10000: c10k, cpuRatio: scaleCpuRatio },
    idleRssMbWith1000Routes: rssMb,
    bundleBytes,
    targets: {
      'throughput >= 2x each Node peer': ratio('@fastify/http-proxy') >= 2 && ratio('http-proxy') >= 2,
      'throughput >= 0.5x nginx': ratio('nginx') >= 0.5,
      'requests per CPU-second >= 2x each Node peer': cpuRatio('@fastify/http-proxy') >= 2 && cpuRatio('http-proxy') >= 2,
      'requests per CPU-second >= 0.5x nginx': cpuRatio('nginx') >= 0.5,
      // open loop at a constant rate: see the half-load comment above for why wrk's closed loop is not used here
      // open loop with Poisson arrivals: see the half-load comment above for why not wrk or h2load
      // issue 21: the absolute 2 ms is retired (the bare Node pipe misses it on this machine); what stays is the p99
      // at half our max rate within 1.3x the bare Node pipe's p99 at the same rate, Poisson arrivals, interleaved rounds
      'p99 at half our max rate (open loop, Poisson) <= 1.3x the bare Node pipe at the same rate': half.openLoop.p99 <= 1.3 * half.openLoop.nodePipeAtSameLoad.p99,
      '10,000 routes >= 0.9x 10 routes': scaleRatio >= 0.9,
      '10,000 routes >= 0.9x 10 routes (requests per CPU-second)': scaleCpuRatio >= 0.9,
      'idle RSS with 1,000 routes < 80 MB': rssMb < 80,
      'bundle < 512 KiB': bundleBytes < 512 * 1024,
    },
  };
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, 'http.json'), JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(path.join(resultsDir, 'http.svg'), svg(report));

  console.log('\ncontender              req/s   p50 ms  p99 ms  ours ÷ it   cpu µs/req  its cpu ÷ ours');
  for (const x of results) {
    const cpu = x.cpuUsPerRequest ? `${x.cpuUsPerRequest.toFixed(1).padStart(11)}  ${(x.cpuUsPerRequest / us.cpuUsPerRequest).toFixed(2).padStart(14)}` : '';
    console.log(`${x.name.padEnd(20)} ${x.rps.toFixed(0).padStart(8)} ${x.p50.toFixed(2).padStart(8)} ${x.p99.toFixed(2).padStart(7)}  ${(us.rps / x.rps).toFixed(2).padStart(8)}  ${cpu}`);
  }
  console.log(`\np99 at half our max rate (${half.targetRps} req/s), open loop (Poisson): ${ol.p99.toFixed(2)} ms (nginx at that load: ${ol.nginxAtSameLoad.p99.toFixed(2)} ms; ` +
    `a bare Node TCP pipe, the floor for any Node proxy here: ${ol.nodePipeAtSameLoad.p99.toFixed(2)} ms); h2load: ${hl.p99.toFixed(2)} ms ` +
    `(nginx ${hl.nginxAtSameLoad.p99.toFixed(2)} ms, pipe ${hl.nodePipeAtSameLoad.p99.toFixed(2)} ms)`);
  console.log(`10,000 routes ÷ 10 routes: ${scaleRatio.toFixed(3)} (median of the rounds' ratios ${pairs.map((x) => x.rps.toFixed(2)).join(' ')}; ` +
    `ratio of the medians ${(r10k / r10).toFixed(3)}: ${r10k.toFixed(0)} / ${r10.toFixed(0)} req/s); ` +
    `per CPU-second ${scaleCpuRatio.toFixed(3)} (medians ${c10k.toFixed(1)} / ${c10.toFixed(1)} µs/req)`);
  console.log(`idle RSS with 1,000 routes: ${rssMb.toFixed(1)} MB; bundle: ${(bundleBytes / 1024).toFixed(1)} KiB`);
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (above ~1 the req/s ratios are noisy; the CPU-µs/req ratios hold up better)`);
  console.log('\ntargets:');
  for (const [k, v] of Object.entries(report.targets)) console.log(`  ${v ? 'met    ' : 'NOT MET'}  ${k}`);
  console.log(`\nwrote ${path.relative(root, path.join(resultsDir, 'http.json'))} and http.svg`);
}

/** A horizontal bar chart of req/s per contender, with p50/p99 labels. */
function svg(report) {
  const rows = report.results;
  const max = Math.max(...rows.map((r) => r.rps));
  const W = 900;
  const left = 170;
  const barW = W - left - 170;
  const rowH = 34;
  const top = 50;
  const H = top + rows.length * rowH + 60;
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const bars = rows.map((r, i) => {
    const y = top + i * rowH;
    const w = Math.max(1, (r.rps / max) * barW);
    const fill = r.name === 'cdk8s-gateway' ? '#2b6cb0' : r.name === 'direct' ? '#a0aec0' : '#718096';
    const cpu = r.cpuUsPerRequest ? ` · ${r.cpuUsPerRequest.toFixed(0)} µs CPU/req` : '';
    return `<text x="${left - 8}" y="${y + 18}" text-anchor="end">${esc(r.name)}</text>` +
      `<rect x="${left}" y="${y + 4}" width="${w.toFixed(1)}" height="20" fill="${fill}"/>` +
      `<text x="${left + w + 6}" y="${y + 18}">${Math.round(r.rps)} req/s · p50 ${r.p50.toFixed(2)} · p99 ${r.p99.toFixed(2)} ms${cpu}</text>`;
  }).join('\n  ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
  <text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">HTTP/1.1 keep-alive proxying, one core each (${esc(report.machine.node)})</text>
  ${bars}
  <text x="${left}" y="${H - 30}">req/s: ours ÷ nginx ${report.ratios.oursOverNginx.toFixed(2)} · ÷ fastify ${report.ratios.oursOverFastify.toFixed(2)} · ÷ http-proxy ${report.ratios.oursOverHttpProxy.toFixed(2)}; per CPU-second: ${report.cpuEfficiencyRatios.oursOverNginx.toFixed(2)} · ${report.cpuEfficiencyRatios.oursOverFastify.toFixed(2)} · ${report.cpuEfficiencyRatios.oursOverHttpProxy.toFixed(2)}</text>
  <text x="${left}" y="${H - 12}">10k/10 routes ${report.routes.ratio.toFixed(2)} · p99 at half load ${report.halfLoad.openLoop.p99.toFixed(2)} ms (open loop, Poisson; h2load ${report.halfLoad.h2load.p99.toFixed(2)} ms) · idle RSS (1k routes) ${report.idleRssMbWith1000Routes.toFixed(1)} MB</text>
</svg>
`;
}

main().then(() => process.exit(0), (e) => {
  console.error(e.stack ?? e);
  process.exit(1);
});
