/**
 * Every Gateway API object `migrate` writes for the fixtures is accepted by the v1.6.1 CRDs (schema and CEL
 * rules): on the experimental channel always, and on the standard channel unless the object uses an
 * experimental field (ExternalAuth, retry, sessionPersistence), which the report then says.
 */
import { fixtureObjects } from './support';
import { migrateIngresses } from '../../src/migrate';
import { describeWithCrds } from '../crd-validation/crd-validator';

const ALL = ['affinity.yaml', 'canary.yaml', 'client-certs.yaml', 'external-auth.yaml', 'features.yaml', 'grpc.yaml', 'multi-tls.yaml',
  'path-matching.yaml', 'redirects.yaml', 'rewrite.yaml', 'semantics.yaml', 'untranslatable.yaml'];

const EXPERIMENTAL = /"(externalAuth|retry|sessionPersistence)"/;

describeWithCrds('migrate output validates against the Gateway API CRDs', (validator) => {
  test.each(ALL)('%s', (file) => {
    const { objects, sources } = fixtureObjects(file);
    const m = migrateIngresses(objects, { sources });
    const gatewayApi = m.objects.filter((o) => validator.handles(o));
    expect(gatewayApi.length).toBeGreaterThan(1);
    const errors = gatewayApi.flatMap((o) => validator.validate(o, 'experimental').map((e) => `[experimental] ${e}`));
    for (const o of gatewayApi.filter((x) => !EXPERIMENTAL.test(JSON.stringify(x)))) {
      if (validator.channels.includes('standard')) errors.push(...validator.validate(o, 'standard').map((e) => `[standard] ${e}`));
    }
    expect(errors).toEqual([]);
    expect(m.report.experimental).toBe(gatewayApi.some((x) => EXPERIMENTAL.test(JSON.stringify(x))));
  });

  test('all fixtures at once (one Gateway with every host\'s listeners)', () => {
    const { objects, sources } = fixtureObjects(...ALL);
    const m = migrateIngresses(objects, { sources });
    const errors = m.objects.filter((o) => validator.handles(o)).flatMap((o) => validator.validate(o, 'experimental'));
    expect(errors).toEqual([]);
  });
});
