/**
 * A TLS connection whose server name no listener or TLSRoute accepts is refused by closing it, with no TLS alert:
 * the Gateway API conformance suite's TLS helper (MakeTLSConnectionAndExpectEventuallyConnectionRejection) counts
 * only a closed connection (EOF or a reset) as a rejection, and Go's client reports an alert as another error.
 * Driven by the suite's TLSRouteHostnameIntersection manifest (conformance/tests/tlsroute-hostname-intersection.yaml):
 * its four Gateways, each a Passthrough listener on 443 with another hostname, are served as they are, with the
 * cases of its Go test; then a Node TLS client, `openssl s_client` and a raw socket look at what a refusal sends.
 */
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { promisify } from 'node:util';
import { selfSignedCert, TestCert } from '../support/certs';
import { compileConformance, conformanceConfig, conformanceManifestsPresent, infraBackend } from '../support/conformance';
import { Spawned, startDataPlane } from '../support/processes';

const run = promisify(execFile);

/** A backend that terminates TLS itself (the suite's tls-backend) and answers its name and the server name it got. */
async function tlsBackend(name: string, cert: TestCert): Promise<{ server: tls.Server; target: string }> {
  const server = tls.createServer({ cert: cert.cert, key: cert.key }, (s) => {
    s.on('error', () => undefined);
    s.end(`${name} sni=${s.servername || ''}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, target: `127.0.0.1:${(server.address() as net.AddressInfo).port}` };
}

/** What a Node TLS client gets: the backend's line, or the error the handshake failed with (and the bytes that came first). */
function connect(port: number, servername: string, ca: string): Promise<{ line?: string; error?: NodeJS.ErrnoException; received: number }> {
  return new Promise((resolve) => {
    const raw = net.connect({ host: '127.0.0.1', port });
    let received = 0;
    raw.on('data', (c: Buffer) => { received += c.length; });
    const s = tls.connect({ socket: raw, servername, ca });
    let line = '';
    let error: NodeJS.ErrnoException | undefined;
    s.setEncoding('utf8');
    s.on('data', (d: string) => { line += d; });
    s.on('error', (e: NodeJS.ErrnoException) => { error = e; });
    s.on('close', () => resolve({ line: line.trim() || undefined, error, received }));
  });
}

const maybe = conformanceManifestsPresent() ? describe : describe.skip;

maybe('TLSRouteHostnameIntersection (tlsroute-hostname-intersection.yaml)', () => {
  const cert = selfSignedCert(['abc.example.com', 'other.example.com']);
  const planes = new Map<string, Spawned>();
  const backends: tls.Server[] = [];

  beforeAll(async () => {
    const one = await tlsBackend('tls-backend', cert);
    const two = await tlsBackend('tls-backend-2', cert);
    backends.push(one.server, two.server);
    const result = compileConformance('tlsroute-hostname-intersection.yaml');
    const map = { [infraBackend('tls-backend', 443)]: one.target, [infraBackend('tls-backend-2', 443)]: two.target };
    for (const gw of ['gw-tlsroute-exact-hostname-x-1', 'gw-tlsroute-more-specific-wc-hostname-x-2', 'gw-tlsroute-less-specific-wc-hostname-x-3', 'gw-tlsroute-empty-hostname-x-4']) {
      planes.set(gw, await startDataPlane({ config: conformanceConfig(result, gw), backends: map }));
    }
  });

  afterAll(async () => {
    await Promise.all([...planes.values()].map((p) => p.stop()));
    for (const b of backends) b.close();
  });

  const port = (gw: string) => planes.get(gw)!.ports.get(443)!;

  test.each([
    ['gw-tlsroute-exact-hostname-x-1', 'abc.example.com', 'tls-backend'],
    ['gw-tlsroute-exact-hostname-x-1', 'non.matching.com', undefined],
    ['gw-tlsroute-more-specific-wc-hostname-x-2', 'abc.example.com', 'tls-backend'],
    ['gw-tlsroute-more-specific-wc-hostname-x-2', 'other.example.com', 'tls-backend-2'],
    ['gw-tlsroute-more-specific-wc-hostname-x-2', 'non.matching.com', undefined],
    ['gw-tlsroute-less-specific-wc-hostname-x-3', 'abc.example.com', 'tls-backend'],
    ['gw-tlsroute-less-specific-wc-hostname-x-3', 'other.example.com', 'tls-backend-2'],
    ['gw-tlsroute-less-specific-wc-hostname-x-3', 'non.matching.com', undefined],
    ['gw-tlsroute-empty-hostname-x-4', 'abc.example.com', 'tls-backend'],
    ['gw-tlsroute-empty-hostname-x-4', 'other.example.com', 'tls-backend-2'],
    ['gw-tlsroute-empty-hostname-x-4', 'non.matching.org', undefined],
  ])('%s, server name %s: %s', async (gw, name, backend) => {
    const res = await connect(port(gw), name, cert.cert);
    if (backend) {
      expect(res.line).toBe(`${backend} sni=${name}`);
    } else {
      // closed before the handshake: no ServerHello and no alert, not one byte
      expect(res.received).toBe(0);
      expect(res.error?.code).toBe('ECONNRESET');
      expect(res.error?.message).toMatch(/disconnected before secure TLS connection was established/);
    }
  });

  test('openssl s_client sees the connection closed without an alert', async () => {
    let out: string;
    try {
      const r = await run('sh', ['-c', `openssl s_client -connect 127.0.0.1:${port('gw-tlsroute-exact-hostname-x-1')} -servername non.matching.com < /dev/null`], { timeout: 15_000 });
      out = r.stdout + r.stderr;
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      out = (err.stdout ?? '') + (err.stderr ?? '');
    }
    expect(out).not.toMatch(/alert/i);
    expect(out).toMatch(/SSL handshake has read 0 bytes/);
    expect(out).toMatch(/unexpected eof while reading/);
  });

  test('the refusal is logged and counted as GW_UNKNOWN_SERVER_NAME', async () => {
    const gw = planes.get('gw-tlsroute-exact-hostname-x-1')!;
    await gw.waitForLine(/"msg":"TLS connection refused".*"code":"GW_UNKNOWN_SERVER_NAME".*"serverName":"non.matching.com"/);
  });
});
