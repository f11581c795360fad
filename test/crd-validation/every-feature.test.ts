/**
 * Every shape the constructs can render is accepted by the v1.6.1 CRDs: an app using every construct and
 * option validates on the experimental channel, and every object that uses no experimental field also
 * validates on the standard channel.
 */
import { describeWithCrds } from './crd-validator';
import { buildEveryFeature } from './every-feature';
import { Warnings } from '../../src';


const EXPERIMENTAL_FIELD = /"(retry|sessionPersistence|externalAuth|useDefaultGateways|defaultScope)":/;

describeWithCrds('an app using every feature', (validator) => {
  const app = buildEveryFeature();
  const objects = app.charts.flatMap((c) => c.toJson()).filter((o) => validator.handles(o));

  test('covers every Gateway API kind', () => {
    expect([...new Set(objects.map((o) => o.kind))].sort()).toEqual([
      'BackendTLSPolicy', 'GRPCRoute', 'Gateway', 'GatewayClass', 'HTTPRoute', 'ListenerSet', 'ReferenceGrant', 'TCPRoute', 'TLSRoute', 'UDPRoute',
    ]);
  });

  test('validates on the experimental channel', () => {
    expect(objects.flatMap((o) => validator.validate(o, 'experimental'))).toEqual([]);
  });

  test('validates on the standard channel wherever no experimental field is used', () => {
    if (!validator.channels.includes('standard')) return;
    const standard = objects.filter((o) => !EXPERIMENTAL_FIELD.test(JSON.stringify(o)));
    expect(standard.length).toBeGreaterThan(objects.length - 3);
    expect(standard.flatMap((o) => validator.validate(o, 'standard'))).toEqual([]);
  });

  test('reaches every CEL rule of the kinds it renders (only the status rule is out of a spec\'s reach)', () => {
    expect(validator.stats().notReached.map((r) => r.split(':')[0])).toEqual(['Gateway/v1 .status.addresses[]']);
  });

  test('the objects that need the experimental channel are exactly the ones flagged with a warning', () => {
    const experimental = objects.filter((o) => EXPERIMENTAL_FIELD.test(JSON.stringify(o))).map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(experimental).toEqual(['shop/everything', 'shop/grpc']);
    const flagged = [...new Set(Warnings.of(app).filter((w) => w.includes('experimental')).map((w) => w.split(':')[0]))];
    expect(flagged).toEqual(['shop/everything', 'shop/grpc']);
  });
});
