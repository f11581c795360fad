/**
 * Floods (issue 17, item 4): an HTTP/2 rapid-reset flood gets GOAWAY and its client address a cool-down, CONTINUATION,
 * SETTINGS and PING floods are closed by nghttp2 and count as abuse too, one address cannot hold more than
 * --max-connections-per-client connections, and ordinary requests from other addresses keep being answered
 * throughout. The fairness figure (p99 under flood against unloaded) is measured by `npx projen bench:reliability`,
 * not here: this file asserts behaviour only.
 */
import * as net from 'node:net';
import { ConfigBuilder } from '../support/config-builder';
import { RunningEcho, startEchoServers } from '../support/echo';
import { request } from '../support/http';
import { scrape, sumOf } from '../support/metrics';
import { Spawned, startDataPlane } from '../support/processes';
import { eventually } from '../support/wait';

let gw: Spawned;
let echoes: RunningEcho[];
let port: number;

beforeAll(async () => {
  echoes = await startEchoServers('web');
  const b = new ConfigBuilder();
  const web = b.backend('web');
  b.route(b.listener(80, { name: 'web' }), { route: 'web', backends: [web] });
  gw = await startDataPlane({
    config: b.build(),
    backends: { [web]: echoes[0].target },
    args: ['--max-connections-per-client', '20', '--abuse-penalty', '30', '--no-access-log'],
  });
  port = gw.ports.get(80)!;
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
});

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId, 5);
  return Buffer.concat([h, payload]);
}

/** :method GET, :scheme http, :path /, :authority a */
const HEADER_BLOCK = Buffer.from([0x82, 0x86, 0x84, 0x01, 0x01, 0x61]);

/** What a raw HTTP/2 client from `localAddress` saw after writing `frames` (then only reading): GOAWAY codes, and whether it was refused. */
function rawH2(localAddress: string, frames: Buffer): Promise<{ goaway: number[]; refusedAtOnce: boolean }> {
  return new Promise((resolve) => {
    const goaway: number[] = [];
    let got = Buffer.alloc(0);
    let bytes = 0;
    const s = net.connect({ port, host: '127.0.0.1', localAddress });
    s.on('connect', () => s.write(Buffer.concat([PREFACE, frame(4, 0, 0), frames])));
    s.on('data', (d: Buffer) => {
      bytes += d.length;
      got = Buffer.concat([got, d]);
      while (got.length >= 9 && got.length >= 9 + got.readUIntBE(0, 3)) {
        const len = got.readUIntBE(0, 3);
        if (got[3] === 7) goaway.push(got.readUInt32BE(9 + 4));
        got = got.subarray(9 + len);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve({ goaway, refusedAtOnce: bytes === 0 }));
    setTimeout(() => s.destroy(), 10_000).unref();
  });
}

/** `n` streams each opened and reset at once (HEADERS with END_STREAM, then RST_STREAM CANCEL). */
function rapidReset(n: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0, id = 1; i < n; i++, id += 2) parts.push(frame(1, 0x5, id, HEADER_BLOCK), frame(3, 0, id, Buffer.from([0, 0, 0, 8])));
  return Buffer.concat(parts);
}

/** Ordinary requests from 127.0.0.1 while `attack` runs; resolves with their statuses. */
async function alongside<T>(attack: Promise<T>): Promise<{ attack: T; statuses: number[] }> {
  const statuses: number[] = [];
  let running = true;
  const ordinary = (async () => {
    while (running) statuses.push((await request(`http://127.0.0.1:${port}/`).catch(() => ({ status: 0 }))).status);
  })();
  const result = await attack;
  // and a few more after it
  for (let i = 0; i < 5; i++) statuses.push((await request(`http://127.0.0.1:${port}/`).catch(() => ({ status: 0 }))).status);
  running = false;
  await ordinary;
  return { attack: result, statuses };
}

const closedFor = async (reason: string) => sumOf(await scrape(gw), 'cdk8s_gateway_connections_closed_total', { reason });

test('an HTTP/2 rapid-reset flood gets GOAWAY, its address is refused for a while, and no ordinary request fails', async () => {
  // WHEN a client opens and resets 5,000 streams, with ordinary requests from another address meanwhile
  const { attack, statuses } = await alongside(rawH2('127.0.0.2', rapidReset(5000)));

  // THEN
  // ENHANCE_YOUR_CALM from the gateway, or INTERNAL_ERROR when nghttp2's own reset limit (Node 24) came first
  expect(attack.goaway.length).toBeGreaterThan(0);
  expect(attack.goaway.every((code) => code === 0xb || code === 0x2)).toBe(true);
  expect(statuses.length).toBeGreaterThan(5);
  expect(statuses.every((s) => s === 200)).toBe(true);
  expect(await closedFor('abuse')).toBeGreaterThanOrEqual(1);
  // the same address is refused at once for --abuse-penalty; another address is not
  const again = await rawH2('127.0.0.2', Buffer.alloc(0));
  expect(again.refusedAtOnce).toBe(true);
  expect(await closedFor('client_penalty')).toBeGreaterThanOrEqual(1);
  expect((await request(`http://127.0.0.1:${port}/`)).status).toBe(200);
});

test.each([
  ['CONTINUATION', '127.0.0.3', () => Buffer.concat([frame(1, 0x1, 1, HEADER_BLOCK), ...Array.from({ length: 200 }, () => frame(9, 0, 1, Buffer.from([0x00, 0x01, 0x78, 0x01, 0x61])))])],
  ['SETTINGS', '127.0.0.4', () => Buffer.concat(Array.from({ length: 20_000 }, () => frame(4, 0, 0, Buffer.from([0, 2, 0, 0, 0, 0]))))],
  ['PING', '127.0.0.5', () => Buffer.concat(Array.from({ length: 20_000 }, (_, i) => frame(6, 0, 0, Buffer.alloc(8, i % 256))))],
])('a %s flood is closed, counted as abuse, and ordinary requests keep being answered', async (_kind, address, frames) => {
  const before = await closedFor('abuse');
  const { statuses } = await alongside(rawH2(address, frames()));
  expect(statuses.every((s) => s === 200)).toBe(true);
  await eventually(() => closedFor('abuse'), (v) => v > before);
});

test('one address cannot hold more than --max-connections-per-client connections; other addresses are not affected', async () => {
  /** A connection from `localAddress`; `closed` resolves when the gateway closed (or reset) it. */
  const open = (localAddress: string) => new Promise<{ socket: net.Socket; closed: Promise<void> }>((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.on('error', () => undefined);
    // a reset may come before the connect is seen
    socket.on('connect', () => resolve({ socket, closed }));
    void closed.then(() => resolve({ socket, closed }));
  });
  const before = await closedFor('client_limit');
  const held = await Promise.all(Array.from({ length: 20 }, () => open('127.0.0.6')));
  await eventually(() => scrape(gw).then((m) => sumOf(m, 'cdk8s_gateway_active_connections', { port: '80' })), (v) => v >= 20);
  // the 21st is reset at once
  const extra = await open('127.0.0.6');
  const reset = await Promise.race([extra.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
  expect(reset).toBe(true);
  expect(await closedFor('client_limit')).toBe(before + 1);
  expect((await request(`http://127.0.0.1:${port}/`)).status).toBe(200);
  held.forEach((c) => c.socket.destroy());
});
