/**
 * HTTPS listeners: certificate by SNI across the listeners of a port, ALPN h2 and http/1.1, 421 for a
 * Host that belongs to another listener, and certificates rotated on disk without a restart.
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { selfSignedCert, TestCert } from '../support/certs';
import { ConfigBuilder } from '../support/config-builder';
import { RunningEcho, startEchoServers } from '../support/echo';
import { request2 } from '../support/http';
import { Spawned, startDataPlane, tempDir } from '../support/processes';
import { AtomicVolume } from '../support/volume';

let gw: Spawned;
let echoes: RunningEcho[];
let shopCert: TestCert;
let apiCert: TestCert;
let shopVolume: AtomicVolume;
let secretsDir: string;

beforeAll(async () => {
  echoes = await startEchoServers('shop', 'api');
  shopCert = selfSignedCert(['shop.example.com']);
  apiCert = selfSignedCert(['*.api.example.com']);
  secretsDir = tempDir('gw-secrets-');
  // the shop Secret is an atomically swapped volume, like a mounted Secret
  shopVolume = new AtomicVolume(path.join(secretsDir, 'default', 'shop-tls'));
  shopVolume.write({ 'tls.crt': shopCert.cert, 'tls.key': shopCert.key });
  fs.mkdirSync(path.join(secretsDir, 'default', 'api-tls'), { recursive: true });
  fs.writeFileSync(path.join(secretsDir, 'default', 'api-tls', 'tls.crt'), apiCert.cert);
  fs.writeFileSync(path.join(secretsDir, 'default', 'api-tls', 'tls.key'), apiCert.key);
  const b = new ConfigBuilder();
  const shop = b.backend('shop');
  const api = b.backend('api');
  const shopL = b.listener(443, { name: 'shop', hostname: 'shop.example.com', certificates: ['default/shop-tls'] });
  b.route(shopL, { route: 'shop', backends: [shop] });
  const apiL = b.listener(443, { name: 'api', hostname: '*.api.example.com', certificates: ['default/api-tls'] });
  b.route(apiL, { route: 'api', backends: [api] });
  gw = await startDataPlane({ config: b.build(), secretsDir, backends: { [shop]: echoes[0].target, [api]: echoes[1].target } });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
});

/** Handshakes with SNI `servername`, returns the served certificate and the negotiated ALPN protocol. */
function handshake(servername: string, alpn: string[] = ['http/1.1']): Promise<{ cert: tls.PeerCertificate; alpn: string | false | null }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: gw.ports.get(443)!, servername, ALPNProtocols: alpn, rejectUnauthorized: false }, () => {
      const out = { cert: s.getPeerCertificate(), alpn: s.alpnProtocol };
      s.end();
      resolve(out);
    });
    s.on('error', reject);
  });
}

/** An HTTP/1.1 request over TLS with a given SNI and Host, trusting `ca`. */
function httpsGet(servername: string, host: string, ca: string, pathname = '/'): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: gw.ports.get(443)!, servername, ca, ALPNProtocols: ['http/1.1'] }, () => {
      s.write(`GET ${pathname} HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`);
    });
    let data = '';
    s.setEncoding('latin1');
    s.on('data', (d) => { data += d; });
    s.on('end', () => {
      const [head, body] = data.split('\r\n\r\n');
      const headers: Record<string, unknown> = {};
      for (const l of head.split('\r\n').slice(1)) headers[l.split(':')[0].toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
      resolve({ status: Number(head.split(' ')[1]), body, headers });
    });
    s.on('error', reject);
  });
}

test('the certificate is chosen by SNI among the listeners of the port', async () => {
  expect((await handshake('shop.example.com')).cert.subject.CN).toBe('shop.example.com');
  expect((await handshake('eu.api.example.com')).cert.subject.CN).toBe('*.api.example.com');
});

test('HTTPS terminates and routes by the listener SNI chose', async () => {
  const shop = await httpsGet('shop.example.com', 'shop.example.com', shopCert.cert, '/cart');
  expect(shop.status).toBe(200);
  expect(JSON.parse(shop.body).pod).toBe('shop');
  expect(JSON.parse(shop.body).headers['x-forwarded-proto']).toBe('https');
  const api = await httpsGet('eu.api.example.com', 'eu.api.example.com', apiCert.cert);
  expect(JSON.parse(api.body).pod).toBe('api');
});

test('ALPN negotiates h2 and HTTP/2 requests are served', async () => {
  expect((await handshake('shop.example.com', ['h2', 'http/1.1'])).alpn).toBe('h2');
  expect((await handshake('shop.example.com', ['http/1.1'])).alpn).toBe('http/1.1');
  const res = await request2(`https://127.0.0.1:${gw.ports.get(443)}/h2`, { host: 'shop.example.com', ca: shopCert.cert });
  expect(res.alpn).toBe('h2');
  expect(res.status).toBe(200);
  expect(res.json.pod).toBe('shop');
});

test('a request whose Host belongs to another listener than the SNI one gets 421', async () => {
  const res = await httpsGet('shop.example.com', 'eu.api.example.com', shopCert.cert);
  expect(res.status).toBe(421);
  expect(res.headers['x-gateway-error']).toBe('GW_MISDIRECTED_REQUEST');
  const h2 = await request2(`https://127.0.0.1:${gw.ports.get(443)}/`, { host: 'eu.api.example.com', servername: 'shop.example.com', ca: shopCert.cert });
  expect(h2.status).toBe(421);
});

test('a certificate rotated on disk is served to new connections without a restart', async () => {
  const before = await handshake('shop.example.com');
  const rotated = selfSignedCert(['shop.example.com'], 'shop.example.com');
  shopVolume.write({ 'tls.crt': rotated.cert, 'tls.key': rotated.key });
  await gw.waitForLine(/certificates changed on disk/);
  const after = await handshake('shop.example.com');
  expect(after.cert.fingerprint256).not.toBe(before.cert.fingerprint256);
  expect(after.cert.fingerprint256).toBe(new X509Certificate(rotated.cert).fingerprint256);
  // and it serves: the new certificate verifies against the new CA
  const res = await httpsGet('shop.example.com', 'shop.example.com', rotated.cert);
  expect(res.status).toBe(200);
});
