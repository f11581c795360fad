import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as compileCmd } from '../../src/cli/compile';
import { run as explainCmd } from '../../src/cli/explain';
import { loadManifests } from '../../src/cli/manifests';

const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: edge, namespace: infra }
spec:
  gatewayClassName: eg
  listeners:
    - { name: web, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: All } } }
`;
const ROUTES = `
apiVersion: v1
kind: Service
metadata: { name: api, namespace: shop }
spec: { ports: [{ port: 8080 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: storefront, namespace: shop }
spec:
  parentRefs: [{ name: edge, namespace: infra }]
  hostnames: [shop.example.com]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /api }, headers: [{ name: x-version, value: "2" }] }]
      backendRefs: [{ name: api, port: 8080 }]
`;
const BAD_ROUTE = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: admin, namespace: shop }
spec:
  parentRefs: [{ name: edge, namespace: infra, sectionName: nope }]
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cdk8s-gateway-cli-'));
  mkdirSync(join(dir, 'ok', 'routes'), { recursive: true });
  writeFileSync(join(dir, 'ok', 'gateway.yaml'), GATEWAY);
  writeFileSync(join(dir, 'ok', 'routes', 'shop.yml'), ROUTES);
  writeFileSync(join(dir, 'ok', 'README.md'), 'not a manifest');
  writeFileSync(join(dir, 'bad-route.yaml'), BAD_ROUTE);
  writeFileSync(join(dir, 'broken.yaml'), `${GATEWAY}---\nkind: HTTPRoute\n  metadata: [oops\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a subcommand in-process, capturing what it writes. */
async function capture(run: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    return { code: await run(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('manifest loading', () => {
  test('directories are read recursively (yaml, yml, json), documents split, other files ignored', async () => {
    const m = await loadManifests([join(dir, 'ok')]);
    expect(m.errors).toEqual([]);
    expect(m.objects.map((o) => (o as { kind: string }).kind)).toEqual(['Gateway', 'Service', 'HTTPRoute']);
    expect(m.sources[2]).toEqual({ file: join(dir, 'ok', 'routes', 'shop.yml'), document: 1 });
  });

  test('a document that does not parse is reported with file, document and line; the rest still loads', async () => {
    const m = await loadManifests([join(dir, 'broken.yaml')]);
    expect(m.objects).toHaveLength(1);
    expect(m.errors).toEqual([expect.stringMatching(/broken\.yaml: document 1 \(line \d+, column \d+\): /)]);
  });

  test('a missing path is reported', async () => {
    expect((await loadManifests([join(dir, 'nope')])).errors).toEqual([`${join(dir, 'nope')}: no such file or directory`]);
  });
});

describe('cdk8s-gateway compile', () => {
  test('prints configs, status and diagnostics as JSON and exits 0 when everything is accepted', async () => {
    const r = await capture(compileCmd, ['--manifests', join(dir, 'ok')]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.configs.map((c: { gateway: unknown }) => c.gateway)).toEqual([{ namespace: 'infra', name: 'edge' }]);
    expect(json.status.find((s: { kind: string }) => s.kind === 'HTTPRoute').parents[0].conditions[0]).toMatchObject({ type: 'Accepted', status: 'True' });
  });

  test('exits 1 and names the route and reason when a route is not accepted', async () => {
    const r = await capture(compileCmd, ['--manifests', join(dir, 'ok'), '--manifests', join(dir, 'bad-route.yaml'), '--output', 'text']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/HTTPRoute shop\/admin \(parent infra\/edge\): NoMatchingParent: .*no listener named "nope"/);
    expect(r.out).toMatch(/✘ Accepted=False NoMatchingParent/);
  });

  test('--output config prints the one Gateway config as canonical JSON', async () => {
    const r = await capture(compileCmd, ['--manifests', join(dir, 'ok'), '--gateway', 'infra/edge', '--output', 'config']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ apiVersion: 'dataplane.cdk8s-gateway.io/v1alpha1', kind: 'DataPlaneConfig', gateway: { name: 'edge' } });
    expect(r.out.endsWith('}\n')).toBe(true);
  });

  test('an unknown --gateway is a usage error listing the Gateways', async () => {
    const r = await capture(compileCmd, ['--manifests', join(dir, 'ok'), '--gateway', 'infra/nope']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--gateway infra\/nope: no such Gateway in the manifests \(Gateways: infra\/edge\)/);
  });

  test('YAML errors make compile exit 1 naming the file', async () => {
    const r = await capture(compileCmd, ['--manifests', join(dir, 'broken.yaml')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error: .*broken\.yaml: document 1/);
  });

  test('an unknown option is a usage error', async () => {
    const r = await capture(compileCmd, ['--manifests', dir, '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option --frobnicate/);
  });
});

describe('cdk8s-gateway explain', () => {
  test('shows listener, route, rule, match and weighted backends for a matching request', async () => {
    const r = await capture(explainCmd, ['--manifests', join(dir, 'ok'), 'GET', 'http://shop.example.com/api/cart', '-H', 'x-version: 2']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/listener: web \(HTTP port 80, hostname any\) of Gateway infra\/edge/);
    expect(r.out).toMatch(/route: {4}HTTPRoute shop\/storefront/);
    expect(r.out).toMatch(/match: {4}PathPrefix \/api, header x-version=2, hosts shop\.example\.com/);
    expect(r.out).toMatch(/shop\/api:8080 \(http1\) weight 1 \(100%\)/);
  });

  test('says why no route matched, and exits 1', async () => {
    const r = await capture(explainCmd, ['--manifests', join(dir, 'ok'), 'http://shop.example.com/api/cart']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/GW_NO_ROUTE → 404/);
    expect(r.out).toMatch(/HTTPRoute shop\/storefront rules\[0\] match 0 .*: header x-version is missing/);
  });

  test('--output json gives the same decision as data', async () => {
    const r = await capture(explainCmd, ['--manifests', join(dir, 'ok'), '--output', 'json', 'GET', 'http://shop.example.com/api', '--header', 'X-Version: 2']);
    expect(JSON.parse(r.out)).toMatchObject({ code: 'GW_ROUTED', route: { name: 'storefront' }, backends: [{ percent: 100, backend: { name: 'api', port: 8080 } }] });
  });

  test('a URL without scheme is a usage error', async () => {
    const r = await capture(explainCmd, ['--manifests', join(dir, 'ok'), 'GET', 'shop.example.com/']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the URL must start with http:\/\/ or https:\/\//);
  });
});

describe('the bundled command', () => {
  const cli = join(__dirname, '..', '..', 'assets', 'cli.js');
  beforeAll(() => {
    if (!existsSync(cli)) execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'bundle.mjs')]);
  });

  test('registers compile and explain', () => {
    const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(help.stdout).toMatch(/compile +compile manifests/);
    expect(help.stdout).toMatch(/explain +show where a request goes/);
    const r = spawnSync(process.execPath, [cli, 'explain', '--manifests', join(dir, 'ok'), 'GET', 'http://shop.example.com/api', '-H', 'x-version: 2'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/outcome: {2}GW_ROUTED → forwarded/);
  });
});
