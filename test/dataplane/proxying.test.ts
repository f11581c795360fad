/**
 * Proxying on the wire: headers, bodies, HTTP/2 on both sides, WebSocket, client aborts.
 * One data plane (Node 24) for the file.
 */
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type * as net from 'node:net';
import { promisify } from 'node:util';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { ConfigBuilder, prefix } from '../support/config-builder';
import { RunningEcho, startEchoServers } from '../support/echo';
import { request, request2 } from '../support/http';
import { Spawned, startDataPlane } from '../support/processes';
import { waitFor } from '../support/wait';

let gw: Spawned;
let echoes: RunningEcho[];
let hold: http.Server;
const held: { closed: boolean; url: string }[] = [];

beforeAll(async () => {
  echoes = await startEchoServers('echo-a', 'echo-h2');
  // a backend that never answers, to see the gateway cancel it when the client leaves
  hold = http.createServer((req) => {
    const rec = { closed: false, url: req.url ?? '' };
    held.push(rec);
    req.socket.on('close', () => { rec.closed = true; });
  });
  await new Promise<void>((r) => hold.listen(0, '127.0.0.1', r));
  const b = new ConfigBuilder();
  const a = b.backend('echo-a');
  const h2 = b.backend('echo-h2', 80, { protocol: 'h2c' });
  const ws = b.backend('echo-ws', 80, { protocol: 'ws' });
  const stuck = b.backend('stuck');
  const web = b.listener(80, { name: 'web' });
  b.route(web, { route: 'h2c', matches: [{ path: prefix('/h2c') }], backends: [h2] });
  b.route(web, { route: 'ws', matches: [{ path: prefix('/ws') }], backends: [ws] });
  b.route(web, { route: 'stuck', matches: [{ path: prefix('/stuck') }], backends: [stuck] });
  b.route(web, { route: 'all', backends: [a] });
  gw = await startDataPlane({
    config: b.build(),
    backends: {
      [a]: echoes[0].target,
      [h2]: echoes[1].target,
      [ws]: echoes[0].target,
      [stuck]: `127.0.0.1:${(hold.address() as net.AddressInfo).port}`,
    },
  });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
  hold?.closeAllConnections();
  hold?.close();
});

test('the Host header is passed through and X-Forwarded-For/-Proto/-Host are set', async () => {
  const res = await request(gw.url(80, '/headers'), { host: 'shop.example.com:8443', headers: { 'x-forwarded-for': '203.0.113.9' } });
  expect(res.json.host).toBe('shop.example.com:8443');
  expect(res.json.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
  expect(res.json.headers['x-forwarded-proto']).toBe('http');
  expect(res.json.headers['x-forwarded-host']).toBe('shop.example.com:8443');
});

test('hop-by-hop request headers, and headers named by Connection, are not forwarded', async () => {
  const res = await request(gw.url(80, '/hop'), {
    headers: {
      'connection': 'keep-alive, x-private',
      'x-private': 'secret',
      'keep-alive': 'timeout=5',
      'te': 'gzip',
      'proxy-authorization': 'Basic Zm9vOmJhcg==',
      'x-kept': 'yes',
    },
  });
  const h = res.json.headers;
  expect(h['x-kept']).toBe('yes');
  for (const gone of ['x-private', 'keep-alive', 'te', 'proxy-authorization']) expect(h[gone]).toBeUndefined();
});

test('undici with HTTP/1.1 pipelining over one keep-alive connection gets every answer in order', async () => {
  const pool = new Pool(gw.url(80, '/').replace(/\/$/, ''), { connections: 1, pipelining: 8 });
  try {
    const answers = await Promise.all(Array.from({ length: 40 }, async (_, i) => {
      const res = await pool.request({ path: `/pipelined/${i}`, method: 'GET' });
      return ((await res.body.json()) as { path: string }).path;
    }));
    expect(answers).toEqual(Array.from({ length: 40 }, (_, i) => `/pipelined/${i}`));
  } finally {
    await pool.close();
  }
});

test('a chunked request body streams through and arrives whole', async () => {
  const res = await new Promise<any>((resolve, reject) => {
    const req = http.request(gw.url(80, '/upload'), { method: 'POST', agent: false }, (r) => {
      let body = '';
      r.on('data', (c) => { body += c; });
      r.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let n = 0;
    const write = () => {
      while (n < 80) {
        n++;
        if (!req.write(chunk)) return req.once('drain', write);
      }
      req.end();
      return undefined;
    };
    write();
  });
  expect(res.bodyBytes).toBe(80 * 64 * 1024);
  expect(res.headers['transfer-encoding']).toBe('chunked');
});

test('a large response streams to the client with its Content-Length', async () => {
  const res = await request(gw.url(80, '/big?size=20000000'));
  expect(res.status).toBe(200);
  expect(res.headers['content-length']).toBe('20000000');
  expect(res.body.length).toBe(20_000_000);
});

test('a response is forwarded as the backend produces it, not after buffering it', async () => {
  const times: number[] = [];
  await new Promise<void>((resolve, reject) => {
    http.get(gw.url(80, '/stream?chunks=3&interval=400'), { agent: false }, (r) => {
      r.on('data', () => times.push(Date.now()));
      r.on('end', () => { times.push(Date.now()); resolve(); });
    }).on('error', reject);
  });
  // the first part arrived well before the end (the backend waits 2 × 400 ms between parts)
  expect(times[times.length - 1] - times[0]).toBeGreaterThan(500);
});

test('HEAD gets the headers (with Content-Length) and no body', async () => {
  const out = await curl('-I', gw.url(80, '/head?size=1234'));
  expect(out).toMatch(/^HTTP\/1.1 200/);
  expect(out).toMatch(/content-length: 1234/i);
});

test('after a HEAD, the next request on the same keep-alive connection is answered (the HEAD answer has no body to wait for)', async () => {
  // GIVEN one client connection, and a backend that announces the length of the body a GET would get
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (method: string) => new Promise<string>((resolve, reject) => {
    const req = http.request(gw.url(80, '/head?size=1234'), { method, agent, timeout: 5000 }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve(`${res.statusCode} ${res.headers['content-length']} ${bytes}`));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} not answered within 5 s`)));
    req.on('error', reject);
    req.end();
  });

  // WHEN a HEAD, then a GET, then a HEAD go over it
  const answers = [await send('HEAD'), await send('GET'), await send('HEAD')];
  agent.destroy();

  // THEN each is answered (the gateway read no body after the backend's HEAD answer, and finished the exchange)
  expect(answers).toEqual(['200 1234 0', '200 1234 1234', '200 1234 0']);
});

test('curl over HTTP/1.1 and over HTTP/2 with prior knowledge reach the backend', async () => {
  const h1 = JSON.parse(await curl(gw.url(80, '/curl')));
  expect(h1.path).toBe('/curl');
  const h2 = await curl('--http2-prior-knowledge', '-w', '\n%{http_version}', gw.url(80, '/curl2'));
  const lines = h2.trim().split('\n');
  const version = lines.pop();
  const body = lines[0];
  expect(version).toBe('2');
  expect(JSON.parse(body).path).toBe('/curl2');
});

test('an HTTP/2 client with a request body is proxied to an HTTP/1.1 backend', async () => {
  const res = await request2(gw.url(80, '/h2-post'), { method: 'POST', body: 'hello over h2', host: 'h2.example.com' });
  expect(res.status).toBe(200);
  expect(res.json.protocol).toBe('HTTP/1.1');
  expect(res.json.body).toBe('hello over h2');
  expect(res.json.host).toBe('h2.example.com');
});

// Node's http2 client ends a POST without a body this way (HEADERS, then an empty DATA frame with END_STREAM); the
// stream's readable side ends before the data plane's stream scheduler starts the exchange a turn later
test.each(['POST', 'OPTIONS', 'PUT'])('an HTTP/2 %s whose empty body ends in a DATA frame of its own is answered by the backend', async (method) => {
  const session = http2.connect(gw.url(80, '/'));
  try {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to an HTTP/2 ${method} with an empty body within 3 s`)), 3000);
      session.on('error', reject);
      const req = session.request({ ':method': method, ':path': `/empty-${method}` }, { endStream: false });
      let status = 0;
      const chunks: Buffer[] = [];
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        clearTimeout(timer);
        resolve({ status, body: Buffer.concat(chunks).toString() });
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ method, path: `/empty-${method}`, body: '' });
  } finally {
    session.close();
  }
});

test('a backend with appProtocol kubernetes.io/h2c is spoken to over HTTP/2 cleartext', async () => {
  const res = await request(gw.url(80, '/h2c/x'), { method: 'POST', body: 'to h2c' });
  expect(res.status).toBe(200);
  expect(res.json.protocol).toBe('HTTP/2');
  expect(res.json.body).toBe('to h2c');
  expect(res.json.pod).toBe('echo-h2');
});

test.each([
  ['an appProtocol kubernetes.io/ws backend', '/ws/chat'],
  ['a plain HTTP/1.1 backend (Upgrade header)', '/plain-ws'],
])('a WebSocket upgrade is tunnelled both ways to %s', async (_what, path) => {
  const socket = new WebSocket(gw.url(80, path).replace('http:', 'ws:'));
  const messages: string[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (m) => {
      messages.push(m.toString());
      if (messages.length === 1) socket.send('ping over the gateway');
      else resolve();
    });
    socket.on('error', reject);
  });
  socket.close();
  expect(JSON.parse(messages[0]).path).toBe(path);
  expect(messages[1]).toBe('ping over the gateway');
});

test('an HTTP/1.1 client that resets its connection cancels its upstream request', async () => {
  // (a FIN alone is a half-close: the request is still answered, see half-close.test.ts)
  const req = http.get(gw.url(80, '/stuck/1'), { agent: false });
  req.on('error', () => undefined);
  await waitFor(() => held.some((h) => h.url === '/stuck/1'));
  req.socket!.resetAndDestroy();
  await waitFor(() => held.find((h) => h.url === '/stuck/1')!.closed);
  const line = await gw.waitForLine(/"msg":"access".*"path":"\/stuck\/1"/);
  expect(JSON.parse(line)).toMatchObject({ status: 499, error: 'GW_CLIENT_ABORTED' });
});

test('an HTTP/2 client that cancels its stream cancels the upstream request', async () => {
  const session = http2.connect(gw.url(80, '/'));
  const stream = session.request({ ':path': '/stuck/h2' });
  stream.on('error', () => undefined);
  await waitFor(() => held.some((h) => h.url === '/stuck/h2'));
  stream.close(http2.constants.NGHTTP2_CANCEL);
  await waitFor(() => held.find((h) => h.url === '/stuck/h2')!.closed);
  session.close();
  const line = await gw.waitForLine(/"msg":"access".*"path":"\/stuck\/h2"/);
  expect(JSON.parse(line)).toMatchObject({ status: 499, error: 'GW_CLIENT_ABORTED' });
});

/** curl, asynchronously: the echo backends run in this process and must keep answering. */
async function curl(...args: string[]): Promise<string> {
  return (await promisify(execFile)('curl', ['-sS', '--max-time', '5', ...args], { encoding: 'utf8' })).stdout;
}

