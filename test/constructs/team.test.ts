/** Team grants: what a team may do through its factory, what the platform emits, and what the cluster enforces. */
import { ApiObject, Chart } from 'cdk8s';
import { find, fixture, synth, warnings } from './fixture';
import {
  AllowedRoutes, Backend, Gateway, GatewayClass, GrpcMatch, HttpMatch, Listener, RouteKind, TeamGrant, TlsCertificate,
} from '../../src';

const api = Backend.fromServiceName('api', { port: 8080 });

describe('a team factory refuses what was not granted', () => {
  test('a team cannot route a hostname it was not granted', () => {
    // GIVEN
    const { gateway, chart } = fixture();
    const shop = gateway.grantTeam('shop', { namespace: 'shop', hostnames: ['shop.example.com'] });

    // WHEN
    const route = () => shop.httpRoute(chart, 'admin', { hostnames: ['admin.example.com'], rules: [{ backends: [api] }] });

    // THEN
    expect(route).toThrow(/team "shop" may not use hostname "admin.example.com" \(granted: shop\.example\.com\)/);
  });

  test('a wildcard grant covers names below it, never the bare domain', () => {
    const { gateway, chart } = fixture();
    const blog = gateway.grantTeam('blog', { namespace: 'shop', hostnames: ['*.blog.example.com'] });
    blog.httpRoute(chart, 'a', { hostnames: ['alice.blog.example.com', '*.bob.blog.example.com'], rules: [{ backends: [api] }] });
    expect(() => blog.httpRoute(chart, 'b', { hostnames: ['blog.example.com'] })).toThrow(
      /HttpRoute shop\/b: hostnames\[0\]: team "blog" may not use hostname "blog.example.com" \(granted: \*.blog.example.com\)/);
    expect(() => blog.httpRoute(chart, 'c', { hostnames: ['*.example.com'] })).toThrow(/may not use hostname "\*.example.com"/);
  });

  test('a team cannot use a listener it was not granted', () => {
    const { gateway, chart } = fixture();
    const shop = gateway.grantTeam('shop', { namespace: 'shop', listeners: ['websecure'] });
    expect(() => shop.httpRoute(chart, 'r', { listeners: ['web'] })).toThrow(
      /HttpRoute shop\/r: listeners\[0\]: team "shop" may not use listener "web" \(granted: websecure\)/);
  });

  test('a team cannot create a route kind it was not granted', () => {
    const { gateway, chart } = fixture();
    const shop = gateway.grantTeam('shop', { namespace: 'shop', routeKinds: [RouteKind.HTTP_ROUTE] });
    expect(() => shop.grpcRoute(chart, 'r')).toThrow(/GrpcRoute shop\/r: team "shop" may not create GRPCRoute \(granted: HTTPRoute\)/);
  });

  test('a team cannot place a route in another namespace', () => {
    const { app, gateway } = fixture();
    const shop = gateway.grantTeam('shop', { namespace: 'shop' });
    const blogChart = new Chart(app, 'blog', { namespace: 'blog' });
    expect(() => shop.httpRoute(blogChart, 'r')).toThrow(
      /HttpRoute blog\/r: namespace \(from the chart\): team "shop" may not place routes in namespace "blog" \(granted: shop\)/);
    const plain = new Chart(app, 'plain');
    expect(() => shop.httpRoute(plain, 'r', { metadata: { namespace: 'kube-system' } })).toThrow(
      /metadata.namespace: team "shop" may not place routes in namespace "kube-system"/);
  });

  test('a team cannot use backends in a namespace it was not granted', () => {
    const { gateway, chart } = fixture();
    const shop = gateway.grantTeam('shop', { namespace: 'shop', backendGrants: [{ namespace: 'inventory' }] });
    expect(() => shop.httpRoute(chart, 'r', { rules: [{ backends: [Backend.fromServiceName('pay', { port: 80, namespace: 'payments' })] }] })).toThrow(
      /HttpRoute shop\/r: rules\[0\].backends\[0\]: team "shop" may not use backends in namespace "payments" \(granted: shop, inventory\)/);
  });

  test('a grant limited to named Services refuses the others', () => {
    const { gateway, chart } = fixture();
    const shop = gateway.grantTeam('shop', { namespace: 'shop', backendGrants: [{ namespace: 'payments', serviceNames: ['checkout'] }] });
    expect(() => shop.httpRoute(chart, 'r', { rules: [{ backends: [Backend.fromServiceName('ledger', { port: 80, namespace: 'payments' })] }] })).toThrow(
      /team "shop" may not use Service "payments\/ledger" \(granted in payments: checkout\)/);
  });

  test('changes after creation are checked against the grant too', () => {
    const { gateway, chart } = fixture();
    const shop = gateway.grantTeam('shop', { namespace: 'shop', hostnames: ['shop.example.com'], listeners: ['websecure'] });
    const route = shop.httpRoute(chart, 'r');
    expect(() => route.addHostname('evil.example.com')).toThrow(/HttpRoute shop\/r: hostnames\[1\]: team "shop" may not use hostname "evil.example.com"/);
    expect(() => route.addParentRef({ parent: shop.gateway, sectionName: 'web' })).toThrow(
      /parentRefs\[1\]: team "shop" may not use listener "web" \(granted: websecure, websecure-shop.example.com\)/);
    expect(() => route.addParentRef({ parent: Gateway.fromGatewayName('other', 'x'), sectionName: 'websecure' })).toThrow(
      /team "shop" may only attach to Gateway gateway-system\/edge \(not Gateway x\/other\)/);
    expect(() => route.addRule({ backends: [Backend.fromServiceName('x', { port: 1, namespace: 'kube-system' })] })).toThrow(
      /rules\[0\].backends\[0\]: team "shop" may not use backends in namespace "kube-system"/);
  });

  test('a team route kind with no granted listener for it is refused', () => {
    const { app, platform, chart } = fixture();
    const gw = new Gateway(platform, 'l4', {
      gatewayClass: GatewayClass.nodeDataPlane(platform),
      listeners: [Listener.tcp({ name: 'redis', port: 6379 }), Listener.http({ name: 'web', port: 80 })],
    });
    const team = gw.grantTeam('shop', { namespace: 'shop', listeners: ['web'] });
    expect(() => team.tcpRoute(chart, 'r')).toThrow(/team "shop" may not create TCPRoute \(granted: HTTPRoute, GRPCRoute\)/);
    const both = gw.grantTeam('cache', { namespace: 'cache', listeners: ['redis', 'web'] });
    const cacheChart = new Chart(app, 'cache', { namespace: 'cache' });
    expect(() => both.tcpRoute(cacheChart, 'r', { listeners: ['web'] })).toThrow(/team "cache" has no granted listener that accepts TCPRoute \(granted: redis: TCP, web: HTTP\)/);
  });
});

describe('a grant is checked when it is made', () => {
  test.each([
    [{ namespace: 'shop', listeners: ['admin'] }, /Gateway platform\/edge: grantTeam\("shop"\).listeners\[0\]: "admin" is not a listener of the Gateway \(listeners: web, websecure\)/],
    [{ namespace: 'shop', hostnames: ['shop.example.org'], listeners: ['websecure'] },
      /grantTeam\("shop"\).hostnames\[0\]: "shop.example.org" matches no granted listener \(websecure: \*.example.com\)/],
    [{ namespace: 'shop', routeKinds: [RouteKind.UDP_ROUTE] }, /grantTeam\("shop"\).routeKinds\[0\]: UDPRoute cannot attach to any granted listener \(web: HTTP, websecure: HTTPS\)/],
    [{ namespace: 'Shop' }, /grantTeam\("shop"\).namespace "Shop" must be a DNS label/],
    [{ namespace: 'shop', backendGrants: [{ namespace: 'shop' }] }, /backendGrants\[0\]: "shop" is the team's own namespace; it needs no grant/],
  ])('a bad grant is rejected (%#)', (props, message) => {
    const { gateway } = fixture();
    expect(() => gateway.grantTeam('shop', props)).toThrow(message);
  });

  test('a listener with explicit allowedRoutes cannot be granted (the cluster could not enforce it)', () => {
    const { platform } = fixture();
    const gw = new Gateway(platform, 'open', {
      gatewayClass: GatewayClass.nodeDataPlane(platform),
      listeners: [Listener.http({ name: 'web', port: 80, allowedRoutes: AllowedRoutes.allNamespaces() })],
    });
    expect(() => gw.grantTeam('shop', { namespace: 'shop', listeners: ['web'] })).toThrow(
      /listeners\[0\]: listener "web" sets allowedRoutes explicitly, so the cluster could not enforce the grant/);
  });

  test('one namespace belongs to one team', () => {
    const { gateway } = fixture();
    gateway.grantTeam('shop', { namespace: 'apps' });
    expect(() => gateway.grantTeam('blog', { namespace: 'apps' })).toThrow(
      /grantTeam\("blog"\).namespace: namespace "apps" is already granted to team "shop" \(platform\/edge\/shop\); one namespace belongs to one team/);
  });

  test('a refused grant leaves nothing behind, so it can be made again correctly', () => {
    const { app, gateway } = fixture();
    expect(() => gateway.grantTeam('shop', { namespace: 'shop', listeners: ['admin'], createNamespace: true })).toThrow(/"admin" is not a listener/);
    gateway.grantTeam('shop', { namespace: 'shop', listeners: ['web'], createNamespace: true });
    expect(gateway.grants.map((g) => g.listeners)).toEqual([['web']]);
    // the team's Namespace once (the Gateway's own, gateway-system, is written too)
    expect(synth(app).filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual(['gateway-system', 'shop']);
  });

  test('a team is granted once per Gateway', () => {
    const { gateway } = fixture();
    gateway.grantTeam('shop', { namespace: 'shop' });
    expect(() => gateway.grantTeam('shop', { namespace: 'shop' })).toThrow(/team "shop" is already granted on this Gateway/);
  });
});

describe('what a grant renders', () => {
  test('routes attach to the team\'s listeners for their hostnames, and get the granted hostnames by default', () => {
    const { app, gateway, chart } = fixture();
    const shop = gateway.grantTeam('shop', { namespace: 'shop', hostnames: ['shop.example.com'] });
    shop.httpRoute(chart, 'r', { rules: [{ matches: [HttpMatch.pathPrefix('/')], backends: [api] }] });
    const spec = find(synth(app), 'HTTPRoute', 'r', 'shop').spec;
    expect(spec.parentRefs).toEqual([
      { name: 'edge', namespace: 'gateway-system', sectionName: 'web-shop.example.com' },
      { name: 'edge', namespace: 'gateway-system', sectionName: 'websecure-shop.example.com' },
    ]);
    expect(spec.hostnames).toEqual(['shop.example.com']);
  });

  test('each granted hostname is a listener of the Gateway that admits only the team\'s namespace, by name, and its kinds', () => {
    // GIVEN
    const { app, gateway, platform } = fixture();
    gateway.grantTeam('shop', { namespace: 'shop', hostnames: ['shop.example.com', '*.shop.example.com'], routeKinds: [RouteKind.HTTP_ROUTE] });
    gateway.grantTeam('blog', { namespace: 'blog', hostnames: ['blog.example.com'], listeners: ['websecure'], routeKinds: [RouteKind.GRPC_ROUTE] });
    new Gateway(platform, 'unused', { gatewayClass: GatewayClass.nodeDataPlane(platform), listeners: [Listener.http({ name: 'web', port: 80 })] });

    // WHEN
    const objects = synth(app);

    // THEN
    const listeners = find(objects, 'Gateway', 'edge').spec.listeners;
    const byName = (name: string) => listeners.find((l: any) => l.name === name);
    expect(listeners.map((l: any) => [l.name, l.port, l.protocol, l.hostname])).toEqual([
      ['web', 80, 'HTTP', undefined],
      ['web-shop.example.com', 80, 'HTTP', 'shop.example.com'],
      ['web-wildcard.shop.example.com', 80, 'HTTP', '*.shop.example.com'],
      ['websecure', 443, 'HTTPS', '*.example.com'],
      ['websecure-blog.example.com', 443, 'HTTPS', 'blog.example.com'],
      ['websecure-shop.example.com', 443, 'HTTPS', 'shop.example.com'],
      ['websecure-wildcard.shop.example.com', 443, 'HTTPS', '*.shop.example.com'],
    ]);
    expect(byName('websecure-shop.example.com').allowedRoutes).toEqual({
      namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop'] }] } },
      kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
    });
    expect(byName('websecure-blog.example.com').allowedRoutes.kinds).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' }]);
    // the team listeners terminate TLS with the granted listener's certificates
    expect(byName('websecure-shop.example.com').tls).toEqual(byName('websecure').tls);
    // the granted listeners themselves keep the Gateway API default: the platform's own namespace
    expect(byName('web').allowedRoutes).toBeUndefined();
    expect(byName('websecure').allowedRoutes).toBeUndefined();
    expect(find(objects, 'Gateway', 'unused').spec.listeners[0].allowedRoutes).toBeUndefined();
  });

  test('a grant without hostnames takes the granted listener whole, which then admits the team besides the Gateway\'s namespace', () => {
    const { app, gateway } = fixture();
    gateway.grantTeam('shop', { namespace: 'shop', listeners: ['websecure'], routeKinds: [RouteKind.HTTP_ROUTE] });
    const listeners = find(synth(app), 'Gateway', 'edge').spec.listeners;
    expect(listeners.map((l: any) => l.name)).toEqual(['web', 'websecure']);
    expect(listeners[1].allowedRoutes).toEqual({
      namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['gateway-system', 'shop'] }] } },
      kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
    });
  });

  test('two teams sharing a listener must be granted the same route kinds on it (one listener admits one set of kinds)', () => {
    const { gateway } = fixture();
    gateway.grantTeam('shop', { namespace: 'shop', hostnames: ['www.example.com'], routeKinds: [RouteKind.HTTP_ROUTE] });
    expect(() => gateway.grantTeam('blog', { namespace: 'blog', hostnames: ['www.example.com'], listeners: ['websecure'], routeKinds: [RouteKind.GRPC_ROUTE] })).toThrow(
      /grantTeam\("blog"\): teams "shop" and "blog" share listener "websecure-www.example.com" \(www.example.com on "websecure"\) with different route kinds \(HTTPRoute \/ GRPCRoute\)/);
    gateway.grantTeam('docs', { namespace: 'docs', hostnames: ['www.example.com'], routeKinds: [RouteKind.HTTP_ROUTE] });
  });

  test('createNamespace emits the labelled Namespace once, even when two Gateways grant the team', () => {
    const { app, gateway, platform } = fixture();
    const other = new Gateway(platform, 'internal', {
      gatewayClass: GatewayClass.nodeDataPlane(platform),
      listeners: [Listener.http({ name: 'web', port: 8080 })],
    });
    gateway.grantTeam('shop', { namespace: 'shop', createNamespace: true });
    other.grantTeam('shop', { namespace: 'shop', createNamespace: true });
    const namespaces = synth(app).filter((o) => o.kind === 'Namespace' && o.metadata.name !== 'gateway-system');
    expect(namespaces).toEqual([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'cdk8s-gateway.io/team': 'shop' } } }]);
    expect(warnings(app)).toEqual([]);
  });

  test('without createNamespace nothing asks for a label: the grant admits the namespace by its name', () => {
    const { app, gateway, platform } = fixture();
    new ApiObject(platform, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    gateway.grantTeam('shop', { namespace: 'shop' });
    synth(app);
    expect(warnings(app)).toEqual([]);
  });

  test('rbac lets the group manage the granted route kinds in its namespace and nothing else', () => {
    const { app, gateway } = fixture();
    gateway.grantTeam('shop', { namespace: 'shop', routeKinds: [RouteKind.HTTP_ROUTE, RouteKind.GRPC_ROUTE], rbac: { group: 'shop-devs' } });
    const objects = synth(app);
    const role = find(objects, 'Role', 'edge-routes', 'shop');
    expect(role.rules).toEqual([{
      apiGroups: ['gateway.networking.k8s.io'],
      resources: ['httproutes', 'grpcroutes'],
      verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
    }]);
    expect(JSON.stringify(role)).not.toMatch(/gateways|referencegrants|\*/);
    const binding = find(objects, 'RoleBinding', 'edge-routes', 'shop');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'edge-routes' });
    expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'shop-devs' }]);
  });

  test('backend grants emit one ReferenceGrant per namespace pair, merged across Gateways', () => {
    const { app, gateway, platform, chart } = fixture();
    const other = new Gateway(platform, 'internal', {
      gatewayClass: GatewayClass.nodeDataPlane(platform),
      listeners: [Listener.https({ name: 'grpc', port: 8443, certificates: [TlsCertificate.fromSecretName('internal')] })],
    });
    const shop = gateway.grantTeam('shop', { namespace: 'shop', routeKinds: [RouteKind.HTTP_ROUTE], backendGrants: [{ namespace: 'payments', serviceNames: ['checkout'] }] });
    const shopInternal = other.grantTeam('shop', { namespace: 'shop', backendGrants: [{ namespace: 'payments', serviceNames: ['ledger'] }] });
    shop.httpRoute(chart, 'pay', { rules: [{ backends: [Backend.fromServiceName('checkout', { port: 80, namespace: 'payments' })] }] });
    shopInternal.grpcRoute(chart, 'ledger', { rules: [{ matches: [GrpcMatch.service('pay.Ledger')], backends: [Backend.fromServiceName('ledger', { port: 9090, namespace: 'payments' })] }] });

    const grants = synth(app).filter((o) => o.kind === 'ReferenceGrant');
    expect(grants).toEqual([{
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'ReferenceGrant',
      metadata: { name: 'routes-from-shop', namespace: 'payments', labels: { [TeamGrant.TEAM_LABEL]: 'shop' } },
      spec: {
        from: [
          { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'shop' },
          { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: 'shop' },
        ],
        to: [{ group: '', kind: 'Service', name: 'checkout' }, { group: '', kind: 'Service', name: 'ledger' }],
      },
    }]);
  });

  test('TLS, TCP and UDP factories attach to the listeners of their kind', () => {
    const { app, platform } = fixture();
    const gw = new Gateway(platform, 'l4', {
      gatewayClass: GatewayClass.nodeDataPlane(platform),
      listeners: [
        Listener.tlsPassthrough({ name: 'tls', port: 443, hostname: '*.db.example.com' }),
        Listener.tcp({ name: 'tcp', port: 6379 }),
        Listener.udp({ name: 'udp', port: 53 }),
      ],
    });
    const data = gw.grantTeam('data', { namespace: 'data', hostnames: ['pg.db.example.com'] });
    const chart = new Chart(app, 'data', { namespace: 'data' });
    data.tlsRoute(chart, 'pg', { backends: [Backend.fromServiceName('pg', { port: 5432 })] });
    data.tcpRoute(chart, 'redis', { backends: [Backend.fromServiceName('redis', { port: 6379 })] });
    data.udpRoute(chart, 'dns', { backends: [Backend.fromServiceName('dns', { port: 53 })] });
    const objects = synth(app);
    expect(find(objects, 'TLSRoute', 'pg').spec).toEqual({
      parentRefs: [{ name: 'l4', namespace: 'gateway-system', sectionName: 'tls-pg.db.example.com' }],
      hostnames: ['pg.db.example.com'],
      rules: [{ backendRefs: [{ name: 'pg', port: 5432 }] }],
    });
    expect(find(objects, 'TCPRoute', 'redis').spec.parentRefs).toEqual([{ name: 'l4', namespace: 'gateway-system', sectionName: 'tcp' }]);
    expect(find(objects, 'UDPRoute', 'dns').spec.parentRefs).toEqual([{ name: 'l4', namespace: 'gateway-system', sectionName: 'udp' }]);
  });

  test('a route defaults to the granted hostnames its listeners can receive', () => {
    const { app, platform } = fixture();
    const gw = new Gateway(platform, 'mixed', {
      gatewayClass: GatewayClass.nodeDataPlane(platform),
      listeners: [
        Listener.https({ name: 'web', port: 443, hostname: 'shop.example.com', certificates: [TlsCertificate.fromSecretName('c')] }),
        Listener.tlsPassthrough({ name: 'db', port: 5432, hostname: '*.db.example.com' }),
      ],
    });
    const team = gw.grantTeam('shop', { namespace: 'shop', hostnames: ['shop.example.com', 'pg.db.example.com'] });
    const chart = new Chart(app, 'team', { namespace: 'shop' });
    team.httpRoute(chart, 'web', { rules: [{ backends: [api] }] });
    team.tlsRoute(chart, 'pg', { backends: [Backend.fromServiceName('pg', { port: 5432 })] });
    const objects = synth(app);
    expect(find(objects, 'HTTPRoute', 'web').spec.hostnames).toEqual(['shop.example.com']);
    expect(find(objects, 'TLSRoute', 'pg').spec.hostnames).toEqual(['pg.db.example.com']);
  });

  test('a route in a chart without namespace is placed in the team namespace', () => {
    const { app, gateway } = fixture();
    const shop = gateway.grantTeam('shop', { namespace: 'shop' });
    shop.httpRoute(new Chart(app, 'anywhere'), 'r', { rules: [{ backends: [api] }] });
    expect(find(synth(app), 'HTTPRoute', 'r').metadata.namespace).toBe('shop');
  });
});
