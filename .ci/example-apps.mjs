#!/usr/bin/env node
// The examples/cdk8s-app*/ apps, built as a user builds them: each is copied to .cache/example-apps/<name>, installs
// the PACKED package (dist/js/*.tgz, a file: dependency) plus its other dependencies from the registry, and is
// synthesized with the real `cdk8s synth`; the output must compile with our own `compile` and run the pinned image.
//
// One app per cdk8s-plus major: an app names its major in package.json (`cdk8s-plus-<N>`), nothing here is specific
// to one. Add examples/cdk8s-app-plus-33/ (same layout) and it runs too.
//
// Needs: lib/ and the tarball built (`npx projen compile && npx projen package:js`). Usage: node .ci/example-apps.mjs
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const tarballs = fs.readdirSync(path.join(root, 'dist', 'js')).filter((f) => f.endsWith('.tgz'));
if (tarballs.length !== 1) throw new Error(`expected one tarball in dist/js/, found: ${tarballs.join(', ') || 'none'} (run npx projen package:js)`);
const tarball = path.join(root, 'dist', 'js', tarballs[0]);
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// the tarball carries what users load, nothing else
const files = run('tar', ['tzf', tarball], root).split('\n').filter(Boolean);
const stray = files.filter((f) => /^package\/(test|bench|examples|scripts|src)\/|^package\/lib\/(dataplane|cli)\/|\.map$|\.tsbuildinfo$/.test(f));
if (stray.length) throw new Error(`the tarball carries files users never load:\n  ${stray.join('\n  ')}`);
for (const need of ['package/.jsii', 'package/lib/index.js', 'package/assets/cli.js', 'package/assets/boot.js', 'package/assets/dataplane.js.gz']) {
  if (!files.includes(need)) throw new Error(`the tarball misses ${need}`);
}
process.stdout.write(`tarball ${path.basename(tarball)}: ${fs.statSync(tarball).size} bytes, ${files.length} files\n`);

const { DATA_PLANE_DEFAULT_IMAGE } = await import(path.join(root, 'lib', 'spec', 'runtime.js'));
const apps = fs.readdirSync(path.join(root, 'examples')).filter((d) => /^cdk8s-app/.test(d));
if (apps.length === 0) throw new Error('no examples/cdk8s-app*/ to build');
for (const name of apps) {
  const src = path.join(root, 'examples', name);
  const dir = path.join(root, '.cache', 'example-apps', name);
  fs.rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(src)) if (f !== 'dist' && f !== 'node_modules') fs.cpSync(path.join(src, f), path.join(dir, f), { recursive: true });
  const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  pj.dependencies['cdk8s-gateway'] = `file:${tarball}`;
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pj, null, 2));
  const plus = Object.keys(pj.dependencies).find((d) => /^cdk8s-plus-\d+$/.test(d)) ?? 'no cdk8s-plus';
  const t0 = Date.now();
  // the tarball changes with every build: reinstall it; the other dependencies stay installed (and in npm's cache)
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], dir);
  run(path.join(root, 'node_modules', '.bin', 'cdk8s'), ['synth'], dir);
  const out = run(process.execPath, [path.join(dir, 'node_modules', 'cdk8s-gateway', 'bin', 'cdk8s-gateway'), 'compile', '--manifests', 'dist/'], dir);
  const config = JSON.parse(out.slice(out.indexOf('{')));
  const yaml = fs.readdirSync(path.join(dir, 'dist')).map((f) => fs.readFileSync(path.join(dir, 'dist', f), 'utf8')).join('\n');
  if (!yaml.includes(`image: ${DATA_PLANE_DEFAULT_IMAGE}`)) throw new Error(`${name}: the synthesized Deployment does not run ${DATA_PLANE_DEFAULT_IMAGE}`);
  process.stdout.write(`${name} (${plus}): cdk8s synth + compile ok (${JSON.stringify(config).length} bytes of config) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
