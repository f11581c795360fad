import { node24 } from './node-versions';
import { sharedDataNotices } from './shared-data';

/**
 * Jest globalSetup: installs the pods' Node (24) into .cache/ once, before any test file starts a data
 * plane, so that no beforeAll hook has to wait for the download.
 */
export default function globalSetup(): void {
  const n = node24();
  process.stdout.write(`\nend-to-end data planes run on ${n ? `Node 24 (${n})` : `this Node (${process.version})`}\n`);
  for (const notice of sharedDataNotices()) process.stdout.write(`${notice}\n`);
}
