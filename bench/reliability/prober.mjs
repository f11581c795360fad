// The ordinary client of the reliability suite: HTTP/1.1 GETs at a fixed rate over a few keep-alive connections
// from 127.0.0.1, latency counted from when each request was due (a stalled gateway shows in every request it held
// back). Loopback only; stops by itself.
//
//   node prober.mjs --port <n> [--rate 200] [--connections 4] [--seconds 10] [--path /]
//
// Prints one JSON line: requests, failures (by reason), p50/p90/p99/max latency in ms.
import * as net from 'node:net';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const port = Number(opt('port', 0));
const rate = Number(opt('rate', 200));
const nconn = Number(opt('connections', 4));
const seconds = Number(opt('seconds', 10));
const reqPath = opt('path', '/');
const REQUEST = Buffer.from(`GET ${reqPath} HTTP/1.1\r\nHost: probe.example.com\r\n\r\n`);

const latencies = [];
const failures = {};
let sent = 0;
const fail = (why) => {
  failures[why] = (failures[why] ?? 0) + 1;
};

class Conn {
  constructor() {
    this.queue = []; // due times of requests written or waiting
    this.inFlight = 0;
    this.buf = Buffer.alloc(0);
    this.open();
  }

  open() {
    this.ready = false;
    this.s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.1', noDelay: true });
    this.s.on('connect', () => {
      this.ready = true;
      this.flush();
    });
    this.s.on('data', (d) => this.onData(d));
    this.s.on('error', (e) => fail(`socket ${e.code ?? e.message}`));
    this.s.on('close', () => {
      // requests written and not answered failed; those not yet written wait for the new connection
      for (let i = 0; i < this.inFlight; i++) fail('connection closed before the answer');
      this.queue.splice(0, this.inFlight);
      this.inFlight = 0;
      this.buf = Buffer.alloc(0);
      if (!stopped) this.open();
    });
  }

  due(t) {
    this.queue.push(t);
    this.flush();
  }

  flush() {
    // one request on the wire at a time: the next is written when the answer came (no pipelining)
    if (!this.ready || this.inFlight > 0 || this.queue.length === 0) return;
    this.inFlight = 1;
    sent++;
    this.s.write(REQUEST);
  }

  onData(d) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buf.subarray(0, end).toString('latin1');
      const m = /\r\ncontent-length: *(\d+)/i.exec(head);
      const len = m ? Number(m[1]) : 0;
      if (this.buf.length < end + 4 + len) return;
      this.buf = this.buf.subarray(end + 4 + len);
      const status = Number(head.slice(9, 12));
      const t = this.queue.shift();
      this.inFlight = 0;
      if (status !== 200) fail(`status ${status}`);
      else latencies.push(performance.now() - t);
      this.flush();
    }
  }
}

let stopped = false;
const conns = Array.from({ length: nconn }, () => new Conn());
const start = performance.now();
const total = Math.round(rate * seconds);
let next = 0;
const tick = () => {
  const now = performance.now();
  while (next < total && start + (next * 1000) / rate <= now) {
    conns[next % nconn].due(start + (next * 1000) / rate);
    next++;
  }
  if (next < total) setTimeout(tick, 1);
};
tick();

const q = (xs, p) => xs.length ? xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] : NaN;
setTimeout(() => {
  stopped = true;
  const unanswered = conns.reduce((n, c) => n + c.queue.length, 0);
  if (unanswered) failures['not answered by the end'] = unanswered;
  const xs = latencies.sort((a, b) => a - b);
  const r = (v) => Math.round(v * 1000) / 1000;
  process.stdout.write(JSON.stringify({ requests: total, answered: xs.length, sent, failures, p50: r(q(xs, 0.5)), p90: r(q(xs, 0.9)), p99: r(q(xs, 0.99)), max: r(xs[xs.length - 1] ?? NaN) }) + '\n');
  for (const c of conns) c.s.destroy();
  process.exit(0);
}, seconds * 1000 + 2000);
