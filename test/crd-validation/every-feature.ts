/**
 * An app that uses every construct and option at least once (experimental-channel fields included), so
 * the CRD harness sees every shape the constructs can render.
 */
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  AllowedListeners, AllowedRoutes, Backend, BackendTlsPolicy, BlueGreen, CaCertificate, ClientCertificateMode, CookieLifetime,
  Gateway, GatewayAddress, GatewayClass, GrpcFilter, GrpcMatch, GrpcRoute, HttpFilter, HttpMatch, HttpMethod, HttpRoute,
  Listener, ListenerSet, PathModifier, RedirectScheme, RedirectStatusCode, ReferenceGrant, RouteKind, SessionPersistenceType,
  SubjectAltName, TcpRoute, TlsCertificate, TlsRoute, TrafficSplit, UdpRoute, WellKnownCaCertificates,
} from '../../src';

export function buildEveryFeature(): App {
  const app = new App();
  const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
  // `edge` renders shapes this project's data plane refuses at synth (NamedAddress, ServiceImport backends,
  // ExtensionRef filters...), so another implementation serves it; `node-edge` carries the data-plane settings
  const eg = new GatewayClass(platform, 'eg', {
    controllerName: 'gateway.envoyproxy.io/gatewayclass-controller',
    description: 'another implementation',
    parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'proxy', namespace: 'envoy-gateway-system' },
  });
  const gateway = new Gateway(platform, 'edge', {
    gatewayClass: eg,
    listeners: [
      Listener.http({ name: 'web', port: 80 }),
      Listener.https({
        name: 'websecure',
        port: 443,
        hostname: '*.example.com',
        certificates: [TlsCertificate.fromSecretName('example-com'), TlsCertificate.fromSecretName('wildcard', { namespace: 'certs' })],
        tlsOptions: { 'example.com/min-version': '1.3' },
      }),
      Listener.tlsPassthrough({ name: 'db', port: 5432, hostname: '*.db.example.com' }),
      Listener.tlsTerminate({ name: 'queue', port: 5671, hostname: 'queue.example.com', certificates: [TlsCertificate.fromSecretName('queue')] }),
      Listener.tcp({ name: 'redis', port: 6379 }),
      Listener.udp({ name: 'dns', port: 53 }),
      Listener.http({ name: 'public', port: 8080, allowedRoutes: AllowedRoutes.allNamespaces({ kinds: [RouteKind.HTTP_ROUTE] }) }),
      Listener.http({ name: 'labelled', port: 8081, allowedRoutes: AllowedRoutes.fromNamespaceLabels({ exposed: 'true' }) }),
      Listener.http({ name: 'named', port: 8082, allowedRoutes: AllowedRoutes.fromNamespaces(['shop', 'blog']) }),
      Listener.http({ name: 'local', port: 8083, allowedRoutes: AllowedRoutes.sameNamespace({ kinds: [RouteKind.GRPC_ROUTE] }) }),
    ],
    addresses: [GatewayAddress.ipAddress('192.0.2.10'), GatewayAddress.ipAddress('2001:db8::1'), GatewayAddress.hostname('lb.example.com'),
      GatewayAddress.named('reserved'), GatewayAddress.custom('example.com/pool')],
    infrastructure: {
      labels: { 'example.com/team': 'platform' },
      annotations: { 'example.com/lb-scheme': 'internet-facing' },
      parametersRef: { group: '', kind: 'ConfigMap', name: 'edge-params' },
    },
    clientCertificateValidation: { caCertificates: [CaCertificate.fromConfigMapName('client-ca')] },
    clientCertificateValidationPerPort: [{
      port: 5671,
      caCertificates: [CaCertificate.fromSecretName('partner-ca'), CaCertificate.fromConfigMapName('shared-ca', { namespace: 'certs' })],
      mode: ClientCertificateMode.ALLOW_INSECURE_FALLBACK,
    }],
    backendClientCertificate: TlsCertificate.fromSecretName('gateway-client'),
  });
  // ListenerSets from other namespaces: on a Gateway without team grants (a team could add any hostname with one)
  const partnerEdge = new Gateway(platform, 'partner-edge', {
    gatewayClass: eg,
    listeners: [Listener.http({ name: 'web', port: 80 })],
    allowedListeners: AllowedListeners.fromNamespaceLabels({ 'gateway-access': 'edge' }),
  });
  new Gateway(platform, 'node-edge', {
    gatewayClass: GatewayClass.nodeDataPlane(platform),
    listeners: [Listener.https({ name: 'mtls', port: 443, certificates: [TlsCertificate.fromSecretName('node-edge-tls')] })],
    clientCertificateValidation: { caCertificates: [CaCertificate.fromConfigMapName('client-ca')] },
    dataPlane: { replicas: 3, autoscaling: { minReplicas: 3, maxReplicas: 10 }, clientCertificateHeader: 'x-client-cert' },
  });
  new ReferenceGrant(platform, 'certs', {
    metadata: { namespace: 'certs' },
    from: [{ kind: 'Gateway', namespace: 'gateway-system' }],
    to: [{ kind: 'Secret', name: 'wildcard' }, { kind: 'ConfigMap' }],
  });

  const shop = gateway.grantTeam('shop', {
    namespace: 'shop',
    hostnames: ['shop.example.com', '*.shop.example.com'],
    listeners: ['web', 'websecure'],
    backendGrants: [{ namespace: 'payments', serviceNames: ['checkout'] }, { namespace: 'search' }],
    rbac: { group: 'shop-devs' },
    createNamespace: true,
  });
  const data = gateway.grantTeam('data', {
    namespace: 'data', hostnames: ['pg.db.example.com', 'queue.example.com'], listeners: ['db', 'queue', 'redis', 'dns'], createNamespace: true,
  });

  const shopChart = new Chart(app, 'shop', { namespace: 'shop' });
  const svc = new kplus.Service(shopChart, 'catalog', { metadata: { name: 'catalog' }, ports: [{ port: 8080 }] });
  const api = Backend.fromServiceName('api', { port: 8080 });
  const auth = Backend.fromServiceName('authz', { port: 9001 });
  shop.httpRoute(shopChart, 'everything', {
    rules: [
      {
        name: 'matches',
        matches: [
          HttpMatch.pathPrefix('/api').withMethod(HttpMethod.PATCH).withHeader('x-env', 'canary').withQueryParam('v', '2'),
          HttpMatch.pathExact('/exact'),
          HttpMatch.pathRegex('^/items/[0-9]+$').withHeaderRegex('user-agent', '.*Mozilla.*').withQueryParamRegex('q', '^a.*'),
          HttpMatch.header('x-only', 'header'),
          HttpMatch.queryParam('only', 'query'),
          HttpMatch.method(HttpMethod.OPTIONS),
        ],
        filters: [
          HttpFilter.requestHeaders({ set: { 'x-a': '1' }, add: { 'x-b': 'two words' }, remove: ['cookie'] }),
          HttpFilter.responseHeaders({ set: { 'cache-control': 'no-store' }, remove: ['server'] }),
          HttpFilter.mirror(Backend.fromServiceName('shadow', { port: 8080 }), { percent: 5 }),
          HttpFilter.mirror(Backend.fromServiceName('search', { port: 80, namespace: 'search' }), { fraction: { numerator: 1, denominator: 1000 } }),
          HttpFilter.cors({
            allowOrigins: ['https://shop.example.com', 'https://*.example.com', 'http://localhost:3000'],
            allowMethods: ['GET', 'POST'],
            allowHeaders: ['content-type'],
            exposeHeaders: ['x-request-id'],
            allowCredentials: true,
            maxAge: Duration.minutes(10),
          }),
          HttpFilter.extension({ group: 'example.com', kind: 'RateLimit', name: 'strict' }),
          HttpFilter.externalAuthHttp(auth, { path: '/check', allowedHeaders: ['authorization'], allowedResponseHeaders: ['x-user'], forwardBodyMaxSize: 8192 }),
        ],
        backends: [
          Backend.fromService(svc, { weight: 3, filters: [HttpFilter.requestHeaders({ set: { 'x-pool': 'catalog' } }), HttpFilter.cors({ allowOrigins: ['*'] })] }),
          Backend.fromServiceName('checkout', { port: 8443, namespace: 'payments', weight: 1 }),
          Backend.fromReference({ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'remote', port: 8080 }),
        ],
        timeout: Duration.seconds(30),
        backendTimeout: Duration.millis(2500),
        retry: { codes: [502, 503, 504], attempts: 2, backoff: Duration.millis(100) },
        sessionPersistence: { sessionName: 'shop', absoluteTimeout: Duration.hours(12), cookieLifetime: CookieLifetime.PERMANENT },
      },
      {
        name: 'rewrite',
        matches: [HttpMatch.pathPrefix('/v1')],
        filters: [HttpFilter.urlRewrite({ hostname: 'internal.shop.example.com', path: PathModifier.prefix('/v2') }), HttpFilter.externalAuthGrpc(auth)],
        backends: TrafficSplit.canary(api, Backend.fromServiceName('api-v2', { port: 8080 }), 25),
        sessionPersistence: { type: SessionPersistenceType.HEADER, sessionName: 'x-session' },
      },
      {
        name: 'full-rewrite',
        matches: [HttpMatch.pathExact('/old')],
        backends: [Backend.fromServiceName('api', { port: 8080, filters: [HttpFilter.urlRewrite({ path: PathModifier.fullPath('/new') })] })],
      },
      { name: 'redirect-https', matches: [HttpMatch.pathPrefix('/secure')], filters: [HttpFilter.httpsRedirect()] },
      {
        name: 'redirect-full',
        matches: [HttpMatch.pathPrefix('/moved')],
        filters: [HttpFilter.redirect({
          scheme: RedirectScheme.HTTP, hostname: 'new.example.com', port: 8080, path: PathModifier.prefix('/'), statusCode: RedirectStatusCode.SEE_OTHER,
        })],
      },
      { name: 'redirect-307', matches: [HttpMatch.pathExact('/tmp')], filters: [HttpFilter.redirect({ statusCode: RedirectStatusCode.TEMPORARY_REDIRECT, path: PathModifier.fullPath('/x') })] },
      { name: 'blue-green', matches: [HttpMatch.pathPrefix('/admin')], backends: TrafficSplit.blueGreen(api, api, BlueGreen.BLUE), timeout: Duration.seconds(0) },
      {
        // every filter type once more, on a backend
        name: 'backend-filters',
        matches: [HttpMatch.pathPrefix('/per-backend')],
        backends: [
          Backend.fromServiceName('api', {
            port: 8080,
            filters: [
              HttpFilter.cors({ allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'] }),
              HttpFilter.mirror(Backend.fromServiceName('shadow', { port: 8080 }), { fraction: { numerator: 1 } }),
              HttpFilter.externalAuthHttp(auth),
              HttpFilter.redirect({ path: PathModifier.prefix('/elsewhere') }),
            ],
          }),
          Backend.fromServiceName('api-v2', {
            port: 8080,
            filters: [HttpFilter.externalAuthGrpc(auth), HttpFilter.redirect({ path: PathModifier.fullPath('/v2') })],
          }),
        ],
      },
    ],
  });
  shop.grpcRoute(shopChart, 'grpc', {
    hostnames: ['grpc.shop.example.com'],
    rules: [
      {
        name: 'cart',
        matches: [
          GrpcMatch.method('shop.cart.v1.Cart', 'AddItem'), GrpcMatch.service('shop.cart.v1.Cart').withHeader('x-beta', 'on'),
          GrpcMatch.methodName('Check'), GrpcMatch.regex('shop\\..*', 'Get.*').withHeaderRegex('x-tenant', '^t-'), GrpcMatch.header('x-debug', '1'),
        ],
        filters: [
          GrpcFilter.requestHeaders({ add: { 'x-from': 'gateway' } }), GrpcFilter.responseHeaders({ remove: ['x-internal'] }),
          GrpcFilter.mirror(Backend.fromServiceName('cart-shadow', { port: 9090 }), { fraction: { numerator: 1, denominator: 10 } }),
          GrpcFilter.extension({ group: 'example.com', kind: 'Jwt', name: 'jwt' }),
        ],
        backends: [
          Backend.fromServiceName('cart', { port: 9090, weight: 4 }),
          Backend.fromServiceName('cart-v2', {
            port: 9090,
            weight: 1,
            filters: [
              HttpFilter.requestHeaders({ set: { 'x-v': '2' } }),
              HttpFilter.mirror(Backend.fromServiceName('cart-shadow', { port: 9090 }), { fraction: { numerator: 1, denominator: 50 } }),
            ],
          }),
        ],
        sessionPersistence: { type: SessionPersistenceType.COOKIE, cookieLifetime: CookieLifetime.SESSION },
      },
      { backends: [Backend.fromServiceName('grpc-default', { port: 9090 })] },
    ],
  });
  new BackendTlsPolicy(shopChart, 'catalog-tls', {
    targets: [BackendTlsPolicy.serviceTarget(svc), { name: 'api', sectionName: 'https' }, { name: 'api', sectionName: 'grpc' }],
    hostname: 'catalog.shop.svc',
    caCertificates: [CaCertificate.fromConfigMapName('shop-ca'), CaCertificate.fromSecretName('shop-ca-secret')],
    subjectAltNames: [SubjectAltName.hostname('*.shop.svc'), SubjectAltName.uri('spiffe://cluster.local/ns/shop/sa/catalog')],
    options: { 'example.com/ciphers': 'modern' },
  });
  new BackendTlsPolicy(shopChart, 'public-tls', { targets: [{ name: 'partner' }], hostname: 'partner.example.net', wellKnownCaCertificates: WellKnownCaCertificates.SYSTEM });
  const partners = new Chart(app, 'partners', { namespace: 'partners' });
  const set = new ListenerSet(partners, 'partner-listeners', {
    gateway: partnerEdge,
    listeners: [
      Listener.https({ name: 'partner-direct', port: 8443, hostname: 'direct.partner.example.com', certificates: [TlsCertificate.fromSecretName('direct')] }),
      Listener.http({ name: 'partner-open', port: 9080, allowedRoutes: AllowedRoutes.allNamespaces() }),
    ],
  });
  new HttpRoute(partners, 'via-set', {
    parentRefs: [{ parent: set, sectionName: 'partner-direct', port: 8443 }, { parent: set, sectionName: 'partner-open', port: 9080 }],
    rules: [{ backends: [api] }],
  });

  const dataChart = new Chart(app, 'data', { namespace: 'data' });
  data.tlsRoute(dataChart, 'pg', { listeners: ['db'], hostnames: ['pg.db.example.com'], backends: [Backend.fromServiceName('pg', { port: 5432 })], ruleName: 'primary' });
  data.tlsRoute(dataChart, 'queue', { listeners: ['queue'], hostnames: ['queue.example.com'], backends: [Backend.fromServiceName('rabbit', { port: 5672 })] });
  data.tcpRoute(dataChart, 'redis', {
    backends: TrafficSplit.percentages([
      { backend: Backend.fromServiceName('redis-a', { port: 6379 }), percent: 50 },
      { backend: Backend.fromServiceName('redis-b', { port: 6379 }), percent: 50 },
    ]),
    ruleName: 'pools',
  });
  data.udpRoute(dataChart, 'dns', { backends: [Backend.fromServiceName('coredns', { port: 53 })] });

  // a route of another app's Gateway, by name
  const other = new Chart(app, 'other', { namespace: 'other' });
  new TcpRoute(other, 'elsewhere', { parentRefs: [{ parent: Gateway.fromGatewayName('infra-gw', 'infra'), sectionName: 'tcp' }], backends: [api] });
  new UdpRoute(other, 'elsewhere-udp', { parentRefs: [{ parent: Gateway.fromGatewayName('infra-gw', 'infra'), port: 53 }], backends: [api] });
  new TlsRoute(other, 'elsewhere-tls', { parentRefs: [{ parent: Gateway.fromGatewayName('infra-gw') }], hostnames: ['x.example.com'], backends: [api] });
  new GrpcRoute(platform, 'local-grpc', {
    parentRefs: [{ parent: Gateway.fromGatewayName('edge', 'gateway-system'), sectionName: 'local' }],
    rules: [{ backends: [api] }],
  });
  return app;
}
