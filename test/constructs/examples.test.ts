/**
 * The examples' output, reviewed as documents. A change here is a change users will see in dist/: read the
 * snapshot diff before refreshing it with `npx projen test:update -- test/constructs/examples`.
 * The data plane's own objects are part of dist/ (the synth step renders them for every Gateway of
 * ours); only the bytes of the bundled data plane are replaced by a placeholder.
 */
import { Warnings } from '../../src';
import { buildExample, exampleNames } from '../crd-validation/examples';
import { withoutBundleBytes } from '../deploy/render';

process.env.CDK8S_GATEWAY_QUIET = '1';

test.each(exampleNames())('examples/%s synthesizes to the reviewed manifests', (name) => {
  const app = buildExample(name);
  expect(app.charts.map((c) => ({ chart: c.node.id, objects: withoutBundleBytes(c.toJson()) }))).toMatchSnapshot();
  expect(Warnings.of(app)).toMatchSnapshot('warnings');
});
