// Where the slow requests at half load come from: a diagnostic for the p99 target of bench:http.
//
// Runs one contender at a fixed Poisson rate (bench/loadgen/openloop.c --log) while `perf sched record -k mono`
// traces both cores on the same clock, and the Node contenders log their garbage collections (gc-log.cjs). Slow
// requests whose [scheduled, answered] intervals overlap are merged into episodes; for each episode, from 2 ms
// before it began, it prints how long the proxy's main thread ran (and its longest unbroken run), the time other
// tasks took on the proxy core (and the longest slice), the proxy's other threads, how busy the load core was,
// and the GCs. An episode with other tasks on the proxy core for over 1 ms counts as disturbed in the summary.
//
// usage: node bench/http/tail.mjs [--contender ours|nginx|pipe] [--rate R] [--seconds S] [--warmup S] [--slow-ms 2] [--top 12]
//                                [--node-options '<options for the Node contenders>']
// --rate defaults to half of the contender's wrk maximum, measured first. Nothing is written under bench/results.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  arg, Bench, cpuUs, ensureBundle, ensureTools, freePort, LOAD_CORE, NGINX, nodeBinary, openLoop, PROXY_CORE, root, schedSlices, waitForPort, wrk,
} from '../lib.mjs';
import { dataPlaneArgs, nginxProxyHttp, routesConfig, startBackend } from './routes.mjs';

const which = process.argv.includes('--contender') ? process.argv[process.argv.indexOf('--contender') + 1] : 'ours';
const SECONDS = arg('seconds', 10);
const SLOW_MS = arg('slow-ms', 2);
const TOP = arg('top', 12);
const bench = new Bench('tail');
const tmp = bench.tmp;

async function main() {
  ensureTools({ wrk: 'wrk', nginx: 'nginx', taskset: 'util-linux', cc: 'gcc libc6-dev', perf: 'linux-perf' });
  ensureBundle();
  const node = nodeBinary();
  const { proc: backend, port: backendPort } = await startBackend(bench);
  const host = 'svc5.example.com';
  const gcLog = path.join(tmp, 'gc.log');
  const nodeOptions = process.argv.includes('--node-options') ? process.argv[process.argv.indexOf('--node-options') + 1].split(' ').filter(Boolean) : [];
  const preload = [...nodeOptions, '-r', path.join(root, 'bench', 'http', 'gc-log.cjs')];
  const port = await freePort();
  const [cmd, args] = {
    ours: () => [node, [...preload, path.join(root, 'assets', 'dataplane.js'), ...dataPlaneArgs(bench.writeJson('routes.json', routesConfig(10)), port, backendPort)]],
    nginx: () => [NGINX, ['-c', bench.nginxConf('proxy', { http: nginxProxyHttp(port, backendPort) })]],
    pipe: () => [node, [...preload, path.join(root, 'bench', 'http', 'node-pipe.cjs'), String(port), String(backendPort)]],
  }[which]();
  const proxy = bench.start(PROXY_CORE, cmd, args, { GC_LOG: gcLog });
  await waitForPort(port);

  const max = wrk(`http://127.0.0.1:${port}/`, { seconds: 5, connections: 64, headers: [`Host: ${host}`] });
  const rate = arg('rate', Math.round(max.rps / 2));
  console.log(`${which}: wrk maximum ${max.rps.toFixed(0)} req/s; open loop at ${rate} req/s for ${SECONDS} s, slow = over ${SLOW_MS} ms`);

  // warm up on the measured request itself (its headers differ from wrk's: other code paths, other shapes)
  openLoop(port, { rate, seconds: arg('warmup', 3), connections: 64, host, seed: 99 });
  const sched = path.join(tmp, 'sched.data');
  const rec = spawn('perf', ['sched', 'record', '-a', '-k', 'mono', '-o', sched], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const log = path.join(tmp, 'requests.log');
  const cpu0 = cpuUs(proxy.pid);
  const summary = openLoop(port, { rate, seconds: SECONDS, connections: 64, host, log });
  const cpuPerReq = (cpuUs(proxy.pid) - cpu0) / summary.requests;
  await new Promise((r) => { rec.once('exit', r); rec.kill('SIGINT'); });
  await new Promise((r) => { proxy.once('exit', r); proxy.kill('SIGTERM'); }); // gc-log.cjs writes its file at exit
  console.log(`p50 ${summary.p50} p99 ${summary.p99} p99.9 ${summary.p999} max ${summary.max} ms; ${cpuPerReq.toFixed(1)} CPU-µs/req`);

  // --- the requests and the episodes of slow ones -----------------------------------------------
  const reqs = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number))
    .filter((r) => r[2] > 0).map(([s, sent, done, conn]) => ({ s, sent, done, conn, lat: (done - s) / 1e6 }));
  const slow = reqs.filter((r) => r.lat > SLOW_MS).sort((x, y) => x.s - y.s);
  const episodes = [];
  for (const r of slow) {
    const e = episodes[episodes.length - 1];
    if (e && r.s <= e.end) {
      e.end = Math.max(e.end, r.done);
      e.n++;
      e.maxLat = Math.max(e.maxLat, r.lat);
    } else episodes.push({ start: r.s, end: r.done, n: 1, maxLat: r.lat });
  }
  console.log(`${slow.length} of ${reqs.length} requests over ${SLOW_MS} ms (${(100 * slow.length / reqs.length).toFixed(2)}%), in ${episodes.length} episodes`);

  // --- the scheduler trace: per core, who ran when ------------------------------------------------
  const slices = schedSlices(sched);
  if (!slices) throw new Error('perf sched timehist could not read the trace');
  const gcs = fs.existsSync(gcLog) ? fs.readFileSync(gcLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => {
    const [at, ms, kind] = l.split(' ');
    return { at: Number(at), ms: Number(ms), kind };
  }) : [];
  // totals: how many slow requests fall in episodes where something else ran on the proxy core
  const byCause = { foreign: 0, own: 0 };
  const rows = [];
  for (const e of episodes) {
    const from = e.start - 2e6;
    const on = (cpu) => slices.filter((s) => s.cpu === cpu && s.to > from && s.from < e.end);
    const sum = (xs) => xs.reduce((t, s) => t + (Math.min(s.to, e.end) - Math.max(s.from, from)) / 1e6, 0);
    const core = Number(PROXY_CORE);
    const mine = on(core);
    // the proxy's threads share its pid (nice and taskset exec into it); its main thread's tid is that pid
    const main = mine.filter((s) => s.tid === proxy.pid);
    const others = mine.filter((s) => s.pid !== proxy.pid && !s.comm.startsWith('<idle>') && s.comm !== 'perf');
    const helpers = mine.filter((s) => s.pid === proxy.pid && s.pid !== s.tid);
    const longestOther = others.reduce((b, s) => (s.to - s.from > (b ? b.to - b.from : 0) ? s : b), null);
    const gc = gcs.filter((g) => g.at + g.ms * 1e6 > from && g.at < e.end);
    const row = {
      at: ((e.start - reqs[0].s) / 1e9).toFixed(3), ms: ((e.end - e.start) / 1e6).toFixed(2), slow: e.n, maxLat: e.maxLat.toFixed(2),
      mainRun: sum(main).toFixed(2), mainLongest: Math.max(0, ...main.map((s) => (Math.min(s.to, e.end) - Math.max(s.from, from)) / 1e6)).toFixed(2),
      others: sum(others).toFixed(2), longestOther: longestOther ? `${((longestOther.to - longestOther.from) / 1e6).toFixed(2)} ${longestOther.comm}` : '',
      helpers: sum(helpers).toFixed(2), gc: gc.map((g) => `${g.kind} ${g.ms.toFixed(2)}`).join(', '),
      load: sum(on(Number(LOAD_CORE)).filter((s) => !s.comm.startsWith('<idle>'))).toFixed(2),
    };
    rows.push(row);
    if (Number(row.others) > 1) byCause.foreign += e.n;
    else byCause.own += e.n;
  }
  console.log(`slow requests in episodes where other tasks held the proxy core over 1 ms: ${byCause.foreign}; the rest: ${byCause.own}`);
  console.log('episodes with the most slow requests (times in ms; the window starts 2 ms before the first slow request):');
  console.log('  at(s)    span  slow  maxLat | main run  longest | others  longest other | proxy helpers | load core busy | GC');
  for (const r of [...rows].sort((x, y) => y.slow - x.slow).slice(0, TOP)) {
    console.log(`  ${r.at.padStart(6)} ${r.ms.padStart(7)} ${String(r.slow).padStart(5)} ${r.maxLat.padStart(7)} | ${r.mainRun.padStart(8)} ${r.mainLongest.padStart(8)} | ` +
      `${r.others.padStart(6)}  ${r.longestOther.padEnd(24)} | ${r.helpers.padStart(6)} | ${r.load.padStart(6)} | ${r.gc}`);
  }
  await bench.stop(backend);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
