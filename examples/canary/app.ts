/**
 * Canary releases: 10% of the traffic to v2 by weight, and every request carrying `x-canary: always`
 * to v2 regardless of the split (testers opt in). A blue-green switch for the admin UI sits next to it.
 */
import { App, Chart } from 'cdk8s';
import {
  Backend, BlueGreen, Gateway, GatewayClass, HttpMatch, Listener, TrafficSplit,
} from '../../src';

export function build(app: App): void {
  const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
  const gateway = new Gateway(platform, 'edge', {
    gatewayClass: GatewayClass.nodeDataPlane(platform),
    listeners: [Listener.http({ name: 'web', port: 80, hostname: 'store.example.com' })],
  });
  const team = gateway.grantTeam('store', { namespace: 'store', createNamespace: true });

  const chart = new Chart(app, 'canary', { namespace: 'store' });

  const v1 = Backend.fromServiceName('store-v1', { port: 8080 });
  const v2 = Backend.fromServiceName('store-v2', { port: 8080 });
  team.httpRoute(chart, 'store', {
    rules: [
      // header-based canary: opted-in testers always get v2 (more headers = higher precedence)
      { name: 'opt-in', matches: [HttpMatch.pathPrefix('/').withHeader('x-canary', 'always')], backends: [v2] },
      // weighted canary: 90/10
      { name: 'split', backends: TrafficSplit.canary(v1, v2, 10) },
    ],
  });

  team.httpRoute(chart, 'admin', {
    rules: [{
      matches: [HttpMatch.pathPrefix('/admin')],
      backends: TrafficSplit.blueGreen(
        Backend.fromServiceName('admin-blue', { port: 8080 }),
        Backend.fromServiceName('admin-green', { port: 8080 }),
        BlueGreen.GREEN,
      ),
    }],
  });
}
