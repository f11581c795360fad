/**
 * The shop team's repository: its routes, and nothing of the Gateway but the grant the platform exported
 * (grants/gateway-system.edge.shop.json, a copy of the platform's dist/grants/ file). `Team.fromGrantFile()` gives
 * the same handle as `gateway.grantTeam()` in the platform's app: the same factories, the same errors for a
 * hostname, listener, route kind, namespace or backend outside the grant, and at synth the same audit of every
 * route this app writes. `cdk8s synth` writes the team's routes to dist/; the team applies them with its RBAC.
 */
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { Backend, HttpMatch, HttpMethod, Team } from '../../../src';

/** The platform's export of the shop team's grant, as the team keeps it in its repository. */
export const SHOP_GRANT = path.join(__dirname, 'grants', 'gateway-system.edge.shop.json');

export function build(app: App, grantFile: string = SHOP_GRANT): Chart {
  const chart = new Chart(app, 'shop', { namespace: 'shop' });
  const shop = Team.fromGrantFile(chart, 'grant', grantFile);
  shop.httpRoute(chart, 'storefront', {
    rules: [
      {
        name: 'checkout',
        matches: [HttpMatch.pathPrefix('/checkout').withMethod(HttpMethod.POST)],
        backends: [Backend.fromServiceName('checkout', { port: 8443, namespace: 'payments' })],
      },
      { name: 'pages', backends: [Backend.fromServiceName('storefront', { port: 8080 })] },
    ],
  });
  return chart;
}
