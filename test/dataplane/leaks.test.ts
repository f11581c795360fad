/**
 * Leaks after churn: rounds of connections of every kind (HTTP/1.1 keep-alive, h2c, HTTPS, WebSocket,
 * requests aborted mid-body, TCP relays) and config reloads; after each round the data plane's open file
 * descriptors (read from /proc) come back to what they were before any traffic, and its memory stops
 * growing: it runs with a 64 MiB old-space limit (a leak of that size kills it) and its resident size
 * after the last round is within a margin of the size after the first. `LEAK_ROUNDS` runs more rounds.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import type { DataPlaneConfig } from '../../src/config/dataplane-config';
import { selfSignedCert, writeSecret } from '../support/certs';
import { ConfigBuilder } from '../support/config-builder';
import { RunningEcho, startEchoServers, startTcpEcho } from '../support/echo';
import { request } from '../support/http';
import { Spawned, startDataPlane, tempDir } from '../support/processes';
import { AtomicVolume } from '../support/volume';
import { eventually } from '../support/wait';

const HTTP = 80;
const HTTPS = 443;
const TCP = 9000;
const ROUNDS = Number(process.env.LEAK_ROUNDS ?? 4);
const cert = selfSignedCert(['web.example.com']);
let gw: Spawned;
let echoes: RunningEcho[];
let tcpEcho: RunningEcho;
let volume: AtomicVolume;
let generation = 1;

function config(version: number): DataPlaneConfig {
  const c = new ConfigBuilder();
  const echo = c.backend('echo');
  const tcp = c.backend('tcp-echo', 9000);
  const header = { type: 'ResponseHeaderModifier' as const, set: [{ name: 'x-version', value: String(version) }], add: [], remove: [] };
  c.route(c.listener(HTTP, { name: 'web' }), { route: 'web', backends: [echo], filters: [header] });
  c.route(c.listener(HTTPS, { name: 'https', hostname: 'web.example.com', certificates: ['default/web-tls'] }), { route: 'https', backends: [echo] });
  c.tcpListener(TCP, 'tcp', { route: 'tcp', backends: [tcp] });
  return c.build();
}

beforeAll(async () => {
  echoes = await startEchoServers('echo');
  tcpEcho = await startTcpEcho();
  const secrets = tempDir('gw-leaks-');
  writeSecret(secrets, 'default/web-tls', cert);
  volume = new AtomicVolume(tempDir('gw-leaks-config-'));
  volume.write({ 'config.json': JSON.stringify(config(1)) });
  gw = await startDataPlane({
    config: volume.file('config.json'),
    secretsDir: secrets,
    backends: { 'default/echo:80': echoes[0].target, 'default/tcp-echo:9000': tcpEcho.target },
    args: ['--no-access-log'],
    env: { NODE_OPTIONS: '--max-old-space-size=64' },
  });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
  await tcpEcho?.close();
});

const fds = (): number => fs.readdirSync(`/proc/${gw.proc.pid}/fd`).length;
const rssKiB = (): number => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${gw.proc.pid}/status`, 'utf8'))![1]);

/** `n` tasks, `width` at a time. */
async function pool(n: number, width: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await task(next++);
  }));
}

function get(agent: http.Agent, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(gw.url(HTTP, path), { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    }).on('error', reject);
  });
}

async function keepAlive(n: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  await pool(n, 16, async (i) => expect(await get(agent, `/ka/${i}`)).toBe(200));
  agent.destroy();
}

async function h2c(sessions: number): Promise<void> {
  await pool(sessions, 8, async () => {
    const session = http2.connect(`http://127.0.0.1:${gw.ports.get(HTTP)}`);
    await Promise.all([1, 2, 3].map(() => new Promise<void>((resolve, reject) => {
      const req = session.request({ ':path': '/h2' });
      let status = 0;
      req.on('response', (h) => (status = Number(h[':status'])));
      req.resume();
      req.on('end', () => (status === 200 ? resolve() : reject(new Error(`h2c: ${status}`))));
      req.on('error', reject);
    })));
    session.close();
  });
}

async function tlsRequests(n: number): Promise<void> {
  await pool(n, 8, () => new Promise<void>((resolve, reject) => {
    const options = { ca: cert.cert, servername: 'web.example.com', headers: { host: 'web.example.com' }, agent: false };
    https.get(`https://127.0.0.1:${gw.ports.get(HTTPS)}/tls`, options, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTPS: ${res.statusCode}`))));
    }).on('error', reject);
  }));
}

/** Upgrades, reads the 101 and the echo's greeting frame, then closes abruptly. */
async function websockets(n: number): Promise<void> {
  await pool(n, 8, () => new Promise<void>((resolve, reject) => {
    const s = net.connect(gw.ports.get(HTTP)!, '127.0.0.1', () => s.write('GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'));
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.startsWith('HTTP/1.1 101') && got.includes('"pod":"echo"')) {
        s.destroy();
        resolve();
      }
    });
    s.on('error', reject);
  }));
}

/** POSTs that promise 100 kB, send 1 kB, and vanish. */
async function abortedUploads(n: number): Promise<void> {
  await pool(n, 8, () => new Promise<void>((resolve) => {
    const s = net.connect(gw.ports.get(HTTP)!, '127.0.0.1', () => {
      s.write(`POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(1000)}`);
      setTimeout(() => {
        s.destroy();
        resolve();
      }, 5);
    });
    s.on('error', () => resolve());
  }));
}

async function tcpRelays(n: number): Promise<void> {
  await pool(n, 8, () => new Promise<void>((resolve, reject) => {
    const s = net.connect(gw.ports.get(TCP)!, '127.0.0.1', () => s.write('ping'));
    s.on('data', () => {
      s.end();
      resolve();
    });
    s.on('error', reject);
  }));
}

async function reloads(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    generation++;
    volume.write({ 'config.json': JSON.stringify(config(generation)) });
    await gw.waitForLine(new RegExp(`"msg":"config reloaded","generation":${generation}\\b`));
  }
}

test(`${ROUNDS} rounds of connection churn and reloads: file descriptors return to baseline, memory stays bounded`, async () => {
  const baseline = fds();
  const rss: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all([keepAlive(300), h2c(40), tlsRequests(80), websockets(60), abortedUploads(100), tcpRelays(100), reloads(10)]);
    // upstream keep-alive connections idle out after 4 s; everything else closes with its client
    await eventually(async () => fds(), (n) => n <= baseline, 15_000);
    rss.push(rssKiB());
    expect((await request(gw.url(HTTP, '/after'))).headers['x-version']).toBe(String(generation));
  }
  process.stdout.write(`leaks: ${ROUNDS} rounds; fds ${baseline} -> ${fds()}; VmRSS per round (KiB) ${rss.join(' ')}\n`);
  expect(gw.exitCode).toBeUndefined();
  // the first round grows the heap to its working size; later rounds reuse it
  expect(rss[rss.length - 1] - rss[0]).toBeLessThan(48 * 1024);
}, 300_000);
