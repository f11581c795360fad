import { App, Chart, ChartProps } from 'cdk8s';
import { Backend, Gateway, GatewayClass, HttpMatch, Listener, Team } from 'cdk8s-gateway';
import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';

// The platform team's chart: the Gateway (its data plane comes with it) and the grant it hands the shop team.
export class Platform extends Chart {
  public readonly gateway: Gateway;
  public readonly shop: Team;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'gateway-system', ...props });
    this.gateway = new Gateway(this, 'edge', {
      gatewayClass: GatewayClass.nodeDataPlane(this), // this project's data plane; GatewayClass.fromName('eg') for another
      listeners: [Listener.http({ name: 'web', port: 80 })],
    });
    this.shop = this.gateway.grantTeam('shop', { namespace: 'shop', hostnames: ['shop.example.com'], createNamespace: true });
  }
}

// The shop team's chart: its service and its routes, written through the Team it was granted.
export class Shop extends Chart {
  constructor(scope: Construct, id: string, team: Team) {
    super(scope, id, { namespace: 'shop' });
    const api = new kplus.Deployment(this, 'api', {
      containers: [{ image: 'registry.k8s.io/e2e-test-images/agnhost:2.39', args: ['netexec', '--http-port=8080'], portNumber: 8080 }],
    });
    team.httpRoute(this, 'storefront', {
      rules: [
        { matches: [HttpMatch.pathPrefix('/api')], backends: [Backend.fromService(api.exposeViaService({ ports: [{ port: 8080 }] }))] },
      ],
    });
  }
}

const app = new App();
const platform = new Platform(app, 'platform');
new Shop(app, 'shop', platform.shop);
app.synth();
