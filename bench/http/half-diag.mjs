// Half-load diagnosis (issue 21 item 3): ours and the bare Node pipe at the same Poisson rate (openloop.c, same
// seed), each with bench/http/loop-probe.cjs preloaded: p99 beside the busy periods (timer gaps), GC pauses and the
// event-loop delay of the measured window, interleaved rounds. Run it under the heavy lock.
// usage: node bench/http/half-diag.mjs <rate> [seconds=4] [rounds=2] [bundle=assets/dataplane.js]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Bench, cpuUs, freePort, LOAD_CORE, NGINX, nodeBinary, openLoop, openLoopBinary, PROXY_CORE, root, waitForPort, wrk } from '../lib.mjs';
import { dataPlaneArgs, routesConfig } from './routes.mjs';

const [rate, seconds = 4, rounds = 2] = process.argv.slice(2, 5).map(Number);
const bundle = process.argv[5] ?? path.join(root, 'assets', 'dataplane.js');
const bench = new Bench('half-diag');
const node = nodeBinary();
openLoopBinary();
const probe = path.join(root, 'bench', 'http', 'loop-probe.cjs');
const backendPort = await freePort();
const backend = bench.start(LOAD_CORE, NGINX, ['-c', bench.nginxConf('backend', { http: `server { listen 127.0.0.1:${backendPort} backlog=4096; location / { return 200 "hello world\\n"; } }` })]);
await waitForPort(backendPort);
const config = bench.writeJson('routes.json', routesConfig(10));
const host = 'svc5.example.com';
const contenders = {
  ours: (port) => ['--require', probe, bundle, ...dataPlaneArgs(config, port, backendPort)],
  pipe: (port) => ['--require', probe, path.join(root, 'bench', 'http', 'node-pipe.cjs'), String(port), String(backendPort)],
};
for (let round = 1; round <= rounds; round++) {
  for (const [name, args] of Object.entries(contenders)) {
    const port = await freePort();
    const out = path.join(bench.tmp, `${name}-probe.json`);
    const p = bench.start(PROXY_CORE, node, args(port), { LOOP_PROBE_OUT: out });
    await waitForPort(port);
    wrk(`http://127.0.0.1:${port}/`, { seconds: 2, connections: 64, headers: [`Host: ${host}`] });
    openLoop(port, { rate, seconds: 2, connections: 64, host, seed: 1000 + round });
    process.kill(p.pid, 'SIGUSR2');
    const cpu0 = cpuUs(p.pid);
    const o = openLoop(port, { rate, seconds, connections: 64, host, seed: round });
    const cpu = (cpuUs(p.pid) - cpu0) / o.requests;
    process.kill(p.pid, 'SIGWINCH');
    while (!fs.existsSync(out)) await new Promise((r) => setTimeout(r, 50));
    const d = JSON.parse(fs.readFileSync(out, 'utf8'));
    fs.rmSync(out);
    const f = (x) => x.toFixed(1);
    console.log(`round ${round} ${name.padEnd(4)} ${o.rps.toFixed(0)} req/s p50 ${o.p50.toFixed(2)} p99 ${o.p99.toFixed(2)} ms, ${f(cpu)} CPU µs/req | ` +
      `gaps >3/>5/>10 ms ${d.gapsOver3Ms}/${d.gapsOver5Ms}/${d.gapsOver10Ms} (${f(d.gapMs)} ms, longest ${f(d.longestGapMs)}), ` +
      `GC ${d.gcCount}× ${f(d.gcMs)} ms (>1 ms: ${d.gcOver1Ms}, longest ${f(d.longestGcMs)}), loop delay p99 ${f(d.delayP99Ms)} max ${f(d.delayMaxMs)} ms`);
    await bench.stop(p);
  }
}
await bench.stop(backend);
