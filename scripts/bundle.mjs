// Bundles what runs outside jsii's world into single files under assets/:
// - assets/dataplane.js: the data plane a pod runs (`node dataplane.js --config ...`); no runtime npm deps.
// - assets/dataplane.js.gz: the same, gzip-compressed, as the bundle ConfigMap of a synthesized gateway ships it.
// - assets/sync.js(.gz): cluster mode's sync process (src/sync), shipped gzipped in the bundle ConfigMap too;
//   it bundles @kubernetes/client-node's KubeConfig (the 1 MiB ConfigMap limit is checked at synth).
// - assets/boot.js: the pod's entry point; runs the gzipped data plane (or sync) from the bundle ConfigMap.
// - assets/cli.js: the `cdk8s-gateway` command (serve, compile, explain, bundle, echo).
// All are deterministic: the same sources give byte-identical output, so synth output is stable.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'assets');
mkdirSync(outdir, { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  legalComments: 'none',
  sourcemap: false,
  logLevel: 'warning',
  absWorkingDir: root,
};

const entries = [
  { entry: 'src/dataplane/main.ts', out: 'dataplane.js', minify: true, maxBytes: 512 * 1024, gzip: true },
  { entry: 'src/sync/main.ts', out: 'sync.js', minify: true, maxBytes: 2 * 1024 * 1024, gzip: true },
  // what a data-plane pod starts: inflates the gzipped bundle (and a compressed config) and runs it
  { entry: 'src/dataplane/boot/main.ts', out: 'boot.js', minify: false, maxBytes: 16 * 1024 },
  // cdk8s and cdk8s-plus-28 are peer dependencies: `bundle` loads them from the user's node_modules
  { entry: 'src/cli/main.ts', out: 'cli.js', minify: false, external: ['cdk8s', 'cdk8s-plus-28', 'constructs'] },
];

for (const e of entries) {
  if (!existsSync(join(root, e.entry))) {
    console.log(`bundle: ${e.entry} does not exist yet, skipped`);
    continue;
  }
  const outfile = join(outdir, e.out);
  await build({ ...common, entryPoints: [e.entry], outfile, minify: e.minify, external: e.external ?? [] });
  const size = statSync(outfile).size;
  if (e.maxBytes && size > e.maxBytes) {
    console.error(`bundle: ${e.out} is ${size} bytes, over the ${e.maxBytes}-byte budget (DESIGN.md)`);
    process.exit(1);
  }
  if (e.gzip) {
    // what the bundle ConfigMap ships (src/deploy): compressed once here so that synth output does not
    // depend on the zlib of the machine that synthesizes; the OS byte of the header is pinned for the same reason
    const gz = gzipSync(readFileSync(outfile), { level: 9 });
    gz[9] = 3;
    writeFileSync(`${outfile}.gz`, gz);
  }
}
