/**
 * Teams in their own repositories (issue 15 item 2): the platform's app exports each grant as a document
 * (dist/grants/), the team's app imports it with `Team.fromGrantFile()` and gets the guardrails of the in-app
 * `gateway.grantTeam()`, word for word, and the synth-time grant audit over what it writes.
 * Apps: examples/two-repos/platform and examples/two-repos/shop.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { build as buildPlatform } from '../../examples/two-repos/platform/app';
import { build as buildShop, SHOP_GRANT } from '../../examples/two-repos/shop/app';
import * as library from '../../src';
import { Backend, HttpRoute, RouteKind, Team, TeamGrantDocument } from '../../src';
import { compile } from '../../src/compiler';
import { describeWithCrds } from '../crd-validation/crd-validator';

process.env.CDK8S_GATEWAY_QUIET = '1';

const GENERATOR = 'cdk8s-gateway.io/generator';
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'two-repos-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** `app.synth()` into a fresh outdir; returns the outdir. */
function synthTo(name: string, build: (app: App) => unknown): string {
  const outdir = fs.mkdtempSync(path.join(tmp, `${name}-`));
  const app = new App({ outdir });
  build(app);
  app.synth();
  return outdir;
}

function objectsIn(dir: string): any[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()));
}

function withoutGenerator(doc: any): any {
  return { ...doc, metadata: { name: doc.metadata.name } };
}

/** The platform's export of shop's grant, written by its synth. */
function exportedShopGrant(): string {
  return path.join(synthTo('platform', buildPlatform), 'grants', 'gateway-system.edge.shop.json');
}

/** The message `act` throws on the shop team's handle: in the platform's app, and in a team app from the exported grant. */
function bothWays(act: (team: Team, app: App) => void): { inApp: string; twoRepos: string } {
  const message = (f: () => void) => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('expected a refusal');
  };
  const grantFile = exportedShopGrant();
  const inApp = message(() => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(tmp, 'in-app-')) });
    const { shop } = buildPlatform(app);
    act(shop, app);
  });
  const twoRepos = message(() => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(tmp, 'shop-')) });
    const team = Team.fromGrantFile(new Chart(app, 'grant', { namespace: 'shop' }), 'shop', grantFile);
    act(team, app);
  });
  return { inApp, twoRepos };
}

describe('the platform exports each grant', () => {
  test('synth writes one versioned document per grant to dist/grants/, and the shop repository holds the current one', () => {
    // WHEN
    const outdir = synthTo('platform', buildPlatform);

    // THEN
    expect(fs.readdirSync(path.join(outdir, 'grants')).sort()).toEqual(['gateway-system.edge.payments.json', 'gateway-system.edge.shop.json']);
    const doc = JSON.parse(fs.readFileSync(path.join(outdir, 'grants', 'gateway-system.edge.shop.json'), 'utf8'));
    expect(doc).toMatchObject({
      apiVersion: 'cdk8s-gateway.io/v1alpha1',
      kind: 'TeamGrant',
      metadata: { name: 'shop', annotations: { [GENERATOR]: expect.stringMatching(/^cdk8s-gateway /) } },
      spec: {
        namespace: 'shop',
        gateway: { name: 'edge', namespace: 'gateway-system', gatewayClassName: 'cdk8s-gateway' },
        hostnames: ['shop.example.com'],
        routeKinds: ['HTTPRoute'],
        backendGrants: [{ namespace: 'payments', serviceNames: ['checkout'] }],
      },
    });
    expect(doc.spec.teamListeners.map((l: any) => l.name)).toEqual(['web-shop.example.com', 'websecure-shop.example.com']);
    // payments' listener is not in shop's document
    expect(JSON.stringify(doc)).not.toContain('pay.example.com');
    // the copy in examples/two-repos/shop is what the platform exports today (re-copy it when the platform changes)
    expect(withoutGenerator(JSON.parse(fs.readFileSync(SHOP_GRANT, 'utf8')))).toEqual(withoutGenerator(doc));
  });

  test('TeamGrant.toDocument() returns the document synth writes; kubectl apply -f dist/ does not see it (a folder)', () => {
    // GIVEN
    const app = new App({ outdir: fs.mkdtempSync(path.join(tmp, 'doc-')) });
    buildPlatform(app);
    const grant = app.node.findAll().find((c) => c.node.path === 'platform/edge/shop') as unknown as { toDocument(): TeamGrantDocument };

    // WHEN
    app.synth();

    // THEN
    const written = JSON.parse(fs.readFileSync(path.join(app.outdir, 'grants', 'gateway-system.edge.shop.json'), 'utf8'));
    expect(written).toEqual(JSON.parse(JSON.stringify(grant.toDocument())));
    expect(fs.readdirSync(app.outdir).filter((f) => f.endsWith('.json'))).toEqual([]);
  });
});

describe('the shop app, in its own repository', () => {
  test('synthesizes on its own against the exported grant, and its route is Accepted by the platform\'s Gateway', () => {
    // WHEN
    const shopDir = synthTo('shop', (app) => buildShop(app, exportedShopGrant()));

    // THEN
    const shop = objectsIn(shopDir);
    expect(shop.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['HTTPRoute shop/storefront']);
    expect(shop[0].spec.parentRefs).toEqual([
      { name: 'edge', namespace: 'gateway-system', sectionName: 'web-shop.example.com' },
      { name: 'edge', namespace: 'gateway-system', sectionName: 'websecure-shop.example.com' },
    ]);
    expect(shop[0].spec.hostnames).toEqual(['shop.example.com']);
    // what the cluster would hold: both repositories' dist/ together
    const all = [...objectsIn(synthTo('platform', buildPlatform)), ...shop];
    const route = compile(all).status.find((s) => s.kind === 'HTTPRoute')!;
    expect(route.parents!.map((p) => [p.parentRef.sectionName, p.conditions.find((c) => c.type === 'Accepted')?.status])).toEqual([
      ['web-shop.example.com', 'True'], ['websecure-shop.example.com', 'True'],
    ]);
  });

  test('the block of docs/ownership.md runs as written (with the example\'s grant file) and writes the team\'s route', () => {
    // GIVEN the ts block of "## Teams in their own repositories", `cdk8s-gateway` being this package
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'ownership.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Teams in their own repositories'));
    const code = /```ts\n([\s\S]*?)```/.exec(section)![1].replace(/^ {3}/gm, '').replace("'grants/gateway-system.edge.shop.json'", JSON.stringify(SHOP_GRANT));
    const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const req = (id: string): unknown => (id === 'cdk8s-gateway' ? library : require(id));
    const outdir = fs.mkdtempSync(path.join(tmp, 'readme-'));
    const before = process.env.CDK8S_OUTDIR;
    process.env.CDK8S_OUTDIR = outdir;
    try {
      // WHEN
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      new Function('require', 'exports', js)(req, {});
    } finally {
      if (before === undefined) delete process.env.CDK8S_OUTDIR;
      else process.env.CDK8S_OUTDIR = before;
    }

    // THEN
    expect(objectsIn(outdir).map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['HTTPRoute shop/storefront']);
  });

  test('the example as committed synthesizes (its grants/ copy)', () => {
    const shop = objectsIn(synthTo('shop', (app) => buildShop(app)));
    expect(shop).toHaveLength(1);
  });
});

describe('the same guardrails as in the platform\'s app, with the same messages', () => {
  test('hostname outside the grant', () => {
    const { inApp, twoRepos } = bothWays((team, app) =>
      team.httpRoute(new Chart(app, 'shop', { namespace: 'shop' }), 'steal', { hostnames: ['pay.example.com'] }));
    expect(twoRepos).toBe(inApp);
    expect(twoRepos).toMatch(/^HttpRoute shop\/steal: hostnames\[0\]: team "shop" may not use hostname "pay.example.com" \(granted: shop.example.com\)$/);
  });

  test('listener outside the grant (another team\'s)', () => {
    const { inApp, twoRepos } = bothWays((team, app) =>
      team.httpRoute(new Chart(app, 'shop', { namespace: 'shop' }), 'steal', { listeners: ['websecure-pay.example.com'] }));
    expect(twoRepos).toBe(inApp);
    expect(twoRepos).toMatch(/team "shop" may not use listener "websecure-pay.example.com" \(granted: web, websecure, web-shop.example.com, websecure-shop.example.com\)/);
  });

  test('listener outside the grant, on a route attached later', () => {
    const { inApp, twoRepos } = bothWays((team, app) => {
      const route = team.httpRoute(new Chart(app, 'shop', { namespace: 'shop' }), 'storefront');
      route.addParentRef({ parent: team.gateway, sectionName: 'websecure-pay.example.com' });
    });
    expect(twoRepos).toBe(inApp);
    expect(twoRepos).toMatch(/parentRefs\[2\]: team "shop" may not use listener "websecure-pay.example.com"/);
  });

  test('route kind outside the grant', () => {
    const { inApp, twoRepos } = bothWays((team, app) => team.grpcRoute(new Chart(app, 'shop', { namespace: 'shop' }), 'rpc'));
    expect(twoRepos).toBe(inApp);
    expect(twoRepos).toBe('GrpcRoute shop/rpc: team "shop" may not create GRPCRoute (granted: HTTPRoute)');
  });

  test('namespace outside the grant (the chart\'s, and metadata.namespace)', () => {
    const chartNs = bothWays((team, app) => team.httpRoute(new Chart(app, 'shop', { namespace: 'payments' }), 'steal'));
    expect(chartNs.twoRepos).toBe(chartNs.inApp);
    expect(chartNs.twoRepos).toMatch(/namespace \(from the chart\): team "shop" may not place routes in namespace "payments" \(granted: shop\)/);
    const metadataNs = bothWays((team, app) => team.httpRoute(new Chart(app, 'shop', { namespace: 'shop' }), 'steal', { metadata: { namespace: 'payments' } }));
    expect(metadataNs.twoRepos).toBe(metadataNs.inApp);
    expect(metadataNs.twoRepos).toMatch(/metadata.namespace: team "shop" may not place routes in namespace "payments"/);
  });

  test('backend outside the grant (a Service not granted, a namespace not granted)', () => {
    const service = bothWays((team, app) => team.httpRoute(new Chart(app, 'shop', { namespace: 'shop' }), 'steal', {
      rules: [{ backends: [Backend.fromServiceName('ledger', { port: 80, namespace: 'payments' })] }],
    }));
    expect(service.twoRepos).toBe(service.inApp);
    expect(service.twoRepos).toMatch(/rules\[0\].backends\[0\]: team "shop" may not use Service "payments\/ledger" \(granted in payments: checkout\)/);
    const namespace = bothWays((team, app) => team.httpRoute(new Chart(app, 'shop', { namespace: 'shop' }), 'steal', {
      rules: [{ backends: [Backend.fromServiceName('db', { port: 5432, namespace: 'billing' })] }],
    }));
    expect(namespace.twoRepos).toBe(namespace.inApp);
    expect(namespace.twoRepos).toMatch(/team "shop" may not use backends in namespace "billing" \(granted: shop, payments\)/);
  });

  test('the handle reads the same: names, listeners, hostnames, kinds, backend grants', () => {
    const app = new App();
    const { shop } = buildPlatform(app);
    const imported = Team.fromGrantFile(new Chart(new App(), 'grant'), 'shop', exportedShopGrant());
    expect({ ...imported, gateway: undefined }).toEqual({ ...shop, gateway: undefined });
    const ref = (t: Team) => [t.gateway.name, t.gateway.namespace, t.gateway.listeners];
    expect(ref(imported)).toEqual(ref(shop));
    expect([imported.hostnames, imported.routeKinds, imported.backendGrants]).toEqual([shop.hostnames, shop.routeKinds, shop.backendGrants]);
    expect(imported.routeKinds).toEqual([RouteKind.HTTP_ROUTE]);
  });
});

describe('the grant audit runs in the team\'s app too', () => {
  const synthError = (build: (team: Team, chart: Chart) => void): string => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(tmp, 'audit-')) });
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    build(Team.fromGrantFile(chart, 'grant', exportedShopGrant()), chart);
    try {
      app.synth();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('expected the synth to fail');
  };

  test('a raw ApiObject HTTPRoute for another team\'s hostname fails the synth, naming the route, the hostname and the grant', () => {
    const message = synthError((team, chart) => new ApiObject(chart, 'raw', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'steal', namespace: 'shop' },
      spec: {
        parentRefs: [{ name: team.gateway.name, namespace: team.gateway.namespace, sectionName: 'websecure' }],
        hostnames: ['pay.example.com'],
        rules: [{ backendRefs: [{ name: 'storefront', port: 8080 }] }],
      },
    } as any));
    expect(message).toMatch(/HTTPRoute shop\/steal/);
    expect(message).toMatch(/hostname "pay.example.com" is outside team "shop"'s grant \(shop.example.com\)/);
    expect(message).toContain('grantTeam("shop") on Gateway gateway-system/edge (platform/edge/shop)');
  });

  test('a JSON patch adding a foreign hostname to a factory route fails the synth', () => {
    const message = synthError((team, chart) => {
      const route = team.httpRoute(chart, 'storefront', { rules: [{ backends: [Backend.fromServiceName('storefront', { port: 8080 })] }] });
      route.apiObject.addJsonPatch(JsonPatch.add('/spec/hostnames/-', 'pay.example.com'));
    });
    expect(message).toMatch(/HTTPRoute shop\/storefront: spec.hostnames\[1\]/);
    expect(message).toContain('"pay.example.com"');
    expect(message).toContain('grantTeam("shop")');
  });

  test('new HttpRoute on the team\'s Gateway reference, outside the grant, fails the synth; inside it synthesizes', () => {
    const message = synthError((team, chart) => {
      const route = new HttpRoute(chart, 'side', { hostnames: ['pay.example.com'] });
      route.addParentRef({ parent: team.gateway, sectionName: 'websecure-shop.example.com' });
    });
    expect(message).toMatch(/HTTPRoute shop\/side: spec.parentRefs/);
    expect(message).toMatch(/NoMatchingListenerHostname|pay.example.com/);

    const ok = new App({ outdir: fs.mkdtempSync(path.join(tmp, 'audit-ok-')) });
    const chart = new Chart(ok, 'shop', { namespace: 'shop' });
    const team = Team.fromGrantFile(chart, 'grant', exportedShopGrant());
    const route = new HttpRoute(chart, 'side', { hostnames: ['shop.example.com'] });
    route.addParentRef({ parent: team.gateway, sectionName: 'websecure-shop.example.com' });
    expect(() => ok.synth()).not.toThrow();
  });
});

describe('a document this version cannot read is refused, with what to do', () => {
  const load = (edit: (doc: any) => void) => {
    const doc = JSON.parse(fs.readFileSync(exportedShopGrant(), 'utf8'));
    edit(doc);
    return () => Team.fromGrant(new Chart(new App(), 'shop', { namespace: 'shop' }), 'grant', doc);
  };

  test('a newer apiVersion names the writer and says to use the same cdk8s-gateway version', () => {
    expect(load((d) => {
      d.apiVersion = 'cdk8s-gateway.io/v1beta1';
      d.metadata.annotations[GENERATOR] = 'cdk8s-gateway 9.0.0';
    })).toThrow(new RegExp('^TeamGrant document Team.fromGrant\\("grant"\\): apiVersion "cdk8s-gateway.io/v1beta1" is not a version this app\'s ' +
      'cdk8s-gateway \\S+ reads \\(it reads cdk8s-gateway.io/v1alpha1\\); the document was written by cdk8s-gateway 9.0.0: use the same ' +
      'cdk8s-gateway version in this app as the platform\'s \\(upgrade it when the document is newer\\), or ask the platform team to export ' +
      'the grant with this app\'s version$'));
  });

  test('another kind, or a missing field, is refused naming the field', () => {
    expect(load((d) => {
      d.kind = 'Gateway';
    })).toThrow(/kind "Gateway" is not TeamGrant: this is not a team grant document; export the grant again from the platform's app/);
    expect(load((d) => {
      delete d.spec.teamListeners;
    })).toThrow(/spec.teamListeners undefined must be a list/);
    expect(load((d) => {
      d.spec.hostnames = ['Shop..example.com'];
    })).toThrow(/spec.hostnames\[0\] "Shop..example.com"/);
  });

  test('a file that is not there says where it comes from', () => {
    expect(() => Team.fromGrantFile(new Chart(new App(), 'shop'), 'grant', path.join(tmp, 'missing.json')))
      .toThrow(/cannot read the grant document ".*missing.json": .*copy it from the platform app's dist\/grants\//);
  });
});

describeWithCrds('the two apps\' output validates against the Gateway API CRDs', (validator) => {
  test.each([['platform', buildPlatform], ['shop', buildShop]] as const)('examples/two-repos/%s', (_name, build) => {
    const app = new App();
    build(app);
    const objects = app.charts.flatMap((c) => c.toJson()).filter((o) => validator.handles(o));
    expect(objects.length).toBeGreaterThan(0);
    expect(validator.channels.flatMap((ch) => objects.flatMap((o) => validator.validate(o, ch).map((e) => `[${ch}] ${e}`)))).toEqual([]);
  });
});
