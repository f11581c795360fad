/**
 * TCPRoute and UDPRoute on the wire: one data plane, Node net and dgram clients, backends in this process.
 * Per-connection weighted choice, refused shares, half-close, backpressure, idle timeout; UDP sessions per
 * client with replies routed back, idle expiry and weights; metrics and access logs.
 */
import { createHash } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { DataPlaneConfig } from '../../src/config/dataplane-config';
import { ConfigBuilder } from '../support/config-builder';
import { request } from '../support/http';
import { Spawned, startDataPlane, tempDir } from '../support/processes';
import { sleep, waitFor } from '../support/wait';

const TCP_WEIGHTED = 7000;
const TCP_INVALID = 7001;
const TCP_UNREACHABLE = 7002;
const TCP_SINK = 7003;
const UDP_WEIGHTED = 7100;
const UDP_INVALID = 7101;

interface TcpBackend {
  readonly server: net.Server;
  readonly port: number;
  readonly sockets: net.Socket[];
}

/** A TCP backend: `onSocket` runs for each accepted connection. */
async function tcpBackend(onSocket: (s: net.Socket) => void): Promise<TcpBackend> {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as net.AddressInfo).port, sockets };
}

/** Answers its name on connect, then echoes. */
const namedEcho = (name: string) => (s: net.Socket) => {
  s.write(`${name}\n`);
  s.pipe(s);
};

async function udpBackend(name: string): Promise<{ socket: dgram.Socket; port: number }> {
  const socket = dgram.createSocket('udp4');
  // two replies per datagram: the gateway relays whatever the backend sends, not one answer per question
  socket.on('message', (msg, rinfo) => {
    socket.send(`${name}:${msg}`, rinfo.port, rinfo.address);
    socket.send(`${name}:again`, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { socket, port: socket.address().port };
}

/** The config: the weighted TCP route gives tcp-a `weightA` and tcp-b 1. */
function config(weightA: number): DataPlaneConfig {
  const c = new ConfigBuilder();
  const ta = c.backend('tcp-a', 9000);
  const tb = c.backend('tcp-b', 9000);
  const ts = c.backend('sink', 9000);
  const gone = c.backend('gone', 9000);
  const ua = c.backend('udp-a', 53);
  const ub = c.backend('udp-b', 53);
  c.tcpListener(TCP_WEIGHTED, 'weighted', { route: 'weighted', backends: [{ backend: ta, weight: weightA }, { backend: tb, weight: 1 }] });
  c.tcpListener(TCP_INVALID, 'invalid', { route: 'invalid', backends: [{ invalid: { reason: 'BackendNotFound', message: 'Service default/nope does not exist' } }] });
  c.tcpListener(TCP_UNREACHABLE, 'unreachable', { route: 'unreachable', backends: [gone] });
  c.tcpListener(TCP_SINK, 'sink', { route: 'sink', backends: [ts] });
  c.udpListener(UDP_WEIGHTED, 'dns', { route: 'dns', backends: [ua, ub] });
  c.udpListener(UDP_INVALID, 'dns-invalid', { route: 'dns-invalid', backends: [{ invalid: { reason: 'RefNotPermitted', message: 'no ReferenceGrant' } }] });
  return c.build();
}

const configFile = path.join(tempDir('gw-l4-'), 'config.json');
let gw: Spawned;
let a: TcpBackend;
let b: TcpBackend;
let sink: TcpBackend;
let udpA: { socket: dgram.Socket; port: number };
let udpB: { socket: dgram.Socket; port: number };
/** The sink backend's behaviour for the next connection. */
let sinkMode: 'count' | 'paused' = 'count';
const sinkReceived: Buffer[] = [];

beforeAll(async () => {
  a = await tcpBackend(namedEcho('a'));
  b = await tcpBackend(namedEcho('b'));
  sink = await tcpBackend((s) => {
    if (sinkMode === 'paused') {
      s.pause();
      return;
    }
    // reads until the client half-closes, then answers with what it got and closes its side
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => {
      const all = Buffer.concat(chunks);
      sinkReceived.push(all);
      s.end(`got ${all.length} bytes sha256 ${createHash('sha256').update(all).digest('hex')}\n`);
    });
  });
  udpA = await udpBackend('a');
  udpB = await udpBackend('b');
  const [ta, tb, ts, gone, ua, ub] = ['tcp-a:9000', 'tcp-b:9000', 'sink:9000', 'gone:9000', 'udp-a:53', 'udp-b:53'].map((x) => `default/${x}`);
  fs.writeFileSync(configFile, JSON.stringify(config(3)));
  gw = await startDataPlane({
    config: configFile,
    backends: {
      [ta]: `127.0.0.1:${a.port}`,
      [tb]: `127.0.0.1:${b.port}`,
      [ts]: `127.0.0.1:${sink.port}`,
      // port 1: nothing listens there, and no test can take it (bind to port 0 never hands out a port
      // below 1024), where a port freed by a closed server can be reused by a server of a parallel suite
      [gone]: '127.0.0.1:1',
      [ua]: `127.0.0.1:${udpA.port}`,
      [ub]: `127.0.0.1:${udpB.port}`,
    },
    args: ['--tcp-idle-timeout', '2', '--udp-idle-timeout', '1'],
  });
});

afterAll(async () => {
  await gw?.stop();
  for (const x of [a, b, sink]) {
    for (const s of x?.sockets ?? []) s.destroy();
    x?.server.close();
  }
  udpA?.socket.close();
  udpB?.socket.close();
});

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: gw.ports.get(port)!, allowHalfOpen: true }, () => resolve(s));
    s.on('error', reject);
  });
}

/** The first line the server sends. */
function firstLine(s: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    s.setEncoding('utf8');
    const onData = (d: string) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) {
        s.removeListener('data', onData);
        resolve(buf.slice(0, i));
      }
    };
    s.on('data', onData);
    s.on('error', reject);
    s.on('close', () => reject(new Error(`closed before a line (got "${buf}")`)));
  });
}

/** Connects and resolves with how the connection ended: the error code of a reset (possibly before 'connect'), or 'end'. */
function outcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: gw.ports.get(port)! });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    s.on('end', () => resolve('end'));
    s.resume();
  });
}

async function metrics(): Promise<string> {
  return (await request(`http://127.0.0.1:${gw.adminPort}/metrics`)).body;
}

function metric(text: string, name: string, labelPart: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(labelPart));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('TCPRoute', () => {
  test('each connection goes to one backend, chosen by weight (3:1)', async () => {
    const seen = { a: 0, b: 0 } as Record<string, number>;
    for (let i = 0; i < 200; i++) {
      const s = await connect(TCP_WEIGHTED);
      seen[await firstLine(s)]++;
      s.destroy();
    }
    expect(seen.a + seen.b).toBe(200);
    // 150 expected for a; the bounds are ~6 standard deviations wide
    expect(seen.a).toBeGreaterThan(110);
    expect(seen.a).toBeLessThan(185);
    expect(seen.b).toBeGreaterThan(15);
  });

  test('bytes are relayed both ways on the chosen connection', async () => {
    const s = await connect(TCP_WEIGHTED);
    const name = await firstLine(s);
    s.write('ping 1\n');
    expect(await firstLine(s)).toBe('ping 1');
    s.write('ping 2\n');
    expect(await firstLine(s)).toBe('ping 2');
    s.destroy();
    expect(['a', 'b']).toContain(name);
  });

  test('an invalid backend share refuses the connection with a reset', async () => {
    expect(await outcome(TCP_INVALID)).toBe('ECONNRESET');
    await waitFor(() => gw.json().some((l) => l.msg === 'access' && l.listener === 'invalid' && l.result === 'GW_INVALID_BACKEND'));
  });

  test('an unreachable backend resets the client connection', async () => {
    expect(await outcome(TCP_UNREACHABLE)).toBe('ECONNRESET');
    await waitFor(() => gw.json().some((l) => l.msg === 'access' && l.listener === 'unreachable' && l.result === 'GW_UPSTREAM_UNREACHABLE'));
  });

  test('a half-close reaches the backend, whose answer still reaches the client', async () => {
    sinkMode = 'count';
    const s = await connect(TCP_SINK);
    const payload = Buffer.alloc(300_000, 'x');
    s.end(payload); // FIN after the payload: the client can still read
    const answer = await firstLine(s);
    expect(answer).toBe(`got ${payload.length} bytes sha256 ${createHash('sha256').update(payload).digest('hex')}`);
    expect(await new Promise((r) => s.on('end', () => r('end')))).toBe('end');
  });

  test('a backend that stops reading stalls the client (backpressure), and nothing is lost when it resumes', async () => {
    sinkMode = 'paused';
    const before = sink.sockets.length;
    const s = await connect(TCP_SINK);
    await waitFor(() => sink.sockets.length > before);
    const backendSide = sink.sockets[sink.sockets.length - 1];
    const chunk = Buffer.alloc(64 * 1024);
    const hash = createHash('sha256');
    let written = 0;
    let stalled = false;
    // write until the gateway stops taking bytes for half a second
    while (written < 256 * 1024 * 1024) {
      for (let i = 0; i < chunk.length; i += 4096) chunk.writeUInt32BE(written + i, i);
      hash.update(chunk);
      written += chunk.length;
      if (!s.write(chunk)) {
        const drained = await Promise.race([new Promise((r) => s.once('drain', () => r(true))), sleep(500).then(() => false)]);
        if (!drained) {
          stalled = true;
          break;
        }
      }
    }
    expect(stalled).toBe(true);
    // kernel socket buffers and a few stream buffers, not the whole stream held in the gateway's memory
    expect(written).toBeLessThan(48 * 1024 * 1024);
    // the backend reads everything now: every byte arrives, in order
    const got = createHash('sha256');
    let received = 0;
    backendSide.on('data', (c: Buffer) => {
      got.update(c);
      received += c.length;
    });
    const ended = new Promise((r) => backendSide.on('end', r));
    backendSide.resume();
    s.end();
    await ended;
    expect(received).toBe(written);
    expect(got.digest('hex')).toBe(hash.digest('hex'));
    sinkMode = 'count';
  });

  test('a connection with no bytes either way is closed after the idle timeout', async () => {
    const s = await connect(TCP_WEIGHTED);
    await firstLine(s);
    const started = Date.now();
    s.resume();
    await new Promise((r) => s.on('end', r));
    // --tcp-idle-timeout 2 (checked every 500 ms)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    await waitFor(() => gw.json().some((l) => l.msg === 'access' && l.protocol === 'TCP' && l.result === 'GW_IDLE_TIMEOUT'));
  });

  test('a config reload changes where new connections go; open ones stay with their backend', async () => {
    // an open connection to tcp-a
    let open: net.Socket;
    do {
      open = await connect(TCP_WEIGHTED);
      if ((await firstLine(open)) === 'a') break;
      open.destroy();
    } while (true);
    // WHEN the route sends everything to tcp-b
    fs.writeFileSync(configFile, JSON.stringify(config(0)));
    await gw.waitForLine(/config reloaded/);
    // THEN new connections go to b, and the open one still talks to a
    for (let i = 0; i < 10; i++) {
      const s = await connect(TCP_WEIGHTED);
      expect(await firstLine(s)).toBe('b');
      s.destroy();
    }
    open.write('still here\n');
    expect(await firstLine(open)).toBe('still here');
    open.destroy();
    fs.writeFileSync(configFile, JSON.stringify(config(3)));
    await waitFor(() => gw.lines.filter((l) => l.includes('config reloaded')).length === 2);
  });

  test('connections are counted by route, backend and result, and logged with their bytes', async () => {
    const m = await metrics();
    expect(metric(m, 'cdk8s_gateway_l4_connections_total', 'route="TCPRoute/default/weighted",backend="default/tcp-a:9000",result="ok"')).toBeGreaterThan(50);
    expect(metric(m, 'cdk8s_gateway_l4_connections_total', 'route="TCPRoute/default/invalid",backend="invalid:BackendNotFound",result="GW_INVALID_BACKEND"')).toBe(1);
    expect(metric(m, 'cdk8s_gateway_l4_bytes_total', 'route="TCPRoute/default/sink",backend="default/sink:9000",direction="received"')).toBeGreaterThan(300_000);
    const line = gw.json().find((l) => l.msg === 'access' && l.listener === 'sink' && l.result === 'ok');
    expect(line).toMatchObject({ protocol: 'TCP', route: 'TCPRoute/default/sink', backend: 'default/sink:9000', bytesIn: 300_000 });
    expect(line!.bytesOut).toBeGreaterThan(70);
  });
});

describe('UDPRoute', () => {
  /** A client socket; `replies` collects what comes back. */
  async function udpClient(): Promise<{ socket: dgram.Socket; replies: string[]; send: (m: string) => void }> {
    const socket = dgram.createSocket('udp4');
    const replies: string[] = [];
    socket.on('message', (m) => replies.push(m.toString()));
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    return { socket, replies, send: (m) => socket.send(m, gw.ports.get(UDP_WEIGHTED)!, '127.0.0.1') };
  }

  test('datagrams of one client go to one backend, and every reply comes back to that client', async () => {
    const c = await udpClient();
    c.send('q1');
    await waitFor(() => c.replies.length === 2);
    const backend = c.replies[0].split(':')[0];
    c.send('q2');
    c.send('q3');
    await waitFor(() => c.replies.length === 6);
    expect(c.replies.sort()).toEqual([`${backend}:again`, `${backend}:again`, `${backend}:again`, `${backend}:q1`, `${backend}:q2`, `${backend}:q3`]);
    c.socket.close();
  });

  test('clients are spread over the backends by weight (1:1)', async () => {
    const seen = new Set<string>();
    const clients = await Promise.all(Array.from({ length: 24 }, () => udpClient()));
    for (const c of clients) c.send('hello');
    await waitFor(() => clients.every((c) => c.replies.length >= 1));
    for (const c of clients) seen.add(c.replies[0].split(':')[0]);
    for (const c of clients) c.socket.close();
    // each of 24 sessions picks a or b: both are missed with probability 2^-23
    expect([...seen].sort()).toEqual(['a', 'b']);
  });

  test('a session ends after the idle timeout and is logged with its datagrams', async () => {
    const c = await udpClient();
    const port = c.socket.address().port;
    c.send('once');
    await waitFor(() => c.replies.length === 2);
    // --udp-idle-timeout 1
    await waitFor(() => gw.json().some((l) => l.msg === 'access' && l.protocol === 'UDP' && l.client === `127.0.0.1:${port}`), 5000);
    const line = gw.json().find((l) => l.msg === 'access' && l.protocol === 'UDP' && l.client === `127.0.0.1:${port}`)!;
    expect(line).toMatchObject({ listener: 'dns', route: 'UDPRoute/default/dns', datagramsIn: 1, datagramsOut: 2, result: 'ok' });
    // the same client starts a new session with its next datagram
    c.send('twice');
    await waitFor(() => c.replies.length === 4);
    c.socket.close();
  });

  test('datagrams for an invalid backend share are dropped and counted', async () => {
    const socket = dgram.createSocket('udp4');
    const replies: Buffer[] = [];
    socket.on('message', (m) => replies.push(m));
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    socket.send('lost', gw.ports.get(UDP_INVALID)!, '127.0.0.1');
    socket.send('lost', gw.ports.get(UDP_INVALID)!, '127.0.0.1');
    let dropped = 0;
    for (let i = 0; i < 50 && dropped < 2; i++) {
      dropped = metric(await metrics(), 'cdk8s_gateway_udp_dropped_datagrams_total', 'code="GW_INVALID_BACKEND"');
      await sleep(50);
    }
    expect(dropped).toBe(2);
    expect(replies).toEqual([]);
    socket.close();
  });

  test('datagrams and bytes are counted per backend and direction', async () => {
    const m = await metrics();
    const inA = metric(m, 'cdk8s_gateway_udp_datagrams_total', 'backend="default/udp-a:53",direction="received"');
    const inB = metric(m, 'cdk8s_gateway_udp_datagrams_total', 'backend="default/udp-b:53",direction="received"');
    const outA = metric(m, 'cdk8s_gateway_udp_datagrams_total', 'backend="default/udp-a:53",direction="sent"');
    const outB = metric(m, 'cdk8s_gateway_udp_datagrams_total', 'backend="default/udp-b:53",direction="sent"');
    // 3 + 24 + 2 datagrams from the clients above
    expect(inA + inB).toBe(29);
    expect(outA + outB).toBe(2 * (inA + inB));
  });
});
