import * as fs from 'node:fs';
import * as path from 'node:path';
import { SUPPORTED_FEATURES } from '../../src/spec/supported-features';
import { REPO_ROOT } from '../support/node-versions';

test('docs/cluster-mode.md lists exactly the features the GatewayClass status claims, sorted', () => {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'cluster-mode.md'), 'utf8');
  const block = /<!-- supported-features -->([\s\S]*?)<!-- \/supported-features -->/.exec(readme);
  expect(block).not.toBeNull();
  const listed = block![1].split(/[,\s]+/).filter(Boolean);
  expect(listed).toEqual([...SUPPORTED_FEATURES]);
  expect([...SUPPORTED_FEATURES]).toEqual([...SUPPORTED_FEATURES].sort());
});
