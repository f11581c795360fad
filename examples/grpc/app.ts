/** GRPCRoute: route by service and method, by metadata, with weights and header filters. */
import { App, Chart } from 'cdk8s';
import {
  Backend, Gateway, GatewayClass, GrpcFilter, GrpcMatch, Listener, TlsCertificate,
} from '../../src';

export function build(app: App): void {
  const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
  const gateway = new Gateway(platform, 'grpc-gateway', {
    gatewayClass: GatewayClass.nodeDataPlane(platform),
    listeners: [Listener.https({
      name: 'grpc',
      port: 443,
      hostname: 'grpc.example.com',
      certificates: [TlsCertificate.fromSecretName('grpc-example-com')],
    })],
  });
  const cart = gateway.grantTeam('cart', { namespace: 'cart', createNamespace: true });

  const chart = new Chart(app, 'cart', { namespace: 'cart' });
  cart.grpcRoute(chart, 'cart', {
    rules: [
      {
        name: 'writes',
        matches: [GrpcMatch.method('shop.cart.v1.Cart', 'AddItem'), GrpcMatch.method('shop.cart.v1.Cart', 'RemoveItem')],
        filters: [GrpcFilter.requestHeaders({ set: { 'x-write-path': 'true' } })],
        backends: [Backend.fromServiceName('cart-writer', { port: 9090 })],
      },
      {
        name: 'beta',
        matches: [GrpcMatch.service('shop.cart.v1.Cart').withHeader('x-beta', 'on')],
        backends: [Backend.fromServiceName('cart-v2', { port: 9090 })],
      },
      {
        name: 'reads',
        matches: [GrpcMatch.service('shop.cart.v1.Cart')],
        backends: [
          Backend.fromServiceName('cart-v1', { port: 9090, weight: 80 }),
          Backend.fromServiceName('cart-v2', { port: 9090, weight: 20 }),
        ],
      },
    ],
  });
}
