/**
 * Runs the machine's `kubectl` against a stand-in API server, as a user runs it against a cluster. The server
 * answers from this process's event loop, so kubectl runs asynchronously (a synchronous child would block it).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KubeApiServer } from './server';

export interface KubectlResult {
  /** kubectl's exit code: 0 when every object was applied. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `kubectl <args>` with a kubeconfig for `api` (admin token) and a private cache directory. */
export function kubectl(api: KubeApiServer, args: string[], token = api.adminToken): Promise<KubectlResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-kubectl-'));
  const kubeconfig = api.writeKubeconfig(dir, token);
  return new Promise((resolve, reject) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dir, 'cache'), ...args], { env: { ...process.env, KUBECONFIG: kubeconfig } }, (err, stdout, stderr) => {
      fs.rmSync(dir, { recursive: true, force: true });
      const code = err ? (err as NodeJS.ErrnoException).code : 0;
      if (code === 'ENOENT') reject(new Error('kubectl is not on PATH: install it (any client 1.2x) to run the tests that apply dist/ the way users do'));
      else resolve({ code: typeof code === 'number' ? code : err ? 1 : 0, stdout, stderr });
    });
  });
}
