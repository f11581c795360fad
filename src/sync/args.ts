/** sync's command line, and starting it (shared by the pod's sync.js and `cdk8s-gateway serve --kubeconfig`). */
import { GatewaySync } from './gateway-sync';
import { KubeClient } from './kube-client';
import { loadClusterAccess } from './kubeconfig';
import { Logger, LogLevel, parseLogLevel } from '../dataplane/ops/log';

export const SYNC_USAGE = `usage: sync --gateway <ns>/<name> --sync-dir <dir> [options]

  --gateway <ns>/<name>   the Gateway this pod serves
  --sync-dir <dir>        the directory shared with the data plane (config, endpoints, certificates, metrics)
  --kubeconfig <file>     a kubeconfig (default: the pod's ServiceAccount)
  --context <name>        a context of that kubeconfig (default: its current-context)
  --any-gateway-class     compile the Gateway whatever its gatewayClassName (a local run)
  --log-level <level>     debug, info, warn, error or off (default info)
`;

export interface SyncArgs {
  readonly gateway: { namespace: string; name: string };
  readonly dir: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly anyGatewayClass: boolean;
  readonly logLevel: LogLevel;
}

export class SyncUsageError extends Error {}

export function parseSyncArgs(argv: readonly string[]): SyncArgs {
  let gateway: string | undefined;
  let dir: string | undefined;
  let kubeconfig: string | undefined;
  let context: string | undefined;
  let anyGatewayClass = false;
  let logLevel: LogLevel = 'info';
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new SyncUsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--gateway': gateway = value(); break;
      case '--sync-dir': dir = value(); break;
      case '--kubeconfig': kubeconfig = value(); break;
      case '--context': context = value(); break;
      case '--any-gateway-class': anyGatewayClass = true; break;
      case '--log-level': logLevel = parseLogLevel(value()); break;
      default: throw new SyncUsageError(`unknown option "${flag}"`);
    }
  }
  const m = gateway ? /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(gateway) : null;
  if (!m) throw new SyncUsageError(`--gateway must be <namespace>/<name>, got "${gateway ?? ''}"`);
  if (!dir) throw new SyncUsageError('--sync-dir <dir> is required');
  if (context && !kubeconfig) throw new SyncUsageError('--context needs --kubeconfig');
  return { gateway: { namespace: m[1], name: m[3] }, dir, kubeconfig, context, anyGatewayClass, logLevel };
}

/** Starts sync; returns it running (stop() ends it). */
export async function startSync(args: SyncArgs, log: Logger): Promise<{ sync: GatewaySync; client: KubeClient }> {
  const access = await loadClusterAccess({ file: args.kubeconfig, context: args.context });
  const client = new KubeClient(access);
  const sync = new GatewaySync(client, { gateway: args.gateway, dir: args.dir, anyGatewayClass: args.anyGatewayClass, log });
  log.info('sync starting', { gateway: `${args.gateway.namespace}/${args.gateway.name}`, apiServer: access.server, credentials: access.description });
  void sync.start();
  return { sync, client };
}

