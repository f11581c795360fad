/**
 * Issue 13: a team cannot serve a hostname outside its grant, whatever produced the object. Each escape of
 * test/support/grant-escapes.ts fails synth, naming the route, the hostname and the grant (and listener) that
 * would have to change; the handle a team receives holds nothing that could widen the grant.
 */
import { App, Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { synth } from './fixture';
import {
  AllowedListeners, Backend, Gateway, GatewayClass, GatewayReference, HttpMatch, HttpRoute, Listener, RouteKind, Team, TeamGrant, TlsCertificate,
  GatewayTester, ReferenceGrant, TlsRoute, Warnings,
} from '../../src';
import { buildEscape, GRANT_ESCAPES, grantEscapeBase, PAY_CHECKOUT } from '../support/grant-escapes';
import { tempDir } from '../support/processes';

process.env.CDK8S_GATEWAY_QUIET = '1';
const dir = tempDir('gw-escapes-');

describe('synth fails on every escape, naming the route, the hostname and the grant to change', () => {
  test.each(GRANT_ESCAPES.map((e) => [e.name, e] as const))('%s', (_name, escape) => {
    // GIVEN
    const { app } = buildEscape(escape, dir);

    // WHEN
    const run = () => app.synth();

    // THEN
    expect(run).toThrow(escape.synthError);
  });

  // (an escape only RBAC refuses in the cluster is a legitimate object of the other team in the YAML: synth refuses it above)
  test.each(GRANT_ESCAPES.filter((e) => !e.refusedByRbac).map((e) => [e.name, e] as const))('GatewayTester (the unit-test API): %s is not served', (_name, escape) => {
    const b = buildEscape(escape, dir);
    const tester = GatewayTester.of(b.gateway);
    for (const r of escape.foreign ?? PAY_CHECKOUT) {
      const res = tester.request({ url: `${r.scheme}://${r.host}:${r.port ?? (r.scheme === 'https' ? 443 : 80)}${r.path}` });
      const status = misdirected(r) ? 421 : 404;
      expect({ request: r, backends: res.backends.map((x) => x.service), status: res.statusCode }).toEqual({ request: r, backends: [], status });
    }
    expect(tester.request({ url: 'https://shop.example.com/' }).backends.map((x) => x.service)).toEqual(['storefront']);
  });

  test('each refusal is said once, with the grant (not again by the data plane\'s report or the construct checks)', () => {
    const b = grantEscapeBase(dir);
    new HttpRoute(b.shopChart, 'steal', { parentRefs: [{ parent: b.shop.gateway }], hostnames: ['pay.example.com'] });
    const message = (() => {
      try {
        b.app.synth();
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(message.split('\n').filter((l) => l.includes('shop/steal'))).toEqual([
      expect.stringMatching(/^ {2}\[\] HTTPRoute shop\/steal: spec\.parentRefs\[Gateway gateway-system\/edge\]: Accepted=False NoMatchingListenerHostname: .* Fix: hostname "pay\.example\.com" is outside team "shop"'s grant/),
    ]);
  });

  test('an escape added after a synth fails the next synth (the check is not remembered past a change)', () => {
    const b = grantEscapeBase(dir);
    const route = b.shop.httpRoute(b.shopChart, 'steal', { rules: [{ backends: [Backend.fromServiceName('steal', { port: 8080 })] }] });
    synth(b.app);
    route.apiObject.addJsonPatch(JsonPatch.add('/spec/hostnames/-', 'pay.example.com'));
    expect(() => synth(b.app)).toThrow(/HTTPRoute shop\/steal: spec\.hostnames\[2\]: "pay\.example\.com" is not served/);
    const raw = new HttpRoute(b.shopChart, 'later', { parentRefs: [{ parent: b.shop.gateway, sectionName: 'web-shop.example.com' }] });
    expect(() => synth(b.app)).toThrow(/spec\.hostnames\[2\]/);
    route.apiObject.addJsonPatch(JsonPatch.remove('/spec/hostnames/2'));
    synth(b.app);
    raw.addHostname('pay.example.com');
    expect(() => synth(b.app)).toThrow(/HTTPRoute shop\/later: spec\.parentRefs\[Gateway gateway-system\/edge\/web-shop\.example\.com\]: Accepted=False NoMatchingListenerHostname/);
  });

  test('the base app, without an escape, synthesizes', () => {
    expect(() => grantEscapeBase(dir).app.synth()).not.toThrow();
  });

  test('a route with a hostname wider than its grant serves only the granted names, and synthesizes', () => {
    // *.example.com intersects the team's listeners in shop.example.com and *.shop.example.com only
    const b = grantEscapeBase(dir);
    new HttpRoute(b.shopChart, 'wide', { parentRefs: [{ parent: b.shop.gateway }], hostnames: ['*.example.com'], rules: [{ backends: [Backend.fromServiceName('wide', { port: 80 })] }] });
    expect(() => b.app.synth()).not.toThrow();
  });
});

describe('escapes beyond HTTP hostnames', () => {
  test('a TLSRoute for a server name outside the grant: synth fails, and the connection is not passed to the team', () => {
    // GIVEN a TLS passthrough listener for *.db.example.com; team data is granted pg.db.example.com, team ops mysql.db.example.com
    const app = new App();
    const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
    const gw = new Gateway(platform, 'db', {
      gatewayClass: GatewayClass.nodeDataPlane(platform),
      listeners: [Listener.tlsPassthrough({ name: 'tls', port: 443, hostname: '*.db.example.com' })],
    });
    const data = gw.grantTeam('data', { namespace: 'data', hostnames: ['pg.db.example.com'] });
    const ops = gw.grantTeam('ops', { namespace: 'ops', hostnames: ['mysql.db.example.com'] });
    const dataChart = new Chart(app, 'data', { namespace: 'data' });
    data.tlsRoute(dataChart, 'pg', { backends: [Backend.fromServiceName('pg', { port: 5432 })] });
    ops.tlsRoute(new Chart(app, 'ops', { namespace: 'ops' }), 'mysql', { backends: [Backend.fromServiceName('mysql', { port: 3306 })] });

    // WHEN team data writes a TLSRoute for ops' name without the factory
    new TlsRoute(dataChart, 'steal', { parentRefs: [{ parent: data.gateway }], hostnames: ['mysql.db.example.com'], backends: [Backend.fromServiceName('steal', { port: 3306 })] });

    // THEN
    expect(() => app.synth()).toThrow(/TLSRoute data\/steal: spec\.parentRefs\[Gateway gateway-system\/db\]: Accepted=False NoMatchingListenerHostname: .*Fix: hostname "mysql\.db\.example\.com" is outside team "data"'s grant \(pg\.db\.example\.com\) and granted to team "ops"/);
    const tester = GatewayTester.of(gw);
    expect(tester.connection({ port: 443, serverName: 'mysql.db.example.com' }).backends.map((b) => b.service)).toEqual(['mysql']);
    expect(tester.connection({ port: 443, serverName: 'pg.db.example.com' }).backends.map((b) => b.service)).toEqual(['pg']);
  });

  test('a ReferenceGrant the team writes into another namespace (to reach its Services) fails synth', () => {
    const b = grantEscapeBase(dir);
    new ReferenceGrant(b.shopChart, 'mine', {
      metadata: { namespace: 'payments' },
      from: [{ kind: 'HTTPRoute', namespace: 'shop' }],
      to: [{ kind: 'Service' }],
    });
    expect(() => b.app.synth()).toThrow(
      /ReferenceGrant payments\/mine: metadata\.namespace: ReferenceGrant payments\/mine was made by team "shop" \(through its grant, or in a chart of namespace shop\) but is in namespace "payments"/);
  });
});

describe('a team factory refuses an escape when it is written, before synth', () => {
  test('a foreign hostname, a foreign listener, another Gateway', () => {
    const b = grantEscapeBase(dir);
    expect(() => b.shop.httpRoute(b.shopChart, 'a', { hostnames: ['pay.example.com'] })).toThrow(
      /HttpRoute shop\/a: hostnames\[0\]: team "shop" may not use hostname "pay.example.com" \(granted: shop.example.com, \*.shop.example.com\)/);
    expect(() => b.shop.httpRoute(b.shopChart, 'b', { hostnames: ['example.com'] })).toThrow(/may not use hostname "example.com"/);
    const route = b.shop.httpRoute(b.shopChart, 'c');
    expect(() => route.addParentRef({ parent: b.shop.gateway, sectionName: 'websecure-pay.example.com' })).toThrow(
      /parentRefs\[2\]: team "shop" may not use listener "websecure-pay.example.com"/);
    expect(() => route.addParentRef({ parent: Gateway.fromGatewayName('edge', 'payments'), sectionName: 'websecure' })).toThrow(
      /team "shop" may only attach to Gateway gateway-system\/edge \(not Gateway payments\/edge\)/);
    expect(() => route.addHostname('pay.example.com')).toThrow(/team "shop" may not use hostname "pay.example.com"/);
  });
});

describe('the team handle cannot widen its grant', () => {
  test('grantTeam returns a Team whose Gateway is a reference: name, namespace, the team\'s listeners', () => {
    // GIVEN
    const { shop } = grantEscapeBase(dir);

    // THEN
    expect(shop).toBeInstanceOf(Team);
    expect(shop.gateway).toBeInstanceOf(GatewayReference);
    expect(shop.gateway).not.toBeInstanceOf(Gateway);
    expect({ name: shop.gateway.name, namespace: shop.gateway.namespace }).toEqual({ name: 'edge', namespace: 'gateway-system' });
    expect(shop.gateway.listeners).toEqual([
      { name: 'web-shop.example.com', grantedListener: 'web', port: 80, protocol: 'HTTP', hostname: 'shop.example.com' },
      { name: 'web-wildcard.shop.example.com', grantedListener: 'web', port: 80, protocol: 'HTTP', hostname: '*.shop.example.com' },
      { name: 'websecure-shop.example.com', grantedListener: 'websecure', port: 443, protocol: 'HTTPS', hostname: 'shop.example.com' },
      { name: 'websecure-wildcard.shop.example.com', grantedListener: 'websecure', port: 443, protocol: 'HTTPS', hostname: '*.shop.example.com' },
    ]);
  });

  test('nothing reachable from the handle, or from a route it made, is a construct that can grant, patch the Gateway or label a namespace', () => {
    // GIVEN
    const b = grantEscapeBase(dir);
    const route = b.shop.httpRoute(b.shopChart, 'mine', { rules: [{ matches: [HttpMatch.pathPrefix('/')], backends: [Backend.fromServiceName('x', { port: 80 })] }] });

    // WHEN: every object reachable through the handle's own properties, at any depth (getters included)
    const reached = reachable(b.shop);

    // THEN
    expect(reached.filter((o) => o instanceof Construct || o instanceof TeamGrant || typeof (o as any).grantTeam === 'function')).toEqual([]);
    expect((b.shop as any).grantTeam).toBeUndefined();
    expect((b.shop.gateway as any).grantTeam).toBeUndefined();
    expect((b.shop.gateway as any).addListener).toBeUndefined();
    expect((b.shop.gateway as any).apiObject).toBeUndefined();
    // a route's parents are the reference, and its guard holds closures, not the grant
    expect(route.parentRefs.every((p) => p.parent === b.shop.gateway)).toBe(true);
    expect(reachable((route as any)._guard).filter((o) => o instanceof Construct)).toEqual([]);
  });
});

describe('how a grant renders, and its limits', () => {
  test('a Gateway holds at most 64 listeners: a grant that would render more fails with the count and the fix', () => {
    const app = new App();
    const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
    const gw = new Gateway(platform, 'edge', {
      gatewayClass: GatewayClass.nodeDataPlane(platform),
      listeners: [Listener.http({ name: 'web', port: 80 }), Listener.https({ name: 'websecure', port: 443, certificates: [TlsCertificate.fromSecretName('c')] })],
    });
    for (let i = 0; i < 31; i++) gw.grantTeam(`team-${i}`, { namespace: `ns-${i}`, hostnames: [`t${i}.example.com`] });
    expect(() => gw.grantTeam('one-too-many', { namespace: 'late', hostnames: ['late.example.com'] })).toThrow(
      /grantTeam\("one-too-many"\): the Gateway would have 66 listeners \(2 declared, 64 for the hostnames of team grants: team-0 2, .* one-too-many 2\), and a Gateway holds at most 64\. .*grant a wildcard \(\*\.shop\.example\.com\) instead of several names, grant teams fewer listeners, or spread the teams over more Gateways/);
    // the refused grant left nothing behind
    expect(gw.grants).toHaveLength(31);
    expect(() => synth(app)).not.toThrow();
  });

  test('a wildcard grant renders one listener per granted listener, whatever the number of names below it', () => {
    const b = grantEscapeBase(dir);
    const objects = synth(b.app);
    const names = objects.find((o) => o.kind === 'Gateway').spec.listeners.map((l: any) => `${l.name} ${l.hostname ?? '*'}`);
    expect(names).toEqual([
      'web *', 'web-pay.example.com pay.example.com', 'web-shop.example.com shop.example.com', 'web-wildcard.shop.example.com *.shop.example.com',
      'websecure *.example.com', 'websecure-pay.example.com pay.example.com', 'websecure-shop.example.com shop.example.com',
      'websecure-wildcard.shop.example.com *.shop.example.com',
    ]);
  });

  test('the listeners a grant renders from one listener overlap by design and are no synth warning; overlaps the platform declares still are', () => {
    // GIVEN the base app (websecure *.example.com, and the teams' listeners under it)
    const b = grantEscapeBase(dir);
    // and two listeners the platform declares overlapping on another port
    b.gateway.addListener(Listener.https({ name: 'admin', port: 8443, hostname: '*.example.com', certificates: [TlsCertificate.fromSecretName('c')] }));
    b.gateway.addListener(Listener.https({ name: 'admin-api', port: 8443, hostname: 'api.example.com', certificates: [TlsCertificate.fromSecretName('c')] }));

    // WHEN
    synth(b.app);

    // THEN
    const overlap = Warnings.of(b.app).filter((w) => w.includes('OverlappingTLSConfig'));
    expect(overlap.map((w) => /spec\.listeners\[([^\]]+)\]/.exec(w)![1]).sort()).toEqual(['admin', 'admin-api']);
  });

  test('a granted hostname that a declared listener of the same port and protocol already serves is refused (the CRD would refuse the Gateway)', () => {
    const b = grantEscapeBase(dir);
    b.gateway.addListener(Listener.https({ name: 'api', port: 443, hostname: 'api.example.com', certificates: [TlsCertificate.fromSecretName('api')] }));
    expect(() => b.gateway.grantTeam('api-team', { namespace: 'api', hostnames: ['api.example.com'], listeners: ['websecure'] })).toThrow(
      /grantTeam\("api-team"\): listeners "websecure-api.example.com" \(api.example.com on "websecure"\) and "api" both serve HTTPS on port 443 for hostname "api.example.com"; change the port or the hostname of one \(a team grant renders one of them: grant the team the declared listener instead/);
    b.gateway.grantTeam('api-team', { namespace: 'api', listeners: ['api'] });
  });

  test('a declared listener already named as a grant would name its listener is refused, naming both', () => {
    const b = grantEscapeBase(dir);
    b.gateway.addListener(Listener.http({ name: 'web-blog.example.com', port: 8080 }));
    expect(() => b.gateway.grantTeam('blog', { namespace: 'blog', hostnames: ['blog.example.com'], listeners: ['web'] })).toThrow(
      /two listeners would be named "web-blog.example.com" \(listener "web-blog.example.com" \(blog.example.com on "web"\) and listener "web-blog.example.com"\); rename listener "web-blog.example.com"/);
  });

  test('a Gateway that lets ListenerSets attach from other namespaces cannot be granted (a team could add any hostname)', () => {
    const app = new App();
    const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
    const gw = new Gateway(platform, 'edge', {
      gatewayClass: GatewayClass.nodeDataPlane(platform),
      listeners: [Listener.http({ name: 'web', port: 80 })],
      allowedListeners: AllowedListeners.allNamespaces(),
    });
    expect(() => gw.grantTeam('shop', { namespace: 'shop' })).toThrow(
      /lets ListenerSets attach from every namespace \(allowedListeners\), so a team could add a listener for any hostname from its own namespace/);
  });

  test('a team cannot be granted the Gateway\'s own namespace, which every granted listener admits', () => {
    const b = grantEscapeBase(dir);
    expect(() => b.gateway.grantTeam('ops', { namespace: 'gateway-system', hostnames: ['ops.example.com'] })).toThrow(
      /grantTeam\("ops"\).namespace: "gateway-system" is the Gateway's own namespace/);
  });

  test('a grant on another implementation\'s Gateway is checked at synth too', () => {
    const app = new App();
    const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
    const gw = new Gateway(platform, 'edge', { gatewayClass: GatewayClass.fromName('eg'), listeners: [Listener.http({ name: 'web', port: 80 })] });
    const shop = gw.grantTeam('shop', { namespace: 'shop', hostnames: ['shop.example.com'], routeKinds: [RouteKind.HTTP_ROUTE] });
    new HttpRoute(new Chart(app, 'shop', { namespace: 'shop' }), 'steal', { parentRefs: [{ parent: shop.gateway }], hostnames: ['pay.example.com'] });
    expect(() => app.synth()).toThrow(/HTTPRoute shop\/steal: spec\.parentRefs\[Gateway gateway-system\/edge\]: Accepted=False NoMatchingListenerHostname: .*Fix: hostname "pay\.example\.com" is outside team "shop"'s grant/);
  });
});

/** Every object reachable through own properties and prototype getters (functions are not followed). */
function reachable(root: unknown): object[] {
  const seen = new Set<object>();
  const walk = (v: unknown) => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    for (const k of Object.getOwnPropertyNames(v)) walk((v as any)[k]);
    let proto = Object.getPrototypeOf(v);
    while (proto && proto !== Object.prototype) {
      for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) if (d.get) walk((v as any)[k]);
      proto = Object.getPrototypeOf(proto);
    }
  };
  walk(root);
  return [...seen];
}

/** As on the wire: over TLS, a Host another listener owns than the one the SNI chose is 421 (explain and GatewayTester say so too). */
function misdirected(r: { scheme: string; host: string }): boolean {
  return r.scheme === 'https' && r.host === 'example.com';
}
