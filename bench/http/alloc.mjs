// Bytes allocated per proxied request, by function: the bench/http small-response load (wrk -c64 keep-alive,
// 10 routes, nginx `return 200` backend) through a data-plane bundle run under V8's sampling heap profiler
// (bench/http/heap-sampling.cjs, every 512 bytes, objects a GC already freed included). Unlike CPU time on a
// shared machine, this barely moves between runs: it is the number to watch when working on the hot path's garbage.
//
// usage: node bench/http/alloc.mjs [bundle ...] [--seconds 10] [--top 12]    (default: assets/dataplane.js)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { arg, Bench, ensureBundle, ensureTools, freePort, nodeBinary, PROXY_CORE, root, waitForPort, wrk } from '../lib.mjs';
import { dataPlaneArgs, routesConfig, startBackend } from './routes.mjs';

const SECONDS = arg('seconds', 10);
const TOP = arg('top', 12);
const HOST = 'svc5.example.com';
const bundles = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));

async function waitForFile(file, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > end) throw new Error(`${file} was not written`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main() {
  ensureTools({ wrk: 'wrk', nginx: 'nginx', taskset: 'util-linux' });
  if (bundles.length === 0) {
    ensureBundle();
    bundles.push(path.join(root, 'assets', 'dataplane.js'));
  }
  const bench = new Bench('http-alloc');
  const node = nodeBinary();
  const config = bench.writeJson('routes-10.json', routesConfig(10));
  const { proc: backend, port: backendPort } = await startBackend(bench);
  for (const bundle of bundles) {
    const port = await freePort();
    const out = path.join(bench.tmp, 'profile.json');
    const p = bench.start(PROXY_CORE, node, [path.join(root, 'bench', 'http', 'heap-sampling.cjs'), bundle, out, '--', ...dataPlaneArgs(config, port, backendPort)]);
    await waitForPort(port);
    const url = `http://127.0.0.1:${port}/`;
    wrk(url, { seconds: 2, connections: 64, headers: [`Host: ${HOST}`] });
    p.kill('SIGUSR2');
    await waitForFile(`${out}.started`);
    const res = wrk(url, { seconds: SECONDS, connections: 64, headers: [`Host: ${HOST}`] });
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGUSR2');
    await exited;
    const { totalBytes, byFunction } = JSON.parse(fs.readFileSync(out, 'utf8'));
    fs.rmSync(out);
    fs.rmSync(`${out}.started`);
    console.log(`${bundle}: ${Math.round(totalBytes / res.requests)} bytes per request (${res.requests} requests)`);
    for (const [name, bytes] of byFunction.slice(0, TOP)) {
      console.log(`  ${String(Math.round(bytes / res.requests)).padStart(6)}  ${(100 * bytes / totalBytes).toFixed(1).padStart(5)}%  ${name}`);
    }
  }
  await bench.stop(backend);
}

await main();
