/**
 * `cdk8s-gateway serve --kubeconfig <file> [--context <name>] --gateway <ns>/<name>`: cluster mode on this
 * machine. sync runs in this process against the API server of the kubeconfig, writing into a temp
 * directory; the data plane runs as a child process on that directory, exactly as the two containers of a
 * cluster-mode pod share theirs. The data plane is given no credentials: its environment is PATH, HOME and
 * TMPDIR only, its arguments name no kubeconfig, and its directory holds the config, endpoints and the
 * certificates the config names, never a token.
 *
 * Its `listening ...` lines and `ready` are the data plane's (printed once sync's first config is served).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseObjectKey, Parsed, UsageError } from './args';
import { Logger, parseLogLevel } from '../dataplane/ops/log';
import { packageRoot } from '../deploy/assets';
import { BOOT_FILE, BUNDLE_FILE } from '../deploy/pod-layout';
import { startSync } from '../sync/args';
import { KubeconfigError } from '../sync/kubeconfig';

/** The only environment variables the local data plane process gets. */
const DATA_PLANE_ENV = ['PATH', 'HOME', 'TMPDIR'];

export async function runCluster(args: Parsed): Promise<number> {
  const kubeconfig = args.flags.kubeconfig![0];
  if (!args.flags.gateway) throw new UsageError('--kubeconfig needs --gateway <namespace>/<name>: the Gateway to serve');
  if (args.flags.manifests) throw new UsageError('--kubeconfig and --manifests are two ways to serve a Gateway: give one');
  const gateway = parseObjectKey(args.flags.gateway[0], 'gateway');
  const logLevel = parseLogLevel(args.flags['log-level']?.[0] ?? 'info');
  if (!fs.existsSync(kubeconfig)) throw new UsageError(`--kubeconfig ${kubeconfig}: no such file`, false);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gateway-sync-'));
  const log = new Logger(logLevel);
  let running;
  try {
    running = await startSync({ gateway, dir, kubeconfig, context: args.flags.context?.[0], anyGatewayClass: true, logLevel }, log);
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    if (e instanceof KubeconfigError) {
      process.stderr.write(`cdk8s-gateway serve: ${e.message}\n`);
      return 1;
    }
    throw e;
  }

  const dpArgs = ['--sync-dir', dir, '--address', args.flags.address?.[0] ?? '127.0.0.1', '--log-level', logLevel, '--drain-timeout', '10'];
  if (args.flags['admin-port']) dpArgs.push('--admin-port', args.flags['admin-port'][0]);
  for (const v of args.flags['port-map'] ?? []) dpArgs.push('--port-map', v);
  for (const v of args.flags.backend ?? []) dpArgs.push('--backend', v);
  if (args.switches.has('no-access-log')) dpArgs.push('--no-access-log');
  const env: Record<string, string> = {};
  for (const k of DATA_PLANE_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  // as in a pod: boot.js runs the gzipped bundle (the package ships only dataplane.js.gz, what synth reads)
  const assets = path.join(packageRoot(), 'assets');
  const child: ChildProcess = spawn(process.execPath, [path.join(assets, BOOT_FILE), '--', path.join(assets, BUNDLE_FILE), ...dpArgs], {
    env, stdio: ['ignore', 'inherit', 'inherit'],
  });

  return new Promise<number>((resolve) => {
    let stopping = false;
    const finish = (code: number) => {
      running.sync.stop();
      running.client.close();
      log.flush();
      fs.rmSync(dir, { recursive: true, force: true });
      resolve(code);
    };
    child.on('exit', (code, signal) => {
      if (!stopping) process.stderr.write(`cdk8s-gateway serve: the data plane exited (${signal ?? code})\n`);
      finish(stopping ? 0 : code ?? 1);
    });
    const stop = () => {
      if (stopping) return;
      stopping = true;
      child.kill('SIGTERM');
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
