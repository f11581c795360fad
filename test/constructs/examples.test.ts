/**
 * The examples' output, reviewed as documents. A change here is a change users will see in dist/: read the
 * snapshot diff before refreshing it with `npx projen test:update -- test/constructs/examples`.
 */
import { Warnings } from '../../src';
import { buildExample, exampleNames } from '../crd-validation/examples';

test.each(exampleNames())('examples/%s synthesizes to the reviewed manifests', (name) => {
  const app = buildExample(name);
  expect(app.charts.map((c) => ({ chart: c.node.id, objects: c.toJson() }))).toMatchSnapshot();
  expect(Warnings.of(app)).toMatchSnapshot('warnings');
});
