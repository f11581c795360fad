/**
 * The platform team's repository: the Gateway and the grants. `cdk8s synth` writes the manifests to dist/ and each
 * grant as a document to dist/grants/<gateway namespace>.<gateway>.<team>.json; the platform hands that file to the
 * team (a pull request into the team's repository, an artifact of the pipeline): examples/two-repos/shop reads its copy.
 */
import { App, Chart } from 'cdk8s';
import { Gateway, GatewayClass, Listener, RouteKind, Team, TlsCertificate } from '../../../src';

/** Builds the platform's chart; returns the team handles (for a team whose routes would live in this app). */
export function build(app: App): { shop: Team; payments: Team } {
  const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
  const gateway = new Gateway(platform, 'edge', {
    gatewayClass: GatewayClass.nodeDataPlane(platform),
    listeners: [
      Listener.http({ name: 'web', port: 80 }),
      Listener.https({ name: 'websecure', port: 443, hostname: '*.example.com', certificates: [TlsCertificate.fromSecretName('wildcard-example-com')] }),
    ],
    dataPlane: { replicas: 2 },
  });
  const shop = gateway.grantTeam('shop', {
    namespace: 'shop',
    hostnames: ['shop.example.com'],
    routeKinds: [RouteKind.HTTP_ROUTE],
    backendGrants: [{ namespace: 'payments', serviceNames: ['checkout'] }],
    rbac: { group: 'shop-developers' },
    createNamespace: true,
  });
  const payments = gateway.grantTeam('payments', {
    namespace: 'payments',
    hostnames: ['pay.example.com'],
    listeners: ['websecure'],
    rbac: { group: 'payments-developers' },
    createNamespace: true,
  });
  return { shop, payments };
}
