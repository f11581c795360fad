/**
 * The sync process of a cluster-mode data-plane pod: `node sync.js --gateway <ns>/<name> --sync-dir <dir>`
 * (in the pod, started by boot.js from the gzipped bundle like the data plane). It is the only process of
 * the pod with API credentials: the ServiceAccount token projected into its container alone.
 * Bundled by esbuild into assets/sync.js.
 */
import { parseSyncArgs, startSync, SYNC_USAGE, SyncArgs, SyncUsageError } from './args';
import { KubeconfigError } from './kubeconfig';
import { Logger } from '../dataplane/ops/log';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SYNC_USAGE);
    return 0;
  }
  let args: SyncArgs;
  try {
    args = parseSyncArgs(argv);
  } catch (e) {
    if (e instanceof SyncUsageError || /--log-level/.test((e as Error).message)) {
      process.stderr.write(`sync: ${(e as Error).message}\n\n${SYNC_USAGE}`);
      return 2;
    }
    throw e;
  }
  const log = new Logger(args.logLevel);
  let running;
  try {
    running = await startSync(args, log);
  } catch (e) {
    if (e instanceof KubeconfigError) {
      process.stderr.write(`sync: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  process.on('uncaughtException', (err) => log.error('uncaught exception', { error: err.message, stack: err.stack }));
  const stop = async () => {
    // the Lease is released first: another pod writes status at its next try instead of a lease period later
    await running.election?.stop();
    running.writer?.stop();
    running.sync.stop();
    running.sync.writeMetrics();
    running.client.close();
    log.flush();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: Error) => {
    process.stderr.write(`sync: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
