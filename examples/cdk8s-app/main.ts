// A cdk8s app as `cdk8s init typescript-app` lays it out, using the published package (installed from the
// packed tarball in CI: .ci/example-apps.mjs, which also runs it with every other cdk8s-plus major by renaming
// `cdk8s-plus-28`). `npx cdk8s synth` writes dist/; `kubectl apply -f dist/` deploys it.
import { App, Chart, ChartProps } from 'cdk8s';
import { Backend, DataPlanePeer, DataPlaneServiceType, Gateway, GatewayClass, HttpMatch, Listener, Team } from 'cdk8s-gateway';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';

// The platform's chart: the Gateway, and the grant it hands the shop team (a Team: route factories and a
// reference to the Gateway, nothing that can widen the grant).
export class Platform extends Chart {
  public readonly gateway: Gateway;
  public readonly shop: Team;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'gateway-system', ...props });
    const prometheus = new kplus.Deployment(this, 'prometheus', { containers: [{ image: 'prom/prometheus', portNumber: 9090 }] });
    this.gateway = new Gateway(this, 'edge', {
      gatewayClass: GatewayClass.nodeDataPlane(this),
      listeners: [Listener.http({ name: 'web', port: 80 })],
      dataPlane: {
        replicas: 2,
        serviceType: DataPlaneServiceType.NODE_PORT,
        // the app's own Deployment may scrape /metrics
        adminPeers: [DataPlanePeer.podsOf(prometheus)],
      },
    });
    this.shop = this.gateway.grantTeam('shop', { namespace: 'shop', hostnames: ['shop.example.com'], listeners: ['web'], createNamespace: true });
  }
}

// The shop team's chart: its routes, through the Team it was given.
export class Shop extends Chart {
  constructor(scope: Construct, id: string, team: Team) {
    super(scope, id, { namespace: 'shop' });
    const api = new kplus.Deployment(this, 'api', { containers: [{ image: 'ghcr.io/example/shop-api', portNumber: 8080 }] });
    // the route's backend is the app's own cdk8s-plus Service: its name, namespace and port are read from it
    const apiService = api.exposeViaService({ ports: [{ port: 8080 }] });
    team.httpRoute(this, 'storefront', {
      rules: [
        { matches: [HttpMatch.pathPrefix('/api')], backends: [Backend.fromService(apiService)] },
      ],
    });
  }
}

const app = new App();
const platform = new Platform(app, 'platform');
new Shop(app, 'shop', platform.shop);
app.synth();
