// A cdk8s app without cdk8s-plus: its own objects are plain `ApiObject`s (or generated L1 classes, `cdk8s import`),
// and the library takes them where it takes a Service, a Secret or a ConfigMap. Built from the packed tarball in CI
// (.ci/example-apps.mjs).
import { ApiObject, App, Chart } from 'cdk8s';
import { Backend, DataPlanePeer, Gateway, GatewayClass, Listener } from 'cdk8s-gateway';

const app = new App();
const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
const gateway = new Gateway(platform, 'edge', {
  gatewayClass: GatewayClass.nodeDataPlane(platform),
  listeners: [Listener.http({ name: 'web', port: 80 })],
  dataPlane: { listenerPeers: [DataPlanePeer.ipBlock('10.0.0.0/8')] },
});

const shop = new Chart(app, 'shop', { namespace: 'shop' });
const api = new ApiObject(shop, 'api', {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'api' },
  spec: { selector: { app: 'api' }, ports: [{ port: 8080 }] },
});
const team = gateway.grantTeam('shop', { namespace: 'shop', hostnames: ['shop.example.com'], listeners: ['web'], createNamespace: true });
team.httpRoute(shop, 'storefront', { rules: [{ backends: [Backend.fromService(api)] }] });

app.synth();
