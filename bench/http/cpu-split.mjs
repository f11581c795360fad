// User and system CPU time per request of ours, nginx and the bare Node pipe, at the maximum rate (wrk -c64) and at
// a fixed Poisson rate (bench/loadgen/openloop.c): where a proxy's CPU goes, its own code or the kernel. From
// /proc/<pid>/stat around each measurement; contenders alternate, `--rounds` times.
//
// usage: node bench/http/cpu-split.mjs [--rate 12000] [--seconds 6] [--rounds 2]
import * as path from 'node:path';
import { arg, Bench, cpuUserSysUs as userSys, ensureBundle, ensureTools, freePort, NGINX, nodeBinary, openLoop, PROXY_CORE, root, waitForPort, wrk } from '../lib.mjs';
import { dataPlaneArgs, nginxProxyHttp, routesConfig, startBackend } from './routes.mjs';

const RATE = arg('rate', 12000);
const SECONDS = arg('seconds', 6);
const ROUNDS = arg('rounds', 2);
const HOST = 'svc5.example.com';

async function main() {
  ensureTools({ wrk: 'wrk', nginx: 'nginx', taskset: 'util-linux', cc: 'gcc libc6-dev' });
  ensureBundle();
  const bench = new Bench('cpu-split');
  const node = nodeBinary();
  const config = bench.writeJson('routes-10.json', routesConfig(10));
  const { proc: backend, port: backendPort } = await startBackend(bench);
  const contenders = {
    ours: (port) => bench.start(PROXY_CORE, node, [path.join(root, 'assets', 'dataplane.js'), ...dataPlaneArgs(config, port, backendPort)]),
    nginx: (port) => bench.start(PROXY_CORE, NGINX, ['-c', bench.nginxConf(`proxy-${port}`, { http: nginxProxyHttp(port, backendPort) })]),
    pipe: (port) => bench.start(PROXY_CORE, node, [path.join(root, 'bench', 'http', 'node-pipe.cjs'), String(port), String(backendPort)]),
  };
  const split = (pid, before, requests) => {
    const [u, s] = userSys(pid);
    return `user ${((u - before[0]) / requests).toFixed(1)} + system ${((s - before[1]) / requests).toFixed(1)} µs/req`;
  };
  for (let r = 1; r <= ROUNDS; r++) {
    for (const [name, start] of Object.entries(contenders)) {
      const port = await freePort();
      const p = start(port);
      await waitForPort(port);
      const url = `http://127.0.0.1:${port}/`;
      wrk(url, { seconds: 2, connections: 64, headers: [`Host: ${HOST}`] });
      let before = userSys(p.pid);
      const max = wrk(url, { seconds: SECONDS, connections: 64, headers: [`Host: ${HOST}`] });
      const atMax = split(p.pid, before, max.requests);
      openLoop(port, { rate: RATE, seconds: 2, connections: 64, host: HOST, seed: 99 });
      before = userSys(p.pid);
      const paced = openLoop(port, { rate: RATE, seconds: SECONDS, connections: 64, host: HOST, seed: r });
      console.log(`round ${r} ${name.padEnd(5)}  max ${Math.round(max.rps)} req/s: ${atMax}  |  Poisson ${RATE}/s (p99 ${paced.p99.toFixed(2)} ms): ${split(p.pid, before, paced.requests)}`);
      await bench.stop(p);
    }
  }
  await bench.stop(backend);
}

await main();
