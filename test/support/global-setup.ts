import { podNode } from './node-versions';
import { sharedDataNotices } from './shared-data';
import { DATA_PLANE_NODE_VERSION } from '../../src/spec/runtime';

/**
 * Jest globalSetup: installs the pods' exact Node release (src/spec/runtime.ts) into .cache/ once, before
 * any test file starts a data plane, so that no beforeAll hook has to wait for the download.
 */
export default function globalSetup(): void {
  const n = podNode();
  process.stdout.write(`\nend-to-end data planes run on ${n ? `Node ${DATA_PLANE_NODE_VERSION} (${n})` : `this Node (${process.version})`}\n`);
  for (const notice of sharedDataNotices()) process.stdout.write(`${notice}\n`);
}
