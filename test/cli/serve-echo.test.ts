/**
 * `cdk8s-gateway echo` as a process: HTTP/1.1 and h2c on one port, TLS with ALPN behind flags, and a
 * gateway backend reached over TLS (BackendTLSPolicy: SNI hostname, CA bundle from a ConfigMap).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { selfSignedCert } from '../support/certs';
import { ConfigBuilder } from '../support/config-builder';
import { request, request2 } from '../support/http';
import { Spawned, startDataPlane, startEcho, tempDir } from '../support/processes';

const cert = selfSignedCert(['backend.shop.svc']);
let plain: { proc: Spawned; target: string; port: number };
let secure: { proc: Spawned; target: string; port: number };

beforeAll(async () => {
  const dir = tempDir('gw-echo-');
  fs.writeFileSync(path.join(dir, 'tls.crt'), cert.cert);
  fs.writeFileSync(path.join(dir, 'tls.key'), cert.key);
  [plain, secure] = await Promise.all([
    startEcho('plain-1', ['--namespace', 'shop']),
    startEcho('secure-1', ['--tls-cert', path.join(dir, 'tls.crt'), '--tls-key', path.join(dir, 'tls.key')]),
  ]);
});

afterAll(async () => {
  await plain?.proc.stop();
  await secure?.proc.stop();
});

test('echo answers HTTP/1.1 and h2c on one port with JSON about the request', async () => {
  const h1 = await request(`http://${plain.target}/a?b=1`, { headers: { 'x-demo': 'yes' } });
  expect(h1.json).toMatchObject({ pod: 'plain-1', namespace: 'shop', method: 'GET', path: '/a?b=1', protocol: 'HTTP/1.1', tls: null });
  expect(h1.json.headers['x-demo']).toBe('yes');
  const h2 = await request2(`http://${plain.target}/c`);
  expect(h2.json).toMatchObject({ pod: 'plain-1', path: '/c', protocol: 'HTTP/2' });
});

test('echo with --tls-cert serves TLS with ALPN h2 and http/1.1', async () => {
  const h2 = await request2(`https://127.0.0.1:${secure.port}/t`, { ca: cert.cert, servername: 'backend.shop.svc' });
  expect(h2.alpn).toBe('h2');
  expect(h2.json.tls).toEqual({ servername: 'backend.shop.svc', alpn: 'h2' });
});

test('a backend with a BackendTLSPolicy is reached over TLS, verified against the CA bundle, with the policy hostname as SNI', async () => {
  const configMaps = tempDir('gw-cm-');
  fs.mkdirSync(path.join(configMaps, 'shop', 'backend-ca'), { recursive: true });
  fs.writeFileSync(path.join(configMaps, 'shop', 'backend-ca', 'ca.crt'), cert.cert);
  const b = new ConfigBuilder();
  const tlsPolicy = (hostname: string) => ({
    policy: { namespace: 'shop', name: 'backend-tls' },
    hostname,
    systemCAs: false,
    subjectAltNames: [],
    caBundles: [{ kind: 'ConfigMap' as const, namespace: 'shop', name: 'backend-ca', key: 'ca.crt' }],
  });
  const good = b.backend('backend', 443, { namespace: 'shop', tls: tlsPolicy('backend.shop.svc') });
  const wrongName = b.backend('impostor', 443, { namespace: 'shop', tls: tlsPolicy('other.shop.svc') });
  const web = b.listener(80, { name: 'web' });
  b.route(web, { route: 'wrong', matches: [{ path: { type: 'PathPrefix', value: '/wrong' } }], backends: [wrongName] });
  b.route(web, { route: 'tls', backends: [good] });
  const gw = await startDataPlane({ config: b.build(), configMapsDir: configMaps, backends: { [good]: secure.target, [wrongName]: secure.target } });
  try {
    const res = await request(gw.url(80, '/over-tls'));
    expect(res.status).toBe(200);
    expect(res.json.pod).toBe('secure-1');
    expect(res.json.tls).toEqual({ servername: 'backend.shop.svc', alpn: 'http/1.1' });
    // the certificate does not cover the policy's hostname: no request reaches it
    const bad = await request(gw.url(80, '/wrong'));
    expect(bad.status).toBe(502);
    expect(bad.headers['x-gateway-error']).toBe('GW_UPSTREAM_TLS');
    await gw.waitForLine(/"error":"GW_UPSTREAM_TLS","detail":"ERR_TLS_CERT_ALTNAME_INVALID/);
  } finally {
    await gw.stop();
  }
});
