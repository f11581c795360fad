/**
 * End to end: the fixtures' Ingresses migrated into one Gateway, served by `cdk8s-gateway serve` (one process
 * for every request), with an echo backend per Service. Over real sockets, requests reach the backend
 * ingress-nginx would have chosen (the model's answer), with the path and Host it would have sent, and the
 * Gateway's own answers (redirects, 404s) are ingress-nginx's.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { fixtureObjects } from './support';
import { EchoServer } from '../../src/cli/echo';
import { compile } from '../../src/compiler';
import { migrateIngresses, Migration } from '../../src/migrate';
import { decide, ModelOutcome } from '../../src/migrate/nginx-model';
import { deriveProbes, verifyMigration } from '../../src/migrate/verify';
import { issue, selfSignedCert, testCa } from '../support/certs';
import { Spawned, startCli, tempDir } from '../support/processes';

const ALL = ['affinity.yaml', 'canary.yaml', 'client-certs.yaml', 'external-auth.yaml', 'features.yaml', 'grpc.yaml', 'multi-tls.yaml',
  'path-matching.yaml', 'redirects.yaml', 'rewrite.yaml', 'semantics.yaml', 'untranslatable.yaml'];

let m: Migration;
let gateway: Spawned;
const echoes: EchoServer[] = [];

interface Answer {
  readonly status: number;
  readonly location?: string;
  readonly json?: any;
}

function send(scheme: 'http' | 'https', host: string, pathAndQuery: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const port = gateway.ports.get(scheme === 'https' ? 443 : 80)!;
  const mod = scheme === 'https' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request({
      host: '127.0.0.1',
      port,
      path: pathAndQuery,
      method,
      headers: { ...headers, host },
      agent: false,
      ...(scheme === 'https' ? { servername: host, rejectUnauthorized: false } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let json: any;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode!, location: res.headers.location, json });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const { objects, sources } = fixtureObjects(...ALL);
  m = migrateIngresses(objects, { sources });
  const dir = tempDir('gw-migrate-e2e-');
  // the TLS Secrets the Ingresses name, made up for the test (the cluster has the real ones)
  const secrets: object[] = [];
  const byName = new Map<string, string[]>();
  for (const l of m.translation.listeners) {
    const ref = l.tls?.certificateRefs?.[0];
    if (!ref) continue;
    const key = `${ref.namespace ?? m.context.gateway.namespace}/${ref.name}`;
    byName.set(key, [...(byName.get(key) ?? []), l.hostname!]);
  }
  const tlsSecret = (key: string, data: Record<string, string>) => {
    const [namespace, name] = key.split('/');
    secrets.push({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { namespace, name },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    });
  };
  for (const [key, hosts] of byName) {
    const c = selfSignedCert(hosts);
    tlsSecret(key, { 'tls.crt': c.cert, 'tls.key': c.key });
  }
  // backend-protocol HTTPS with proxy-ssl-secret web/backend-ca: the CA that signed the backend, and the Gateway's client certificate
  const ca = testCa('backend CA');
  const client = issue(ca, { subject: '/CN=gateway' });
  tlsSecret('web/backend-ca', { 'ca.crt': ca.cert, 'tls.crt': client.cert, 'tls.key': client.key });
  const secure = issue(ca, { subject: '/CN=secure.web.svc', dns: ['secure.web.svc'], usage: 'serverAuth' });
  const passthrough = selfSignedCert(['passthrough.example.com']);
  const files = (name: string, c: { cert: string; key: string }) => {
    fs.writeFileSync(path.join(dir, `${name}.crt`), c.cert);
    fs.writeFileSync(path.join(dir, `${name}.key`), c.key);
    return { tlsCert: path.join(dir, `${name}.crt`), tlsKey: path.join(dir, `${name}.key`) };
  };

  // an echo backend per Service port the Gateway sends to (TLS for the HTTPS backend and the passthrough one)
  const config = compile(m.objects, { allGateways: true }).configs[0];
  const backendArgs: string[] = [];
  for (const id of Object.keys(config.backends)) {
    const name = id.replace(/:\d+$/, '');
    const tls = id === 'web/secure:443' ? files('secure', secure) : id === 'web/tls-app:8443' ? files('passthrough', passthrough) : {};
    const echo = new EchoServer({ port: 0, name, namespace: name.split('/')[0], address: '127.0.0.1', ...tls });
    echoes.push(echo);
    backendArgs.push('--backend', `${id}=127.0.0.1:${await echo.listen()}`);
  }
  for (const b of m.translation.routes.flatMap((r) => r.tlsBackends ?? [])) {
    const id = `${b.namespace ?? 'web'}/${b.name}:${b.port}`;
    if (backendArgs.some((a) => a.startsWith(`${id}=`))) continue;
    const echo = new EchoServer({ port: 0, name: id.replace(/:\d+$/, ''), namespace: 'web', address: '127.0.0.1', ...files('passthrough', passthrough) });
    echoes.push(echo);
    backendArgs.push('--backend', `${id}=127.0.0.1:${await echo.listen()}`);
  }
  fs.writeFileSync(path.join(dir, 'gateway.yaml'), m.objects.map((o) => stringify(o)).join('---\n'));
  fs.writeFileSync(path.join(dir, 'secrets.yaml'), secrets.map((o) => stringify(o)).join('---\n'));
  gateway = await startCli(['serve', '--manifests', path.join(dir, 'gateway.yaml'), '--manifests', path.join(dir, 'secrets.yaml'),
    '--port-map', '80=0', '--port-map', '443=0', '--address', '127.0.0.1', ...backendArgs]);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await Promise.all(echoes.map((e) => new Promise((r) => e.close(r))));
});

/** What the wire answer says, in the model's terms; undefined when it matches `expected`. */
function mismatch(expected: ModelOutcome, got: Answer): string | undefined {
  if (expected.kind === 'redirect') {
    const loc = got.location ? new URL(got.location).href.replace(/:\d+\//, '/') : '';
    return got.status === expected.status && loc === new URL(expected.location).href ? undefined : `${got.status} ${got.location}`;
  }
  if (expected.kind === 'status') return got.status === expected.status ? undefined : `${got.status} ${JSON.stringify(got.json)}`;
  const pods = expected.backends.map((b) => b.id.replace(/:\d+$/, ''));
  if (got.status !== 200 || !pods.includes(got.json?.pod)) return `${got.status} from ${got.json?.pod}`;
  if (expected.backends.length === 1 && got.json.path !== expected.path) return `path ${got.json.path}`;
  if (expected.host && got.json.headers.host !== expected.host) return `Host ${got.json.headers.host}`;
  for (const [k, v] of Object.entries(expected.setHeaders)) if (got.json.headers[k] !== v) return `${k}: ${got.json.headers[k]}`;
  return undefined;
}

test('every derived request the Gateway decides like ingress-nginx gets that answer on the wire', async () => {
  const differ = new Set(verifyMigration(m).disagreements.map((d) => d.request));
  const probes = deriveProbes(m.model).filter((p) => {
    // the passthrough host's backend speaks TLS only: plain http to it fails behind ingress-nginx too
    if (p.host === 'passthrough.example.com') return false;
    const headers = Object.entries(p.headers).filter(([k]) => k !== 'content-type').map(([k, v]) => ` -H '${k}: ${v}'`).join('');
    return !differ.has(`${p.method} ${p.scheme}://${p.host}${p.path}${p.query ? `?${p.query}` : ''}${p.grpc ? ' (gRPC)' : ''}${headers}`);
  });
  expect(probes.length).toBeGreaterThan(250);
  const failures: string[] = [];
  // a few at a time: one gateway process, many short connections
  for (let i = 0; i < probes.length; i += 16) {
    await Promise.all(probes.slice(i, i + 16).map(async (p) => {
      const expected = decide(m.model, p);
      const got = await send(p.scheme, p.host, `${p.path}${p.query ? `?${p.query}` : ''}`, p.headers, p.method);
      const why = mismatch(expected, got);
      if (why) failures.push(`${p.method} ${p.scheme}://${p.host}${p.path} ${JSON.stringify(p.headers)}: expected ${JSON.stringify(expected)}, got ${why}`);
    }));
  }
  expect(failures).toEqual([]);
}, 120_000);

test('the rewrite example of the ingress-nginx docs on the wire: /something/new reaches http-svc as /new', async () => {
  const r = await send('http', 'rewrite.bar.com', '/something/new?x=1');
  expect(r.json).toMatchObject({ pod: 'default/http-svc', path: '/new?x=1' });
});

test('a canary by header and by cookie on the wire, and the 50% canary takes about half the requests', async () => {
  expect((await send('http', 'shop.mydomain.com', '/', { 'x-canary': 'always' })).json.pod).toBe('shop/shop-v2');
  expect((await send('http', 'shop.mydomain.com', '/', { 'x-canary': 'never', 'cookie': 'canary_user=always' })).json.pod).toBe('shop/shop-v1');
  expect((await send('http', 'shop.mydomain.com', '/', { cookie: 'canary_user=always' })).json.pod).toBe('shop/shop-v2');
  const pods: string[] = [];
  for (let i = 0; i < 200; i += 20) {
    pods.push(...(await Promise.all(Array.from({ length: 20 }, () => send('http', 'echo.prod.mydomain.com', '/')))).map((r) => r.json.pod));
  }
  const canary = pods.filter((p) => p === 'default/canary').length;
  // binomial(200, 0.5): 30..70% is more than 5 standard deviations wide
  expect(canary).toBeGreaterThan(60);
  expect(canary).toBeLessThan(140);
});

test('TLS hosts on the wire: http answers 308 to https, https reaches the backend with the listener\'s certificate', async () => {
  const r = await send('http', 'foo.bar.com', '/a');
  expect(r.status).toBe(308);
  expect(r.location).toBe('https://foo.bar.com/a');
  expect((await send('https', 'foo.bar.com', '/a')).json).toMatchObject({ pod: 'default/http-svc', path: '/a' });
});

test('ssl-passthrough on the wire: the TLS connection reaches the backend, which terminates it', async () => {
  const r = await send('https', 'passthrough.example.com', '/direct');
  expect(r.json).toMatchObject({ pod: 'web/tls-app', path: '/direct', tls: { servername: 'passthrough.example.com' } });
});

test('backend-protocol HTTPS on the wire: the Gateway speaks TLS to the backend, verified with the Secret\'s CA', async () => {
  const r = await send('http', 'secure.example.com', '/x');
  expect(r.json).toMatchObject({ pod: 'web/secure', path: '/x', tls: { servername: 'secure.web.svc' } });
});
