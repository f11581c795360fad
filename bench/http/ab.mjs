// Paired A/B comparison of two data-plane bundles on the bench/http small-response load (10 routes, nginx
// `return 200` backend): for hot-path work, where the difference is a few percent and this machine is shared.
//
// Each side of a pair starts its bundle on the proxy core (with --flags-a / --flags-b as Node options: the two
// sides may be one bundle under two sets of V8 flags), warms up (wrk 2 s, then the open loop for 2 s), then:
//   1. a fixed-rate open-loop load (bench/loadgen/openloop.c, Poisson arrivals at --rate req/s for --requests
//      requests): the process's CPU time (utime + stime) per request, which does not depend on what else runs
//      on the load core, and the p99 counted from each request's scheduled time;
//   2. wrk -c64 for --seconds: the maximum rate (and CPU time per request at that rate).
// Pairs alternate their order (A B, B A, ...) so that a drift in the machine's speed cancels out; the
// medians of the per-pair ratios B/A are reported.
//
// usage: node bench/http/ab.mjs <bundle A> <bundle B> [--pairs 6] [--rate 10240] [--requests 100000] [--seconds 10]
//                                [--flags-a '<node options>'] [--flags-b '<node options>']
import * as path from 'node:path';
import { arg, Bench, cpuUs, ensureTools, freePort, medianOf, nodeBinary, openLoop, PROXY_CORE, waitForPort, wrk } from '../lib.mjs';
import { dataPlaneArgs, routesConfig, startBackend } from './routes.mjs';

const [bundleA, bundleB] = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
if (!bundleA || !bundleB) {
  console.error('usage: node bench/http/ab.mjs <bundle A> <bundle B> [--pairs 6] [--rate 10240] [--requests 100000] [--seconds 10]');
  process.exit(2);
}
const PAIRS = arg('pairs', 6);
const RATE = arg('rate', 10240);
const REQUESTS = arg('requests', 100000);
const SECONDS = arg('seconds', 10);
const HOST = 'svc5.example.com';
const flagsOf = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1].split(' ').filter(Boolean) : [];
};
const FLAGS = { A: flagsOf('--flags-a'), B: flagsOf('--flags-b') };

async function main() {
  ensureTools({ wrk: 'wrk', nginx: 'nginx', taskset: 'util-linux', cc: 'gcc libc6-dev' });
  const bench = new Bench('http-ab');
  const node = nodeBinary();
  const config = bench.writeJson('routes-10.json', routesConfig(10));
  const { proc: backend, port: backendPort } = await startBackend(bench);

  const run = async (bundle, flags) => {
    const port = await freePort();
    const p = bench.start(PROXY_CORE, node, [...flags, path.resolve(bundle), ...dataPlaneArgs(config, port, backendPort)]);
    try {
      await waitForPort(port);
      const url = `http://127.0.0.1:${port}/`;
      wrk(url, { seconds: 2, connections: 64, headers: [`Host: ${HOST}`] });
      openLoop(port, { rate: RATE, seconds: 2, connections: 64, host: HOST, seed: 99 }); // the measured request's code paths
      let before = cpuUs(p.pid);
      const paced = openLoop(port, { rate: RATE, seconds: REQUESTS / RATE, connections: 64, host: HOST, seed: pairSeed });
      const pacedCpu = (cpuUs(p.pid) - before) / REQUESTS;
      before = cpuUs(p.pid);
      const max = wrk(url, { seconds: SECONDS, connections: 64, headers: [`Host: ${HOST}`] });
      const maxCpu = (cpuUs(p.pid) - before) / max.requests;
      return { pacedCpu, pacedP99: paced.p99, rps: max.rps, maxCpu, errors: max.errors };
    } finally {
      await bench.stop(p);
    }
  };

  let pairSeed = 1;
  const ratios = { pacedCpu: [], pacedP99: [], rps: [], maxCpu: [] };
  const fmt = (r) => `${r.pacedCpu.toFixed(2)} µs/req @${RATE}/s (p99 ${r.pacedP99?.toFixed(2)} ms), ${Math.round(r.rps)} req/s max (${r.maxCpu.toFixed(2)} µs/req)${r.errors ? ` errors ${r.errors}` : ''}`;
  let dropped = 0;
  for (let i = 0; i < PAIRS; i++) {
    const first = i % 2 === 0 ? 'A' : 'B';
    const r = {};
    pairSeed = i + 1; // both sides of a pair get the same arrivals
    try {
      for (const side of first === 'A' ? ['A', 'B'] : ['B', 'A']) r[side] = await run(side === 'A' ? bundleA : bundleB, FLAGS[side]);
    } catch (e) {
      // the open loop exits 1 when requests are left unanswered: on a busy shared machine the load generator's own
      // core falls behind too; such a pair says nothing about A or B, so it is run again (a few times at most)
      console.log(`pair ${i + 1} dropped and run again: ${String(e.message).split('\n')[0]}`);
      if (++dropped > PAIRS) throw e;
      i--;
      continue;
    }
    for (const k of Object.keys(ratios)) ratios[k].push(r.B[k] / r.A[k]);
    console.log(`pair ${i + 1} (${first} first)\n  A ${fmt(r.A)}\n  B ${fmt(r.B)}\n  B/A cpu@rate ${(r.B.pacedCpu / r.A.pacedCpu).toFixed(3)}, max rate ${(r.B.rps / r.A.rps).toFixed(3)}, cpu@max ${(r.B.maxCpu / r.A.maxCpu).toFixed(3)}`);
  }
  await bench.stop(backend);
  const list = (xs) => xs.map((x) => x.toFixed(3)).join(' ');
  console.log(`\nmedian B/A over ${PAIRS} pairs${dropped ? ` (${dropped} dropped and run again)` : ''}:`);
  console.log(`  CPU µs per request at ${RATE}/s: ${medianOf(ratios.pacedCpu).toFixed(3)}  (${list(ratios.pacedCpu)})`);
  console.log(`  p99 latency at ${RATE}/s (Poisson):         ${medianOf(ratios.pacedP99).toFixed(3)}  (${list(ratios.pacedP99)})`);
  console.log(`  max rate (wrk -c64 ${SECONDS} s):   ${medianOf(ratios.rps).toFixed(3)}  (${list(ratios.rps)})`);
  console.log(`  CPU µs per request at max rate:  ${medianOf(ratios.maxCpu).toFixed(3)}  (${list(ratios.maxCpu)})`);
}

await main();
