import { App, Chart } from 'cdk8s';
import { Gateway, GatewayClass, Listener, TlsCertificate, Warnings } from '../../src';

test("a compiler warning carries the path of the construct it is about (not the App's empty path)", () => {
  // GIVEN two HTTPS listeners on one port whose hostnames overlap (the spec's OverlappingTLSConfig)
  const app = new App();
  const platform = new Chart(app, 'platform', { namespace: 'gateway-system' });
  new Gateway(platform, 'edge', {
    gatewayClass: GatewayClass.nodeDataPlane(platform),
    listeners: [
      Listener.https({ name: 'a', port: 443, hostname: '*.example.com', certificates: [TlsCertificate.fromSecretName('wild-tls')] }),
      Listener.https({ name: 'b', port: 443, hostname: 'shop.example.com', certificates: [TlsCertificate.fromSecretName('shop-tls')] }),
    ],
  });

  // WHEN
  app.synth();

  // THEN
  const warnings = Warnings.of(app);
  expect(warnings.length).toBeGreaterThan(0);
  for (const w of warnings) expect(w).toMatch(/^platform\/edge: Gateway gateway-system\/edge: /);
  expect(warnings.join('\n')).toMatch(/OverlappingTLSConfig/);
});
