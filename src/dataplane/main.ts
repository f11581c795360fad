/**
 * The data-plane process: `node dataplane.js --config <file> [options]` (see DATAPLANE_USAGE).
 * Bundled by esbuild into assets/dataplane.js; no runtime dependencies.
 *
 * stdout: `admin <addr>:<port>`, one `listening <protocol> <listenerPort> <addr>:<port> <listener id>` per
 * bound listener, then `ready`; after that, JSON log lines (access log and events).
 */
import { DATAPLANE_USAGE, parseDataPlaneArgs, UsageError } from './args';
import { ConfigError, DataPlane } from './dataplane';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(DATAPLANE_USAGE);
    return 0;
  }
  let args;
  try {
    args = parseDataPlaneArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`dataplane: ${e.message}\n\n${DATAPLANE_USAGE}`);
      return 2;
    }
    throw e;
  }
  const dp = new DataPlane(args);
  process.on('uncaughtException', (err) => {
    // a bug must not take every other connection down with it
    dp.log.error('uncaught exception', { error: err.message, stack: err.stack });
  });
  try {
    await dp.start();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`dataplane: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    dp.log.info('signal received', { signal });
    dp.shutdown().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => dp.reload());
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: Error) => {
    process.stderr.write(`dataplane: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
