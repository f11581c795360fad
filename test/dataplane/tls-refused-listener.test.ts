/**
 * An HTTPS or TLS listener whose certificate cannot be loaded is refused at start with the file and the reason (its
 * own line instead of `listening`, an error log, /readyz), while the other listeners serve; fixing the files on disk
 * brings it back without a restart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { selfSignedCert, TestCert, writeSecret } from '../support/certs';
import { ConfigBuilder } from '../support/config-builder';
import { RunningEcho, startEchoServers } from '../support/echo';
import { request, request2 } from '../support/http';
import { Spawned, startDataPlane, tempDir } from '../support/processes';
import { eventually, waitFor } from '../support/wait';

let gw: Spawned;
let echoes: RunningEcho[];
let shopCert: TestCert;
let apiCert: TestCert;
let secretsDir: string;

beforeAll(async () => {
  echoes = await startEchoServers('shop', 'api', 'vault');
  shopCert = selfSignedCert(['shop.example.com']);
  apiCert = selfSignedCert(['*.api.example.com']);
  secretsDir = tempDir('gw-secrets-');
  writeSecret(secretsDir, 'default/shop-tls', shopCert);
  // api: the Secret has its certificate but no key
  fs.mkdirSync(path.join(secretsDir, 'default', 'api-tls'), { recursive: true });
  fs.writeFileSync(path.join(secretsDir, 'default', 'api-tls', 'tls.crt'), apiCert.cert);
  // vault: tls.crt is not a certificate
  writeSecret(secretsDir, 'default/vault-tls', { cert: 'not a certificate\n', key: selfSignedCert(['vault.example.com']).key });
  const b = new ConfigBuilder();
  const shop = b.backend('shop');
  const api = b.backend('api');
  const vault = b.backend('vault');
  b.route(b.listener(443, { name: 'shop', hostname: 'shop.example.com', certificates: ['default/shop-tls'] }), { route: 'shop', backends: [shop] });
  b.route(b.listener(443, { name: 'api', hostname: '*.api.example.com', certificates: ['default/api-tls'] }), { route: 'api', backends: [api] });
  b.tlsListener(8443, { name: 'vault', hostname: 'vault.example.com', mode: 'Terminate', certificates: ['default/vault-tls'] },
    [{ route: 'vault', hostnames: ['vault.example.com'], backends: [vault] }]);
  gw = await startDataPlane({
    config: b.build(), secretsDir, backends: { [shop]: echoes[0].target, [api]: echoes[1].target, [vault]: echoes[2].target },
  });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all((echoes ?? []).map((e) => e.close()));
});

function handshake(port: number, servername: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername, ca, ALPNProtocols: ['http/1.1'] }, () => {
      const subject = s.getPeerCertificate().subjectaltname;
      s.end();
      resolve(subject);
    });
    s.on('error', reject);
  });
}

const readyz = () => request(`http://127.0.0.1:${gw.adminPort}/readyz`);

test('the listener without a key is refused at start with the file and the reason; the other listener of its port serves', async () => {
  const apiKey = path.join(secretsDir, 'default', 'api-tls', 'tls.key');
  expect(gw.lines).toContainEqual(expect.stringMatching(/^listening HTTPS 443 127\.0\.0\.1:\d+ shop$/));
  expect(gw.lines).toContainEqual(
    `refused HTTPS 443 127.0.0.1:${gw.ports.get(443)} api: certificate cannot be loaded: cannot read ${apiKey}: ENOENT`);
  const log = gw.json().find((l) => l.msg === 'listener refused: its certificate cannot be loaded; the other listeners serve' && l.listener === 'api');
  expect(log).toMatchObject({ level: 'error', port: 443, reason: `cannot read ${apiKey}: ENOENT`, fix: expect.stringContaining('tls.crt and tls.key') });

  const res = await request2(`https://127.0.0.1:${gw.ports.get(443)}/`, { host: 'shop.example.com', ca: shopCert.cert });
  expect(res.status).toBe(200);
  expect(res.json.pod).toBe('shop');
  await expect(handshake(gw.ports.get(443)!, 'www.api.example.com', apiCert.cert)).rejects.toThrow();
});

test('a TLS listener whose tls.crt is not a certificate is refused, naming the file', () => {
  const crt = path.join(secretsDir, 'default', 'vault-tls', 'tls.crt');
  const line = gw.lines.find((l) => l.startsWith('refused TLS 8443 '));
  expect(line).toMatch(new RegExp(`^refused TLS 8443 127\\.0\\.0\\.1:\\d+ vault: certificate cannot be loaded: certificate Secret default/vault-tls: ${crt.replace(/[.]/g, '\\.')} is not a PEM certificate`));
});

test('/readyz stays ready for what serves and lists the refused listeners', async () => {
  const res = await readyz();
  expect(res.status).toBe(200);
  const lines = res.body.trim().split('\n');
  expect(lines[0]).toBe('ready');
  expect(lines.slice(1)).toEqual([
    expect.stringMatching(/^refused listener api \(port 443\): certificate cannot be loaded: cannot read .*tls\.key: ENOENT$/),
    expect.stringMatching(/^refused listener vault \(port 8443\): certificate cannot be loaded: .*tls\.crt is not a PEM certificate/),
  ]);
});

test('the key written to disk brings the refused listener back without a restart', async () => {
  fs.writeFileSync(path.join(secretsDir, 'default', 'api-tls', 'tls.key'), apiCert.key);

  await waitFor(() => gw.json().some((l) => l.msg === 'listener serving: its certificate loads now' && l.listener === 'api'), 10_000);
  expect(await handshake(gw.ports.get(443)!, 'www.api.example.com', apiCert.cert)).toBe('DNS:*.api.example.com');
  const res = await request2(`https://127.0.0.1:${gw.ports.get(443)}/`, { host: 'www.api.example.com', ca: apiCert.cert });
  expect(res.json.pod).toBe('api');
  const ready = await eventually(readyz, (r) => !r.body.includes('listener api'));
  expect(ready.body).toMatch(/^ready\nrefused listener vault/);
});
