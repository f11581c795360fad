/**
 * The constructs do not import the synth step (src/deploy/): it hooks itself in when its module loads, which
 * the package entry does. These tests load the modules the way a user's program would, each in a fresh
 * module registry, so that nothing another test imported makes them pass.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- each test loads the modules afresh, as a program would */
process.env.CDK8S_GATEWAY_QUIET = '1';

/** An app with one Gateway of the node data plane class, built from `lib` (the package entry or a file of it). */
function synthesizeWith(load: () => any): any[] {
  let objects: any[] = [];
  jest.isolateModules(() => {
    const lib = load();
    const cdk8s = require('cdk8s');
    const app = cdk8s.Testing.app();
    const platform = new cdk8s.Chart(app, 'platform', { namespace: 'gateway-system' });
    new lib.Gateway(platform, 'edge', {
      gatewayClass: lib.GatewayClass.nodeDataPlane(platform),
      listeners: [lib.Listener.http({ name: 'web', port: 80 })],
    });
    objects = cdk8s.Testing.synth(platform);
  });
  return objects;
}

test('a program that imports only the package entry gets the data plane of its Gateway', () => {
  // WHEN
  const objects = synthesizeWith(() => require('../../src'));

  // THEN
  expect(objects.filter((o) => o.kind === 'Deployment').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['gateway-system/edge-dataplane']);
});

test('a program that bypasses the package entry (and so the synth step) fails the synth and says what to import', () => {
  // WHEN
  const synth = () => synthesizeWith(() => require('../../src/constructs'));

  // THEN
  expect(synth).toThrow(/platform\/edge: the data plane of a GatewayClass.nodeDataPlane\(\) Gateway is rendered by the synth step, which is not loaded: import from 'cdk8s-gateway'/);
});
