/** ListenerSet, BackendTLSPolicy and ReferenceGrant. */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { find, synth } from './fixture';
import {
  AllowedListeners, AllowedRoutes, Backend, BackendTlsPolicy, CaCertificate, Gateway, GatewayClass, HttpRoute, Listener,
  ListenerSet, ReferenceGrant, SubjectAltName, TlsCertificate, WellKnownCaCertificates,
} from '../../src';

function shared(allowedListeners?: AllowedListeners) {
  const app = new App();
  const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
  const gateway = new Gateway(platform, 'shared', {
    gatewayClass: GatewayClass.nodeDataPlane(platform),
    listeners: [Listener.http({ name: 'web', port: 80 })],
    allowedListeners,
  });
  const team = new Chart(app, 'team', { namespace: 'shop' });
  return { app, gateway, team };
}

describe('ListenerSet', () => {
  test('adds listeners to a Gateway that allows it, and routes attach to the set', () => {
    // GIVEN
    const { app, gateway, team } = shared(AllowedListeners.allNamespaces());

    // WHEN (the certificate is in the Gateway's namespace, where the data-plane pods can mount it)
    new ReferenceGrant(gateway, 'shop-certs', {
      from: [{ group: 'gateway.networking.k8s.io', kind: 'ListenerSet', namespace: 'shop' }],
      to: [{ group: '', kind: 'Secret', name: 'shop-tls' }],
    });
    const set = new ListenerSet(team, 'shop-listeners', {
      gateway,
      listeners: [Listener.https({
        name: 'shop',
        port: 443,
        hostname: 'shop.example.com',
        certificates: [TlsCertificate.fromSecretName('shop-tls', { namespace: 'gateway-system' })],
      })],
    });
    new HttpRoute(team, 'r', { parentRefs: [{ parent: set, sectionName: 'shop' }], rules: [{ backends: [Backend.fromServiceName('web', { port: 80 })] }] });

    // THEN
    const objects = synth(app);
    expect(find(objects, 'Gateway', 'shared').spec.allowedListeners).toEqual({ namespaces: { from: 'All' } });
    expect(find(objects, 'ListenerSet', 'shop-listeners').spec).toEqual({
      parentRef: { name: 'shared', namespace: 'gateway-system' },
      listeners: [{
        name: 'shop',
        port: 443,
        protocol: 'HTTPS',
        hostname: 'shop.example.com',
        tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'shop-tls', namespace: 'gateway-system' }] },
      }],
    });
    expect(find(objects, 'HTTPRoute', 'r').spec.parentRefs).toEqual([{ kind: 'ListenerSet', name: 'shop-listeners', sectionName: 'shop' }]);
  });

  test('a Gateway that allows no ListenerSets (the default) makes one a synth error', () => {
    const { app, gateway, team } = shared();
    new ListenerSet(team, 'ls', { gateway, listeners: [Listener.http({ name: 'extra', port: 8080 })] });
    expect(() => synth(app)).toThrow(/ListenerSet: Gateway gateway-system\/shared accepts no ListenerSets; set its allowedListeners/);
  });

  test('a Gateway that allows its own namespace only refuses other namespaces', () => {
    const { app, gateway, team } = shared(AllowedListeners.sameNamespace());
    new ListenerSet(team, 'ls', { gateway, listeners: [Listener.http({ name: 'extra', port: 8080 })] });
    expect(() => synth(app)).toThrow(/accepts ListenerSets from its own namespace "gateway-system" only, not "shop"/);
  });

  test('a listener that conflicts with the Gateway\'s is a synth error', () => {
    const { app, gateway, team } = shared(AllowedListeners.fromNamespaceLabels({ 'gateway-access': 'yes' }));
    new ListenerSet(team, 'ls', { gateway, listeners: [Listener.tcp({ name: 'raw', port: 80 })] });
    expect(() => synth(app)).toThrow(/ListenerSet: listeners "web" of Gateway gateway-system\/shared \(HTTP\) and "raw" \(TCP\) share port 80; a port serves only one of HTTP, HTTPS\/TLS or TCP/);
  });

  test('routes from another namespace need the set listener to admit them', () => {
    const { app, gateway, team } = shared(AllowedListeners.allNamespaces());
    const set = new ListenerSet(team, 'ls', { gateway, listeners: [Listener.http({ name: 'extra', port: 8080 })] });
    const other = new Chart(app, 'other', { namespace: 'blog' });
    new HttpRoute(other, 'r', { parentRefs: [{ parent: set }], rules: [{ backends: [Backend.fromServiceName('web', { port: 80 })] }] });
    expect(() => synth(app)).toThrow(/no listener of ListenerSet shop\/ls admits HTTPRoute from namespace "blog" \(extra: admits routes from its ListenerSet's namespace "shop" only\)/);
    set.addListener(Listener.http({ name: 'open', port: 8081, allowedRoutes: AllowedRoutes.allNamespaces() }));
    expect(() => synth(app)).not.toThrow();
  });
});

describe('BackendTlsPolicy', () => {
  test('renders targets, CA references, SANs and options', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'shop' });
    const svc = new kplus.Service(chart, 'svc', { metadata: { name: 'api' }, ports: [{ port: 443, name: 'https' }] });
    new BackendTlsPolicy(chart, 'api-tls', {
      targets: [BackendTlsPolicy.serviceTarget(svc, 'https'), { name: 'legacy' }],
      hostname: 'api.shop.svc',
      caCertificates: [CaCertificate.fromConfigMapName('shop-ca')],
      subjectAltNames: [SubjectAltName.hostname('api.shop.svc'), SubjectAltName.uri('spiffe://cluster.local/ns/shop/sa/api')],
      options: { 'example.com/cipher-suites': 'modern' },
    });
    expect(find(synth(app), 'BackendTLSPolicy', 'api-tls').spec).toEqual({
      targetRefs: [{ group: '', kind: 'Service', name: 'api', sectionName: 'https' }, { group: '', kind: 'Service', name: 'legacy' }],
      validation: {
        hostname: 'api.shop.svc',
        caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'shop-ca' }],
        subjectAltNames: [{ type: 'Hostname', hostname: 'api.shop.svc' }, { type: 'URI', uri: 'spiffe://cluster.local/ns/shop/sa/api' }],
      },
      options: { 'example.com/cipher-suites': 'modern' },
    });
  });

  test('the system trust store is written as wellKnownCACertificates', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    new BackendTlsPolicy(chart, 'p', { targets: [{ name: 'api' }], hostname: 'api.example.com', wellKnownCaCertificates: WellKnownCaCertificates.SYSTEM });
    expect(find(synth(app), 'BackendTLSPolicy', 'p').spec.validation).toEqual({ hostname: 'api.example.com', wellKnownCACertificates: 'System' });
  });

  test.each([
    [{}, /BackendTlsPolicy c\/p: validation: needs caCertificates or wellKnownCaCertificates \(WellKnownCaCertificates.SYSTEM for public CAs\)/],
    [{ caCertificates: [CaCertificate.fromConfigMapName('ca')], wellKnownCaCertificates: WellKnownCaCertificates.SYSTEM },
      /validation: may set caCertificates or wellKnownCaCertificates, not both/],
    [{ caCertificates: [CaCertificate.fromConfigMapName('ca', { namespace: 'certs' })] },
      /validation.caCertificateRefs\[0\].namespace "certs" is not allowed: a BackendTLSPolicy's CA bundles live in its own namespace/],
    [{ wellKnownCaCertificates: WellKnownCaCertificates.SYSTEM, hostname: '*.example.com' }, /validation.hostname "\*.example.com" must be a hostname without a wildcard/],
    [{ wellKnownCaCertificates: WellKnownCaCertificates.SYSTEM, subjectAltNames: [SubjectAltName.uri('not a uri')] },
      /validation.subjectAltNames\[0\].uri "not a uri" must be an absolute URI/],
    [{ wellKnownCaCertificates: WellKnownCaCertificates.SYSTEM, targets: [{ name: 'api' }, { name: 'api', sectionName: 'https' }] },
      /targetRefs\[0\]: Service "api" is targeted more than once; then every target of it needs a sectionName/],
    [{ wellKnownCaCertificates: WellKnownCaCertificates.SYSTEM, targets: [] }, /targetRefs: must have at least one entry/],
  ])('policies the CRD rejects are rejected (%#)', (props, message) => {
    const app = new App();
    const chart = new Chart(app, 'c');
    expect(() => new BackendTlsPolicy(chart, 'p', { targets: [{ name: 'api' }], hostname: 'api.example.com', ...props })).toThrow(message);
  });
});
