import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT } from '../support/node-versions';
import { Spawned, tempDir } from '../support/processes';
import { AtomicVolume } from '../support/volume';

const BOOT = path.join(REPO_ROOT, 'assets', 'boot.js');

/** A stand-in data plane: prints its argv and, every 100 ms, the content of the file named by --config. */
const FAKE_BUNDLE = `
const argv = process.argv.slice(2);
console.log('argv ' + JSON.stringify(argv) + ' file ' + require('path').basename(__filename));
const file = argv[argv.indexOf('--config') + 1];
setInterval(() => { try { console.log('config ' + require('fs').readFileSync(file, 'utf8')); } catch (e) { console.log('config missing'); } }, 100);
`;

function writeBundle(dir: string): string {
  const file = path.join(dir, 'dataplane.js.gz');
  fs.writeFileSync(file, gzipSync(FAKE_BUNDLE));
  return file;
}

test('boot runs the gzipped bundle as `node <bundle> <args>` would', async () => {
  // GIVEN
  const dir = tempDir('gw-boot-');
  const bundle = writeBundle(dir);
  fs.writeFileSync(path.join(dir, 'config.json'), '{"v":1}');

  // WHEN
  const p = new Spawned(spawn(process.execPath, [BOOT, '--', bundle, '--config', path.join(dir, 'config.json'), '--x'], { stdio: ['ignore', 'pipe', 'pipe'] }));

  // THEN
  try {
    expect(await p.waitForLine(/^argv /)).toBe(`argv ${JSON.stringify(['--config', path.join(dir, 'config.json'), '--x'])} file dataplane.js`);
    await p.waitForLine(/^config \{"v":1\}$/);
  } finally {
    await p.stop();
  }
});

test('a compressed config is inflated before start and again on every ConfigMap update; a corrupt update keeps the last good one', async () => {
  // GIVEN a ConfigMap volume holding config.json.gz, laid out as the kubelet does
  const dir = tempDir('gw-boot-');
  const bundle = writeBundle(dir);
  const volume = new AtomicVolume(path.join(dir, 'config'));
  volume.write({ 'config.json.gz': gzipSync('{"v":1}') });
  const out = path.join(dir, 'run', 'config.json');

  // WHEN
  const p = new Spawned(spawn(process.execPath, [BOOT, '--inflate', `${volume.file('config.json.gz')}=${out}`, '--', bundle, '--config', out],
    { stdio: ['ignore', 'pipe', 'pipe'] }));

  // THEN
  try {
    await p.waitForLine(/^config \{"v":1\}$/);
    volume.write({ 'config.json.gz': gzipSync('{"v":2}') });
    await p.waitForLine(/^config \{"v":2\}$/, 5000);
    volume.write({ 'config.json.gz': Buffer.from('not gzip') });
    await new Promise((r) => setTimeout(r, 1500));
    expect(p.stderr.join('')).toMatch(/"msg":"compressed config update refused; the last good config stays in place"/);
    expect(p.lines[p.lines.length - 1]).toBe('config {"v":2}');
  } finally {
    await p.stop();
  }
});

test('boot without a bundle explains its usage', () => {
  const r = spawnSync(process.execPath, [BOOT, '--config', 'x'], { encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/boot: unknown option "--config"\nusage: boot\.js \[--inflate <file\.gz>=<file>\]\.\.\. -- <bundle\[\.gz\]>/);
});
