/**
 * `cdk8s-gateway serve`: Gateway API YAML in, a running gateway out, with --backend mappings to local
 * echo backends and certificates from the Secrets in the manifests.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { selfSignedCert, TestCert, tlsSecretYaml } from '../support/certs';
import { RunningEcho, startEchoServers } from '../support/echo';
import { request } from '../support/http';
import { CLI_JS, Spawned, startCli, tempDir } from '../support/processes';
import { conformanceManifestsDir } from '../support/shared-data';

let echoes: RunningEcho[];
let cert: TestCert;
let manifests: string;

beforeAll(async () => {
  echoes = await startEchoServers('store-v1', 'store-v2');
  cert = selfSignedCert(['store.example.com']);
  manifests = path.join(tempDir('gw-serve-'), 'gateway.yaml');
  fs.writeFileSync(manifests, `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: somebody-elses-class }
spec: { controllerName: example.com/not-us }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: edge, namespace: infra }
spec:
  gatewayClassName: somebody-elses-class
  listeners:
  - { name: web, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: All } } }
  - name: websecure
    port: 443
    protocol: HTTPS
    hostname: store.example.com
    tls: { certificateRefs: [{ name: store-tls }] }
    allowedRoutes: { namespaces: { from: All } }
---
${tlsSecretYaml('infra', 'store-tls', cert)}
---
apiVersion: v1
kind: Service
metadata: { name: store, namespace: shop }
spec: { ports: [{ port: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: store-v2, namespace: shop }
spec: { ports: [{ port: 8080 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: store, namespace: shop }
spec:
  parentRefs: [{ name: edge, namespace: infra }]
  hostnames: [store.example.com]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /v2 } }]
    backendRefs: [{ name: store-v2, port: 8080 }]
  - backendRefs: [{ name: store, port: 8080 }]
`);
});

afterAll(async () => {
  await Promise.all((echoes ?? []).map((e) => e.close()));
});

describe('serve --manifests', () => {
  let gw: Spawned;

  beforeAll(async () => {
    gw = await startCli(['serve', '--manifests', manifests, '--port-map', '80=0', '--port-map', '443=0', '--admin-port', '0',
      '--backend', `shop/store:8080=${echoes[0].target}`, '--backend', `shop/store-v2:8080=${echoes[1].target}`]);
  });

  afterAll(async () => {
    await gw?.stop();
  });

  test('prints one line per bound listener port and ready', () => {
    const listening = gw.lines.filter((l) => l.startsWith('listening '));
    expect(listening).toEqual([
      expect.stringMatching(/^listening HTTP 80 127\.0\.0\.1:\d+ web$/),
      expect.stringMatching(/^listening HTTPS 443 127\.0\.0\.1:\d+ websecure$/),
    ]);
    expect(gw.lines).toContain('ready');
  });

  test('serves the routes of the manifests with --backend mappings, whatever the gatewayClassName', async () => {
    const v1 = await request(gw.url(80, '/cart'), { host: 'store.example.com' });
    expect(v1.status).toBe(200);
    expect(v1.json.pod).toBe('store-v1');
    expect((await request(gw.url(80, '/v2/cart'), { host: 'store.example.com' })).json.pod).toBe('store-v2');
    expect((await request(gw.url(80, '/'), { host: 'other.example.com' })).status).toBe(404);
  });

  test('terminates TLS with the certificate from the Secret in the manifests', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: gw.ports.get(443)!, servername: 'store.example.com', ca: cert.cert }, () => {
        s.write('GET / HTTP/1.1\r\nhost: store.example.com\r\nconnection: close\r\n\r\n');
      });
      let data = '';
      s.on('data', (d) => { data += d; });
      s.on('end', () => resolve(data));
      s.on('error', reject);
    });
    expect(body).toMatch(/^HTTP\/1\.1 200/);
    expect(body).toMatch(/"pod":"store-v1"/);
  });

  test('serves the admin endpoints', async () => {
    expect((await request(`http://127.0.0.1:${gw.adminPort}/readyz`)).status).toBe(200);
  });
});

test('serve runs the upstream conformance manifests', async () => {
  const dir = conformanceManifestsDir();
  if (!fs.existsSync(path.join(dir, 'manifests.yaml'))) {
    process.stdout.write(`serve conformance test skipped: ${dir} not found\n`);
    return;
  }
  const gw = await startCli(['serve', '--manifests', path.join(dir, 'manifests.yaml'), '--manifests', path.join(dir, 'httproute-matching.yaml'),
    '--gateway', 'gateway-conformance-infra/same-namespace', '--port-map', '80=0',
    '--backend', `gateway-conformance-infra/infra-backend-v1:8080=${echoes[0].target}`,
    '--backend', `gateway-conformance-infra/infra-backend-v2:8080=${echoes[1].target}`]);
  try {
    expect((await request(gw.url(80, '/'))).json.pod).toBe('store-v1');
    expect((await request(gw.url(80, '/v2'))).json.pod).toBe('store-v2');
    expect((await request(gw.url(80, '/'), { headers: { version: 'two' } })).json.pod).toBe('store-v2');
  } finally {
    await gw.stop();
  }
});

test('serve explains a bad flag and exits 2', async () => {
  const r = spawnSync(process.execPath, [CLI_JS, 'serve', '--manifests', manifests, '--backend', 'store=1.2.3.4'], { encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/--backend "store=1\.2\.3\.4" must look like shop\/api:8080=127\.0\.0\.1:3000/);
});

test('serve warns at start about a --backend no route uses, naming the Services the routes use', async () => {
  const gw = await startCli(['serve', '--manifests', manifests, '--port-map', '80=0', '--port-map', '443=0',
    '--backend', `shop/store:8080=${echoes[0].target}`, '--backend', `shop/stor-v2:8080=${echoes[1].target}`]);
  try {
    expect(gw.stderr.join('')).toMatch(
      /warning: --backend shop\/stor-v2:8080: no route of Gateway infra\/edge uses this Service port \(the routes use: shop\/store-v2:8080, shop\/store:8080\)/);
    expect(gw.stderr.join('')).not.toMatch(/--backend shop\/store:8080:/);
    // the rest serves
    expect((await request(gw.url(80, '/cart'), { host: 'store.example.com' })).json.pod).toBe('store-v1');
  } finally {
    await gw.stop();
  }
});

test('--version and -v print the package version and the Node it runs on', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  for (const flag of ['--version', '-v']) {
    const r = spawnSync(process.execPath, [CLI_JS, flag], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`cdk8s-gateway ${pkg.version} (node ${process.version})\n`);
  }
});
