/**
 * Wire-level fuzzing: bad input never crashes the data plane. Random malformed HTTP/1.1 requests, random
 * HTTP/2 frames after the h2c preface, mutated and random TLS ClientHellos, random bytes on TCP and UDP
 * listeners; after each batch the process is alive and ordinary requests on every port still succeed.
 * fast-check prints the seed of a failing run (replay with `{ seed, path }` in fc.assert).
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as tls from 'node:tls';
import fc from 'fast-check';
import { selfSignedCert, writeSecret } from '../support/certs';
import { ConfigBuilder } from '../support/config-builder';
import { RunningEcho, startEchoServers, startTcpEcho } from '../support/echo';
import { request, request2 } from '../support/http';
import { Spawned, startDataPlane, tempDir } from '../support/processes';

const HTTP = 80;
const TLS = 443;
const TCP = 9000;
const UDP = 9053;
const cert = selfSignedCert(['web.example.com', 'pass.example.com']);
let gw: Spawned;
let echoes: RunningEcho[];
let tcpEcho: RunningEcho;
let udpEcho: dgram.Socket;
/** A real ClientHello (from Node's TLS client), the seed of the mutations. */
let clientHello: Buffer;

beforeAll(async () => {
  echoes = await startEchoServers('echo');
  tcpEcho = await startTcpEcho();
  udpEcho = dgram.createSocket('udp4');
  udpEcho.on('message', (m, r) => udpEcho.send(m, r.port, r.address));
  await new Promise<void>((r) => udpEcho.bind(0, '127.0.0.1', r));
  clientHello = await captureClientHello();

  const secrets = tempDir('gw-fuzz-');
  writeSecret(secrets, 'default/web-tls', cert);
  const c = new ConfigBuilder();
  const echo = c.backend('echo');
  const tcp = c.backend('tcp-echo', 9000);
  const udp = c.backend('udp-echo', 53);
  c.route(c.listener(HTTP, { name: 'web' }), { route: 'web', backends: [echo] });
  c.route(c.listener(TLS, { name: 'https', hostname: 'web.example.com', certificates: ['default/web-tls'] }), { route: 'https', backends: [echo] });
  // a TLS listener on the same port: every ClientHello goes through the data plane's own parser first
  c.tlsListener(TLS, { name: 'pass', hostname: 'pass.example.com', mode: 'Passthrough' }, [{ route: 'pass', backends: [tcp] }]);
  c.tcpListener(TCP, 'tcp', { route: 'tcp', backends: [tcp] });
  c.udpListener(UDP, 'udp', { route: 'udp', backends: [udp] });
  gw = await startDataPlane({
    config: c.build(),
    secretsDir: secrets,
    backends: {
      'default/echo:80': echoes[0].target,
      'default/tcp-echo:9000': tcpEcho.target,
      'default/udp-echo:53': `127.0.0.1:${udpEcho.address().port}`,
    },
  });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
  await tcpEcho?.close();
  udpEcho?.close();
});

/** Connects a TLS client to a throwaway server and keeps the first bytes it sends. */
function captureClientHello(): Promise<Buffer> {
  return new Promise((resolve) => {
    const server = net.createServer((s) => s.once('data', (d: Buffer) => {
      resolve(d);
      s.destroy();
      server.close();
    }));
    server.listen(0, '127.0.0.1', () => {
      const client = tls.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', servername: 'web.example.com', ALPNProtocols: ['h2', 'http/1.1'] });
      client.on('error', () => undefined);
    });
  });
}

/** Sends `data` in `chunks` writes, then waits until the gateway closes, answers and goes quiet, or 300 ms pass. */
function send(port: number, data: Buffer, chunks = 1): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(gw.ports.get(port)!, '127.0.0.1');
    let quiet: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(timer);
      clearTimeout(quiet);
      s.destroy();
      resolve();
    };
    const timer = setTimeout(done, 300);
    s.on('error', done);
    s.on('close', done);
    s.on('data', () => {
      clearTimeout(quiet);
      quiet = setTimeout(done, 50);
    });
    s.on('connect', () => {
      const size = Math.ceil(data.length / chunks) || 1;
      for (let i = 0; i < data.length; i += size) s.write(data.subarray(i, i + size));
    });
  });
}

/**
 * The process is running and logged no exception: its uncaughtException handler keeps it up and logs one,
 * so that is what a crash looks like here.
 */
function alive(): void {
  expect(gw.exitCode).toBeUndefined();
  expect(gw.json().filter((l) => l.level === 'error').map((l) => `${l.msg}: ${l.error}\n${l.stack}`)).toEqual([]);
  expect(gw.stderr.join('')).toBe('');
}

/** The data plane is alive and serves an ordinary request on every port. */
async function stillServing(): Promise<void> {
  alive();
  expect((await request(gw.url(HTTP, '/ok'))).status).toBe(200);
  expect((await request2(gw.url(HTTP, '/ok-h2c'))).status).toBe(200);
  const https = await request2(`https://127.0.0.1:${gw.ports.get(TLS)}/ok-tls`, { ca: cert.cert, servername: 'web.example.com' });
  expect(https.status).toBe(200);
  const echoed = await new Promise<string>((resolve, reject) => {
    const s = net.connect(gw.ports.get(TCP)!, '127.0.0.1', () => s.write('ping'));
    s.on('data', (d) => {
      resolve(String(d));
      s.destroy();
    });
    s.on('error', reject);
  });
  expect(echoed).toBe('ping');
  // (log lines are written in batches: those of the fuzzing are out by now)
  alive();
}

const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 40) };
jest.setTimeout(60_000);
const batch = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.array(a, { minLength: 1, maxLength: 8 });
const bytes = (maxLength: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((u) => Buffer.from(u));

const token = fc.constantFrom('GET', 'POST', 'PUT', 'CONNECT', 'OPTIONS', 'PRI', 'G\u0000T', '', ' ', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 ',
  '/', '*', 'http://a/', '//a', '/%', '/%2f', '/..', 'a'.repeat(300), '\r', '\n', '\t');
const headerName = fc.constantFrom('Host', 'Content-Length', 'Transfer-Encoding', 'Connection', 'Upgrade', 'Expect', 'TE', 'X', 'Host ', ' Host', 'Content-Length\u0000', '');
const headerValue = fc.oneof(fc.constantFrom('a', 'chunked', 'chunked, gzip', '-1', '0', '99999999999999999999', '5', 'close', 'h2c', '100-continue', 'trailers', 'keep-alive'),
  fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));
const chunkedBody = fc.array(fc.oneof(fc.constantFrom('0\r\n\r\n', '5\r\nhello\r\n', 'ffffffffffffffff\r\n', 'z\r\n', '3;ext=1\r\nabc\r\n', '\r\n'), fc.string({ maxLength: 10 })), { maxLength: 6 })
  .map((a) => a.join(''));

/** A request head and body from HTTP/1.1 fragments, sometimes nearly valid, never guaranteed to be. */
const http1Request = fc.tuple(fc.array(token, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }),
  fc.constantFrom('\r\n', '\n', '\r\r\n'), fc.oneof(chunkedBody, fc.string({ maxLength: 50 })), bytes(40), fc.integer({ min: 1, max: 4 }))
  .map(([line, headers, eol, body, tail, chunks]) => ({
    data: Buffer.concat([Buffer.from(line.join(' ') + eol + headers.map(([n, v]) => `${n}: ${v}${eol}`).join('') + eol + body, 'latin1'), tail]),
    chunks,
  }));

test('malformed HTTP/1.1 requests never crash the data plane', async () => {
  await fc.assert(fc.asyncProperty(batch(http1Request), async (reqs) => {
    await Promise.all(reqs.map((r) => send(HTTP, r.data, r.chunks)));
    alive();
  }), RUNS);
  await stillServing();
});

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** An HTTP/2 frame: 9-byte header (length, type, flags, stream) and a payload; the length may lie. */
const h2Frame = fc.record({
  type: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 255 })),
  flags: fc.integer({ min: 0, max: 255 }),
  stream: fc.oneof(fc.constantFrom(0, 1, 2, 3, 5, 0x7fffffff), fc.integer({ min: 0, max: 0xffffffff })),
  payload: bytes(64),
  lie: fc.option(fc.integer({ min: 0, max: 0xffffff }), { freq: 5 }),
}).map((f) => {
  const header = Buffer.alloc(9);
  header.writeUIntBE(f.lie ?? f.payload.length, 0, 3);
  header[3] = f.type;
  header[4] = f.flags;
  header.writeUInt32BE(f.stream, 5);
  return Buffer.concat([header, f.payload]);
});
const SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);

test('random HTTP/2 frames after the h2c preface never crash the data plane', async () => {
  await fc.assert(fc.asyncProperty(batch(fc.tuple(fc.boolean(), fc.array(h2Frame, { minLength: 1, maxLength: 6 }))), async (conns) => {
    await Promise.all(conns.map(([settings, frames]) => send(HTTP, Buffer.concat([PREFACE, ...(settings ? [SETTINGS] : []), ...frames]))));
    alive();
  }), RUNS);
  await stillServing();
});

/** A real ClientHello with bytes overwritten, cut short or with bytes inserted; or a record of noise. */
const tlsGarbage = fc.oneof(
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((edits) => {
    const b = Buffer.from(clientHello);
    for (const [at, v] of edits) b[at % b.length] = v;
    return b;
  }),
  fc.nat().map((n) => clientHello.subarray(0, n % clientHello.length)),
  fc.tuple(fc.nat(), bytes(32)).map(([n, ins]) => {
    const at = n % clientHello.length;
    return Buffer.concat([clientHello.subarray(0, at), ins, clientHello.subarray(at)]);
  }),
  fc.tuple(fc.integer({ min: 0, max: 0xffff }), bytes(200)).map(([len, rest]) => {
    const h = Buffer.from([22, 3, 1, 0, 0]);
    h.writeUInt16BE(len, 3);
    return Buffer.concat([h, rest]);
  }),
  bytes(300),
);

test('mutated and random TLS ClientHellos never crash the data plane', async () => {
  await fc.assert(fc.asyncProperty(batch(fc.tuple(tlsGarbage, fc.integer({ min: 1, max: 5 }))), async (hellos) => {
    await Promise.all(hellos.map(([b, chunks]) => send(TLS, b, chunks)));
    alive();
  }), RUNS);
  await stillServing();
});

test('random bytes on TCP and UDP listeners never crash the data plane', async () => {
  const udp = dgram.createSocket('udp4');
  await fc.assert(fc.asyncProperty(batch(bytes(2000)), async (payloads) => {
    for (const p of payloads) udp.send(p, gw.ports.get(UDP)!, '127.0.0.1');
    await Promise.all(payloads.map((p) => send(TCP, p, 3)));
    alive();
  }), RUNS);
  udp.close();
  await stillServing();
});
