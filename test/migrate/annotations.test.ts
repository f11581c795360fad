/**
 * One test per ingress-nginx annotation family, from the documentation's own examples (fixtures/): what the
 * migrated Gateway does with requests (explain on the compiled config), and what the report says.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configOf, features, finding, gatewayAnswer, inlineObjects, migrateFixtures } from './support';
import { migrateIngresses, UNTRANSLATABLE, verifyMigration } from '../../src/migrate';
import { explainConnection } from '../../src/router';

describe('canary (canary.yaml)', () => {
  const m = migrateFixtures(['canary.yaml']);
  const c = configOf(m);

  test('canary-weight 50 splits the main backend\'s traffic 50/50 (the docs example)', () => {
    expect(gatewayAnswer(c, 'http://echo.prod.mydomain.com/')).toBe('default/production:80=50% default/canary:80=50%');
    expect(finding(m, 'default/canary', 'canary-weight')).toMatchObject({ status: 'translated', became: [expect.stringMatching(/weights 50\/50/)] });
  });

  test('canary-by-header: always goes to the canary, never stays, other values fall to the cookie and then the weight', () => {
    const url = 'http://shop.mydomain.com/cart';
    expect(gatewayAnswer(c, url, { 'x-canary': 'always' })).toBe('shop/shop-v2:8080 /cart');
    expect(gatewayAnswer(c, url, { 'x-canary': 'never', 'cookie': 'canary_user=always' })).toBe('shop/shop-v1:8080 /cart');
    expect(gatewayAnswer(c, url, { 'x-canary': 'maybe', 'cookie': 'a=1; canary_user=always' })).toBe('shop/shop-v2:8080 /cart');
    expect(gatewayAnswer(c, url, { cookie: 'canary_user=never' })).toBe('shop/shop-v1:8080 /cart');
  });

  test('canary-weight-total 1000 with canary-weight 10 is a 1% canary', () => {
    expect(gatewayAnswer(c, 'http://shop.mydomain.com/')).toBe('shop/shop-v1:8080=99% shop/shop-v2:8080=1%');
  });

  test('canary-by-header-value and canary-by-header-pattern pick the canary of their own path only', () => {
    expect(gatewayAnswer(c, 'http://api.mydomain.com/v1/x', { 'x-region': 'us-east' })).toBe('shop/api-v1-canary:8080 /v1/x');
    expect(gatewayAnswer(c, 'http://api.mydomain.com/v1/x', { 'x-region': 'always' })).toBe('shop/api-v1:8080 /v1/x');
    expect(gatewayAnswer(c, 'http://api.mydomain.com/v2/x', { 'x-beta': 'tester-7' })).toBe('shop/api-v2-canary:8080 /v2/x');
    // the pattern is anchored with ^, so the value must start with it
    expect(gatewayAnswer(c, 'http://api.mydomain.com/v2/x', { 'x-beta': 'qa-tester-7' })).toBe('shop/api-v2:8080 /v2/x');
    expect(gatewayAnswer(c, 'http://api.mydomain.com/v2/x', { 'x-beta': 'customer' })).toBe('shop/api-v2:8080 /v2/x');
  });

  test('the model and the Gateway agree on every derived request, canary headers and cookies included', () => {
    expect(verifyMigration(m).disagreements).toEqual([]);
  });

  test('like ingress-nginx, a canary follows its main Service to every location that proxies to it', () => {
    const m2 = migrateIngresses(inlineObjects(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: main, namespace: shop }
spec:
  rules:
  - host: a.shop.example
    http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: shop-v1, port: { number: 8080 } } } }] }
  - host: b.shop.example
    http: { paths: [{ path: /legacy, pathType: Prefix, backend: { service: { name: shop-v1, port: { number: 8080 } } } }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: canary, namespace: shop, annotations: { nginx.ingress.kubernetes.io/canary: "true", nginx.ingress.kubernetes.io/canary-by-header: x-v2 } }
spec:
  rules:
  - host: a.shop.example
    http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: shop-v2, port: { number: 8080 } } } }] }
`));
    expect(gatewayAnswer(configOf(m2), 'http://b.shop.example/legacy', { 'x-v2': 'always' })).toBe('shop/shop-v2:8080 /legacy');
    expect(verifyMigration(m2).disagreements).toEqual([]);
  });
});

describe('rewrite-target, use-regex, app-root (rewrite.yaml)', () => {
  const m = migrateFixtures(['rewrite.yaml']);
  const c = configOf(m);

  test('the docs example: /something, /something/ and /something/new reach http-svc as /, / and /new', () => {
    expect(gatewayAnswer(c, 'http://rewrite.bar.com/something')).toBe('default/http-svc:80 /');
    expect(gatewayAnswer(c, 'http://rewrite.bar.com/something/')).toBe('default/http-svc:80 /');
    expect(gatewayAnswer(c, 'http://rewrite.bar.com/something/new')).toBe('default/http-svc:80 /new');
  });

  test('it is a PathPrefix with ReplacePrefixMatch, approximated because nginx matched any letter case', () => {
    expect(finding(m, 'default/rewrite', 'rewrite-target')).toMatchObject({
      status: 'approximated',
      reason: expect.stringMatching(/nginx matched \/something in any letter case \(~\*\); the PathPrefix is case-sensitive/),
    });
    expect(gatewayAnswer(c, 'http://rewrite.bar.com/SOMETHING/new')).toBe('404');
  });

  test('a rewrite-target without captures is a ReplaceFullPath on every path of the Ingress', () => {
    expect(gatewayAnswer(c, 'http://rewrite-static.bar.com/static/a/b')).toBe('default/http-svc:80 /');
    expect(gatewayAnswer(c, 'http://rewrite-static.bar.com/APP')).toBe('default/app-svc:80 /');
    expect(finding(m, 'default/rewrite-static', 'rewrite-target').status).toBe('translated');
  });

  test('app-root redirects / with 302, and only /', () => {
    expect(gatewayAnswer(c, 'http://approot.bar.com/')).toBe('302 http://approot.bar.com/app1');
    expect(gatewayAnswer(c, 'http://approot.bar.com/app1')).toBe('default/http-svc:80 /app1');
  });
});

describe('redirects (redirects.yaml)', () => {
  const m = migrateFixtures(['redirects.yaml']);
  const c = configOf(m);

  test('permanent-redirect answers 301 with the URL (approximated: the Gateway keeps the query string)', () => {
    expect(gatewayAnswer(c, 'http://permanent.example.com/a')).toBe('301 https://www.google.com/');
    expect(finding(m, 'default/permanent', 'permanent-redirect').status).toBe('approximated');
  });

  test('permanent-redirect-code 308 with $request_uri keeps the path exactly', () => {
    expect(gatewayAnswer(c, 'http://moved.example.com/a/b?c=1')).toBe('308 https://new.example.com/a/b?c=1');
    expect(finding(m, 'default/permanent-308', 'permanent-redirect')).toMatchObject({ status: 'translated' });
    expect(finding(m, 'default/permanent-308', 'permanent-redirect-code').became).toEqual([expect.stringMatching(/statusCode 308/)]);
  });

  test('temporal-redirect answers 302', () => {
    expect(gatewayAnswer(c, 'http://temporal.example.com/x')).toBe('302 https://maintenance.example.com/');
  });

  test('from-to-www-redirect sends domain.com to www.domain.com with 308', () => {
    expect(gatewayAnswer(c, 'http://domain.com/a')).toBe('308 http://www.domain.com/a');
    expect(gatewayAnswer(c, 'http://www.domain.com/a')).toBe('default/http-svc:80 /a');
  });

  test('ssl-redirect "false" serves a TLS host on http too', () => {
    expect(gatewayAnswer(c, 'http://plain-too.example.com/a')).toBe('default/http-svc:80 /a');
    expect(gatewayAnswer(c, 'https://plain-too.example.com/a')).toBe('default/http-svc:80 /a');
  });

  test('force-ssl-redirect redirects a host without TLS, and preserve-trailing-slash keeps the slash as the Gateway does', () => {
    expect(gatewayAnswer(c, 'http://offloaded.example.com/a/')).toBe('308 https://offloaded.example.com/a/');
    expect(finding(m, 'default/offloaded', 'force-ssl-redirect').status).toBe('translated');
  });
});

describe('backend-protocol and proxy-ssl-* (grpc.yaml, features.yaml)', () => {
  test('GRPC: the Service port gets appProtocol kubernetes.io/h2c, so the Gateway speaks HTTP/2 to it', () => {
    const m = migrateFixtures(['grpc.yaml']);
    const svc = m.objects.find((o: any) => o.kind === 'Service' && o.metadata.name === 'fortune-teller-service') as any;
    expect(svc.spec.ports[0].appProtocol).toBe('kubernetes.io/h2c');
    expect(configOf(m).backends['default/fortune-teller-service:50051'].protocol).toBe('h2c');
    // the named port "grpc" was resolved through the Service
    expect(gatewayAnswer(configOf(m), 'https://fortune-teller.stack.build/build.stack.fortune.FortuneTeller/Predict', { 'content-type': 'application/grpc' }, 'POST'))
      .toBe('default/fortune-teller-service:50051 /build.stack.fortune.FortuneTeller/Predict');
  });

  test('GRPC to a Service that is not among the input: a GRPCRoute, which speaks HTTP/2 by default', () => {
    const m = migrateIngresses(inlineObjects(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: grpc, namespace: rpc, annotations: { nginx.ingress.kubernetes.io/backend-protocol: GRPC } }
spec:
  rules:
  - host: rpc.example.com
    http:
      paths:
      - { path: /helloworld.Greeter, pathType: Prefix, backend: { service: { name: greeter, port: { number: 9000 } } } }
`));
    const route = m.objects.find((o: any) => o.kind === 'GRPCRoute') as any;
    expect(route.spec.rules[0].matches).toEqual([{ method: { type: 'Exact', service: 'helloworld.Greeter' } }]);
    expect(configOf(m).backends['rpc/greeter:9000'].protocol).toBe('h2c');
  });

  test('HTTPS with proxy-ssl-secret, -verify and -name: a BackendTLSPolicy with that CA and hostname, the Secret as the client certificate', () => {
    const m = migrateFixtures(['features.yaml']);
    const policy = m.objects.find((o: any) => o.kind === 'BackendTLSPolicy') as any;
    expect(policy).toMatchObject({
      metadata: { name: 'secure-backend-tls', namespace: 'web' },
      spec: { targetRefs: [{ group: '', kind: 'Service', name: 'secure', sectionName: 'https' }], validation: { hostname: 'secure.web.svc', caCertificateRefs: [{ kind: 'Secret', name: 'backend-ca' }] } },
    });
    const backend = configOf(m).backends['web/secure:443'];
    expect(backend.tls).toMatchObject({ hostname: 'secure.web.svc', caBundles: [{ kind: 'Secret', namespace: 'web', name: 'backend-ca' }], clientCertificate: { namespace: 'web', name: 'backend-ca' } });
    expect(finding(m, 'web/secure-backend', 'backend-protocol').status).toBe('translated');
  });

  test('HTTPS without proxy-ssl-verify is approximated: the Gateway verifies, ingress-nginx did not', () => {
    const m = migrateIngresses(inlineObjects(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: https, namespace: web, annotations: { nginx.ingress.kubernetes.io/backend-protocol: HTTPS } }
spec:
  rules:
  - host: tls-backend.example.com
    http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: secure, port: { number: 443 } } } }] }
`));
    expect(finding(m, 'web/https', 'backend-protocol')).toMatchObject({ status: 'approximated', reason: expect.stringMatching(/ingress-nginx did not \(proxy-ssl-verify is off by default\)/) });
    expect(configOf(m).backends['web/secure:443'].tls).toMatchObject({ hostname: 'secure.web.svc', systemCAs: true });
  });

  test('GRPCS is h2c plus TLS (h2), H2C is h2c, AJP has no equivalent', () => {
    const m = migrateIngresses(inlineObjects(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: grpcs, namespace: web, annotations: { nginx.ingress.kubernetes.io/backend-protocol: GRPCS } }
spec:
  rules:
  - host: grpcs.example.com
    http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: secure, port: { number: 443 } } } }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: h2c, namespace: web, annotations: { nginx.ingress.kubernetes.io/backend-protocol: H2C } }
spec:
  rules:
  - host: h2c.example.com
    http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ajp, namespace: web, annotations: { nginx.ingress.kubernetes.io/backend-protocol: AJP } }
spec:
  rules:
  - host: ajp.example.com
    http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web-shadow, port: { number: 80 } } } }] }
`));
    const c = configOf(m);
    expect(c.backends['web/secure:443'].protocol).toBe('h2');
    expect(c.backends['web/web:80'].protocol).toBe('h2c');
    expect(finding(m, 'web/h2c', 'backend-protocol')).toMatchObject({ status: 'approximated', reason: expect.stringMatching(/ingress-nginx does not know H2C/) });
    expect(finding(m, 'web/ajp', 'backend-protocol')).toMatchObject({ status: 'untranslatable', reason: expect.stringMatching(/AJP has no Gateway API equivalent/) });
  });
});

describe('timeouts, retries, CORS, upstream-vhost, x-forwarded-prefix, mirror, passthrough, aliases (features.yaml)', () => {
  const m = migrateFixtures(['features.yaml']);
  const c = configOf(m);
  const rule = (host: string) => {
    const e = c.ports.find((p) => p.port === 80)!.listeners.flatMap((l) => l.httpRoutes ?? []).find((x) => x.hostnames.includes(host))!;
    return c.httpRules[e.rule];
  };

  test('proxy-connect/read/send-timeout: one backendRequest timeout of connect + read, approximated with the reason', () => {
    expect(rule('vhost.example.com').timeouts).toEqual({ backendRequestMs: 130_000 });
    for (const k of ['proxy-connect-timeout', 'proxy-read-timeout', 'proxy-send-timeout']) {
      expect(finding(m, 'web/vhost', k)).toMatchObject({ status: 'approximated', reason: expect.stringMatching(/backendRequest 2m10s = connect \(10\) \+ read \(120\)/) });
    }
  });

  test('proxy-next-upstream-tries 3 with http_502 http_503: 2 retries of those codes (experimental channel)', () => {
    expect(rule('vhost.example.com').retry).toMatchObject({ attempts: 2, codes: [502, 503] });
    expect(m.report.experimental).toBe(true);
  });

  test('upstream-vhost rewrites the Host header; x-forwarded-prefix sets that header', () => {
    const filters = rule('vhost.example.com').filters;
    expect(filters).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'URLRewrite', hostname: 'internal.web.svc' }),
      expect.objectContaining({ type: 'RequestHeaderModifier', set: [{ name: 'X-Forwarded-Prefix', value: '/path' }] }),
    ]));
  });

  test('enable-cors with the docs example values: a CORS filter ("*" in expose headers covers the rest)', () => {
    expect(rule('cors.example.com').filters).toEqual([expect.objectContaining({
      type: 'CORS',
      allowOrigins: ['https://origin-site.com:4443', 'http://origin-site.com', 'https://example.org:1199'],
      allowMethods: ['PUT', 'GET', 'POST', 'OPTIONS'],
      allowHeaders: ['X-Forwarded-For', 'X-app123-XPTO'],
      exposeHeaders: ['*'],
      allowCredentials: false,
      maxAge: 600,
    })]);
  });

  test('mirror-target to an in-cluster URL mirrors to that Service; the docs\' external URL is reported', () => {
    expect(rule('mirror.example.com').filters).toEqual([expect.objectContaining({ type: 'RequestMirror', backend: 'web/web-shadow:80', percent: 100 })]);
    expect(finding(m, 'web/mirror-external', 'mirror-target')).toMatchObject({ status: 'untranslatable', reason: expect.stringMatching(/test\.env\.com is not a Service of the cluster/) });
  });

  test('ssl-passthrough: TLS connections with the host\'s name go to its backend unterminated', () => {
    const e = explainConnection(c, { port: 443, serverName: 'passthrough.example.com' });
    expect(e.mode).toBe('Passthrough');
    expect(e.backends.map((b) => b.backend?.id)).toEqual(['web/tls-app:8443']);
  });

  test('server-alias: the aliases reach the same backends', () => {
    expect(gatewayAnswer(c, 'http://alias2.example.com/x')).toBe('web/web:80 /x');
    expect(finding(m, 'web/alias', 'server-alias').became).toEqual([expect.stringMatching(/alias1.example.com, alias2.example.com are hostnames of the routes of aliased.example.com/)]);
  });

  test('the model and the Gateway agree on every derived request of these Ingresses', () => {
    const r = verifyMigration(m);
    expect(r.problems).toEqual([]);
    expect(r.disagreements).toEqual([]);
  });
});

describe('session affinity (affinity.yaml)', () => {
  test('affinity cookie with session-cookie-name route and max-age 172800: cookie session persistence for 48h', () => {
    const m = migrateFixtures(['affinity.yaml']);
    const c = configOf(m);
    const e = c.ports[0].listeners.flatMap((l) => l.httpRoutes ?? [])[0];
    expect(c.httpRules[e.rule].sessionPersistence).toEqual({ type: 'Cookie', sessionName: 'route', absoluteTimeoutMs: 172_800_000, cookieLifetime: 'Permanent' });
    expect(m.report.untranslatable).toEqual([]);
  });
});

describe('external auth (external-auth.yaml)', () => {
  const m = migrateFixtures(['external-auth.yaml']);

  test('auth-url to an in-cluster service with auth-response-headers: an ExternalAuth filter (experimental channel)', () => {
    const route = m.objects.find((o: any) => o.kind === 'HTTPRoute' && o.metadata.name === 'public-demo-echo-service.kube.local') as any;
    expect(route.spec.rules[0].filters).toEqual([{
      type: 'ExternalAuth',
      externalAuth: { protocol: 'HTTP', backendRef: { name: 'demo-auth-service', port: 8080 }, http: { path: '/auth', allowedResponseHeaders: ['UserID', 'UserRole'] } },
    }]);
    expect(finding(m, 'default/external-auth-headers', 'auth-url').status).toBe('approximated');
  });

  test('the docs example\'s auth-url outside the cluster is reported, and the route still serves', () => {
    expect(finding(m, 'default/external-auth', 'auth-url')).toMatchObject({ status: 'untranslatable', reason: expect.stringMatching(/httpbin\.org is not a Service of the cluster/) });
    expect(gatewayAnswer(configOf(m), 'http://external-auth-01.sample.com/')).toBe('default/http-svc:80 /');
  });
});

describe('client certificates (client-certs.yaml)', () => {
  test('auth-tls-secret and auth-tls-verify-client "on": the Gateway validates client certificates with that CA', () => {
    const m = migrateFixtures(['client-certs.yaml']);
    expect(m.translation.gatewayTls).toEqual({
      frontend: { default: { validation: { caCertificateRefs: [{ group: '', kind: 'Secret', name: 'ca-secret' }], mode: 'AllowValidOnly' } } },
    });
    expect(configOf(m).ports.find((p) => p.port === 443)!.frontendValidation).toEqual({
      mode: 'AllowValidOnly', caBundles: [{ kind: 'Secret', namespace: 'default', name: 'ca-secret', key: 'ca.crt' }],
    });
    for (const k of ['auth-tls-verify-depth', 'auth-tls-error-page', 'auth-tls-pass-certificate-to-upstream']) expect(finding(m, 'default/client-certs', k).status).toBe('untranslatable');
  });

  test('hosts of one port that do not share the client CA: the Gateway cannot say it per host, so it is reported and not enforced', () => {
    const m = migrateFixtures(['client-certs.yaml', 'multi-tls.yaml']);
    expect(m.translation.gatewayTls).toBeUndefined();
    expect(finding(m, 'default/client-certs', 'auth-tls-secret')).toMatchObject({
      status: 'untranslatable', reason: expect.stringMatching(/validates client certificates per port \(443 here\), ingress-nginx per host: bar.baz.com, foo.bar.com do not share/),
    });
  });
});

describe('annotations with no Gateway API equivalent (untranslatable.yaml)', () => {
  const m = migrateFixtures(['untranslatable.yaml']);

  test('each is reported with the object, the annotation and why; the route still serves', () => {
    const items = m.report.untranslatable.map((u) => `${u.object} ${u.what}`);
    expect(items).toEqual([
      'Ingress legacy/legacy cert-manager.io/cluster-issuer',
      ...['auth-realm', 'auth-secret', 'auth-type', 'client-body-buffer-size', 'configuration-snippet', 'custom-http-errors', 'limit-connections',
        'limit-rps', 'proxy-body-size', 'proxy-buffering', 'server-snippet', 'whitelist-source-range'].map((k) => `Ingress legacy/legacy nginx.ingress.kubernetes.io/${k}`),
    ]);
    expect(finding(m, 'legacy/legacy', 'limit-rps').reason).toBe('rate and connection limits: no Gateway API v1.6.1 equivalent');
    expect(gatewayAnswer(configOf(m), 'http://legacy.example.com/x')).toBe('legacy/legacy:80 /x');
  });

  test('annotations of canary Ingresses other than canary and affinity are ignored, as ingress-nginx ignores them', () => {
    const m2 = migrateFixtures(['canary.yaml']);
    expect(features(m2, 'shop/shop-canary').every((f) => f.status !== 'untranslatable')).toBe(true);
  });

  test('docs/migrate.md lists every untranslatable annotation with its reason', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'migrate.md'), 'utf8');
    const missing = Object.keys(UNTRANSLATABLE).filter((k) => !readme.includes(`\`${k}\``));
    expect(missing).toEqual([]);
  });
});
