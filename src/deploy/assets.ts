/**
 * The prebuilt files a data-plane pod runs, read from this package's `assets/` directory (built by
 * scripts/bundle.mjs). They are located from this module's own path, never from the working directory,
 * so synth output is byte-identical wherever `cdk8s synth` runs. Works from src/ (ts-jest, ts-node),
 * lib/ (the published package) and assets/cli.js (the bundled CLI).
 *
 * Internal: not exported from src/index.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const PACKAGE_NAME = 'cdk8s-gateway';

let root: string | undefined;

/** The directory of this package's package.json. */
export function packageRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        if ((JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return (root = dir);
      } catch {
        // not ours; keep looking
      }
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`cdk8s-gateway: cannot find the package root (a package.json named "${PACKAGE_NAME}") above ${__dirname}`);
    }
  }
}

const cache = new Map<string, Buffer>();

/** The bytes of `assets/<name>`; a clear error when the package was not built. */
export function readAsset(name: 'dataplane.js.gz' | 'boot.js' | 'sync.js.gz'): Buffer {
  let data = cache.get(name);
  if (data === undefined) {
    const file = path.join(packageRoot(), 'assets', name);
    try {
      data = fs.readFileSync(file);
    } catch {
      throw new Error(`cdk8s-gateway: ${file} is missing, so the data plane cannot be packaged. ` +
        'In a clone of cdk8s-gateway run `npx projen bundle`; in an app, reinstall the cdk8s-gateway package.');
    }
    cache.set(name, data);
  }
  return data;
}
