/**
 * Two teams on one shared Gateway. The platform grants each its namespace, hostnames and listeners, gives
 * them RBAC to manage their own routes, and lets `shop` use the `payments` Service of another namespace
 * (the grant emits the ReferenceGrant there). Each team writes its routes in its own chart, with the `Team`
 * handle it was given: route factories and a reference to the Gateway, nothing that could widen its grant.
 *
 * The grants render as listeners of the Gateway: `websecure-shop.example.com` admits only namespace shop,
 * `websecure-wildcard.blog.example.com` only namespace blog (by kubernetes.io/metadata.name), each with the
 * route kinds granted; `websecure` itself stays the platform's. Whoever applies a route for another team's
 * hostname, in whatever way, no Gateway API implementation accepts it.
 */
import { App, Chart, Duration } from 'cdk8s';
import {
  Backend, Gateway, GatewayClass, HttpFilter, HttpMatch, HttpMethod, Listener, RouteKind, TlsCertificate,
} from '../../src';

export function build(app: App): void {
  const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
  const gateway = new Gateway(platform, 'shared', {
    gatewayClass: GatewayClass.nodeDataPlane(platform),
    listeners: [
      Listener.https({
        name: 'websecure',
        port: 443,
        hostname: '*.example.com',
        certificates: [TlsCertificate.fromSecretName('wildcard-example-com')],
      }),
    ],
    dataPlane: { autoscaling: { minReplicas: 2, maxReplicas: 6 } },
  });

  const shop = gateway.grantTeam('shop', {
    namespace: 'shop',
    hostnames: ['shop.example.com'],
    routeKinds: [RouteKind.HTTP_ROUTE],
    backendGrants: [{ namespace: 'payments', serviceNames: ['checkout'] }],
    rbac: { group: 'shop-developers' },
    createNamespace: true,
  });
  const blog = gateway.grantTeam('blog', {
    namespace: 'blog',
    hostnames: ['*.blog.example.com'],
    routeKinds: [RouteKind.HTTP_ROUTE, RouteKind.GRPC_ROUTE],
    rbac: { group: 'blog-writers' },
    createNamespace: true,
  });

  // team shop: its storefront, and checkout served by the payments team's Service
  const shopChart = new Chart(app, 'shop', { namespace: 'shop' });
  shop.httpRoute(shopChart, 'storefront', {
    rules: [
      {
        name: 'checkout',
        matches: [HttpMatch.pathPrefix('/checkout').withMethod(HttpMethod.POST)],
        backends: [Backend.fromServiceName('checkout', { port: 8443, namespace: 'payments' })],
        timeout: Duration.seconds(10),
      },
      {
        name: 'pages',
        backends: [Backend.fromServiceName('storefront', { port: 8080 })],
        filters: [HttpFilter.responseHeaders({ set: { 'cache-control': 'public, max-age=60' } })],
      },
    ],
  });

  // team blog: one wildcard hostname per author, one Service (one listener covers them all:
  // blog.gateway.listeners names it, for routes the team writes without the factory)
  const blogChart = new Chart(app, 'blog', { namespace: 'blog' });
  blog.httpRoute(blogChart, 'posts', {
    rules: [{ backends: [Backend.fromServiceName('ghost', { port: 2368 })] }],
  });
}
