/**
 * `serve` on SIGTERM drains like the pod's entry point (issue 17, item 3): connections with nothing in flight (silent
 * clients, half-sent heads, idle keep-alive connections, a TLS handshake that never finishes) are closed at once,
 * a request in flight is answered, and the process exits without waiting for the clients to leave.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { selfSignedCert, tlsSecretYaml } from '../support/certs';
import { RunningEcho, startEchoServers } from '../support/echo';
import { request } from '../support/http';
import { startCli, tempDir } from '../support/processes';
import { sleep } from '../support/wait';

let echoes: RunningEcho[];
let manifests: string;

beforeAll(async () => {
  echoes = await startEchoServers('web');
  const cert = selfSignedCert(['web.example.com']);
  manifests = path.join(tempDir('gw-serve-term-'), 'gateway.yaml');
  fs.writeFileSync(manifests, `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: edge, namespace: infra }
spec:
  gatewayClassName: any
  listeners:
  - { name: web, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: All } } }
  - { name: websecure, port: 443, protocol: HTTPS, tls: { certificateRefs: [{ name: web-tls }] }, allowedRoutes: { namespaces: { from: All } } }
---
${tlsSecretYaml('infra', 'web-tls', cert)}
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { ports: [{ port: 8080 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: shop }
spec:
  parentRefs: [{ name: edge, namespace: infra }]
  rules:
  - backendRefs: [{ name: web, port: 8080 }]
`);
});

afterAll(async () => {
  await Promise.all((echoes ?? []).map((e) => e.close()));
});

/** A connection that writes `bytes` (maybe nothing) and never closes on its own; `closed` resolves when the server ended it. */
async function lingering(port: number, bytes?: string): Promise<{ closed: Promise<void> }> {
  // half-open allowed: the client never answers the gateway's FIN with its own
  const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  s.on('error', () => undefined);
  const closed = new Promise<void>((r) => {
    s.once('end', () => r());
    s.once('close', () => r());
  });
  await new Promise<void>((r) => s.once('connect', () => r()));
  if (bytes) s.write(bytes);
  return { closed };
}

test('serve exits on SIGTERM without waiting for silent clients, after answering the request in flight', async () => {
  const gw = await startCli(['serve', '--manifests', manifests, '--port-map', '80=0', '--port-map', '443=0', '--admin-port', '0',
    '--backend', `shop/web:8080=${echoes[0].target}`, '--no-access-log']);
  // a serve that hangs is killed when the test fails (SIGKILL: it ignores a second SIGTERM)
  const killer = setTimeout(() => gw.signal('SIGKILL'), 25_000);
  const http80 = gw.ports.get(80)!;
  const silent = await Promise.all([
    lingering(http80),
    lingering(http80, 'GET / HTTP/1.1\r\nHost: a\r\n'),
    lingering(http80, 'PRI * HTTP/2.0\r\n'),
    lingering(gw.ports.get(443)!),
  ]);
  const agent = new http.Agent({ keepAlive: true });
  expect((await request(gw.url(80, '/warm'), { agent })).status).toBe(200);
  const slow = request(gw.url(80, '/slow?delay=1500'));
  await sleep(300); // the request reached the backend

  const t0 = Date.now();
  gw.signal('SIGTERM');
  // the silent connections are closed as the drain starts, not when the process is gone
  await Promise.all(silent.map((c) => c.closed));
  const res = await slow;
  expect(res.status).toBe(200);
  expect(res.headers.connection).toBe('close');
  expect(await gw.waitForExit()).toBe(0);
  // well inside serve's 10 s drain timeout: nothing but the slow request was waited for
  expect(Date.now() - t0).toBeLessThan(6000);
  clearTimeout(killer);
  agent.destroy();
});
