/**
 * Quickstart: one Gateway `edge` (HTTP :80 and HTTPS :443) served by this project's data plane, and one
 * application team, `shop`, that routes its own hostname to its Services.
 */
import { App, Chart } from 'cdk8s';
import { Backend, Gateway, GatewayClass, HttpMatch, Listener, TlsCertificate } from '../../src';

export function build(app: App): void {
  // the platform team: the Gateway, its listeners, and who may attach routes where
  const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
  const gateway = new Gateway(platform, 'edge', {
    gatewayClass: GatewayClass.nodeDataPlane(platform),
    listeners: [
      Listener.http({ name: 'web', port: 80 }),
      Listener.https({
        name: 'websecure',
        port: 443,
        hostname: '*.example.com',
        certificates: [TlsCertificate.fromSecretName('example-com-tls')],
      }),
    ],
    dataPlane: { replicas: 2 },
  });
  const shop = gateway.grantTeam('shop', {
    namespace: 'shop',
    hostnames: ['shop.example.com'],
    listeners: ['web', 'websecure'],
    createNamespace: true,
  });

  // the shop team: its routes, through the factory it was handed (served on the listeners the grant renders
  // for its hostname: web-shop.example.com and websecure-shop.example.com, which admit only namespace shop)
  const shopChart = new Chart(app, 'shop', { namespace: 'shop' });
  shop.httpRoute(shopChart, 'storefront', {
    rules: [
      { matches: [HttpMatch.pathPrefix('/api')], backends: [Backend.fromServiceName('api', { port: 8080 })] },
      { backends: [Backend.fromServiceName('storefront', { port: 8080 })] },
    ],
  });
}
