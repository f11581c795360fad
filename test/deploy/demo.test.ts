/**
 * `npm run demo` as a newcomer runs it: the printed curl commands work, Ctrl-C stops everything.
 * (assets/ is built by `npm test` before jest starts; the demo builds it itself when run on its own.)
 */
import { exec, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/node-versions';
import { Spawned } from '../support/processes';

const sh = promisify(exec);

test('the demo runs the quickstart, its curl commands answer as printed, and Ctrl-C stops everything', async () => {
  // GIVEN
  const demo = new Spawned(spawn(process.execPath, [path.join(REPO_ROOT, 'scripts', 'demo.mjs')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DEMO_SKIP_BUILD: '1', DEMO_HTTP_PORT: '0', DEMO_HTTPS_PORT: '0', DEMO_ADMIN_PORT: '0', CDK8S_GATEWAY_QUIET: '1' },
  }));

  try {
    // WHEN
    await demo.waitForLine(/^demo ready$/, 120_000);

    // THEN every printed curl command answers what the line under it says
    const lines = demo.lines;
    const commands = lines.map((l, i) => ({ cmd: l.trim(), says: lines[i + 1]?.trim() })).filter((c) => c.cmd.startsWith('curl '));
    expect(commands.length).toBeGreaterThanOrEqual(3);
    for (const { cmd, says } of commands) {
      const { stdout } = await sh(`${cmd} --max-time 10 --fail-with-body -s`, { cwd: REPO_ROOT });
      const pod = /from echo pod (\S+)/.exec(says ?? '')?.[1];
      if (pod) expect(JSON.parse(stdout.slice(stdout.indexOf('{'))).pod).toBe(pod);
    }
    const cert = /--cacert (\S+)/.exec(commands.find((c) => c.cmd.includes('--cacert'))!.cmd)![1];
    expect(fs.existsSync(cert)).toBe(true);
    // numbered in apply order (the team's chart depends on the platform chart's Namespaces)
    expect(fs.existsSync(path.join(REPO_ROOT, 'examples', 'quickstart', 'dist', '0000-platform.k8s.yaml'))).toBe(true);

    // WHEN Ctrl-C
    demo.signal('SIGINT');

    // THEN the demo exits, its backends and gateway are gone and so is the certificate
    expect(await demo.waitForExit()).toBe(0);
    expect(fs.existsSync(cert)).toBe(false);
    const ports = commands.map((c) => /:(\d+)\//.exec(c.cmd.replace(/--resolve \S+/, ''))![1]);
    for (const port of new Set(ports)) {
      await expect(sh(`curl -s --max-time 2 http://127.0.0.1:${port}/`)).rejects.toThrow();
    }
  } finally {
    await demo.stop('SIGKILL');
  }
}, 180_000);
