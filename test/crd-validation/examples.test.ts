/**
 * Every object the examples synthesize is accepted by the v1.6.1 CRDs (schema and CEL rules): on the
 * standard channel, since no example needs experimental fields, and on the experimental channel.
 */
import { describeWithCrds } from './crd-validator';
import { buildExample, exampleNames } from './examples';
import { Warnings } from '../../src';


describeWithCrds('examples validate against the Gateway API CRDs', (validator) => {
  test('there are examples for the quickstart, teams, canary and every route kind', () => {
    expect(exampleNames()).toEqual(expect.arrayContaining(['quickstart', 'multi-team', 'canary', 'http', 'grpc', 'tls', 'tcp', 'udp']));
  });

  test.each(exampleNames())('%s', (name) => {
    const app = buildExample(name);
    const objects = app.charts.flatMap((c) => c.toJson());
    const gatewayApi = objects.filter((o) => validator.handles(o));
    expect(gatewayApi.length).toBeGreaterThan(0);
    const channels = validator.channels;
    const errors = channels.flatMap((ch) => gatewayApi.flatMap((o) => validator.validate(o, ch).map((e) => `[${ch}] ${e}`)));
    expect(errors).toEqual([]);
    // nothing in the examples needs the experimental channel
    expect(Warnings.of(app).filter((w) => w.includes('experimental'))).toEqual([]);
  });
});
