/**
 * Clients that half-close (send FIN) right after their request, as `printf 'GET / ...' | nc -N` or a script
 * calling `socket.end(request)` do: they still get every response they asked for, then the gateway closes
 * its side too. HTTP and HTTPS ports (TLS 1.2 and 1.3), bodies, pipelining, a FIN that cuts a request short,
 * and a FIN on an idle keep-alive connection. A client that half-closed may also be gone for good (a closed
 * socket sends the same FIN), so its answer is not awaited past the idle timeout (1 s here).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { selfSignedCert, writeSecret } from '../support/certs';
import { ConfigBuilder } from '../support/config-builder';
import { RunningEcho, startEchoServers } from '../support/echo';
import { scrape, sumOf } from '../support/metrics';
import { Spawned, startDataPlane, tempDir } from '../support/processes';
import { eventually } from '../support/wait';

const HTTP = 80;
const HTTPS = 443;
const cert = selfSignedCert(['secure.example.com']);

let gw: Spawned;
let echoes: RunningEcho[];

beforeAll(async () => {
  echoes = await startEchoServers('echo');
  const secrets = tempDir('gw-secrets-');
  writeSecret(secrets, 'default/secure', cert);
  const b = new ConfigBuilder();
  const echo = b.backend('echo');
  b.route(b.listener(HTTP, { name: 'web' }), { route: 'web', backends: [echo] });
  b.route(b.listener(HTTPS, { name: 'secure', hostname: 'secure.example.com', certificates: ['default/secure'] }), { route: 'secure', backends: [echo] });
  gw = await startDataPlane({ config: b.build(), secretsDir: secrets, backends: { [echo]: echoes[0].target }, args: ['--idle-timeout', '1'] });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
});

type Transport = 'tcp' | 'TLSv1.2' | 'TLSv1.3';

const tlsOptions = (port: number): tls.ConnectionOptions =>
  ({ host: '127.0.0.1', port, servername: 'secure.example.com', ca: cert.cert, allowHalfOpen: true, ALPNProtocols: ['http/1.1'] });

/**
 * Connects, writes `data` and half-closes at once (FIN, or close_notify then FIN over TLS); resolves with
 * everything read once the gateway closed its side ('end'), rejects when it never does.
 */
function sendThenFin(transport: Transport, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const port = gw.ports.get(transport === 'tcp' ? HTTP : HTTPS)!;
    const s: net.Socket = transport === 'tcp'
      ? net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => s.end(data))
      : tls.connect({ ...tlsOptions(port), minVersion: transport, maxVersion: transport }, () => s.end(data));
    let got = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => { got += d; });
    s.on('end', () => resolve(got));
    s.on('error', (e) => reject(new Error(`${e.message} after reading ${JSON.stringify(got)}`)));
    setTimeout(() => {
      s.destroy();
      reject(new Error(`the gateway did not close its side; read ${JSON.stringify(got)}`));
    }, 5000).unref();
  });
}

/** The responses in a byte stream: status and parsed JSON body of each (content-length framed). */
function responses(raw: string): { status: number; headers: string; json: any }[] {
  const out = [];
  let rest = raw;
  while (rest.length) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`truncated response head: ${JSON.stringify(rest)}`);
    const head = rest.slice(0, end);
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? NaN);
    if (Number.isNaN(length)) throw new Error(`response without content-length: ${head}`);
    const body = rest.slice(end + 4, end + 4 + length);
    if (body.length < length) throw new Error(`truncated body: ${JSON.stringify(body)}`);
    out.push({ status: Number(head.slice(9, 12)), headers: head, json: JSON.parse(body) });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

const host = (t: Transport) => (t === 'tcp' ? 'a.example.com' : 'secure.example.com');

describe.each<Transport>(['tcp', 'TLSv1.2', 'TLSv1.3'])('a client that half-closes over %s', (t) => {
  test('gets the whole response to a request sent with its FIN, then the connection closes', async () => {
    // the backend answers after the FIN has arrived
    const raw = await sendThenFin(t, `GET /fin?delay=100 HTTP/1.1\r\nHost: ${host(t)}\r\n\r\n`);
    const [res, ...more] = responses(raw);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ pod: 'echo', path: '/fin?delay=100' });
    expect(res.headers).toMatch(/\r\nconnection: close/i);
    expect(more).toEqual([]);
  });

  test('a request body followed by FIN reaches the backend whole, and the answer reaches the client', async () => {
    const body = 'x'.repeat(50_000);
    const raw = await sendThenFin(t, `POST /upload HTTP/1.1\r\nHost: ${host(t)}\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const [res] = responses(raw);
    expect(res.status).toBe(200);
    expect(res.json.bodyBytes).toBe(body.length);
  });

  test('pipelined requests followed by FIN are all answered, in order', async () => {
    const reqs = [1, 2, 3].map((i) => `GET /p${i}?delay=${80 - i * 20} HTTP/1.1\r\nHost: ${host(t)}\r\n\r\n`).join('');
    const all = responses(await sendThenFin(t, reqs));
    expect(all.map((r) => r.json.path)).toEqual(['/p1?delay=60', '/p2?delay=40', '/p3?delay=20']);
    // only the last answer announces the close
    expect(all.map((r) => /\r\nconnection: close/i.test(r.headers))).toEqual([false, false, true]);
  });
});

test('a FIN in the middle of a request body is answered 400 GW_BAD_REQUEST, then the connection closes', async () => {
  const raw = await sendThenFin('tcp', 'POST /cut HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nonly part of it');
  expect(raw).toMatch(/^HTTP\/1\.1 400 /);
  expect(raw).toMatch(/x-gateway-error: GW_BAD_REQUEST/);
});

test('a FIN in the middle of a request head is answered 400 GW_BAD_REQUEST, then the connection closes', async () => {
  const raw = await sendThenFin('tcp', 'GET /cut HTTP/1.1\r\nHost: a\r\n');
  expect(raw).toMatch(/^HTTP\/1\.1 400 /);
  expect(raw).toMatch(/x-gateway-error: GW_BAD_REQUEST/);
});

test('a client that half-closed is not waited for past the idle timeout: its request is cancelled as aborted', async () => {
  // it may be gone for good (a FIN is all a closed socket sends): the backend's slow answer is not awaited
  expect(await sendThenFin('tcp', 'GET /slow?delay=4000 HTTP/1.1\r\nHost: a\r\n\r\n')).toBe('');
  const line = await gw.waitForLine(/"msg":"access".*"path":"\/slow"/);
  expect(JSON.parse(line)).toMatchObject({ status: 499, error: 'GW_CLIENT_ABORTED' });
});

test('a FIN on an idle keep-alive connection closes it at once', async () => {
  for (const t of ['tcp', 'TLSv1.3'] as const) {
    const ended = await new Promise<string>((resolve, reject) => {
      const port = gw.ports.get(t === 'tcp' ? HTTP : HTTPS)!;
      const s: net.Socket = t === 'tcp'
        ? net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => s.write(`GET /ka HTTP/1.1\r\nHost: ${host(t)}\r\n\r\n`))
        : tls.connect(tlsOptions(port), () => s.write(`GET /ka HTTP/1.1\r\nHost: ${host(t)}\r\n\r\n`));
      s.setEncoding('latin1');
      s.on('data', (d: string) => {
        // the response arrived on a kept-alive connection: now half-close it
        if (d.includes('"path":"/ka"')) s.end();
      });
      s.on('end', () => resolve('closed by the gateway'));
      s.on('error', reject);
      setTimeout(() => reject(new Error('still open')), 5000).unref();
    });
    expect(ended).toBe('closed by the gateway');
  }
  // and nothing is left open behind it
  await eventually(async () => sumOf(await scrape(gw), 'cdk8s_gateway_active_connections'), (n) => n === 0);
});
