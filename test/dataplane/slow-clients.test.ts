/**
 * Slow and silent clients (issue 17, items 1 and 2): a connection that never finishes its TLS handshake, never
 * sends a request head (or only part of one, or part of the HTTP/2 preface) is closed within its timeout, on
 * every port kind, and the active-connection gauge counts it while it is open. A client that sends nothing
 * must not hold a file descriptor forever.
 */
import * as dgram from 'node:dgram';
import * as http from 'node:http';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { selfSignedCert, writeSecret } from '../support/certs';
import { ConfigBuilder } from '../support/config-builder';
import { RunningEcho, startEchoServers, startTcpEcho } from '../support/echo';
import { request } from '../support/http';
import { scrape, sumOf } from '../support/metrics';
import { Spawned, startDataPlane, tempDir } from '../support/processes';
import { eventually } from '../support/wait';

const HTTP = 80;
const HTTPS = 443;
const MIXED = 8443;
const TCP = 9000;
const UDP = 5353;
/** Seconds, as given on the command line. */
const HANDSHAKE_TIMEOUT = 1;
const HEADER_TIMEOUT = 1;
/** Longer than the 5 s lingering close plus slack, so that the lingering-close test cannot pass by the idle timeout. */
const IDLE_TIMEOUT = 10;
const TCP_IDLE_TIMEOUT = 2;
const UDP_IDLE_TIMEOUT = 1;
/** How late a close may come after its timeout: the data plane sweeps every 500 ms, the machine is shared. */
const SLACK_MS = 4000;

let gw: Spawned;
let echoes: RunningEcho[];
let tcpEcho: RunningEcho;
let udpEcho: dgram.Socket;

beforeAll(async () => {
  echoes = await startEchoServers('web');
  tcpEcho = await startTcpEcho();
  udpEcho = dgram.createSocket('udp4');
  udpEcho.on('message', (m, r) => udpEcho.send(m, r.port, r.address));
  await new Promise<void>((r) => udpEcho.bind(0, '127.0.0.1', r));

  const secrets = tempDir('gw-secrets-');
  writeSecret(secrets, 'default/web-tls', selfSignedCert(['*.example.com']));
  const c = new ConfigBuilder();
  const web = c.backend('web');
  const tcpB = c.backend('tcp-echo', 7);
  const udpB = c.backend('udp-echo', 53);
  c.route(c.listener(HTTP, { name: 'http' }), { route: 'web', backends: [web] });
  c.route(c.listener(HTTPS, { name: 'https', certificates: ['default/web-tls'] }), { route: 'web-tls', backends: [web] });
  c.tlsListener(MIXED, { name: 'pass', hostname: 'pass.example.com', mode: 'Passthrough' }, [{ route: 'pass', backends: [tcpB] }]);
  c.tlsListener(MIXED, { name: 'term', hostname: 'term.example.com', mode: 'Terminate', certificates: ['default/web-tls'] }, [{ route: 'term', backends: [tcpB] }]);
  c.tcpListener(TCP, 'tcp', { route: 'tcp', backends: [tcpB] });
  c.udpListener(UDP, 'udp', { route: 'udp', backends: [udpB] });
  gw = await startDataPlane({
    config: c.build(),
    secretsDir: secrets,
    backends: { [web]: echoes[0].target, [tcpB]: tcpEcho.target, [udpB]: `127.0.0.1:${(udpEcho.address() as net.AddressInfo).port}` },
    args: [
      '--tls-handshake-timeout', String(HANDSHAKE_TIMEOUT), '--header-timeout', String(HEADER_TIMEOUT), '--idle-timeout', String(IDLE_TIMEOUT),
      '--tcp-idle-timeout', String(TCP_IDLE_TIMEOUT), '--udp-idle-timeout', String(UDP_IDLE_TIMEOUT), '--no-access-log',
    ],
  });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([...(echoes ?? []), ...(tcpEcho ? [tcpEcho] : [])].map((e) => e.close()));
  udpEcho?.close();
});

/** A client connection that writes `bytes` (possibly none) and then waits; `closed` resolves with its lifetime in ms. */
interface Lingerer {
  readonly socket: net.Socket;
  readonly closed: Promise<number>;
  /** What the gateway sent before closing. */
  readonly received: () => string;
}

function linger(port: number, bytes?: string | Buffer): Promise<Lingerer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // from before connect: the gateway's timer starts at accept, which a loaded test process may see before 'connect'
    const start = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    const closed = new Promise<number>((r) => socket.on('close', () => r(Date.now() - start)));
    socket.on('data', (d: Buffer) => chunks.push(d));
    // a client that never sends its FIN: only the gateway can end the connection
    socket.on('end', () => undefined);
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      if (bytes !== undefined) socket.write(bytes);
      resolve({ socket, closed, received: () => Buffer.concat(chunks).toString('latin1') });
    });
    socket.once('error', reject);
  });
}

/** The ClientHello a Node TLS client sends for `servername` (captured by a server that never answers). */
async function clientHello(servername: string): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const got = new Promise<Buffer>((r) => server.once('connection', (s) => s.once('data', (d: Buffer) => {
    r(d);
    s.destroy();
  })));
  const client = tls.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', servername, rejectUnauthorized: false });
  client.on('error', () => undefined);
  const hello = await got;
  client.destroy();
  server.close();
  return hello;
}

async function gauge(port: number): Promise<number> {
  return sumOf(await scrape(gw), 'cdk8s_gateway_active_connections', { port: String(port) });
}

/** Opens `n` lingering clients, checks the gauge counts them, and that each is closed within `timeoutS`. */
async function expectClosedAfter(port: number, timeoutS: number, bytes: () => string | Buffer | undefined, n = 3): Promise<Lingerer[]> {
  // nothing else is open on the port (what earlier tests opened is closed and no longer counted)
  await eventually(() => gauge(port), (v) => v === 0, 5000);
  const clients = await Promise.all(Array.from({ length: n }, () => linger(gw.ports.get(port)!, bytes())));
  await eventually(() => gauge(port), (v) => v === n, timeoutS * 1000);
  const giveUp = () => new Promise<number>((r) => setTimeout(() => r(-1), timeoutS * 1000 + SLACK_MS));
  const lifetimes = await Promise.all(clients.map((c) => Promise.race([c.closed, giveUp()])));
  clients.forEach((c) => c.socket.destroy());
  for (const ms of lifetimes) {
    expect(ms).not.toBe(-1);
    expect(ms).toBeGreaterThanOrEqual(timeoutS * 1000 - 100);
  }
  await eventually(() => gauge(port), (v) => v === 0, 3000);
  return clients;
}

describe('TLS handshakes that never finish are closed after --tls-handshake-timeout', () => {
  test('an HTTPS client that sends nothing is counted while open and closed after the timeout', async () => {
    await expectClosedAfter(HTTPS, HANDSHAKE_TIMEOUT, () => undefined);
  });

  test('an HTTPS client that sends half a ClientHello is closed after the timeout', async () => {
    const hello = await clientHello('www.example.com');
    await expectClosedAfter(HTTPS, HANDSHAKE_TIMEOUT, () => hello.subarray(0, Math.floor(hello.length / 2)));
  });

  test('an HTTPS client that sends its ClientHello and never finishes the handshake is closed after the timeout', async () => {
    const hello = await clientHello('www.example.com');
    const [c] = await expectClosedAfter(HTTPS, HANDSHAKE_TIMEOUT, () => hello, 2);
    // the gateway did answer the ClientHello (ServerHello...) before giving up on the client
    expect(c.received().length).toBeGreaterThan(0);
  });

  test('on a port with TLS passthrough and terminate listeners, silent and stalled clients are closed after the timeout', async () => {
    await expectClosedAfter(MIXED, HANDSHAKE_TIMEOUT, () => undefined);
    const term = await clientHello('term.example.com');
    await expectClosedAfter(MIXED, HANDSHAKE_TIMEOUT, () => term, 2);
  });

  test('a client that completes its handshake is not cut off by the handshake timeout', async () => {
    // a TLSRoute Terminate connection: after the handshake only the TCP idle timeout applies
    const s = tls.connect({ port: gw.ports.get(MIXED)!, host: '127.0.0.1', servername: 'term.example.com', rejectUnauthorized: false });
    s.on('error', () => undefined);
    await new Promise<void>((r) => s.once('secureConnect', () => r()));
    await new Promise((r) => setTimeout(r, HANDSHAKE_TIMEOUT * 1000 + 500));
    const echoed = new Promise<string>((r) => s.once('data', (d: Buffer) => r(d.toString())));
    s.write('still here');
    expect(await echoed).toBe('still here');
    s.destroy();
  });
});

describe('HTTP clients that do not send a request head are closed after --header-timeout', () => {
  test('a client that sends nothing is counted while open and closed after the header timeout', async () => {
    const clients = await expectClosedAfter(HTTP, HEADER_TIMEOUT, () => undefined);
    // nothing was asked: nothing is answered
    for (const c of clients) expect(c.received()).toBe('');
  });

  test('a client that sends only part of the HTTP/2 preface is closed after the header timeout', async () => {
    await expectClosedAfter(HTTP, HEADER_TIMEOUT, () => 'PRI * HTTP/2.0\r\n');
  });

  test('a client that sends only part of a request head gets 408 after the header timeout', async () => {
    const clients = await expectClosedAfter(HTTP, HEADER_TIMEOUT, () => 'GET / HTTP/1.1\r\nHost: a\r\n', 2);
    for (const c of clients) expect(c.received()).toMatch(/^HTTP\/1\.1 408 [^]*x-gateway-error: GW_CLIENT_TIMEOUT/);
  });

  test('a client that never closes its side after the 408 is not kept past the lingering close (5 s)', async () => {
    const s = net.connect({ port: gw.ports.get(HTTP)!, host: '127.0.0.1', allowHalfOpen: true });
    s.on('error', () => undefined);
    s.resume();
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.write('GET / HTTP/1.1\r\nHost: a\r\n');
    await new Promise<void>((r) => s.once('end', () => r()));
    // the gateway ended its side; the connection is still counted until it gives up waiting for the client's FIN
    expect(await gauge(HTTP)).toBe(1);
    // well before --idle-timeout (10 s), which is what closed it before
    await eventually(() => gauge(HTTP), (v) => v === 0, 5000 + 2500);
    s.destroy();
  });

  test('an HTTPS client that finishes its handshake and sends nothing is closed after the header timeout', async () => {
    const s = tls.connect({ port: gw.ports.get(HTTPS)!, host: '127.0.0.1', servername: 'www.example.com', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    s.on('error', () => undefined);
    await new Promise<void>((r) => s.once('secureConnect', () => r()));
    const start = Date.now();
    await new Promise<void>((r) => s.once('close', () => r()));
    expect(Date.now() - start).toBeLessThan(HEADER_TIMEOUT * 1000 + SLACK_MS);
  });

  // later heads are timed from their first byte (the sweep asks llhttp whether a head is in progress)
  test.each([
    ['after an answered request', false],
    ['pipelined behind a request in the same write', true],
  ])('a keep-alive client that sends part of its next head %s gets 408 after the header timeout', async (_, pipelined) => {
    const s = net.connect({ port: gw.ports.get(HTTP)!, host: '127.0.0.1' });
    s.on('error', () => undefined);
    let got = '';
    s.on('data', (d) => { got += d.toString('latin1'); });
    await new Promise<void>((r) => s.once('connect', () => r()));
    const first = 'GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n';
    const partial = 'GET / HTTP/1.1\r\nHost: a';
    s.write(pipelined ? first + partial : first);
    await eventually(() => got, (v) => /^HTTP\/1\.1 200 /.test(v) && v.includes('\r\n\r\n'), 5000);
    const start = Date.now();
    if (!pipelined) s.write(partial);
    await new Promise<void>((r) => s.once('close', () => r()));
    const elapsed = Date.now() - start;
    expect(got).toMatch(/HTTP\/1\.1 408 [^]*x-gateway-error: GW_CLIENT_TIMEOUT/);
    // the header timeout (1 s), well before --idle-timeout (10 s)
    expect(elapsed).toBeGreaterThanOrEqual(HEADER_TIMEOUT * 1000 - 600);
    expect(elapsed).toBeLessThan(HEADER_TIMEOUT * 1000 + SLACK_MS);
  });

  test('a keep-alive connection between requests is kept for --idle-timeout, not the header timeout', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const res = await request(`http://127.0.0.1:${gw.ports.get(HTTP)}/`, { agent });
    expect(res.status).toBe(200);
    const socket = Object.values(agent.freeSockets)[0]![0];
    const start = Date.now();
    await new Promise<void>((r) => socket.once('close', () => r()));
    agent.destroy();
    expect(Date.now() - start).toBeGreaterThanOrEqual(IDLE_TIMEOUT * 1000 - 600);
  });
});

describe('layer-4 ports', () => {
  test('a TCP client that sends nothing is counted while open and closed after --tcp-idle-timeout', async () => {
    await expectClosedAfter(TCP, TCP_IDLE_TIMEOUT, () => undefined, 2);
  });

  test('a UDP client that goes quiet has its session forgotten after --udp-idle-timeout', async () => {
    const client = dgram.createSocket('udp4');
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
    const answered = new Promise<void>((r) => client.once('message', () => r()));
    client.send('ping', gw.ports.get(UDP)!, '127.0.0.1');
    await answered;
    const sessions = () => scrape(gw).then((m) => sumOf(m, 'cdk8s_gateway_udp_sessions', { port: String(UDP) }));
    expect(await sessions()).toBe(1);
    await eventually(sessions, (v) => v === 0, UDP_IDLE_TIMEOUT * 1000 + SLACK_MS);
    client.close();
  });
});

afterEach(async () => {
  // whatever the test held open, the gateway still answers
  expect((await request(`http://127.0.0.1:${gw.ports.get(HTTP)}/`)).status).toBe(200);
});
