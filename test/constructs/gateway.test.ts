import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { find, fixture, synth, warnings } from './fixture';
import {
  AllowedRoutes, CaCertificate, ClientCertificateMode, DataPlaneServiceType, Gateway, GatewayAddress, GatewayClass, Listener, ReferenceGrant,
  RouteKind, TlsCertificate,
} from '../../src';

function platform() {
  const app = new App();
  const chart = new Chart(app, 'platform', { namespace: 'gateway-system' });
  return { app, chart };
}

describe('GatewayClass', () => {
  test('the node data plane class is defined once per app, cluster-scoped, with our controller name', () => {
    // GIVEN
    const { app, chart } = platform();
    const other = new Chart(app, 'other', { namespace: 'other' });

    // WHEN
    const a = GatewayClass.nodeDataPlane(chart);
    const b = GatewayClass.nodeDataPlane(other);

    // THEN
    expect(b).toBe(a);
    const classes = synth(app).filter((o) => o.kind === 'GatewayClass');
    expect(classes).toEqual([{
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'cdk8s-gateway' },
      spec: { controllerName: 'cdk8s-gateway.io/node-data-plane', description: 'cdk8s-gateway Node.js data plane, deployed by cdk8s synth' },
    }]);
    expect(GatewayClass.NODE_DATA_PLANE_CONTROLLER).toBe('cdk8s-gateway.io/node-data-plane');
  });

  test('asking for the node data plane class under another name is an error', () => {
    const { chart } = platform();
    GatewayClass.nodeDataPlane(chart);
    expect(() => GatewayClass.nodeDataPlane(chart, { name: 'other' })).toThrow(
      /metadata.name "other" conflicts with the node data plane GatewayClass already defined as "cdk8s-gateway"/);
  });

  test('a custom class renders its controller, description and parameters', () => {
    const { app, chart } = platform();
    new GatewayClass(chart, 'eg', {
      controllerName: 'gateway.envoyproxy.io/gatewayclass-controller',
      description: 'Envoy Gateway',
      parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'proxy', namespace: 'envoy-gateway-system' },
    });
    expect(find(synth(app), 'GatewayClass', 'eg').spec).toEqual({
      controllerName: 'gateway.envoyproxy.io/gatewayclass-controller',
      description: 'Envoy Gateway',
      parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'proxy', namespace: 'envoy-gateway-system' },
    });
  });

  test('a controller name without a domain prefix is rejected', () => {
    const { chart } = platform();
    expect(() => new GatewayClass(chart, 'bad', { controllerName: 'envoy' })).toThrow(
      /GatewayClass platform\/bad: controllerName "envoy" must be a domain-prefixed path such as "example.com\/gateway-controller"/);
  });

  test('a description over 64 characters is rejected', () => {
    const { chart } = platform();
    expect(() => new GatewayClass(chart, 'bad', { controllerName: 'example.com/x', description: 'x'.repeat(65) })).toThrow(
      /description "x+" must have at most 64 characters \(has 65\)/);
  });
});

describe('Gateway', () => {
  test('renders listeners, addresses, infrastructure and client-certificate validation', () => {
    // GIVEN
    const { app, chart } = platform();

    // WHEN
    new Gateway(chart, 'edge', {
      gatewayClass: GatewayClass.fromName('eg'),
      listeners: [
        Listener.https({
          name: 'websecure',
          port: 443,
          hostname: 'shop.example.com',
          certificates: [TlsCertificate.fromSecretName('shop-tls')],
          tlsOptions: { 'example.com/min-version': '1.3' },
        }),
        Listener.tlsPassthrough({ name: 'db', port: 5432, hostname: 'db.example.com' }),
        Listener.tcp({ name: 'raw', port: 9000 }),
        Listener.udp({ name: 'dns', port: 53 }),
      ],
      addresses: [GatewayAddress.ipAddress('10.0.0.1'), GatewayAddress.hostname('lb.example.com'), GatewayAddress.named('reserved')],
      infrastructure: { labels: { team: 'platform' }, annotations: { 'example.com/lb': 'internal' } },
      clientCertificateValidation: { caCertificates: [CaCertificate.fromConfigMapName('client-ca')] },
      clientCertificateValidationPerPort: [{
        port: 443, caCertificates: [CaCertificate.fromConfigMapName('partner-ca')], mode: ClientCertificateMode.ALLOW_INSECURE_FALLBACK,
      }],
      backendClientCertificate: TlsCertificate.fromSecretName('gateway-client'),
    });

    // THEN
    const spec = find(synth(app), 'Gateway', 'edge').spec;
    expect(spec.gatewayClassName).toBe('eg');
    expect(spec.listeners).toEqual([
      {
        name: 'websecure',
        port: 443,
        protocol: 'HTTPS',
        hostname: 'shop.example.com',
        tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'shop-tls' }], options: { 'example.com/min-version': '1.3' } },
      },
      { name: 'db', port: 5432, protocol: 'TLS', hostname: 'db.example.com', tls: { mode: 'Passthrough' } },
      { name: 'raw', port: 9000, protocol: 'TCP' },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ]);
    expect(spec.addresses).toEqual([
      { type: 'IPAddress', value: '10.0.0.1' }, { type: 'Hostname', value: 'lb.example.com' }, { type: 'NamedAddress', value: 'reserved' },
    ]);
    expect(spec.infrastructure).toEqual({ labels: { team: 'platform' }, annotations: { 'example.com/lb': 'internal' } });
    expect(spec.tls).toEqual({
      frontend: {
        default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'client-ca' }] } },
        perPort: [{
          port: 443,
          tls: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'partner-ca' }], mode: 'AllowInsecureFallback' } },
        }],
      },
      backend: { clientCertificateRef: { group: '', kind: 'Secret', name: 'gateway-client' } },
    });
  });

  test('the metadata name is the construct id; an id that is no DNS name asks for metadata.name', () => {
    const { chart } = platform();
    expect(new Gateway(chart, 'Edge', { gatewayClass: GatewayClass.fromName('eg') }).name).toBe('edge');
    expect(() => new Gateway(chart, 'my_gateway', { gatewayClass: GatewayClass.fromName('eg') })).toThrow(
      /Gateway platform\/my_gateway: name \(from the construct id\) "my_gateway" must be a DNS subdomain/);
  });

  test.each([
    [{ namespace: 'Gateway_System' }, /Gateway platform\/edge: metadata.namespace "Gateway_System" must be a DNS label/],
    [{ labels: { 'app.kubernetes.io/name': 'edge gateway' } }, /metadata.labels.app.kubernetes.io\/name "edge gateway" must be at most 63 letters/],
    [{ annotations: { 'bad/key/x': 'v' } }, /metadata.annotations "bad\/key\/x" must be an optional DNS subdomain prefix/],
  ])('metadata the API server would reject is rejected (%#)', (metadata, message) => {
    const { chart } = platform();
    expect(() => new Gateway(chart, 'edge', { gatewayClass: GatewayClass.fromName('eg'), metadata })).toThrow(message);
  });

  test('renders the allowed routes of each kind of AllowedRoutes', () => {
    const { app, chart } = platform();
    new Gateway(chart, 'edge', {
      gatewayClass: GatewayClass.fromName('eg'),
      listeners: [
        Listener.http({ name: 'same', port: 80, allowedRoutes: AllowedRoutes.sameNamespace({ kinds: [RouteKind.HTTP_ROUTE] }) }),
        Listener.http({ name: 'all', port: 81, allowedRoutes: AllowedRoutes.allNamespaces() }),
        Listener.http({ name: 'labels', port: 82, allowedRoutes: AllowedRoutes.fromNamespaceLabels({ exposed: 'true' }) }),
        Listener.http({ name: 'names', port: 83, allowedRoutes: AllowedRoutes.fromNamespaces(['a', 'b']) }),
      ],
    });
    expect(find(synth(app), 'Gateway', 'edge').spec.listeners.map((l: any) => l.allowedRoutes)).toEqual([
      { namespaces: { from: 'Same' }, kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }] },
      { namespaces: { from: 'All' } },
      { namespaces: { from: 'Selector', selector: { matchLabels: { exposed: 'true' } } } },
      { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['a', 'b'] }] } } },
    ]);
  });

  test('the synth step finds the Gateways of the node data plane and their data-plane settings', () => {
    const { app, chart } = platform();
    const ours = new Gateway(chart, 'ours', {
      gatewayClass: GatewayClass.nodeDataPlane(chart),
      listeners: [Listener.http({ name: 'web', port: 80 })],
      dataPlane: { replicas: 3, image: 'node:24-alpine', serviceType: DataPlaneServiceType.NODE_PORT },
    });
    new Gateway(chart, 'theirs', { gatewayClass: GatewayClass.fromName('eg'), listeners: [Listener.http({ name: 'web', port: 80 })] });

    expect(Gateway.nodeDataPlaneGateways(app)).toEqual([ours]);
    expect(ours.isNodeDataPlane).toBe(true);
    expect(ours.dataPlane).toEqual({ replicas: 3, image: 'node:24-alpine', serviceType: DataPlaneServiceType.NODE_PORT });
  });

  test('dataPlane on another implementation\'s class is an error', () => {
    const { chart } = platform();
    expect(() => new Gateway(chart, 'edge', { gatewayClass: GatewayClass.fromName('eg'), dataPlane: { replicas: 2 } })).toThrow(
      /Gateway platform\/edge: dataPlane: only applies to GatewayClass.nodeDataPlane\(\); class "eg" is run by its own controller/);
  });

  test.each([
    [{ autoscaling: { minReplicas: 3, maxReplicas: 2 } }, /dataPlane.autoscaling.maxReplicas 2 must be an integer of at least 3/],
    [{ replicas: -1 }, /dataPlane.replicas -1 must be an integer of at least 0/],
    [{ loadBalancerClass: 'x', serviceType: DataPlaneServiceType.CLUSTER_IP }, /dataPlane.loadBalancerClass: only applies to a LoadBalancer Service/],
    [{ clientCertificateHeader: 'x client cert' }, /dataPlane.clientCertificateHeader "x client cert" must be an HTTP header name/],
    [{ serviceAnnotations: { 'bad key!': 'x' } }, /dataPlane.serviceAnnotations "bad key!" must be an optional DNS subdomain prefix/],
    [{ adminPort: 80 }, /dataPlane.adminPort 80 must be an integer between 1024 and 65535 \(the pod runs without root/],
    [{ clusterDomain: 'Cluster.Local' }, /dataPlane.clusterDomain "Cluster.Local" must be a DNS subdomain/],
  ])('data-plane settings are checked: %j', (dataPlane, message) => {
    const { chart } = platform();
    expect(() => new Gateway(chart, 'edge', { gatewayClass: GatewayClass.nodeDataPlane(chart), dataPlane })).toThrow(message);
  });

  test('settings the running data plane reads travel in a parameters ConfigMap the Gateway refers to, as any tool reading dist/ sees them', () => {
    // GIVEN
    const { chart } = platform();

    // WHEN
    new Gateway(chart, 'edge', {
      gatewayClass: GatewayClass.nodeDataPlane(chart),
      listeners: [Listener.http({ name: 'web', port: 80 })],
      dataPlane: { replicas: 1, clientCertificateHeader: 'X-Client-Cert', clusterDomain: 'corp.example' },
    });

    // THEN
    const objects = Testing.synth(chart);
    expect(objects.find((o) => o.kind === 'Gateway').spec.infrastructure).toEqual({ parametersRef: { group: '', kind: 'ConfigMap', name: 'edge-dataplane-parameters' } });
    expect(objects.find((o) => o.metadata.name === 'edge-dataplane-parameters')).toMatchObject({
      kind: 'ConfigMap',
      metadata: { namespace: 'gateway-system', labels: { 'app.kubernetes.io/managed-by': 'cdk8s-gateway' } },
      data: { clientCertificateHeader: 'x-client-cert', clusterDomain: 'corp.example' },
    });
  });

  test('a Gateway whose dataPlane sets no such setting has no parameters ConfigMap', () => {
    const { chart } = platform();
    new Gateway(chart, 'edge', { gatewayClass: GatewayClass.nodeDataPlane(chart), listeners: [Listener.http({ name: 'web', port: 80 })], dataPlane: { replicas: 1 } });
    const objects = Testing.synth(chart);
    expect(objects.find((o) => o.kind === 'Gateway').spec.infrastructure).toBeUndefined();
    expect(objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name)).toEqual(['edge-dataplane-bundle', 'edge-dataplane-config']);
  });

  test('data-plane settings and a parametersRef of one\'s own are one or the other', () => {
    const { chart } = platform();
    expect(() => new Gateway(chart, 'edge', {
      gatewayClass: GatewayClass.nodeDataPlane(chart),
      infrastructure: { parametersRef: { group: '', kind: 'ConfigMap', name: 'mine' } },
      dataPlane: { clientCertificateHeader: 'x-client-cert' },
    })).toThrow('Gateway platform/edge: dataPlane.clientCertificateHeader: is passed to the data plane in the ConfigMap that ' +
      'spec.infrastructure.parametersRef names, but infrastructure.parametersRef is set (ConfigMap mine): put "clientCertificateHeader" ' +
      'in that ConfigMap\'s data instead, or remove infrastructure.parametersRef');
  });

  describe('listeners', () => {
    function gw() {
      const { app, chart } = platform();
      return { app, gateway: new Gateway(chart, 'edge', { gatewayClass: GatewayClass.fromName('eg') }) };
    }

    test.each([
      [[Listener.http({ name: 'web', port: 80 }), Listener.http({ name: 'web', port: 81 })], /listener name "web" is used twice/],
      [[Listener.http({ name: 'a', port: 80 }), Listener.http({ name: 'b', port: 80 })],
        /listeners "a" and "b" both serve HTTP on port 80 for every hostname; change the port or the hostname of one/],
      [[Listener.http({ name: 'a', port: 80 }), Listener.https({ name: 'b', port: 80, certificates: [TlsCertificate.fromSecretName('c')] })],
        /listeners "a" \(HTTP\) and "b" \(HTTPS\) share port 80; a port serves only one of HTTP, HTTPS\/TLS or TCP \(ProtocolConflict\)/],
      [[Listener.tcp({ name: 'a', port: 80 }), Listener.http({ name: 'b', port: 80 })], /ProtocolConflict/],
      [[Listener.https({ name: 'a', port: 443, hostname: 'x.example.com', certificates: [TlsCertificate.fromSecretName('c')] }),
        Listener.tlsPassthrough({ name: 'b', port: 443, hostname: 'x.example.com' })],
      /listeners "a" \(HTTPS\) and "b" \(TLS\) both serve hostname "x.example.com" on port 443 \(HostnameConflict\)/],
    ])('conflicting listeners are rejected (%#)', (listeners, message) => {
      const { gateway } = gw();
      expect(() => listeners.forEach((l) => gateway.addListener(l))).toThrow(message);
    });

    test('HTTPS and TLS share a port by hostname, TCP and UDP share a port number', () => {
      const { gateway } = gw();
      gateway.addListener(Listener.https({ name: 'a', port: 443, hostname: 'a.example.com', certificates: [TlsCertificate.fromSecretName('c')] }));
      gateway.addListener(Listener.tlsPassthrough({ name: 'b', port: 443, hostname: 'b.example.com' }));
      gateway.addListener(Listener.tcp({ name: 'c', port: 53 }));
      gateway.addListener(Listener.udp({ name: 'd', port: 53 }));
      expect(gateway.listeners.map((l) => l.name)).toEqual(['a', 'b', 'c', 'd']);
    });

    test.each([
      [Listener.http({ name: 'web', port: 70000 }), /Gateway platform\/edge: listeners\[0\].port 70000 must be an integer between 1 and 65535/],
      [Listener.http({ name: 'Web', port: 80 }), /listeners\[0\].name "Web" must be a DNS subdomain/],
      [Listener.http({ name: 'web', port: 80, hostname: 'Shop.example.com' }), /listeners\[0\].hostname "Shop.example.com" must be a lower-case DNS name/],
      [Listener.http({ name: 'web', port: 80, hostname: '10.0.0.1' }), /listeners\[0\].hostname "10.0.0.1" must be a hostname, not an IP address/],
      [Listener.http({ name: 'web', port: 80, hostname: 'a.*.example.com' }), /hostname "a.\*.example.com" must be a lower-case DNS name, optionally starting with "\*."/],
      [Listener.https({ name: 'web', port: 443, certificates: [] }), /listeners\[0\].tls.certificateRefs: must name at least one certificate: a HTTPS listener terminates TLS/],
      [Listener.tcp({ name: 'raw', port: 9000, allowedRoutes: AllowedRoutes.sameNamespace({ kinds: [RouteKind.HTTP_ROUTE] }) }),
        /listeners\[0\].allowedRoutes.kinds\[0\]: HTTPRoute cannot attach to a TCP listener \(supported: TCPRoute\)/],
      [Listener.http({ name: 'web', port: 80, allowedRoutes: AllowedRoutes.fromNamespaceLabels({ 'bad key!': 'x' }) }),
        /listeners\[0\].allowedRoutes.namespaces.selector.matchLabels "bad key!"/],
    ])('a bad listener is rejected with its field (%#)', (listener, message) => {
      const { gateway } = gw();
      expect(() => gateway.addListener(listener)).toThrow(message);
    });

    test('a Gateway without listeners is a synth error', () => {
      const { app } = gw();
      expect(() => synth(app)).toThrow(/Gateway: has no listeners; add one with addListener\(\)/);
    });

    test('listener() finds a listener by name, or names the ones there are', () => {
      const { gateway } = fixture();
      expect(gateway.listener('web').port).toBe(80);
      expect(() => gateway.listener('admin')).toThrow(/listeners: has no listener named "admin" \(listeners: web, websecure\)/);
    });
  });

  test.each([
    [{ addresses: [GatewayAddress.ipAddress('10.0.0.300')] }, /addresses\[0\].value "10.0.0.300" must be an IPv4 or IPv6 address/],
    [{ addresses: [GatewayAddress.ipAddress('10.0.0.1'), GatewayAddress.ipAddress('10.0.0.1')] }, /addresses\[1\].value "10.0.0.1" is listed twice/],
    [{ addresses: [GatewayAddress.custom('pool')] }, /addresses\[0\].type "pool" must be IPAddress, Hostname, NamedAddress or a domain-prefixed type/],
    [{ infrastructure: { labels: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`l${i}`, 'x'])) } }, /infrastructure.labels: has 9 entries; at most 8 are allowed/],
    [{ infrastructure: { labels: { team: 'a b' } } }, /infrastructure.labels.team "a b" must be at most 63 letters, digits/],
    [{ clientCertificateValidation: { caCertificates: [] } }, /tls.frontend.default.validation.caCertificateRefs: must have at least one entry/],
    [{
      clientCertificateValidationPerPort: [
        { port: 443, caCertificates: [CaCertificate.fromConfigMapName('a')] }, { port: 443, caCertificates: [CaCertificate.fromConfigMapName('b')] },
      ],
    }, /tls.frontend.perPort\[1\].port 443 is listed twice; one entry per port/],
  ])('gateway-level settings are checked (%#)', (props, message) => {
    const { chart } = platform();
    expect(() => new Gateway(chart, 'edge', { gatewayClass: GatewayClass.fromName('eg'), ...props })).toThrow(message);
  });

  test('per-port client-certificate validation needs a TLS-terminating listener on that port', () => {
    const { app, chart } = platform();
    new Gateway(chart, 'edge', {
      gatewayClass: GatewayClass.fromName('eg'),
      listeners: [Listener.http({ name: 'web', port: 80 })],
      clientCertificateValidationPerPort: [{ port: 80, caCertificates: [CaCertificate.fromConfigMapName('ca')] }],
    });
    expect(() => synth(app)).toThrow(/Gateway: tls.frontend.perPort\[0\].port 80 has no HTTPS or TLS Terminate listener \(terminating ports: none\)/);
  });

  test('a certificate in another namespace needs a ReferenceGrant there', () => {
    // GIVEN
    const { app, chart } = platform();
    new Gateway(chart, 'edge', {
      gatewayClass: GatewayClass.fromName('eg'),
      listeners: [Listener.https({ name: 'websecure', port: 443, certificates: [TlsCertificate.fromSecretName('wildcard', { namespace: 'certs' })] })],
    });

    // THEN
    expect(() => synth(app)).toThrow(/Gateway: listeners\[0\].tls.certificateRefs\[0\] refers to Secret "certs\/wildcard" in another namespace without a ReferenceGrant; add a ReferenceGrant in namespace "certs" from Gateway in "gateway-system"/);

    // WHEN
    new ReferenceGrant(chart, 'certs', {
      metadata: { namespace: 'certs' },
      from: [{ kind: 'Gateway', namespace: 'gateway-system' }],
      to: [{ kind: 'Secret', name: 'wildcard' }],
    });

    // THEN
    expect(() => synth(app)).not.toThrow();
  });

  test('two objects with the same kind, namespace and name are a synth error', () => {
    const { app, chart } = platform();
    const other = new Chart(app, 'other', { namespace: 'gateway-system' });
    new Gateway(chart, 'edge', { gatewayClass: GatewayClass.fromName('eg'), listeners: [Listener.http({ name: 'web', port: 80 })] });
    new Gateway(other, 'edge', { gatewayClass: GatewayClass.fromName('eg'), listeners: [Listener.http({ name: 'web', port: 80 })] });
    expect(() => synth(app)).toThrow(/Gateway "gateway-system\/edge" is defined twice \(platform\/edge\/Resource and other\/edge\/Resource\)/);
  });

  test('client-certificate validation without a TLS-terminating listener is a warning', () => {
    const { app, chart } = platform();
    new Gateway(chart, 'edge', {
      gatewayClass: GatewayClass.fromName('eg'),
      listeners: [Listener.http({ name: 'web', port: 80 })],
      clientCertificateValidation: { caCertificates: [CaCertificate.fromConfigMapName('ca')] },
    });
    synth(app);
    expect(warnings(app)).toEqual(['platform/edge: tls.frontend.default: no listener terminates TLS, so client certificates are never asked for']);
  });

  test('cdk8s-plus Secrets and ConfigMaps can be referenced directly', () => {
    const { app, chart } = platform();
    const secret = new kplus.Secret(chart, 'cert', { metadata: { name: 'shop-tls' } });
    const ca = new kplus.ConfigMap(chart, 'ca', { metadata: { name: 'client-ca' } });
    new Gateway(chart, 'edge', {
      gatewayClass: GatewayClass.fromName('eg'),
      listeners: [Listener.https({ name: 'websecure', port: 443, certificates: [TlsCertificate.fromSecret(secret)] })],
      clientCertificateValidation: { caCertificates: [CaCertificate.fromConfigMap(ca)] },
    });
    const spec = find(synth(app), 'Gateway', 'edge').spec;
    expect(spec.listeners[0].tls.certificateRefs).toEqual([{ group: '', kind: 'Secret', name: 'shop-tls', namespace: 'gateway-system' }]);
    expect(spec.tls.frontend.default.validation.caCertificateRefs).toEqual([{ group: '', kind: 'ConfigMap', name: 'client-ca', namespace: 'gateway-system' }]);
  });
});
