/**
 * TLSRoute on the wire: Passthrough routes the ClientHello's server name (exact, then wildcard) to a
 * backend that terminates TLS itself; Terminate decrypts with the listener's certificate and relays the
 * plaintext; HTTPS, Passthrough and Terminate listeners share one port. Clients: Node tls, a client whose
 * ClientHello is split into records and segments, raw sockets, and `openssl s_client`.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { promisify } from 'node:util';
import { selfSignedCert, TestCert, writeSecret } from '../support/certs';
import { ConfigBuilder } from '../support/config-builder';
import { RunningEcho, startEchoServers } from '../support/echo';
import { request } from '../support/http';
import { Spawned, startDataPlane, tempDir } from '../support/processes';
import { sleep, waitFor } from '../support/wait';

const run = promisify(execFile);
const MIXED = 8443;
const PASSTHROUGH_ONLY = 9443;

/** A backend that terminates TLS itself and answers `<name> sni=<servername>` then echoes. */
interface TlsBackend {
  readonly server: tls.Server;
  readonly port: number;
  readonly cert: TestCert;
}

async function tlsBackend(name: string, hosts: string[]): Promise<TlsBackend> {
  const cert = selfSignedCert(hosts);
  const server = tls.createServer({ cert: cert.cert, key: cert.key }, (s) => {
    s.on('error', () => undefined);
    s.write(`${name} sni=${s.servername || ''}\n`);
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as net.AddressInfo).port, cert };
}

let gw: Spawned;
let echoes: RunningEcho[];
let abc: TlsBackend;
let pg: TlsBackend;
let anyDb: TlsBackend;
let queue: net.Server;
let queuePort: number;
let webCert: TestCert;
let queueCert: TestCert;

beforeAll(async () => {
  echoes = await startEchoServers('web');
  abc = await tlsBackend('abc', ['abc.example.com']);
  pg = await tlsBackend('pg', ['pg.db.example.com']);
  anyDb = await tlsBackend('any-db', ['*.db.example.com']);
  // the Terminate listener's backend speaks plaintext: prefixes what it got, and answers a half-close
  queue = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => undefined);
    s.on('data', (d) => s.write(`queue:${d}`));
    s.on('end', () => s.end('queue:bye\n'));
  });
  await new Promise<void>((r) => queue.listen(0, '127.0.0.1', r));
  queuePort = (queue.address() as net.AddressInfo).port;

  const secrets = tempDir('gw-secrets-');
  webCert = selfSignedCert(['*.example.com']);
  queueCert = selfSignedCert(['queue.example.com']);
  writeSecret(secrets, 'default/web-tls', webCert);
  writeSecret(secrets, 'default/queue-tls', queueCert);

  const c = new ConfigBuilder();
  const web = c.backend('web');
  const abcB = c.backend('abc', 8443);
  const pgB = c.backend('pg', 5432);
  const anyB = c.backend('any-db', 5432);
  const queueB = c.backend('queue', 5672);
  // the compiler orders a port's listeners most specific hostname first
  c.tlsListener(MIXED, { name: 'abc', hostname: 'abc.example.com', mode: 'Passthrough' }, [{ route: 'abc', backends: [abcB] }]);
  c.tlsListener(MIXED, { name: 'queue', hostname: 'queue.example.com', mode: 'Terminate', certificates: ['default/queue-tls'] },
    [{ route: 'queue', hostnames: ['queue.example.com'], backends: [queueB] }]);
  c.tlsListener(MIXED, { name: 'db', hostname: '*.db.example.com', mode: 'Passthrough' }, [
    { route: 'pg', hostnames: ['pg.db.example.com'], backends: [pgB] },
    { route: 'any-db', hostnames: ['*.db.example.com'], backends: [anyB] },
  ]);
  const https = c.listener(MIXED, { name: 'https', hostname: '*.example.com', certificates: ['default/web-tls'] });
  c.route(https, { route: 'web', backends: [web] });
  c.tlsListener(PASSTHROUGH_ONLY, { name: 'only', hostname: 'only.example.com', mode: 'Passthrough' }, [{ route: 'only', backends: [abcB] }]);
  gw = await startDataPlane({
    config: c.build(),
    secretsDir: secrets,
    backends: {
      [web]: echoes[0].target,
      [abcB]: `127.0.0.1:${abc.port}`,
      [pgB]: `127.0.0.1:${pg.port}`,
      [anyB]: `127.0.0.1:${anyDb.port}`,
      [queueB]: `127.0.0.1:${queuePort}`,
    },
    args: ['--tls-handshake-timeout', '1'],
  });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
  for (const s of [abc?.server, pg?.server, anyDb?.server, queue]) s?.close();
});

/** A TLS client on `port` with SNI `servername`, trusting `ca`; resolves once the first line arrived. */
type FirstLine = { line: string; peer: tls.PeerCertificate; s: tls.TLSSocket };
function tlsLine(port: number, servername: string, ca: string, socket?: Duplex): Promise<FirstLine> {
  return new Promise((resolve, reject) => {
    const opts: tls.ConnectionOptions = socket ? { socket, servername, ca } : { host: '127.0.0.1', port: gw.ports.get(port)!, servername, ca };
    const s = tls.connect(opts);
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      if (buf.includes('\n')) resolve({ line: buf.slice(0, buf.indexOf('\n')), peer: s.getPeerCertificate(), s });
    });
    s.on('error', reject);
  });
}

test('Passthrough: the backend terminates TLS (its own certificate) and gets the client SNI; bytes flow both ways', async () => {
  const { line, peer, s } = await tlsLine(MIXED, 'abc.example.com', abc.cert.cert);
  expect(line).toBe('abc sni=abc.example.com');
  expect(peer.subject.CN).toBe('abc.example.com');
  s.write('hello\n');
  await new Promise<void>((r) => s.on('data', (d: string) => d.includes('hello') && r()));
  s.destroy();
});

test('Passthrough: a client half-close reaches the backend, whose answer still reaches the client', async () => {
  const got = await new Promise<string>((resolve, reject) => {
    // the backend echoes, and ends its side when the client's close_notify and FIN came through
    const s = tls.connect({ host: '127.0.0.1', port: gw.ports.get(MIXED)!, servername: 'abc.example.com', ca: abc.cert.cert, allowHalfOpen: true }, () => {
      s.end('sent with the FIN\n');
    });
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => { buf += d; });
    s.on('end', () => resolve(buf));
    s.on('error', reject);
  });
  expect(got).toBe('abc sni=abc.example.com\nsent with the FIN\n');
});

test('Passthrough: a wildcard listener routes the exact TLSRoute hostname first, others to the wildcard route', async () => {
  const exact = await tlsLine(MIXED, 'pg.db.example.com', pg.cert.cert);
  expect(exact.line).toBe('pg sni=pg.db.example.com');
  exact.s.destroy();
  const other = await tlsLine(MIXED, 'orders.db.example.com', anyDb.cert.cert);
  expect(other.line).toBe('any-db sni=orders.db.example.com');
  other.s.destroy();
});

test('HTTPS on the same port: a name only the wildcard HTTPS listener matches is terminated by the gateway', async () => {
  const res = await new Promise<string>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: gw.ports.get(MIXED)!, servername: 'shop.example.com', ca: webCert.cert, ALPNProtocols: ['http/1.1'] }, () => {
      // the client half-closes right after its request, and still gets the answer
      s.end('GET /hi HTTP/1.1\r\nhost: shop.example.com\r\n\r\n');
    });
    let data = '';
    s.on('data', (d) => { data += d; });
    s.on('end', () => resolve(data));
    s.on('error', reject);
  });
  expect(res).toMatch(/^HTTP\/1\.1 200/);
  expect(JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4))).toMatchObject({ pod: 'web', path: '/hi' });
});

test('Terminate: the gateway presents the listener certificate and relays plaintext, half-close included', async () => {
  const { line, peer, s } = await new Promise<{ line: string; peer: tls.PeerCertificate; s: tls.TLSSocket }>((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port: gw.ports.get(MIXED)!, servername: 'queue.example.com', ca: queueCert.cert, allowHalfOpen: true }, () => {
      sock.write('publish\n');
    });
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      if (buf.includes('\n')) resolve({ line: buf.slice(0, buf.indexOf('\n')), peer: sock.getPeerCertificate(), s: sock });
    });
    sock.on('error', reject);
  });
  expect(peer.subject.CN).toBe('queue.example.com');
  expect(line).toBe('queue:publish');
  let rest = '';
  s.on('data', (d: string) => { rest += d; });
  const ended = new Promise((r) => s.on('end', r));
  s.end();
  await ended;
  expect(rest).toBe('queue:bye\n');
});

/**
 * A duplex in front of a TCP socket that re-frames the client's first flight (the ClientHello) into TLS
 * records of `recordSize` bytes and writes them in separate segments, `delayMs` apart.
 */
function fragmentingSocket(port: number, recordSize: number, delayMs: number): Duplex {
  const raw = net.connect({ host: '127.0.0.1', port });
  let first = true;
  const d = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (!first) return raw.write(chunk, cb);
      first = false;
      // chunk: one handshake record (type 22, version, length, ClientHello)
      const body = chunk.subarray(5, 5 + chunk.readUInt16BE(3));
      const records: Buffer[] = [];
      for (let i = 0; i < body.length; i += recordSize) {
        const part = body.subarray(i, i + recordSize);
        const h = Buffer.from([22, 3, 1, 0, 0]);
        h.writeUInt16BE(part.length, 3);
        records.push(Buffer.concat([h, part]));
      }
      const bytes = Buffer.concat([...records, chunk.subarray(5 + body.length)]);
      (async () => {
        for (let i = 0; i < bytes.length; i += 7) {
          raw.write(bytes.subarray(i, i + 7));
          if (i % 70 === 0) await sleep(delayMs);
        }
        cb();
      })().catch(cb);
      return undefined;
    },
    final(cb) {
      raw.end();
      cb();
    },
    destroy(err, cb) {
      raw.destroy();
      cb(err);
    },
  });
  raw.on('data', (c) => {
    if (!d.push(c)) raw.pause();
  });
  raw.on('end', () => d.push(null));
  raw.on('error', (e) => d.destroy(e));
  return d;
}

test('a ClientHello split into many records and segments is still routed (and the backend gets it as sent)', async () => {
  const sock = fragmentingSocket(gw.ports.get(MIXED)!, 60, 5);
  const { line, s } = await tlsLine(MIXED, 'pg.db.example.com', pg.cert.cert, sock);
  expect(line).toBe('pg sni=pg.db.example.com');
  s.destroy();
});

test('a client that stalls inside its ClientHello is closed after the handshake timeout', async () => {
  const s = net.connect({ host: '127.0.0.1', port: gw.ports.get(MIXED)! });
  await new Promise((r) => s.on('connect', r));
  s.write(Buffer.from([22, 3, 1, 0x02, 0x00, 1, 0, 1])); // a record announcing 512 bytes, then nothing
  const started = Date.now();
  const got: Buffer[] = [];
  s.on('data', (c) => got.push(c));
  await new Promise((r) => s.on('close', r));
  expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  // a decode_error alert, then the close
  expect(Buffer.concat(got)).toEqual(Buffer.from([21, 3, 1, 0, 2, 2, 50]));
});

test('plain HTTP on a TLS port gets a TLS alert, not a hang', async () => {
  const s = net.connect({ host: '127.0.0.1', port: gw.ports.get(MIXED)! }, () => s.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n'));
  const got: Buffer[] = [];
  s.on('data', (c) => got.push(c));
  s.on('error', () => undefined);
  await new Promise((r) => s.on('close', r));
  expect(Buffer.concat(got)).toEqual(Buffer.from([21, 3, 1, 0, 2, 2, 50]));
});

/** `openssl s_client` with stdin closed: its output (stdout and stderr). */
async function sClient(args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('sh', ['-c', `openssl s_client ${args.join(' ')} < /dev/null`], { timeout: 15_000 });
    return stdout + stderr;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return (err.stdout ?? '') + (err.stderr ?? '');
  }
}

test('openssl s_client: passthrough shows the backend certificate, verified against its own CA', async () => {
  const dir = tempDir('gw-ca-');
  const caFile = `${dir}/abc.crt`;
  fs.writeFileSync(caFile, abc.cert.cert);
  const out = await sClient(['-connect', `127.0.0.1:${gw.ports.get(MIXED)}`, '-servername', 'abc.example.com', '-CAfile', caFile, '-verify_hostname', 'abc.example.com']);
  expect(out).toMatch(/subject=CN\s?=\s?abc\.example\.com/);
  expect(out).toMatch(/Verify return code: 0 \(ok\)/);
});

test('openssl s_client: an unknown server name, or none, on a passthrough-only port is refused by closing the connection, no alert', async () => {
  for (const args of [['-servername', 'other.example.com'], ['-noservername']]) {
    const out = await sClient(['-connect', `127.0.0.1:${gw.ports.get(PASSTHROUGH_ONLY)}`, ...args]);
    expect(out).not.toMatch(/alert/i);
    expect(out).toMatch(/SSL handshake has read 0 bytes/);
  }
});

test('TLS connections are counted by listener and mode, and passthrough connections are logged with their server name', async () => {
  const m = (await request(`http://127.0.0.1:${gw.adminPort}/metrics`)).body;
  const count = (part: string) => Number(m.split('\n').find((l) => l.startsWith('cdk8s_gateway_tls_connections_total') && l.includes(part))?.split(' ').pop() ?? 0);
  expect(count('listener="abc",mode="Passthrough"')).toBeGreaterThanOrEqual(2);
  expect(count('listener="queue",mode="Terminate"')).toBe(1);
  expect(count('listener="https",mode="HTTPS"')).toBe(1);
  expect(count('mode="GW_UNKNOWN_SERVER_NAME"')).toBe(2);
  expect(count('mode="GW_BAD_CLIENT_HELLO"')).toBe(2);
  await waitFor(() => gw.json().some((l) => l.msg === 'access' && l.protocol === 'Passthrough' && l.serverName === 'pg.db.example.com'));
  const line = gw.json().find((l) => l.msg === 'access' && l.protocol === 'Passthrough' && l.serverName === 'pg.db.example.com')!;
  expect(line).toMatchObject({ listener: 'db', route: 'TLSRoute/default/pg', backend: 'default/pg:5432', result: 'ok' });
});
