/**
 * IngressMigration: Ingress YAML kept in a cdk8s app's repository becomes Gateway API objects at synth, with
 * this project's data plane, the report as synth warnings, and verify() as a jest check.
 */
import * as path from 'node:path';
import { App, Chart, Testing } from 'cdk8s';
import { FIXTURES } from './support';
import { GatewayClass, IngressMigration, MigrationStatus, Warnings } from '../../src';

process.env.CDK8S_GATEWAY_QUIET = '1';

function fixture(...files: string[]) {
  return [...files, 'services.yaml'].map((f) => path.join(FIXTURES, f));
}

test('fromYaml: the Gateway with its listeners, the routes, and the data plane of this project\'s class', () => {
  // GIVEN
  const app = Testing.app();
  const chart = new Chart(app, 'legacy');

  // WHEN
  const migration = IngressMigration.fromYaml(chart, 'ingress', { files: fixture('semantics.yaml', 'multi-tls.yaml') });

  // THEN
  const objects = Testing.synth(chart);
  const gateway = objects.find((o) => o.kind === 'Gateway');
  expect(gateway.metadata).toEqual(expect.objectContaining({ name: 'ingress', namespace: 'default' }));
  expect(gateway.spec.gatewayClassName).toBe(GatewayClass.NODE_DATA_PLANE_CLASS_NAME);
  expect(gateway.spec.listeners.map((l: any) => l.name)).toEqual(expect.arrayContaining(['http', 'https-foo.bar.com', 'http-foo.store.example']));
  expect(objects.filter((o) => o.kind === 'HTTPRoute').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(expect.arrayContaining([
    'store/foo.store.example', 'store/wildcard.store.example', 'store/default-server', 'default/foo.bar.com', 'default/foo.bar.com-http',
  ]));
  // the synth step added the running data plane of the Gateway
  expect(objects.filter((o) => o.kind === 'Deployment').length).toBe(1);
  expect(migration.gateway.listeners.length).toBe(gateway.spec.listeners.length);
});

test('the report is in findings and, for what has no equivalent or is approximated, in the synth warnings', () => {
  const app = new App();
  const chart = new Chart(app, 'legacy');
  const migration = IngressMigration.fromYaml(chart, 'ingress', { files: fixture('untranslatable.yaml', 'redirects.yaml') });
  expect(migration.untranslatable.map((f) => f.subject)).toContain('nginx.ingress.kubernetes.io/limit-rps');
  expect(migration.findings).toContainEqual(expect.objectContaining({
    ingress: 'default/permanent-308', subject: 'nginx.ingress.kubernetes.io/permanent-redirect-code', status: MigrationStatus.TRANSLATED,
  }));
  const warnings = Warnings.of(app);
  expect(warnings).toContain('legacy/ingress: Ingress legacy/legacy: nginx.ingress.kubernetes.io/limit-rps "5" has no Gateway API equivalent: rate and connection limits: no Gateway API v1.6.1 equivalent');
  expect(warnings.some((w) => /Ingress default\/permanent: nginx.ingress.kubernetes.io\/permanent-redirect ".*" is approximated/.test(w))).toBe(true);
});

test('verify() in a test: empty when the Gateway routes every derived request like ingress-nginx', () => {
  const chart = new Chart(new App(), 'legacy');
  expect(IngressMigration.fromYaml(chart, 'ingress', { files: fixture('canary.yaml', 'semantics.yaml') }).verify()).toEqual([]);
});

test('verify() lists the requests routed differently, with both answers', () => {
  const chart = new Chart(new App(), 'legacy');
  const differences = IngressMigration.fromYaml(chart, 'ingress', { files: fixture('rewrite.yaml') }).verify();
  expect(differences).toContainEqual({
    request: 'GET http://rewrite.bar.com/SOMETHING',
    ingressNginx: expect.stringMatching(/^to default\/http-svc:80 as \/ /),
    gateway: expect.stringMatching(/^404 /),
  });
});

test('fromObjects, another implementation\'s class and a chosen Gateway', () => {
  const chart = new Chart(new App(), 'legacy');
  const m = IngressMigration.fromObjects(chart, 'ingress', {
    objects: [{
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'web' },
      spec: { rules: [{ host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    }],
    gatewayClass: GatewayClass.fromName('eg'),
    gatewayNamespace: 'edge',
    gatewayName: 'public',
  });
  const objects = Testing.synth(chart);
  expect(objects.find((o) => o.kind === 'Gateway')).toMatchObject({ metadata: { name: 'public', namespace: 'edge' }, spec: { gatewayClassName: 'eg' } });
  expect(objects.find((o) => o.kind === 'HTTPRoute').spec.parentRefs).toEqual([expect.objectContaining({ name: 'public', namespace: 'edge', sectionName: 'http' })]);
  expect(objects.some((o) => o.kind === 'GatewayClass' || o.kind === 'Deployment')).toBe(false);
  expect(m.verify()).toEqual([]);
});
