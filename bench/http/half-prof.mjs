// Half-load cost per request, ours against the bare Node pipe (issue 21 item 3): at one Poisson rate (openloop.c,
// same seed), per request: the process's CPU time, its system calls by kind (perf stat tracepoints), its context
// switches (event-loop wakeups that slept), and optionally a V8 CPU profile of a second window (--prof, through
// bench/http/prof-probe.cjs; the .cpuprofile files are left in the printed directory). Run it under the heavy lock.
// usage: node bench/http/half-prof.mjs <rate> [--seconds 4] [--prof] [--perf] [--bundle <file>] [--only ours|pipe]
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { arg, Bench, cpuUs, freePort, nodeBinary, openLoop, openLoopBinary, perfSyscallCounts, PROXY_CORE, root, waitForPort, wrk } from '../lib.mjs';
import { dataPlaneArgs, routesConfig, startBackend } from './routes.mjs';

const rate = Number(process.argv[2]);
const SECONDS = arg('seconds', 4);
const bundleAt = process.argv.indexOf('--bundle');
const bundle = path.resolve(bundleAt > 0 ? process.argv[bundleAt + 1] : path.join(root, 'assets', 'dataplane.js'));
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? process.argv[onlyAt + 1] : undefined;
const PROF = process.argv.includes('--prof');
// --perf: the first window also under `perf record -g` (kernel and user stacks; Node with --perf-basic-prof)
const PERF = process.argv.includes('--perf');
const SYSCALLS = ['newfstatat', 'readlink', 'connect', 'read', 'readv', 'write', 'writev', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'epoll_ctl', 'futex', 'madvise', 'mprotect', 'mmap', 'munmap', 'getpid', 'ioctl', 'accept4', 'shutdown', 'close'];
const host = 'svc5.example.com';
// --sched-beside-config: `perf sched record -a` writes its trace into the directory of our config file during the
// window, as bench/http/run.mjs's Interference did (the data plane watches that directory)
const SCHED_BESIDE_CONFIG = process.argv.includes('--sched-beside-config');

const bench = new Bench('half-prof');
const node = nodeBinary();
openLoopBinary();
const { proc: backend, port: backendPort } = await startBackend(bench);
const config = bench.writeJson('routes.json', routesConfig(10));
const profDir = fs.mkdtempSync(path.join(root, '.cache', 'half-prof-'));
const contenders = {
  ours: (port) => [bundle, ...dataPlaneArgs(config, port, backendPort)],
  pipe: (port) => [path.join(root, 'bench', 'http', 'node-pipe.cjs'), String(port), String(backendPort)],
};

const ctxSwitches = (pid) => {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(s)[1]) + Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(s)[1]);
};

async function window(name, profOut) {
  const port = await freePort();
  const flags = profOut ? ['--require', path.join(root, 'bench', 'http', 'prof-probe.cjs')] : PERF ? ['--perf-basic-prof'] : [];
  const p = bench.start(PROXY_CORE, node, [...flags, ...contenders[name](port)], profOut ? { PROF_OUT: profOut } : {});
  await waitForPort(port);
  wrk(`http://127.0.0.1:${port}/`, { seconds: 2, connections: 64, headers: [`Host: ${host}`] });
  openLoop(port, { rate, seconds: 2, connections: 64, host, seed: 99 });
  const statOut = path.join(bench.tmp, `${name}-perf.txt`);
  const stat = spawn('perf', ['stat', '-x', ',', '-o', statOut, '-p', String(p.pid), '-e', ['raw_syscalls:sys_enter', ...SYSCALLS.map((s) => `syscalls:sys_enter_${s}`)].join(',')], { stdio: 'ignore' });
  const sched = SCHED_BESIDE_CONFIG ? spawn('perf', ['sched', 'record', '-a', '-o', path.join(path.dirname(config), 'sched.data')], { stdio: 'ignore' }) : undefined;
  const perfData = path.join(profDir, `${name}.perf.data`);
  const rec = PERF && !profOut ? spawn('perf', ['record', '-F', '2999', '-g', '-o', perfData, '-p', String(p.pid)], { stdio: 'ignore' }) : undefined;
  await new Promise((r) => setTimeout(r, 300));
  if (profOut) process.kill(p.pid, 'SIGUSR2');
  const cpu0 = cpuUs(p.pid);
  const cs0 = ctxSwitches(p.pid);
  const o = openLoop(port, { rate, seconds: SECONDS, connections: 64, host, seed: 1 });
  const cpu = (cpuUs(p.pid) - cpu0) / o.requests;
  const cs = (ctxSwitches(p.pid) - cs0) / o.requests;
  await new Promise((r) => { stat.once('exit', r); stat.kill('SIGINT'); });
  if (rec) await new Promise((r) => { rec.once('exit', r); rec.kill('SIGINT'); });
  if (sched) await new Promise((r) => { sched.once('exit', r); sched.kill('SIGINT'); });
  if (profOut) {
    process.kill(p.pid, 'SIGWINCH');
    while (!fs.existsSync(profOut)) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
  }
  const counts = {};
  for (const [call, n] of Object.entries(perfSyscallCounts(fs.readFileSync(statOut, 'utf8')))) counts[call] = n / o.requests;
  console.log(`${name}: ${(counts.connect ?? 0) * o.requests} connect(2) in the window`);
  await bench.stop(p);
  return { o, cpu, cs, counts };
}

/**
 * The main thread's samples of a `perf record -g` file by where they were taken (system call, event-loop wait, JS,
 * native), in CPU µs per request; and the callers of PVM's interrupt enable (the guest's costly part of a wakeup).
 */
function perfSplit(file, cpuPerReq) {
  const out = execFileSync('perf', ['script', '-i', file, '-F', 'comm,tid,ip,sym'], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  const parts = new Map();
  const irq = new Map();
  let n = 0;
  const add = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const sample of out.split('\n\n')) {
    const lines = sample.trim().split('\n').map((l) => l.trim()).filter(Boolean);
    if (lines.length < 2) continue;
    n++;
    const thread = lines[0].split(/\s+/)[0];
    const frames = lines.slice(1).map((l) => l.split(/\s+/).slice(1).join(' '));
    const has = (x) => frames.some((f) => f.startsWith(x));
    if (thread !== 'MainThread') add(parts, `other threads (${thread})`);
    else if (has('epoll_pwait') || has('__x64_sys_epoll_pwait')) add(parts, 'epoll_pwait (sleep and wakeup)');
    else if (has('ksys_write') || has('__GI___libc_write')) add(parts, 'write(2)');
    else if (has('ksys_read') || has('read')) add(parts, 'read(2)');
    else if (has('do_syscall_64')) add(parts, 'other system calls');
    else if (has('asm_exc_page_fault')) add(parts, 'page faults');
    else if (frames.some((f) => /Scavenge|Heap::|MarkCompact/.test(f))) add(parts, 'GC (main thread)');
    else if (frames[0].startsWith('JS:')) add(parts, 'JS (self)');
    else add(parts, 'native: Node, V8, libuv, libc');
    if (frames[0].startsWith('pvm_irq_enable')) {
      const from = frames.slice(1).find((f) => !/raw_callee|spin_unlock|irqrestore/.test(f));
      if (from) add(irq, from);
    }
  }
  const fmt = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `  ${(cpuPerReq * v / n).toFixed(1).padStart(6)} µs/req  ${k}`).join('\n');
  return `${n} samples\n${fmt(parts)}\n pvm_irq_enable (interrupts enabled again: pending wakeups, IPIs) from:\n${fmt(irq)}`;
}

for (const name of only ? [only] : Object.keys(contenders)) {
  const { o, cpu, cs, counts } = await window(name);
  const calls = Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
  console.log(`${name.padEnd(4)} ${o.rps.toFixed(0)} req/s p50 ${o.p50.toFixed(2)} p99 ${o.p99.toFixed(2)} ms | ${cpu.toFixed(1)} CPU µs/req, ${cs.toFixed(2)} context switches/req | syscalls/req: ${calls}`);
  if (PERF) console.log(`perf record ${path.join(profDir, `${name}.perf.data`)}: ${perfSplit(path.join(profDir, `${name}.perf.data`), cpu)}`);
  if (PROF) {
    const out = path.join(profDir, `${name}.cpuprofile`);
    const r = await window(name, out);
    console.log(`${name.padEnd(4)} profiled: p99 ${r.o.p99.toFixed(2)} ms, ${r.cpu.toFixed(1)} CPU µs/req; profile ${out}`);
  }
}
await bench.stop(backend);
