#!/usr/bin/env node
// The examples/cdk8s-app*/ apps, built as a user builds them: each is copied to .cache/example-apps/<name>, installs
// the PACKED package (dist/js/*.tgz, a file: dependency) plus its other dependencies from the registry, and is
// synthesized with the real `cdk8s synth`; the output must compile with our own `compile` and run the pinned image.
//
// The library must work in an app on any cdk8s-plus major (or none): an app written against cdk8s-plus-28 (as
// examples/cdk8s-app is) also runs once per other major of PLUS_MAJORS, with `cdk8s-plus-28` renamed in its
// package.json and main.ts. ts-node type-checks main.ts, so a library type the app's cdk8s-plus objects do not
// satisfy fails here. examples/cdk8s-app-no-plus uses no cdk8s-plus at all.
//
// examples/cdk8s-app-readme is the README's app (main.ts and main.test.ts, word for word): its jest test runs too.
// Needs: lib/ and the tarball built (`npx projen compile && npx projen package:js`).
// Usage: node .ci/example-apps.mjs   (PLUS_MAJORS=28,30,31,32,33 for every major the registry has; default 28,33)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const tarballs = fs.readdirSync(path.join(root, 'dist', 'js')).filter((f) => f.endsWith('.tgz'));
if (tarballs.length !== 1) throw new Error(`expected one tarball in dist/js/, found: ${tarballs.join(', ') || 'none'} (run npx projen package:js)`);
const tarball = path.join(root, 'dist', 'js', tarballs[0]);
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// the tarball carries what users load, nothing else
const files = run('tar', ['tzf', tarball], root).split('\n').filter(Boolean);
const stray = files.filter((f) => /^package\/(test|bench|examples|scripts|src)\/|^package\/lib\/(dataplane|cli|sync)\/|^package\/assets\/(dataplane|sync)\.js$|^package\/API\.md$|\.map$|\.tsbuildinfo$/.test(f));
if (stray.length) throw new Error(`the tarball carries files users never load:\n  ${stray.join('\n  ')}`);
for (const need of ['package/.jsii', 'package/lib/index.js', 'package/assets/cli.js', 'package/assets/boot.js', 'package/assets/dataplane.js.gz', 'package/assets/sync.js.gz']) {
  if (!files.includes(need)) throw new Error(`the tarball misses ${need}`);
}
process.stdout.write(`tarball ${path.basename(tarball)}: ${fs.statSync(tarball).size} bytes, ${files.length} files\n`);

const { DATA_PLANE_DEFAULT_IMAGE } = await import(path.join(root, 'lib', 'spec', 'runtime.js'));
const majors = (process.env.PLUS_MAJORS ?? '28,33').split(',').map((m) => m.trim()).filter(Boolean);
const apps = fs.readdirSync(path.join(root, 'examples')).filter((d) => /^cdk8s-app/.test(d));
if (apps.length === 0) throw new Error('no examples/cdk8s-app*/ to build');
for (const name of apps) {
  const written = JSON.parse(fs.readFileSync(path.join(root, 'examples', name, 'package.json'), 'utf8'));
  const variants = written.dependencies['cdk8s-plus-28'] ? majors : [undefined];
  for (const major of variants) buildApp(name, major);
}

/** Copies examples/<name> (renamed to cdk8s-plus-<major> when given), installs the tarball, synthesizes and checks dist/. */
function buildApp(name, major) {
  const src = path.join(root, 'examples', name);
  const label = major && major !== '28' ? `${name}-plus-${major}` : name;
  const dir = path.join(root, '.cache', 'example-apps', label);
  fs.rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(src)) if (f !== 'dist' && f !== 'node_modules') fs.cpSync(path.join(src, f), path.join(dir, f), { recursive: true });
  const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  pj.dependencies['cdk8s-gateway'] = `file:${tarball}`;
  if (major && major !== '28') {
    delete pj.dependencies['cdk8s-plus-28'];
    pj.dependencies[`cdk8s-plus-${major}`] = '^2';
    const main = path.join(dir, 'main.ts');
    fs.writeFileSync(main, fs.readFileSync(main, 'utf8').replaceAll("'cdk8s-plus-28'", `'cdk8s-plus-${major}'`));
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pj, null, 2));
  const plus = Object.keys(pj.dependencies).find((d) => /^cdk8s-plus-\d+$/.test(d)) ?? 'no cdk8s-plus';
  const t0 = Date.now();
  // the tarball changes with every build under the same name: drop the installed copy and the lock (which pins the old
  // tarball's integrity) so that npm installs this one; the other dependencies stay installed (and in npm's cache)
  fs.rmSync(path.join(dir, 'node_modules', 'cdk8s-gateway'), { recursive: true, force: true });
  fs.rmSync(path.join(dir, 'package-lock.json'), { force: true });
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], dir);
  // one cdk8s in the app: the library's objects and the app's must be the same cdk8s classes
  const cdk8sCopies = run('npm', ['ls', 'cdk8s', '--all', '--parseable'], dir).split('\n').filter(Boolean);
  if (cdk8sCopies.length !== 1) throw new Error(`${label}: npm installed ${cdk8sCopies.length} copies of cdk8s:\n  ${cdk8sCopies.join('\n  ')}`);
  run(path.join(root, 'node_modules', '.bin', 'cdk8s'), ['synth'], dir);
  const out = run(process.execPath, [path.join(dir, 'node_modules', 'cdk8s-gateway', 'bin', 'cdk8s-gateway'), 'compile', '--manifests', 'dist/'], dir);
  const config = JSON.parse(out.slice(out.indexOf('{')));
  // dist/grants/ holds the team grants as JSON documents (for teams' own repositories), not Kubernetes objects
  const objects = fs.readdirSync(path.join(dir, 'dist')).filter((f) => f.endsWith('.yaml')).flatMap((f) =>
    parseAllDocuments(fs.readFileSync(path.join(dir, 'dist', f), 'utf8')).map((d) => d.toJS()).filter(Boolean));
  checkObjects(label, objects);
  // the app's own jest tests (the README's test of a route), against the installed package
  const tested = pj.scripts?.test ? (run('npm', ['test', '--silent'], dir), ' + npm test') : '';
  process.stdout.write(`${label} (${plus}): cdk8s synth + compile${tested} ok (${JSON.stringify(config).length} bytes of config) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

/** What the app's own objects became: the route's backend is its Service; the data plane runs the pinned image. */
function checkObjects(label, objects) {
  const find = (kind, pred = () => true) => objects.filter((o) => o.kind === kind && pred(o));
  const [deployment] = find('Deployment', (o) => o.metadata.namespace === 'gateway-system' && /dataplane/.test(o.metadata.name));
  const image = deployment?.spec.template.spec.containers[0].image;
  if (image !== DATA_PLANE_DEFAULT_IMAGE) throw new Error(`${label}: the data plane's Deployment runs ${image}, not ${DATA_PLANE_DEFAULT_IMAGE}`);
  const services = find('Service', (o) => o.metadata.namespace === 'shop');
  const refs = find('HTTPRoute').flatMap((r) => r.spec.rules.flatMap((rule) => rule.backendRefs ?? []));
  if (!services.some((s) => refs.some((b) => b.name === s.metadata.name && b.port === s.spec.ports[0].port))) {
    throw new Error(`${label}: no HTTPRoute backendRef names the app's Service (${services.map((s) => s.metadata.name).join(', ')}): ${JSON.stringify(refs)}`);
  }
  // DataPlanePeer.podsOf(the app's Deployment): the data plane's NetworkPolicy admits that Deployment's pods
  for (const own of find('Deployment', (o) => o.metadata.namespace === 'gateway-system' && o !== deployment)) {
    const from = find('NetworkPolicy').flatMap((p) => p.spec.ingress.flatMap((rule) => rule.from ?? []));
    const want = JSON.stringify(own.spec.selector.matchLabels);
    if (!from.some((f) => JSON.stringify(f.podSelector?.matchLabels) === want)) throw new Error(`${label}: no NetworkPolicy rule admits the pods of ${own.metadata.name} (${want}): ${JSON.stringify(from)}`);
  }
}
