/**
 * Ingress semantics as ingress-nginx serves them, kept by the migrated Gateway: path types, hosts shared by
 * several Ingresses, default backends, wildcard hosts, TLS hosts, regex hosts. Each claim is checked on the
 * compiled Gateway with explain (the data plane's decision); e2e.test.ts sends them over sockets.
 */
import { configOf, features, fixtureObjects, gatewayAnswer, inlineObjects, migrateFixtures } from './support';
import { migrateIngresses, verifyMigration } from '../../src/migrate';

describe('semantics.yaml (paths, shared hosts, default backends, wildcards)', () => {
  const m = migrateFixtures(['semantics.yaml']);
  const config = configOf(m);
  const ask = (url: string) => gatewayAnswer(config, url);

  test('Prefix matches whole path segments: /foo and /foo/x, never /foobar', () => {
    expect(ask('http://foo.store.example/foo')).toBe('store/service1:4200 /foo');
    expect(ask('http://foo.store.example/foo/x')).toBe('store/service1:4200 /foo/x');
    // /foobar is not under /foo: the host's default backend (spec.defaultBackend of the first Ingress) takes it
    expect(ask('http://foo.store.example/foobar')).toBe('store/store-default:80 /foobar');
  });

  test('Exact matches the path alone', () => {
    expect(ask('http://foo.store.example/bar')).toBe('store/service2:8080 /bar');
    expect(ask('http://foo.store.example/bar/')).toBe('store/store-default:80 /bar/');
    expect(ask('http://foo.store.example/bar/x')).toBe('store/store-default:80 /bar/x');
  });

  test('ImplementationSpecific is Prefix to ingress-nginx', () => {
    expect(ask('http://foo.store.example/docs/api')).toBe('store/docs:80 /docs/api');
    expect(ask('http://foo.store.example/docsx')).toBe('store/store-default:80 /docsx');
  });

  test('a Prefix written with a trailing slash: nginx answers /static with 301 to /static/', () => {
    expect(ask('http://foo.store.example/static')).toBe('301 http://foo.store.example/static/');
    expect(ask('http://foo.store.example/static/app.js')).toBe('store/static:80 /static/app.js');
  });

  test('two Ingresses on one host: the older keeps Prefix /foo, the newer adds /foo/new', () => {
    expect(ask('http://foo.store.example/foo/old')).toBe('store/service1:4200 /foo/old');
    expect(ask('http://foo.store.example/foo/new/x')).toBe('store/service1-v2:4200 /foo/new/x');
    expect(features(m, 'store/fanout-later').find((f) => f.feature.includes('paths[0]'))).toMatchObject({
      status: 'ignored',
      text: expect.stringMatching(/store\/fanout defines Prefix \/foo on foo.store.example first \(ingress-nginx keeps the oldest\)/),
    });
  });

  test('a resource backend is reported, and its path falls to the default backend as in ingress-nginx', () => {
    expect(features(m, 'store/fanout').find((f) => f.feature.includes('/icons'))).toMatchObject({
      status: 'untranslatable',
      text: expect.stringMatching(/resource backend StorageBucket icon-assets: Gateway API routes send traffic to Services only/),
    });
    expect(ask('http://foo.store.example/icons/a.png')).toBe('store/store-default:80 /icons/a.png');
    expect(m.report.untranslatable.map((u) => u.what)).toContain('spec.rules[0].http.paths[4] (foo.store.example /icons)');
  });

  test('a wildcard host takes one or more labels, but a host with its own Ingress keeps its own answers', () => {
    expect(ask('http://a.store.example/')).toBe('store/tenant:80 /');
    expect(ask('http://a.b.store.example/x')).toBe('store/tenant:80 /x');
    // foo.store.example's unmatched paths stay in its server (its default backend), never the wildcard's
    expect(ask('http://foo.store.example/zz')).toBe('store/store-default:80 /zz');
    // the Gateway gives such hosts their own listener so its routes cannot fall through to the wildcard's
    expect(m.translation.listeners.map((l) => l.name)).toEqual(expect.arrayContaining(['http-foo.store.example', 'http-wildcard.store.example']));
  });

  test('an Ingress with a default backend and no rules is the catch-all for hosts no Ingress names', () => {
    expect(ask('http://unknown.example.org/anything')).toBe('store/fallback:80 /anything');
  });

  test('the model of ingress-nginx and the Gateway agree on every request derived from these Ingresses', () => {
    const r = verifyMigration(m);
    expect(r.problems).toEqual([]);
    expect(r.disagreements).toEqual([]);
    expect(r.checked).toBeGreaterThan(40);
  });
});

describe('Ingress order', () => {
  test('with equal creationTimestamps ingress-nginx takes namespace/name in descending order, so b wins over a', () => {
    const m = migrateIngresses(inlineObjects(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: a, namespace: default }
spec:
  rules:
  - host: tie.example.com
    http: { paths: [{ path: /x, pathType: Prefix, backend: { service: { name: service1, port: { number: 80 } } } }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: b, namespace: default }
spec:
  rules:
  - host: tie.example.com
    http: { paths: [{ path: /x, pathType: Prefix, backend: { service: { name: service2, port: { number: 80 } } } }] }
`));
    expect(gatewayAnswer(configOf(m), 'http://tie.example.com/x')).toBe('default/service2:80 /x');
    expect(features(m, 'default/a')[0]).toMatchObject({ status: 'ignored', text: expect.stringMatching(/default\/b defines Prefix \/x/) });
  });

  test('Exact and Prefix of the same path are both kept: Exact takes the path, Prefix what is below it', () => {
    const m = migrateIngresses(inlineObjects(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: both, namespace: default }
spec:
  rules:
  - host: both.example.com
    http:
      paths:
      - { path: /api, pathType: Exact, backend: { service: { name: service1, port: { number: 80 } } } }
      - { path: /api, pathType: Prefix, backend: { service: { name: service2, port: { number: 80 } } } }
`));
    const c = configOf(m);
    expect(gatewayAnswer(c, 'http://both.example.com/api')).toBe('default/service1:80 /api');
    expect(gatewayAnswer(c, 'http://both.example.com/api/v1')).toBe('default/service2:80 /api/v1');
    expect(verifyMigration(m).disagreements).toEqual([]);
  });
});

test('Prefix /docs and Prefix /docs/ on one host would be two "location /docs/" blocks, which nginx refuses: reported', () => {
  const m = migrateIngresses(inlineObjects(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: twice, namespace: default }
spec:
  rules:
  - host: twice.example.com
    http:
      paths:
      - { path: /docs, pathType: Prefix, backend: { service: { name: service1, port: { number: 80 } } } }
      - { path: /docs/, pathType: Prefix, backend: { service: { name: service2, port: { number: 80 } } } }
`));
  expect(m.report.untranslatable).toEqual([expect.objectContaining({
    object: 'Ingress default/twice',
    what: 'spec.rules[0].http.paths[0] (twice.example.com /docs)',
    reason: expect.stringMatching(/would write "location \/docs\/" twice \(also from default\/twice \/docs\/\), a configuration nginx refuses/),
  })]);
});

describe('TLS hosts (multi-tls.yaml)', () => {
  const m = migrateFixtures(['multi-tls.yaml']);
  const config = configOf(m);

  test('each TLS host gets an HTTPS listener with the Secret its Ingress names', () => {
    const https = m.translation.listeners.filter((l) => l.protocol === 'HTTPS');
    expect(https.map((l) => [l.hostname, l.tls?.certificateRefs?.[0].name])).toEqual([['bar.baz.com', 'barbaz'], ['foo.bar.com', 'foobar']]);
    // the Secrets are in the Ingress's namespace: the Gateway goes there, so no ReferenceGrant is needed
    expect(m.context.gateway).toEqual({ namespace: 'default', name: 'ingress' });
    expect(gatewayAnswer(config, 'https://foo.bar.com/x')).toBe('default/http-svc:80 /x');
    expect(gatewayAnswer(config, 'https://bar.baz.com/x')).toBe('default/nginx:80 /x');
  });

  test('http requests to a TLS host are redirected to https with 308, as ingress-nginx does by default', () => {
    expect(gatewayAnswer(config, 'http://foo.bar.com/a?b=1')).toBe('308 https://foo.bar.com/a?b=1');
  });

  test('the one difference left: ingress-nginx drops a trailing slash in that redirect, and verify says so', () => {
    const r = verifyMigration(m);
    expect(r.disagreements.length).toBeGreaterThan(0);
    for (const d of r.disagreements) {
      expect(d.request).toMatch(/^GET http:\/\/(foo\.bar\.com|bar\.baz\.com)\/\S*\/$/);
      expect(d.ingress).toMatch(/^308 to https:\/\/\S+[^/] /);
      expect(d.gateway).toMatch(/^308 to https:\/\/\S+\/ /);
    }
    expect(features(m, 'default/foo-tls').filter((f) => f.status === 'approximated').map((f) => f.feature)).toEqual([
      'https redirect of bar.baz.com', 'https redirect of foo.bar.com',
    ]);
  });
});

describe('regex hosts (ingress-path-matching.md)', () => {
  const m = migrateFixtures(['path-matching.yaml']);
  const config = configOf(m);

  test('a rewrite-target on one Ingress makes every path of test.com a case-insensitive regex, tried longest first', () => {
    expect(gatewayAnswer(config, 'http://test.com/foo/bar/1')).toMatch(/^default\/service3:80 /);
    expect(gatewayAnswer(config, 'http://test.com/foo/bar/')).toBe('default/service2:80 /foo/bar/');
    expect(gatewayAnswer(config, 'http://test.com/foo/bar')).toBe('default/service1:80 /foo/bar');
    // ~* "^/foo/bar" is a prefix match in any case: /FOO/BARX goes to service1 too
    expect(gatewayAnswer(config, 'http://test.com/FOO/BARX')).toBe('default/service1:80 /FOO/BARX');
  });

  test('the documentation\'s warning: /foo/bar/bar goes to the [A-Z0-9]{3} location, first in length order', () => {
    expect(gatewayAnswer(config, 'http://test3.com/foo/bar/bar')).toBe('default/test-3:80 /foo/bar/bar');
    expect(gatewayAnswer(config, 'http://test3.com/foo/bar/ba')).toBe('404');
  });

  test('where the Gateway\'s order (longer pattern first) differs from nginx\'s, a lookahead keeps nginx\'s', () => {
    // nginx tries "/[0-9]+/(a|b)" (13 characters) before "/7/abcdef" (9); spelled out case-insensitively the
    // second is the longer pattern, which the Gateway would try first
    const m2 = migrateIngresses(inlineObjects(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: order, namespace: default, annotations: { nginx.ingress.kubernetes.io/use-regex: "true" } }
spec:
  rules:
  - host: order.example.com
    http:
      paths:
      - { path: "/[0-9]+/(a|b)", pathType: ImplementationSpecific, backend: { service: { name: service1, port: { number: 80 } } } }
      - { path: /7/abcdef, pathType: ImplementationSpecific, backend: { service: { name: service2, port: { number: 80 } } } }
`));
    const c = configOf(m2);
    expect(gatewayAnswer(c, 'http://order.example.com/7/abcdef')).toBe('default/service1:80 /7/abcdef');
    expect(gatewayAnswer(c, 'http://order.example.com/7/ABCDEFX')).toBe('default/service1:80 /7/ABCDEFX');
    expect(gatewayAnswer(c, 'http://order.example.com/7/cdef')).toBe('404');
    const values = m2.translation.routes[0].rules.flatMap((r) => r.matches.map((x) => x.path.value));
    expect(values).toContain('(?!/[0-9]+/([aA]|[bB]))/7/[aA][bB][cC][dD][eE][fF].*');
    expect(verifyMigration(m2).disagreements).toEqual([]);
  });

  test('the rewrite with a (.+) capture has no URLRewrite equivalent: reported, and verify shows the unrewritten path', () => {
    const r = verifyMigration(m);
    expect(r.disagreements.map((d) => d.request)).toEqual(['GET http://test.com/foo/bar/x', 'GET http://test.com/foo/bar/x/', 'GET http://test.com/foo/bar/x/y']);
    expect(r.disagreements[0].ingress).toMatch(/^to default\/service3:80 as \/x /);
    expect(r.disagreements[0].gateway).toMatch(/^to default\/service3:80 as \/foo\/bar\/x /);
  });
});

describe('report of the whole fixture set', () => {
  test('every Ingress of every fixture is listed, and nothing is left without an account', () => {
    const all = ['affinity.yaml', 'canary.yaml', 'client-certs.yaml', 'external-auth.yaml', 'features.yaml', 'grpc.yaml', 'multi-tls.yaml',
      'path-matching.yaml', 'redirects.yaml', 'rewrite.yaml', 'semantics.yaml', 'untranslatable.yaml'];
    const { objects } = fixtureObjects(...all);
    const m = migrateIngresses(objects);
    const ingresses = objects.filter((o: any) => o.kind === 'Ingress').length;
    expect(m.report.summary.ingresses).toBe(ingresses);
    for (const i of m.report.ingresses) {
      for (const a of i.annotations) {
        if (a.status === 'translated' || a.status === 'approximated') expect(a.became.length).toBeGreaterThan(0);
        if (a.status !== 'translated') expect(a.reason).toBeTruthy();
      }
    }
  });
});
