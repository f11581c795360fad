import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  AllowedRoutes, Backend, BackendTlsPolicy, CaCertificate, DataPlaneLogLevel, DataPlanePeer, Gateway, GatewayClass, HttpMatch, HttpRoute, Listener,
  ReferenceGrant, TlsCertificate,
} from '../../src';
import { compile, serializeConfig } from '../../src/compiler';
import { GatewayDataPlane } from '../../src/deploy/gateway-data-plane';
import { DataPlaneSynthStep, IDataPlaneCustomizer } from '../../src/deploy/synth-step';

process.env.CDK8S_GATEWAY_QUIET = '1';

interface Fixture {
  app: App;
  platform: Chart;
  apps: Chart;
  gateway: Gateway;
}

function fixture(gatewayProps: Partial<ConstructorParameters<typeof Gateway>[2]> = {}): Fixture {
  const app = Testing.app();
  const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
  const apps = new Chart(app, 'apps', { namespace: 'shop' });
  const gateway = new Gateway(platform, 'edge', {
    gatewayClass: GatewayClass.nodeDataPlane(platform),
    listeners: [Listener.http({ name: 'web', port: 80, allowedRoutes: undefined })],
    ...gatewayProps,
  });
  return { app, platform, apps, gateway };
}

function route(f: Fixture, id: string, prefix: string, service: string): HttpRoute {
  return new HttpRoute(f.platform, id, {
    parentRefs: [{ parent: f.gateway }],
    rules: [{ matches: [HttpMatch.pathPrefix(prefix)], backends: [Backend.fromServiceName(service, { port: 8080 })] }],
  });
}

function objectsOf(app: App): any[] {
  return app.charts.flatMap((c) => Testing.synth(c));
}

function find(objects: any[], kind: string, name: string): any {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

test('a Gateway of the node data plane class gets its data plane, in its namespace', () => {
  // GIVEN
  const f = fixture();
  route(f, 'web', '/', 'web');

  // WHEN
  const objects = Testing.synth(f.platform);

  // THEN
  const ours = objects.filter((o) => o.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] === 'edge').map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
  expect(ours).toEqual([
    'ConfigMap/gateway-system/edge-dataplane-bundle', 'ConfigMap/gateway-system/edge-dataplane-config', 'ServiceAccount/gateway-system/edge-dataplane',
    'Deployment/gateway-system/edge-dataplane', 'Service/gateway-system/edge-dataplane', 'NetworkPolicy/gateway-system/edge-dataplane',
    'PodDisruptionBudget/gateway-system/edge-dataplane',
  ]);
  expect(DataPlaneSynthStep.of(f.gateway)).toBeInstanceOf(GatewayDataPlane);
});

test('DataPlaneSynthStep.enable() is harmless: called once or twice, the app renders each data plane once', () => {
  // GIVEN two apps, one without the call (the Gateway enables the step itself) and one with it, twice
  const plain = fixture();
  route(plain, 'web', '/', 'web');
  const enabled = fixture();
  route(enabled, 'web', '/', 'web');
  DataPlaneSynthStep.enable(enabled.app);
  DataPlaneSynthStep.enable(enabled.gateway);

  // THEN
  const withCall = Testing.synth(enabled.platform);
  expect(withCall).toEqual(Testing.synth(plain.platform));
  expect(withCall.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name)).toEqual(['edge-dataplane']);
});

test('a Gateway of another class gets nothing: its own controller runs it', () => {
  const f = fixture();
  new Gateway(f.platform, 'other', { gatewayClass: GatewayClass.fromName('eg'), listeners: [Listener.http({ name: 'web', port: 80 })] });
  const objects = Testing.synth(f.platform);
  expect(objects.filter((o) => o.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] === 'other')).toEqual([]);
});

test('the config is compiled from the objects as they finally are: a route added after everything else is in it', () => {
  // GIVEN
  const f = fixture();
  route(f, 'first', '/a', 'a');
  const late = route(f, 'late', '/b', 'b');
  late.addRule({ matches: [HttpMatch.pathPrefix('/c')], backends: [Backend.fromServiceName('c', { port: 8080 })] });

  // WHEN
  const objects = objectsOf(f.app);

  // THEN the ConfigMap holds exactly what the compiler makes of the written objects
  const written = objects.filter((o) => !o.metadata.labels?.['app.kubernetes.io/managed-by']);
  const expected = serializeConfig(compile(written).configs[0]);
  const configMap = find(objects, 'ConfigMap', 'edge-dataplane-config');
  expect(configMap.data['config.json']).toBe(expected);
  expect(Object.keys(JSON.parse(expected).backends)).toEqual(['gateway-system/a:8080', 'gateway-system/b:8080', 'gateway-system/c:8080']);
});

test('synthesizing twice renders the data plane once', () => {
  const f = fixture();
  route(f, 'web', '/', 'web');
  const first = Testing.synth(f.platform);
  const second = Testing.synth(f.platform);
  expect(second).toEqual(first);
});

test('a Gateway the compiler does not accept fails the synth with the reason', () => {
  // GIVEN parameters this data plane cannot read
  const f = fixture({ infrastructure: { parametersRef: { group: 'example.com', kind: 'Params', name: 'p' } } });

  // WHEN
  const synth = () => f.app.synth();

  // THEN
  expect(synth).toThrow(/Gateway gateway-system\/edge: spec: Accepted=False InvalidParameters: .*this data plane reads its parameters from a core ConfigMap.*\. Fix: point parametersRef at an existing core ConfigMap/);
});

test('a route whose backend is missing from a namespace the app defines Services in fails the synth, with the fix', () => {
  // GIVEN the app defines the Services of gateway-system, but not "missing"
  const f = fixture();
  new kplus.Service(f.platform, 'Web', { metadata: { name: 'web' }, ports: [{ port: 8080 }], selector: kplus.Pods.select(f.platform, 'P', { labels: { app: 'web' } }) });
  route(f, 'broken', '/', 'missing');

  // THEN
  expect(() => f.app.synth()).toThrow(/HTTPRoute gateway-system\/broken: spec\.parentRefs\[Gateway gateway-system\/edge\]: ResolvedRefs=False BackendNotFound: .*missing.*\. Fix: create the Service/);
});

test('a certificate in another namespace (allowed by a ReferenceGrant) fails the synth: a pod cannot mount it', () => {
  // GIVEN
  const f = fixture({
    listeners: [Listener.https({ name: 'websecure', port: 443, certificates: [TlsCertificate.fromSecretName('shop-tls', { namespace: 'certs' })] })],
  });
  const certs = new Chart(f.app, 'certs', { namespace: 'certs' });
  new ReferenceGrant(certs, 'gateways', { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'gateway-system' }], to: [{ kind: 'Secret' }] });

  // THEN
  expect(() => f.app.synth()).toThrow('Gateway gateway-system/edge: listener "websecure" certificateRefs refers to Secret certs/shop-tls, ' +
    'but the data-plane pods run in namespace "gateway-system" and a pod can only mount Secrets of its own namespace; ' +
    'create the Secret in "gateway-system" (issue the certificate there, or copy it with your secret manager) and point the reference at that copy');
});

describe('CA bundles of another namespace (BackendTLSPolicy lives next to its Service)', () => {
  function backendTls(f: Fixture, withConfigMap: boolean) {
    new HttpRoute(f.apps, 'api', {
      parentRefs: [{ parent: f.gateway }],
      rules: [{ backends: [Backend.fromServiceName('api', { port: 8443 })] }],
    });
    if (withConfigMap) new kplus.ConfigMap(f.apps, 'ApiCa', { metadata: { name: 'api-ca' }, data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' } });
    new BackendTlsPolicy(f.apps, 'api-tls', {
      targets: [{ name: 'api' }],
      hostname: 'api.shop.svc',
      caCertificates: [CaCertificate.fromConfigMapName('api-ca')],
    });
  }

  test('are copied into the Gateway\'s namespace and mounted where the data plane looks for the original', () => {
    // GIVEN
    const f = fixture({ listeners: [Listener.http({ name: 'web', port: 80, allowedRoutes: AllowedRoutes.allNamespaces() })] });
    backendTls(f, true);

    // WHEN
    const objects = objectsOf(f.app);

    // THEN
    const copy = find(objects, 'ConfigMap', 'edge-dataplane-cm-shop-api-ca');
    expect(copy.metadata.namespace).toBe('gateway-system');
    expect(copy.data).toEqual({ 'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' });
    const pod = find(objects, 'Deployment', 'edge-dataplane').spec.template.spec;
    const mount = pod.containers[0].volumeMounts.find((m: any) => m.mountPath === '/etc/cdk8s-gateway/configmaps/shop/api-ca');
    expect(pod.volumes.find((v: any) => v.name === mount.name).configMap.name).toBe('edge-dataplane-cm-shop-api-ca');
  });

  test('that are not among the app\'s objects fail the synth, saying what to do', () => {
    const f = fixture({ listeners: [Listener.http({ name: 'web', port: 80, allowedRoutes: AllowedRoutes.allNamespaces() })] });
    backendTls(f, false);
    expect(() => f.app.synth()).toThrow('BackendTLSPolicy shop/api-tls validation.caCertificateRefs refers to ConfigMap shop/api-ca, ' +
      'which is not among the objects being synthesized; the data-plane pods run in namespace "gateway-system" and cannot mount it from "shop", ' +
      'so its CA certificates are copied at synth: define the ConfigMap (with that key) in the app or the manifests');
  });
});

test('an app object with the name of a data-plane object fails the synth instead of being overwritten', () => {
  const f = fixture();
  new kplus.ConfigMap(f.platform, 'Mine', { metadata: { name: 'edge-dataplane-config' } });
  expect(() => f.app.synth()).toThrow(/the data plane of platform\/edge renders ConfigMap gateway-system\/edge-dataplane-config, which platform\/Mine\/Resource also defines/);
});

test('the Gateway\'s dataPlane settings size and expose the data plane', () => {
  const f = fixture({ dataPlane: { replicas: 3, clientCertificateHeader: 'X-Client-Cert' } });
  route(f, 'web', '/', 'web');
  const objects = Testing.synth(f.platform);
  expect(find(objects, 'Deployment', 'edge-dataplane').spec.replicas).toBe(3);
  expect(JSON.parse(find(objects, 'ConfigMap', 'edge-dataplane-config').data['config.json']).options.clientCertificateHeader).toBe('x-client-cert');
});

test('the Gateway\'s dataPlane also carries how the data plane runs and who may reach it', () => {
  // GIVEN
  const app = Testing.app();
  const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
  const prometheus = DataPlanePeer.pods({ app: 'prometheus' });
  const balancers = DataPlanePeer.pods({ app: 'balancer' });
  new Gateway(platform, 'edge', {
    gatewayClass: GatewayClass.nodeDataPlane(platform),
    listeners: [Listener.http({ name: 'web', port: 80 })],
    dataPlane: {
      replicas: 1,
      compressConfig: true,
      metricsService: true,
      adminPort: 9500,
      adminPeers: [prometheus],
      listenerPeers: [balancers],
      logLevel: DataPlaneLogLevel.WARN,
      topologySpread: false,
    },
  });

  // WHEN
  const objects = Testing.synth(platform);

  // THEN
  expect(Object.keys(find(objects, 'ConfigMap', 'edge-dataplane-config').binaryData)).toEqual(['config.json.gz']);
  expect(find(objects, 'Service', 'edge-dataplane-metrics').spec.ports).toEqual([expect.objectContaining({ port: 9500 })]);
  const pod = find(objects, 'Deployment', 'edge-dataplane').spec.template.spec;
  expect(pod.containers[0].args).toEqual(expect.arrayContaining(['--admin-port', '9500', '--log-level', 'warn']));
  expect(pod.topologySpreadConstraints).toBeUndefined();
  const ingress = find(objects, 'NetworkPolicy', 'edge-dataplane').spec.ingress;
  expect(ingress).toEqual(expect.arrayContaining([
    { from: [{ podSelector: { matchLabels: { app: 'balancer' } } }], ports: [{ port: 8080, protocol: 'TCP' }] },
    { from: [{ podSelector: { matchLabels: { app: 'prometheus' } } }], ports: [{ port: 9500, protocol: 'TCP' }] },
  ]));
});

test('a customizer reaches the rendered objects and patches them (escape hatch)', () => {
  // GIVEN
  const f = fixture();
  route(f, 'web', '/', 'web');
  const customizer: IDataPlaneCustomizer = {
    customize: (dp) => {
      dp.deployment.addJsonPatch(JsonPatch.add('/spec/template/spec/tolerations', [{ key: 'dedicated', operator: 'Equal', value: 'edge' }]));
      dp.service?.metadata.addAnnotation('example.com/dns', 'edge.example.com');
    },
  };

  // WHEN
  DataPlaneSynthStep.customize(f.gateway, customizer);
  const objects = Testing.synth(f.platform);

  // THEN
  expect(find(objects, 'Deployment', 'edge-dataplane').spec.template.spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'edge' }]);
  expect(find(objects, 'Service', 'edge-dataplane').metadata.annotations).toEqual({ 'example.com/dns': 'edge.example.com' });
});

test('synth of a chart with 1,000 HTTPRoutes, YAML written (time printed)', () => {
  // GIVEN
  const f = fixture();
  for (let i = 0; i < 1000; i++) route(f, `route-${i}`, `/service-${i}`, `service-${i}`);

  // WHEN
  const start = process.hrtime.bigint();
  f.app.synth();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;

  // THEN
  const yaml = fs.readFileSync(path.join(f.app.outdir, 'platform.k8s.yaml'), 'utf8');
  const configJson = DataPlaneSynthStep.of(f.gateway)!.configConfigMap.toJson().data['config.json'];
  process.stdout.write(`synth of 1,000 HTTPRoutes with the data plane: ${ms.toFixed(0)} ms (app.synth(), ${yaml.length} bytes of YAML); ` +
    `config ${Buffer.byteLength(configJson)} bytes\n`);
  expect(JSON.parse(configJson).httpRules).toHaveLength(1000);
  expect(yaml).toContain('name: edge-dataplane-config');
  expect(ms).toBeLessThan(60_000); // generous: the target (< 5 s) is measured here, not asserted
});
