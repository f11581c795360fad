/**
 * Client certificates both ways. Frontend (Gateway spec.tls.frontend): AllowValidOnly serves only clients
 * whose certificate verifies against the port's CA bundle; AllowInsecureFallback serves everyone and forwards
 * an identity only for verified ones; the identity header is never taken from the client. Backend
 * (BackendTLSPolicy + Gateway spec.tls.backend.clientCertificateRef): the gateway verifies the backend by
 * CA bundle, hostname or subjectAltNames, and presents its client certificate, for HTTP and for a TLSRoute
 * that terminates and re-encrypts. Clients: Node https/http2/tls and `openssl s_client`.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { promisify } from 'node:util';
import type { BackendTlsConfig } from '../../src/config/dataplane-config';
import { issue, selfSignedCert, TestCert, testCa, writeCaBundle, writeSecret } from '../support/certs';
import { ConfigBuilder, prefix } from '../support/config-builder';
import { RunningEcho, startEchoServers } from '../support/echo';
import { request } from '../support/http';
import { scrape, sumOf } from '../support/metrics';
import { Spawned, startDataPlane, tempDir } from '../support/processes';
import { eventually, waitFor } from '../support/wait';

const run = promisify(execFile);
const STRICT = 443;
const FALLBACK = 8443;
const WEB = 80;
const REENCRYPT = 9443;

const clientCa = testCa('Client CA');
const alice = issue(clientCa, { subject: '/CN=alice/O=shop', dns: ['alice.shop.example.com'], uris: ['spiffe://example.com/ns/shop/sa/alice'] });
const rogueCa = testCa('Rogue CA');
const mallory = issue(rogueCa, { subject: '/CN=mallory' });
const serverCert = selfSignedCert(['secure.example.com', 'fallback.example.com', 'reencrypt.example.com']);
// the backends' side: their own CA, and the mesh CA that signed the gateway's client certificate
const backendCa = testCa('Backend CA');
const payments = issue(backendCa, { subject: '/CN=payments', dns: ['payments.internal'], uris: ['spiffe://cluster/payments'], usage: 'serverAuth' });
const meshCa = testCa('Mesh CA');
const gatewayClient = issue(meshCa, { subject: '/CN=edge-gateway/O=platform' });

let gw: Spawned;
let echoes: RunningEcho[];
let paymentsServer: https.Server;
let paymentsTcp: tls.Server;
let selfSignedBackend: https.Server;
const work = tempDir('gw-mtls-');
const files: Record<string, string> = {};

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

beforeAll(async () => {
  echoes = await startEchoServers('echo');
  // an HTTPS backend that only talks to clients of the mesh CA and says who they were
  const requireClient = { key: payments.key, cert: payments.cert, ca: meshCa.cert, requestCert: true, rejectUnauthorized: true };
  paymentsServer = https.createServer(requireClient, (req, res) => {
    const sock = req.socket as tls.TLSSocket;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ backend: 'payments', client: sock.getPeerCertificate().subject?.CN, servername: sock.servername }));
  });
  const paymentsPort = await listen(paymentsServer);
  // the same, for a TLSRoute: a TCP protocol over TLS
  paymentsTcp = tls.createServer(requireClient, (s) => {
    s.on('error', () => undefined);
    s.on('data', (d) => s.write(`payments(client=${s.getPeerCertificate().subject?.CN}): ${d}`));
  });
  const paymentsTcpPort = await listen(paymentsTcp);
  const selfSigned = selfSignedCert(['payments.internal']);
  selfSignedBackend = https.createServer({ key: selfSigned.key, cert: selfSigned.cert }, (_req, res) => res.end('should not be reached'));
  const selfSignedPort = await listen(selfSignedBackend);

  const secrets = path.join(work, 'secrets');
  const configMaps = path.join(work, 'configmaps');
  writeSecret(secrets, 'default/server-tls', serverCert);
  writeSecret(secrets, 'default/gateway-client', gatewayClient);
  writeCaBundle(configMaps, 'default/client-ca', clientCa.cert);
  writeCaBundle(configMaps, 'payments/backend-ca', backendCa.cert);
  const pems = { alice: alice.cert, aliceKey: alice.key, mallory: mallory.cert, malloryKey: mallory.key, server: serverCert.cert };
  for (const [name, pem] of Object.entries(pems)) {
    files[name] = path.join(work, `${name}.pem`);
    fs.writeFileSync(files[name], pem);
  }

  const c = new ConfigBuilder();
  const echo = c.backend('echo');
  const policy = (o: Partial<BackendTlsConfig>): BackendTlsConfig => ({
    policy: { namespace: 'payments', name: 'payments-tls' },
    hostname: 'payments.internal',
    caBundles: [{ kind: 'ConfigMap', namespace: 'payments', name: 'backend-ca', key: 'ca.crt' }],
    systemCAs: false,
    subjectAltNames: [],
    clientCertificate: { namespace: 'default', name: 'gateway-client' },
    ...o,
  });
  const mtls = c.backend('payments', 443, { namespace: 'payments', tls: policy({}) });
  const byUri = c.backend('payments-uri', 443, { namespace: 'payments', tls: policy({ subjectAltNames: [{ type: 'URI', value: 'spiffe://cluster/payments' }] }) });
  const wrongSan = c.backend('payments-wrong-san', 443, { namespace: 'payments', tls: policy({ subjectAltNames: [{ type: 'Hostname', value: 'ledger.internal' }] }) });
  const system = c.backend('self-signed', 443, { namespace: 'payments', tls: policy({ caBundles: [], systemCAs: true }) });
  const paymentsTcpB = c.backend('payments-tcp', 7443, { namespace: 'payments', tls: policy({}) });
  c.route(c.listener(STRICT, { name: 'strict', hostname: 'secure.example.com', certificates: ['default/server-tls'] }), { route: 'strict', backends: [echo] });
  c.frontendValidation(STRICT, { mode: 'AllowValidOnly', caBundles: [{ kind: 'ConfigMap', namespace: 'default', name: 'client-ca', key: 'ca.crt' }] });
  c.route(c.listener(FALLBACK, { name: 'fallback', hostname: 'fallback.example.com', certificates: ['default/server-tls'] }), { route: 'fallback', backends: [echo] });
  c.frontendValidation(FALLBACK, { mode: 'AllowInsecureFallback', caBundles: [{ kind: 'ConfigMap', namespace: 'default', name: 'client-ca', key: 'ca.crt' }] });
  const web = c.listener(WEB, { name: 'web' });
  c.route(web, { route: 'mtls', matches: [{ path: prefix('/mtls') }], backends: [mtls] });
  c.route(web, { route: 'uri', matches: [{ path: prefix('/uri') }], backends: [byUri] });
  c.route(web, { route: 'wrong-san', matches: [{ path: prefix('/wrong-san') }], backends: [wrongSan] });
  c.route(web, { route: 'system', matches: [{ path: prefix('/system') }], backends: [system] });
  c.route(web, { route: 'web', backends: [echo] });
  c.tlsListener(REENCRYPT, { name: 'reencrypt', hostname: 'reencrypt.example.com', mode: 'Terminate', certificates: ['default/server-tls'] },
    [{ route: 'reencrypt', backends: [paymentsTcpB] }]);
  c.frontendValidation(REENCRYPT, { mode: 'AllowValidOnly', caBundles: [{ kind: 'ConfigMap', namespace: 'default', name: 'client-ca', key: 'ca.crt' }] });
  c.withOptions({ clientCertificateHeader: 'x-client-cert' });
  gw = await startDataPlane({
    config: c.build(),
    secretsDir: secrets,
    configMapsDir: configMaps,
    backends: {
      [echo]: echoes[0].target,
      [mtls]: `127.0.0.1:${paymentsPort}`,
      [byUri]: `127.0.0.1:${paymentsPort}`,
      [wrongSan]: `127.0.0.1:${paymentsPort}`,
      [system]: `127.0.0.1:${selfSignedPort}`,
      [paymentsTcpB]: `127.0.0.1:${paymentsTcpPort}`,
    },
  });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
  for (const s of [paymentsServer, paymentsTcp, selfSignedBackend]) s?.close();
});

/** GET over HTTPS with SNI = host, presenting `client` (if any) and a forged identity header. */
function get(port: number, host: string, client?: TestCert): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1',
      port: gw.ports.get(port),
      path: '/who',
      servername: host,
      ca: serverCert.cert,
      agent: false,
      headers: { 'host': host, 'x-client-cert': 'Subject="CN=admin"' },
      ...(client ? { cert: client.cert, key: client.key } : {}),
    }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(body) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const TLS_VERSIONS: tls.SecureVersion[] = ['TLSv1.2', 'TLSv1.3'];

/**
 * A TLS handshake on `port` that then sends a request: 'answered' when bytes came back, 'closed without an
 * answer' when the gateway closed after the handshake, else the error code the client got (a TLS alert).
 */
function handshake(port: number, servername: string, version: tls.SecureVersion, client?: TestCert): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({
      host: '127.0.0.1',
      port: gw.ports.get(port)!,
      servername,
      ca: serverCert.cert,
      minVersion: version,
      maxVersion: version,
      ...(client ? { cert: client.cert, key: client.key } : {}),
    }, () => s.write(`GET / HTTP/1.1\r\nhost: ${servername}\r\n\r\n`));
    s.on('data', () => {
      resolve('answered');
      s.destroy();
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    s.on('close', () => resolve('closed without an answer'));
  });
}

/** The gateway's log lines for refused client certificates. */
const rejections = () => gw.json().filter((l) => l.msg === 'client certificate rejected');

/** The error a client gets when the gateway refuses it (no HTTP response at all). */
async function refused(port: number, host: string, client?: TestCert): Promise<string> {
  try {
    const r = await get(port, host, client);
    return `answered ${r.status}`;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
}

describe('frontend validation: AllowValidOnly', () => {
  test('a client certificate from the CA is served, and its identity (not the forged header) reaches the backend', async () => {
    const r = await get(STRICT, 'secure.example.com', alice);
    expect(r.status).toBe(200);
    const forwarded: string = r.json.headers['x-client-cert'];
    expect(forwarded).toMatch(/^Hash=[0-9a-f]{64};Subject="CN=alice,O=shop";URI=spiffe:\/\/example\.com\/ns\/shop\/sa\/alice;DNS=alice\.shop\.example\.com$/);
    expect(forwarded).not.toContain('admin');
  });

  test('the identity is forwarded over HTTP/2 (ALPN h2) too', async () => {
    const session = http2.connect(`https://127.0.0.1:${gw.ports.get(STRICT)}`, { servername: 'secure.example.com', ca: serverCert.cert, cert: alice.cert, key: alice.key });
    const body = await new Promise<string>((resolve, reject) => {
      const req = session.request({ ':path': '/h2', ':authority': 'secure.example.com', 'x-client-cert': 'forged' });
      let data = '';
      req.on('data', (d) => { data += d; });
      req.on('end', () => resolve(data));
      req.on('error', reject);
    });
    session.close();
    expect(JSON.parse(body).headers['x-client-cert']).toMatch(/^Hash=[0-9a-f]{64};Subject="CN=alice,O=shop"/);
  });

  test.each(TLS_VERSIONS)('over %s, no client certificate fails the handshake with a TLS alert; logged with listener, port and reason', async (v) => {
    const before = rejections().length;
    expect(await handshake(STRICT, 'secure.example.com', v)).toBe(v === 'TLSv1.3' ? 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' : 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
    await waitFor(() => rejections().length > before);
    expect(rejections()[before]).toMatchObject({
      level: 'info', gateway: expect.stringMatching(/^[^/]+\/[^/]+$/), port: STRICT, listener: 'strict', serverName: 'secure.example.com', client: '127.0.0.1', reason: 'no client certificate',
    });
  });

  test.each(TLS_VERSIONS)('over %s, a certificate from another CA fails the handshake with an unknown_ca alert; logged with the reason', async (v) => {
    const before = rejections().length;
    expect(await handshake(STRICT, 'secure.example.com', v, mallory)).toBe('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
    await waitFor(() => rejections().length > before);
    expect(rejections()[before]).toMatchObject({
      port: STRICT, listener: 'strict', serverName: 'secure.example.com', client: '127.0.0.1', reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  test('the https client sees the refusal as a TLS alert', async () => {
    expect(await refused(STRICT, 'secure.example.com')).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    expect(await refused(STRICT, 'secure.example.com', mallory)).toBe('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
  });

  test('openssl s_client: with the client certificate it gets an answer; without one, or with another CA\'s, the handshake fails with an alert', async () => {
    const req = 'printf \'GET /s HTTP/1.1\\r\\nHost: secure.example.com\\r\\nConnection: close\\r\\n\\r\\n\'';
    const base = `openssl s_client -quiet -connect 127.0.0.1:${gw.ports.get(STRICT)} -servername secure.example.com -CAfile ${files.server}`;
    const ok = await run('sh', ['-c', `${req} | ${base} -cert ${files.alice} -key ${files.aliceKey}`], { timeout: 15_000 });
    expect(ok.stdout).toMatch(/^HTTP\/1\.1 200/);
    expect(ok.stdout).toContain('"x-client-cert":"Hash=');
    for (const [flag, alert] of [['-tls1_3', 'alert certificate required'], ['-tls1_2', 'alert handshake failure']]) {
      const none = await run('sh', ['-c', `${req} | ${base} ${flag} 2>&1; true`], { timeout: 15_000 });
      expect(none.stdout).not.toMatch(/HTTP\/1\.1/);
      expect(none.stdout).toContain(alert);
      const other = await run('sh', ['-c', `${req} | ${base} ${flag} -cert ${files.mallory} -key ${files.malloryKey} 2>&1; true`], { timeout: 15_000 });
      expect(other.stdout).not.toMatch(/HTTP\/1\.1/);
      expect(other.stdout).toContain('alert unknown ca');
    }
  });

  test('each rejected handshake is counted, as logged', async () => {
    // (log lines are written in batches: wait until they caught up with the counters)
    const [byPort, errors, logged] = await eventually(async () => {
      const m = await scrape(gw);
      return [
        sumOf(m, 'cdk8s_gateway_tls_client_certificates_total', { port: String(STRICT), result: 'rejected' }),
        sumOf(m, 'cdk8s_gateway_errors_total', { code: 'GW_CLIENT_CERT_REJECTED' }),
        rejections().length,
      ];
    }, ([p, e, l]) => p === l && e === l);
    expect(logged).toBeGreaterThanOrEqual(10);
    expect([byPort, errors]).toEqual([logged, logged]);
  });
});

describe('frontend validation: AllowInsecureFallback', () => {
  test('clients without a certificate, or with one that does not verify, are served without an identity', async () => {
    for (const client of [undefined, mallory]) {
      const r = await get(FALLBACK, 'fallback.example.com', client);
      expect(r.status).toBe(200);
      expect(r.json.headers['x-client-cert']).toBeUndefined();
    }
  });

  test('a verified client gets its identity forwarded', async () => {
    const r = await get(FALLBACK, 'fallback.example.com', alice);
    expect(r.json.headers['x-client-cert']).toMatch(/Subject="CN=alice,O=shop"/);
  });

  test('verified, unverified and rejected handshakes are counted per port', async () => {
    const m = (await request(`http://127.0.0.1:${gw.adminPort}/metrics`)).body;
    const count = (port: number, result: string) =>
      Number(m.split('\n').find((l) => l.startsWith('cdk8s_gateway_tls_client_certificates_total') && l.includes(`port="${port}",result="${result}"`))?.split(' ').pop() ?? 0);
    expect(count(FALLBACK, 'unverified')).toBe(2);
    expect(count(FALLBACK, 'verified')).toBe(1);
    expect(count(STRICT, 'rejected')).toBeGreaterThanOrEqual(3);
    expect(count(STRICT, 'verified')).toBeGreaterThanOrEqual(3);
  });
});

test('on a cleartext port the identity header sent by a client is dropped', async () => {
  const r = await request(gw.url(WEB, '/plain'), { headers: { 'x-client-cert': 'Subject="CN=admin"' } });
  expect(r.status).toBe(200);
  expect(r.json.headers['x-client-cert']).toBeUndefined();
});

describe('BackendTLSPolicy and the Gateway client certificate', () => {
  test('the backend is verified by CA bundle and hostname, and sees the gateway client certificate', async () => {
    const r = await request(gw.url(WEB, '/mtls'));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ backend: 'payments', client: 'edge-gateway', servername: 'payments.internal' });
  });

  test('subjectAltNames: a URI SAN the certificate has is accepted, a hostname it lacks is refused (502)', async () => {
    expect((await request(gw.url(WEB, '/uri'))).json.backend).toBe('payments');
    const wrong = await request(gw.url(WEB, '/wrong-san'));
    expect(wrong.status).toBe(502);
    expect(wrong.headers['x-gateway-error']).toBe('GW_UPSTREAM_TLS');
    await gw.waitForLine(/match none of ledger\.internal/);
  });

  test('system CAs do not trust a self-signed backend', async () => {
    const r = await request(gw.url(WEB, '/system'));
    expect(r.status).toBe(502);
    expect(r.headers['x-gateway-error']).toBe('GW_UPSTREAM_TLS');
  });

  test('a TLSRoute that terminates re-encrypts to its backend with the client certificate', async () => {
    const line = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: gw.ports.get(REENCRYPT)!, servername: 'reencrypt.example.com', ca: serverCert.cert, cert: alice.cert, key: alice.key },
        () => s.write('charge 10\n'));
      s.setEncoding('utf8');
      s.on('data', (d: string) => {
        resolve(d.trim());
        s.destroy();
      });
      s.on('error', reject);
    });
    expect(line).toBe('payments(client=edge-gateway): charge 10');
  });

  test('the TLSRoute\'s port validates client certificates too: without one, or with another CA\'s, the handshake fails with an alert', async () => {
    expect(await handshake(REENCRYPT, 'reencrypt.example.com', 'TLSv1.3')).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    for (const v of TLS_VERSIONS) expect(await handshake(REENCRYPT, 'reencrypt.example.com', v, mallory)).toBe('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
    await waitFor(() => rejections().some((l) => l.listener === 'reencrypt' && l.port === REENCRYPT));
  });
});
